"""hOCR 1.2: one ``ocr_page`` per page, then areas, lines and words with ``bbox`` and ``x_wconf``.

Pages without word positions (a model that gives none, or formulas and tables read as LaTeX)
carry their text in one ``ocr_carea`` without boxes below the page's: hOCR allows it, and
nothing is invented.
"""
from __future__ import annotations

from html import escape

from genocr.results import Box, ReadResult

CAPABILITIES = "ocr_page ocr_carea ocr_par ocr_line ocrx_word ocrp_wconf"


def _bbox(box: Box) -> str:
    return "bbox {} {} {} {}".format(*box)


def render(result: ReadResult) -> str:
    from genocr import __version__

    body = []
    for p in result.pages:
        n = p.pages[0]
        props = [f'image "{escape(result.source)}"', f"ppageno {n - 1}"]
        if p.width:
            props.insert(1, f"bbox 0 0 {p.width} {p.height}")
        if p.dpi:
            props.append(f"scan_res {p.dpi} {p.dpi}")
        body.append(f'  <div class="ocr_page" id="page_{n}" title="{escape("; ".join(props))}">')
        if not p.lines and p.text:  # no positions (a whole-page model, or formulas read as LaTeX)
            body.append(f'   <div class="ocr_carea" id="block_{n}_1"><p class="ocr_par">{escape(p.text)}</p></div>')
            body.append("  </div>")
            continue
        for b, block in enumerate(p.blocks, 1):
            body.append(f'   <div class="ocr_carea" id="block_{n}_{b}" title="{_bbox(block.box)}">')
            body.append(f'    <p class="ocr_par" id="par_{n}_{b}" title="{_bbox(block.box)}">')
            for i, line in enumerate(block.lines, 1):
                body.append(f'     <span class="ocr_line" id="line_{n}_{b}_{i}" '
                            f'title="{_bbox(line.box)}; x_wconf {round(100 * line.confidence)}">')
                for j, w in enumerate(line.words, 1):
                    body.append(f'      <span class="ocrx_word" id="word_{n}_{b}_{i}_{j}" '
                                f'title="{_bbox(w.box)}; x_wconf {round(100 * w.confidence)}">{escape(w.text)}</span>')
                body.append("     </span>")
            body.append("    </p>\n   </div>")
        body.append("  </div>")
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" '
        '"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">',
        '<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">',
        " <head>", f"  <title>{escape(result.source)}</title>",
        '  <meta http-equiv="Content-Type" content="text/html; charset=utf-8"/>',
        f'  <meta name="ocr-system" content="genocr {__version__} ({escape(result.model)})"/>',
        f'  <meta name="ocr-capabilities" content="{CAPABILITIES}"/>',
        '  <meta name="ocr-langs" content="en"/>',
        f'  <meta name="ocr-number-of-pages" content="{len(result.pages)}"/>',
        " </head>", " <body>", *body, " </body>", "</html>", ""])
