"""Contact sheets: a grid of sample images with their ground truth, to eyeball a dataset."""
from __future__ import annotations

import io
import os
from collections.abc import Sequence

from PIL import Image, ImageDraw

from ..io import atomic_write
from .fonts import cjk_faces, latin_faces
from .render import line_height, wrap
from .sample import Sample

CELL = (320, 240)  # thumbnail area of one cell
TEXT_LINES = 5


def contact_sheet(samples: Sequence[Sample], path: str | os.PathLike, cols: int = 4) -> str:
    """Write a PNG grid of ``samples`` (first image each) with their targets under them."""
    if not samples:
        raise ValueError("no samples to show")
    face = min(cjk_faces() or latin_faces(), key=lambda f: (f.bold, f.italic))  # CJK covers Latin too
    font = face.font(13)
    lh = line_height(font)
    cell_w, cell_h = CELL[0] + 16, CELL[1] + lh * (TEXT_LINES + 1) + 24
    rows = (len(samples) + cols - 1) // cols
    sheet = Image.new("RGB", (cell_w * min(cols, len(samples)), cell_h * rows), "white")
    draw = ImageDraw.Draw(sheet)
    for i, s in enumerate(samples):
        x, y = (i % cols) * cell_w + 8, (i // cols) * cell_h + 8
        thumb = s.image.convert("RGB")
        thumb.thumbnail(CELL)
        sheet.paste(thumb, (x, y))
        draw.rectangle((x - 1, y - 1, x + thumb.width, y + thumb.height), outline=(180, 180, 180))
        extra = f" +{len(s.images) - 1} pages" if len(s.images) > 1 else ""
        caption = [f"[{s.kind} / {s.task}{extra}]"]
        for para in s.target.replace("\f", "\n").split("\n"):
            caption += wrap(para, font, CELL[0]) or [""]
        if len(caption) > TEXT_LINES + 1:
            caption = caption[:TEXT_LINES] + [caption[TEXT_LINES][:-1] + "…"]
        for j, line in enumerate(caption):
            draw.text((x, y + CELL[1] + 6 + j * lh), line, font=font, fill=(90, 90, 90) if j == 0 else (0, 0, 0))
    png = io.BytesIO()
    sheet.save(png, "PNG")
    atomic_write(path, png.getvalue())
    return str(path)
