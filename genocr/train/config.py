"""Training configs: one TOML file describes a whole run, stage by stage, so it can be repeated."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
class StagedConfig(RunConfig):
    """A run in stages, evaluated, checkpointed and logged every so many steps; ``init`` is a
    model folder to start from instead of random weights."""

    init: str = ""
    eval_every: int = 500
    eval_samples: int = 128
    eval_langs: list[str] | None = None
    save_every: int = 100
    log_every: int = 10
    stages: list[Stage] = field(default_factory=list)

    @property
    def total_steps(self) -> int:
        return sum(s.steps for s in self.stages)


@dataclass
class TrainConfig(StagedConfig):
    """A genocr-small v1 run (the Qwen2-VL family, ``genocr.train.loop``)."""

    family: str = "genocr_small"
    max_target_tokens: int = 256
    vocab_size: int = 4096
    ctc_weight: float = 0.0  # auxiliary CTC loss on the vision encoder (genocr/models/ctc.py); 0: off
    ctc_upsample: int = 1  # CTC steps per encoder column (genocr.models.ctc.VisionCTC.set_upsample)
    lm_weight: float = 1.0  # the decoder's loss; 0 trains the encoder and CTC head alone, 4x faster
    view_stretch: float = 1.0  # horizontal stretch of line views (genocr.models.small.set_view)
    max_width: int = 1024  # widest line view, px
    tokenizer_samples: dict[str, int] = field(default_factory=lambda: {"slice": 5000})
    eval_kinds: dict[str, float] = field(default_factory=lambda: {"slice": 1.0})
    save_every: int = 200


@dataclass
class NetConfig(StagedConfig):
    """A run of one of genocr-small v2's networks: CPU threads and bf16 autocast."""

    threads: int = 0  # torch threads (0: torch's default)
    bf16: bool = True  # bf16 autocast for the network (2.1x faster steps on this CPU); losses stay fp32


@dataclass
class LineTrainConfig(NetConfig):
    """A genocr-small v2 run (the line reader, ``genocr.train.line``): the architecture
    (``model``, or ``init``'s), the data stages and the evaluation."""

    family: str = "genocr_line"
    model: dict[str, Any] = field(default_factory=dict)  # LineConfig fields for a new model
    extend_alphabet: str = ""  # characters to add to init's alphabet (new head rows)
    grow_layers: int = 0  # mixer layers added to init's, each starting as the identity
    width_jitter: float = 0.15  # views squeezed or stretched by up to this share in training
    repeat: int = 1  # times each pool of generated lines is served (genocr.train.line.LineBatches)
    eval_samples: int = 256
    eval_kinds: dict[str, float] = field(default_factory=lambda: {"slice": 0.5, "page": 0.5})
    eval_langs: list[str] | None = field(default_factory=lambda: ["en"])
    # model folders (earlier ends of this run's trajectory, such as its init) whose weights the
    # export averages with the last checkpoint's: checkpoint averaging
    average_with: list[str] = field(default_factory=list)


@dataclass
class FormatTrainConfig(NetConfig):
    """A run of genocr-small's format decoder (``genocr.train.format``): formula and table crops
    to LaTeX on the line reader's trunk (``init``: a line-reader folder, or a format checkpoint)."""

    family: str = "genocr_format"
    decoder: dict[str, Any] = field(default_factory=dict)  # FormatConfig fields (dim, layers, heads, ...)
    freeze_trunk: bool = True  # the CTC-trained trunk is GOT's stage 1: keep it, train the decoder
    vocab_samples: int = 1024  # samples per kind that the LaTeX vocabulary is built from
    grow_vocab: bool = False  # init's decoder gains the tokens of this run's data it lacks (a new one has them all)
    eval_samples: int = 64  # per kind


CONFIGS: dict[str, type[TrainConfig] | type[LineTrainConfig] | type[FormatTrainConfig]] = {
    "genocr_small": TrainConfig, "genocr_line": LineTrainConfig, "genocr_format": FormatTrainConfig}


def load_config(path: str | Path) -> TrainConfig | LineTrainConfig | FormatTrainConfig:
    """Read a TOML run description; unknown keys are errors, so typos do not pass silently.
    Its ``family`` (default ``genocr_small``) says which model, and so which keys, it trains."""
    try:
        data = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise OptionError(f"{path}: no such config file") from None
    except tomllib.TOMLDecodeError as exc:
        raise OptionError(f"{path}: not valid TOML ({exc})") from None
    try:
        family = data.get("family", "genocr_small")
        if family not in CONFIGS:
            raise OptionError(f"{path}: family '{family}' is not one of {', '.join(CONFIGS)}")
        stages = [Stage(**s) for s in data.pop("stage", [])]
        if data.get("init"):  # a checkpoint in a run folder: "~/.cache/genocr/runs/NAME/last"
            data["init"] = str(Path(data["init"]).expanduser())
        if data.get("average_with"):
            data["average_with"] = [str(Path(p).expanduser()) for p in data["average_with"]]
        config = CONFIGS[family](**data, stages=stages)
    except TypeError as exc:
        raise OptionError(f"{path}: {exc}") from None
    _validate(config, str(path))
    return config


def _validate(c: TrainConfig | LineTrainConfig | FormatTrainConfig, where: str) -> None:
    """Catch values that would otherwise fail deep inside a run, or make it hang."""
    from genocr.train.data import VIEWS

    if not c.stages:
        raise OptionError(f"{where}: no [[stage]] given")
    if c.init and not (Path(c.init) / "config.json").is_file():
        raise OptionError(f"{where}: init '{c.init}' is not a model folder (no config.json)")
    for name in ("eval_every", "save_every", "log_every", "eval_samples"):
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
    if isinstance(c, FormatTrainConfig):
        if not c.init:
            raise OptionError(f"{where}: init must name a line-reader folder (its trunk reads the crops)")
        return
    if isinstance(c, LineTrainConfig):
        if c.model and c.init:
            raise OptionError(f"{where}: give either model (a new architecture) or init (a checkpoint), not both")
        if c.grow_layers < 0 or (c.grow_layers and not c.init):
            raise OptionError(f"{where}: grow_layers must be 0 or more, and needs init (layers added to a trained reader)")
        if c.repeat < 1:
            raise OptionError(f"{where}: repeat must be at least 1")
        if not 0 <= c.width_jitter < 1:
            raise OptionError(f"{where}: width_jitter must be in [0, 1)")
        for folder in c.average_with:
            if not (Path(folder) / "config.json").is_file():
                raise OptionError(f"{where}: average_with '{folder}' is not a model folder (no config.json)")
        return
    _validate_small(c, where)


def _validate_small(c: TrainConfig, where: str) -> None:
    from genocr.models.small import SIZES

    if c.size not in SIZES:
        raise OptionError(f"{where}: size '{c.size}' is not one of {', '.join(SIZES)}")
    if c.lm_weight < 0 or c.ctc_weight < 0 or c.lm_weight + c.ctc_weight == 0:
        raise OptionError(f"{where}: lm_weight and ctc_weight must be non-negative, and one of them positive")
    if c.view_stretch <= 0:
        raise OptionError(f"{where}: view_stretch must be positive")
    for name in ("ctc_upsample", "vocab_size", "max_width"):
        if getattr(c, name) < 1:
            raise OptionError(f"{where}: {name} must be at least 1")
