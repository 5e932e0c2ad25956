"""Many documents at once: a bounded pool of reader processes, one model load each.

A page is read by one model in one process; on a 2-core machine, two processes with one
thread each keep both cores busy where one process leaves them idle in its single-threaded
parts (loading, line finding, writing). Each worker takes one document at a time and renders
a PDF page by page, so memory stays flat however many pages pass through.
"""
from __future__ import annotations

import multiprocessing
import os
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

from genocr.errors import GenocrError, ModelError


@dataclass(frozen=True)
class Job:
    """One input and what to read of it; ``out`` is its output file (None: print)."""

    source: str | tuple[str, ...]  # several sources: one document (multi-page mode)
    out: str | None = None


@dataclass
class Done:
    """What became of one job: the rendered output, or the error that stopped it."""

    job: Job
    text: str | bytes = ""  # the rendered output (bytes for a PDF)
    pages: int = 0
    error: str | None = None
    looped: bool = False
    seconds: float = 0.0
    fatal: bool = False  # the model itself failed: no other job can succeed either


_OCR: Any = None  # the worker process's reader, loaded once by _start
_READ: dict[str, Any] = {}
_LOAD_ERROR: list[str] = []  # why the worker's model did not load


def _start(load: dict[str, Any], read: dict[str, Any], fmt: str, threads: int) -> None:
    """Worker initialiser: the model, computing on ``threads`` threads (0: all cores), once per
    process. A model that does
    not load is remembered, not raised: a pool restarts workers that fail to start, forever."""
    global _OCR
    from genocr.predict.reader import OCR

    _READ.clear()  # a worker (a Dask one, say) may serve several runs: nothing of the last one stays
    _LOAD_ERROR.clear()
    _READ.update(read, fmt=fmt)
    try:
        _OCR = OCR.load(**load, threads=threads)
    except GenocrError as exc:
        _LOAD_ERROR.append(str(exc))
    except Exception as exc:  # anything else too: a pool would restart a failing worker forever
        _LOAD_ERROR.append(f"the model did not load: {type(exc).__name__}: {str(exc)[:200]}")


def _read(job: Job) -> Done:
    from genocr.export import render

    if _LOAD_ERROR:
        return Done(job, error=_LOAD_ERROR[0], fatal=True)
    options = dict(_READ)
    fmt = options.pop("fmt")
    start = time.perf_counter()
    try:
        result = _OCR.read(job.source, **options)
        text = render(result, fmt, job.source if isinstance(job.source, str) else None)
    except GenocrError as exc:
        return Done(job, error=str(exc), seconds=time.perf_counter() - start)
    except Exception as exc:  # one input must never end the batch; the error names its type
        return Done(job, error=f"{type(exc).__name__}: {exc}".splitlines()[0], seconds=time.perf_counter() - start)
    return Done(job, text, sum(len(p.pages) for p in result.pages), None, result.looped, time.perf_counter() - start)


def read_all(jobs: Sequence[Job], load: dict[str, Any], read: dict[str, Any], fmt: str, workers: int,
             on_start: Callable[[], None] | None = None, threads: int | None = None) -> Iterator[Done]:
    """Read ``jobs`` in ``workers`` processes (in this one when 1), yielding each as it
    finishes, in input order; ``load`` are :meth:`OCR.load`'s options, ``read`` are
    :meth:`OCR.read`'s. ``on_start`` runs once the model is loaded. Each worker computes on
    ``threads`` threads (default: its share of the cores; one worker, all of them)."""
    cores = os.cpu_count() or 1
    if workers <= 1 or len(jobs) <= 1:
        _start(load, read, fmt, threads or 0)
        if _LOAD_ERROR:
            raise ModelError(_LOAD_ERROR.pop())
        if on_start is not None:
            on_start()
        yield from map(_read, jobs)
        return
    threads = threads or max(1, cores // workers)
    context = multiprocessing.get_context("spawn")  # torch and forked threads do not mix
    with context.Pool(workers, initializer=_start, initargs=(load, read, fmt, threads)) as pool:
        if on_start is not None:
            on_start()
        for done in pool.imap(_read, jobs):
            if done.fatal:
                raise ModelError(done.error or "the model did not load")
            yield done
