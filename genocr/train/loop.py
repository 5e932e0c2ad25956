"""The training loop: resumable, stage by stage, evaluated on a held-out synthetic split.

Everything needed to continue lives in ``run_dir/last`` (weights, tokenizer, optimiser,
scheduler, step) and is replaced atomically, so a run killed at any moment resumes where its
last checkpoint stopped: on a 2-core CPU training happens in the background across sessions.
"""
from __future__ import annotations

import json
import math
import shutil
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

import torch
from tqdm import tqdm

from genocr.bench.metrics import cer
from genocr.io import atomic_write
from genocr.models.ctc import VisionCTC
from genocr.models.small import GenocrSmall, set_view
from genocr.predict.decode import DecodeConfig, generate
from genocr.tasks import Query
from genocr.train.config import Stage, TrainConfig
from genocr.train.data import Collator, PairStream, held_out_pairs
from genocr.train.report import append_log, trim_log, write_report
from genocr.train.tokenizer import engine_targets, train_tokenizer


def pick_device(name: str) -> str:
    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return name


def lr_at(step: int, stage: Stage) -> float:
    """Linear warm-up, then cosine decay to 5% of the peak over the stage."""
    if step < stage.warmup:
        return stage.lr * (step + 1) / stage.warmup
    progress = (step - stage.warmup) / max(1, stage.steps - stage.warmup)
    return stage.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


def stage_at(stages: list[Stage], step: int) -> tuple[Stage, int]:
    """The stage that ``step`` falls in, and the step within it."""
    for stage in stages:
        if step < stage.steps:
            return stage, step
        step -= stage.steps
    return stages[-1], stages[-1].steps


def samples_before(stages: list[Stage], step: int) -> int:
    """Stream positions used before ``step``: a bound (a sample gives at least one item), so a
    resumed run starts past all of them."""
    total = 0
    for stage in stages:
        n = min(step, stage.steps)
        total += n * stage.batch_size * stage.grad_accum
        step -= n
    return total


def save_checkpoint(run: Path, write: Callable[[Path], None]) -> None:
    """Replace ``run/last`` atomically: ``write`` fills a folder beside it, then they swap
    (``recover_checkpoint`` repairs a run killed between the two renames)."""
    tmp, last, old = run / "last.tmp", run / "last", run / "last.old"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    write(tmp)
    shutil.rmtree(old, ignore_errors=True)
    if last.exists():
        last.rename(old)
    tmp.rename(last)
    shutil.rmtree(old, ignore_errors=True)


def resume_state(run: Path, optimizer: torch.optim.Optimizer, device: str) -> int:
    """The step saved in ``run/last`` (0 for a new run), with the optimiser's state restored and
    the log trimmed back to that step."""
    state = run / "last" / "trainer.pt"
    if not state.is_file():
        return 0
    saved = torch.load(state, map_location=device, weights_only=True)
    optimizer.load_state_dict(saved["optimizer"])
    trim_log(run, int(saved["step"]))
    return int(saved["step"])


def recover_checkpoint(run: Path) -> Path:
    """``run/last``, moved back from ``last.old`` if a save was cut between its renames."""
    last, old = run / "last", run / "last.old"
    if not last.exists() and old.exists():
        old.rename(last)
    return last


class Trainer:
    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.run = Path(config.run_dir)
        self.device = pick_device(config.device)
        self.model = self._load_or_build()
        self.model.model.to(self.device).train()
        self.ctc = None
        if config.ctc_weight > 0:
            self.ctc = self.model.ctc or VisionCTC(self.model.model, config.ctc_upsample)
            if self.ctc.upsample != config.ctc_upsample:  # an init checkpoint's head, refined
                self.ctc.set_upsample(config.ctc_upsample)
            self.ctc.to(self.device).train()
            self.model.ctc = self.ctc  # so that evaluation reads with it as the shipped reader does
        params = list(self.model.model.parameters()) + (list(self.ctc.parameters()) if self.ctc else [])
        self.optimizer = torch.optim.AdamW(params, lr=config.stages[0].lr, weight_decay=0.01)
        self.step = resume_state(self.run, self.optimizer, self.device)
        self.eval_pairs = held_out_pairs(config.eval_kinds, config.eval_samples, langs=config.eval_langs)

    def _load_or_build(self) -> GenocrSmall:
        last = recover_checkpoint(self.run)
        if (last / "config.json").is_file():
            return GenocrSmall.from_pretrained(str(last), name="genocr-small")
        self.run.mkdir(parents=True, exist_ok=True)
        atomic_write(self.run / "config.json", json.dumps(asdict(self.config), indent=2))
        c = self.config
        if c.init:
            model = GenocrSmall.from_pretrained(c.init, name="genocr-small")
        else:
            tokenizer = train_tokenizer(engine_targets(c.tokenizer_samples, seed=c.seed + 7), c.vocab_size)
            torch.manual_seed(c.seed)
            model = GenocrSmall.build(c.size, tokenizer)
        set_view(model.model.config, c.view_stretch, c.max_width)
        return model

    def stage_at(self, step: int) -> tuple[Stage, int]:
        return stage_at(self.config.stages, step)

    def batches(self, stage: Stage) -> Any:
        c = self.config
        start = samples_before(self.config.stages, self.step)
        stream = PairStream(stage.kinds, c.seed, stage.views, start=start, langs=stage.langs)
        loader = torch.utils.data.DataLoader(
            stream, batch_size=stage.batch_size, collate_fn=Collator(self.model, c.max_target_tokens),
            num_workers=c.num_workers, prefetch_factor=4 if c.num_workers else None,
        )
        return iter(loader)

    def train(self) -> None:
        c = self.config
        if self.step == 0 and c.init:  # where the init checkpoint stands on this run's held-out split
            self.evaluate()
        bar = tqdm(total=c.total_steps, initial=self.step, desc="training", unit="step", disable=None)
        while self.step < c.total_steps:
            stage, _ = self.stage_at(self.step)
            batches = self.batches(stage)
            while self.step < c.total_steps and self.stage_at(self.step)[0] is stage:
                self._train_step(stage, batches)
                bar.update(1)
        bar.close()
        if self.step % c.eval_every:
            self.evaluate()
        self.save()
        write_report(self.run)

    def _train_step(self, stage: Stage, batches: Any) -> None:
        c = self.config
        start = time.perf_counter()
        lr = lr_at(self.stage_at(self.step)[1], stage)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        parts = {"lm_loss": 0.0, "ctc_loss": 0.0}
        samples = 0
        for _ in range(stage.grad_accum):
            batch = {k: v.to(self.device) for k, v in next(batches).items()}
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.device.startswith("cuda")):
                terms = {}
                if c.lm_weight > 0:
                    terms["lm_loss"] = (c.lm_weight, self.model.model(**batch).loss)
                else:  # the encoder alone: the CTC head reads the states its hook keeps
                    self.model.model.model.visual(batch["pixel_values"], grid_thw=batch["image_grid_thw"])
                if self.ctc:
                    terms["ctc_loss"] = (c.ctc_weight, self.ctc.loss(batch["image_grid_thw"], self._answers(batch["labels"])))
                loss = sum(w * t for w, t in terms.values()) / stage.grad_accum
            loss.backward()
            for key, (_, t) in terms.items():
                parts[key] += t.item() / stage.grad_accum
            samples += batch["input_ids"].shape[0]
        torch.nn.utils.clip_grad_norm_([p for g in self.optimizer.param_groups for p in g["params"]], 1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        if self.step % c.log_every == 0:
            weights = {"lm_loss": c.lm_weight, "ctc_loss": c.ctc_weight if self.ctc else 0.0}
            append_log(self.run, {"step": self.step, "stage": stage.name, "lr": lr,
                                  "loss": sum(weights[k] * v for k, v in parts.items()),
                                  **{k: v for k, v in parts.items() if weights[k] > 0},
                                  "samples_per_s": samples / (time.perf_counter() - start)})
        if self.step % c.eval_every == 0:
            self.evaluate()
        if self.step % c.save_every == 0:
            self.save()

    def _answers(self, labels: torch.Tensor) -> list[str]:
        """The answer text of each row: the CTC targets."""
        tok = self.model.tokenizer
        return [tok.decode([i for i in row if i != -100], skip_special_tokens=True) for row in labels.tolist()]

    @torch.no_grad()
    def evaluate(self, batch_size: int = 32) -> dict[str, float]:
        """CER on the held-out pairs of each reader being trained: the decoder (greedy) and the
        CTC head; the examples come from the reader that ships (the CTC head when there is one)."""
        model, c = self.model, self.config
        # No n-gram block: the loop guard ends an untrained model's loops within 48 tokens.
        decode = DecodeConfig(max_new_tokens=c.max_target_tokens, no_repeat_ngram_size=None)

        def by_decoder(views: list[Any], task: str) -> list[Any]:
            return generate(model.model, model.tokenizer, model.prepare_batch(views, Query(task=task)), model.stop_ids, decode)

        readers = {"eval_cer": by_decoder} if c.lm_weight > 0 else {}
        if self.ctc:
            readers["eval_ctc_cer"] = lambda views, task: model.read_lines(views, task, decode)
        model.model.eval()
        row: dict[str, Any] = {"step": self.step}
        for key, read in readers.items():
            preds = []
            for i in range(0, len(self.eval_pairs), batch_size):
                chunk = self.eval_pairs[i : i + batch_size]
                preds += [g.text for g in read([p[0] for p in chunk], chunk[0][2])]
            row[key] = sum(cer(p, t) for p, (_, t, _) in zip(preds, self.eval_pairs)) / len(preds)
            row["examples"] = [[t, p] for (_, t, _), p in list(zip(self.eval_pairs, preds))[:3]]
        model.model.train()
        append_log(self.run, row)
        write_report(self.run)
        return {k: v for k, v in row.items() if k in readers}

    def save(self) -> None:
        def write(tmp: Path) -> None:
            self.model.model.save_pretrained(tmp)
            self.model.tokenizer.save_pretrained(tmp)
            self.model.image_processor.save_pretrained(tmp)
            if self.ctc:
                self.ctc.save(tmp)
            torch.save({"optimizer": self.optimizer.state_dict(), "step": self.step}, tmp / "trainer.pt")

        save_checkpoint(self.run, write)
