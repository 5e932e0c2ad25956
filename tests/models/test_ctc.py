"""The CTC head reads the vision tower's patches column by column, left to right."""
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from conftest import build_tokenizer
from genocr import OCR
from genocr.errors import OptionError
from genocr.models.ctc import CTC_FILE, VisionCTC
from genocr.models.small import GenocrSmall
from tests_helpers import text_image


def tiny() -> GenocrSmall:
    torch.manual_seed(0)
    return GenocrSmall.build("tiny", build_tokenizer())


def test_columns_follow_the_image_left_to_right() -> None:
    model = tiny()
    ctc = VisionCTC(model.model)
    patch = model.model.config.vision_config.patch_size
    # Each patch column gets its own grey level; rows within a column share it.
    cols = np.repeat(np.arange(0, 240, 40, dtype=np.uint8), patch)
    image = Image.fromarray(np.tile(cols, (32, 1))).convert("RGB")
    vision, _ = model.encode([image])
    states = vision["pixel_values"][:, :1]  # the top-left pixel of each patch, as a 1-d state
    (columns,) = ctc.columns(states, vision["image_grid_thw"])
    assert columns.shape == (len(cols) // patch, 1)
    assert torch.all(columns[1:, 0] > columns[:-1, 0])  # brighter to the right, in order


def test_hook_keeps_states_only_while_training() -> None:
    model = tiny()
    ctc = VisionCTC(model.model)
    vision, _ = model.encode([Image.new("RGB", (64, 32), "white")])
    model.model.eval()
    model.model.model.visual(vision["pixel_values"], grid_thw=vision["image_grid_thw"])
    assert ctc.states is None
    model.model.train()
    model.model.model.visual(vision["pixel_values"], grid_thw=vision["image_grid_thw"])
    assert ctc.states is not None and ctc.states.shape[0] == int(vision["image_grid_thw"].prod())
    loss = ctc.loss(vision["image_grid_thw"], ["ab"])
    assert loss.ndim == 0 and torch.isfinite(loss)


def test_greedy_decoding_merges_repeats_and_drops_blanks() -> None:
    ctc = VisionCTC(tiny().model)
    a, b, blank = ctc.index["a"], ctc.index["b"], ctc.blank
    with torch.no_grad():
        ctc.head.weight.zero_()
        ctc.head.bias.zero_()
        for dim, cls in enumerate((a, b, blank)):
            ctc.head.weight[cls, dim] = 1.0
    # Columns say a a blank b b a -> "a b a" (dims 0, 1, 2 = a, b, blank).
    per_column = [0, 0, 2, 1, 1, 0]
    onehot = torch.eye(ctc.head.in_features)[per_column]
    # Two rows of six patches in Qwen2-VL's merge-window order: (col pair, row, col in pair).
    flat = torch.stack([onehot[2 * pair + dc] for pair in range(3) for row in range(2) for dc in range(2)])
    assert ctc.decode(flat, torch.tensor([[1, 2, 6]])) == ["aba"]


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_a_checkpoint_with_a_head_reads_lines_in_one_pass(tmp_path: Path, dtype: str) -> None:
    model = tiny()
    ctc = VisionCTC(model.model)
    with torch.no_grad():
        ctc.head.weight.zero_()
        ctc.head.bias.zero_()
        ctc.head.bias[ctc.index["x"]] = 1.0  # every column says "x": one "x" per line after merging
    for part in (model.model, model.tokenizer, model.image_processor):
        part.save_pretrained(tmp_path)
    ctc.save(tmp_path)
    ocr = OCR.load(str(tmp_path), dtype=dtype)
    assert ocr.model.ctc is not None and ocr.model.ctc.head.weight.dtype == ocr.model.model.dtype == getattr(torch, dtype)
    result = ocr.read(text_image(size=(400, 60)))
    assert set(result.pages[0].text.split()) == {"x"} and result.pages[0].stop_reason == "stop"
    assert result.pages[0].new_tokens == len(result.pages[0].text.split())


def test_more_steps_per_column_read_the_same_until_trained() -> None:
    model = tiny()
    ctc = VisionCTC(model.model)
    torch.manual_seed(1)
    vision, _ = model.encode([Image.new("RGB", (128, 32), "white")])
    grid = vision["image_grid_thw"]
    states = torch.randn(1, ctc.head.in_features).expand(int(grid.prod()), -1)  # one class everywhere
    before = ctc.decode(states, grid)
    ctc.set_upsample(2)
    assert ctc.upsample == 2 and ctc.logits(torch.zeros(5, ctc.head.in_features)).shape == (10, ctc.blank + 1)
    assert ctc.decode(states, grid) == before  # every step doubled: repeats merge back
    first = ctc.logits(ctc.columns(states, grid)[0])[0::2].argmax(-1).tolist()
    assert len(before[0]) == 1 and len(first) == 8
    with torch.no_grad():  # the second step of each column now says blank: doubled letters can be spelt
        ctc.head.bias.view(2, -1)[1] = -1e4
        ctc.head.bias.view(2, -1)[1, ctc.blank] = 1e4
    assert ctc.decode(states, grid) == ["".join(ctc.alphabet[c] for c in first if c != ctc.blank)]  # no repeat merged


def test_a_head_with_two_steps_per_column_saves_and_loads(tmp_path: Path) -> None:
    model = tiny()
    ctc = VisionCTC(model.model, upsample=2)
    ctc.save(tmp_path)
    fresh = VisionCTC(model.model)
    fresh.load(tmp_path, model.tokenizer)
    assert fresh.upsample == 2 and torch.equal(fresh.head.weight, ctc.head.weight)
    with pytest.raises(OptionError, match="not a multiple"):
        fresh.set_upsample(3)


def test_a_glyph_is_one_label_and_characters_outside_the_alphabet_are_left_out() -> None:
    ctc = VisionCTC(tiny().model)
    text = "Form 1040–NR “RC” • § 5"
    assert len(ctc.encode(text)) == len(text)  # en dash, curly quotes, bullet: one label each
    assert ctc.encode("a中b") == ctc.encode("ab")


def test_the_alphabet_travels_with_the_head(tmp_path: Path) -> None:
    model = tiny()
    VisionCTC(model.model, upsample=2, alphabet="xyz").save(tmp_path)
    fresh = VisionCTC(model.model)
    fresh.load(tmp_path, model.tokenizer)
    assert fresh.alphabet == "xyz" and fresh.blank == 3 and fresh.head.out_features == 2 * 4
    with pytest.raises(OptionError, match="repeat"):
        VisionCTC(model.model, alphabet="xyx")


def test_a_head_that_spelt_tokens_loads_as_a_character_head(tmp_path: Path) -> None:
    """Heads of genocr-small runs 1-5 spelt byte tokens and carry no alphabet."""
    from safetensors.torch import save_file

    model = tiny()
    tok = model.tokenizer
    vocab, dim = len(tok), model.model.config.vision_config.embed_dim
    x, dash = tok.encode("x", add_special_tokens=False)[0], tok.encode("–", add_special_tokens=False)[0]
    weight, bias = torch.zeros(vocab + 1, dim), torch.zeros(vocab + 1)
    for d, cls in enumerate((x, dash, vocab)):  # dims 0, 1, 2 say "x", the dash's first token, blank
        weight[cls, d] = 1.0
    save_file({"head.weight": weight, "head.bias": bias}, str(tmp_path / CTC_FILE))
    ctc = VisionCTC(model.model)
    ctc.load(tmp_path, tok)
    assert ctc.head.out_features == ctc.blank + 1
    columns = torch.eye(dim)[[0, 0, 2, 1]]
    (text,) = ctc.decode(columns.repeat_interleave(4, 0), torch.tensor([[1, 2, 8]]))
    assert text[0] == "x" and len(text) == 2  # ASCII as before; the dash's token -> one character
    assert tok.encode(text[1], add_special_tokens=False)[0] == dash
