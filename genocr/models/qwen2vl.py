"""Qwen2-VL through transformers: native dynamic resolution (tokens grow with image area), M-RoPE."""
from __future__ import annotations

import torch
from PIL import Image
from torch import nn
from transformers import Qwen2VLForConditionalGeneration

from genocr.models.base import OCRModel
from genocr.models.registry import FAMILY_FEATURES, register_family
from genocr.tasks import Query, qwen_prompt


@register_family("qwen2_vl")
class Qwen2VL(OCRModel):
    """Reads each image at its own resolution; regions use Qwen2-VL's grounding tokens."""

    family = "qwen2-vl"
    model_class = Qwen2VLForConditionalGeneration
    features = FAMILY_FEATURES["qwen2_vl"]

    def for_inference(self) -> "Qwen2VL":
        fold_quick_gelu(self.model.model.visual)
        return self

    def prepare(self, views: list[Image.Image], query: Query) -> dict[str, torch.Tensor]:
        vision = self.image_processor(images=views, return_tensors="pt")
        grid = vision["image_grid_thw"]
        merge = self.image_processor.merge_size
        counts = (grid.prod(dim=-1) // (merge * merge)).tolist()
        inputs = self.tokenize(qwen_prompt(query, counts))
        inputs["pixel_values"] = vision["pixel_values"].to(self.device, self.model.dtype)
        inputs["image_grid_thw"] = grid.to(self.device)
        return inputs


QUICK_GELU = 1.702  # QuickGELU(x) = x * sigmoid(1.702 x)


def fold_quick_gelu(visual: nn.Module) -> None:
    """Make the vision MLPs' QuickGELU one fused SiLU computing the same function.

    x * sigmoid(1.702 x) is silu(1.702 x) / 1.702, so scaling fc1's weight and bias by 1.702
    and fc2's weight (not its bias) by the inverse leaves each MLP's function unchanged; outputs
    agree up to rounding (about 1e-5 in fp32, more in bf16). On a CPU QuickGELU takes three
    elementwise passes over the MLP's widest activations and SiLU one, about 3x faster. The
    config says silu afterwards, so a saved model reloads as it is."""
    config = visual.config
    if config.hidden_act != "quick_gelu":
        return
    with torch.no_grad():
        for block in visual.blocks:
            mlp = block.mlp
            for tensor, scale in ((mlp.fc1.weight, QUICK_GELU), (mlp.fc1.bias, QUICK_GELU), (mlp.fc2.weight, 1 / QUICK_GELU)):
                tensor.copy_(tensor.float() * scale)  # in fp32, then rounded once to the weights' dtype
            mlp.act = nn.SiLU()
    config.hidden_act = "silu"
