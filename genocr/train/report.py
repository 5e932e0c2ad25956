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


def plot_curves(run: Path, rows: list[dict], panels: dict[str, str]) -> None:
    """``run/curves.png``: the training loss, then one panel per held-out metric (log key -> title), by step."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    train = [r for r in rows if "loss" in r]
    fig, axes = plt.subplots(1, 1 + len(panels), figsize=(5 * (1 + len(panels)), 3.6))
    axes[0].plot([r["step"] for r in train], [r["loss"] for r in train], lw=1)
    axes[0].set(xlabel="step", ylabel="training loss", title="loss")
    for ax, (key, title) in zip(axes[1:], panels.items()):
        evals = [r for r in rows if key in r]
        ax.plot([r["step"] for r in evals], [r[key] for r in evals], marker="o")
        ax.set(xlabel="step", title=title, ylim=(0, None))
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=100)
    plt.close(fig)
    atomic_write(run / "curves.png", png.getvalue())


def write_report(run: Path) -> None:
    """``curves.png`` (training loss and held-out CER by step) and ``report.md`` beside the log."""
    rows = read_log(run)
    train = [r for r in rows if "loss" in r]
    evals = [r for r in rows if "eval_cer" in r]
    plot_curves(run, rows, {"eval_cer": "held-out synthetic CER"})
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
