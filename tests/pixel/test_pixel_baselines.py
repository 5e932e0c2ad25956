"""Classical baselines find drawn text and erase it."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from genocr.bench.metrics.pixel import fg_iou
from genocr.errors import OptionError
from genocr.pixel.baselines import baseline, inpaint, otsu, sauvola

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"


def drawn(ink: int, paper: int) -> tuple[Image.Image, np.ndarray, Image.Image]:
    """A page of text (grey ``ink`` on a ``paper`` gradient), the exact mask of what was drawn, the bare paper."""
    font = ImageFont.truetype(FONT, 36)
    mask = Image.new("L", (260, 120), 0)
    ImageDraw.Draw(mask).multiline_text((10, 10), "Pixel OCR\nbaseline", font=font, fill=255)
    ramp = np.linspace(paper - 30, paper + 30, 260)[None, :, None].repeat(120, 0).repeat(3, 2)
    clean = Image.fromarray(np.clip(ramp, 0, 255).astype(np.uint8))
    page = clean.copy()
    page.paste((ink, ink, ink), mask=mask)
    return page, np.asarray(mask) > 127, clean


@pytest.mark.parametrize("ink,paper", [(20, 220), (235, 40)])  # dark on light, light on dark
@pytest.mark.parametrize("method", [otsu, sauvola])
def test_thresholds_find_drawn_text(method, ink, paper):
    page, truth, _ = drawn(ink, paper)
    assert fg_iou(np.asarray(method(page)), truth) > 0.5


def test_inpainting_lowers_the_error_inside_the_mask():
    page, truth, clean = drawn(20, 200)
    before = np.abs(np.asarray(page, float) - np.asarray(clean, float))[truth].mean()
    after = np.abs(np.asarray(inpaint(page), float) - np.asarray(clean, float))[truth].mean()
    assert after < before / 3


def test_tamper_has_no_baseline():
    with pytest.raises(OptionError):
        baseline("tamper")
