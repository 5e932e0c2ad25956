"""``genocr bench batch``: many documents at once, through the local pool and through Dask.

Every configuration reads the same folder end to end in a fresh process (model loads and
worker start-up count: a user waits for them too), so the figures are pages per minute as a
user gets them. Memory is each configuration's largest process: the reader itself with one
worker, the largest worker process with several.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path
from typing import Any, Sequence

from genocr.bench.report import fmt, table
from genocr.errors import OptionError
from genocr.io import atomic_write, expand_sources

# Run in a fresh interpreter: reads the folder one way and prints what it measured.
DRIVER = """
import json, sys, time
from genocr.bench.worker import peak_rss_mb
args = json.loads(sys.argv[1])
start = time.perf_counter()
if args["how"] == "dask":
    from genocr.scale import read_files
    report = read_files(args["files"], args["out"], model=args["model"], workers=args["workers"],
                        skip_existing=args["skip"])
    pages, failed, skipped = report.pages, len(report.failed), len(report.skipped)
else:
    from genocr.io import atomic_write
    from genocr.predict.batch import Job, read_all
    from pathlib import Path
    jobs = [Job(f, Path(f).stem + ".txt") for f in args["files"]]
    skipped = 0
    if args["skip"]:
        kept = [j for j in jobs if not (Path(args["out"]) / j.out).exists()]
        skipped, jobs = len(jobs) - len(kept), kept
    pages = failed = 0
    load = {"name_or_path": args["model"], "device": "cpu"}
    for done in read_all(jobs, load, {}, "txt", args["workers"], threads=args.get("threads")):
        if done.error:
            failed += 1
        else:
            atomic_write(Path(args["out"]) / done.job.out, done.text)
            pages += done.pages
seconds = time.perf_counter() - start
print(json.dumps({"pages": pages, "failed": failed, "skipped": skipped, "seconds": seconds,
                  "rss_mb": peak_rss_mb()}))
"""


def _measure(how: str, files: list[str], model: str, workers: int, out: Path, skip: bool = False,
             threads: int | None = None) -> dict[str, Any]:
    args = json.dumps({"how": how, "files": files, "model": model, "workers": workers, "out": str(out), "skip": skip,
                       "threads": threads})
    proc = subprocess.run([sys.executable, "-c", DRIVER, args], capture_output=True, text=True)
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        raise OptionError(f"bench batch: {how} with {workers} worker(s) failed: {lines[-1] if lines else proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run(data: Path, model: str, workers: Sequence[int] = (1, 2), dask: bool = True, limit: int | None = None,
        out: Path | None = None) -> str:
    """Measure, and write ``<out>/batch.md`` when ``out`` is given; returns the markdown."""
    files = expand_sources([str(data)])[:limit]
    if not files:
        raise OptionError(f"{data}: no images or PDFs")
    rows, results = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        # one worker on one thread: what each of several workers has
        results[("pool", 0)] = r = _measure("pool", files, model, 1, Path(tmp) / "single", threads=1)
        rows.append(["local pool, 1 worker on 1 thread", str(r["pages"]), fmt(r["seconds"], 1),
                     fmt(60 * r["pages"] / r["seconds"], 1), fmt(r["rss_mb"], 0)])
        for w in workers:
            target = Path(tmp) / f"pool{w}"
            results[("pool", w)] = r = _measure("pool", files, model, w, target)
            rows.append([f"local pool, {w} worker(s)" + (" on every core" if w == 1 else ", 1 thread each"),
                         str(r["pages"]), fmt(r["seconds"], 1),
                         fmt(60 * r["pages"] / r["seconds"], 1), fmt(r["rss_mb"], 0)])
        last = Path(tmp) / f"pool{workers[-1]}"
        written = sorted(last.iterdir())
        for path in written[: len(written) // 2]:
            path.unlink()
        r = _measure("pool", files, model, workers[-1], last, skip=True)
        rows.append([f"local pool, {workers[-1]} worker(s), resumed after deleting half the outputs",
                     f"{r['pages']} ({r['skipped']} skipped)", fmt(r["seconds"], 1),
                     fmt(60 * r["pages"] / r["seconds"], 1), fmt(r["rss_mb"], 0)])
        if dask:
            results[("dask", 2)] = r = _measure("dask", files, model, 2, Path(tmp) / "dask")
            rows.append(["Dask LocalCluster, 2 single-threaded workers", str(r["pages"]), fmt(r["seconds"], 1),
                         fmt(60 * r["pages"] / r["seconds"], 1), fmt(r["rss_mb"], 0)])
        shutil.rmtree(tmp, ignore_errors=True)
    ppm = {k: 60 * v["pages"] / v["seconds"] for k, v in results.items()}
    lines = [f"# genocr bench: batch", "",
             f"{date.today().isoformat()}, {os.cpu_count()} CPUs, model `{model}`, {len(files)} files from `{data}`. "
             "Each row reads the folder end to end in a fresh process (start-up and model loads included).", "",
             table(["configuration", "pages", "seconds", "pages/min", "peak RSS MiB (largest process)"], rows), ""]
    if ("pool", 1) in ppm and ("pool", 2) in ppm:
        lines.append(f"- 2 workers against 1 worker on every core: {ppm[('pool', 2)] / ppm[('pool', 1)]:.2f}x; "
                     f"against 1 worker on 1 thread: {ppm[('pool', 2)] / ppm[('pool', 0)]:.2f}x")
    if ("dask", 2) in ppm and ("pool", 2) in ppm:
        lines.append(f"- Dask against the local pool, 2 workers each: {ppm[('dask', 2)] / ppm[('pool', 2)]:.2f}x")
    text = "\n".join(lines) + "\n"
    if out is not None:
        atomic_write(out / "batch.md", text)
    return text
