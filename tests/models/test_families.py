"""The real transformers families load from checkpoint folders and build correct inputs."""
from pathlib import Path

import pytest
import torch

from genocr.errors import OptionError
from genocr.models import load_model
from genocr.tasks import Query, make_tiles
from tests_helpers import text_image


def test_got_inputs_hold_one_pad_per_image_token(tiny_got_dir: Path) -> None:
    model = load_model(str(tiny_got_dir))
    assert model.family == "got-ocr2" and model.tokens_per_view == 16 and model.tile_size == 64
    pad = model.tokenizer.convert_tokens_to_ids("<imgpad>")
    views = make_tiles(text_image(size=(256, 64)), model.tile_size, 12)
    inputs = model.prepare(views, Query(task="format", crop=True))
    assert inputs["pixel_values"].shape == (len(views), 3, 64, 64)
    assert int((inputs["input_ids"] == pad).sum()) == 16 * len(views)  # (64 px / patch 4 / 4)^2
    decoded = model.tokenizer.decode(inputs["input_ids"][0])
    assert decoded.endswith("</img>\nOCR with format upon the patch reference: <|im_end|><|im_start|>assistant\n")


def test_qwen2vl_tokens_grow_with_image_area(tiny_qwen2vl_dir: Path) -> None:
    model = load_model(str(tiny_qwen2vl_dir))
    assert model.family == "qwen2-vl"
    pad = model.tokenizer.convert_tokens_to_ids("<|image_pad|>")
    small = model.prepare([text_image(size=(56, 56))], Query())
    large = model.prepare([text_image(size=(112, 112))], Query())
    n_small, n_large = (int((x["input_ids"] == pad).sum()) for x in (small, large))
    assert n_large > n_small
    grid = large["image_grid_thw"][0]
    assert n_large == int(grid.prod()) // 4  # spatial_merge_size 2 -> 2x2 patches per token


def test_qwen2vl_refuses_tiles(tiny_qwen2vl_dir: Path) -> None:
    model = load_model(str(tiny_qwen2vl_dir))
    with pytest.raises(OptionError, match="does not support tiles"):
        model.check(Query(crop=True))


@pytest.mark.parametrize("family_dir", ["tiny_got_dir", "tiny_qwen2vl_dir"])
def test_loaded_models_are_in_eval_mode_on_cpu(family_dir: str, request: pytest.FixtureRequest) -> None:
    model = load_model(str(request.getfixturevalue(family_dir)))
    assert not model.model.training
    assert model.device == torch.device("cpu") and model.model.dtype == torch.float32


@pytest.mark.parametrize("dtype, expected", [("auto", torch.float32), ("bfloat16", torch.bfloat16)])
def test_cpu_models_load_in_fp32_unless_bf16_is_asked_for(tiny_qwen2vl_dir: Path, dtype: str,
                                                          expected: torch.dtype) -> None:
    assert load_model(str(tiny_qwen2vl_dir), dtype=dtype).model.dtype == expected


def test_an_unknown_dtype_is_refused_by_name(tiny_qwen2vl_dir: Path) -> None:
    with pytest.raises(OptionError, match="unknown dtype 'fp8'"):
        load_model(str(tiny_qwen2vl_dir), dtype="fp8")


def test_qwen2vl_vision_mlps_read_with_silu_and_see_as_before(tiny_qwen2vl_dir: Path, tmp_path: Path) -> None:
    import shutil

    from transformers import Qwen2VLForConditionalGeneration

    from genocr.models.qwen2vl import Qwen2VL

    folder = tmp_path / "raw"
    shutil.copytree(tiny_qwen2vl_dir, folder)
    raw = Qwen2VLForConditionalGeneration.from_pretrained(folder).eval()
    torch.manual_seed(1)
    with torch.no_grad():  # weights and biases large enough that a wrong scale would show
        for block in raw.model.visual.blocks:
            for layer in (block.mlp.fc1, block.mlp.fc2):
                layer.weight.normal_(0, 0.5)
                layer.bias.normal_(0, 0.5)
    raw.save_pretrained(folder)
    model = load_model(str(folder))
    assert model.model.config.vision_config.hidden_act == "silu"
    assert all(isinstance(b.mlp.act, torch.nn.SiLU) for b in model.model.model.visual.blocks)
    # Training loads the checkpoint as it is: its optimiser state belongs to these parameters.
    assert Qwen2VL.from_pretrained(str(folder), name="raw").model.config.vision_config.hidden_act == "quick_gelu"
    inputs = model.prepare([text_image(size=(112, 84))], Query())

    def states(m: torch.nn.Module) -> torch.Tensor:
        with torch.no_grad():
            return m.model.visual(inputs["pixel_values"], grid_thw=inputs["image_grid_thw"]).last_hidden_state

    expected = states(raw)
    assert torch.allclose(states(model.model), expected, rtol=1e-4, atol=1e-4)
    model.model.save_pretrained(tmp_path / "folded")  # saved folded, it reloads as it is: not scaled twice
    reloaded = Qwen2VLForConditionalGeneration.from_pretrained(tmp_path / "folded").eval()
    assert torch.allclose(states(reloaded), expected, rtol=1e-4, atol=1e-4)
