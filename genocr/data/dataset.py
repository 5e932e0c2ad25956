"""An endless stream of freshly generated samples for training, as a torch ``IterableDataset``."""
from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch
from torch.utils.data import IterableDataset, get_worker_info

from ..errors import OptionError
from .engine import generate, get_kind, sample_rng

_MIX = zlib.crc32(b"mix")  # keeps the kind-choice generator apart from the samples' own
BLOCK = 16  # samples of a LaTeX kind typeset in one pdflatex run by default (see SyntheticStream._batched)


class SyntheticStream(IterableDataset):
    """Samples drawn from a weighted mix of kinds, generated on the fly.

    Stream position ``j`` picks its kind from ``(seed, j)`` and is then sample ``j`` of that
    kind, exactly as ``genocr data make`` would write it; for a kind typeset by LaTeX in batches,
    element ``j % block`` of its block ``j // block`` (one pdflatex run per block). DataLoader workers (and distributed
    ranks) take every ``k``-th position, so none of them repeats another's samples and the
    stream's content does not depend on how many there are. Items are :class:`Sample` objects,
    or whatever ``transform`` makes of them (it runs inside the worker); batch them with a
    ``collate_fn`` of your own.
    """

    def __init__(self, kinds: dict[str, float], seed: int = 0,
                 transform: Callable[[Any], Any] | None = None, start: int = 0, block: int = BLOCK):
        if not kinds or any(w <= 0 for w in kinds.values()):
            raise OptionError("give at least one kind, each with a positive weight")
        for kind in kinds:
            get_kind(kind)
        self.names = sorted(kinds)
        self.batched = {k: get_kind(k).make_batch for k in self.names if hasattr(get_kind(k), "make_batch")}
        weights = np.array([kinds[k] for k in self.names], dtype=np.float64)
        self.cdf = np.cumsum(weights / weights.sum())
        self.seed = seed
        self.transform = transform
        self.start = start  # first stream position: a resumed training run skips what it saw
        self.block = block  # small crops (formulas, tables) afford large blocks: fewer pdflatex starts

    def kind_at(self, position: int) -> str:
        u = np.random.default_rng([self.seed, _MIX, position]).random()
        return self.names[min(int(np.searchsorted(self.cdf, u, side="right")), len(self.names) - 1)]

    def __iter__(self) -> Iterator[Any]:
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info else (0, 1)
        rank, ranks = 0, 1
        if torch.distributed.is_available() and torch.distributed.is_initialized():
            rank, ranks = torch.distributed.get_rank(), torch.distributed.get_world_size()
        position, step = self.start + rank * workers + worker, ranks * workers
        blocks: dict[str, tuple[int, list[Any]]] = {}
        while True:
            kind = self.kind_at(position)
            sample = self._batched(kind, position, blocks) if kind in self.batched else \
                generate(kind, self.seed, position)
            yield self.transform(sample) if self.transform else sample
            position += step

    def _batched(self, kind: str, position: int, blocks: dict[str, tuple[int, list[Any]]]) -> Any:
        """A kind typeset by LaTeX pays a pdflatex start per call: position ``j`` takes element
        ``j % block`` of the block ``make_batch(rng(j // block), block)``, made once. (Elements
        whose positions drew another kind go unused: a block is still several times cheaper than
        one start per sample. With several DataLoader workers each typesets its own copy of a
        block: give LaTeX-heavy streams one data worker.)"""
        block = position // self.block
        if blocks.get(kind, (None,))[0] != block:
            blocks[kind] = (block, self.batched[kind](sample_rng(kind, self.seed, block), self.block))
        return blocks[kind][1][position % self.block]
