"""Classical baselines: what a learned pixel model has to beat, and what runs before weights ship.

Segmentation thresholds the grey image globally (Otsu) or locally (Sauvola); removal
inpaints a thresholded, slightly dilated text mask with OpenCV's TELEA method. Text may be
dark on light or light on dark: the side of Otsu's threshold holding fewer pixels is taken
as text, since text covers less of an image than its background.
"""
from __future__ import annotations

from typing import Callable

import numpy as np
from PIL import Image

from genocr.errors import OptionError


def _grey(image: Image.Image) -> np.ndarray:
    """Grey levels in [0, 1], flipped if needed so that text is darker than its background."""
    from skimage.filters import threshold_otsu

    g = np.asarray(image.convert("L"), dtype=np.float64) / 255.0
    return 1.0 - g if (g < threshold_otsu(g)).mean() > 0.5 else g


def _mask(hit: np.ndarray) -> Image.Image:
    return Image.fromarray(hit.astype(np.uint8) * 255, "L")


def otsu(image: Image.Image) -> Image.Image:
    """Text mask (L, 255 = text) from one global Otsu threshold."""
    from skimage.filters import threshold_otsu

    g = _grey(image)
    return _mask(g < threshold_otsu(g))


def sauvola(image: Image.Image, window: int = 25, k: float = 0.2) -> Image.Image:
    """Text mask from Sauvola's local threshold: copes with shading that defeats one global threshold."""
    from skimage.filters import threshold_sauvola

    g = _grey(image)
    return _mask(g < threshold_sauvola(g, window_size=window, k=k))


def inpaint(image: Image.Image, mask: Image.Image | None = None, radius: int = 3, grow: int = 2) -> Image.Image:
    """Erase text by TELEA inpainting over ``mask`` (default: Otsu), grown by ``grow`` px to cover anti-aliased edges."""
    import cv2

    hit = np.asarray((mask or otsu(image)).convert("L")) > 0
    if grow:
        hit = cv2.dilate(hit.astype(np.uint8), np.ones((2 * grow + 1,) * 2, np.uint8)) > 0
    rgb = np.ascontiguousarray(np.asarray(image.convert("RGB")))
    return Image.fromarray(cv2.inpaint(rgb, hit.astype(np.uint8) * 255, radius, cv2.INPAINT_TELEA), "RGB")


def baseline(task: str) -> Callable[[Image.Image], Image.Image]:
    """The classical method for ``task``: inpainting for removal, Sauvola for segmentation."""
    if task == "removal":
        return inpaint
    if task == "segmentation":
        return sauvola
    raise OptionError(f"no classical baseline for '{task}': tamper detection needs a trained model (--model)")
