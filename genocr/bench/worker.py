"""One measured system (or one data kind) in its own process: ``python -m genocr.bench.worker``.

The runner writes a JSON job as the first line of stdin (then, for a read job, one item per
line) and reads JSON events, one per line, from stdout. A process per system makes its peak
RSS (:func:`peak_rss_mb`) its own, so systems can stand side by side in one run. Libraries
that print are kept off the event stream: stdout is moved to stderr, and events go to a
private copy.
"""
from __future__ import annotations

import contextlib
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterator, TextIO


def peak_rss_mb() -> float:
    """This process's peak RSS in MiB, or its largest finished child's when larger.

    Its own is the high-water mark of its own memory (``VmHWM``), not ``ru_maxrss``: Linux
    carries ``ru_maxrss`` over ``exec`` from the process that started this one, so every worker
    read at least the runner's size (all systems of one text run read 478 MiB, Tesseract's
    in-process reader among them). A child's ``ru_maxrss`` starts from this process's own high
    water in turn, so the two are not added."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB; the fallback off Linux
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                own = int(line.split()[1])
    return max(own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024


def serve(job: dict[str, Any], items: Iterator[str], emit: Callable[..., None]) -> None:
    """Load the system, then answer one item per input line: a warm-up read (``"warmup"``,
    not timed) or a read timed ``repeats`` times. The runner sends items one system at a time,
    so no other measured system runs while this one is timed."""
    from genocr.bench.systems import build

    start = time.perf_counter()
    system = build(job["system"])
    emit("ready", name=system.name, version=system.version, load_s=time.perf_counter() - start)
    for line in items:
        item = json.loads(line)
        if item.get("warmup"):
            with contextlib.suppress(Exception):  # a bad first image is reported when it is timed
                system.read(Path(item["image"]), item["task"], item["lang"], item["layout"])
            emit("warm")
            continue
        seconds, text, error = [], "", None
        system.last = {}
        for _ in range(job["repeats"]):
            start = time.perf_counter()
            try:
                text = system.read(Path(item["image"]), item["task"], item["lang"], item["layout"])
            except Exception as exc:  # one bad image must not end the system's run
                error = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
            seconds.append(time.perf_counter() - start)
        emit("item", key=item["key"], text=text, seconds=statistics.median(seconds), error=error, **system.last)


def generate(job: dict[str, Any], emit: Callable[..., None]) -> None:
    """Time the data engine's generator for one kind on one core (its batch form when it has one)."""
    from genocr.bench.datasets import HELD_OUT_SEED
    from genocr.data.engine import get_kind, sample_rng

    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # inherited by pdflatex and friends
    kind, n = job["kind"], job["n"]
    make = get_kind(kind)
    batch = getattr(make, "make_batch", None)
    make(sample_rng(kind, HELD_OUT_SEED + 1, 0))  # warm caches: fonts, imports
    for r in range(job["repeats"]):
        rng = sample_rng(kind, HELD_OUT_SEED, r)
        start = time.perf_counter()
        if batch is not None:
            batch(rng, n)
        else:
            for _ in range(n):
                make(rng)
        emit("timing", seconds=time.perf_counter() - start, batched=batch is not None)


def main(stdin: TextIO = sys.stdin) -> None:
    events = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    def emit(event: str, **data: Any) -> None:
        events.write(json.dumps({"event": event, **data}) + "\n")

    job = json.loads(stdin.readline())
    try:
        if job["job"] == "generate":
            generate(job, emit)
        else:
            serve(job, iter(stdin.readline, ""), emit)
    except Exception as exc:
        emit("error", type=type(exc).__name__, message=str(exc).splitlines()[0] if str(exc) else "")
        return
    emit("done", peak_rss_mb=peak_rss_mb())


if __name__ == "__main__":
    main()
