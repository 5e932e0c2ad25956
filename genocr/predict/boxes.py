"""Where the words are: line and word boxes on the page, from a line reader's CTC alignment.

A CTC reader knows which steps (8-px columns of its view, a few steps each) emitted each
character, but a character is often emitted near its middle, not its edge. So the break
between two words is put in the blank gap of the ink nearest to halfway between them (within
the span of the neighbouring characters), and each word's box is the ink between its breaks:
a box covers its glyphs whatever the steps' coarseness. Boxes are mapped back from the line
crop to the page. A word's confidence is the mean probability of its characters.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from PIL import Image

from genocr.predict.generation import Generation
from genocr.results import Box, Line, Word


def ink(crop: Image.Image) -> np.ndarray:
    """Boolean ink mask of a line crop: Otsu on grey, dark or light text alike (the minority)."""
    import cv2

    grey = np.asarray(crop.convert("L"))
    _, mask = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    mask = mask > 0
    return ~mask if mask.mean() > 0.5 else mask


def _tighten(mask: np.ndarray, x0: int, x1: int) -> tuple[int, int, int, int] | None:
    """The ink's bounding box within columns ``x0..x1`` of ``mask``, or None if there is none."""
    cols = np.flatnonzero(mask[:, x0:x1].any(axis=0))
    if not cols.size:
        return None
    rows = np.flatnonzero(mask[:, x0 + cols[0] : x0 + cols[-1] + 1].any(axis=1))
    return x0 + int(cols[0]), int(rows[0]), x0 + int(cols[-1]) + 1, int(rows[-1]) + 1


def tight(image: Image.Image, box: Box) -> Box:
    """``box`` on ``image`` shrunk to the ink inside it (unchanged if it holds none)."""
    x0, y0, x1, y1 = (int(v) for v in box)
    inside = _tighten(ink(image.crop((x0, y0, x1, y1))), 0, x1 - x0) if x1 > x0 and y1 > y0 else None
    return (x0 + inside[0], y0 + inside[1], x0 + inside[2], y0 + inside[3]) if inside else (x0, y0, x1, y1)


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """The (start, stop) of each run of True."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], flags.astype(np.int8), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


def moved(line: Line, place: Callable[[Box], Box]) -> Line:
    """``line`` with its box and its words' boxes passed through ``place`` (onto the page)."""
    return Line(line.text, place(line.box), line.confidence, [Word(w.text, place(w.box), w.confidence) for w in line.words])


def line_boxes(gen: Generation, crop: Image.Image, origin: tuple[int, int]) -> Line:
    """``gen`` (a reading of ``crop``, whose top-left sits at ``origin`` on the page) as a
    :class:`Line` with its words placed on the page."""
    ox, oy = origin
    mask = ink(crop)
    w, h = crop.size
    groups: list[list[tuple[str, float, float, float]]] = [[]]
    for c in gen.chars or []:
        if c[0].isspace():
            groups.append([])
        else:
            groups[-1].append(c)
    groups = [g for g in groups if g]
    spans = [(g[0][1], g[-1][2]) for g in groups]
    empty = ~mask.any(axis=0)
    breaks = [0]
    for (a0, a1), (b0, b1) in zip(spans, spans[1:]):
        # the blank column runs between the last character of one word and the first of the next
        lo, hi = int(max(a0, (a0 + a1) / 2)), int(min(b1, (b0 + b1) / 2) + 1)
        gaps = [(x0 + lo, x1 + lo) for x0, x1 in _runs(empty[lo:hi])]
        middle = (a1 + b0) / 2
        breaks.append(min(gaps, key=lambda g: abs((g[0] + g[1]) / 2 - middle))[0] if gaps
                      else int(middle))
    breaks.append(w)
    words = []
    for g, x0, x1, (a, b) in zip(groups, breaks, breaks[1:], spans):
        tight = _tighten(mask, x0, x1) if x1 > x0 else None
        bx = tight or (int(a), 0, int(np.ceil(b)), h)
        words.append(Word("".join(c[0] for c in g), (bx[0] + ox, bx[1] + oy, bx[2] + ox, bx[3] + oy),
                          float(np.mean([c[3] for c in g]))))
    if words:
        box: Box = (min(wd.box[0] for wd in words), min(wd.box[1] for wd in words),
                    max(wd.box[2] for wd in words), max(wd.box[3] for wd in words))
    else:
        box = (ox, oy, ox + w, oy + h)
    confidence = gen.confidence if gen.confidence is not None else 1.0
    return Line(gen.text, box, confidence, words)
