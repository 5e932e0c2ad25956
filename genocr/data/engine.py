"""Reproducible generation: sample ``i`` of ``(kind, seed)`` always comes out the same.

Each sample has its own random generator, seeded from ``(seed, crc32(kind), i)``, so a sample
does not depend on the ones before it: any number of worker processes, any shard size, or a
training stream that skips around all produce byte-identical samples.
"""
from __future__ import annotations

import importlib
import json
import math
import multiprocessing
import os
import zlib
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import closing
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
from tqdm import tqdm

from ..errors import OptionError
from .sample import KINDS, MakeFn, Sample
from .shards import ShardWriter, encode

# Bump when a change to the generators alters the samples a (kind, seed, index) gives.
GENERATOR_VERSION = "11"
CHUNK = 8  # samples per task sent to a worker process
LIBRARIES = ("numpy", "pillow", "opencv-python-headless", "faker", "fonttools")


def kind_names() -> list[str]:
    """The names of all registered kinds (importing the kind modules registers them)."""
    importlib.import_module(f"{__package__}.kinds")
    return sorted(KINDS)


def get_kind(kind: str) -> MakeFn:
    if kind not in kind_names():
        raise OptionError(f"unknown data kind {kind!r}; choose from: {', '.join(kind_names())}")
    return KINDS[kind]


def sample_rng(kind: str, seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(kind.encode("utf-8")), index])


def generate(kind: str, seed: int, index: int) -> Sample:
    """Sample ``index`` of ``(kind, seed)``."""
    return get_kind(kind)(sample_rng(kind, seed, index))


def sample_key(kind: str, seed: int, index: int) -> str:
    return f"{kind}-{seed}-{index:08d}"


def _encoded(kind: str, seed: int, start: int, stop: int) -> list[list[tuple[str, bytes]]]:
    """The tar files of samples ``start..stop-1`` (a chunk, to keep inter-process traffic low)."""
    return [encode(generate(kind, seed, i), sample_key(kind, seed, i)) for i in range(start, stop)]


def _init_worker() -> None:
    import cv2

    cv2.setNumThreads(1)  # the pool already uses every core


def _encoded_stream(kind: str, seed: int, n: int, workers: int) -> Iterator[list[tuple[str, bytes]]]:
    """Encoded samples 0..n-1 in order, made by ``workers`` processes.

    Workers come from a fork server, not forked from this process: a child forked from a busy
    parent inherits its thread and lock state (OpenCV, BLAS, tqdm) and can hang. A worker that
    dies raises BrokenProcessPool instead of hanging the run as ``multiprocessing.Pool`` would.
    At most ``4 * workers`` chunks are in flight, so memory stays bounded for any ``n``.
    """
    chunks = [(i, min(i + CHUNK, n)) for i in range(0, n, CHUNK)]
    if workers == 1:
        for start, stop in chunks:
            yield from _encoded(kind, seed, start, stop)
        return
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__, f"{__package__}.kinds"])  # import once, fork cheaply
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker)
    try:
        pending: deque = deque()
        for start, stop in chunks:
            pending.append(pool.submit(_encoded, kind, seed, start, stop))
            if len(pending) >= 4 * workers:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    finally:
        pool.shutdown(cancel_futures=True)


def _versions() -> dict[str, str]:
    out = {}
    for lib in LIBRARIES:
        try:
            out[lib] = version(lib)
        except PackageNotFoundError:
            out[lib] = "missing"
    return out


def _check(n: int, seed: int, workers: int, shard_size: int) -> None:
    for name, value, low in (("n", n, 0), ("seed", seed, 0), ("workers", workers, 1), ("shard size", shard_size, 1)):
        if value < low:
            raise OptionError(f"{name} must be at least {low}, got {value}")


def make(kind: str, n: int, seed: int, out_dir: str | os.PathLike, workers: int = 1,
         shard_size: int = 1000, progress: bool = True) -> dict:
    """Write ``n`` samples of ``kind`` as tar shards plus ``manifest.json``; returns the manifest.

    Shards are named ``{kind}-{seed}-{shard:05d}.tar``. Every file is written to a temporary
    name and renamed when complete, so a reader never sees a half-written shard.
    """
    get_kind(kind)
    _check(n, seed, workers, shard_size)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stream = _encoded_stream(kind, seed, n, workers)
    shards = []
    with closing(stream), tqdm(total=n, unit="sample", desc=kind, disable=not progress) as bar:
        for s in range(math.ceil(n / shard_size)):
            name = f"{kind}-{seed}-{s:05d}.tar"
            writer = ShardWriter(out / name)
            try:
                for _ in range(min(shard_size, n - s * shard_size)):
                    writer.add(next(stream))
                    bar.update()
            except BaseException:
                writer.abort()
                raise
            shards.append({"file": name, "first": s * shard_size, "samples": writer.count,
                           "sha256": writer.close()})
    manifest = {"kind": kind, "seed": seed, "n": n, "shard_size": shard_size, "shards": shards,
                "generator_version": GENERATOR_VERSION, "libraries": _versions()}
    tmp = out / ".manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, out / "manifest.json")
    return manifest
