"""What every small-model training run shares: stages, resuming, logging, stopping cleanly.

A run is a TOML config (``genocr.train.config``) and a folder: ``last/`` holds everything
needed to go on (replaced atomically), ``log.jsonl`` every logged step and evaluation. A run
resumes from ``last/`` at the step it saved, on stream positions it has not seen, and saves on
Ctrl-C and SIGTERM after finishing the step under way. Subclasses say what the network is, what
a batch is and what its loss is, how to evaluate, and what a checkpoint holds.
"""
from __future__ import annotations

import fcntl
import json
import os
import signal
import sys
import time
from abc import ABC, abstractmethod
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any, Iterator

import torch

from genocr.errors import OptionError
from genocr.io import atomic_write
from genocr.train.config import NetConfig, Stage
from genocr.train.loop import (lr_at, pick_device, recover_checkpoint, resume_state, samples_before,
                               save_checkpoint, stage_at)
from genocr.train.report import append_log, write_report


def hold_run(run: Path) -> IO[str]:
    """Hold the run folder for this process, before anything in it is touched: a second trainer
    started on the same folder (a restart while the first had not yet stopped) would trim its
    log and write the same checkpoint. A POSIX record lock: forked data workers do not inherit
    it, and it goes with the process, however that ends. Keep the returned file open."""
    run.mkdir(parents=True, exist_ok=True)
    fh = open(run / "train.lock", "a+")
    try:
        fcntl.lockf(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.seek(0)
        holder = fh.read().strip() or "?"
        fh.close()
        raise OptionError(f"{run}: another training run holds this folder (pid {holder}); stop it first") from None
    fh.truncate(0)
    fh.write(str(os.getpid()))
    fh.flush()
    return fh


def quiet_worker(worker_id: int) -> None:
    """DataLoader workers leave Ctrl-C to the trainer: the terminal sends it to the whole
    process group, and a worker that died of it would end the step, and the run, unsaved."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class StagedTrainer(ABC):
    """The loop; ``unit`` names what a sample is in progress lines (lines, formulas...)."""

    unit = "samples"

    def __init__(self, config: NetConfig) -> None:
        self.config = config
        self.run = Path(config.run_dir).expanduser()
        self._lock = hold_run(self.run)
        self.device = pick_device(config.device)
        if config.threads:
            torch.set_num_threads(config.threads)
        last = recover_checkpoint(self.run)
        if not (last / "trainer.pt").is_file():
            self.run.mkdir(parents=True, exist_ok=True)
            atomic_write(self.run / "config.json", json.dumps(asdict(config), indent=2, ensure_ascii=False))
        self.net = self.build(last if (last / "trainer.pt").is_file() else None).to(self.device).train()
        trainable = [p for p in self.net.parameters() if p.requires_grad]
        self.optimizer = torch.optim.AdamW(trainable, lr=config.stages[0].lr, weight_decay=0.01)
        self.step = resume_state(self.run, self.optimizer, self.device)
        self._stop = False

    @abstractmethod
    def build(self, last: Path | None) -> torch.nn.Module:
        """The network: from the run's last checkpoint when there is one, else new (or ``init``)."""

    @abstractmethod
    def batches(self, stage: Stage, start: int) -> Iterator[Any]:
        """Training batches of ``stage``, from stream position ``start``."""

    @abstractmethod
    def loss(self, batch: Any) -> tuple[torch.Tensor, int]:
        """The batch's loss and its number of samples."""

    @abstractmethod
    def evaluate(self) -> None:
        """Score the held-out split, log it (``append_log``) and write the report."""

    @abstractmethod
    def write(self, folder: Path) -> None:
        """Write the network's files into ``folder`` (the optimiser state is added by save)."""

    def stage_at(self, step: int) -> tuple[Stage, int]:
        return stage_at(self.config.stages, step)

    def train(self) -> None:
        c = self.config
        previous = {s: signal.signal(s, self._request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            if self.step == 0:
                self.evaluate()
            while self.step < c.total_steps and not self._stop:
                stage, _ = self.stage_at(self.step)
                batches = self.batches(stage, samples_before(self.config.stages, self.step))
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

    def _train_step(self, stage: Stage, batches: Iterator[Any]) -> None:
        c = self.config
        start = time.perf_counter()
        lr = lr_at(self.stage_at(self.step)[1], stage)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        total, samples = 0.0, 0
        for _ in range(stage.grad_accum):
            with torch.autocast(self.device.split(":")[0], dtype=torch.bfloat16, enabled=c.bf16):
                loss, n = self.loss(next(batches))
            (loss / stage.grad_accum).backward()
            total += loss.item() / stage.grad_accum
            samples += n
        torch.nn.utils.clip_grad_norm_([p for g in self.optimizer.param_groups for p in g["params"]], 1.0)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        seconds = time.perf_counter() - start
        if self.step % c.log_every == 0 or self.step == 1:
            append_log(self.run, {"step": self.step, "stage": stage.name, "lr": lr, "loss": total,
                                  "samples_per_s": samples / seconds})
            print(f"step {self.step}/{c.total_steps} loss {total:.3f} lr {lr:.2e} "
                  f"{samples / seconds:.1f} {self.unit}/s", file=sys.stderr, flush=True)
        if self.step % c.eval_every == 0:
            self.evaluate()
        if self.step % c.save_every == 0:
            self.save()

    def save(self) -> None:
        def write(tmp: Path) -> None:
            self.write(tmp)
            torch.save({"optimizer": self.optimizer.state_dict(), "step": self.step}, tmp / "trainer.pt")

        save_checkpoint(self.run, write)
