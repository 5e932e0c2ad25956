"""The format decoder's trainer: a frozen trunk, a decoder that learns, and the swapped-image check."""
import json
from pathlib import Path

import pytest
import torch

from genocr.data import latex
from genocr.models.line import LineConfig
from genocr.models.line_net import LineNet, save_line_model
from genocr.train.config import load_config
from genocr.train.format import FormatTrainer

pytestmark = pytest.mark.skipif(not latex.available(), reason="pdflatex is not installed")

CONFIG = """
family = "genocr_format"
run_dir = "{run}"
init = "{init}"
num_workers = 0
eval_every = 2
eval_samples = 2
save_every = 2
log_every = 1
vocab_samples = 32
decoder = {{ dim = 32, layers = 1, heads = 2, max_tokens = 24 }}
[[stage]]
name = "elements"
steps = {steps}
kinds = {{ math = 0.5, table = 0.5 }}
lr = 1e-3
warmup = 1
batch_size = 2
"""


def test_trains_the_decoder_only_and_resumes(tmp_path: Path) -> None:
    torch.manual_seed(0)
    save_line_model(LineNet(LineConfig.from_dict({"channels": [8, 8, 16, 16], "dim": 16, "layers": 1, "heads": 2})),
                    tmp_path / "line")
    path = tmp_path / "run.toml"
    path.write_text(CONFIG.format(run=tmp_path / "run", init=tmp_path / "line", steps=2))
    trainer = FormatTrainer(load_config(path))
    trunk = {k: v.clone() for k, v in trainer.net.trunk.state_dict().items()}
    trainer.train()
    assert all(torch.equal(trunk[k], v) for k, v in trainer.net.trunk.state_dict().items())  # frozen
    rows = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    evals = [r for r in rows if "eval_math_ned" in r]
    assert [r["step"] for r in evals] == [2] and "eval_table_swapped_ned" in evals[-1]  # not the untrained one
    path.write_text(CONFIG.format(run=tmp_path / "run", init=tmp_path / "line", steps=3))
    assert FormatTrainer(load_config(path)).step == 2


def test_a_curriculum_is_scored_on_what_it_has_trained(tmp_path: Path) -> None:
    """Formulas first, then tables: the first evaluation scores formulas alone (decoding tables
    the decoder has not learnt would run to max_tokens), the last both."""
    save_line_model(LineNet(LineConfig.from_dict({"channels": [8, 8, 16, 16], "dim": 16, "layers": 1, "heads": 2})),
                    tmp_path / "line")
    config = CONFIG.replace("eval_every = 2", "eval_every = 1").format(
        run=tmp_path / "run", init=tmp_path / "line", steps=1).replace("math = 0.5, table = 0.5", "math = 1.0")
    config += '[[stage]]\nname = "tables"\nsteps = 1\nkinds = { math = 0.5, table = 0.5 }\nlr = 1e-3\nwarmup = 1\nbatch_size = 2\n'
    (tmp_path / "run.toml").write_text(config)
    FormatTrainer(load_config(tmp_path / "run.toml")).train()
    rows = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    evals = [r for r in rows if any(k.startswith("eval_") for k in r)]
    assert [r["step"] for r in evals] == [1, 2]
    assert "eval_math_ned" in evals[0] and "eval_table_ned" not in evals[0]
    assert "eval_math_ned" in evals[1] and "eval_table_ned" in evals[1]


def test_a_run_from_a_decoder_may_grow_its_vocabulary_and_keeps_what_it_learnt(tmp_path: Path) -> None:
    from genocr.models.format_net import SPECIAL, FormatConfig, FormatNet, load_format_net, save_format_model

    save_line_model(LineNet(LineConfig.from_dict({"channels": [8, 8, 16, 16], "dim": 16, "layers": 1, "heads": 2})),
                    tmp_path / "line")
    narrow = [*SPECIAL, *(chr(c) for c in range(0x20, 0x7F))]  # a decoder that spells, with no commands
    save_format_model(FormatNet(FormatConfig(channels=(8, 8, 16, 16), dim=32, layers=1, heads=2, max_tokens=24,
                                             vocab=narrow)), tmp_path / "line")
    nets = {}
    for grow in (True, False):
        path = tmp_path / f"{grow}.toml"
        path.write_text(CONFIG.format(run=tmp_path / f"run{grow}", init=tmp_path / "line", steps=1)
                        .replace("vocab_samples", f"grow_vocab = {str(grow).lower()}\nvocab_samples"))
        nets[grow] = FormatTrainer(load_config(path)).net
        assert nets[grow].config.vocab[: len(narrow)] == narrow and (r"\frac" in nets[grow].config.vocab) == grow
    assert torch.equal(nets[True].embed.weight[: len(narrow)], load_format_net(tmp_path / "line").embed.weight)
