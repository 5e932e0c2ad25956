"""``genocr bench pixel``: the pixel model beside the classical baselines, in one run.

Items come from the real dev set (scene and poster text removal, DIBCO document text
segmentation) and from a held-out synthetic split of the data engine's ``pixel`` kind, which
alone has tamper ground truth. Every system runs on the tasks it can do; the scores are
UPOCR's: removal metrics averaged over images (PSNR leaves out identical pairs), masks pooled
over a dataset as UPOCR's confusion matrices are.
"""
from __future__ import annotations

import csv
import io
import math
import os
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Callable

import numpy as np
from PIL import Image
from tqdm import tqdm

from genocr.bench.datasets import DEFAULT_DATA, HELD_OUT_SEED, check_data_dir
from genocr.bench.metrics.pixel import mask_counts, mask_scores, removal_scores
from genocr.bench.report import fmt, table
from genocr.bench.worker import peak_rss_mb
from genocr.errors import InputError, OptionError
from genocr.io import atomic_write, load_pages

REAL = {"text_removal": "removal", "text_removal_poster_zh": "removal", "text_seg_doc": "segmentation"}
REMOVAL_METRICS = ("psnr", "mssim", "mse", "age", "peps", "pceps")
MASK_METRICS = ("iou", "f", "precision", "recall")
Run = Callable[[Image.Image], Image.Image]


@dataclass
class PixelItem:
    """One input and its ground truth: the clean image (removal) or an L mask, 255 = text (masks)."""

    dataset: str
    id: str
    task: str
    image: Image.Image
    gt: Image.Image


@dataclass
class PixelResult:
    dataset: str
    task: str
    system: str
    scores: dict[str, float]
    seconds: list[float]
    example: Image.Image  # the first output, for the picture


@dataclass
class PixelReport:
    results: list[PixelResult]
    notes: list[str]
    settings: dict
    firsts: dict[str, PixelItem]  # each dataset's first item, for the picture


def real_items(root: Path, limit: int | None, notes: list[str]) -> list[PixelItem]:
    """The dev set's pixel-level items; DIBCO ground truth marks ink black, so it is inverted to 255 = text."""
    check_data_dir(root)
    if not (root / "manifest.tsv").is_file():
        raise OptionError(f"{root}: the pixel suite needs a manifest.tsv with categories {', '.join(REAL)}")
    items: list[PixelItem] = []
    with open(root / "manifest.tsv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t") if r.get("category") in REAL]
    for category in REAL:
        for row in [r for r in rows if r["category"] == category][:limit]:
            try:
                image, gt = (load_pages(root / row[k])[0].image for k in ("image_path", "gt_path"))
            except InputError as exc:  # one unreadable file costs its item, not the whole run
                notes.append(f"{category}/{row['item_id']} left out: {exc}")
                continue
            if image.size != gt.size:
                notes.append(f"{category}/{row['item_id']} left out: ground truth {gt.size} does not match image {image.size}")
                continue
            if REAL[category] == "segmentation":
                gt = Image.fromarray(((np.asarray(gt.convert("L")) < 128) * 255).astype(np.uint8), "L")
            items.append(PixelItem(category, row["item_id"], REAL[category], image, gt))
    return items


def synthetic_items(n: int) -> list[PixelItem]:
    """``n`` held-out ``pixel`` samples, each scored on all three tasks."""
    from genocr.data.engine import generate

    items = []
    for i in range(n):
        s = generate("pixel", HELD_OUT_SEED, i)
        ex = s.extra_images
        items += [PixelItem("synth_removal", str(i), "removal", s.image, ex["clean"]),
                  PixelItem("synth_segmentation", str(i), "segmentation", s.image, ex["mask"].convert("L")),
                  PixelItem("synth_tamper", str(i), "tamper", ex["tampered"], ex["tamper_mask"].convert("L"))]
    return items


def systems(models: list[str], device: str) -> dict[str, dict[str, Run]]:
    """Each system's runner per task it can do; the unchanged input is the floor removal must beat.

    A model erases by pasting its output on its own text mask and decides its mask's edges by colour;
    its raw output, decoded as UPOCR does, is a row too.
    Models are named as given, so two checkpoints called ``last`` stay apart.
    """
    from genocr.pixel import baselines
    from genocr.pixel.model import TASKS
    from genocr.pixel.predict import PixelModel

    out: dict[str, dict[str, Run]] = {}
    for model in models:
        net = PixelModel.load(model, device=device)
        raw = PixelModel(net.net, net.tile, device=device, raw=True)
        out[model] = {t: (lambda im, t=t, net=net: net.run(im, t)) for t in TASKS}
        out[f"{model}, raw output"] = {t: (lambda im, t=t, raw=raw: raw.run(im, t)) for t in ("removal", "segmentation")}
    out["input unchanged"] = {"removal": lambda im: im}
    out["TELEA inpainting (Otsu mask)"] = {"removal": baselines.inpaint}
    out["Otsu"] = {"segmentation": baselines.otsu}
    out["Sauvola"] = {"segmentation": baselines.sauvola}
    return out


def score(task: str, pairs: list[tuple[Image.Image, Image.Image]]) -> dict[str, float]:
    """UPOCR's dataset scores of (prediction, ground truth) pairs."""
    if task == "removal":
        per = [removal_scores(np.asarray(p.convert("RGB")), np.asarray(g)) for p, g in pairs]
        return {k: float(np.mean([s[k] for s in per if math.isfinite(s[k])] or [math.inf])) for k in REMOVAL_METRICS}
    counts: Counter = Counter()
    for p, g in pairs:
        counts.update(mask_counts(np.asarray(p.convert("L")) > 127, np.asarray(g) > 127))
    return {k: mask_scores(counts)[k] for k in MASK_METRICS}


def run(models: list[str], data: Path | None, limit: int | None, n_synthetic: int, device: str) -> PixelReport:
    """Every system on every dataset whose task it can do."""
    notes, runners = [], systems(models, device)
    if data == DEFAULT_DATA and not data.is_dir():  # a fresh clone without the team's dev set
        notes.append(f"no real dev set at {data}: synthetic samples only (--data DIR or GENOCR_BENCH_DATA)")
        data = None
    items = (real_items(data, limit, notes) if data else []) + synthetic_items(n_synthetic)
    if not items:
        raise OptionError("nothing to measure: give --data with pixel categories or --synthetic N")
    settings = {"cpus": os.cpu_count(), "load": os.getloadavg()[0], "device": device, "data": str(data),
                "limit": limit, "synthetic": n_synthetic}  # fmt: skip
    results = []
    for name, tasks in runners.items():
        for dataset in dict.fromkeys(i.dataset for i in items):
            chosen = [i for i in items if i.dataset == dataset]
            run_task = tasks.get(chosen[0].task)
            if run_task is None:
                continue
            pairs, seconds = [], []
            for item in tqdm(chosen, desc=f"{name}: {dataset}", unit="image", file=sys.stderr, leave=False):
                start = time.perf_counter()
                pairs.append((run_task(item.image), item.gt))
                seconds.append(time.perf_counter() - start)
            task = chosen[0].task
            results.append(PixelResult(dataset, task, name, score(task, pairs), seconds, pairs[0][0]))
    settings["peak_rss_mb"] = peak_rss_mb()
    firsts = {i.dataset: i for i in reversed(items)}
    return PixelReport(results, notes, settings, firsts)


def markdown(rep: PixelReport) -> str:
    s, results, notes = rep.settings, rep.results, rep.notes
    lines = ["# genocr bench: pixel", "",
             f"{date.today().isoformat()}, {s['cpus']} CPUs (load average {s['load']:.1f} at start), device "
             f"{s['device']}, limit {s['limit'] or 'none'}, data `{s['data']}`, {s['synthetic']} held-out synthetic "
             f"samples. Removal: mean over images of UPOCR's metrics (PSNR dB, MSSIM, MSE, AGE, pEPs, pCEPs; "
             f"MSSIM, MSE, pEPs, pCEPs as fractions, not ×100). Masks: pixels pooled over the dataset. "
             f"Speed: median seconds per image. Peak RSS of the bench process: {s['peak_rss_mb']:.0f} MiB.", ""]  # fmt: skip
    for dataset in dict.fromkeys(r.dataset for r in results):
        mine = [r for r in results if r.dataset == dataset]
        cols = REMOVAL_METRICS if mine[0].task == "removal" else MASK_METRICS
        rows = [[r.system, str(len(r.seconds)), *(fmt(r.scores[c]) for c in cols), fmt(statistics.median(r.seconds))]
                for r in mine]  # fmt: skip
        lines += [f"### {dataset} ({mine[0].task})", "", table(["system", "n", *cols, "s/image"], rows), ""]
    lines += ["## Notes", "", *(f"- {n}" for n in notes)] if notes else []
    return "\n".join(lines) + "\n"


def picture(rep: PixelReport) -> bytes:
    """PNG: per dataset, its first input, the ground truth and each system's output side by side."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    results = rep.results
    datasets = list(dict.fromkeys(r.dataset for r in results))
    cols = 2 + max(sum(r.dataset == d for r in results) for d in datasets)
    fig = Figure(figsize=(2.4 * cols, 2.4 * len(datasets)))
    for row, dataset in enumerate(datasets):
        first = rep.firsts[dataset]
        panels = [("input", first.image), ("ground truth", first.gt)]
        panels += [(r.system, r.example) for r in results if r.dataset == dataset]
        for col, (title, im) in enumerate(panels):
            ax = fig.add_subplot(len(datasets), cols, row * cols + col + 1)
            ax.imshow(np.asarray(im.convert("RGB")))
            ax.set_title(title if col else f"{dataset}\n{title}", fontsize=7)
            ax.axis("off")
    fig.tight_layout()
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf)
    return buf.getvalue()


def bench(models: list[str], data: Path | None, limit: int | None, n_synthetic: int, device: str,
          out: Path | None) -> PixelReport:  # fmt: skip
    """Run the suite; write ``<out>/pixel.md`` and ``<out>/pixel.png`` when ``out`` is given."""
    if limit is not None and limit < 1:
        raise OptionError("--limit must be at least 1")
    rep = run(models, data, limit, n_synthetic, device)
    if out is not None:
        atomic_write(out / "pixel.md", markdown(rep))
        atomic_write(out / "pixel.png", picture(rep))
    return rep
