"""``region``: fine-grained OCR of one part of a page, picked by a box (task "box", the box in
pixels and GOT's 0-1000 form in meta) or by a red/green/blue frame drawn on the image
(task "color")."""
from __future__ import annotations

import numpy as np
from PIL import ImageDraw

from ..layout import make_page
from ..sample import Sample, register_kind

COLORS = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255)}


@register_kind("region")
def make_region(rng: np.random.Generator) -> Sample:
    page = make_page(rng, geometry=False)  # axis-aligned lines, so a box holds exactly its lines
    blocks = [b for b in page.blocks if b.role != "page-number"] or page.blocks
    block = blocks[int(rng.integers(len(blocks)))]
    lines = block.lines
    if len(lines) > 1 and rng.random() < 0.5:
        k = int(rng.integers(1, len(lines) + 1))
        start = int(rng.integers(0, len(lines) - k + 1))
        lines = lines[start:start + k]
    boxes = np.array([ln.box for ln in lines])
    box = [int(boxes[:, 0].min()), int(boxes[:, 1].min()), int(boxes[:, 2].max()), int(boxes[:, 3].max())]
    w, h = page.image.size
    norm = [int(v / side * 1000) for v, side in zip(box, (w, h, w, h))]  # GOT's 0-1000 box prompt
    meta = {"lang": page.lang, "box": box, "box_norm": norm, "lines": [ln.to_json() for ln in lines]}
    task = "box" if rng.random() < 0.5 else "color"
    if task == "color":
        name = str(rng.choice(sorted(COLORS)))
        pad, width = int(rng.integers(2, 6)), int(rng.integers(2, 4))
        frame = [box[0] - pad - width, box[1] - pad - width, box[2] + pad + width, box[3] + pad + width]
        ImageDraw.Draw(page.image).rectangle(frame, outline=COLORS[name], width=width)
        meta.update(color=name, frame=frame)
    return Sample("region", [page.image], "\n".join(ln.text for ln in lines), task, meta)
