"""``pixel`` samples as training examples, and their held-out evaluation with UPOCR's metrics.

Every sample yields one example of each task, in ``TASKS`` order, with UPOCR's painted targets:
removal -> the clean image; segmentation -> white text on black; tamper -> a colour map
(red background, green real text, blue tampered text) made from the tampered image.
"""
from __future__ import annotations

import json
import zlib
from collections import Counter
from typing import Callable

import numpy as np
import torch
from PIL import Image

from genocr.bench.metrics.pixel import mask_counts, mask_scores, removal_scores
from genocr.data.sample import Sample
from genocr.pixel.model import TASKS
from genocr.pixel.predict import to_tensor


def examples(sample: Sample, box: tuple[int, int, int, int] | None = None) -> dict[str, torch.Tensor]:
    """The three task examples of one ``pixel`` sample: inputs ``x``, painted targets ``y``, ``text`` masks."""
    ex = sample.extra_images

    def t(im: Image.Image) -> torch.Tensor:
        return to_tensor(im.crop(box) if box else im)[0]

    image, text, tamper = t(sample.image), t(ex["mask"])[:1], t(ex["tamper_mask"])[:1]
    colour = torch.cat([1 - torch.maximum(text, tamper), text * (1 - tamper), tamper])  # red bg, green real, blue fake
    return {"x": torch.stack([image, image, t(ex["tampered"])]),
            "y": torch.stack([t(ex["clean"]), text.expand(3, -1, -1), colour]),
            "text": torch.stack([text, text, tamper]), "task": torch.arange(len(TASKS))}


class RandomCrop:
    """A sample's examples inside one square window, placed by the sample's own content so reruns match."""

    def __init__(self, size: int) -> None:
        self.size = size

    def __call__(self, sample: Sample) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng(zlib.crc32(json.dumps(sample.meta, sort_keys=True).encode()))
        w, h = sample.image.size
        c = min(self.size, w, h)
        x0, y0 = int(rng.integers(w - c + 1)), int(rng.integers(h - c + 1))
        return examples(sample, (x0, y0, x0 + c, y0 + c))


def collate(items: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    return {k: torch.cat([it[k] for it in items]) for k in items[0]}


def evaluate(run: Callable[[Image.Image, str], Image.Image], samples: list[Sample]) -> dict[str, float]:
    """UPOCR's metrics over held-out samples; masks are pooled over the set, as UPOCR's confusion matrix."""
    psnrs, mssims, seg, tam = [], [], Counter(), Counter()
    for s in samples:
        scores = removal_scores(np.asarray(run(s.image, "removal")), np.asarray(s.extra_images["clean"]))
        psnrs += [scores["psnr"]] if np.isfinite(scores["psnr"]) else []
        mssims.append(scores["mssim"])
        seg.update(mask_counts(np.asarray(run(s.image, "segmentation")), np.asarray(s.extra_images["mask"])))
        tam.update(mask_counts(np.asarray(run(s.extra_images["tampered"], "tamper")),
                               np.asarray(s.extra_images["tamper_mask"])))
    segs, tams = mask_scores(seg), mask_scores(tam)
    return {"psnr": float(np.mean(psnrs)) if psnrs else float("inf"), "mssim": float(np.mean(mssims)),
            "seg_fgiou": segs["iou"], "seg_f": segs["f"], "tamper_iou": tams["iou"], "tamper_f": tams["f"]}
