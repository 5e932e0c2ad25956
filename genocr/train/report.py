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


def trim_log(run: Path, step: int) -> None:
    """Drop the rows logged after ``step``: a run resumed from its checkpoint at ``step`` logs
    those steps again, and each should appear once in the log and its curves."""
    rows = read_log(run)
    kept = [r for r in rows if r.get("step", 0) <= step]
    if len(kept) < len(rows):
        atomic_write(run / "log.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept))


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


EVALS = {"eval_cer": "held-out CER, decoder", "eval_ctc_cer": "held-out CER, CTC head",
         "eval_math_ned": "held-out formula token NED", "eval_table_ned": "held-out table token NED"}


def write_report(run: Path) -> None:
    """``curves.png`` (training loss and held-out CER by step) and ``report.md`` beside the log."""
    rows = read_log(run)
    train = [r for r in rows if "loss" in r]
    panels = {k: title for k, title in EVALS.items() if any(k in r for r in rows)}
    plot_curves(run, rows, panels or {"eval_cer": EVALS["eval_cer"]})
    speeds = sorted(r["samples_per_s"] for r in train)
    lines = [f"# Training report: {run.name}", "",
             f"- steps logged: {train[-1]['step'] if train else 0}",
             f"- median samples/s: {speeds[len(speeds) // 2]:.1f}" if speeds else "- no training steps logged"]
    for key, title in panels.items():
        evals = [r for r in rows if key in r]
        best = min(evals, key=lambda r: r[key])
        lines.append(f"- {title}: last {evals[-1][key]:.3f} (step {evals[-1]['step']}), "
                     f"best {best[key]:.3f} (step {best['step']})")
    examples = [r for r in rows if "examples" in r]
    if examples:
        lines += ["", "| ground truth | read |", "|---|---|"] + [f"| {t} | {p} |" for t, p in examples[-1]["examples"]]
    atomic_write(run / "report.md", "\n".join(lines) + "\n")
