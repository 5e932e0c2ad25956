"""Run a pixel model on images of any size, and turn its RGB outputs into images and masks.

The network sees fixed tiles (UPOCR works at 512²) that overlap and are blended back with
weights that fall off towards each tile's edge, so seams from the tile borders do not show.

Two steps after the network make up for what a small network working from 1/4 scale does
not see sharply. The text mask's edge pixels are decided by the image's colours
(``genocr.pixel.refine``). Text removal keeps the input wherever that mask finds no text: the
network rebuilds full-resolution background only blurrily, so its erased pixels are pasted into
the input only on the (slightly grown) text mask. UPOCR decodes the network's output as it is;
``raw=True`` does too.
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np
import torch
from PIL import Image, ImageChops
from torch import nn

from genocr.errors import ModelError, OptionError
from genocr.models.base import check_device
from genocr.models.registry import WEIGHTS_DIR
from genocr.pixel.model import TASKS, from_pretrained
from genocr.pixel.refine import refine_mask

DEFAULT_PIXEL_MODEL = "genocr-pixel"
SEG_THRESHOLD = 0.4  # UPOCR's --textseg_conf_thres on the channel mean
TAMPERED = 2  # colour-map channel of tampered text (0 red background, 1 green real, 2 blue tampered)
CHANGED = 20  # grey-level change that counts as erased, as the pEPs metric counts an error
GROW = 2  # px the predicted text mask grows by before erased pixels are pasted (anti-aliased edges)


def _starts(length: int, tile: int, stride: int) -> list[int]:
    if length <= tile:
        return [0]
    return sorted({*range(0, length - tile, stride), length - tile})


def _ramp(n: int, overlap: int) -> torch.Tensor:
    """Blend weight along one tile axis: 1 inside, falling linearly (but never to 0) at the edges."""
    i = torch.arange(n, dtype=torch.float32)
    return torch.minimum(torch.minimum(i + 1, n - i), torch.tensor(float(max(overlap, 1)))) / max(overlap, 1)


def tiled(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, tile: int, overlap: int,
          batch: int = 4) -> torch.Tensor:
    """Apply ``fn`` (N,3,h,w -> N,3,h,w) to overlapping tiles of ``x`` (1,3,H,W) and blend them back."""
    _, c, h, w = x.shape
    th, tw = min(tile, h), min(tile, w)
    boxes = [(y, x0) for y in _starts(h, tile, tile - overlap) for x0 in _starts(w, tile, tile - overlap)]
    weight = _ramp(th, overlap)[:, None] * _ramp(tw, overlap)[None, :]
    out, norm = torch.zeros(c, h, w), torch.zeros(1, h, w)
    for i in range(0, len(boxes), batch):
        chunk = boxes[i : i + batch]
        ys = fn(torch.cat([x[:, :, y : y + th, x0 : x0 + tw] for y, x0 in chunk])).float().cpu()
        for (y, x0), tile_out in zip(chunk, ys):
            out[:, y : y + th, x0 : x0 + tw] += tile_out * weight
            norm[:, y : y + th, x0 : x0 + tw] += weight
    return (out / norm)[None]


def to_tensor(image: Image.Image) -> torch.Tensor:
    """(1,3,H,W) in [0, 1], without mean/std normalisation (as UPOCR)."""
    return torch.from_numpy(np.asarray(image.convert("RGB"), dtype=np.float32) / 255.0).permute(2, 0, 1)[None]


def decode(output: torch.Tensor, task: str) -> Image.Image:
    """One (3,H,W) output as the task's result: an RGB image for removal, an L mask (255 = text) otherwise."""
    if task == "removal":
        rgb = (output.clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()
        return Image.fromarray(rgb, "RGB")
    hit = output.clamp(0, 1).mean(0) > SEG_THRESHOLD if task == "segmentation" else output.argmax(0) == TAMPERED
    return Image.fromarray(hit.numpy().astype(np.uint8) * 255, "L")


def changed_mask(before: Image.Image, after: Image.Image) -> Image.Image:
    """Pixels whose grey level moved by more than ``CHANGED``: what an eraser removed."""
    diff = np.asarray(ImageChops.difference(before.convert("L"), after.convert("L")))
    return Image.fromarray(((diff > CHANGED) * 255).astype(np.uint8), "L")


def overlay(image: Image.Image, mask: Image.Image, color: tuple[int, int, int] = (255, 0, 0),
            alpha: float = 0.5) -> Image.Image:
    """``image`` with the mask's pixels tinted, so a result can be checked at a glance."""
    image = image.convert("RGB")
    tinted = Image.blend(image, Image.new("RGB", image.size, color), alpha)
    return Image.composite(tinted, image, mask.convert("L"))


def check_task(task: str) -> int:
    if task not in TASKS:
        raise OptionError(f"unknown pixel task '{task}' (known: {', '.join(TASKS)})")
    return TASKS.index(task)


class PixelModel:
    """A pixel network plus the tiling that lets it read images of any size."""

    def __init__(self, net: nn.Module, tile: int = 512, overlap: int = 64, device: str = "cpu",
                 raw: bool = False) -> None:  # fmt: skip
        self.net = net.to(device).eval()
        self.tile, self.overlap, self.device, self.raw = tile, min(overlap, tile // 2), device, raw

    @classmethod
    def load(cls, name_or_path: str = DEFAULT_PIXEL_MODEL, device: str = "cpu", raw: bool = False) -> "PixelModel":
        folder = WEIGHTS_DIR / name_or_path if name_or_path == DEFAULT_PIXEL_MODEL else Path(name_or_path).expanduser()
        if not (folder / "config.json").is_file():
            raise ModelError(f"pixel model '{name_or_path}' is not installed: no config.json in {folder}")
        check_device(device)
        net = from_pretrained(folder)
        return cls(net, tile=net.config.tile, device=device, raw=raw)

    @torch.no_grad()
    def predict(self, image: Image.Image, task: str) -> torch.Tensor:
        """The raw full-scale output (3,H,W) for ``image``, tile by tile."""
        ids = torch.tensor([check_task(task)], device=self.device)
        x = to_tensor(image)
        return tiled(lambda t: self.net(t.to(self.device), ids.expand(len(t)))[-1], x, self.tile, self.overlap)[0]

    def text_mask(self, image: Image.Image) -> np.ndarray:
        """Where ``image`` has text: the network's segmentation, its edges decided by colour."""
        score = self.predict(image, "segmentation").clamp(0, 1).mean(0).numpy()
        return refine_mask(np.asarray(image.convert("RGB")), score, SEG_THRESHOLD)

    def run(self, image: Image.Image, task: str) -> Image.Image:
        if self.raw:
            return decode(self.predict(image, task), task)
        if task == "segmentation":
            return Image.fromarray(self.text_mask(image).astype(np.uint8) * 255, "L")
        out = self.predict(image, task)
        if task == "removal":
            text = torch.from_numpy(self.text_mask(image)).float()[None, None]
            text = torch.nn.functional.max_pool2d(text, 2 * GROW + 1, stride=1, padding=GROW)[0] > 0
            out = torch.where(text, out, to_tensor(image)[0])
        return decode(out, task)
