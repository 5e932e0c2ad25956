"""A page's blocks from its lines: headings, paragraphs, display formulas, tables, and the
header and footer lines, in reading order.

Formatted reading on a CPU goes block by block, as the field's page readers do (PaddleOCR-VL,
MinerU: find the blocks and their kinds, then read each with an element model): a small model
reads a formula crop in a fraction of a second, never a dense page in one pass. The cues are
those of typeset documents, taken from the lines' geometry alone:

- a table is a run of rows split into cells, or rows between horizontal rules;
- a display formula is centred in its column, with space on both sides (a fraction's
  numerator and denominator are two such rows, close together);
- a heading is a line of larger or bold glyphs on its own;
- a paragraph starts after a wider gap, at an indent, or after a short last line;
- a header or footer line sits at the page's top or bottom edge, far from the text.

A centred line of words (a title, an author line) looks like a formula here; the reader tells
them apart by what the line reader makes of it (:func:`settle`).
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import cv2
import numpy as np
from PIL import Image

from genocr.layout.lines import Box, Ink, _band_breaks, _column_rules, _gutters, _rules, find_lines, level_rows, reading_order

# A heading is a line of glyphs much larger than the body's (median connected-component height:
# LaTeX's \large is 1.2x the body size, \Large 1.44x, \LARGE 1.73x), or a line of bold glyphs
# no smaller than the body's: strokes heavier by BOLD_WEIGHT (ink over edge pixels, against the
# body's median). Size alone misleads on a short line ("the end." is all ascenders).
HEADING_SIZE = 1.15  # a section's or title's, when the line reads as words (settle)
SECTION_SIZE = 1.35
BOLD_SIZE = 1.03
BOLD_WEIGHT = 1.15
CENTRED_MARGIN = 0.1  # share of the column left free on each side of a centred line
CENTRED_SKEW = 0.12  # share of the column by which the two sides may differ
EDGE = 0.08  # share of the page's height where a header or a footer line sits
EDGE_GAP = 3.0  # line heights between a header or footer line and the text


@dataclass
class LayoutBlock:
    """A block of the page: its ``kind`` (heading, paragraph, formula, table, header, footer),
    its box, and the boxes of its lines in reading order; a heading's ``level`` is 1 for a
    title, 2 for a section and 3 for a subsection."""

    kind: str
    box: Box
    lines: list[Box] = field(default_factory=list)
    level: int = 0
    size: float = 1.0  # its glyphs' height against the body's


@dataclass
class _Row:
    boxes: list[Box]
    column: int  # -1: across the columns
    size: float
    weight: float = 1.0  # its strokes' width (ink over edge pixels): bold is heavier

    @property
    def box(self) -> Box:
        return union(self.boxes)


def union(boxes: list[Box]) -> Box:
    """The smallest box that holds ``boxes``."""
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def find_blocks(image: Image.Image) -> list[LayoutBlock]:
    """The blocks of ``image`` in reading order (see the module's docstring)."""
    ink = Ink.of(image)
    lines = find_lines(image, ink=ink)
    if not lines:
        return []
    mask, heights = ink.mask, ink.glyph_heights
    x_height = float(np.median(heights)) if heights.size else 10.0
    line_height = float(np.median([b[3] - b[1] for b in lines]))
    horizontal, vertical = _rules(mask, x_height)
    # Tables first: their columns of short cells would pass for the page's columns, and their
    # cells be read column by column. Each table is then one box in the page's reading order.
    tables = _tables(lines, _rule_boxes(horizontal), line_height)
    in_tables = {b for t in tables for b in t.lines}
    rest = [b for b in lines if b not in in_tables]
    ordered = reading_order(rest + [t.box for t in tables], image.width, _band_breaks(horizontal, lines),
                            _column_rules(vertical, lines))
    by_box = {t.box: t for t in tables}
    rows = _rows([b for b in ordered if b not in by_box], ink, _gutters(rest, image.width) if rest else [])
    body = float(np.median([r.size for r in rows for _ in r.boxes])) if rows else 1.0
    weight = float(np.median([r.weight for r in rows for _ in r.boxes])) if rows else 1.0
    for r in rows:
        r.size /= max(body, 1.0)
        r.weight /= max(weight, 1e-6)
    extent = _column_extents(rows)
    pieces: list[tuple[LayoutBlock, float, bool]] = []  # each block with its indent and short end
    next_row = iter(rows)
    row = next(next_row, None)
    for b in ordered:
        if b in by_box:
            pieces.append((LayoutBlock("table", b, by_box[b].lines), 0.0, False))
        elif row is not None and b == row.boxes[0]:
            pieces.append(_typed(row, extent[row.column]))
            row = next(next_row, None)
    return _edges(_formula_parts(_merged(pieces, line_height), line_height), image.height, line_height)


def _rows(lines: list[Box], page: Ink, gutters: list[tuple[int, int]]) -> list[_Row]:
    """Consecutive lines on one level form a row (a formula and its number, pieces of a line
    far apart); each row with its column and its glyphs' median height."""
    mids = [(g0 + g1) / 2 for g0, g1 in gutters]
    ink = page.mask > 0
    edge = ink & ~(cv2.erode(page.mask, np.ones((3, 3), np.uint8)) > 0)
    hs, cx, cy = page.stats[:, cv2.CC_STAT_HEIGHT], page.centroids[:, 0], page.centroids[:, 1]
    rows: list[_Row] = []
    for b in lines:
        mid = (b[1] + b[3]) / 2
        if rows:
            p = rows[-1].box
            if p[1] <= mid <= p[3] and b[0] >= rows[-1].boxes[-1][2]:
                rows[-1].boxes.append(b)
                continue
        rows.append(_Row([b], 0, 0.0))
    for r in rows:
        x0, y0, x1, y1 = r.box
        across = any(x0 < g0 and g1 < x1 for g0, g1 in gutters)
        r.column = -1 if across else sum(m < (x0 + x1) / 2 for m in mids)
        inside = (cx >= x0) & (cx < x1) & (cy >= y0) & (cy < y1) & (hs >= 3)
        r.size = float(np.median(hs[inside])) if inside.any() else float(y1 - y0)
        r.weight = float(ink[y0:y1, x0:x1].sum()) / max(float(edge[y0:y1, x0:x1].sum()), 1.0)
    return rows


def _column_extents(rows: list[_Row]) -> dict[int, tuple[int, int]]:
    """Each column's left and right edge: those of its wider rows (its body text)."""
    if not rows:
        return {}
    extent = {}
    everything = union([r.box for r in rows])
    for c in {r.column for r in rows}:
        boxes = [r.box for r in rows if r.column == c] if c >= 0 else [everything]
        widest = max(b[2] - b[0] for b in boxes)
        body = [b for b in boxes if b[2] - b[0] >= 0.6 * widest]
        extent[c] = (min(b[0] for b in body), max(b[2] for b in body))
    return extent


def _typed(row: _Row, extent: tuple[int, int]) -> tuple[LayoutBlock, float, bool]:
    """One row as a block of its own (a formula if centred, a heading if its glyphs are much
    larger or bold, a paragraph otherwise; merged with its neighbours later), with its indent (a share of the
    column) and whether it ends short of the column's right edge."""
    left, right = extent
    x0, _, x1, _ = row.box
    span = max(right - left, 1)
    free_left, free_right = (x0 - left) / span, (right - x1) / span
    centred = min(free_left, free_right) > CENTRED_MARGIN and abs(free_left - free_right) < CENTRED_SKEW
    if centred:
        block = LayoutBlock("formula", row.box, list(row.boxes), size=row.size)
    elif len(row.boxes) == 1 and (row.size >= SECTION_SIZE or (row.size >= BOLD_SIZE and row.weight >= BOLD_WEIGHT)):
        block = LayoutBlock("heading", row.box, list(row.boxes), 2 if row.size >= SECTION_SIZE else 3, row.size)
    else:
        block = LayoutBlock("paragraph", row.box, list(row.boxes), size=row.size)
    return block, free_left, free_right > 0.08


def _merged(pieces: list[tuple[LayoutBlock, float, bool]], line_height: float) -> list[LayoutBlock]:
    """Rows joined into blocks: a paragraph's lines until a wide gap, an indent or a short last
    line; a formula's rows while they stay close; a heading's wrapped lines."""
    blocks = [b for b, _, _ in pieces]
    gaps = [b.box[1] - a.box[3] for a, b in zip(blocks, blocks[1:]) if a.kind == b.kind == "paragraph"]
    body_gap = float(np.median([g for g in gaps if g > 0])) if any(g > 0 for g in gaps) else 0.3 * line_height
    out: list[LayoutBlock] = []
    short = False  # whether the last paragraph line ended short of its column's edge
    for b, indent, ends_short in pieces:
        p = out[-1] if out else None
        gap = b.box[1] - p.box[3] if p else 0
        if p is not None and b.box[3] - b.box[1] < 0.5 * line_height and gap < 0.5 * line_height:
            p.box = union([p.box, b.box])  # a sliver under a line (descenders, an underline) is no line
            continue
        if p is not None and p.kind == b.kind and -line_height < gap:
            wide = gap > max(1.6 * body_gap, body_gap + 0.25 * line_height)
            joins = {
                "paragraph": not wide and not short and indent < 0.03,
                "formula": gap < 1.2 * line_height,
                "heading": b.level == p.level and gap < 0.8 * line_height,
            }.get(b.kind, False)
            if joins:
                p.lines += b.lines
                p.box = union([p.box, b.box])
                short = ends_short
                continue
        out.append(b)
        short = ends_short
    return out


def _formula_parts(blocks: list[LayoutBlock], line_height: float) -> list[LayoutBlock]:
    """A formula's off-centre pieces (a numerator, a limit over a sum) are rows of their own,
    touching it: a short one-line block within half a line of a formula, and within its span
    across, joins it."""
    out: list[LayoutBlock] = []
    for b in blocks:
        p = out[-1] if out else None
        if p is not None and _touches(p, b, line_height) and (p.kind == "formula") != (b.kind == "formula"):
            piece, formula = (b, p) if p.kind == "formula" else (p, b)
            if len(piece.lines) == 1 and piece.box[2] - piece.box[0] < 0.5 * (formula.box[2] - formula.box[0]) + line_height:
                out[-1] = replace(formula, lines=p.lines + b.lines, box=union([p.box, b.box]))
                continue
        out.append(b)
    return out


def _touches(a: LayoutBlock, b: LayoutBlock, line_height: float) -> bool:
    """Whether ``b`` starts within half a line under ``a`` and the two overlap across."""
    return b.box[1] - a.box[3] < 0.5 * line_height and min(a.box[2], b.box[2]) > max(a.box[0], b.box[0])


def _edges(blocks: list[LayoutBlock], height: int, line_height: float) -> list[LayoutBlock]:
    """A one-line block at the page's top or bottom edge, far from the text, is its header or
    footer (a running head, a page number), kept apart from the text; not a large title."""
    if len(blocks) < 2:
        return blocks
    first, second = blocks[0], blocks[1]
    if len(first.lines) == 1 and first.size < SECTION_SIZE and first.box[3] < EDGE * height and second.box[1] - first.box[3] > EDGE_GAP * line_height:
        blocks[0] = replace(first, kind="header", level=0)
    last, before = blocks[-1], blocks[-2]
    if len(last.lines) == 1 and last.box[1] > (1 - EDGE) * height and last.box[1] - before.box[3] > EDGE_GAP * line_height:
        blocks[-1] = replace(last, kind="footer", level=0)
    return blocks


@dataclass
class _Table:
    box: Box
    lines: list[Box]


def _rule_boxes(horizontal: np.ndarray) -> list[Box]:
    _, _, stats, _ = cv2.connectedComponentsWithStats(horizontal, connectivity=8)
    return sorted(((int(x), int(y), int(x + w), int(y + h)) for x, y, w, h, _ in stats[1:]), key=lambda b: b[1])


def _tables(lines: list[Box], rules: list[Box], line_height: float) -> list[_Table]:
    """Tables: the lines between horizontal rules of one width (three or more rules, as
    booktabs, hline and grid styles draw; or two around a row of cells), and runs of two or more
    levels split into narrow cells (a table without rules)."""
    width = max(b[2] for b in lines) - min(b[0] for b in lines)
    groups: list[list[Box]] = []
    for r in rules:  # one table's rules overlap across, each near the one above, no text between
        for g in groups:
            last = g[-1]
            overlap = min(last[2], r[2]) - max(last[0], r[0])
            x0, x1 = min(last[0], r[0]) - line_height, max(last[2], r[2]) + line_height
            text_between = any(last[3] <= (b[1] + b[3]) / 2 <= r[1] and (b[0] < x0 or b[2] > x1)
                               and b[2] - b[0] > 0.6 * (x1 - x0) for b in lines)  # a paragraph's line
            lengths = sorted((last[2] - last[0], r[2] - r[0]))
            if overlap > 0.8 * lengths[0] and lengths[0] > 0.5 * lengths[1] and r[1] - last[3] < 15 * line_height \
                    and not text_between:  # (a fraction's bar beside a table's rule is no rule of it)
                g.append(r)
                break
        else:
            groups.append([r])
    tables: list[_Table] = []
    for g in groups:
        x0, y0, x1, y1 = union(g)
        inside = [b for b in lines if y0 <= (b[1] + b[3]) / 2 <= y1 and b[0] >= x0 - line_height and b[2] <= x1 + line_height]
        cells = any(len(r) > 1 for r in level_rows(inside))
        if inside and (len(g) >= 3 or (len(g) == 2 and cells)):
            tables.append(_Table(union(g + inside), inside))
    taken = {b for t in tables for b in t.lines}
    run: list[list[Box]] = []
    for level in level_rows([b for b in lines if b not in taken]) + [[]]:
        cells = len(level) > 1 and max(b[2] - b[0] for b in level) < 0.25 * width
        if cells and (not run or level[0][1] - run[-1][0][3] < 2 * line_height):
            run.append(level)
            continue
        if len(run) >= 3 or (len(run) == 2 and max(map(len, run)) >= 3):
            inside = [b for r in run for b in r]
            tables.append(_Table(union(inside), inside))
        run = [level] if cells else []
    return tables


def settle(block: LayoutBlock, text: str, confidence: float) -> LayoutBlock:
    """A formula candidate that the line reader reads as confident words (a centred title, an
    author line) is text after all: a heading if its glyphs are large, else a paragraph."""
    if block.kind != "formula" or not _wordy(text, confidence):
        return block
    if block.size >= HEADING_SIZE:
        return replace(block, kind="heading", level=1 if block.size >= SECTION_SIZE else 2)
    return replace(block, kind="paragraph")


def _wordy(text: str, confidence: float) -> bool:
    words = text.split()
    long_words = [w for w in words if sum(c.isalpha() for c in w) >= 3]
    return confidence >= 0.85 and len(long_words) >= 2 and len(long_words) >= 0.5 * len(words)
