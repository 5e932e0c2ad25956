"""``genocr bench serve``: the service under load on loopback, and against its own spec.

A real ``genocr serve`` runs in its own process; clients post the given pages to ``/v1/read``
at 1, 4 and 16 at a time. Reported: requests per second, median and 99th-percentile latency,
errors (anything but 200 and 429), 429s (a full queue refusing work, as designed), and the
server's memory over a long run (its resident size sampled from ``/proc``). Then schemathesis
fuzzes every endpoint from ``/openapi.json``; a 5xx answer is a failure.
"""
from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

from genocr.bench.report import fmt, table
from genocr.errors import OptionError
from genocr.io import atomic_write


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _start(model: str, queue: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "genocr.cli", "serve", "--port", str(port), "--models", model,
                             "--queue", str(queue)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    import httpx

    for _ in range(200):
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise OptionError("bench serve: the server did not start")


def run(data: Path, model: str = "genocr-small", requests: int = 1000, queue: int = 8,
        out: Path | None = None) -> str:
    import httpx

    pages = [p for p in sorted(data.rglob("*.png"))][:20]
    if not pages:
        raise OptionError(f"{data}: no PNG pages to send")
    payloads = [(p.name, p.read_bytes()) for p in pages]
    proc, url = _start(model, queue)
    rows, memory = [], []
    try:
        def one(k: int) -> tuple[int, float]:
            name, body = payloads[k % len(payloads)]
            start = time.perf_counter()
            r = httpx.post(url + "/v1/read", files={"file": (name, body)}, data={"model": model, "dpi": "150"},
                           timeout=600)
            return r.status_code, time.perf_counter() - start

        one(0)  # warm-up: the model loads on first use
        for clients in (1, 4, 16):
            n = max(2 * clients, min(60, requests // 10))
            start = time.perf_counter()
            with ThreadPoolExecutor(clients) as pool:
                results = list(pool.map(one, range(n)))
            wall = time.perf_counter() - start
            ok = sorted(s for c, s in results if c == 200)
            errors = sum(c not in (200, 429) for c, _ in results)
            rows.append([str(clients), str(n), fmt(len(ok) / wall, 2), fmt(statistics.median(ok) if ok else float("nan"), 2),
                         fmt(ok[min(len(ok) - 1, int(0.99 * len(ok)))] if ok else float("nan"), 2),
                         str(sum(c == 429 for c, _ in results)), str(errors)])
        # memory over a long run: many requests from two clients, RSS sampled after every 50th
        def sampled(k: int) -> None:
            one(k)
            if k % 50 == 0:
                memory.append(_rss_mb(proc.pid))

        with ThreadPoolExecutor(2) as pool:
            list(pool.map(sampled, range(requests)))
        memory.append(_rss_mb(proc.pid))
        schema = _schemathesis(url)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    lines = ["# genocr bench: serve", "",
             f"{date.today().isoformat()}, {os.cpu_count()} CPUs, model `{model}`, {len(pages)} pages from `{data}` "
             f"posted to a `genocr serve` on loopback (queue {queue}).", "",
             table(["clients", "requests", "requests/s", "median s", "p99 s", "429s", "errors"], rows), "",
             f"- server RSS over {requests} more requests: {fmt(memory[0], 0)} MiB after the first, "
             f"{fmt(max(memory), 0)} MiB at most, {fmt(memory[-1], 0)} MiB at the end",
             f"- schemathesis against `/openapi.json`: {schema}", ""]
    text = "\n".join(lines) + "\n"
    if out is not None:
        atomic_write(out / "serve.md", text)
    return text


def _schemathesis(url: str) -> str:
    exe = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))
    if not Path(exe).exists():
        return "not run (pip install schemathesis)"
    with tempfile.TemporaryDirectory() as cwd:  # schemathesis keeps its cache in the working folder
        proc = subprocess.run([exe, "run", f"{url}/openapi.json", "--checks", "not_a_server_error",
                               "--max-examples", "25"], capture_output=True, text=True, timeout=1800, cwd=cwd)
    tail = [ln for ln in proc.stdout.splitlines() if ln.strip()][-3:]
    return ("0 server errors" if proc.returncode == 0 else "server errors found") + f" ({' / '.join(tail)[:300]})"
