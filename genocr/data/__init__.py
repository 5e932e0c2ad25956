"""Synthetic training data: reproducible generators per kind, WebDataset tar shards on disk, and
an endless on-the-fly stream for training (``genocr.data.dataset.SyntheticStream``).

>>> from genocr.data import make, read_shards                     # doctest: +SKIP
>>> make("slice", n=1000, seed=0, out_dir="data/slice", workers=2)  # doctest: +SKIP
"""
from .engine import generate, kind_names, make
from .sample import Sample
from .shards import read_shards

__all__ = ["Sample", "generate", "kind_names", "make", "read_shards"]
