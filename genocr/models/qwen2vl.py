"""Qwen2-VL through transformers: native dynamic resolution (tokens grow with image area), M-RoPE."""
from __future__ import annotations

import torch
from PIL import Image
from transformers import Qwen2VLForConditionalGeneration

from genocr.models.base import OCRModel
from genocr.models.registry import register_family
from genocr.tasks import Query, qwen_prompt


@register_family("qwen2_vl")
class Qwen2VL(OCRModel):
    """Reads each image at its own resolution; regions use Qwen2-VL's grounding tokens."""

    family = "qwen2-vl"
    model_class = Qwen2VLForConditionalGeneration
    features = frozenset({"box", "color", "multi_page"})

    def prepare(self, views: list[Image.Image], query: Query) -> dict[str, torch.Tensor]:
        vision = self.image_processor(images=views, return_tensors="pt")
        grid = vision["image_grid_thw"]
        merge = self.image_processor.merge_size
        counts = (grid.prod(dim=-1) // (merge * merge)).tolist()
        inputs = self.tokenize(qwen_prompt(query, counts))
        inputs["pixel_values"] = vision["pixel_values"].to(self.device, self.model.dtype)
        inputs["image_grid_thw"] = grid.to(self.device)
        return inputs
