"""The auxiliary CTC head reads the vision tower's patches column by column, left to right."""
import numpy as np
import torch
from PIL import Image

from conftest import build_tokenizer
from genocr.models.small import GenocrSmall
from genocr.train.ctc import VisionCTC


def test_columns_follow_the_image_left_to_right() -> None:
    model = GenocrSmall.build("tiny", build_tokenizer())
    ctc = VisionCTC(model.model)
    patch = model.model.config.vision_config.patch_size
    # Each patch column gets its own grey level; rows within a column share it.
    cols = np.repeat(np.arange(0, 240, 40, dtype=np.uint8), patch)
    image = Image.fromarray(np.tile(cols, (32, 1))).convert("RGB")
    vision, _ = model.encode([image])
    ctc.states = vision["pixel_values"][:, :1]  # the top-left pixel of each patch, as a 1-d state
    (columns,) = ctc.columns(vision["image_grid_thw"])
    assert columns.shape == (len(cols) // patch, 1)
    assert torch.all(columns[1:, 0] > columns[:-1, 0])  # brighter to the right, in order


def test_hook_keeps_states_only_while_training() -> None:
    model = GenocrSmall.build("tiny", build_tokenizer())
    ctc = VisionCTC(model.model)
    vision, _ = model.encode([Image.new("RGB", (64, 32), "white")])
    model.model.eval()
    model.model.model.visual(vision["pixel_values"], grid_thw=vision["image_grid_thw"])
    assert ctc.states is None
    model.model.train()
    model.model.model.visual(vision["pixel_values"], grid_thw=vision["image_grid_thw"])
    assert ctc.states is not None and ctc.states.shape[0] == int(vision["image_grid_thw"].prod())
    loss = ctc.loss(vision["image_grid_thw"], [[40, 41]])
    assert loss.ndim == 0 and torch.isfinite(loss)
