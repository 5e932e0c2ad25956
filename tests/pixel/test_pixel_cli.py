"""``erase``, ``segment``, ``tamper``: PNG results and overlays, one-line errors."""
from __future__ import annotations

import numpy as np
import torch
from click.testing import CliRunner
from PIL import Image

from genocr.clickutil import OneLineErrors
from genocr.pixel.cli import pixel_commands
from genocr.pixel.model import build, save_pretrained
from tests_helpers import text_image

torch.set_num_threads(1)  # tiny models: more threads only contend for the shared cores
group = OneLineErrors(commands={c.name: c for c in pixel_commands})


def invoke(*args: str):
    return CliRunner().invoke(group, list(args))


def test_baselines_write_result_and_overlay(tmp_path):
    page = tmp_path / "page.png"
    text_image(size=(120, 50)).save(page)
    for command, task, mode in (("erase", "removal", "RGB"), ("segment", "segmentation", "L")):
        result = invoke(command, str(page), "--out", str(tmp_path / "out"), "--baseline")
        assert result.exit_code == 0, result.stderr
        out = Image.open(tmp_path / "out" / f"page.{task}.png")
        assert out.mode == mode and out.size == (120, 50)
        assert Image.open(tmp_path / "out" / f"page.{task}.overlay.png").size == (120, 50)


def test_model_checkpoint_runs_every_task(tmp_path):
    torch.manual_seed(0)
    save_pretrained(build("tiny"), tmp_path / "model")
    text_image(size=(80, 40)).save(tmp_path / "a.png")
    result = invoke("tamper", str(tmp_path / "a.png"), "--out", str(tmp_path), "--model", str(tmp_path / "model"))
    assert result.exit_code == 0, result.stderr
    assert Image.open(tmp_path / "a.tamper.png").size == (80, 40)
    raw = invoke("segment", str(tmp_path / "a.png"), "--out", str(tmp_path), "--model", str(tmp_path / "model"), "--raw")
    assert raw.exit_code == 0, raw.stderr
    assert Image.open(tmp_path / "a.segmentation.png").size == (80, 40)
    assert "--raw" in one_line_error(invoke("segment", str(tmp_path / "a.png"), "--out", str(tmp_path), "--baseline",
                                            "--raw"))


def one_line_error(result) -> str:
    assert result.exit_code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("genocr: error: "), result.stderr
    return lines[0]


def test_missing_model_names_the_baseline(tmp_path):
    text_image().save(tmp_path / "a.png")
    line = one_line_error(invoke("erase", str(tmp_path / "a.png"), "--out", str(tmp_path), "--model",
                                 str(tmp_path / "no-model")))
    assert "--baseline" in line


def test_tamper_has_no_baseline_and_bad_inputs_are_reported(tmp_path):
    text_image().save(tmp_path / "a.png")
    assert "tamper" in one_line_error(invoke("tamper", str(tmp_path / "a.png"), "--out", str(tmp_path), "--baseline"))
    result = invoke("segment", str(tmp_path / "missing.png"), str(tmp_path / "a.png"), "--out", str(tmp_path),
                    "--baseline")
    assert result.exit_code == 1 and (tmp_path / "a.segmentation.png").is_file()  # the good input still ran
    assert "1 input(s) could not be read" in result.stderr.splitlines()[-1]


def test_shipped_model_erases_text_by_default(tmp_path):
    from genocr.bench.metrics.pixel import psnr
    from genocr.data.engine import generate

    sample = generate("pixel", 10_000, 0)  # the bench's held-out split
    sample.image.save(tmp_path / "a.png")
    result = invoke("erase", str(tmp_path / "a.png"), "--out", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    clean = np.asarray(sample.extra_images["clean"].convert("RGB"))
    erased = np.asarray(Image.open(tmp_path / "a.removal.png"))
    assert psnr(erased, clean) > psnr(np.asarray(sample.image.convert("RGB")), clean) + 3
