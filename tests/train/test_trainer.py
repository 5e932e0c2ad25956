"""The trainer runs, checkpoints atomically, evaluates and resumes where it stopped."""
import json
from pathlib import Path

import pytest
import torch

from genocr.errors import OptionError
from genocr.models.small import GenocrSmall
from genocr.train.config import load_config
from genocr.train.loop import Trainer, lr_at
from genocr.train.config import Stage

CONFIG = """
run_dir = "{run}"
size = "tiny"
num_workers = 0
vocab_size = 400
tokenizer_samples = {{ slice = 60 }}
eval_every = 4
eval_samples = 4
save_every = 3
log_every = 1
max_target_tokens = 24

[[stage]]
name = "lines"
steps = {steps}
kinds = {{ slice = 1.0 }}
batch_size = 4
warmup = 2
"""


def write(tmp_path: Path, steps: int) -> Path:
    path = tmp_path / "run.toml"
    path.write_text(CONFIG.format(run=tmp_path / "run", steps=steps))
    return path


def test_train_then_resume(tmp_path: Path) -> None:
    Trainer(load_config(write(tmp_path, 5))).train()
    run = tmp_path / "run"
    assert sorted(p.name for p in run.iterdir()) == ["config.json", "curves.png", "last", "log.jsonl", "report.md"]
    assert "held-out CER" in (run / "report.md").read_text()
    rows = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if "loss" in r] == [1, 2, 3, 4, 5]
    assert any("eval_cer" in r for r in rows)
    with (run / "log.jsonl").open("a") as log:  # a run killed after logging past its checkpoint
        log.write(json.dumps({"step": 6, "loss": 9.0}) + "\n")
    resumed = Trainer(load_config(write(tmp_path, 7)))
    assert resumed.step == 5  # the final save holds step 5
    resumed.train()
    rows = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if "loss" in r] == [1, 2, 3, 4, 5, 6, 7]  # step 6 once, retrained
    assert 9.0 not in [r["loss"] for r in rows if "loss" in r]


def test_ctc_head_trains_and_resumes(tmp_path: Path) -> None:
    path = write(tmp_path, 3)
    path.write_text(path.read_text().replace("vocab_size = 400", "vocab_size = 400\nctc_weight = 0.5"))
    first = Trainer(load_config(path))
    first.train()
    rows = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert all(r["ctc_loss"] >= 0 for r in rows if "loss" in r)  # tiny 16-px columns: often infeasible (0)
    assert (tmp_path / "run" / "last" / "ctc_head.safetensors").is_file()
    resumed = Trainer(load_config(path))
    assert torch.equal(resumed.ctc.head.weight, first.ctc.head.weight)


def test_ctc_only_training_starts_from_init_and_leaves_the_decoder_alone(tmp_path: Path) -> None:
    Trainer(load_config(write(tmp_path, 2))).train()
    init = tmp_path / "run" / "last"
    path = tmp_path / "ctc.toml"
    path.write_text(CONFIG.format(run=tmp_path / "ctc", steps=3).replace(
        "vocab_size = 400", f'vocab_size = 400\nctc_weight = 1.0\nlm_weight = 0.0\ninit = "{init}"\nview_stretch = 2.0\nmax_width = 512'))
    trainer = Trainer(load_config(path))
    start = {k: v.clone() for k, v in trainer.model.model.state_dict().items()}
    assert all(torch.equal(start[k], v) for k, v in Trainer(load_config(write(tmp_path, 2))).model.model.state_dict().items())
    trainer.train()
    after = trainer.model.model.state_dict()
    changed = {k for k in start if not torch.equal(start[k], after[k])}
    assert changed and all(".visual." in k for k in changed)  # the encoder learnt, nothing else moved
    assert not any("merger" in k for k in changed)  # the merger feeds only the decoder
    rows = [json.loads(line) for line in (tmp_path / "ctc" / "log.jsonl").read_text().splitlines()]
    assert all("lm_loss" not in r and r["loss"] == r["ctc_loss"] for r in rows if "loss" in r)
    evals = [r for r in rows if "eval_ctc_cer" in r]
    assert evals and not any("eval_cer" in r for r in rows)
    assert evals[0]["step"] == 0  # the init checkpoint's own score, before any step
    assert "CTC head" in (tmp_path / "ctc" / "report.md").read_text()
    saved = json.loads((tmp_path / "ctc" / "last" / "config.json").read_text())
    assert (saved["genocr_stretch"], saved["genocr_max_width"]) == (2.0, 512)  # the views it was trained on


def test_ctc_upsample_refines_the_init_checkpoints_head(tmp_path: Path) -> None:
    path = write(tmp_path, 2)
    path.write_text(path.read_text().replace("vocab_size = 400", "vocab_size = 400\nctc_weight = 1.0"))
    Trainer(load_config(path)).train()  # a head with one step per column
    init = tmp_path / "run" / "last"
    finer = tmp_path / "finer.toml"
    finer.write_text(CONFIG.format(run=tmp_path / "finer", steps=1).replace(
        "vocab_size = 400", f'vocab_size = 400\nctc_weight = 1.0\nlm_weight = 0.0\nctc_upsample = 2\ninit = "{init}"'))
    trainer = Trainer(load_config(finer))
    old = GenocrSmall.from_pretrained(str(init), "x").ctc
    assert old.upsample == 1 and trainer.ctc.upsample == 2
    assert torch.equal(trainer.ctc.head.weight[: old.blank + 1], old.head.weight)  # starts as a copy
    trainer.train()
    assert GenocrSmall.from_pretrained(str(tmp_path / "finer" / "last"), "x").ctc.upsample == 2


def test_lr_warms_up_then_decays() -> None:
    stage = Stage(name="s", steps=100, kinds={"slice": 1.0}, lr=1.0, warmup=10)
    assert lr_at(0, stage) == pytest.approx(0.1)
    assert lr_at(10, stage) == pytest.approx(1.0)
    assert lr_at(100, stage) == pytest.approx(0.05)


@pytest.mark.parametrize(("old", "new", "fragment"), [
    ('size = "tiny"', 'size = "huge"', "size 'huge'"),
    ("eval_every = 4", "eval_every = 0", "eval_every must be at least 1"),
    ("eval_every = 4", 'eval_every = 4\neval_langs = ["fr"]', "langs must be drawn from en, zh"),
    ("eval_every = 4", "eval_every = 4\nlm_weight = 0.0", "one of them positive"),
    ("eval_every = 4", 'eval_every = 4\ninit = "nowhere"', "not a model folder"),
    ("eval_every = 4", "eval_every = 4\nview_stretch = 0.0", "view_stretch must be positive"),
])
def test_config_values_are_checked(tmp_path: Path, old: str, new: str, fragment: str) -> None:
    path = write(tmp_path, 3)
    path.write_text(path.read_text().replace(old, new))
    with pytest.raises(OptionError, match=fragment):
        load_config(path)


def test_a_run_killed_between_renames_resumes_from_the_old_checkpoint(tmp_path: Path) -> None:
    Trainer(load_config(write(tmp_path, 3))).train()
    run = tmp_path / "run"
    (run / "last").rename(run / "last.old")
    assert Trainer(load_config(write(tmp_path, 4))).step == 3


def test_config_errors_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="no such config"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text('run_dir = "x"\nlearning_rate = 3\n[[stage]]\nname="a"\nsteps=1\nkinds={slice=1.0}\n')
    with pytest.raises(OptionError, match="learning_rate"):
        load_config(bad)
