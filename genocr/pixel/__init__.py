"""Pixel-level OCR (UPOCR-style): text removal, text segmentation and tampered-text detection
with one prompt-conditioned image-to-image network, plus classical baselines.

The model is registered as ``genocr-pixel`` in ``genocr.models.registry``.
"""
