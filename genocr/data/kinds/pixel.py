"""``pixel``: ground truth for the UPOCR-style pixel tasks (text removal, text segmentation,
tamper detection) from one rendering.

The text is composited over a background that is already degraded, so the clean image *is*
that background: outside the text mask the input equals the removal target exactly. The
tampered image swaps one word of one instance as an editing tool would: the old text is
erased by inpainting (smoothing the background under it), the new text is drawn in the same
style but with the small slips of a manual edit (a colour a little off, a softened paste, its
own grain or JPEG quality).
Those traces are what a detector can learn from; a perfect re-render would leave none. The
tampered image differs from the input only inside ``tamper_mask``.
"""
from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
from PIL import Image, ImageFilter

from .. import augment, backgrounds, corpus, scenetext
from ..render import WORD
from ..sample import Sample, register_kind

SIZE = (512, 512)  # UPOCR's working resolution
_NEAR = np.ones((5, 5), np.uint8)  # the erased hole reaches 2 px past the old strokes


def _coverage(inst: scenetext.Instance, size: tuple[int, int]) -> np.ndarray:
    return np.asarray(scenetext.draw([inst], size).alpha) > 0


def _tamper(rng: np.random.Generator, instances: list[scenetext.Instance]):
    """Replace one word of one instance; returns (index, new instance) or None."""
    for _ in range(10):
        i = int(rng.integers(len(instances)))
        words = list(WORD.finditer(instances[i].text))
        if not words:
            continue
        m = words[int(rng.integers(len(words)))]
        new_text = instances[i].text[: m.start()] + corpus.lookalike(rng, m.group()) + instances[i].text[m.end():]
        if not instances[i].face.covers(new_text):
            continue
        new = scenetext.render(replace(instances[i], text=new_text, patches=()))
        others = [p.extent for j, p in enumerate(instances) if j != i]
        if scenetext.fits(new, SIZE, others):
            return i, new
    return None


def _forge(rng: np.random.Generator, image: Image.Image, old: scenetext.Instance,
           new: scenetext.Instance) -> tuple[Image.Image, np.ndarray, list[str]]:
    """``image`` with ``old`` replaced by ``new`` as an edit would do it; returns it, the edited
    pixels and the slips made.

    Each of the edit's slips below happens with probability one half, and at least one always
    does, at a size an eye could see: a forgery that leaves no trace is not a detection task."""
    hole = cv2.dilate(_coverage(old, SIZE).astype(np.uint8), _NEAR)
    erased = Image.fromarray(cv2.inpaint(np.asarray(image.convert("RGB")), hole * 255, 3, cv2.INPAINT_TELEA))
    slips = [name for name in SLIPS if rng.random() < 0.5] or [SLIPS[int(rng.integers(len(SLIPS)))]]
    if "colour" in slips:  # matched by eye: off by 16-40 levels in some direction
        step = rng.normal(size=3)
        step *= rng.uniform(16, 40) / np.linalg.norm(step)
        new = replace(new, color=tuple(int(np.clip(c + d, 0, 255)) for c, d in zip(new.color, step)))
    forged = scenetext.draw([new], SIZE).over(erased)
    pasted = cv2.dilate(_coverage(new, SIZE).astype(np.uint8), _NEAR)
    edited = Image.fromarray((hole | pasted) * 255)
    if "soft" in slips:  # a resampled paste: the new word is a little softer than its neighbours
        soft = forged.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.6, 1.2))))
        forged = Image.composite(soft, forged, Image.fromarray(pasted * 255))
    if "grain" in slips:  # the patch's noise differs from the photo's around it
        forged = Image.composite(augment.noise(forged, rng, 12.0, min_std=5.0), forged, edited)
    if "jpeg" in slips:  # the patch was saved at another JPEG quality than the rest
        forged = Image.composite(augment.jpeg(forged, rng, 20, 50), forged, edited)
    return forged, np.asarray(edited) > 0, slips


# The traces a manual edit leaves, of which every forgery has one or more.
SLIPS = ("colour", "soft", "grain", "jpeg")


@register_kind("pixel")
def make_pixel(rng: np.random.Generator) -> Sample:
    bg = backgrounds.any_background(rng, SIZE)
    if rng.random() < 0.3:
        bg = augment.shade(bg, rng)
    bg = augment.degrade(bg, rng, 0.6)
    instances = scenetext.place(rng, bg, int(rng.integers(2, 8)))
    ink = scenetext.draw(instances, SIZE)
    image = ink.over(bg)
    mask = Image.fromarray(np.where(np.asarray(ink.alpha) >= scenetext.MASK_LEVEL, 255, 0).astype(np.uint8))
    tampered, tamper_mask, meta_t = image, np.zeros(SIZE[::-1], bool), {}
    swap = _tamper(rng, instances) if instances else None
    if swap:
        i, new = swap
        tampered, tamper_mask, slips = _forge(rng, image, instances[i], new)
        meta_t = {"tampered": {"from": instances[i].text, "to": new.text, "box": list(new.box), "slips": slips}}
    ordered = scenetext.reading_order(instances)
    extra = {"clean": bg, "mask": mask, "tampered": tampered,
             "tamper_mask": Image.fromarray(tamper_mask.astype(np.uint8) * 255)}
    meta = {"instances": [i.to_json() for i in ordered], **meta_t}
    return Sample("pixel", [image], "\n".join(i.text for i in ordered), "pixel", meta, extra)
