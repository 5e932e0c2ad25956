"""ALTO v4 XML (valid against the vendored ``alto-4-4.xsd``): Page, PrintSpace, TextBlock,
TextLine and String with positions in pixels and word confidence ``WC``.

ALTO has no place for text without coordinates, so a result without positions (a model that
reads pages end to end) is refused rather than written empty or with invented boxes.
"""
from __future__ import annotations

from xml.sax.saxutils import quoteattr

from genocr.errors import OptionError
from genocr.results import Box, ReadResult

NAMESPACE = "http://www.loc.gov/standards/alto/ns-v4#"
SCHEMA = "http://www.loc.gov/standards/alto/v4/alto-4-4.xsd"


def _pos(box: Box) -> str:
    x0, y0, x1, y1 = box
    return f'HPOS="{x0}" VPOS="{y0}" WIDTH="{x1 - x0}" HEIGHT="{y1 - y0}"'


def render(result: ReadResult) -> str:
    from genocr import __version__

    if not result.boxes and any(p.text for p in result.pages):
        raise OptionError("the result has no word positions, which ALTO needs (genocr-small gives them when it "
                          "reads plain text)")
    layout = []
    for p in result.pages:
        n = p.pages[0]
        layout.append(f'    <Page ID="page_{n}" PHYSICAL_IMG_NR="{n}" WIDTH="{p.width}" HEIGHT="{p.height}">')
        layout.append(f'      <PrintSpace {_pos((0, 0, p.width, p.height))}>')
        for b, block in enumerate(p.blocks, 1):
            layout.append(f'        <TextBlock ID="block_{n}_{b}" {_pos(block.box)}>')
            for i, line in enumerate(block.lines, 1):
                layout.append(f'          <TextLine ID="line_{n}_{b}_{i}" {_pos(line.box)}>')
                for j, w in enumerate(line.words, 1):
                    if j > 1:
                        layout.append("            <SP/>")
                    layout.append(f'            <String ID="word_{n}_{b}_{i}_{j}" {_pos(w.box)} '
                                  f'CONTENT={quoteattr(w.text)} WC="{w.confidence:.3f}"/>')
                layout.append("          </TextLine>")
            layout.append("        </TextBlock>")
        layout.append("      </PrintSpace>\n    </Page>")
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<alto xmlns="{NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="{NAMESPACE} {SCHEMA}">',
        "  <Description>", "    <MeasurementUnit>pixel</MeasurementUnit>",
        f"    <sourceImageInformation><fileName>{quoteattr(result.source)[1:-1]}</fileName></sourceImageInformation>",
        '    <OCRProcessing ID="ocr_1"><ocrProcessingStep><processingSoftware>',
        f"      <softwareName>genocr</softwareName><softwareVersion>{__version__} ({quoteattr(result.model)[1:-1]})</softwareVersion>",
        "    </processingSoftware></ocrProcessingStep></OCRProcessing>", "  </Description>",
        "  <Layout>", *layout, "  </Layout>", "</alto>", ""])
