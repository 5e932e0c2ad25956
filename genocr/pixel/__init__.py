"""Pixel-level OCR (UPOCR-style): text removal, text segmentation and tampered-text detection
with one prompt-conditioned image-to-image network, plus classical baselines."""
from genocr.models.registry import ModelSpec

PIXEL_SPEC = ModelSpec(
    "genocr-pixel", "genocr-pixel", "genocr-pixel",
    "genocr's pixel-level model (UPOCR-style): text removal, segmentation and tamper detection",
    "Apache-2.0")

__all__ = ["PIXEL_SPEC"]
