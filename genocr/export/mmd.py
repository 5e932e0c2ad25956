"""Parse GOT's formatted output (Mathpix markdown) into blocks that the md and html writers share.

Only the constructs GOT emits are recognised: ``\\title``/``\\section``-style headings, LaTeX
``tabular`` environments and math spans; everything else is kept as text. Whole outputs that
are not markdown at all (sheet music, TikZ, chart data, a SMILES string) are told apart by
:func:`kind` so that each writer can show them in the way that suits it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

from genocr.export import chart

# Display math first so that "$$" is not read as two empty "$" spans. A span never holds its
# own opening delimiter, which keeps a run of unclosed ones (a looping output) linear.
MATH = re.compile(
    r"\$\$.+?\$\$|\\\[(?:(?!\\\[).)+?\\\]|\\\((?:(?!\\\().)+?\\\)"
    r"|(?<![\\$])\$(?=\S)[^$\n]+?(?<![\s\\])\$(?!\d)",
    re.DOTALL,
)
_BLOCK = re.compile(r"\\(title|section|subsection|subsubsection)\*?\s*(?=\{)|\\begin\{tabular\}")
_LEVELS = {"title": 1, "section": 2, "subsection": 3, "subsubsection": 4}
_BRACES = re.compile(r"\\.|(?P<open>\{)|(?P<close>\})", re.DOTALL)
_TABULARS = re.compile(r"(?P<open>\\begin\{tabular\})|(?P<close>\\end\{tabular\})")
_RULES = re.compile(r"\\(?:hline|toprule|midrule|bottomrule)\b|\\(?:cline|cmidrule)(?:\([^)]*\))?\{[^}]*\}")
_ROW_OPTION = re.compile(r"^\s*\[[^\]]*\]")  # the spacing argument of "\\[2pt]"
_OPTIONAL = re.compile(r"\s*(?:\[[^\]]*\]\s*)*")  # whitespace and [optional] arguments
# One SMILES token: organic-subset atoms, bracket atoms, bonds, branches, ring closures.
_SMILES = re.compile(r"(?:Cl|Br|[BCNOPSFI]|[bcnops]|\[[^\]\s]+\]|[-=#$:/\\.()*]|%\d\d|\d)+")


@dataclass(frozen=True)
class Heading:
    level: int  # 1 for \title, 2 for \section, 3 for \subsection, 4 for \subsubsection
    text: str


@dataclass(frozen=True)
class Text:
    """Running text between headings and tables: paragraphs, inline and display math."""

    text: str


@dataclass(frozen=True)
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1


@dataclass(frozen=True)
class Table:
    """A tabular as rows of cells; cells hidden under a multirow from above are left out."""

    rows: list[list[Cell]]
    source: str  # the LaTeX it came from, for writers that cannot show spans

    @property
    def spans(self) -> bool:
        return any(c.colspan > 1 or c.rowspan > 1 for row in self.rows for c in row)


Block = Heading | Text | Table


def kind(text: str) -> str:
    """What a formatted output is: "kern", "tikz", "chart", "smiles" or "markdown"."""
    stripped = text.strip()
    if "**kern" in stripped:
        return "kern"
    if "\\begin{tikzpicture}" in stripped:
        return "tikz"
    if chart.parse(stripped) is not None:
        return "chart"
    if _SMILES.fullmatch(stripped) and re.search(r"[A-Z\[]", stripped):
        return "smiles"
    return "markdown"


def blocks(text: str) -> list[Block]:
    """Split formatted output into headings, tables and the text between them."""
    out: list[Block] = []
    braces, tabulars = _closing(text, _BRACES), _closing(text, _TABULARS)
    pos = 0
    for m in _BLOCK.finditer(text):
        if m.start() < pos:
            continue
        end = braces.get(m.end()) if m.group(1) else tabulars.get(m.start())
        if end is None:  # unbalanced braces or no \end{tabular}: leave it as text
            continue
        if text[pos : m.start()].strip():
            out.append(Text(text[pos : m.start()].strip("\n")))
        if m.group(1):
            out.append(Heading(_LEVELS[m.group(1)], text[m.end() + 1 : end - 1].strip()))
        else:
            out.append(parse_tabular(text[m.start() : end]))
        pos = end
    if text[pos:].strip():
        out.append(Text(text[pos:].strip("\n")))
    return out


def parse_tabular(source: str) -> Table:
    """Rows and cells of one ``\\begin{tabular}{spec} ... \\end{tabular}``."""
    body = source[len("\\begin{tabular}") : source.rfind("\\end{tabular}")]
    body = body[_OPTIONAL.match(body).end() :]  # type: ignore[union-attr]  # as in \begin{tabular}[t]
    if body.startswith("{"):  # the column spec
        body = body[_closing(body, _BRACES).get(0, 0) :]
    body = _RULES.sub("", body)
    rows: list[list[Cell]] = []
    covered: dict[int, int] = {}  # column -> rows still covered by a multirow above
    for raw in split_top(body, "\\\\"):
        cells = [_cell(c) for c in split_top(_ROW_OPTION.sub("", raw), "&")]
        if len(cells) == 1 and not cells[0].text:
            continue
        row: list[Cell] = []
        spanned: dict[int, int] = {}  # this row's multirows, by column
        col = 0
        for cell in cells:
            if not (covered.get(col) and not cell.text):
                row.append(cell)
                spanned |= {c: cell.rowspan - 1 for c in range(col, col + cell.colspan) if cell.rowspan > 1}
            col += cell.colspan
        rows.append(row)
        covered = {c: n - 1 for c, n in covered.items() if n > 1} | spanned
    return Table(rows, source)


def split_top(text: str, sep: str) -> list[str]:
    """Split at ``sep`` outside braces, skipping escaped characters such as ``\\&``."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        if depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i])
            i = start = i + len(sep)
            continue
        ch = text[i]
        depth += (ch == "{") - (ch == "}")
        i += 2 if ch == "\\" else 1
    return parts + [text[start:]]


def _cell(text: str) -> Cell:
    """A cell, unwrapping \\multicolumn{n}{spec}{x} and \\multirow{n}{width}{x} (nested too)."""
    text = text.strip()
    if args := _command_args(text, "multicolumn", 3):
        return replace(_cell(args[2]), colspan=_count(args[0]))
    if args := _command_args(text, "multirow", 3):
        return replace(_cell(args[2]), rowspan=_count(args[0]))
    return Cell(text)


def _count(arg: str) -> int:
    return max(int(arg), 1) if arg.strip().isdigit() else 1


def _command_args(text: str, name: str, count: int) -> list[str] | None:
    """The ``count`` braced arguments when ``text`` is exactly one ``\\name`` command."""
    if not re.match(rf"\\{name}(?![a-zA-Z])", text):
        return None
    braces = _closing(text, _BRACES)
    args: list[str] = []
    pos = len(name) + 1
    while len(args) < count:
        pos = _OPTIONAL.match(text, pos).end()  # type: ignore[union-attr]  # always matches
        end = braces.get(pos)
        if end is None:
            return None
        args.append(text[pos + 1 : end - 1])
        pos = end
    return args if not text[pos:].strip() else None


def _closing(text: str, pattern: re.Pattern[str]) -> dict[int, int]:
    """For each opener that is closed: where it starts -> where its closer ends (one linear pass)."""
    openers: list[int] = []
    pairs: dict[int, int] = {}
    for m in pattern.finditer(text):
        if m.group("open"):
            openers.append(m.start())
        elif m.group("close") and openers:
            pairs[openers.pop()] = m.end()
    return pairs
