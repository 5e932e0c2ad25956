"""The pixel network: shapes at any size, task prompts, checkpoints, tiling and output decoding."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from PIL import Image
from torch import nn

from genocr.errors import ModelError
from genocr.pixel.model import SIZES, TASKS, PixelNet, build, from_pretrained, save_pretrained
from genocr.pixel.predict import GROW, PixelModel, decode, overlay, tiled

torch.set_num_threads(1)  # tiny models: more threads only contend for the shared cores


@pytest.fixture(scope="module")
def tiny() -> nn.Module:
    torch.manual_seed(0)
    return build("tiny").eval()


def test_forward_shapes_at_odd_sizes(tiny):
    out = tiny(torch.rand(2, 3, 37, 50), torch.tensor([0, 2]))
    assert [tuple(o.shape) for o in out] == [(2, 3, 10, 13), (2, 3, 19, 25), (2, 3, 37, 50)]


def test_task_prompt_changes_the_output(tiny):
    x = torch.rand(1, 3, 64, 64).expand(3, -1, -1, -1)
    with torch.no_grad():
        full = tiny(x, torch.arange(3))[-1]
    assert not torch.allclose(full[0], full[1]) and not torch.allclose(full[1], full[2])


def test_save_load_round_trip(tiny, tmp_path):
    save_pretrained(tiny, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.json", "model.safetensors"]
    loaded = from_pretrained(tmp_path)
    x, task = torch.rand(1, 3, 40, 40), torch.tensor([1])
    with torch.no_grad():
        assert torch.equal(tiny(x, task)[-1], loaded(x, task)[-1])
    assert loaded.config == tiny.config


def test_a_grown_detail_branch_starts_as_the_checkpoint_and_feeds_only_the_finer_heads(tmp_path):
    torch.manual_seed(3)
    plain = PixelNet(replace(SIZES["tiny"], detail=0)).eval()
    save_pretrained(plain, tmp_path)
    grown = from_pretrained(tmp_path, SIZES["tiny"])
    assert grown.config.detail > 0
    x, task = torch.rand(2, 3, 40, 56), torch.tensor([1, 2])
    with torch.no_grad():
        assert all(torch.equal(a, b) for a, b in zip(plain(x, task), grown(x, task)))
        for layer in (grown.detail_half, grown.detail_full, grown.refine.out):
            nn.init.normal_(layer.weight, std=0.1)
        quarter, half, full = grown(x, task)
        before = plain(x, task)
    assert torch.equal(quarter, before[0])
    assert not torch.allclose(half, before[1]) and not torch.allclose(full, before[2])


def test_a_checkpoint_grows_only_a_detail_branch(tmp_path):
    save_pretrained(build("tiny"), tmp_path)
    with pytest.raises(ModelError) as err:
        from_pretrained(tmp_path, replace(SIZES["tiny"], channels=(8, 16, 24, 40)))
    assert "only grow a detail branch" in str(err.value) and "\n" not in str(err.value)


def test_missing_checkpoint_is_one_line_model_error(tmp_path):
    with pytest.raises(ModelError) as err:
        PixelModel.load(str(tmp_path / "nowhere"))
    assert "\n" not in str(err.value)


class Identity(nn.Module):
    def forward(self, x: torch.Tensor, task: torch.Tensor) -> list[torch.Tensor]:
        return [x]


def test_tiling_reassembles_an_identity_model_exactly():
    rng = np.random.default_rng(0)
    image = Image.fromarray(rng.integers(0, 256, (150, 203, 3), dtype=np.uint8))
    model = PixelModel(Identity(), tile=64, overlap=16)
    assert np.array_equal(np.asarray(model.run(image, "removal")), np.asarray(image))


class Painter(nn.Module):
    """Erases to black everywhere; segments one pixel, (y 10, x 20), as text."""

    def forward(self, x: torch.Tensor, task: torch.Tensor) -> list[torch.Tensor]:
        out = torch.zeros_like(x)
        if TASKS[int(task[0])] == "segmentation":
            out[:, :, 10, 20] = 1.0
        return [out]


def test_removal_pastes_erased_pixels_only_on_the_predicted_text():
    image = Image.new("RGB", (40, 30), "white")
    changed = (np.asarray(PixelModel(Painter(), tile=64).run(image, "removal")) != 255).any(-1)
    assert changed[10, 20] and changed.sum() == (2 * GROW + 1) ** 2
    raw = np.asarray(PixelModel(Painter(), tile=64, raw=True).run(image, "removal"))
    assert (raw == 0).all()


def test_tiled_calls_each_tile_at_tile_size():
    seen = []
    tiled(lambda t: seen.append(tuple(t.shape[-2:])) or t, torch.rand(1, 3, 100, 70), tile=64, overlap=16)
    assert set(seen) == {(64, 64)}


def test_run_keeps_the_input_size(tiny):
    model = PixelModel(tiny, tile=64, overlap=16)
    image = Image.new("RGB", (90, 71), "white")
    assert model.run(image, "removal").size == (90, 71)
    mask = model.run(image, "tamper")
    assert mask.mode == "L" and mask.size == (90, 71)


def test_decode_masks():
    white_text = torch.zeros(3, 2, 2)
    white_text[:, 0, 0] = 1.0
    assert np.asarray(decode(white_text, "segmentation")).tolist() == [[255, 0], [0, 0]]
    colour_map = torch.zeros(3, 2, 2)
    colour_map[0] = 1.0  # red background ...
    colour_map[:, 1, 1] = torch.tensor([0.0, 0.2, 0.9])  # ... and one blue (tampered) pixel
    assert np.asarray(decode(colour_map, "tamper")).tolist() == [[0, 0], [0, 255]]
    assert decode(white_text, "removal").mode == "RGB"


def test_overlay_tints_only_the_mask():
    image = Image.new("RGB", (4, 4), "white")
    mask = Image.new("L", (4, 4), 0)
    mask.putpixel((1, 1), 255)
    shown = np.asarray(overlay(image, mask))
    assert tuple(shown[1, 1]) != (255, 255, 255) and tuple(shown[0, 0]) == (255, 255, 255)
