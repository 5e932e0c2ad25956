"""``scene``: text on photos and textures, bent, rotated and in perspective, with shadows."""
from __future__ import annotations

import numpy as np

from .. import augment, backgrounds, scenetext
from ..sample import Sample, register_kind


@register_kind("scene")
def make_scene(rng: np.random.Generator) -> Sample:
    long_side = int(rng.integers(512, 1025))
    aspect = rng.uniform(0.6, 1.7)
    size = (long_side, int(long_side / aspect)) if aspect > 1 else (int(long_side * aspect), long_side)
    bg = backgrounds.any_background(rng, size)
    instances = scenetext.place(rng, bg, int(rng.integers(1, 7)))
    img = scenetext.draw(instances, size).over(scenetext.shadows(rng, instances, size).over(bg))
    if rng.random() < 0.4:
        img = augment.shade(img, rng, 0.6)
    img = augment.degrade(img, rng, 0.8)
    ordered = scenetext.reading_order(instances)
    meta = {"instances": [i.to_json() for i in ordered]}
    return Sample("scene", [img], "\n".join(i.text for i in ordered), "plain", meta)
