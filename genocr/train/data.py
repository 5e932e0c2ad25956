"""Training pairs from the data engine, and the collator that turns them into model inputs."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np
import torch
from PIL import Image

from genocr.tasks import Query

Pair = tuple[Image.Image, str, str]  # (view, target, task)


def line_pairs(sample: Any, rng: np.random.Generator, max_lines: int = 10) -> list[Pair]:
    """A sample cut into single-line slices with their text, as the page reader will see them.

    One-line samples are kept whole; pages and paragraphs are cut along the line boxes the
    engine recorded, with a jittered margin so the model tolerates loose and tight crops.
    """
    lines = [ln for ln in sample.meta.get("lines", []) if ln["text"].strip()]
    image = sample.images[0]
    if len(lines) <= 1:
        return [(image, sample.target, "plain")] if sample.target.strip() else []
    picked = rng.choice(len(lines), size=min(max_lines, len(lines)), replace=False)
    pairs = []
    for i in sorted(picked):
        x1, y1, x2, y2 = lines[i]["box"]
        h = max(1, y2 - y1)
        mx, mt, mb = (rng.uniform(0.0, 0.35, 3) * h).astype(int)
        box = (max(0, x1 - mx), max(0, y1 - mt), min(image.width, x2 + mx), min(image.height, y2 + mb))
        if box[2] - box[0] > 2 and box[3] - box[1] > 2:
            pairs.append((image.crop(box), lines[i]["text"], "plain"))
    return pairs


def whole_pairs(sample: Any, rng: np.random.Generator) -> list[Pair]:
    """The sample as it is: one view, its target and its task (formatted kinds)."""
    return [(sample.images[0], sample.target, sample.task)]


VIEWS = {"lines": line_pairs, "whole": whole_pairs}


class PairStream(torch.utils.data.IterableDataset):
    """Training pairs cut from the engine's :class:`~genocr.data.dataset.SyntheticStream`.

    ``start`` moves a resumed run onto stream positions it has not seen; ``langs`` keeps only
    samples of those languages (a stage that teaches English first, say).
    """

    def __init__(self, kinds: dict[str, float], seed: int, views: str = "lines", start: int = 0,
                 langs: list[str] | None = None) -> None:
        from genocr.data.dataset import SyntheticStream

        self.samples = SyntheticStream(kinds, seed, start=start)
        self.views, self.langs = views, langs
        self.seed, self.start = seed, start

    def __iter__(self) -> Iterator[Pair]:
        info = torch.utils.data.get_worker_info()
        rng = np.random.default_rng([self.seed, self.start, info.id if info else 0])
        cut = VIEWS[self.views]
        for sample in self.samples:
            if self.langs is None or sample.meta.get("lang") in self.langs:
                yield from cut(sample, rng)


def held_out_pairs(kinds: dict[str, float], n: int, seed: int = 1_000_003, views: str = "lines",
                   langs: list[str] | None = None) -> list[Pair]:
    """A fixed evaluation set: the first ``n`` pairs of a seed no training run uses."""
    stream = iter(PairStream(kinds, seed, views, langs=langs))
    return [next(stream) for _ in range(n)]


@dataclass
class Collator:
    """Pairs -> padded model inputs with labels only on the answer (and its ``<|im_end|>``)."""

    model: Any  # a GenocrSmall: its views(), encode(), prompt() and tokenizer
    max_target_tokens: int = 256

    def __call__(self, pairs: list[Pair]) -> dict[str, torch.Tensor]:
        m, tok = self.model, self.model.tokenizer
        vision, counts = m.encode(m.views([p[0] for p in pairs]))
        ids, labels = [], []
        for n, (_, target, task) in zip(counts, pairs):
            prompt = tok(m.prompt(Query(task=task), [n]), add_special_tokens=False)["input_ids"]
            answer = tok(target + "<|im_end|>", add_special_tokens=False)["input_ids"][: self.max_target_tokens]
            ids.append(prompt + answer)
            labels.append([-100] * len(prompt) + answer)
        width = max(map(len, ids))
        pad = tok.pad_token_id
        input_ids = torch.tensor([x + [pad] * (width - len(x)) for x in ids])
        return {
            "input_ids": input_ids,
            "attention_mask": torch.tensor([[1] * len(x) + [0] * (width - len(x)) for x in ids]),
            "labels": torch.tensor([x + [-100] * (width - len(x)) for x in labels]),
            "mm_token_type_ids": (input_ids == m.model.config.image_token_id).long(),
            **vision,
        }
