"""The line reader's trainer: runs, checkpoints, resumes, and saves when asked to stop."""
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from genocr.errors import OptionError
from genocr.models.line_net import load_line_net
from genocr.train.config import LineTrainConfig, load_config
from genocr.train.line import LineTrainer

CONFIG = """
family = "genocr_line"
run_dir = "{run}"
num_workers = 0
eval_every = 3
eval_samples = 4
save_every = 2
log_every = 1
{extra}
[model]
channels = [8, 8, 16, 16]
dim = 16
layers = 1
heads = 2

[[stage]]
name = "lines"
steps = {steps}
kinds = {{ slice = 1.0 }}
langs = ["en"]
batch_size = 4
warmup = 1
"""


def write(tmp_path: Path, steps: int, extra: str = "") -> Path:
    path = tmp_path / "run.toml"
    path.write_text(CONFIG.format(run=tmp_path / "run", steps=steps, extra=extra))
    return path


def rows(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]


def test_trains_logs_at_once_and_resumes(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, 3, "bf16 = false"))
    assert isinstance(config, LineTrainConfig)
    first = LineTrainer(config)
    first.train()
    run = tmp_path / "run"
    assert [r["step"] for r in rows(run) if "loss" in r] == [1, 2, 3]  # the first step is logged at once
    assert [r["step"] for r in rows(run) if "eval_ctc_cer" in r] == [0, 3]
    assert load_line_net(run / "last").config.dim == 16
    resumed = LineTrainer(load_config(write(tmp_path, 5, "bf16 = false")))
    assert resumed.step == 3
    assert all(torch.equal(a, b) for a, b in zip(resumed.net.state_dict().values(), first.net.state_dict().values()))
    resumed.train()
    assert [r["step"] for r in rows(run) if "loss" in r] == [1, 2, 3, 4, 5]


def test_sigterm_saves_the_step_it_finished(tmp_path: Path) -> None:
    trainer = LineTrainer(load_config(write(tmp_path, 50, "bf16 = false")))
    real_step = trainer._train_step

    def step_then_stop(*args: object) -> None:
        real_step(*args)
        if trainer.step == 1:
            os.kill(os.getpid(), signal.SIGTERM)

    trainer._train_step = step_then_stop  # type: ignore[method-assign]
    trainer.train()
    assert trainer.step == 1
    assert torch.load(tmp_path / "run" / "last" / "trainer.pt", weights_only=True)["step"] == 1
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # the handler is put back


def test_extends_an_init_checkpoints_alphabet(tmp_path: Path) -> None:
    LineTrainer(load_config(write(tmp_path, 1, "bf16 = false"))).train()
    init = tmp_path / "run" / "last"
    path = tmp_path / "ext.toml"
    path.write_text(CONFIG.format(run=tmp_path / "ext", steps=1, extra=f'init = "{init}"\nextend_alphabet = "漢字"\nbf16 = false')
                    .replace("[model]\nchannels = [8, 8, 16, 16]\ndim = 16\nlayers = 1\nheads = 2\n", ""))
    trainer = LineTrainer(load_config(path))
    assert trainer.net.config.alphabet.endswith("漢字")


def test_grows_an_init_checkpoints_mixer_and_refuses_growth_from_nothing(tmp_path: Path) -> None:
    LineTrainer(load_config(write(tmp_path, 1, "bf16 = false"))).train()
    path = tmp_path / "grow.toml"
    path.write_text(CONFIG.format(run=tmp_path / "grow", steps=2, extra=f'init = "{tmp_path / "run" / "last"}"\ngrow_layers = 2\nbf16 = false')
                    .replace("[model]\nchannels = [8, 8, 16, 16]\ndim = 16\nlayers = 1\nheads = 2\n", ""))
    trainer = LineTrainer(load_config(path))
    assert trainer.net.config.layers == 3
    trainer.train()
    assert load_line_net(tmp_path / "grow" / "last").config.layers == 3  # resumes at the grown depth
    with pytest.raises(OptionError, match="grow_layers"):
        load_config(write(tmp_path, 1, "grow_layers = 1"))


def test_init_may_name_a_run_folders_checkpoint_under_home(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    LineTrainer(load_config(write(tmp_path, 1, "bf16 = false"))).save()  # a checkpoint in ~/run/last
    path = tmp_path / "warm.toml"
    path.write_text(CONFIG.format(run=tmp_path / "warm", steps=1, extra='init = "~/run/last"\nbf16 = false')
                    .replace("[model]\nchannels = [8, 8, 16, 16]\ndim = 16\nlayers = 1\nheads = 2\n", ""))
    assert LineTrainer(load_config(path)).net.config.dim == 16  # built from the checkpoint's config


def test_a_second_run_on_a_held_folder_stops_with_one_line_and_touches_nothing(tmp_path: Path) -> None:
    from genocr.errors import OptionError

    run = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path; "
                               "from genocr.train.staged import hold_run; h = hold_run(Path(sys.argv[1])); "
                               "print('held', flush=True); time.sleep(120)", str(run)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(OptionError, match=rf"another training run holds this folder \(pid {holder.pid}\)"):
            LineTrainer(load_config(write(tmp_path, 1, "bf16 = false")))
        assert sorted(p.name for p in run.iterdir()) == ["train.lock"]  # no config, no log written
    finally:
        holder.kill()
        holder.wait()
    LineTrainer(load_config(write(tmp_path, 1, "bf16 = false"))).train()  # free once the holder is gone
    assert (run / "last" / "trainer.pt").is_file()


def test_average_with_must_name_model_folders(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="average_with .* not a model folder"):
        load_config(write(tmp_path, 1, f'average_with = ["{tmp_path / "nothing"}"]'))
