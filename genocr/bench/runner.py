"""Run a suite: every system in its own worker process over the suite's datasets, then score.

Accuracy is the median over items of each per-item score; speed is the median seconds per
item (itself the median over ``repeats``) and items per second over the whole dataset.
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from tqdm import tqdm

from genocr.bench import datasets, report, suites
from genocr.bench.scoring import METRICS, RATES
from genocr.bench.systems import PEERS, Genocr
from genocr.errors import GenocrError, ModelError, OptionError
from genocr.io import atomic_write


@dataclass
class ItemResult:
    id: str
    pred: str
    gt: str
    scores: dict[str, float]
    seconds: float
    extras: dict[str, float] = field(default_factory=dict)


@dataclass
class Result:
    """One system on one dataset."""

    dataset: str
    metric: str
    system: str
    items: list[ItemResult]

    def median(self, key: str) -> float:
        """The median over items (the mean for 0/1 columns such as exact match)."""
        values = [i.scores[key] if key in i.scores else i.extras.get(key) for i in self.items]
        values = [v for v in values if v is not None]
        if not values:
            return float("nan")
        return statistics.fmean(values) if key in RATES else statistics.median(values)

    @property
    def seconds(self) -> list[float]:
        return [i.seconds for i in self.items]


@dataclass
class SystemInfo:
    name: str
    version: str
    load_s: float
    peak_rss_mb: float


@dataclass
class Report:
    suite: str
    systems: list[SystemInfo]
    results: list[Result]
    notes: list[str]
    settings: dict[str, Any]
    kinds: dict[str, dict[str, Any]] = field(default_factory=dict)  # the data suite's measurements


def worker(job: dict[str, Any], env: dict[str, str] | None = None) -> Iterator[dict[str, Any]]:
    """Events of one worker process; a crash ends in an ``error`` event with stderr's last line."""
    environ = {**os.environ, **(env or {})}
    environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(datasets.REPO_ROOT), environ.get("PYTHONPATH")]))
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen([sys.executable, "-m", "genocr.bench.worker"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=err, text=True, env=environ)  # fmt: skip
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(json.dumps(job))
        proc.stdin.close()
        yield from (json.loads(line) for line in proc.stdout)
        if proc.wait() != 0:
            err.seek(0)
            lines = [ln for ln in err.read().splitlines() if ln.strip()]
            yield {"event": "error", "type": "crash", "message": lines[-1] if lines else f"exit {proc.returncode}"}


def plan_systems(models: list[str], peers: list[str], device: str, max_new_tokens: int | None,
                 notes: list[str]) -> list[tuple[dict[str, Any], frozenset[str]]]:  # fmt: skip
    """Worker specs and what each can output; unknown peers fail, missing ones become notes."""
    unknown = [p for p in peers if p not in PEERS]
    if unknown:
        raise OptionError(f"unknown peer '{unknown[0]}' (choose from {', '.join(PEERS)})")
    plan = [({"model": m, "device": device, "max_new_tokens": max_new_tokens}, Genocr.outputs) for m in models]
    for peer in peers:
        reason = PEERS[peer].missing()
        if reason:
            notes.append(f"{peer} skipped: {reason}")
        else:
            plan.append(({"peer": peer}, PEERS[peer].outputs))
    return plan


def run_system(spec: dict[str, Any], sets: list[suites.Dataset], repeats: int,
               notes: list[str]) -> tuple[SystemInfo | None, list[Result]]:  # fmt: skip
    """One worker over all of ``sets``; a model that will not load is an error, a peer a note."""
    by_key = {f"{d.name}/{i.id}": (d, i) for d in sets for i in d.items}
    items = [{"key": key, "image": str(i.image), "task": d.profile.task, "layout": d.profile.layout,
              "lang": i.extra.get("lang", d.profile.lang)} for key, (d, i) in by_key.items()]  # fmt: skip
    info, preds = None, {}
    label = spec.get("peer") or spec["model"]
    with tqdm(total=len(items), desc=label, unit="item", file=sys.stderr, leave=False) as bar:
        for ev in worker({"job": "read", "system": spec, "items": items, "repeats": repeats}):
            if ev["event"] == "ready":
                info = SystemInfo(ev["name"], ev["version"], ev["load_s"], float("nan"))
            elif ev["event"] == "item":
                preds[ev.pop("key")] = ev
                bar.update()
            elif ev["event"] == "done" and info is not None:
                info.peak_rss_mb = ev["peak_rss_mb"]
            elif ev["event"] == "error":
                if "model" in spec and ev["type"] == "ModelError":
                    raise ModelError(ev["message"])
                notes.append(f"{label} failed: {ev['type']}: {ev['message']}")
    if info is None:
        return None, []
    notes.extend(f"{info.name} on {k}: {p['error']}" for k, p in preds.items() if p.get("error"))
    results = []
    for d in sets:
        scored = []
        for i in d.items:
            p = preds.get(f"{d.name}/{i.id}")
            if p is not None:
                extras = {k: p[k] for k in ("tokens", "tok_s", "ttft") if k in p}
                scores = METRICS[d.profile.metric].score(p["text"], i.gt)
                scored.append(ItemResult(i.id, p["text"], i.gt, scores, p["seconds"], extras))
        results.append(Result(d.name, d.profile.metric, info.name, scored))
    return info, results


def run(suite: str, models: Sequence[str] = (), peers: Sequence[str] = (), data: Path = datasets.DEFAULT_DATA,
        limit: int | None = None, repeats: int = 1, device: str = "cpu", out: Path | None = None,
        n_synthetic: int = 20, cache: Path = datasets.DEFAULT_CACHE,
        max_new_tokens: int | None = None) -> Report:  # fmt: skip
    """Run ``suite``; write ``<out>/<suite>.md`` and ``.png`` when ``out`` is given."""
    if repeats < 1 or (limit is not None and limit < 1):
        raise OptionError("--repeats and --limit must be at least 1")
    settings = {"limit": limit, "repeats": repeats, "device": device, "cpus": os.cpu_count(), "data": str(data),
                "synthetic": n_synthetic, "load": os.getloadavg()[0]}  # fmt: skip
    if suite == suites.DATA_SUITE:
        rep = run_data(limit or 20, repeats, settings)
    else:
        notes: list[str] = []
        plan = plan_systems(list(models), list(peers), device, max_new_tokens, notes)
        if not plan:
            raise OptionError(f"no system to run: name --models and/or --peers ({'; '.join(notes) or 'none named'})")
        sets, data_notes = suites.build(suite, data, cache, limit, n_synthetic)
        notes += data_notes
        systems, results = [], []
        for spec, outputs in plan:
            usable = [d for d in sets if d.profile.output in outputs]
            label = spec.get("peer") or spec["model"]
            notes.extend(f"{label} skipped on {d.name}: cannot output {d.profile.output}"
                         for d in sets if d not in usable)  # fmt: skip
            info, res = run_system(spec, usable, repeats, notes) if usable else (None, [])
            if info is not None:
                systems.append(info)
                results.extend(res)
        rep = Report(suite, systems, results, notes, settings)
    if out is not None:
        atomic_write(out / f"{suite}.md", report.markdown(rep))
        atomic_write(out / f"{suite}.png", report.plot(rep))
    return rep


def run_data(n: int, repeats: int, settings: dict[str, Any]) -> Report:
    """Samples per second of every registered kind, ``n`` per measurement, on one core."""
    import genocr.data.kinds  # noqa: F401 - registers every kind
    from genocr.data.sample import KINDS

    one_core = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    kinds, notes = {}, []
    for kind in tqdm(sorted(KINDS), desc="data", unit="kind", file=sys.stderr, leave=False):
        runs, rss = [], float("nan")
        for ev in worker({"job": "generate", "kind": kind, "n": n, "repeats": repeats}, one_core):
            if ev["event"] == "timing":
                runs.append(ev)
            elif ev["event"] == "done":
                rss = ev["peak_rss_mb"]
            elif ev["event"] == "error":
                notes.append(f"{kind} failed: {ev['type']}: {ev['message']}")
        if runs:
            seconds = statistics.median(r["seconds"] for r in runs)
            kinds[kind] = {"n": n, "seconds": seconds, "samples_s": n / seconds,
                           "batched": runs[0]["batched"], "peak_rss_mb": rss}  # fmt: skip
    if not kinds:
        raise GenocrError(f"the data engine produced no samples: {notes[0] if notes else 'no kinds registered'}")
    return Report(suites.DATA_SUITE, [], [], notes, settings, kinds)
