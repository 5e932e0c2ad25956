"""Regions of interest: pixel boxes on GOT's 0-1000 scale, and colour frames drawn on the image."""
from __future__ import annotations

from PIL import Image, ImageDraw

from genocr.errors import InputError, OptionError

Box = tuple[int, int, int, int]
FRAME_RGB = {"red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255)}


def parse_box(spec: str | Box) -> Box:
    """Parse ``"x1,y1,x2,y2"`` (pixels) into four integers, checking their order."""
    if isinstance(spec, str):
        parts = [p.strip() for p in spec.replace(" ", ",").split(",") if p.strip()]
        try:
            values = [int(round(float(p))) for p in parts]
        except ValueError:
            raise OptionError(f"box '{spec}' is not four numbers x1,y1,x2,y2") from None
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
