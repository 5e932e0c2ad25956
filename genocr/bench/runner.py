"""Run a suite: every system in its own worker process, items interleaved, then score.

Accuracy is the median over items of each per-item score; speed is the median seconds per
item (itself the median over ``repeats``) and items per second over the whole dataset.
Systems are loaded side by side and take turns item by item, each alone on the CPU while it
is timed; what other programs took from the CPU meanwhile is measured and reported.
"""
from __future__ import annotations

import contextlib
import json
import os
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Sequence

from tqdm import tqdm

from genocr.bench import datasets, report, suites
from genocr.bench.scoring import METRICS, RATES
from genocr.bench.systems import PEERS, Genocr
from genocr.errors import GenocrError, ModelError, OptionError
from genocr.io import atomic_write

SHARED_CORES = 0.25  # other programs' mean CPU use above which a run's timings are marked not valid


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


class Worker:
    """One measured system (or data kind) in its own process, spoken to one JSON line at a time."""

    def __init__(self, job: dict[str, Any], env: dict[str, str] | None = None) -> None:
        environ = {**os.environ, **(env or {})}
        environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(datasets.REPO_ROOT), environ.get("PYTHONPATH")]))
        self.err = tempfile.TemporaryFile("w+")
        self.proc = subprocess.Popen([sys.executable, "-m", "genocr.bench.worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=self.err, text=True, env=environ)  # fmt: skip
        self.alive = True
        self._send(job)

    def _send(self, payload: dict[str, Any]) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(payload) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            self.alive = False

    def event(self) -> dict[str, Any] | None:
        """The next event; ``None`` once the worker has ended cleanly, and an ``error`` event
        with stderr's last line if it crashed."""
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline() if self.alive else ""
        if line:
            return json.loads(line)
        if not self.alive:
            return None
        self.alive = False
        if self.proc.wait() == 0:
            return None
        self.err.seek(0)
        lines = [ln for ln in self.err.read().splitlines() if ln.strip()]
        return {"event": "error", "type": "crash", "message": lines[-1] if lines else f"exit {self.proc.returncode}"}

    def ask(self, payload: dict[str, Any]) -> dict[str, Any]:
        self._send(payload)
        return self.event() or {"event": "error", "type": "crash", "message": "the worker ended early"}

    def finish(self) -> Iterator[dict[str, Any]]:
        """Close the job: the remaining events, ending with ``done`` (or an error)."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            with contextlib.suppress(BrokenPipeError):
                self.proc.stdin.close()
        while (ev := self.event()) is not None:
            yield ev
        self.err.close()


def other_cpu_seconds() -> float:
    """CPU seconds this machine has spent outside this process and its waited-for children:
    read before and after a run, the difference is what other programs took from it."""
    with open("/proc/stat") as fh:
        fields = [int(v) for v in fh.readline().split()[1:]]
    busy = (sum(fields) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return busy - (own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime)


def proc_stat(pid: int) -> list[str]:
    """The fields of ``/proc/PID/stat`` after the command name (state, parent, ...); the name
    may hold spaces and parentheses, so it is cut at the last ")"."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (a training run's data workers, say)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            parents.setdefault(int(proc_stat(int(stat.parent.name))[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += parents.get(p, [])
    return out


def _ancestors() -> set[int]:
    """This process and every process above it: none of them may be stopped."""
    out, pid = set(), os.getpid()
    while pid > 1 and pid not in out:
        out.add(pid)
        try:
            pid = int(proc_stat(pid)[1])
        except (OSError, ValueError, IndexError):
            break
    return out


@contextlib.contextmanager
def paused(pids: Sequence[int]) -> Iterator[None]:
    """Stop ``pids`` and their children (SIGSTOP) for the duration, and continue them after,
    so that a training run in the background does not share the CPU with a timing. They are
    continued on SIGTERM too; this process and its parents are never stopped."""
    mine = _ancestors()
    for pid in pids:
        if pid <= 0 or pid in mine:
            raise OptionError(f"--pause {pid}: not a process to stop (it must be another program's id)")
    stopped: list[int] = []

    def resume(*_: object) -> None:
        for p in reversed(stopped):
            with contextlib.suppress(ProcessLookupError):
                os.kill(p, signal.SIGCONT)

    previous = signal.signal(signal.SIGTERM, lambda *a: (resume(), sys.exit(143)))
    try:
        for pid in pids:
            for p in (d for d in _descendants(pid) if d not in mine):
                try:
                    os.kill(p, signal.SIGSTOP)
                    stopped.append(p)
                except ProcessLookupError:
                    continue
                except PermissionError:
                    raise OptionError(f"--pause {pid}: not allowed to stop process {p}") from None
        yield
    finally:
        resume()
        signal.signal(signal.SIGTERM, previous)


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


def run_systems(plan: list[tuple[dict[str, Any], list[suites.Dataset]]], repeats: int,
                notes: list[str]) -> tuple[list[SystemInfo], list[Result]]:  # fmt: skip
    """Every system in its own worker, all loaded first, then the items interleaved: item by
    item, each system in turn (the order rotating from item to item), so a disturbance of
    the machine hits every system alike. A model that will not load is an error, a peer a note."""
    workers, infos = [], []
    for spec, _ in plan:
        label = spec.get("peer") or spec["model"]
        env = PEERS[spec["peer"]].env if "peer" in spec else {}
        w = Worker({"job": "read", "system": spec, "repeats": repeats}, env)
        ev = w.event() or {"event": "error", "type": "crash", "message": "the worker ended before it was ready"}
        if ev["event"] != "ready":
            list(w.finish())
            if "model" in spec and ev.get("type") == "ModelError":
                for other in workers:
                    list(other.finish())
                raise ModelError(ev["message"])
            notes.append(f"{label} failed: {ev['type']}: {ev['message']}")
            workers.append(None)
            infos.append(None)
            continue
        workers.append(w)
        infos.append(SystemInfo(ev["name"], ev["version"], ev["load_s"], float("nan")))
    jobs = []  # (dataset, item, payload) in dataset order
    for d in {d.name: d for _, sets in plan for d in sets}.values():
        for i in d.items:
            jobs.append((d, i, {"key": f"{d.name}/{i.id}", "image": str(i.image), "task": d.profile.task,
                                "layout": d.profile.layout, "lang": i.extra.get("lang", d.profile.lang)}))  # fmt: skip
    preds: list[dict[str, dict[str, Any]]] = [{} for _ in plan]
    for k, (w, (_, sets)) in enumerate(zip(workers, plan)):  # warm-up on each system's first item
        first = next((p for d, _, p in jobs if d.name in {x.name for x in sets}), None)
        if w is not None and first is not None:
            w.ask({**first, "warmup": True})
    with tqdm(total=len(jobs), desc="items", unit="item", file=sys.stderr, leave=False) as bar:
        for n, (d, _, payload) in enumerate(jobs):
            order = list(range(len(plan)))
            order = order[n % len(order):] + order[: n % len(order)]
            for k in order:
                w = workers[k]
                if w is None or not w.alive or all(d.name != x.name for x in plan[k][1]):
                    continue
                ev = w.ask(payload)
                if ev["event"] == "item":
                    preds[k][ev.pop("key")] = ev
                else:
                    notes.append(f"{infos[k].name} failed: {ev['type']}: {ev['message']}")
            bar.update()
    systems, results = [], []
    for k, (w, info) in enumerate(zip(workers, infos)):
        if w is None or info is None:
            continue
        for ev in w.finish():
            if ev["event"] == "done":
                info.peak_rss_mb = ev["peak_rss_mb"]
        systems.append(info)
        notes.extend(f"{info.name} on {key}: {p['error']}" for key, p in preds[k].items() if p.get("error"))
        for d in plan[k][1]:
            scored = []
            for i in d.items:
                p = preds[k].get(f"{d.name}/{i.id}")
                if p is not None:
                    extras = {x: p[x] for x in ("tokens", "tok_s", "ttft") if x in p}
                    scores = METRICS[d.profile.metric].score(p["text"], i.gt)
                    scored.append(ItemResult(i.id, p["text"], i.gt, scores, p["seconds"], extras))
            results.append(Result(d.name, d.profile.metric, info.name, scored))
    return systems, results


def run(suite: str, models: Sequence[str] = (), peers: Sequence[str] = (), data: Path = datasets.DEFAULT_DATA,
        limit: int | None = None, repeats: int = 1, device: str = "cpu", out: Path | None = None,
        n_synthetic: int = 20, cache: Path = datasets.DEFAULT_CACHE,
        max_new_tokens: int | None = None, pause: Sequence[int] = ()) -> Report:  # fmt: skip
    """Run ``suite`` with ``pause``'s processes stopped; write ``<out>/<suite>.md`` and ``.png``
    when ``out`` is given. Other programs' CPU use during the run is measured and reported: a
    timing taken on a shared CPU is marked as such."""
    if repeats < 1 or (limit is not None and limit < 1):
        raise OptionError("--repeats and --limit must be at least 1")
    with paused(pause):
        other, start = other_cpu_seconds(), time.perf_counter()
        rep = _run(suite, list(models), list(peers), data, limit, repeats, device, n_synthetic, cache, max_new_tokens)
        shared = max(0.0, other_cpu_seconds() - other) / max(1e-9, time.perf_counter() - start)
    rep.settings["other_cores"] = shared
    if shared > SHARED_CORES:
        rep.notes.insert(0, f"**Timings not valid**: other programs used {shared:.2f} of {os.cpu_count()} cores "
                            "during this run (pause them, e.g. with --pause PID).")
    if out is not None:
        atomic_write(out / f"{suite}.md", report.markdown(rep))
        atomic_write(out / f"{suite}.png", report.plot(rep))
    return rep


def _run(suite: str, models: list[str], peers: list[str], data: Path, limit: int | None, repeats: int,
         device: str, n_synthetic: int, cache: Path, max_new_tokens: int | None) -> Report:
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
        usable = []
        for spec, outputs in plan:
            sets_ok = [d for d in sets if d.profile.output in outputs]
            label = spec.get("peer") or spec["model"]
            notes.extend(f"{label} skipped on {d.name}: cannot output {d.profile.output}"
                         for d in sets if d not in sets_ok)  # fmt: skip
            if sets_ok:
                usable.append((spec, sets_ok))
        systems, results = run_systems(usable, repeats, notes)
        rep = Report(suite, systems, results, notes, settings)
    return rep


def run_data(n: int, repeats: int, settings: dict[str, Any]) -> Report:
    """Samples per second of every registered kind, ``n`` per measurement, on one core."""
    import genocr.data.kinds  # noqa: F401 - registers every kind
    from genocr.data.sample import KINDS

    one_core = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    kinds, notes = {}, []
    for kind in tqdm(sorted(KINDS), desc="data", unit="kind", file=sys.stderr, leave=False):
        runs, rss = [], float("nan")
        for ev in Worker({"job": "generate", "kind": kind, "n": n, "repeats": repeats}, one_core).finish():
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
