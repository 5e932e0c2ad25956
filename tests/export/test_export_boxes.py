"""Word boxes from a CTC alignment, and the formats that carry them: hOCR, ALTO, searchable PDF."""
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from genocr.export import render
from genocr.predict.boxes import line_boxes
from genocr.predict.generation import Generation
from genocr.results import Block, Line, PageResult, ReadResult, Word

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
SCHEMAS = Path(__file__).resolve().parents[2] / "genocr" / "export" / "schemas"


def iou(a, b) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def drawn_line(words: list[str]) -> tuple[Image.Image, list[tuple[int, int, int, int]], list]:
    """A line image, each word's true box, and CTC-like characters: each emitted over a few
    pixels around its middle, as a CTC reader places them (not at its edges)."""
    font = ImageFont.truetype(FONT, 28)
    image = Image.new("RGB", (900, 50), "white")
    draw = ImageDraw.Draw(image)
    x, boxes, chars = 12.0, [], []
    for k, word in enumerate(words):
        box = draw.textbbox((x, 8), word, font=font)
        draw.text((x, 8), word, font=font, fill="black")
        boxes.append(box)
        for i, ch in enumerate(word):
            mid = x + font.getlength(word[:i]) + font.getlength(ch) / 2
            chars.append((ch, mid - 2, mid + 2, 0.9))
        x += font.getlength(word)
        if k < len(words) - 1:
            space = font.getlength(" ")
            chars.append((" ", x + space / 2 - 1, x + space / 2 + 1, 0.8))
            x += space
    return image, boxes, chars


def test_word_boxes_land_on_their_words_from_a_coarse_alignment() -> None:
    words = ["Searchable", "PDFs,", "hOCR", "and", "ALTO", "(v4)."]
    image, truth, chars = drawn_line(words)
    line = line_boxes(Generation(" ".join(words), 0, 0, "stop", 0.0, 0.9, chars), image, (100, 200))
    assert [w.text for w in line.words] == words
    for w, t in zip(line.words, truth):
        shifted = (t[0] + 100, t[1] + 200, t[2] + 100, t[3] + 200)
        assert iou(w.box, shifted) > 0.8, (w.text, w.box, shifted)
    assert line.box[0] <= line.words[0].box[0] and line.box[2] >= line.words[-1].box[2]


def result_for(image: Image.Image, words: list[str], source: str = "page.png") -> ReadResult:
    _, truth, chars = drawn_line(words)
    line = line_boxes(Generation(" ".join(words), 0, 0, "stop", 0.0, 0.9, chars), image, (0, 0))
    page = PageResult([1], line.text, width=image.width, height=image.height, dpi=150,
                      blocks=[Block("text", line.box, [line])])
    return ReadResult(source, "genocr-small", "plain", "text", [page], boxes=True)


def test_hocr_and_alto_carry_every_word_and_alto_is_valid() -> None:
    etree = pytest.importorskip("lxml.etree")
    words = ["Where", "the", "words", "are"]
    image, _, _ = drawn_line(words)
    result = result_for(image, words)
    hocr = etree.fromstring(render(result, "hocr").encode())
    ns = {"h": "http://www.w3.org/1999/xhtml"}
    spans = hocr.findall(".//h:span[@class='ocrx_word']", ns)
    assert [s.text for s in spans] == words
    assert all(s.get("title").startswith("bbox ") and "x_wconf 90" in s.get("title") for s in spans)
    assert hocr.find(".//h:div[@class='ocr_page']", ns).get("title").count("bbox 0 0 900 50") == 1
    if shutil.which("hocr-spec"):  # the hOCR 1.2 validator (dev extra)
        check = subprocess.run(["hocr-spec", "-"], input=render(result, "hocr"), capture_output=True, text=True)
        assert "Document is valid" in check.stdout + check.stderr, check.stdout + check.stderr
    alto = etree.fromstring(render(result, "alto").encode())
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / "alto-4-4.xsd")))
    assert schema.validate(alto), schema.error_log
    strings = alto.findall(".//{http://www.loc.gov/standards/alto/ns-v4#}String")
    assert [s.get("CONTENT") for s in strings] == words


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
@pytest.mark.parametrize("kind", ["png", "pdf"])
def test_searchable_pdf_round_trip(kind: str, tmp_path: Path) -> None:
    words = ["Select,", "search", "and", "copy", "these", "words"]
    image, _, _ = drawn_line(words)
    if kind == "png":
        source = tmp_path / "scan.png"
        image.save(source, dpi=(150, 150))
    else:  # an image-only PDF page, as a scanner makes
        source = tmp_path / "scan.pdf"
        image.save(source, "PDF", resolution=150)
    result = result_for(image, words, str(source))
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(render(result, "pdf", str(source)))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert text.split() == words
    bbox = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    import re

    found = [tuple(float(v) * 150 / 72 for v in m) for m in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', bbox)]
    for w, f in zip(result.pages[0].words, found):
        assert iou(w.box, f) > 0.9, (w.text, w.box, f)
    if kind == "pdf":  # the original page is kept as it was: its image stream is untouched
        import pikepdf

        with pikepdf.open(source) as before, pikepdf.open(pdf) as after:
            old = next(iter(before.pages[0].images.values())).read_raw_bytes()
            new = next(iter(after.pages[0].images.values())).read_raw_bytes()
            assert old == new


def test_html_overlay_draws_each_word(tmp_path: Path) -> None:
    words = ["Check", "by", "eye"]
    image, _, _ = drawn_line(words)
    source = tmp_path / "page.png"
    image.save(source)
    html = render(result_for(image, words, str(source)), "html", str(source))
    assert html.count("<rect ") == 3 and "data:image/jpeg;base64," in html
    assert "<title>Check (90%)</title>" in html


def test_the_tree_survives_json() -> None:
    image, _, _ = drawn_line(["round", "trip"])
    result = result_for(image, ["round", "trip"])
    again = ReadResult.from_dict(json.loads(result.to_json()))
    assert again == result and isinstance(again.pages[0].blocks[0].lines[0].words[0], Word)
