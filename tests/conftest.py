"""Shared fixtures: tiny randomly initialised GOT-OCR2 and Qwen2-VL checkpoints built locally.

Nothing is downloaded: the tokenizer is a byte-level BPE trained here on a few lines, and the
models are small configs of the real transformers classes, saved as real checkpoint folders
(safetensors + config + tokenizer + image processor) so they load through genocr's loaders.
"""
from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
import torch

from tests_helpers import text_image

SPECIAL_TOKENS = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<img>", "</img>", "<imgpad>",
    "<|vision_start|>", "<|vision_end|>", "<|image_pad|>", "<|box_start|>", "<|box_end|>",
]
CORPUS = [
    "You should follow the instructions carefully and explain your answers in detail.",
    "You are a helpful assistant.", "system user assistant",
    "OCR: OCR with format: upon the patch reference: across multi pages: [red] [green] [blue]",
    "Read all the text in the image, as plain text. as markdown, with formulas in LaTeX",
    "The quick brown fox jumps over the lazy dog 0123456789 [100, 200, 300, 400]",
    "\\frac{a}{b} + \\alpha_1 \\begin{tabular}{|c|c|} \\hline x & y \\\\ \\end{tabular}",
    "通用光学字符识别理论",
]


def build_tokenizer():
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token=None))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=SPECIAL_TOKENS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    bpe.train_from_iterator(CORPUS * 4, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>")


def build_tiny_got(folder: Path) -> Path:
    from transformers import GotOcr2Config, GotOcr2ForConditionalGeneration, GotOcr2ImageProcessor

    torch.manual_seed(0)
    tok = build_tokenizer()
    cfg = GotOcr2Config(
        text_config=dict(model_type="qwen2", vocab_size=len(tok), hidden_size=64, intermediate_size=128,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=4096, rope_theta=10000.0, tie_word_embeddings=True),
        vision_config=dict(image_size=64, patch_size=4, hidden_size=32, mlp_dim=64, num_hidden_layers=2,
                           num_attention_heads=4, output_channels=32, hidden_act="quick_gelu",
                           window_size=4, global_attn_indexes=[1], initializer_range=0.02),
        image_token_index=tok.convert_tokens_to_ids("<imgpad>"),
        bos_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
    )
    GotOcr2ForConditionalGeneration(cfg).save_pretrained(folder)
    tok.save_pretrained(folder)
    GotOcr2ImageProcessor(size={"height": 64, "width": 64}).save_pretrained(folder)
    return folder


def build_tiny_qwen2vl(folder: Path) -> Path:
    from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    torch.manual_seed(0)
    tok = build_tokenizer()
    ids = {t: tok.convert_tokens_to_ids(t) for t in ("<|vision_start|>", "<|vision_end|>", "<|image_pad|>")}
    cfg = Qwen2VLConfig(
        text_config=dict(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                         num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
                         rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "mrope_section": [4, 2, 2]},
                         bos_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
                         tie_word_embeddings=True),
        vision_config=dict(depth=2, embed_dim=32, hidden_size=64, num_heads=4, patch_size=14,
                           spatial_merge_size=2, temporal_patch_size=2, in_chans=3),
        image_token_id=ids["<|image_pad|>"], vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"], video_token_id=ids["<|image_pad|>"],
    )
    Qwen2VLForConditionalGeneration(cfg).save_pretrained(folder)
    tok.save_pretrained(folder)
    # Small pixel budget: every test image becomes a handful of tokens.
    Qwen2VLImageProcessorPil(min_pixels=56 * 56, max_pixels=112 * 112).save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_got_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_got(tmp_path_factory.mktemp("tiny-got"))


@pytest.fixture(scope="session")
def talkative_got_dir(tiny_got_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny GOT with an output layer that can only say "a" or "b": visible text, so that
    tests comparing streamed and returned text compare something."""
    from transformers import GotOcr2ForConditionalGeneration, PreTrainedTokenizerFast

    folder = tmp_path_factory.mktemp("talkative-got")
    model = GotOcr2ForConditionalGeneration.from_pretrained(tiny_got_dir)
    tok = PreTrainedTokenizerFast.from_pretrained(tiny_got_dir)
    a, b = (tok.convert_tokens_to_ids(t) for t in ("a", "b"))
    with torch.no_grad():
        norm = model.model.language_model.norm.weight
        norm.zero_()
        norm[0] = 1.0  # the final hidden state keeps one component...
        head = model.lm_head.weight
        head.zero_()
        head[a, 0], head[b, 0] = 10.0, -10.0  # ...whose sign picks "a" or "b"
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    (folder / "preprocessor_config.json").write_text((tiny_got_dir / "preprocessor_config.json").read_text())
    return folder


@pytest.fixture(scope="session")
def tiny_qwen2vl_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_qwen2vl(tmp_path_factory.mktemp("tiny-qwen2vl"))


@pytest.fixture
def png_path(tmp_path: Path) -> Path:
    path = tmp_path / "hello.png"
    text_image().save(path)
    return path


@pytest.fixture
def pdf3_path(tmp_path: Path) -> Path:
    path = tmp_path / "three.pdf"
    pages = [text_image(f"Page {i}", (300, 400)) for i in (1, 2, 3)]
    pages[0].save(path, save_all=True, append_images=pages[1:])
    return path


@pytest.fixture(scope="session")
def line_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny genocr-small v2 line reader (random weights, alphabet "abc "), saved as a folder."""
    from genocr.models.line import LineConfig
    from genocr.models.line_net import LineNet, save_line_model

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("line") / "m"
    save_line_model(LineNet(LineConfig.from_dict({"channels": [8, 8, 16, 16], "dim": 16, "layers": 1, "heads": 2,
                                                  "alphabet": "abc "})), folder)
    return folder
