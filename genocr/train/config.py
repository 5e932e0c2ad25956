"""Training configs: one TOML file describes a whole run, stage by stage, so it can be repeated."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from genocr.errors import OptionError


@dataclass
class Stage:
    """One stage of GOT's recipe, adapted: its data mix, length and optimiser settings."""

    name: str
    steps: int
    kinds: dict[str, float]
    views: str = "lines"  # "lines": cut samples into line slices; "whole": one view per sample
    langs: list[str] | None = None  # keep only samples whose meta "lang" is listed (None: all)
    lr: float = 1e-3
    warmup: int = 200
    batch_size: int = 32
    grad_accum: int = 1


@dataclass
class RunConfig:
    """What every training run has: its folder, model size, seed, device and data workers."""

    run_dir: str
    size: str = "small"
    seed: int = 0
    device: str = "auto"
    num_workers: int = 1


@dataclass
class TrainConfig(RunConfig):
    max_target_tokens: int = 256
    vocab_size: int = 4096
    ctc_weight: float = 0.0  # auxiliary CTC loss on the vision encoder (genocr/train/ctc.py); 0: off
    tokenizer_samples: dict[str, int] = field(default_factory=lambda: {"slice": 5000})
    eval_every: int = 500
    eval_samples: int = 128
    eval_kinds: dict[str, float] = field(default_factory=lambda: {"slice": 1.0})
    eval_langs: list[str] | None = None
    save_every: int = 200
    log_every: int = 10
    stages: list[Stage] = field(default_factory=list)

    @property
    def total_steps(self) -> int:
        return sum(s.steps for s in self.stages)


def load_config(path: str | Path) -> TrainConfig:
    """Read a TOML run description; unknown keys are errors, so typos do not pass silently."""
    try:
        data = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise OptionError(f"{path}: no such config file") from None
    except tomllib.TOMLDecodeError as exc:
        raise OptionError(f"{path}: not valid TOML ({exc})") from None
    try:
        stages = [Stage(**s) for s in data.pop("stage", [])]
        config = TrainConfig(**data, stages=stages)
    except TypeError as exc:
        raise OptionError(f"{path}: {exc}") from None
    _validate(config, str(path))
    return config


def _validate(c: TrainConfig, where: str) -> None:
    """Catch values that would otherwise fail deep inside a run, or make it hang."""
    from genocr.models.small import SIZES
    from genocr.train.data import VIEWS

    if not c.stages:
        raise OptionError(f"{where}: no [[stage]] given")
    if c.size not in SIZES:
        raise OptionError(f"{where}: size '{c.size}' is not one of {', '.join(SIZES)}")
    for name in ("eval_every", "save_every", "log_every", "eval_samples", "vocab_size"):
        if getattr(c, name) < 1:
            raise OptionError(f"{where}: {name} must be at least 1")
    for langs in [c.eval_langs] + [s.langs for s in c.stages]:
        if langs is not None and not set(langs) <= {"en", "zh"}:
            raise OptionError(f"{where}: langs must be drawn from en, zh, not {langs}")
    for s in c.stages:
        if s.views not in VIEWS:
            raise OptionError(f"{where}: stage '{s.name}': views '{s.views}' is not one of {', '.join(VIEWS)}")
        if min(s.steps, s.batch_size, s.grad_accum) < 1 or s.lr <= 0:
            raise OptionError(f"{where}: stage '{s.name}': steps, batch_size, grad_accum and lr must be positive")
