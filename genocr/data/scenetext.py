"""Scene text: short strings placed on photos and textures, each bent, rotated and put in
perspective on its own, with outlines and drop shadows.

Every instance keeps its drawing parameters, so the pixel kind can re-render one with other
words in exactly the same style (tampering ground truth).
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from . import augment, corpus
from .backgrounds import ink_color
from .fonts import Face, pick_face
from .render import Box, Color, Ink, line_height, text_width

MASK_LEVEL = 64  # coverage from which a pixel counts as text in masks
_NEAR = np.ones((5, 5), np.uint8)  # "within 2 px"


@dataclass
class Instance:
    text: str
    face: Face
    size: int
    color: Color
    outline: Color | None
    curve: float  # arc depth, as a fraction of the line height (signed)
    geometry: augment.Jitter
    xy: tuple[int, int] = (0, 0)
    patches: tuple[Image.Image, ...] = ()  # outline (if any) then fill, coverage (L)
    polygon: np.ndarray | None = None  # outline of the text, in patch coordinates

    @property
    def box(self) -> Box:
        pts = self.polygon + self.xy
        lo, hi = np.floor(pts.min(axis=0)), np.ceil(pts.max(axis=0))
        return int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1])

    @property
    def extent(self) -> Box:
        """The area the patches cover in the scene."""
        w, h = self.patches[0].size
        return self.xy[0], self.xy[1], self.xy[0] + w, self.xy[1] + h

    def to_json(self) -> dict:
        return {"text": self.text, "box": list(self.box),
                "polygon": [[round(float(x), 1), round(float(y), 1)] for x, y in self.polygon + self.xy]}


def render(inst: Instance) -> Instance:
    """Draw, bend and warp ``inst``; fills in its patches and polygon (xy is kept)."""
    font = inst.face.font(inst.size)
    stroke = max(1, inst.size // 12) if inst.outline else 0
    lh = line_height(font)
    amp = inst.curve * lh
    pad = stroke + 3
    w = int(text_width(font, inst.text)) + 2 * pad
    h = lh + 2 * pad + int(abs(amp)) + 1
    top = pad + max(0.0, -amp)
    baseline = int(top + font.getmetrics()[0])
    layers = []
    for width in ([stroke, 0] if stroke else [0]):
        layer = Image.new("L", (w, h), 0)
        ImageDraw.Draw(layer).text((pad, baseline), inst.text, font=font, fill=255, anchor="ls", stroke_width=width)
        layers.append(layer)
    xs = np.linspace(pad - stroke, w - pad + stroke, 9)
    lift = amp * np.sin(np.pi * xs / w)
    polygon = np.concatenate([np.stack([xs, top - stroke + lift], 1),
                              np.stack([xs[::-1], top + lh + stroke + lift[::-1]], 1)])
    if amp:
        map_x, map_y = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        map_y -= (amp * np.sin(np.pi * map_x / w)).astype(np.float32)
        layers = [Image.fromarray(cv2.remap(np.asarray(layer), map_x, map_y, cv2.INTER_LINEAR)) for layer in layers]
    m, size = augment.homography((w, h), inst.geometry)
    layers = [_clean(augment.warp(layer, m, size, border="zero")) for layer in layers]
    return replace(inst, patches=tuple(layers), polygon=augment.warp_points(polygon, m))


def _clean(patch: Image.Image) -> Image.Image:
    """Drop faint coverage more than 2 px from the text mask, so the mask (coverage >=
    MASK_LEVEL) grown by 2 px holds every pixel the text changes."""
    a = np.asarray(patch)
    near = cv2.dilate((a >= MASK_LEVEL).astype(np.uint8), _NEAR)
    return Image.fromarray(a * near)


def _overlaps(box: Box, others: list[Box], margin: int = 4) -> bool:
    return any(box[0] < o[2] + margin and o[0] < box[2] + margin and box[1] < o[3] + margin
               and o[1] < box[3] + margin for o in others)


def fits(inst: Instance, size: tuple[int, int], others: list[Box]) -> bool:
    x0, y0, x1, y1 = inst.extent
    return x0 >= 0 and y0 >= 0 and x1 <= size[0] and y1 <= size[1] and not _overlaps(inst.extent, others)


def place(rng: np.random.Generator, bg: Image.Image, n: int, outline: float = 0.2) -> list[Instance]:
    """Up to ``n`` non-overlapping text instances on ``bg``, each in its own style (at least
    one: it keeps trying, with shorter and smaller text, until one fits)."""
    W, H = bg.size
    lang = corpus.language(rng, 0.4)
    placed: list[Instance] = []
    for attempt in range(n + 50):
        if len(placed) == n or (attempt >= n and placed):
            break
        shrink = 0.5 if attempt >= n else 1.0
        text = corpus.snippet(rng, lang, max(2, int(rng.integers(3, 12 if lang == "zh" else 24) * shrink)))
        text = text.upper() if rng.random() < 0.25 else text
        if not text:
            continue
        face = pick_face(rng, text, cjk=lang == "zh", bold=bool(rng.random() < 0.4))
        rotate = 30.0 if rng.random() < 0.15 else 12.0
        inst = Instance(text, face, int(min(W, H) * rng.uniform(0.04, 0.13) * shrink), (0, 0, 0), None,
                        rng.uniform(0.15, 0.7) * rng.choice([-1, 1]) if rng.random() < 0.3 else 0.0,
                        augment.jitter(rng, rotate, 0.08))
        inst = render(inst)
        pw, ph = inst.patches[0].size
        if pw >= W or ph >= H:
            continue
        for _ in range(15):
            inst.xy = (int(rng.integers(0, W - pw)), int(rng.integers(0, H - ph)))
            if fits(inst, (W, H), [p.extent for p in placed]):
                break
        else:
            continue
        inst.color = ink_color(rng, bg.crop(inst.box))
        if rng.random() < outline:
            inst.outline = tuple(255 - c for c in inst.color)
            inst = render(replace(inst, patches=()))
            if not fits(inst, (W, H), [p.extent for p in placed]):
                continue
        placed.append(inst)
    return placed


def draw(instances: list[Instance], size: tuple[int, int]) -> Ink:
    ink = Ink(size)
    for inst in instances:
        for patch, color in zip(inst.patches, ([inst.outline] if inst.outline else []) + [inst.color]):
            ink.paste(patch, inst.xy, color)
    return ink


def shadows(rng: np.random.Generator, instances: list[Instance], size: tuple[int, int]) -> Ink:
    """Soft drop shadows under some of the instances (drawn before the text)."""
    ink = Ink(size)
    for inst in instances:
        if rng.random() < 0.25:
            dx, dy = (int(v) for v in rng.integers(1, max(2, inst.size // 8) + 1, 2))
            soft = inst.patches[0].filter(ImageFilter.GaussianBlur(float(rng.uniform(0.5, 2.5))))
            ink.paste(soft, (inst.xy[0] + dx, inst.xy[1] + dy), (20, 20, 20))
    return ink


def reading_order(instances: list[Instance]) -> list[Instance]:
    """Top to bottom in rows, left to right within a row (GOT's scene-text convention)."""
    rows: list[list[Instance]] = []
    for inst in sorted(instances, key=lambda i: (i.box[1] + i.box[3]) / 2):
        cy, h = (inst.box[1] + inst.box[3]) / 2, inst.box[3] - inst.box[1]
        last = rows[-1][-1].box if rows else None
        if last and abs(cy - (last[1] + last[3]) / 2) < 0.5 * min(h, last[3] - last[1]):
            rows[-1].append(inst)
        else:
            rows.append([inst])
    return [inst for row in rows for inst in sorted(row, key=lambda i: i.box[0])]
