"""``genocr bench pixel`` on a tiny dev set laid out like the real one, with a tiny pixel model."""
from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from PIL import Image

from genocr.bench import pixel
from genocr.bench.cli import bench_cli
from genocr.bench.metrics.pixel import psnr
from genocr.pixel.model import build, save_pretrained
from tests_helpers import text_image

torch.set_num_threads(1)  # tiny models: more threads only contend for the shared cores


@pytest.fixture
def dev_set(tmp_path: Path) -> Path:
    """One removal pair, one DIBCO-style pair (ink black in the ground truth), one whose sizes
    differ and one whose image is not an image."""
    root = tmp_path / "real"
    root.mkdir()
    page = text_image(size=(96, 64))
    clean = Image.new("RGB", page.size, "white")
    page.save(root / "scene.jpg")
    clean.save(root / "scene.gt.jpg")
    ink = page.convert("L").point(lambda v: 0 if v < 128 else 255)
    ink.convert("RGB").save(root / "doc.png")
    ink.save(root / "doc.gt.png")  # ink black, as DIBCO
    page.save(root / "odd.png")
    clean.resize((40, 40)).save(root / "odd.gt.png")
    (root / "broken.png").write_bytes(b"not a png")
    rows = ["category\titem_id\timage_path\tgt_path", "text_removal\tscene\tscene.jpg\tscene.gt.jpg",
            "text_seg_doc\tdoc\tdoc.png\tdoc.gt.png", "text_seg_doc\todd\todd.png\todd.gt.png",
            "text_removal\tbroken\tbroken.png\tscene.gt.jpg",
            "doc_page_en\tother\tdoc.png\tnone.txt"]
    (root / "manifest.tsv").write_text("\n".join(rows) + "\n")
    return root


def test_bench_scores_model_and_baselines(dev_set: Path, tmp_path: Path) -> None:
    torch.manual_seed(0)
    save_pretrained(build("tiny"), tmp_path / "model")
    save_pretrained(build("tiny"), tmp_path / "other")
    model, other = str(tmp_path / "model"), str(tmp_path / "other")
    rep = pixel.bench([model, other], dev_set, None, 1, "cpu", tmp_path / "out")
    found = {(r.dataset, r.system): r for r in rep.results}
    # Two models side by side, each named as given, with its own scores.
    assert found["synth_removal", f"{model}, raw output"].scores != \
        found["synth_removal", f"{other}, raw output"].scores
    # The model runs every task; baselines only theirs; tamper has no baseline.
    assert {d for d, s in found if s == model} == {"text_removal", "text_seg_doc", "synth_removal",
                                                   "synth_segmentation", "synth_tamper"}
    assert [s for d, s in found if d == "synth_tamper"] == [model, other]
    # Unchanged input scores exactly the PSNR of input against ground truth.
    scene = np.asarray(Image.open(dev_set / "scene.jpg").convert("RGB"))
    expected = psnr(scene, np.asarray(Image.open(dev_set / "scene.gt.jpg").convert("RGB")))
    assert math.isclose(found["text_removal", "input unchanged"].scores["psnr"], expected)
    # Black ink on white is what Otsu finds exactly: the ground truth was inverted to 255 = text.
    assert found["text_seg_doc", "Otsu"].scores["iou"] == 1.0
    assert len(found["text_seg_doc", "Otsu"].seconds) == 1 and any("odd" in n for n in rep.notes)
    assert len(found["text_removal", "TELEA inpainting (Otsu mask)"].seconds) == 1  # the broken item is left out, with a note
    assert any(n.startswith("text_removal/broken left out:") for n in rep.notes)
    md = (tmp_path / "out" / "pixel.md").read_text()
    assert "### synth_tamper (tamper)" in md and "| Sauvola | 1 |" in md
    assert (tmp_path / "out" / "pixel.png").read_bytes().startswith(b"\x89PNG")


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    nothing = runner.invoke(bench_cli, ["pixel", "--models", "none", "--data", "none", "--synthetic", "0",
                                        "--out", str(tmp_path)])
    missing = runner.invoke(bench_cli, ["pixel", "--models", str(tmp_path / "no-model"), "--data", "none",
                                        "--synthetic", "1", "--out", str(tmp_path)])
    itself = runner.invoke(bench_cli, ["pixel", "--models", "none", "--data", "none", "--synthetic", "1",
                                       "--pause", str(os.getpid()), "--out", str(tmp_path)])
    for result, words in ((nothing, "nothing to measure"), (missing, "not installed"), (itself, "not a process to stop")):
        assert result.exit_code != 0
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and words in lines[0], result.stderr
    assert not (tmp_path / "pixel.md").exists()
