"""Qwen2-VL through transformers: native dynamic resolution (tokens grow with image area), M-RoPE."""
from __future__ import annotations

import torch
from PIL import Image
from transformers import AutoImageProcessor, AutoTokenizer, Qwen2VLForConditionalGeneration

from genocr.models.base import OCRModel, torch_dtype
from genocr.models.registry import register_family
from genocr.tasks import Query, qwen_prompt


@register_family("qwen2_vl")
class Qwen2VL(OCRModel):
    """Reads each image at its own resolution; regions use Qwen2-VL's grounding tokens."""

    family = "qwen2-vl"
    features = frozenset({"box", "color", "multi_page"})

    @classmethod
    def from_pretrained(cls, path: str, name: str, device: str = "cpu") -> "Qwen2VL":
        model = Qwen2VLForConditionalGeneration.from_pretrained(path, dtype=torch_dtype(device))
        return cls(
            name,
            model.to(device).eval(),
            AutoTokenizer.from_pretrained(path),
            AutoImageProcessor.from_pretrained(path, backend="pil"),
        )

    def prepare(self, views: list[Image.Image], query: Query) -> dict[str, torch.Tensor]:
        vision = self.image_processor(images=views, return_tensors="pt")
        grid = vision["image_grid_thw"]
        merge = self.image_processor.merge_size
        counts = (grid.prod(dim=-1) // (merge * merge)).tolist()
        inputs = self.tokenize(qwen_prompt(query, counts))
        inputs["pixel_values"] = vision["pixel_values"].to(self.device, self.model.dtype)
        inputs["image_grid_thw"] = grid.to(self.device)
        return inputs
