"""Drawing text with the exact box of every line and word.

Text is drawn as *ink*, a coverage layer (L) plus a colour plane, kept apart from the
background and composited at the end. Kinds therefore get the clean background (text-removal
ground truth), the text mask (segmentation ground truth) and re-rendered variants for free.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from PIL import Image, ImageDraw, ImageFont

Box = tuple[int, int, int, int]
Color = tuple[int, int, int]
_CJK = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f\uff00-\uffef"
# Wrapping units: one CJK character, or a run of other characters with its trailing spaces.
UNIT = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+\s*|\s+")
# Word boxes: one CJK character, or a run of other non-space characters.
WORD = re.compile(rf"[{_CJK}]|[^\s{_CJK}]+")
NO_LINE_START = set("，。、；：？！）」』》,.;:?!)")


@dataclass
class Word:
    text: str
    box: Box


@dataclass
class Line:
    text: str
    box: Box
    words: list[Word] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"text": self.text, "box": list(self.box),
                "words": [{"text": w.text, "box": list(w.box)} for w in self.words]}


def advances(font: ImageFont.FreeTypeFont, text: str) -> list[float]:
    """Cumulative advance widths of ``text`` (Pillow's basic layout does not kern, so these are
    exactly where the glyphs go); cached per font and character, as ``getlength`` is slow."""
    cache = font.__dict__.setdefault("_genocr_advances", {})
    out, total = [], 0.0
    for ch in text:
        w = cache.get(ch)
        if w is None:
            w = cache[ch] = font.getlength(ch)
        total += w
        out.append(total)
    return out


def text_width(font: ImageFont.FreeTypeFont, text: str) -> float:
    return advances(font, text)[-1] if text else 0.0


_GLYPHS: dict = {}
GLYPH_CACHE_MAX = 200_000  # entries (~100 MB at most); the cache is emptied when full


def _glyph(font: ImageFont.FreeTypeFont, ch: str, quarter: int):
    key = (font, ch, quarter)
    glyph = _GLYPHS.get(key)
    if glyph is None:
        if len(_GLYPHS) >= GLYPH_CACHE_MAX:
            _GLYPHS.clear()
        glyph = _GLYPHS[key] = font.getmask2(ch, "L", anchor="ls", start=(quarter / 4, 0))
    return glyph


def line_height(font: ImageFont.FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return ascent + descent


def wrap(text: str, font: ImageFont.FreeTypeFont, max_width: float, max_lines: int = 0) -> list[str]:
    """Greedy line breaking: at spaces for Latin text, between characters for CJK; stops after
    ``max_lines`` lines when that is set."""
    lines: list[str] = []
    cur, cur_w = "", 0.0
    for unit in UNIT.findall(text):
        if cur and cur_w + text_width(font, unit.rstrip()) > max_width and unit[0] not in NO_LINE_START:
            lines.append(cur.rstrip())
            if len(lines) == max_lines:
                return lines
            cur, cur_w = unit.lstrip(), text_width(font, unit.lstrip())
        else:
            cur, cur_w = cur + unit, cur_w + text_width(font, unit)
    if cur.strip():
        lines.append(cur.rstrip())
    return lines


class Ink:
    """Text coverage plus its colour, composited over any background with :meth:`over`.

    With ``cached_glyphs`` (worth it for pages, where the same font draws thousands of
    characters) lines are drawn by blitting cached glyph bitmaps, ~6x faster than Pillow's
    ``text()``, which rasterises every glyph anew. The pixels are the same except for rare
    one-pixel rounding differences (glyph positions are kept to 1/4 px).
    """

    def __init__(self, size: tuple[int, int], cached_glyphs: bool = False):
        self.size = size
        self.cached_glyphs = cached_glyphs
        self.alpha = Image.new("L", size, 0)
        self.color = Image.new("RGB", size, 0)
        self._alpha_draw = ImageDraw.Draw(self.alpha)
        self._color_draw = ImageDraw.Draw(self.color)

    def text(self, x: float, baseline: float, text: str, font: ImageFont.FreeTypeFont,
             color: Color, stroke: int = 0) -> Line:
        """Draw one line with its left end at ``x`` on ``baseline``; return its boxes."""
        baseline = int(baseline)
        ends = [0.0] + advances(font, text)
        if self.cached_glyphs and not stroke:
            for ch, pen in zip(text, ends):
                ix = int(x + pen)
                mask, (dx, dy) = _glyph(font, ch, int((x + pen - ix) * 4))
                self._alpha_draw.draw.draw_bitmap((ix + dx, baseline + dy), mask, 255)
        else:
            self._alpha_draw.text((x, baseline), text, font=font, fill=255, anchor="ls", stroke_width=stroke)
        ascent, descent = font.getmetrics()
        top, bottom = round(baseline - ascent - stroke), round(baseline + descent + stroke)
        box = (int(x) - stroke, top, round(x + ends[-1]) + stroke, bottom)
        self._color_draw.rectangle((box[0] - 2, top - 2, box[2] + 2, bottom + 2), fill=color)
        words = [Word(m.group(), (int(x + ends[m.start()]) - stroke, top,
                                  round(x + ends[m.end()]) + stroke, bottom))
                 for m in WORD.finditer(text)]
        return Line(text, box, words)

    def block(self, x: float, top: float, lines: list[str], font: ImageFont.FreeTypeFont,
              color: Color, spacing: float = 1.2, width: float = 0, align: str = "left",
              stroke: int = 0) -> list[Line]:
        """Draw ``lines`` stacked from ``top``; ``align`` places each within ``width``."""
        ascent, _ = font.getmetrics()
        step = line_height(font) * spacing
        out = []
        for i, text in enumerate(lines):
            slack = max(0.0, width - text_width(font, text))
            dx = {"left": 0.0, "center": slack / 2, "right": slack}[align]
            out.append(self.text(x + dx, top + ascent + i * step, text, font, color, stroke))
        return out

    def paste(self, patch: Image.Image, xy: tuple[int, int], color: Color) -> None:
        """Add a pre-rendered coverage patch (e.g. warped scene text) in one colour."""
        region = (xy[0], xy[1], xy[0] + patch.width, xy[1] + patch.height)
        self.alpha.paste(Image.new("L", patch.size, 255), region, patch)
        self.color.paste(color, region, patch.point(lambda v: 255 if v else 0))

    def over(self, background: Image.Image) -> Image.Image:
        """The background with this ink composited on top (background is not changed)."""
        return Image.composite(self.color, background.convert("RGB"), self.alpha)
