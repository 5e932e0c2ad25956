"""genocr-small: our own OCR-2.0 family, a small Qwen2-VL trained from scratch.

It keeps Qwen2-VL's native dynamic resolution and 2-D rotary positions (one token per 16x16
px in the shipped size, so tokens grow with the text's length) and speaks GOT's query language
in a compact prompt. On a CPU it reads a page as a batch of line slices
(``genocr.layout.lines``): a small model cannot compress a dense page into a few hundred tokens the way a 560M one does.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import torch
from PIL import Image
from transformers import Qwen2VLConfig, Qwen2VLForConditionalGeneration

from genocr.models.ctc import CTC_FILE, VisionCTC
from genocr.models.qwen2vl import Qwen2VL
from genocr.models.registry import FAMILY_FEATURES, register_family
from genocr.predict.decode import DecodeConfig, Generation, generate
from genocr.tasks import Query, compact_prompt

MERGE = 2  # patches per image token side, as in Qwen2-VL

# Named sizes: "tiny" for tests, "small" for the shipped CPU model. "small" uses 8-px patches,
# one token per 16x16 px (about one character of a 32-px line): with 32x32-px tokens (three
# characters each) and a 4,096-word vocabulary the first run had learnt no alignment between
# text and image after 40k lines (held-out CER 0.83, docs/training/genocr-small-run1).
SIZES: dict[str, dict[str, Any]] = {
    "tiny": {"patch": 16, "vision": (1, 32, 2), "text": (64, 1, 2, 1, 128), "mrope": [4, 6, 6]},
    "small": {"patch": 8, "vision": (4, 192, 4), "text": (256, 4, 4, 2, 768), "mrope": [8, 12, 12]},
}


def build_config(size: str, tokenizer: Any, view_height: int = 32, max_width: int = 1024,
                 stretch: float = 1.0) -> Qwen2VLConfig:
    """A from-scratch Qwen2-VL config sized for a 2-core CPU, wired to GOT's image tokens."""
    spec = SIZES[size]
    depth, embed, vheads = spec["vision"]
    hidden, layers, heads, kv, inter = spec["text"]
    ids = {t: tokenizer.convert_tokens_to_ids(t) for t in ("<img>", "</img>", "<imgpad>")}
    special = dict(bos_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
                   pad_token_id=tokenizer.pad_token_id)
    return Qwen2VLConfig(
        text_config=dict(vocab_size=len(tokenizer), hidden_size=hidden, intermediate_size=inter,
                         num_hidden_layers=layers, num_attention_heads=heads, num_key_value_heads=kv,
                         max_position_embeddings=4096, tie_word_embeddings=True,
                         rope_parameters={"rope_type": "default", "rope_theta": 10000.0, "mrope_section": spec["mrope"]},
                         **special),
        vision_config=dict(depth=depth, embed_dim=embed, hidden_size=hidden, num_heads=vheads, mlp_ratio=4,
                           patch_size=spec["patch"], spatial_merge_size=MERGE, temporal_patch_size=2, in_chans=3),
        image_token_id=ids["<imgpad>"], video_token_id=ids["<imgpad>"],
        vision_start_token_id=ids["<img>"], vision_end_token_id=ids["</img>"],
        tie_word_embeddings=True,
        genocr_family="genocr_small", genocr_view_height=view_height, genocr_max_width=max_width,
        genocr_stretch=stretch,
        **special,
    )


def token_side(config: Qwen2VLConfig) -> int:
    """Pixels per side of one image token."""
    return config.vision_config.patch_size * config.vision_config.spatial_merge_size


def build_image_processor(config: Qwen2VLConfig) -> Any:
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    h, w, unit = config.genocr_view_height, config.genocr_max_width, token_side(config)
    return Qwen2VLImageProcessorPil(patch_size=config.vision_config.patch_size, merge_size=MERGE,
                                    temporal_patch_size=2, min_pixels=unit * unit, max_pixels=8 * h * w)


def fit_view(image: Image.Image, height: int, max_width: int, unit: int = 32, stretch: float = 1.0) -> Image.Image:
    """Scale a line slice to ``height`` px and its width by the same factor times ``stretch``
    (a multiple of ``unit``, at most ``max_width``)."""
    w, h = image.size
    width = max(unit, min(max_width, round(w * stretch * height / h / unit) * unit))
    return image.convert("RGB").resize((width, height), Image.BICUBIC)


def set_view(config: Qwen2VLConfig, stretch: float, max_width: int) -> None:
    """Set how line slices are scaled into views: a horizontal ``stretch`` gives each character
    more of the encoder's 8-px columns (CTC needs at least one per character, and a blank
    between doubled letters); ``max_width`` bounds the widest view."""
    config.genocr_stretch, config.genocr_max_width = stretch, max_width


@register_family("genocr_small")
class GenocrSmall(Qwen2VL):
    """Reads line slices; the reader cuts pages into lines for it."""

    family = "genocr-small"
    features = FAMILY_FEATURES["genocr_small"]
    reads_lines = True
    ctc: VisionCTC | None = None  # the encoder's CTC head, when the checkpoint has one

    @classmethod
    def from_pretrained(cls, path: str, name: str, device: str = "cpu", dtype: str = "auto",
                        threads: int | None = None) -> "GenocrSmall":
        model = super().from_pretrained(path, name, device, dtype, threads)
        if (Path(path) / CTC_FILE).is_file():
            model.ctc = VisionCTC(model.model)
            model.ctc.load(Path(path), model.tokenizer)
            model.ctc.to(model.device, model.model.dtype)
        return model

    def read_lines(self, crops: list[Image.Image], task: str, decode: DecodeConfig) -> list[Generation]:
        """One batch of line slices: in one encoder pass by the CTC head when the checkpoint has
        one (no token-by-token loop), else by batched greedy decoding."""
        if self.ctc is None:
            inputs = self.prepare_batch(crops, Query(task=task))
            return generate(self.model, self.tokenizer, inputs, self.stop_ids, decode)
        start = time.perf_counter()
        vision, counts = self.encode(self.views(crops))
        grid = vision["image_grid_thw"].to(self.device)
        with torch.no_grad():
            states = self.model.model.visual(vision["pixel_values"].to(self.device, self.model.dtype),
                                             grid_thw=grid).last_hidden_state
            texts = self.ctc.decode(states, grid)
        each = (time.perf_counter() - start) / max(1, len(texts))
        return [Generation(t.strip(), n, len(t), "stop", each) for t, n in zip(texts, counts)]

    @classmethod
    def build(cls, size: str, tokenizer: Any, name: str = "genocr-small", **config: Any) -> "GenocrSmall":
        """A new randomly initialised model, for training."""
        cfg = build_config(size, tokenizer, **config)
        return cls(name, Qwen2VLForConditionalGeneration(cfg), tokenizer, build_image_processor(cfg))

    def views(self, images: list[Image.Image]) -> list[Image.Image]:
        c = self.model.config
        stretch = getattr(c, "genocr_stretch", 1.0)  # checkpoints from before stretching: 1
        return [fit_view(im, c.genocr_view_height, c.genocr_max_width, token_side(c), stretch) for im in images]

    def encode(self, views: list[Image.Image]) -> tuple[dict[str, torch.Tensor], list[int]]:
        """Pixels and grids for already fitted views, and the image tokens each one takes."""
        vision = self.image_processor(images=views, return_tensors="pt")
        counts = (vision["image_grid_thw"].prod(dim=-1) // (MERGE * MERGE)).tolist()
        return {"pixel_values": vision["pixel_values"], "image_grid_thw": vision["image_grid_thw"]}, counts

    def prompt(self, query: Query, counts: list[int]) -> str:
        return compact_prompt(query, counts)

    def prepare(self, views: list[Image.Image], query: Query) -> dict[str, torch.Tensor]:
        vision, counts = self.encode(self.views(views))
        inputs = self.tokenize(self.prompt(query, counts))
        return self._with_vision(inputs, vision)

    def prepare_batch(self, views: list[Image.Image], query: Query) -> dict[str, torch.Tensor]:
        """One left-padded prompt per view, for batched decoding of line slices."""
        vision, counts = self.encode(self.views(views))
        self.tokenizer.padding_side = "left"
        enc = self.tokenizer([self.prompt(query, [n]) for n in counts], add_special_tokens=False,
                             padding=True, return_tensors="pt")
        return self._with_vision({"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}, vision)

    def _with_vision(self, inputs: dict[str, torch.Tensor], vision: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        inputs = {k: v.to(self.device) for k, v in inputs.items()}
        inputs["pixel_values"] = vision["pixel_values"].to(self.device, self.model.dtype)
        inputs["image_grid_thw"] = vision["image_grid_thw"].to(self.device)
        return inputs
