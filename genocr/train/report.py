"""Curves and a short report of a training run, from its ``log.jsonl``."""
from __future__ import annotations

import io
import json
import time
from pathlib import Path

from genocr.io import atomic_write


def append_log(run: Path, row: dict) -> None:
    """Add one row to ``run/log.jsonl``, stamped with the time; the file is closed at once, so a
    killed run loses nothing it logged."""
    with (run / "log.jsonl").open("a", encoding="utf-8") as log:
        log.write(json.dumps({"time": time.time(), **row}, ensure_ascii=False) + "\n")


def read_log(run: Path) -> list[dict]:
    path = run / "log.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def write_report(run: Path) -> None:
    """``curves.png`` (training loss and held-out CER by step) and ``report.md`` beside the log."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = read_log(run)
    train = [r for r in rows if "loss" in r]
    evals = [r for r in rows if "eval_cer" in r]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6))
    ax1.plot([r["step"] for r in train], [r["loss"] for r in train], lw=1)
    ax1.set(xlabel="step", ylabel="training loss", title="loss")
    ax2.plot([r["step"] for r in evals], [r["eval_cer"] for r in evals], marker="o")
    ax2.set(xlabel="step", ylabel="CER", title="held-out synthetic CER", ylim=(0, None))
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=100)
    plt.close(fig)
    atomic_write(run / "curves.png", png.getvalue())
    speeds = sorted(r["samples_per_s"] for r in train)
    lines = [f"# Training report: {run.name}", "",
             f"- steps logged: {train[-1]['step'] if train else 0}",
             f"- median samples/s: {speeds[len(speeds) // 2]:.1f}" if speeds else "- no training steps logged"]
    if evals:
        best = min(evals, key=lambda r: r["eval_cer"])
        lines += [f"- held-out CER: last {evals[-1]['eval_cer']:.3f} (step {evals[-1]['step']}), "
                  f"best {best['eval_cer']:.3f} (step {best['step']})", "", "| ground truth | read |", "|---|---|"]
        lines += [f"| {t} | {p} |" for t, p in evals[-1].get("examples", [])]
    atomic_write(run / "report.md", "\n".join(lines) + "\n")
