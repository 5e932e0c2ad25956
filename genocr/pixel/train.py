"""Training the pixel model: UPOCR's losses and a small resumable loop on synthetic ``pixel`` samples.

Losses follow UPOCR's pixel terms: a mask-weighted multi-scale L1 for removal (text pixels
weigh more than background) and a multi-scale Smooth-L1 for the painted segmentation and
tamper maps. UPOCR's removal loss also has VGG-16 perceptual and style terms; they are left
out because no VGG weights ship offline and genocr downloads nothing at run time.

The loop keeps ``genocr.train.loop``'s conventions: a TOML config, everything needed to go on
in ``run_dir/last`` (replaced atomically), a JSONL log, and periodic evaluation with UPOCR's
metrics on a held-out synthetic split (``genocr.pixel.data``).
"""
from __future__ import annotations

import json
import sys
import time
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator

import torch
import torch.nn.functional as F

from genocr.data.dataset import SyntheticStream
from genocr.data.engine import generate
from genocr.errors import GenocrError, OptionError
from genocr.io import atomic_write
from genocr.pixel.data import RandomCrop, collate, evaluate
from genocr.pixel.model import TASKS, PixelNet, build, from_pretrained, save_pretrained, size_config
from genocr.pixel.predict import PixelModel
from genocr.train.config import RunConfig, Stage
from genocr.train.loop import lr_at, pick_device, recover_checkpoint, resume_state, save_checkpoint
from genocr.train.report import append_log, plot_curves, read_log

EVAL_SEED = 1_000_003  # the held-out split: never a training seed
MAP_WEIGHTS = (5.0, 6.0, 10.0)  # 1/4, 1/2, full scale
REMOVAL_WEIGHTS = ((5.0, 0.8), (6.0, 1.0), (10.0, 2.0))  # (text, background) per scale
EVAL_COLUMNS = {"eval_psnr": "removal PSNR (dB)", "eval_mssim": "removal MSSIM", "eval_seg_fgiou": "segmentation fgIoU",
                "eval_seg_f": "segmentation F", "eval_tamper_iou": "tamper IoU", "eval_tamper_f": "tamper F"}
CURVES = ("eval_psnr", "eval_seg_fgiou", "eval_tamper_f")


def _at(t: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    return F.interpolate(t, size=like.shape[-2:], mode="nearest")


def removal_loss(outputs: list[torch.Tensor], clean: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
    """UPOCR's multi-scale reconstruction loss; ``text`` is 1 on text pixels, 0 elsewhere."""
    total = outputs[0].new_zeros(())
    for o, (wt, wb) in zip(outputs, REMOVAL_WEIGHTS):
        g, m = _at(clean, o), _at(text, o)
        total = total + wt * F.l1_loss(m * o, m * g) + wb * F.l1_loss((1 - m) * o, (1 - m) * g)
    return total


def map_loss(outputs: list[torch.Tensor], target: torch.Tensor, weight: torch.Tensor | None = None) -> torch.Tensor:
    """Multi-scale Smooth-L1 against a painted target map, nearest-downsampled (segmentation, tamper).

    ``weight`` (N,1,H,W), if given, scales each pixel's error: a rare class can count more.
    """
    total = outputs[0].new_zeros(())
    for o, w in zip(outputs, MAP_WEIGHTS):
        err = F.smooth_l1_loss(o, _at(target, o), reduction="none")
        total = total + w * (err if weight is None else err * _at(weight, o)).mean()
    return total


def pixel_loss(outputs: list[torch.Tensor], batch: dict[str, torch.Tensor], tamper_weight: float = 1.0) -> torch.Tensor:
    """Sum over tasks of each task's loss, averaged over that task's examples in the batch.

    Tampered-text pixels weigh ``tamper_weight`` in the tamper map loss (1 is UPOCR's plain loss).
    """
    total = outputs[0].new_zeros(())
    for i in batch["task"].unique().tolist():
        sel, task = batch["task"] == i, TASKS[i]
        outs, y, text = [o[sel] for o in outputs], batch["y"][sel], batch["text"][sel]
        if task == "removal":
            total = total + removal_loss(outs, y, text)
        else:
            weight = 1 + (tamper_weight - 1) * text if task == "tamper" else None
            total = total + map_loss(outs, y, weight)
    return total


def train_step(net: PixelNet, optimizer: torch.optim.Optimizer, batch: dict[str, torch.Tensor], clip: float,
               tamper_weight: float = 1.0) -> float:  # fmt: skip
    loss = pixel_loss(net(batch["x"], batch["task"]), batch, tamper_weight)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(net.parameters(), clip)
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return loss.item()


@dataclass
class PixelTrainConfig(RunConfig):
    crop: int = 256
    batch_size: int = 2  # samples per step; each gives one example of each of the 3 tasks
    steps: int = 20000
    lr: float = 5e-4  # UPOCR's peak
    warmup: int = 500
    weight_decay: float = 1e-4
    clip: float = 0.1  # UPOCR's gradient-norm clip
    eval_every: int = 500
    eval_samples: int = 16
    save_every: int = 100
    log_every: int = 10
    tamper_weight: float = 1.0  # loss weight of tampered-text pixels, the rarest class (1: UPOCR's loss)
    init: str = ""  # a pixel checkpoint folder to start from instead of random weights (fine-tuning)

    @property
    def stage(self) -> Stage:
        """The run as one stage, for ``genocr.train.loop.lr_at`` (warm-up, then cosine)."""
        return Stage("pixel", self.steps, {"pixel": 1.0}, lr=self.lr, warmup=self.warmup, batch_size=self.batch_size)


def load_pixel_config(path: str | Path) -> PixelTrainConfig:
    """Read a TOML run description; unknown keys are errors, so typos do not pass silently."""
    try:
        return PixelTrainConfig(**tomllib.loads(Path(path).read_text()))
    except FileNotFoundError:
        raise OptionError(f"{path}: no such config file") from None
    except (tomllib.TOMLDecodeError, TypeError) as exc:
        raise OptionError(f"{path}: {exc}") from None


class PixelTrainer:
    def __init__(self, config: PixelTrainConfig) -> None:
        self.config, self.run = config, Path(config.run_dir)
        self.device = pick_device(config.device)
        last = recover_checkpoint(self.run)
        if (last / "config.json").is_file():
            self.net = from_pretrained(last)
        else:
            self.run.mkdir(parents=True, exist_ok=True)
            atomic_write(self.run / "config.json", json.dumps(asdict(config), indent=2))
            torch.manual_seed(config.seed)
            self.net = from_pretrained(config.init, size_config(config.size)) if config.init else build(config.size)
        self.net.to(self.device).train()
        self.optimizer = torch.optim.AdamW(self.net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        self.step = resume_state(self.run, self.optimizer, self.device)
        self.eval_set = [generate("pixel", EVAL_SEED, i) for i in range(config.eval_samples)]

    def batches(self) -> Iterator[dict[str, torch.Tensor]]:
        c = self.config
        # Start past every sample drawn so far, so a resumed run sees new data.
        stream = SyntheticStream({"pixel": 1.0}, c.seed, RandomCrop(c.crop), start=self.step * c.batch_size)
        return iter(torch.utils.data.DataLoader(stream, batch_size=c.batch_size, collate_fn=collate,
                                                num_workers=c.num_workers))

    def train(self) -> None:
        c, batches = self.config, self.batches()
        if self.step == 0 and c.init:  # where the init checkpoint stands on the held-out split
            self.evaluate()
        while self.step < c.steps:
            start, lr = time.perf_counter(), lr_at(self.step, c.stage)
            for group in self.optimizer.param_groups:
                group["lr"] = lr
            batch = {k: v.to(self.device) for k, v in next(batches).items()}
            loss = train_step(self.net, self.optimizer, batch, c.clip, c.tamper_weight)
            self.step += 1
            if self.step % c.log_every == 0:
                append_log(self.run, {"step": self.step, "loss": loss, "lr": lr,
                                      "s_per_step": time.perf_counter() - start})
            if self.step % c.eval_every == 0:
                self.evaluate()
            if self.step % c.save_every == 0:
                self.save()
        if self.step % c.eval_every:
            self.evaluate()
        self.save()

    def evaluate(self) -> dict[str, float]:
        scores = evaluate(PixelModel(self.net, self.net.config.tile, device=self.device).run, self.eval_set)
        self.net.train()
        append_log(self.run, {"step": self.step, **{f"eval_{k}": v for k, v in scores.items()}})
        write_report(self.run)
        return scores

    def save(self) -> None:
        def write(tmp: Path) -> None:
            save_pretrained(self.net, tmp)
            torch.save({"optimizer": self.optimizer.state_dict(), "step": self.step}, tmp / "trainer.pt")

        save_checkpoint(self.run, write)


def write_report(run: Path) -> None:
    """``curves.png`` (loss, removal PSNR, segmentation fgIoU, tamper F by step) and ``report.md`` beside the log."""
    rows = read_log(run)
    plot_curves(run, rows, {k: EVAL_COLUMNS[k] for k in CURVES})
    train, evals = [r for r in rows if "loss" in r], [r for r in rows if "eval_psnr" in r]
    speeds = sorted(r["s_per_step"] for r in train)
    lines = [f"# Training report: {run.name}", "", f"- steps logged: {train[-1]['step'] if train else 0}",
             f"- median s/step: {speeds[len(speeds) // 2]:.2f}" if speeds else "- no training steps logged",
             "", "Held-out synthetic split (`genocr.pixel.train.EVAL_SEED`), every evaluation:", "",
             "| step | " + " | ".join(EVAL_COLUMNS.values()) + " |", "|---|" + "---|" * len(EVAL_COLUMNS)]
    lines += [f"| {r['step']} | " + " | ".join(f"{r[k]:.3f}" for k in EVAL_COLUMNS) + " |" for r in evals]
    atomic_write(run / "report.md", "\n".join(lines) + "\n")


if __name__ == "__main__":  # python -m genocr.pixel.train configs/genocr-pixel.toml
    if len(sys.argv) != 2:
        sys.exit("usage: python -m genocr.pixel.train CONFIG.toml")
    try:
        PixelTrainer(load_pixel_config(sys.argv[1])).train()
    except GenocrError as exc:
        sys.exit(f"genocr: error: {exc}")
