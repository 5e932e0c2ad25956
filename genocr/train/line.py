"""Training genocr-small v2 (``genocr.models.line``): CTC on line slices from the data engine.

It keeps ``genocr.train.loop``'s conventions: a TOML run description, everything needed to go on
in ``run_dir/last`` (replaced atomically), a JSONL log with held-out CER, and resuming from the
last checkpoint. It also saves on Ctrl-C and SIGTERM, so a stopped run loses nothing.
"""
from __future__ import annotations

import json
import signal
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch
from PIL import Image

from genocr.bench.metrics import cer
from genocr.io import atomic_write
from genocr.models.line import LineConfig, ctc_greedy, line_array
from genocr.models.line_net import LineNet, batch_tensor, load_line_net, save_line_model
from genocr.train.config import LineTrainConfig, Stage
from genocr.train.data import Pair, PairStream, held_out_pairs
from genocr.train.loop import lr_at, pick_device, recover_checkpoint, resume_state, save_checkpoint
from genocr.train.report import append_log, write_report


class LineBatches(torch.utils.data.IterableDataset):
    """Batches of similar width, made in a DataLoader worker from a stream of line pairs.

    Pairs are pooled ``pool`` batches at a time and sorted by width, so a batch pads little
    (padding nearly doubled the cost of a step on mixed slices and page lines). Each pool is
    served ``repeat`` times, re-squeezed each time: generating a page costs more than a step
    learns from it, so on two cores the second pass is nearly free data.
    """

    def __init__(self, pairs: PairStream, config: LineConfig, batch_size: int, width_jitter: float = 0.0,
                 pool: int = 8, repeat: int = 1, seed: int = 0) -> None:
        self.pairs, self.config, self.batch_size = pairs, config, batch_size
        self.width_jitter, self.pool, self.repeat, self.seed = width_jitter, pool, repeat, seed
        self.index = {c: i for i, c in enumerate(config.alphabet)}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        info = torch.utils.data.get_worker_info()
        rng = np.random.default_rng([self.seed, info.id if info else 0])
        pairs = iter(self.pairs)
        while True:
            pool = [next(pairs) for _ in range(self.pool * self.batch_size)]
            for _ in range(self.repeat):
                items = sorted((self._view(p, rng) for p in pool), key=lambda item: item[0].shape[1])
                chunks = [items[i : i + self.batch_size] for i in range(0, len(items), self.batch_size)]
                for k in rng.permutation(len(chunks)):
                    yield self._batch(chunks[k])

    def _view(self, pair: Pair, rng: np.random.Generator) -> tuple[np.ndarray, list[int], str]:
        image, text, _ = pair
        if self.width_jitter:
            scale = 1.0 + rng.uniform(-self.width_jitter, self.width_jitter)
            image = image.resize((max(4, round(image.width * scale)), image.height), Image.BILINEAR)
        labels = [self.index[ch] for ch in text if ch in self.index]
        return line_array(image, self.config.height, self.config.max_width), labels, text

    @staticmethod
    def _batch(items: list[tuple[np.ndarray, list[int], str]]) -> dict[str, Any]:
        views, widths = batch_tensor([a for a, _, _ in items])
        return {"views": views, "widths": widths, "labels": [t for _, t, _ in items], "texts": [x for _, _, x in items]}


def ctc_loss(net: LineNet, batch: dict[str, Any], device: str) -> torch.Tensor:
    log_probs, steps = net(batch["views"].to(device), batch["widths"].to(device))
    flat = torch.tensor([i for t in batch["labels"] for i in t], dtype=torch.long)
    return torch.nn.functional.ctc_loss(
        log_probs.transpose(0, 1), flat, input_lengths=steps.cpu(),
        target_lengths=torch.tensor([len(t) for t in batch["labels"]]),
        blank=net.blank, zero_infinity=True)


def read_pairs(net: LineNet, pairs: list[Pair], device: str, batch_size: int = 32) -> list[str]:
    """What ``net`` reads on each pair's image, in evaluation mode."""
    c = net.config
    texts = []
    net.eval()
    with torch.inference_mode():
        for i in range(0, len(pairs), batch_size):
            views, widths = batch_tensor([line_array(p[0], c.height, c.max_width) for p in pairs[i : i + batch_size]])
            log_probs, steps = net(views.to(device), widths.to(device))
            texts += [r.text.strip() for r in ctc_greedy(log_probs.float().cpu().numpy(), steps.cpu().numpy(), c.alphabet)]
    return texts


class LineTrainer:
    def __init__(self, config: LineTrainConfig) -> None:
        self.config = config
        self.run = Path(config.run_dir).expanduser()
        self.device = pick_device(config.device)
        if config.threads:
            torch.set_num_threads(config.threads)
        self.net = self._load_or_build().to(self.device).train()
        self.optimizer = torch.optim.AdamW(self.net.parameters(), lr=config.stages[0].lr, weight_decay=0.01)
        self.step = resume_state(self.run, self.optimizer, self.device)
        self.eval_pairs = held_out_pairs(config.eval_kinds, config.eval_samples, langs=config.eval_langs)
        self._stop = False

    def _load_or_build(self) -> LineNet:
        last = recover_checkpoint(self.run)
        if (last / "config.json").is_file():
            return load_line_net(last)
        self.run.mkdir(parents=True, exist_ok=True)
        atomic_write(self.run / "config.json", json.dumps(asdict(self.config), indent=2, ensure_ascii=False))
        c = self.config
        if c.init:
            net = load_line_net(c.init)
        else:
            torch.manual_seed(c.seed)
            net = LineNet(LineConfig.from_dict(c.model))
        net.extend_alphabet(c.extend_alphabet)
        return net

    def stage_at(self, step: int) -> tuple[Stage, int]:
        for stage in self.config.stages:
            if step < stage.steps:
                return stage, step
            step -= stage.steps
        return self.config.stages[-1], self.config.stages[-1].steps

    def samples_before(self, step: int) -> int:
        """Stream positions used before ``step`` (at most one pair per position is a bound)."""
        total = 0
        for stage in self.config.stages:
            n = min(step, stage.steps)
            total += n * stage.batch_size * stage.grad_accum
            step -= n
        return total

    def batches(self, stage: Stage) -> Iterator[dict[str, Any]]:
        c = self.config
        start = self.samples_before(self.step)
        stream = PairStream(stage.kinds, c.seed, stage.views, start=start, langs=stage.langs)
        batches = LineBatches(stream, self.net.config, stage.batch_size, c.width_jitter, repeat=c.repeat,
                              seed=c.seed + self.step)
        loader = torch.utils.data.DataLoader(batches, batch_size=None, num_workers=c.num_workers,
                                             prefetch_factor=4 if c.num_workers else None)
        return iter(loader)

    def train(self) -> None:
        c = self.config
        previous = {s: signal.signal(s, self._request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            if self.step == 0:
                self.evaluate()
            while self.step < c.total_steps and not self._stop:
                stage, _ = self.stage_at(self.step)
                batches = self.batches(stage)
                while self.step < c.total_steps and self.stage_at(self.step)[0] is stage and not self._stop:
                    self._train_step(stage, batches)
            if not self._stop and self.step % c.eval_every:
                self.evaluate()
            self.save()
            write_report(self.run)
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)
        if self._stop:
            print(f"stopped at step {self.step}; saved {self.run / 'last'}", file=sys.stderr, flush=True)

    def _request_stop(self, signum: int, frame: Any) -> None:
        """Finish the step under way, save, and return (a second signal is not needed)."""
        self._stop = True

    def _train_step(self, stage: Stage, batches: Iterator[dict[str, Any]]) -> None:
        c = self.config
        start = time.perf_counter()
        lr = lr_at(self.stage_at(self.step)[1], stage)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        total, samples = 0.0, 0
        for _ in range(stage.grad_accum):
            batch = next(batches)
            with torch.autocast(self.device.split(":")[0], dtype=torch.bfloat16, enabled=c.bf16):
                loss = ctc_loss(self.net, batch, self.device) / stage.grad_accum
            loss.backward()
            total += loss.item()
            samples += len(batch["labels"])
        torch.nn.utils.clip_grad_norm_(self.net.parameters(), 1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        seconds = time.perf_counter() - start
        if self.step % c.log_every == 0 or self.step == 1:
            row = {"step": self.step, "stage": stage.name, "lr": lr, "loss": total, "ctc_loss": total,
                   "samples_per_s": samples / seconds}
            append_log(self.run, row)
            print(f"step {self.step}/{c.total_steps} loss {total:.3f} lr {lr:.2e} "
                  f"{samples / seconds:.1f} lines/s", file=sys.stderr, flush=True)
        if self.step % c.eval_every == 0:
            self.evaluate()
        if self.step % c.save_every == 0:
            self.save()

    def evaluate(self) -> float:
        """Mean CER on the held-out pairs (logged as ``eval_ctc_cer``, as genocr-small's CTC head was)."""
        preds = read_pairs(self.net, self.eval_pairs, self.device)
        self.net.train()
        score = sum(cer(p, t) for p, (_, t, _) in zip(preds, self.eval_pairs)) / len(preds)
        examples = [[t, p] for (_, t, _), p in list(zip(self.eval_pairs, preds))[:3]]
        append_log(self.run, {"step": self.step, "eval_ctc_cer": score, "examples": examples})
        write_report(self.run)
        print(f"step {self.step}: held-out CER {score:.4f}", file=sys.stderr, flush=True)
        return score

    def save(self) -> None:
        def write(tmp: Path) -> None:
            save_line_model(self.net, tmp)
            torch.save({"optimizer": self.optimizer.state_dict(), "step": self.step}, tmp / "trainer.pt")

        save_checkpoint(self.run, write)


def export_run(config: LineTrainConfig, folder: Path) -> Path:
    """The run's last checkpoint as a model folder a reader loads: config, weights, ONNX graph."""
    from genocr.errors import ModelError
    from genocr.models.line_net import export_onnx

    last = recover_checkpoint(Path(config.run_dir).expanduser())
    if not (last / "config.json").is_file():
        raise ModelError(f"{last}: no checkpoint to export (train first)")
    net = load_line_net(last)
    save_line_model(net, folder)
    export_onnx(net, folder)
    return folder
