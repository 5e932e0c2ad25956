"""``slice``: a text line or short paragraph (1-3 lines), the bread and butter of plain OCR."""
from __future__ import annotations

import numpy as np
from PIL import Image

from .. import augment, backgrounds, corpus
from ..fonts import latin_faces, pick_face
from ..render import Ink, line_height, wrap
from ..sample import Sample, register_kind

# A fixed set of pixel sizes keeps the per-font glyph-advance caches warm; 11-13 px are the
# footnotes of a page scanned at 150 dpi.
SIZES = (11, 12, 13, 14, 16, 18, 20, 22, 24, 26, 28, 32, 36, 40, 44, 48)
# Styles of English lines that manuals and reports set apart (run 8 misread each on held-out
# pages): code in a typewriter face, small capitals, a heading set light on a dark bar, and
# text in a shaded box.
CODE, SMALL_CAPS, DARK_BAR, SHADED = 0.15, 0.05, 0.06, 0.08
# Share of English slices set in capitals, as forms, receipts, signs and headings are: the
# corpus is mostly prose, and a model trained on it read "REGISTRAR" as "PEC18TpAp".
UPPER = 0.25


@register_kind("slice")
def make_slice(rng: np.random.Generator) -> Sample:
    lang = corpus.language(rng)
    n_lines = int(rng.choice([1, 1, 1, 2, 3]))
    size = int(rng.choice(SIZES))
    style = _style(rng) if lang == "en" else "plain"
    if style == "code":
        text = corpus.code_line(rng)
        n_lines = 1
    elif n_lines == 1:
        text = corpus.snippet(rng, lang, int(rng.integers(3, 24 if lang == "zh" else 48)))
    else:
        text = corpus.paragraph(rng, lang, 20 * n_lines)
    if lang == "en" and style != "code" and rng.random() < UPPER:
        text = text.upper()
    face = pick_face(rng, text, cjk=lang == "zh", mono=True if style == "code" else None)
    if style == "small-caps":
        caps = [f for f in latin_faces() if f.small_caps and f.covers(text)]
        face = caps[int(rng.integers(len(caps)))] if caps else face
    font = face.font(size)
    if n_lines > 1:
        chars = rng.uniform(8, 20) if lang == "zh" else rng.uniform(16, 40)
        lines = wrap(text, font, chars * size * (1.0 if lang == "zh" else 0.5), n_lines)
    else:
        lines = [text]
    spacing = rng.uniform(1.0, 1.5)
    width = max(font.getlength(t) for t in lines)
    height = line_height(font) * (spacing * (len(lines) - 1) + 1)
    mx, my = (rng.uniform(0.1, 1.2, 2) * size).astype(int) + 2
    canvas = (int(width) + 2 * mx, int(height) + 2 * my)

    if style in ("dark-bar", "shaded"):
        lo, hi = (20, 110) if style == "dark-bar" else (200, 240)
        bg = Image.new("RGB", canvas, tuple(int(v) for v in backgrounds.random_color(rng, lo, hi)))
    else:
        bg = (backgrounds.light_background if rng.random() < 0.75 else backgrounds.any_background)(rng, canvas)
    ink = Ink(canvas)
    color = backgrounds.ink_color(rng, bg)
    stroke = int(rng.random() < 0.05)
    align = str(rng.choice(["left", "left", "center", "right"]))
    drawn = ink.block(mx, my, lines, font, color, spacing, width, align, stroke)
    img = ink.over(bg)

    if rng.random() < 0.6:
        m, canvas = augment.homography(canvas, augment.jitter(rng, 3.0, 0.03))
        img = augment.warp(img, m, canvas)
        for line in drawn:
            line.box = augment.warp_box(line.box, m, canvas)
            for word in line.words:
                word.box = augment.warp_box(word.box, m, canvas)
    img = augment.degrade(img, rng)
    meta = {"lang": lang, "font": face.name, "size": size, "style": style, "lines": [ln.to_json() for ln in drawn]}
    return Sample("slice", [img], "\n".join(lines), "plain", meta)


def _style(rng: np.random.Generator) -> str:
    r = rng.random()
    for name, share in (("code", CODE), ("small-caps", SMALL_CAPS), ("dark-bar", DARK_BAR), ("shaded", SHADED)):
        if r < share:
            return name
        r -= share
    return "plain"
