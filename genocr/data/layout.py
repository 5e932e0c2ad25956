"""Synthetic document pages: one or two columns of headings, paragraphs and lists, with
footnotes and a page number, drawn with the box of every line and word.

The plain target follows what GOT learnt from Fitz-extracted PDF text: every visual line on its
own line, in reading order (title, then each column top to bottom, then footnotes). The
markdown target keeps the structure instead: ``#`` headings, joined paragraphs, ``-``/``1.``
lists and ``[^n]:`` footnotes, without the page number.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from . import augment, backgrounds, corpus
from .fonts import Face, pick_face, pick_family, style_of
from .render import Color, Ink, Line, line_height, text_width, wrap


@dataclass
class Block:
    role: str  # title, heading, paragraph, item, code, footnote, page-number
    lines: list[Line]
    markdown: str

    @property
    def box(self) -> tuple[int, int, int, int]:
        boxes = np.array([ln.box for ln in self.lines])
        return (int(boxes[:, 0].min()), int(boxes[:, 1].min()), int(boxes[:, 2].max()), int(boxes[:, 3].max()))


@dataclass
class Page:
    image: Image.Image
    blocks: list[Block]  # in reading order
    lang: str

    @property
    def lines(self) -> list[Line]:
        return [ln for b in self.blocks for ln in b.lines]

    @property
    def plain(self) -> str:
        return "\n".join(ln.text for ln in self.lines)

    @property
    def markdown(self) -> str:
        return "\n\n".join(b.markdown for b in self.blocks if b.markdown)

    def meta(self) -> dict:
        return {"lang": self.lang, "markdown": self.markdown,
                "lines": [ln.to_json() for ln in self.lines],
                "blocks": [{"role": b.role, "box": list(b.box), "lines": len(b.lines)} for b in self.blocks]}


def join_lines(lines: list[str]) -> str:
    """Undo line wrapping: a space between two Latin lines, nothing next to CJK."""
    out = lines[0] if lines else ""
    for ln in lines[1:]:
        out += (" " if out[-1:].isascii() and ln[:1].isascii() else "") + ln
    return out


@dataclass
class _Piece:
    """A block wrapped but not yet drawn: first line at x + ``first``, the rest at x + ``rest``."""

    role: str
    lines: list[str]
    font: ImageFont.FreeTypeFont
    markdown: str
    first: float = 0.0
    rest: float = 0.0
    decor: str = ""  # "bar" (dark, text light), "shade" (a tinted box) or "frame" (a ruled box)


class _Writer:
    """Draws pieces down the columns of one page, keeping blocks in reading order."""

    def __init__(self, rng: np.random.Generator, ink: Ink, lang: str, family: list[Face], size: int,
                 budget: int, background: Image.Image):
        self.rng, self.ink, self.lang, self.family, self.size = rng, ink, lang, family, size
        self.background = background  # boxes and bars behind the text are drawn here
        self.budget = budget  # characters still to place
        self.spacing = rng.uniform(1.15, 1.6)
        self.color: Color = tuple(int(v) for v in rng.integers(0, 60, 3))
        self.blocks: list[Block] = []

    def font(self, text: str, scale: float = 1.0, bold: bool = False) -> ImageFont.FreeTypeFont:
        face = style_of(self.family, bold=bold)
        if not face.covers(text):
            face = pick_face(self.rng, text, cjk=self.lang == "zh", bold=bold)
        return face.font(max(8, round(self.size * scale)))

    def step(self, font: ImageFont.FreeTypeFont) -> float:
        return line_height(font) * self.spacing

    def put(self, p: _Piece, x: float, y: float, width: float, align: str = "left") -> float:
        """Draw a piece from ``y`` and return the y just below its last line (and its box)."""
        step = self.step(p.font)
        bottom = y + step * (len(p.lines) - 1) + line_height(p.font)
        color = self._decorate(p.decor, (x, y, x + width, bottom)) if p.decor else self.color
        drawn = self.ink.block(x + p.first, y, p.lines[:1], p.font, color, self.spacing,
                               width - p.first, align)
        drawn += self.ink.block(x + p.rest, y + step, p.lines[1:], p.font, color, self.spacing,
                                width - p.rest, align)
        self.blocks.append(Block(p.role, drawn, p.markdown))
        return bottom + (self.size * 0.5 if p.decor else 0)

    def _decorate(self, decor: str, box: tuple[float, float, float, float]) -> Color:
        """Draw a bar, shade or frame around ``box`` on the background; the text colour to use."""
        pad = self.size * 0.35
        x0, y0, x1, y1 = box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad
        draw = ImageDraw.Draw(self.background)
        if decor == "bar":
            fill = tuple(int(v) for v in backgrounds.random_color(self.rng, 10, 110))
            draw.rectangle((x0, y0, x1, y1), fill=fill)
            return tuple(int(v) for v in self.rng.integers(225, 256, 3))
        if decor == "shade":
            draw.rectangle((x0, y0, x1, y1), fill=tuple(int(v) for v in backgrounds.random_color(self.rng, 205, 245)))
            return self.color
        line = int(self.rng.integers(1, 4))
        if self.rng.random() < 0.6:
            draw.rectangle((x0, y0, x1, y1), outline=self.color, width=line)
        else:  # a wavy border, as some manuals frame their notes
            t = np.linspace(0, 1, 400)
            wave = np.sin(t * self.rng.uniform(30, 90)) * self.size * 0.15
            for a, b, horizontal in (((x0, y0), (x1, y0), True), ((x0, y1), (x1, y1), True),
                                     ((x0, y0), (x0, y1), False), ((x1, y0), (x1, y1), False)):
                xs, ys = a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t
                xs, ys = (xs, ys + wave) if horizontal else (xs + wave, ys)
                draw.line(list(zip(xs.tolist(), ys.tolist())), fill=self.color, width=line)
        return self.color


def _paragraph(w: _Writer, width: float) -> _Piece:
    text = corpus.paragraph(w.rng, w.lang, int(w.rng.integers(120, 700)))
    font = w.font(text)
    indent = w.size * 2.0 if w.rng.random() < (0.6 if w.lang == "zh" else 0.3) else 0.0
    lines = wrap(text, font, width - indent, 1)
    lines += wrap(text[len(lines[0]):].lstrip(), font, width) if lines else []
    return _Piece("paragraph", lines, font, join_lines(lines), first=indent)


def _items(w: _Writer, width: float) -> list[_Piece]:
    marker = str(w.rng.choice(["•", "-", "1.", "▪"]))
    out = []
    for n in range(1, int(w.rng.integers(3, 7))):
        mark = f"{n}." if marker == "1." else marker
        text = corpus.paragraph(w.rng, w.lang, int(w.rng.integers(20, 160)))
        font = w.font(text + mark)
        hang = text_width(font, mark + " ")
        lines = wrap(text, font, width - hang)
        md = f"{mark if marker == '1.' else '-'} {join_lines(lines)}"
        out.append(_Piece("item", [f"{mark} {lines[0]}"] + lines[1:], font, md, rest=hang))
    return out


def _heading(w: _Writer, width: float) -> _Piece:
    text = corpus.heading(w.rng, w.lang)
    font = w.font(text, w.rng.uniform(1.1, 1.4), bold=True)
    decor = "bar" if w.rng.random() < 0.2 else ""
    return _Piece("heading", wrap(text, font, width - w.size), font, f"{'#' * int(w.rng.integers(2, 4))} {text}",
                  decor=decor)


def _code(w: _Writer, width: float) -> _Piece:
    """A block of code in a typewriter face, often in a shaded or framed box."""
    face = style_of(pick_family(w.rng, cjk=False, mono=True), bold=False)
    font = face.font(max(8, round(w.size * w.rng.uniform(0.8, 1.0))))
    lines = []
    for _ in range(int(w.rng.integers(2, 8))):
        text = corpus.code_line(w.rng)
        if face.covers(text):
            lines += wrap(text, font, width - w.size)
    decor = str(w.rng.choice(["shade", "shade", "frame", ""]))
    return _Piece("code", lines or ["pass"], font, "```\n" + "\n".join(lines or ["pass"]) + "\n```", decor=decor)


def _boxed(w: _Writer, width: float) -> _Piece:
    """A paragraph set apart in a shaded or framed box (a note, a warning)."""
    p = _paragraph(w, width - w.size)
    p.decor = str(w.rng.choice(["shade", "frame"]))
    return p


def _fill_column(w: _Writer, x: float, y: float, width: float, bottom: float) -> None:
    """Fill one column with headings, paragraphs and lists until it or the budget runs out."""
    last = ""
    while w.budget > 0:
        r = w.rng.random()
        english = w.lang == "en"
        pieces = [_heading(w, width)] if r < 0.12 and last != "heading" else \
            _items(w, width) if r < 0.24 else [_code(w, width)] if r < 0.30 and english else \
            [_boxed(w, width)] if r < 0.35 else [_paragraph(w, width)]
        for k, p in enumerate(pieces):
            fits = int((bottom - y - line_height(p.font)) / w.step(p.font)) + 1
            if fits < len(p.lines) and (p.role != "paragraph" or fits < 2):
                return
            if fits < len(p.lines):  # the paragraph runs on past the column end
                p.lines = p.lines[:fits]
                p.markdown = join_lines(p.lines)
            inside_list = p.role == "item" and k < len(pieces) - 1
            gap = w.step(p.font) - line_height(p.font)  # the usual leading, plus a break between blocks
            y = w.put(p, x, y, width) + gap + line_height(p.font) * w.rng.uniform(0.2, 0.8) * (not inside_list)
            w.budget -= sum(len(t) for t in p.lines)
            last = p.role


def make_page(rng: np.random.Generator, max_chars: int = 0, geometry: bool = True) -> Page:
    """Render one page; ``max_chars`` > 0 stops filling it after about that many characters."""
    lang = corpus.language(rng)
    W = int(rng.integers(800, 1100))
    H = int(W * rng.choice([1.414, 1.294]))
    margin = W * rng.uniform(0.06, 0.12)
    size = int(W * rng.uniform(0.015, 0.022))
    bg = backgrounds.light_background(rng, (W, H))
    ink = Ink((W, H), cached_glyphs=True)
    w = _Writer(rng, ink, lang, pick_family(rng, cjk=lang == "zh"), size, max_chars or 10**9, bg)
    width = W - 2 * margin
    y = margin
    if rng.random() < 0.6:
        text = corpus.heading(rng, lang)
        font = w.font(text, rng.uniform(1.5, 2.2), bold=True)
        title = _Piece("title", wrap(text, font, width, 2), font, "")
        title.markdown = f"# {join_lines(title.lines)}"
        y = w.put(title, margin, y, width, align=str(rng.choice(["left", "center"]))) + size * rng.uniform(1, 2.5)
    bottom = H - margin
    footer = _footnotes(w, width) if rng.random() < 0.3 else []
    bottom -= sum(w.step(p.font) * len(p.lines) + size * 0.4 for p in footer) + size * (1.5 if footer else 0)
    cols = 2 if rng.random() < 0.35 else 1
    gutter = W * rng.uniform(0.03, 0.05)
    col_w = (width - gutter * (cols - 1)) / cols
    for c in range(cols):
        _fill_column(w, margin + c * (col_w + gutter), y, col_w, bottom)
    if footer:
        y = bottom + size * 0.8
        ImageDraw.Draw(bg).line((margin, y, margin + width * 0.3, y), fill=w.color, width=1)
        for p in footer:
            y = w.put(p, margin, y + size * 0.4, width)
    if rng.random() < 0.5:
        n = str(rng.integers(1, 400))
        font = w.font(n, 0.9)
        w.put(_Piece("page-number", [n], font, ""), margin, H - margin * 0.6, width, align="center")
    return _finish(rng, Page(ink.over(bg), w.blocks, lang), geometry)


def _footnotes(w: _Writer, width: float) -> list[_Piece]:
    out = []
    for n in range(1, int(w.rng.integers(2, 4))):
        text = corpus.sentence(w.rng, w.lang)
        font = w.font(text, 0.8)
        out.append(_Piece("footnote", wrap(f"{n} {text}", font, width), font, f"[^{n}]: {text}"))
    return out


def _finish(rng: np.random.Generator, page: Page, geometry: bool) -> Page:
    """Scan-like distortions: a slight skew (boxes follow) and mild degradations."""
    if geometry and rng.random() < 0.4:
        m, size = augment.homography(page.image.size, augment.jitter(rng, 1.5, 0.01))
        page.image = augment.warp(page.image, m, size)
        for ln in page.lines:
            ln.box = augment.warp_box(ln.box, m, size)
            for word in ln.words:
                word.box = augment.warp_box(word.box, m, size)
    page.image = augment.degrade(page.image, rng, 0.6)
    return page
