"""GitHub-flavoured markdown.

Plain results are escaped so that they render as the text that was read. Formatted results
are converted from Mathpix markdown where GitHub has an equivalent (headings, ``$`` math, pipe
tables); tables with merged cells, TikZ, sheet music and SMILES stay as source in code blocks.
"""
from __future__ import annotations

import re

from genocr.export import chart, mmd, pages
from genocr.results import ReadResult

_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$&])")
# What would start a list item or underline a heading: "- ", "+ ", "=" and the "." of "1.".
_LINE_MARKER = re.compile(r"^(\s*(?:\d+)?)((?<!\d)[-+=]|(?<=\d)[.)])", re.MULTILINE)
_FENCE_LANGUAGE = {"kern": "", "tikz": "latex", "smiles": ""}


def render(result: ReadResult) -> str:
    """All pages, each under an HTML comment naming it, separated by horizontal rules."""
    convert = formatted if result.output_format == "markdown" else plain
    parts = []
    for page in result.pages:
        note = pages.warning(page)
        comment = f"<!-- {pages.label(page)}{': ' + note if note else ''} -->"
        parts.append(f"{comment}\n\n{convert(page.text)}".rstrip())
    return "\n\n---\n\n".join(parts) + "\n" if parts else ""


def plain(text: str) -> str:
    """Text escaped so markdown shows it literally; line and paragraph breaks are kept."""
    return _LINE_MARKER.sub(r"\1\\\2", _SPECIAL.sub(r"\\\1", text))


def formatted(text: str) -> str:
    """Mathpix markdown as GitHub markdown."""
    kind = mmd.kind(text)
    if kind == "chart":
        return _chart(chart.parse(text))  # type: ignore[arg-type]  # kind() checked it parses
    if kind != "markdown":
        return fence(text.strip(), _FENCE_LANGUAGE[kind])
    return "\n\n".join(_block(block) for block in mmd.blocks(text))


def fence(code: str, language: str = "") -> str:
    """A fenced code block longer than any backtick run inside ``code``."""
    ticks = "`" * max(3, 1 + max((len(run) for run in re.findall(r"`+", code)), default=0))
    return f"{ticks}{language}\n{code}\n{ticks}"


def _block(block: mmd.Block) -> str:
    if isinstance(block, mmd.Heading):
        return f"{'#' * block.level} {_math(block.text)}"
    if isinstance(block, mmd.Table):
        return _table(block)
    return _math(block.text)


def _math(text: str) -> str:
    r"""``\( x \)`` as ``$x$`` and ``\[ x \]`` as ``$$x$$`` (on lines of their own when it stood alone)."""

    def convert(m: re.Match[str]) -> str:
        span = m.group()
        if span.startswith("\\("):
            return f"${span[2:-2].strip()}$"
        if not span.startswith("\\["):
            return span
        before, after = m.string[m.start() - 1 : m.start()], m.string[m.end() : m.end() + 1]
        alone = before in ("", "\n") and after in ("", "\n")
        body = span[2:-2].strip()
        return f"$$\n{body}\n$$" if alone else f"$${body}$$"

    return mmd.MATH.sub(convert, text)


def _table(table: mmd.Table) -> str:
    """A pipe table (first row as header), or the LaTeX source when cells are merged."""
    if table.spans or not table.rows:
        return fence(table.source, "latex")
    return _pipe_table([[_math(_one_line(c.text)).replace("|", "\\|") for c in row] for row in table.rows])


def _chart(data: dict | list) -> str:
    """Scalar fields as a list, then one pipe table per nested field."""
    fields, grids = chart.describe(data)
    parts = ["\n".join(f"- **{plain(k)}**: {plain(v)}".rstrip() for k, v in fields)] if fields else []
    for grid in grids:
        table = _pipe_table([[plain(_one_line(c)) for c in row] for row in [grid.header, *grid.rows]])
        parts.append(f"**{plain(grid.name)}**\n\n{table}" if grid.name else table)
    return "\n\n".join(parts)


def _pipe_table(rows: list[list[str]]) -> str:
    width = max(len(row) for row in rows)

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cells + [""] * (width - len(cells))) + " |"

    return "\n".join([line(rows[0]), line(["---"] * width), *map(line, rows[1:])])


def _one_line(text: str) -> str:
    return " ".join(text.split())
