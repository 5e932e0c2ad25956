"""Prompts must equal GOT's training strings byte for byte (GOT/demo/run_ocr_2.0*.py, got.md §1.4)."""
import pytest

from genocr.errors import OptionError
from genocr.tasks import Query, got_prompt, got_query, qwen_prompt


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        (Query(), "OCR: "),
        (Query(task="format"), "OCR with format: "),
        (Query(box=(100, 100, 500, 500)), "[100, 100, 500, 500] OCR: "),
        (Query(task="format", box=(0, 12, 999, 1000)), "[0, 12, 999, 1000] OCR with format: "),
        (Query(color="red"), "[red] OCR: "),
        (Query(task="format", color="blue"), "[blue] OCR with format: "),
        (Query(task="format", crop=True), "OCR with format upon the patch reference: "),
        (Query(crop=True), "OCR upon the patch reference: "),
        (Query(task="format", multi_page=True), "OCR with format across multi pages: "),
    ],
)
def test_got_queries(query: Query, expected: str) -> None:
    assert got_query(query) == expected


def test_got_prompt_template_is_mpt_chatml_without_newline_after_im_end() -> None:
    prompt = got_prompt(Query(), [3])
    assert prompt == (
        "<|im_start|>system\nYou should follow the instructions carefully and explain your answers in detail."
        "<|im_end|><|im_start|>user\n<img><imgpad><imgpad><imgpad></img>\nOCR: <|im_end|><|im_start|>assistant\n"
    )


def test_all_views_share_one_image_block() -> None:
    prompt = got_prompt(Query(task="format", multi_page=True), [4, 4, 4])
    assert prompt.count("<img>") == 1 and prompt.count("<imgpad>") == 12


def test_qwen_prompt_has_one_vision_block_per_image_and_grounding_box() -> None:
    prompt = qwen_prompt(Query(box=(10, 20, 300, 400)), [2])
    assert prompt.startswith("<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n")
    assert "<|vision_start|><|image_pad|><|image_pad|><|vision_end|>" in prompt
    assert "<|box_start|>(10,20),(300,400)<|box_end|>" in prompt
    assert prompt.endswith("<|im_end|>\n<|im_start|>assistant\n")
    assert qwen_prompt(Query(multi_page=True), [1, 1]).count("<|vision_start|>") == 2


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"task": "markdown"}, "unknown task 'markdown'"),
        ({"color": "purple"}, "unknown colour 'purple'"),
        ({"crop": True, "multi_page": True}, "cannot be combined"),
        ({"box": (1, 2, 3, 4), "crop": True}, "cannot be combined"),
        ({"color": "red", "multi_page": True}, "cannot be combined"),
    ],
)
def test_invalid_queries_name_the_problem(kwargs: dict, fragment: str) -> None:
    with pytest.raises(OptionError, match=fragment):
        Query(**kwargs)
