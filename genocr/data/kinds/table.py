"""Table images typeset by LaTeX (GOT's table engine, paper §3.3.2), target the ``tabular``.

Tables come in the three looks that dominate papers: full grid, horizontal rules only (plain
``\\hline`` or booktabs) and no rules at all, with merged cells (``\\multirow`` and
``\\multicolumn``). One grid model writes both the LaTeX target and the HTML in
``meta["html"]``, so the two always describe the same cells. Cell words come from
``genocr.data.corpus``; :func:`words` serves the other LaTeX and chart kinds too.
"""
from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np

from .. import latex
from ..corpus import choice, english_words
from ..sample import Sample, register_kind

PREAMBLE = r"\usepackage{amsmath,multirow,booktabs}"
STYLES = ("grid", "hline", "booktabs", "plain")  # papers' tables: any but the grid
PAPER = 0.4  # share of tables as long as a paper's (random_grid's ``paper``)
PAPER_SIZES = ("", r"\small ", r"\footnotesize ")
MAX_CHARS = 640  # about 600 of the format decoder's tokens (its limit: 640)
# Share of tables rasterised small (65-108 dpi instead of 130-216): the dev set's PubTabNet
# tables have glyphs of 4-6 px (Otsu heights, median 5) where this kind's had 8-14 (median 11.5),
# so the reader, which scales a crop to 14-px glyphs, met them upscaled 2.3-3.5x and blurred,
# a sight no training table showed it.
SMALL = 0.35


def words(rng: np.random.Generator, lo: int, hi: int, capital: bool = True) -> str:
    """``lo``..``hi`` random English words (letters only, so LaTeX needs no escaping)."""
    text = " ".join(choice(rng, english_words()) for _ in range(int(rng.integers(lo, hi + 1))))
    return text[:1].upper() + text[1:] if capital else text


@dataclass
class Cell:
    row: int
    col: int
    tex: str
    html: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class Grid:
    """A table as cells on an ``nrows`` x ``ncols`` grid; every grid position has one owner."""

    nrows: int
    ncols: int
    cells: list[Cell]
    align: str
    style: str

    def owner(self, r: int, c: int) -> Cell:
        """The cell that covers grid position (r, c)."""
        return next(x for x in self.cells
                    if x.row <= r < x.row + x.rowspan and x.col <= c < x.col + x.colspan)


def _number(rng: np.random.Generator, kind: int) -> tuple[str, str]:
    """A (tex, html) numeric cell of one of a few column formats (4 and up: papers' own)."""
    value = rng.uniform(0, 100)
    if kind < 2:
        text = str(int(value * 10)) if kind == 0 else f"{value:.2f}"
        return text, text
    if kind == 2:
        return f"{value:.1f}\\%", f"{value:.1f}%"
    if kind == 3:
        err = rng.uniform(0.01, 2)
        return f"${value:.2f} \\pm {err:.2f}$", f"{value:.2f} ± {err:.2f}"
    if kind == 4:  # a P value
        text = f"{value / 100:.3f}" if rng.random() < 0.7 else f"{value / 10:.2f}E-{int(rng.integers(2, 12)):02d}"
        return text, text
    if kind == 5:  # a count and its share
        text = f"{int(value * 3)} ({value:.1f})"
        return text, text
    if kind == 6:
        return "$<$0.001", "<0.001"
    return "", ""  # a blank cell


def random_grid(rng: np.random.Generator, max_rows: int = 7, max_cols: int = 5, paper: bool = False) -> Grid:
    """A header row, a label column and numeric columns, with some merged cells. A ``paper``
    table is as long as a results table of a paper (PubTabNet's: the dev set's have 9 rows and
    65 cells in the median, where these had 4 and 12): 5 to 14 rows of 3 to 6 columns, labels of
    up to four words, P values, counts with shares and blank cells among the figures."""
    if paper:
        ncols = int(rng.integers(3, 7))
        nrows = int(rng.integers(5, min(14, 48 // ncols) + 1))
    else:
        nrows, ncols = int(rng.integers(2, max_rows + 1)), int(rng.integers(2, max_cols + 1))
    merge_p = 0.15 if rng.random() < 0.5 else 0.0
    formats = rng.integers(0, 8 if paper else 4, size=ncols)
    taken = np.zeros((nrows, ncols), bool)
    cells: list[Cell] = []
    for r in range(nrows):
        for c in range(ncols):
            if taken[r, c]:
                continue
            rowspan = colspan = 1
            if rng.random() < merge_p:
                if rng.random() < 0.5:
                    free = int(np.argmax(np.append(taken[r, c:], True)))
                    colspan = int(rng.integers(1, min(free, 3) + 1))
                else:
                    rowspan = int(rng.integers(1, min(nrows - r, 3) + 1))
            if r == 0 or c == 0 or rowspan * colspan > 1:
                tex = htm = words(rng, 1, 4 if paper and c == 0 and r > 0 else 2)
            else:
                tex, htm = _number(rng, int(formats[c]))
            cells.append(Cell(r, c, tex, html.escape(htm, quote=False), rowspan, colspan))
            taken[r : r + rowspan, c : c + colspan] = True
    align = "l" + "".join(rng.choice(list("lcr")) if rng.random() < 0.3 else "c" for _ in range(ncols - 1))
    return Grid(nrows, ncols, cells, align, choice(rng, STYLES[1:] if paper else STYLES))


def _rule(g: Grid, r: int, full: str, partial: str) -> str:
    """A rule under row ``r`` (-1: above the table) that skips columns a multirow crosses."""
    if r < 0 or r == g.nrows - 1:
        return full
    open_cols = [c for c in range(g.ncols) if g.owner(r, c) is not g.owner(r + 1, c)]
    if len(open_cols) == g.ncols:
        return full
    runs: list[list[int]] = []
    for c in open_cols:
        if runs and runs[-1][-1] == c - 1:
            runs[-1].append(c)
        else:
            runs.append([c])
    return " ".join(f"{partial}{{{run[0] + 1}-{run[-1] + 1}}}" for run in runs)


def _row(g: Grid, r: int) -> str:
    parts, c = [], 0
    while c < g.ncols:
        cell = g.owner(r, c)
        text = cell.tex if cell.row == r else ""
        if cell.row == r and cell.rowspan > 1:
            text = f"\\multirow{{{cell.rowspan}}}{{*}}{{{text}}}"
        if cell.colspan > 1:
            bars = ("|" if c == 0 else "", "|") if g.style == "grid" else ("", "")
            text = f"\\multicolumn{{{cell.colspan}}}{{{bars[0]}c{bars[1]}}}{{{text}}}"
        parts.append(text)
        c += cell.colspan
    return " & ".join(parts) + r" \\"


def to_latex(g: Grid) -> str:
    """The ``tabular`` source, one row or rule per line."""
    spec = "|" + "|".join(g.align) + "|" if g.style == "grid" else g.align
    rules = {
        "grid": {r: ("\\hline", "\\cline") for r in range(-1, g.nrows)},
        "hline": {r: ("\\hline", "\\cline") for r in (-1, 0, g.nrows - 1)},
        "booktabs": {
            -1: ("\\toprule", ""), 0: ("\\midrule", "\\cmidrule"), g.nrows - 1: ("\\bottomrule", "")
        },
        "plain": {},
    }[g.style]
    lines = [f"\\begin{{tabular}}{{{spec}}}"]
    for r in range(-1, g.nrows):
        if r >= 0:
            lines.append(_row(g, r))
        if r in rules:
            lines.append(_rule(g, r, *rules[r]))
    return "\n".join(lines + ["\\end{tabular}"])


def to_html(g: Grid) -> str:
    """The same table as HTML, with rowspan/colspan on merged cells."""
    rows = []
    for r in range(g.nrows):
        tds = []
        for cell in sorted((x for x in g.cells if x.row == r), key=lambda x: x.col):
            spans = (("rowspan", cell.rowspan), ("colspan", cell.colspan))
            span = "".join(f' {k}="{v}"' for k, v in spans if v > 1)
            tds.append(f"<td{span}>{cell.html}</td>")
        rows.append(f"<tr>{''.join(tds)}</tr>")
    return f"<table>{''.join(rows)}</table>"


def _snippet(rng: np.random.Generator) -> latex.Snippet:
    paper = bool(rng.random() < PAPER)
    g = random_grid(rng, paper=paper)
    tex = to_latex(g)
    while len(tex) > MAX_CHARS:  # a target the decoder could not finish
        g = random_grid(rng, paper=paper)
        tex = to_latex(g)
    setup = (
        f"{latex.font(rng)}{choice(rng, PAPER_SIZES) if paper else ''}"
        f"\\renewcommand{{\\arraystretch}}{{{rng.uniform(1.0, 1.5):.2f}}}"
        f"\\setlength{{\\tabcolsep}}{{{rng.uniform(3, 9):.1f}pt}}"
    )
    scale = rng.uniform(0.9, 1.5) if rng.random() < SMALL else rng.uniform(1.8, 3.0)
    return latex.Snippet(f"{setup}\n{tex}", float(scale), (tex, to_html(g), g.style))


def make_batch(rng: np.random.Generator, n: int) -> list[Sample]:
    """``n`` table samples from one pdflatex run."""
    out = []
    for s, im in latex.render_many(rng, n, _snippet, PREAMBLE):
        tex, html_table, style = s.data
        out.append(Sample("table", [im], tex, "format", {"html": html_table, "style": style}))
    return out


make = register_kind("table")(latex.batched(make_batch))
