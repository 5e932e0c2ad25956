"""``pixel``: ground truth for the UPOCR-style pixel tasks (text removal, text segmentation,
tamper detection) from one rendering.

The text is composited over a background that is already degraded, so the clean image *is*
that background: outside the text mask the input equals the removal target exactly. The
tampered image re-renders one word of one instance in the same style; it differs from the
input only inside ``tamper_mask``.
"""
from __future__ import annotations

from dataclasses import replace

import numpy as np
from PIL import Image

from .. import augment, backgrounds, corpus, scenetext
from ..render import WORD
from ..sample import Sample, register_kind

SIZE = (512, 512)  # UPOCR's working resolution


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
        changed = instances[:i] + [new] + instances[i + 1:]
        tampered = scenetext.draw(changed, SIZE).over(bg)
        tamper_mask = _coverage(instances[i], SIZE) | _coverage(new, SIZE)
        meta_t = {"tampered": {"from": instances[i].text, "to": new.text, "box": list(new.box)}}
    ordered = scenetext.reading_order(instances)
    extra = {"clean": bg, "mask": mask, "tampered": tampered,
             "tamper_mask": Image.fromarray(tamper_mask.astype(np.uint8) * 255)}
    meta = {"instances": [i.to_json() for i in ordered], **meta_t}
    return Sample("pixel", [image], "\n".join(i.text for i in ordered), "pixel", meta, extra)
