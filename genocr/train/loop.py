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
from genocr.models.small import GenocrSmall
from genocr.predict.decode import DecodeConfig, generate
from genocr.tasks import Query
from genocr.train.config import Stage, TrainConfig
from genocr.train.data import Collator, PairStream, held_out_pairs
from genocr.train.report import append_log, write_report
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
        self.step = 0
        self.model = self._load_or_build()
        self.model.model.to(self.device).train()
        self.ctc = None
        if config.ctc_weight > 0:
            self.ctc = (self.model.ctc or VisionCTC(self.model.model)).to(self.device).train()
        params = list(self.model.model.parameters()) + (list(self.ctc.parameters()) if self.ctc else [])
        self.optimizer = torch.optim.AdamW(params, lr=config.stages[0].lr, weight_decay=0.01)
        state = self.run / "last" / "trainer.pt"
        if state.is_file():
            saved = torch.load(state, map_location=self.device, weights_only=True)
            self.optimizer.load_state_dict(saved["optimizer"])
            self.step = int(saved["step"])
        self.eval_pairs = held_out_pairs(config.eval_kinds, config.eval_samples, langs=config.eval_langs)

    def _load_or_build(self) -> GenocrSmall:
        last = recover_checkpoint(self.run)
        if (last / "config.json").is_file():
            return GenocrSmall.from_pretrained(str(last), name="genocr-small")
        self.run.mkdir(parents=True, exist_ok=True)
        atomic_write(self.run / "config.json", json.dumps(asdict(self.config), indent=2))
        c = self.config
        tokenizer = train_tokenizer(engine_targets(c.tokenizer_samples, seed=c.seed + 7), c.vocab_size)
        torch.manual_seed(c.seed)
        return GenocrSmall.build(c.size, tokenizer)

    def stage_at(self, step: int) -> tuple[Stage, int]:
        """The stage that ``step`` falls in, and the step within it."""
        for stage in self.config.stages:
            if step < stage.steps:
                return stage, step
            step -= stage.steps
        return self.config.stages[-1], self.config.stages[-1].steps

    def samples_before(self, step: int) -> int:
        """Pairs drawn before ``step``: a bound on the stream positions used (a sample gives at
        least one pair), so a resumed run starts past all of them."""
        total = 0
        for stage in self.config.stages:
            n = min(step, stage.steps)
            total += n * stage.batch_size * stage.grad_accum
            step -= n
        return total

    def batches(self, stage: Stage) -> Any:
        c = self.config
        start = self.samples_before(self.step)
        stream = PairStream(stage.kinds, c.seed, stage.views, start=start, langs=stage.langs)
        loader = torch.utils.data.DataLoader(
            stream, batch_size=stage.batch_size, collate_fn=Collator(self.model, c.max_target_tokens),
            num_workers=c.num_workers, prefetch_factor=4 if c.num_workers else None,
        )
        return iter(loader)

    def train(self) -> None:
        c = self.config
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
        total, total_ctc, samples = 0.0, 0.0, 0
        for _ in range(stage.grad_accum):
            batch = {k: v.to(self.device) for k, v in next(batches).items()}
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=self.device.startswith("cuda")):
                loss = self.model.model(**batch).loss / stage.grad_accum
                total += loss.item()
                if self.ctc:
                    ctc = self.ctc.loss(batch["image_grid_thw"], self._answers(batch["labels"])) / stage.grad_accum
                    total_ctc += ctc.item()
                    loss = loss + c.ctc_weight * ctc
            loss.backward()
            samples += batch["input_ids"].shape[0]
        torch.nn.utils.clip_grad_norm_([p for g in self.optimizer.param_groups for p in g["params"]], 1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        if self.step % c.log_every == 0:
            append_log(self.run, {"step": self.step, "stage": stage.name, "loss": total, "lr": lr,
                         "samples_per_s": samples / (time.perf_counter() - start),
                         **({"ctc_loss": total_ctc} if self.ctc else {})})
        if self.step % c.eval_every == 0:
            self.evaluate()
        if self.step % c.save_every == 0:
            self.save()

    def _answers(self, labels: torch.Tensor) -> list[list[int]]:
        """The answer tokens of each row, without its end token: the CTC targets."""
        eos = self.model.tokenizer.eos_token_id
        return [[i for i in row if i not in (-100, eos)] for row in labels.tolist()]

    @torch.no_grad()
    def evaluate(self, batch_size: int = 32) -> float:
        """CER of greedy decoding on the held-out pairs."""
        model = self.model
        model.model.eval()
        preds = []
        # No n-gram block: the loop guard ends an untrained model's loops within 48 tokens.
        decode = DecodeConfig(max_new_tokens=self.config.max_target_tokens, no_repeat_ngram_size=None)
        for i in range(0, len(self.eval_pairs), batch_size):
            chunk = self.eval_pairs[i : i + batch_size]
            inputs = model.prepare_batch([p[0] for p in chunk], Query(task=chunk[0][2]))
            preds += [g.text for g in generate(model.model, model.tokenizer, inputs, model.stop_ids, decode)]
        model.model.train()
        score = sum(cer(p, t) for p, (_, t, _) in zip(preds, self.eval_pairs)) / len(preds)
        append_log(self.run, {"step": self.step, "eval_cer": score,
                     "examples": [[t, p] for (_, t, _), p in list(zip(self.eval_pairs, preds))[:3]]})
        write_report(self.run)
        return score

    def save(self) -> None:
        def write(tmp: Path) -> None:
            self.model.model.save_pretrained(tmp)
            self.model.tokenizer.save_pretrained(tmp)
            self.model.image_processor.save_pretrained(tmp)
            if self.ctc:
                self.ctc.save(tmp)
            torch.save({"optimizer": self.optimizer.state_dict(), "step": self.step}, tmp / "trainer.pt")

        save_checkpoint(self.run, write)
