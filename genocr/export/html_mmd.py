"""Mathpix markdown to HTML: headings, paragraphs, tables; math is left in its delimiters.

Math is hidden from the markdown parser (which would read ``_`` and ``*`` in it as emphasis)
and put back verbatim, HTML-escaped, each span in a ``<span class="math">`` for KaTeX to
typeset in the browser; without KaTeX the reader sees the LaTeX source.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

from markdown_it import MarkdownIt

from genocr.export import mmd

_MARKDOWN = MarkdownIt("commonmark", {"html": False})  # raw HTML in the text is shown, never run
_HIDDEN = re.compile("\ue000(\\d+)\ue001")  # private-use characters mark where a math span was


def render(text: str) -> str:
    """The HTML of one page of formatted output."""
    return "\n".join(_block(block) for block in mmd.blocks(text))


def inline(text: str) -> str:
    """One line of Mathpix markdown (a heading or a table cell) as inline HTML."""
    return _with_math_hidden(text, _MARKDOWN.renderInline)


def table(rows: list[list[mmd.Cell]], content: Callable[[str], str] = inline, css_class: str = "tabular") -> str:
    """A <table> with colspan/rowspan for merged cells; ``content`` turns a cell's text into HTML."""
    lines = []
    for row in rows:
        cells = "".join(f"<td{_spans(cell)}>{content(cell.text)}</td>" for cell in row)
        lines.append(f"<tr>{cells}</tr>")
    return f'<table class="{css_class}">\n' + "\n".join(lines) + "\n</table>"


def _block(block: mmd.Block) -> str:
    if isinstance(block, mmd.Heading):
        level = block.level + 1  # <h1> is the document's own title
        return f"<h{level}>{inline(block.text)}</h{level}>"
    if isinstance(block, mmd.Table):
        return table(block.rows)
    return _with_math_hidden(block.text, _MARKDOWN.render)


def _spans(cell: mmd.Cell) -> str:
    colspan = f' colspan="{cell.colspan}"' if cell.colspan > 1 else ""
    return colspan + (f' rowspan="{cell.rowspan}"' if cell.rowspan > 1 else "")


def _with_math_hidden(text: str, convert: Callable[[str], str]) -> str:
    """``convert(text)`` with each math span replaced by a marker first and restored after."""
    spans: list[str] = []

    def hide(m: re.Match[str]) -> str:
        spans.append(m.group())
        return f"\ue000{len(spans) - 1}\ue001"

    converted = convert(mmd.MATH.sub(hide, text.translate({0xE000: None, 0xE001: None})))
    return _HIDDEN.sub(lambda m: f'<span class="math">{escape(spans[int(m.group(1))], quote=False)}</span>', converted)
