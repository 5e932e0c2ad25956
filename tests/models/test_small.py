"""genocr-small: builds from scratch, saves and loads as a checkpoint folder, learns."""
from pathlib import Path

import torch

from conftest import build_tokenizer
from genocr.models import load_model
from genocr.models.small import GenocrSmall, fit_view
from genocr.tasks import Query
from genocr.train.data import Collator
from tests_helpers import text_image


def tiny() -> GenocrSmall:
    torch.manual_seed(0)
    return GenocrSmall.build("tiny", build_tokenizer())


def test_round_trip_through_the_registry(tmp_path: Path) -> None:
    model = tiny()
    model.model.save_pretrained(tmp_path)
    model.tokenizer.save_pretrained(tmp_path)
    model.image_processor.save_pretrained(tmp_path)
    loaded = load_model(str(tmp_path))
    assert isinstance(loaded, GenocrSmall) and loaded.family == "genocr-small"
    inputs = loaded.prepare([text_image()], Query())
    assert torch.equal(inputs["input_ids"], model.prepare([text_image()], Query())["input_ids"])


def test_views_keep_aspect_ratio_at_fixed_height() -> None:
    assert fit_view(text_image(size=(320, 96)), 32, 1024).size == (96, 32)  # 320*32/96 = 106.7 -> 3 tokens of 32
    assert fit_view(text_image(size=(5000, 20)), 32, 1024).size == (1024, 32)
    assert fit_view(text_image(size=(320, 96)), 32, 1024, unit=16).size == (112, 32)  # 7 tokens of 16
    assert fit_view(text_image(size=(320, 96)), 32, 1024, stretch=2.0).size == (224, 32)  # 213.3 -> 7 tokens


def test_batch_prompts_are_left_padded_with_one_image_block_each() -> None:
    model = tiny()
    inputs = model.prepare_batch([text_image(size=(100, 32)), text_image(size=(600, 32))], Query())
    pad = model.tokenizer.pad_token_id
    assert inputs["input_ids"][0, 0] == pad and inputs["input_ids"][1, 0] != pad
    assert inputs["image_grid_thw"].shape == (2, 3)
    img = model.model.config.image_token_id
    counts = (inputs["input_ids"] == img).sum(dim=1).tolist()
    assert counts[1] > counts[0]


def test_labels_cover_only_the_answer_and_the_model_learns_it() -> None:
    model = tiny()
    pairs = [(text_image("abc"), "abc", "plain"), (text_image("hello world"), "hello world", "plain")]
    batch = Collator(model)(pairs)
    end = model.tokenizer.convert_tokens_to_ids("<|im_end|>")
    for row_ids, row_labels in zip(batch["input_ids"], batch["labels"]):
        kept = row_labels[row_labels != -100].tolist()
        assert kept[-1] == end
        assert model.tokenizer.decode(kept[:-1]) in ("abc", "hello world")
    opt = torch.optim.AdamW(model.model.parameters(), lr=3e-3)
    losses = []
    for _ in range(30):
        loss = model.model(**batch).loss
        loss.backward()
        opt.step()
        opt.zero_grad()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
