"""Page reading for small models: find the text lines, read them in batches, put them in order.

A 2-core CPU cannot decode a dense page token by token through one long sequence, and a small
model cannot compress a page the way a 560M one does; but it reads short line slices well,
and a batch of slices decodes in parallel. Line finding is classical: binarise, smear
characters into line blobs, and take their boxes.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image

Box = tuple[int, int, int, int]


def text_mask(image: Image.Image) -> np.ndarray:
    """Ink pixels (uint8 0/255) of a page: Otsu after removing slow background shading."""
    gray = np.asarray(image.convert("L"))
    if min(gray.shape) < 8:  # a sliver: too small to hold a glyph
        return np.zeros_like(gray)
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    if min(small.shape) > 62:
        background = cv2.resize(cv2.medianBlur(small, 31), (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
        light_paper = float(np.mean(gray)) >= 110
        flat = cv2.subtract(background, gray) if light_paper else cv2.subtract(gray, background)
    else:
        flat = _slice_strokes(gray)
    _, mask = cv2.threshold(flat, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    if cv2.countNonZero(mask) > 0.5 * mask.size:  # no ink: Otsu split the paper itself
        return np.zeros_like(mask)
    return mask


def _slice_strokes(gray: np.ndarray) -> np.ndarray:
    """A slice's strokes, bright: too small to estimate shading from, its background is what a
    morphological closing (dark text) or opening (light text) leaves, a quarter of its shorter
    side across, wider than any stroke. The text is light when the slice's border, mostly
    background, falls mostly on Otsu's dark side (the page rule, mean grey, took light text on
    a bright photo for dark). On 300 held-out English slices, against a flat paper level chosen
    by mean grey: 23 read as nothing became 12, mean CER 0.210 -> 0.158 (with the padding of
    :func:`_short_lines`)."""
    size = max(3, min(gray.shape) // 4 | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (size, size))
    threshold, _ = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    border = np.concatenate([gray[0], gray[-1], gray[:, 0], gray[:, -1]])
    light_paper = np.mean(border > threshold) >= 0.5
    return cv2.morphologyEx(gray, cv2.MORPH_BLACKHAT if light_paper else cv2.MORPH_TOPHAT, kernel)


SKEW_MIN = 0.3  # degrees: below this a page is read as it stands (a line drifts under ~8 px over 1,600)
SKEW_GAIN = 1.2  # how much sharper the row profile must be at the angle found than upright


def deskew_angle(image: Image.Image, max_angle: float = 8.0) -> float:
    """The rotation (degrees, counter-clockwise as ``Image.rotate`` counts) that sets the page's
    text lines level; 0.0 when under ``SKEW_MIN`` or not measurable. Lines are level when the
    ink's row profile is sharpest: steps of a degree, then of 0.1 around the best."""
    scale = min(1.0, 640 / max(image.size))  # lines stay several pixels apart; the search costs ~20 ms
    mask = text_mask(image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))),
                                  Image.BILINEAR))
    if cv2.countNonZero(mask) < 50:
        return 0.0
    rows, cols = mask.shape
    centre = (cols / 2, rows / 2)

    @functools.lru_cache(maxsize=None)  # the search asks for some angles (0 among them) twice
    def sharpness(angle: float) -> float:
        turned = cv2.warpAffine(mask, cv2.getRotationMatrix2D(centre, angle, 1.0), (cols, rows), flags=cv2.INTER_NEAREST)
        profile = turned.sum(axis=1, dtype=np.float64)
        return float(np.sum(np.diff(profile) ** 2))

    def angles(start: float, stop: float, step: float) -> list[float]:  # rounded: equal angles hit the cache
        return [round(float(a), 1) for a in np.clip(np.arange(start, stop + step / 2, step), -max_angle, max_angle)]

    coarse = max(angles(-max_angle, max_angle, 1.0), key=sharpness)
    best = max(angles(coarse - 0.7, coarse + 0.7, 0.1), key=sharpness)
    # a figure or a few words can favour some angle by chance: turn only for a clear gain
    if abs(best) < SKEW_MIN or sharpness(best) < SKEW_GAIN * sharpness(0.0):
        return 0.0
    return best


def turn(image: Image.Image, angle: float, fill: tuple[int, ...]) -> Image.Image:
    """``image.rotate(angle, Image.BICUBIC, expand=True, fillcolor=fill)``, the same geometry, by
    OpenCV in a quarter of the time: Pillow's rotate was 15% of the time of 200 slice reads (3 in
    10 slices had a skew to turn), 12 ms for a 1,400 x 190 slice and about 190 ms for a page."""
    w, h = image.size
    a = -math.radians(angle)
    cos, sin = round(math.cos(a), 15), round(math.sin(a), 15)
    corners = ((-w / 2, -h / 2), (w / 2, -h / 2), (w / 2, h / 2), (-w / 2, h / 2))  # about the centre
    xs = [cos * x + sin * y for x, y in corners]
    ys = [-sin * x + cos * y for x, y in corners]
    nw = math.ceil(max(xs) + w / 2) - math.floor(min(xs) + w / 2)
    nh = math.ceil(max(ys) + h / 2) - math.floor(min(ys) + h / 2)
    # Output pixel centre (x + 0.5, y + 0.5) -> input point, as Pillow maps it, in OpenCV's
    # pixel-centred coordinates (its pixel i is Pillow's i + 0.5).
    cx, cy = -(nw / 2), -(nh / 2)
    m = np.array([[cos, sin, cos * (cx + 0.5) + sin * (cy + 0.5) + w / 2 - 0.5],
                  [-sin, cos, -sin * (cx + 0.5) + cos * (cy + 0.5) + h / 2 - 0.5]])
    mode = image.mode if image.mode in ("L", "RGB") else "RGB"
    out = cv2.warpAffine(np.asarray(image.convert(mode)), m, (nw, nh), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=fill if mode == "RGB" else fill[0])
    return Image.fromarray(out, mode)


def paper_colour(image: Image.Image) -> tuple[int, ...]:
    """The median colour of the image's outermost pixels: what to fill the corners of a turned
    page with, so that they read as paper (a dark page's too)."""
    a = np.asarray(image.convert("RGB"))
    edge = np.concatenate([a[0], a[-1], a[:, 0], a[:, -1]])
    return tuple(int(v) for v in np.median(edge, axis=0))


def rotate_box(box: Box, angle: float, size: tuple[int, int], new_size: tuple[int, int]) -> Box:
    """Where ``box`` of an image of ``size`` lands once the image is turned by ``angle`` about its
    centre (``Image.rotate``'s sense) into one of ``new_size``: the rotated corners' bounds.
    ``rotate_box(b, -angle, new_size, size)`` maps back."""
    a = np.deg2rad(angle)
    cos, sin = np.cos(a), np.sin(a)
    cx, cy, nx, ny = size[0] / 2, size[1] / 2, new_size[0] / 2, new_size[1] / 2
    xs, ys = [], []
    for x, y in ((box[0], box[1]), (box[2], box[1]), (box[0], box[3]), (box[2], box[3])):
        xs.append(nx + (x - cx) * cos + (y - cy) * sin)
        ys.append(ny - (x - cx) * sin + (y - cy) * cos)
    clip = lambda v, hi: int(round(min(max(v, 0), hi)))  # noqa: E731
    return (clip(min(xs), new_size[0]), clip(min(ys), new_size[1]), clip(max(xs), new_size[0]), clip(max(ys), new_size[1]))


@dataclass
class Ink:
    """A page's ink (:func:`text_mask`) and its connected components, measured once: line finding
    and the layout that types the page's blocks both need them."""

    mask: np.ndarray
    stats: np.ndarray  # cv2's (x, y, width, height, area) per component, the background left out
    centroids: np.ndarray

    @classmethod
    def of(cls, image: Image.Image) -> "Ink":
        mask = text_mask(image)
        _, _, stats, centroids = cv2.connectedComponentsWithStats(mask, connectivity=8)
        return cls(mask, stats[1:], centroids[1:])

    @property
    def glyph_heights(self) -> np.ndarray:
        """The heights of the components that may be glyphs (not specks, not figures)."""
        hs = self.stats[:, cv2.CC_STAT_HEIGHT]
        return hs[(hs >= 4) & (hs < self.mask.shape[0] / 4)]


def find_lines(image: Image.Image, min_height: int = 6, ink: Ink | None = None) -> list[Box]:
    """Boxes of the text lines of ``image``, in reading order (regions between page-wide rules,
    then bands, then columns, then y); ``ink``: the image's, when the caller has measured it.

    A short blob that touches the image's edge is a scanner's border or a cut-off object,
    not a line: a line cut by the edge is still three times wider than tall, and at least half
    an x-height tall."""
    ink = ink or Ink.of(image)
    mask = ink.mask
    h, w = mask.shape
    if h < 160:  # a crop of a line or a few (a scanned line, a box, a frame's inside)
        return _short_lines(mask)
    heights = ink.glyph_heights
    if not heights.size:
        return []
    x_height = float(np.median(heights))
    # Bars first (a solid bar is no rule); then the rules, before the frames go: a table's grid
    # is a frame too, and its horizontal rules still close a band of the page (the table is read
    # before the columns below it).
    mask = _invert_bars(mask, x_height)
    horizontal, vertical = _rules(mask, x_height)
    mask = cv2.subtract(_drop_frames(mask, x_height), cv2.max(horizontal, vertical))
    # Smear characters into words and words into lines; the gap kept between columns is wider.
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(1.6 * x_height)), 1))
    smeared = cv2.subtract(cv2.dilate(mask, kernel), vertical)  # no line runs across a rule
    _, _, stats, _ = cv2.connectedComponentsWithStats(smeared, connectivity=8)
    blobs = []
    for x, y, bw, bh, area in stats[1:]:
        at_edge = x == 0 or y == 0 or x + bw == w or y + bh == h
        if bh >= min_height and bw >= min_height and bh < 0.5 * h and not \
                (at_edge and (bw < 3 * bh or bh < 0.5 * x_height)):
            blobs.append((int(x), int(y), int(x + bw), int(y + bh)))
    if not blobs:
        return []
    parts = [part for blob in blobs for part in _split_tall(blob, mask, x_height)]
    line_height = float(np.median([b[3] - b[1] for b in parts]))
    lines = [piece for part in parts for piece in _split_by_pitch(part, mask, x_height, line_height)]
    lines = _cut_at_gutters(lines, mask, x_height, line_height)
    return reading_order(lines, w, _band_breaks(horizontal, lines), _column_rules(vertical, lines))


# The blank, in x-heights, where a line of body text that crosses a gutter is cut in two: wider
# than a justified word space.
GUTTER_GAP = 1.2


def _cut_at_gutters(lines: list[Box], mask: np.ndarray, x_height: float, line_height: float) -> list[Box]:
    """Lines cut where they cross a column gutter with no ink in it. A box is its smeared blob's,
    wider than its ink by the smear: where the gutter is little wider than the smear, a line's
    box reached over it, and each such line broke the columns into bands read
    side by side (NED 0.34 on a held-out two-column book page). An empty side is dropped; a
    line of body height whose two sides hold ink (the smear bridged the gutter) is cut when the
    blank it has there is wide, ``GUTTER_GAP`` x-heights, wider than a word space; a larger title's
    word space is left alone."""
    gutters = _gutters(lines, mask.shape[1]) if lines else []
    if not gutters:
        return lines
    out: list[Box] = []
    for box in lines:
        x0, y0, x1, y1 = box
        crossed = [(g0, g1) for g0, g1 in gutters if x0 < g0 and g1 < x1]
        if len(crossed) != 1:
            out.append(box)
            continue
        g0, g1 = crossed[0]
        inked = (mask[y0:y1, x0:x1] > 0).any(axis=0)
        if inked[g0 - x0 : g1 - x0 + 1].any():
            out.append(box)
            continue
        left, right = np.flatnonzero(inked[: g0 - x0]), np.flatnonzero(inked[g1 - x0 + 1 :])
        left_end = x0 + int(left[-1]) + 1 if left.size else None
        right_start = g1 + 1 + int(right[0]) if right.size else None
        if right_start is None:  # the smear's margin only: the box ends at its ink
            out.append((x0, y0, left_end, y1))
        elif left_end is None:
            out.append((right_start, y0, x1, y1))
        elif right_start - left_end >= GUTTER_GAP * x_height and y1 - y0 < 1.5 * line_height:
            out += [(x0, y0, left_end, y1), (right_start, y0, x1, y1)]
        else:
            out.append(box)
    return out


def _short_lines(mask: np.ndarray) -> list[Box]:
    """The lines of a crop too short for page statistics: its bands of inked rows (separated
    by at least two empty rows), each as wide as its ink, with a margin of a tenth of its height
    before the reader adds its own (:func:`crop_box`): 152 of 300 held-out synthetic slices
    read exactly without it, 165 with it. One band is cut to its ink too: a slice with wide
    margins, read whole, shrinks its text to a few pixels of the reader's line height
    (held-out synthetic slices: CER 0.109 read whole, 0.018 cut)."""
    h, w = mask.shape
    inked = (mask > 0).sum(axis=1) > max(1, 0.002 * w)
    bands = [(a, b) for a, b in _runs(inked) if b - a >= 3]
    merged: list[list[int]] = []
    for a, b in bands:  # a gap of one row is a broken glyph, not a line break
        if merged and a - merged[-1][1] < 2:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    tallest = max((b - a for a, b in merged), default=0)
    merged = [m for m in merged if m[1] - m[0] >= 0.4 * tallest]  # accents, underlines: not lines
    boxes = []
    for a, b in merged:
        cols = np.flatnonzero(mask[a:b].any(axis=0))
        pad = round(0.1 * (b - a))
        boxes.append((max(0, int(cols[0]) - pad), max(0, a - pad), min(w, int(cols[-1]) + 1 + pad), min(h, b + pad)))
    return boxes


def _large_components(mask: np.ndarray, x_height: float) -> tuple[np.ndarray, list[tuple[int, float, tuple[int, ...]]]]:
    """Labels of the mask's components, and those wider than 6 x-heights and taller than 1.5:
    (label, fill, (x, y, w, h))."""
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    large = []
    for i in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[i])
        if bw >= 6 * x_height and bh >= 1.5 * x_height:
            large.append((i, area / float(bw * bh), (x, y, bw, bh)))
    return labels, large


def _invert_bars(mask: np.ndarray, x_height: float) -> np.ndarray:
    """The mask with the text of dark bars as ink. A bar (a heading set light on a dark band)
    binarises as one solid block with the letters as holes: inverted inside its box, the letters
    become ink and the band drops out."""
    labels, large = _large_components(mask, x_height)
    out = mask.copy()
    for i, fill, (x, y, bw, bh) in large:
        if fill > 0.6:
            region = out[y : y + bh, x : x + bw]
            region[:] = np.where(labels[y : y + bh, x : x + bw] == i, 0, 255 - region)
            cv2.rectangle(out, (x, y), (x + bw - 1, y + bh - 1), 0, max(1, int(x_height / 4)))
    return out


def _drop_frames(mask: np.ndarray, x_height: float) -> np.ndarray:
    """The mask without the frames drawn around boxes. A frame (straight, wavy or rounded, or a
    table's grid) is one thin connected stroke around a large area: left in, it joins every line
    it encloses into one blob, which was read as "eeeessuuu---". A frame around a single line
    (a code listing's, three x-heights tall) counts too: its sides were read as "[" and "]"."""
    labels, large = _large_components(mask, x_height)
    out = mask.copy()
    for i, fill, (_, _, _, bh) in large:
        if fill < 0.12 and bh > 2 * x_height:
            out[labels == i] = 0
    return out


def _rules(mask: np.ndarray, x_height: float) -> tuple[np.ndarray, np.ndarray]:
    """The horizontal and the vertical ruling lines of the mask. They are taken out before line
    finding, as the rules of a form or table join every line they touch into one blob taller
    than a line. A rule is a solid run of ink longer than any glyph: 5 x-heights across, or 6
    down (a heading's tallest stroke)."""
    horizontal, vertical = (cv2.morphologyEx(mask, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, size))
                            for size in ((int(5 * x_height), 1), (1, int(6 * x_height))))
    return horizontal, vertical


def _band_breaks(horizontal: np.ndarray, lines: list[Box]) -> list[int]:
    """The rows (y) of the rules that run across the text from its left edge to its right.
    Such a rule closes a band of the page (a masthead, a table, footnotes), which is read whole
    before the columns below it. A rule under part of the columns (a table's) closes nothing."""
    if not lines:
        return []
    lo, hi = min(b[0] for b in lines), max(b[2] for b in lines)
    slack = 0.1 * (hi - lo)
    _, _, stats, _ = cv2.connectedComponentsWithStats(horizontal, connectivity=8)
    return [int(y + bh // 2) for x, y, bw, bh, _ in stats[1:] if x <= lo + slack and x + bw >= hi - slack]


def _column_rules(vertical: np.ndarray, lines: list[Box]) -> list[tuple[int, int]]:
    """The x-ranges of the rules that run down at least half the text's height: they part a
    page's columns (a bulletin's, a newspaper's) where no white gutter does, as the columns'
    figures run up to the rule."""
    if not lines:
        return []
    height = max(b[3] for b in lines) - min(b[1] for b in lines)
    # Such a rule leaves that much ink within a few columns (a page left unturned drifts under
    # 5 px in 1,000): most pages have none and skip labelling the mask (7 ms a page).
    ink = cv2.reduce(vertical, 0, cv2.REDUCE_SUM, dtype=cv2.CV_32S)[0] / 255.0
    if np.convolve(ink, np.ones(9), "same").max(initial=0.0) < 0.5 * height:
        return []
    _, _, stats, _ = cv2.connectedComponentsWithStats(vertical, connectivity=8)
    return sorted((int(x), int(x + bw - 1)) for x, _, bw, bh, _ in stats[1:] if bh >= 0.5 * height)


def _split_tall(box: Box, mask: np.ndarray, x_height: float) -> list[Box]:
    """Split a blob that spans several touching lines at the valleys of its row profile.

    A valley is a run of rows with almost no ink: a speck of noise, a skewed line's stray
    descender or a dotted leader may cross it, so an empty row is not required. Each piece
    reaches from valley to valley, so ascenders and descenders stay with their line; a piece
    thinner than half an x-height is a dashed or dotted rule between lines, and is dropped."""
    x1, y1, x2, y2 = box
    if y2 - y1 < 2.6 * x_height:
        return [box]
    ink = np.count_nonzero(mask[y1:y2, x1:x2], axis=1)
    strong = ink > VALLEY * np.median(ink[ink > 0])
    cores = [(a, b) for a, b in _runs(strong) if b - a >= 3]
    if len(cores) < 2:
        return [box]
    cuts, floors = [0], [0]  # where each valley is cut, and the ink that crosses it (noise)
    for (_, b), (a, _) in zip(cores, cores[1:]):
        floor = int(ink[b:a].min())
        lowest = np.flatnonzero(ink[b:a] == floor) + b
        cuts.append(int(lowest[len(lowest) // 2]))
        floors.append(floor)
    cuts.append(len(ink))
    floors.append(0)
    out = []
    for i, (a, b) in enumerate(cores):
        if b - a < 0.5 * x_height:  # a thinner core is a dashed rule, not text
            continue
        above = np.flatnonzero(ink[cuts[i]:a] > floors[i])
        below = np.flatnonzero(ink[b:cuts[i + 1]] > floors[i + 1])
        top = cuts[i] + int(above[0]) if above.size else a
        bottom = b + int(below[-1]) + 1 if below.size else b
        out.append((x1, y1 + top, x2, y1 + bottom))
    return out or [box]


# A row with less ink than this share of the blob's median inked row lies between two lines.
VALLEY = 0.08


def _split_by_pitch(box: Box, mask: np.ndarray, x_height: float, line_height: float) -> list[Box]:
    """Cut a piece two or more lines tall whose lines touch (a descender meets the ascender
    below, so no row is a valley) at the emptiest row near each place the page's line pitch
    puts a break. A cut is kept only where that row is nearly empty beside the piece's x-height
    rows and every line it makes has an x-height band of its own (a run of dense rows at least
    half an x-height deep), so one large heading stays whole."""
    x1, y1, x2, y2 = box
    n = round((y2 - y1) / line_height)
    if n < 2:
        return [box]
    ink = np.count_nonzero(mask[y1:y2, x1:x2], axis=1)
    full = np.percentile(ink[ink > 0], 75)
    step = (y2 - y1) / n
    cuts = [0]
    for k in range(1, n):
        lo, hi = int((k - 0.3) * step), int((k + 0.3) * step) + 1
        lowest = np.flatnonzero(ink[lo:hi] == ink[lo:hi].min()) + lo
        cut = int(lowest[len(lowest) // 2])
        if ink[cut] < PITCH_VALLEY * full:
            cuts.append(cut)
    cuts.append(y2 - y1)
    pieces = list(zip(cuts, cuts[1:]))
    band = max(3, 0.5 * x_height)
    if len(pieces) < 2 or any(max((z - y for y, z in _runs(ink[a:b] > 0.4 * full)), default=0) < band for a, b in pieces):
        return [box]
    return [(x1, y1 + a, x2, y1 + b) for a, b in pieces]


# A cut by line pitch lies in a row with less ink than this share of the piece's x-height rows.
PITCH_VALLEY = 0.25


def _runs(rows: np.ndarray) -> list[tuple[int, int]]:
    """The (start, stop) of each run of True in a 1-D boolean array."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], rows.astype(np.int8), [0]])))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2])]


def reading_order(boxes: list[Box], page_width: int, breaks: list[int] | tuple[int, ...] = (),
                  rules: list[tuple[int, int]] | tuple[tuple[int, int], ...] = ()) -> list[Box]:
    """The regions between the page-wide rules at ``breaks`` top to bottom; within each,
    top-to-bottom bands separated by lines that cross a column gutter, and within a band, column
    by column, left to right. A region with no gutters of its own keeps the page's, as a few
    footnotes in two columns are too few lines to show theirs; unless one of its lines crosses
    them, as the rows of a page-wide table do. A page without white gutters takes the column
    ``rules`` (x-ranges of long vertical rules) for its gutters."""
    if not boxes:
        return []
    page_gutters = _gutters(boxes, page_width) or list(rules)
    edges = [-1, *sorted(breaks), 1 << 30]
    return [b for top, bottom in zip(edges, edges[1:])
            for b in _region_order([b for b in boxes if top <= (b[1] + b[3]) / 2 < bottom], page_width, page_gutters)]


def _region_order(boxes: list[Box], page_width: int, page_gutters: list[tuple[int, int]]) -> list[Box]:
    if not boxes:
        return []
    boxes = sorted(boxes, key=lambda b: (b[1], b[0]))
    gutters = _gutters(boxes, page_width)
    if not gutters and not any(_crosses(b, page_gutters) for b in boxes):
        gutters = page_gutters
    ordered, band = [], []
    for b in boxes:
        if _crosses(b, gutters):  # a heading or a full-width paragraph
            ordered += _columns(band, gutters) + [b]
            band = []
        else:
            band.append(b)
    return ordered + _columns(band, gutters)


def _crosses(box: Box, gutters: list[tuple[int, int]]) -> bool:
    return any(box[0] < g0 and g1 < box[2] for g0, g1 in gutters)


def level_rows(boxes: list[Box]) -> list[list[Box]]:
    """Boxes grouped by level, top to bottom, each group left to right: a box whose middle lies
    within the height of a group's first box is on its level."""
    rows: list[list[Box]] = []
    for b in sorted(boxes, key=lambda b: (b[1] + b[3]) / 2):
        mid = (b[1] + b[3]) / 2
        if rows and rows[-1][0][1] <= mid <= rows[-1][0][3]:
            rows[-1].append(b)
        else:
            rows.append([b])
    return [sorted(row, key=lambda b: b[0]) for row in rows]


def _rows(boxes: list[Box]) -> list[Box]:
    """Pieces on one row are read left to right; pieces split by a wide word gap are rejoined,
    while pieces far apart (table cells) stay separate."""
    out: list[Box] = []
    for row in level_rows(boxes):
        merged: list[Box] = []
        for b in row:
            if merged and b[0] - merged[-1][2] < 2.5 * (b[3] - b[1]):
                p = merged[-1]
                merged[-1] = (p[0], min(p[1], b[1]), max(p[2], b[2]), max(p[3], b[3]))
            else:
                merged.append(b)
        out += merged
    return out


def _columns(band: list[Box], gutters: list[tuple[int, int]]) -> list[Box]:
    """The band's lines column by column; a line belongs to the column its centre falls in."""
    column = [sum(g0 + g1 < b[0] + b[2] for g0, g1 in gutters) for b in band]
    return [b for c in range(len(gutters) + 1) for b in _rows([b for b, k in zip(band, column) if k == c])]


def _gutters(boxes: list[Box], page_width: int) -> list[tuple[int, int]]:
    """The x-range of each vertical white band that splits the page's lines into columns (none,
    one for two columns, two for three...)."""
    lo, hi = min(b[0] for b in boxes), max(b[2] for b in boxes)
    covered = np.zeros(page_width + 1, dtype=int)
    for x1, _, x2, _ in boxes:
        if x2 - x1 < 0.6 * (hi - lo):  # wide lines (titles, full-width text) separate bands instead
            covered[x1:x2] += 1
    # A few centred lines (titles, affiliations) may cross a gutter: they become band separators.
    start, stop = lo + (hi - lo) // 6, hi - (hi - lo) // 6
    low = np.flatnonzero(covered[start:stop] <= 0.15 * covered.max()) + start
    if not low.size:
        return []
    runs = np.split(low, np.flatnonzero(np.diff(low) > 1) + 1)  # each run of low columns: one gutter
    gutters = [(int(r[0]), int(r[-1])) for r in runs]
    edges = [lo - 1, *(x for g in gutters for x in g), hi + 1]  # column k lies between edges 2k and 2k+1
    columns = [[b for b in boxes if a <= b[0] and b[2] <= z] for a, z in zip(edges[::2], edges[1::2])]
    counts = [len(c) for c in columns]
    # Columns hold comparable numbers of lines: a margin of headings beside indented body text
    # (manual pages) is not a column of its own; nor are a list's tags beside their text.
    if min(counts) < 3 or min(counts) < 0.25 * max(counts):
        return []
    tags = any(_tags(c, [b for b in boxes if b[0] > g1]) for c, (_, g1) in zip(columns, gutters))
    return [] if tags else gutters


def _tags(column: list[Box], after: list[Box]) -> bool:
    """Whether ``column`` holds a list's tags (a manual's options, a glossary's terms), perhaps
    among headings: each shorter than half the typical line that starts right of it, and most
    level with one of those. Read as columns, a tag lands far from its text; a true column's
    lines are as wide as its neighbour's."""
    if not after:
        return False
    width = float(np.median([b[2] - b[0] for b in after]))
    level = sum(any(o[1] <= (b[1] + b[3]) / 2 <= o[3] for o in after) for b in column)
    return all(b[2] - b[0] < 0.5 * width for b in column) and level >= 0.5 * len(column)


def crop_box(size: tuple[int, int], box: Box, margin: float = 0.2, unit: float | None = None) -> Box:
    """The line's box grown by a margin of ``margin`` x ``unit`` (its height by default), as the
    model was trained on, and kept inside an image of ``size``."""
    x1, y1, x2, y2 = box
    m = int(margin * (y2 - y1 if unit is None else unit)) + 1
    return max(0, x1 - m), max(0, y1 - m), min(size[0], x2 + m), min(size[1], y2 + m)


def clear_rules(crop: Image.Image) -> Image.Image:
    """The line crop with the vertical rules that cross it from top to bottom painted over
    with paper. The line finder leaves a frame's sides and a table's rules out of the line's
    box, but the crop's margin takes them back in, and the reader read each as "|" (13 times on
    the first dev set's 10 pages, whose text has none). No glyph of the line itself spans
    the margins above and below it."""
    grey = np.asarray(crop.convert("L"))
    h, w = grey.shape
    if h < 8 or w < 8:
        return crop
    lo, hi = float(grey.min()), float(grey.max())
    if hi - lo < 32:  # no ink to tell from the paper
        return crop
    ink = grey < (lo + hi) / 2
    if ink.mean() > 0.5:  # light text on a dark ground
        ink = ~ink
    rules = [(a, b) for a, b in _runs(ink.mean(axis=0) >= 0.95) if b - a <= max(2, int(0.15 * h))]
    if not rules:
        return crop
    out = np.array(crop)
    paper = np.median(out[~ink], axis=0).astype(out.dtype)
    for a, b in rules:
        out[:, max(0, a - 1) : min(w, b + 1)] = paper
    return Image.fromarray(out, crop.mode)


def crop_line(image: Image.Image, box: Box, margin: float = 0.2) -> Image.Image:
    """The line with its margin (:func:`crop_box`)."""
    return image.crop(crop_box(image.size, box, margin))
