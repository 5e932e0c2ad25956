"""Reading on a cluster: the same reader mapped over many files with Dask distributed.

Each Dask worker process loads the model once (a worker plugin runs the local pool's own
initialiser) and then reads one file per task with the local pool's own reader, so a file
gives the same output on a laptop and on a cluster. Results come back to the client as they
finish and are written atomically there, under ``out_dir`` (on a cluster, the client's disk;
the inputs must be readable by the workers at the same paths, e.g. on a shared filesystem).

>>> from genocr.scale import read_files                       # doctest: +SKIP
>>> report = read_files(paths, "out/", address="tcp://scheduler:8786")   # doctest: +SKIP
"""
from __future__ import annotations

import contextlib
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from genocr.errors import ModelError, OptionError
from genocr.io import atomic_write
from genocr.models.registry import DEFAULT_MODEL
from genocr.predict import batch

PLUGIN = "genocr-reader"


@dataclass
class ScaleReport:
    """What a cluster run did: pages read, files written, skipped and failed, and its time."""

    pages: int = 0
    written: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def pages_per_minute(self) -> float:
        return 60 * self.pages / self.seconds if self.seconds else 0.0


def reader_plugin(load: dict[str, Any], read: dict[str, Any], fmt: str, threads: int) -> Any:
    """A Dask worker plugin that loads the reader once in every worker process that joins (and
    in those that restart); Dask is imported only here, when a cluster is used."""
    from distributed import WorkerPlugin

    class ReaderPlugin(WorkerPlugin):
        name = PLUGIN

        def setup(self, worker: Any) -> None:
            batch._start(load, read, fmt, threads)

    return ReaderPlugin()


@contextlib.contextmanager
def _spawnable_main() -> Iterator[None]:
    """Worker processes are spawned, and spawning runs the parent's main script again by its
    path; a script read from standard input (``python - <<EOF``) has none there, and every worker
    would fail to start. Such a script is hidden from them while they start."""
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path is None or os.path.isfile(path):
        yield
        return
    del main.__file__
    try:
        yield
    finally:
        main.__file__ = path


def read_files(paths: Sequence[str | os.PathLike], out_dir: str | os.PathLike, address: str | None = None,
               model: str = DEFAULT_MODEL, fmt: str = "txt", workers: int | None = None,
               skip_existing: bool = False, on_done: Callable[[batch.Done], None] | None = None,
               **read_options: Any) -> ScaleReport:
    """Read ``paths`` on the Dask cluster at ``address`` (a new local cluster of ``workers``
    single-threaded processes when None), writing ``out_dir/<stem>.<fmt>`` for each as it
    finishes. ``read_options`` are :meth:`genocr.OCR.read`'s (task, box, pages, dpi, ...).
    With ``skip_existing``, inputs whose output is there already are not read again."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise OptionError("genocr.scale needs Dask: pip install 'dask[distributed]'") from None
    out = Path(out_dir)
    report = ScaleReport()
    stems: dict[str, int] = {}
    jobs = []
    for path in map(str, paths):
        stem = Path(path).stem
        stems[stem] = stems.get(stem, 0) + 1
        name = f"{stem}.{fmt}" if stems[stem] == 1 else f"{stem}-{stems[stem]}.{fmt}"
        if skip_existing and (out / name).exists():
            report.skipped.append(path)
        else:
            jobs.append(batch.Job(path, name))
    start = time.perf_counter()  # the cluster's start and model loads count: a user waits for them too
    cluster = None
    if address is None:
        with _spawnable_main():
            cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                   processes=True, dashboard_address=None, host="127.0.0.1")
    client = Client(cluster if cluster is not None else address)
    try:
        load = {"name_or_path": model, "device": "cpu"}
        client.register_plugin(reader_plugin(load, read_options, fmt, threads=1))
        futures = client.map(batch._read, jobs, pure=False)
        for future in as_completed(futures):
            done: batch.Done = future.result()
            if done.fatal:
                raise ModelError(done.error or "the model did not load on the workers")
            source = str(done.job.source)
            if done.error is not None:
                report.failed[source] = done.error
            else:
                atomic_write(out / str(done.job.out), done.text)
                report.written.append(source)
                report.pages += done.pages
            if on_done is not None:
                on_done(done)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    report.seconds = time.perf_counter() - start
    return report
