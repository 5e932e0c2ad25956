"""One synthetic training/evaluation sample and the registry of kinds that make them."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from PIL import Image


@dataclass
class Sample:
    """An image (or several, for multi-page) with its exact ground truth.

    ``target`` follows GOT's output convention for the kind (plain text, Mathpix markdown,
    LaTeX, SMILES, **kern, TikZ, chart dict). ``task`` names the prompt that asks for it
    (see ``genocr.tasks``). ``meta`` holds JSON-serialisable extras (boxes, alternative
    targets such as table HTML, chart data); ``extra_images`` holds auxiliary images such as
    pixel-level masks.
    """

    kind: str
    images: list[Image.Image]
    target: str
    task: str = "plain"
    meta: dict[str, Any] = field(default_factory=dict)
    extra_images: dict[str, Image.Image] = field(default_factory=dict)

    @property
    def image(self) -> Image.Image:
        return self.images[0]


MakeFn = Callable[[np.random.Generator], Sample]
KINDS: dict[str, MakeFn] = {}


def register_kind(name: str) -> Callable[[MakeFn], MakeFn]:
    """Register ``fn(rng) -> Sample`` as the generator of one data kind."""

    def wrap(fn: MakeFn) -> MakeFn:
        KINDS[name] = fn
        return fn

    return wrap
