"""Regions of interest: pixel boxes on GOT's 0-1000 scale, and colour frames drawn on the image."""
from __future__ import annotations

from PIL import Image, ImageDraw

from genocr.errors import InputError, OptionError

Box = tuple[int, int, int, int]
FRAME_RGB = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255)}
COLORS_INDEX = {"red": 0, "green": 1, "blue": 2}


def parse_box(spec: str | Box) -> Box:
    """Parse ``"x1,y1,x2,y2"`` (pixels) into four integers, checking their order."""
    if isinstance(spec, str):
        parts = [p.strip() for p in spec.replace(" ", ",").split(",") if p.strip()]
        try:
            values = [int(round(float(p))) for p in parts]
        except (ValueError, OverflowError):  # OverflowError: inf, 1e309
            raise OptionError(f"box '{spec}' is not four finite numbers x1,y1,x2,y2") from None
    else:
        values = [int(v) for v in spec]
    if len(values) != 4:
        raise OptionError(f"box '{spec}' must have four numbers x1,y1,x2,y2, not {len(values)}")
    x1, y1, x2, y2 = values
    if x2 <= x1 or y2 <= y1:
        raise OptionError(f"box {x1},{y1},{x2},{y2} is empty: x2 must exceed x1 and y2 must exceed y1")
    return x1, y1, x2, y2


def check_box(box: Box, size: tuple[int, int], source: str = "image") -> None:
    """Refuse a box that is not inside the image: GOT would read a region that does not exist."""
    w, h = size
    x1, y1, x2, y2 = box
    if x1 < 0 or y1 < 0 or x2 > w or y2 > h:
        raise InputError(f"{source}: box {x1},{y1},{x2},{y2} lies outside the {w}x{h} image")


def normalize_box(box: Box, size: tuple[int, int]) -> Box:
    """Pixel box to GOT's scale: each coordinate ``int(x / w * 1000)``, truncated as GOT does."""
    w, h = size
    x1, y1, x2, y2 = box
    return int(x1 / w * 1000), int(y1 / h * 1000), int(x2 / w * 1000), int(y2 / h * 1000)


def draw_frame(image: Image.Image, box: Box, color: str, width: int | None = None) -> Image.Image:
    """A copy of ``image`` with a ``color`` frame around ``box``, as GOT's colour prompts expect."""
    out = image.convert("RGB").copy()
    if width is None:
        width = max(2, round(min(out.size) / 300))
    ImageDraw.Draw(out).rectangle(box, outline=FRAME_RGB[color], width=width)
    return out


def find_frame(image: Image.Image, color: str) -> Box | None:
    """The inside of the largest ``color`` frame drawn on ``image`` (a box in pixels), or None.

    A frame pixel is strongly of its colour: its channel above 140 and both others at least
    80 below it (JPEG and anti-aliasing blur the edges, not the stroke). The box is the
    largest such stroke's bounding box, inset by its thickness."""
    import cv2
    import numpy as np

    rgb = np.asarray(image.convert("RGB"), dtype=np.int16)
    k = COLORS_INDEX[color]
    main, others = rgb[..., k], np.delete(rgb, k, axis=2)
    mask = ((main > 140) & (others.max(axis=2) < main - 80)).astype(np.uint8)
    _, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    best, best_area = None, 0
    for x, y, w, h, pixels in stats[1:].tolist():
        # a stroke around an area, not a filled patch
        if h >= 8 and w >= 8 and h * w > best_area and pixels < 0.5 * h * w:
            best, best_area = (x, y, x + w, y + h, pixels), h * w
    if best is None:
        return None
    x1, y1, x2, y2, pixels = best
    thick = max(1, round(pixels / (2 * ((x2 - x1) + (y2 - y1)))))
    inset = thick + 1
    if x2 - x1 <= 2 * inset + 2 or y2 - y1 <= 2 * inset + 2:
        return None
    return x1 + inset, y1 + inset, x2 - inset, y2 - inset
