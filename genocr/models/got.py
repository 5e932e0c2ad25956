"""GOT-OCR2.0 through transformers' ``GotOcr2ForConditionalGeneration``, with GOT's own prompts."""
from __future__ import annotations

import torch
from PIL import Image
from transformers import GotOcr2ForConditionalGeneration

from genocr.models.base import OCRModel
from genocr.models.registry import FAMILY_FEATURES, register_family
from genocr.tasks import Query, got_prompt


@register_family("got_ocr2")
class GotOcr2(OCRModel):
    """SAM-style encoder (one token per 64x64 px) feeding a Qwen decoder; force-resized square views."""

    family = "got-ocr2"
    model_class = GotOcr2ForConditionalGeneration
    features = FAMILY_FEATURES["got_ocr2"]

    @property
    def tile_size(self) -> int:
        return int(self.image_processor.size["height"])

    @property
    def tokens_per_view(self) -> int:
        """Image tokens per view: the patch grid shrunk 4x by the two stride-2 convolutions."""
        vision = self.model.config.vision_config
        return (vision.image_size // vision.patch_size // 4) ** 2

    def prepare(self, views: list[Image.Image], query: Query) -> dict[str, torch.Tensor]:
        pixels = self.image_processor(views, return_tensors="pt")["pixel_values"]
        inputs = self.tokenize(got_prompt(query, [self.tokens_per_view] * len(views)))
        inputs["pixel_values"] = pixels.to(self.device, self.model.dtype)
        return inputs
