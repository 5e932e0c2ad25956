"""Pixel training: UPOCR's losses, painted targets, learning on a fixed batch, a resumable run."""
from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

from genocr.data.engine import generate
from genocr.errors import OptionError
from genocr.pixel.data import RandomCrop, collate, examples
from genocr.pixel.model import build, save_pretrained
from genocr.pixel.train import (PixelTrainer, PixelTrainConfig, load_pixel_config, map_loss, pixel_loss,
                                removal_loss, train_step)

torch.set_num_threads(1)  # tiny models: more threads only contend for the shared cores


@pytest.fixture(scope="module")
def batch() -> dict[str, torch.Tensor]:
    return collate([RandomCrop(64)(generate("pixel", 5, 0))])


def scales(target: torch.Tensor) -> list[torch.Tensor]:
    """A perfect prediction: the target itself at 1/4, 1/2 and full scale."""
    return [F.interpolate(target, size=(target.shape[-2] // s, target.shape[-1] // s), mode="nearest") for s in (4, 2, 1)]


def test_examples_paint_upocr_targets(batch):
    assert batch["x"].shape == (3, 3, 64, 64) and batch["task"].tolist() == [0, 1, 2]
    seg, colour = batch["y"][1], batch["y"][2]
    assert torch.equal(seg[0], batch["text"][1][0])  # white text on black
    assert torch.allclose(colour.sum(0), torch.ones(64, 64))  # one colour class per pixel
    full = examples(generate("pixel", 5, 0))
    assert full["x"].shape[-2:] == (512, 512)


def test_losses_are_zero_on_perfect_predictions(batch):
    assert removal_loss(scales(batch["y"][:1]), batch["y"][:1], batch["text"][:1]).item() == 0.0
    assert map_loss(scales(batch["y"][1:]), batch["y"][1:]).item() == 0.0
    assert pixel_loss(scales(batch["y"]), batch).item() == 0.0


def test_removal_loss_weighs_text_pixels_more():
    clean, text = torch.zeros(1, 3, 16, 16), torch.zeros(1, 1, 16, 16)
    text[..., :8, :] = 1.0
    wrong_text, wrong_background = clean.clone(), clean.clone()
    wrong_text[..., :8, :] = 0.5  # the same error, once on text and once on background pixels
    wrong_background[..., 8:, :] = 0.5
    assert removal_loss(scales(wrong_text), clean, text) > 3 * removal_loss(scales(wrong_background), clean, text)


def test_map_loss_weights_scale_each_pixel_error():
    target, weight = torch.zeros(1, 3, 16, 16), torch.ones(1, 1, 16, 16)
    weight[..., :8, :] = 3.0  # half the pixels count three times: the mean weight is 2
    wrong = scales(torch.ones(1, 3, 16, 16))
    assert torch.isclose(map_loss(wrong, target, weight), 2 * map_loss(wrong, target))


def test_fine_tuning_starts_from_the_given_weights(tmp_path):
    torch.manual_seed(1)
    start = build("tiny")
    save_pretrained(start, tmp_path / "start")
    config = PixelTrainConfig(run_dir=str(tmp_path / "run"), size="tiny", device="cpu", num_workers=0,
                              init=str(tmp_path / "start"), eval_samples=1, crop=64, batch_size=1, steps=1,
                              warmup=1, eval_every=5, save_every=5, log_every=1)
    trainer = PixelTrainer(config)
    assert all(torch.equal(a, b) for a, b in zip(trainer.net.state_dict().values(), start.state_dict().values()))
    trainer.train()
    rows = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if "eval_psnr" in r] == [0, 1]  # the init weights' own score first


def test_a_few_steps_reduce_the_loss_on_a_fixed_batch(batch):
    torch.manual_seed(0)
    net = build("tiny").train()
    optimizer = torch.optim.AdamW(net.parameters(), lr=3e-3)
    losses = [train_step(net, optimizer, batch, clip=1.0) for _ in range(12)]
    assert losses[-1] < 0.7 * losses[0]


def test_training_run_logs_evaluates_and_resumes(tmp_path):
    config = PixelTrainConfig(run_dir=str(tmp_path / "run"), size="tiny", device="cpu", num_workers=0, crop=64,
                              batch_size=1, steps=2, warmup=1, eval_every=2, eval_samples=1, save_every=1,
                              log_every=1)
    PixelTrainer(config).train()
    last = tmp_path / "run" / "last"
    assert sorted(p.name for p in last.iterdir()) == ["config.json", "model.safetensors", "trainer.pt"]
    config.steps = 3
    trainer = PixelTrainer(config)
    assert trainer.step == 2
    trainer.train()
    rows = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in rows if "loss" in r] == [1, 2, 3]
    evals = [r for r in rows if "eval_psnr" in r]
    assert [r["step"] for r in evals] == [2, 3] and {"eval_mssim", "eval_seg_fgiou", "eval_tamper_iou"} <= set(evals[0])
    report = (tmp_path / "run" / "report.md").read_text()
    assert "steps logged: 3" in report and [line[:5] for line in report.splitlines() if line[:3] == "| 2"] == ["| 2 |"]
    assert (tmp_path / "run" / "curves.png").read_bytes().startswith(b"\x89PNG")


def test_config_file_and_typos(tmp_path):
    assert load_pixel_config("configs/genocr-pixel.toml").size == "small"
    bad = tmp_path / "bad.toml"
    bad.write_text('run_dir = "x"\nbatchsize = 2\n')
    with pytest.raises(OptionError, match="batchsize"):
        load_pixel_config(bad)
