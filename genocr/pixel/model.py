"""A small UPOCR-style unified image-to-image network for the three pixel-level text tasks.

UPOCR (ICML 2024) is one encoder-decoder with U-Net skips in which the task is chosen only by
a learned prompt vector added to the bottleneck feature, and every task maps RGB to RGB
(removal: the clean image; segmentation: white text on black; tamper: a red/green/blue class
map). This is the same design at CPU size: ConvNeXt-style blocks instead of SwinV2 (no timm,
and it works at any size divisible by 32), global self-attention at the 1/32 bottleneck, and
3-channel heads at 1/4, 1/2 and full scale, without a sigmoid (outputs are clamped at use).

The encoder starts at 1/4 scale, and a stroke edge seen only from there is blurred: a text
mask pooled to 1/4 and scaled back keeps an fgIoU of about 0.80 against itself. The optional
``detail`` branch (a few convolutions on the input at full scale, fused at 1/2 and full
scale) gives the heads the pixels themselves. Its fusing layers start at zero, so a network
grown from a checkpoint without it computes exactly what that checkpoint did.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from genocr.errors import ModelError

TASKS = ("removal", "segmentation", "tamper")  # prompt index = position: never reorder
FAMILY = "genocr-pixel"


@dataclass(frozen=True)
class PixelConfig:
    channels: tuple[int, ...] = (32, 64, 128, 256)  # encoder stages at 1/4, 1/8, 1/16, 1/32
    depths: tuple[int, ...] = (2, 2, 2, 2)  # blocks per encoder stage (mirrored in the decoder)
    heads: int = 4  # of the bottleneck self-attention
    tile: int = 512  # inference tile (UPOCR's working resolution)
    n_tasks: int = len(TASKS)
    detail: int = 0  # channels of the full-scale branch on the input (0: none, as runs 1-5)


SIZES = {
    "tiny": PixelConfig(channels=(8, 16, 24, 32), depths=(1, 1, 1, 1), heads=2, tile=64, detail=4),
    "small": PixelConfig(),
    "small-fullres": PixelConfig(detail=16),
}


class LayerNorm2d(nn.LayerNorm):
    """LayerNorm over channels at each pixel: statistics never depend on the tile size."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return super().forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2)


class ConvBlock(nn.Module):
    """ConvNeXt block: 7x7 depthwise conv, norm, 4x pointwise MLP, residual."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.dw = nn.Conv2d(c, c, 7, padding=3, groups=c)
        self.norm = LayerNorm2d(c)
        self.mlp = nn.Sequential(nn.Conv2d(c, 4 * c, 1), nn.GELU(), nn.Conv2d(4 * c, c, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.mlp(self.norm(self.dw(x)))


class AttentionBlock(nn.Module):
    """Pre-norm transformer block over all bottleneck positions (global context, as SwinV2's last stage)."""

    def __init__(self, c: int, heads: int) -> None:
        super().__init__()
        self.norm1, self.norm2 = nn.LayerNorm(c), nn.LayerNorm(c)
        self.attn = nn.MultiheadAttention(c, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(c, 4 * c), nn.GELU(), nn.Linear(4 * c, c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        t = x.flatten(2).transpose(1, 2)
        n = self.norm1(t)
        t = t + self.attn(n, n, n, need_weights=False)[0]
        t = t + self.mlp(self.norm2(t))
        return t.transpose(1, 2).reshape(b, c, h, w)


def up(c_in: int, c_out: int) -> nn.Module:
    """2x upsampling as UPOCR's PatchSplit: pointwise projection, then pixel shuffle."""
    return nn.Sequential(nn.Conv2d(c_in, 4 * c_out, 1), nn.PixelShuffle(2))


def zero_(layer: nn.Module) -> nn.Module:
    """Zero a layer's weight and bias: a new path that adds nothing until training moves it."""
    for p in layer.parameters():
        nn.init.zeros_(p)
    return layer


class Refine(nn.Module):
    """A residual 3x3 conv at full scale, where the detail branch meets the decoder: it starts as
    the identity. (A ConvBlock here made a training step twice as slow for the same job.)"""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv, self.out = nn.Conv2d(c, c, 3, padding=1), zero_(nn.Conv2d(c, c, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.out(F.gelu(self.conv(x)))


def lateral(c: int) -> nn.Module:
    """The skip from an encoder stage, added to the decoder feature of the same scale."""
    return nn.Sequential(nn.Conv2d(c, c, 1), nn.GELU(), nn.Conv2d(c, c, 3, padding=1))


class PixelNet(nn.Module):
    def __init__(self, config: PixelConfig) -> None:
        super().__init__()
        self.config = config
        ch, dp = config.channels, config.depths
        self.stem = nn.Sequential(nn.Conv2d(3, ch[0], 4, stride=4), LayerNorm2d(ch[0]))
        self.down = nn.ModuleList(
            nn.Sequential(LayerNorm2d(ch[i]), nn.Conv2d(ch[i], ch[i + 1], 2, stride=2)) for i in range(3))
        self.encoder = nn.ModuleList(nn.Sequential(*[ConvBlock(c) for _ in range(d)]) for c, d in zip(ch, dp))
        self.proj = nn.Conv2d(ch[3], ch[3], 1)
        self.prompt = nn.Embedding(config.n_tasks, ch[3])
        nn.init.kaiming_normal_(self.prompt.weight)
        self.bottleneck = nn.Sequential(*[AttentionBlock(ch[3], config.heads) for _ in range(dp[3])])
        self.ups = nn.ModuleList(up(ch[i + 1], ch[i]) for i in reversed(range(3)))  # 1/32 -> 1/4
        self.laterals = nn.ModuleList(lateral(ch[i]) for i in reversed(range(3)))
        self.decoder = nn.ModuleList(nn.Sequential(*[ConvBlock(ch[i]) for _ in range(dp[i])]) for i in reversed(range(3)))
        half = ch[0] // 2
        self.to_half, self.to_full = up(ch[0], half), up(half, half)
        self.half_blocks = ConvBlock(half)
        self.heads = nn.ModuleList(nn.Conv2d(c, 3, 3, padding=1) for c in (ch[0], half, half))
        if d := config.detail:
            self.detail = nn.Sequential(nn.Conv2d(3, d, 3, padding=1), nn.GELU(), nn.Conv2d(d, d, 3, padding=1), nn.GELU())
            self.detail_half = zero_(nn.Conv2d(d, half, 2, stride=2))
            self.detail_full = zero_(nn.Conv2d(d, half, 1))
            self.refine = Refine(half)

    def forward(self, x: torch.Tensor, task: torch.Tensor) -> list[torch.Tensor]:
        """RGB in [0, 1] (any size) and task indices -> RGB outputs at 1/4, 1/2 and full scale."""
        h, w = x.shape[-2:]
        x = F.pad(x, (0, -w % 32, 0, -h % 32), mode="replicate")
        feats, f = [], self.stem(x)
        for i, stage in enumerate(self.encoder):
            f = stage(self.down[i - 1](f) if i else f)
            feats.append(f)
        f = self.bottleneck(self.proj(f) + self.prompt(task)[:, :, None, None])
        for upsample, skip, stage, enc in zip(self.ups, self.laterals, self.decoder, reversed(feats[:3])):
            f = stage(upsample(f) + skip(enc))
        quarter = self.heads[0](f)
        f = self.to_half(f)
        if self.config.detail:
            pixels = self.detail(x)
            f = f + self.detail_half(pixels)
        f = self.half_blocks(f)
        half = self.heads[1](f)
        f = self.to_full(f)
        if self.config.detail:
            f = self.refine(f + self.detail_full(pixels))
        full = self.heads[2](f)
        return [o[..., : -(-h // s), : -(-w // s)] for o, s in ((quarter, 4), (half, 2), (full, 1))]


def size_config(size: str) -> PixelConfig:
    if size not in SIZES:
        raise ModelError(f"unknown pixel model size '{size}' (known: {', '.join(SIZES)})")
    return SIZES[size]


def build(size: str = "small") -> PixelNet:
    return PixelNet(size_config(size))


def save_pretrained(net: PixelNet, folder: str | Path) -> None:
    """Write ``config.json`` + ``model.safetensors`` (never pickle: loading runs no code)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    config = {"genocr_family": FAMILY, "model_type": FAMILY, "tasks": list(TASKS), **asdict(net.config)}
    (folder / "config.json").write_text(json.dumps(config, indent=2))
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(folder / "model.safetensors"))


def from_pretrained(folder: str | Path, config: PixelConfig | None = None) -> PixelNet:
    """Load a checkpoint; ``config`` builds that architecture instead, which may only add the
    ``detail`` branch to the checkpoint's (fine-tuning a grown network: the branch starts fresh)."""
    from safetensors import SafetensorError

    folder = Path(folder)
    try:
        data = json.loads((folder / "config.json").read_text())
        if not isinstance(data, dict):
            raise ModelError(f"{folder / 'config.json'}: not a JSON object")
        if (tasks := data.pop("tasks", None)) != list(TASKS):
            raise ModelError(f"{folder}: trained for tasks {tasks}, not {list(TASKS)}")
        fields = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in PixelConfig.__dataclass_fields__}
        saved = PixelConfig(**fields)
        grow = config is not None and config != saved
        if grow and (saved.detail or replace(config, detail=0) != saved):
            raise ModelError(f"{folder}: a checkpoint of {saved} can only grow a detail branch, not become {config}")
        net = PixelNet(config if grow else saved)
        net.load_state_dict(load_file(str(folder / "model.safetensors")), strict=not grow)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, SafetensorError) as exc:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise ModelError(f"cannot load pixel model from {folder}: {first}") from None
    return net.eval()
