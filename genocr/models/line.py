"""genocr-small v2: a convolutional line reader with a CTC head, sized for a 2-core CPU.

The first genocr-small read lines with a Qwen2-VL vision transformer: about sixteen encoder
tokens per character, 90% of a page's time. The field's CPU readers (PP-OCR, docTR's CRNNs;
``shared/research/cpu-models.md``) instead shrink the image with convolutions first and mix
context over a short sequence. This one does the same:

- a **trunk** of 3x3 convolutions takes a grey line view to 1/8 of its height and width; it
  keeps a 2-D map, so that a decoder that needs rows (formulas, tables) can read the same
  features;
- a **neck** halves the height once more, averages the rows away and runs two transformer
  layers over the columns (one column per 8 px of a 32-px-high view);
- a **CTC head** spells ``upsample`` steps per column (a blank between doubled narrow letters
  needs more than one step per 8 px), one label per glyph of :data:`ALPHABET`.

Views are normalised before the network sees them (:func:`line_tensor`): the paper is made
light whatever its colour, and the contrast stretched, so a white heading on a dark bar or text
on a shaded box reaches the network as dark ink on light paper.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image
from torch import nn

from genocr.errors import ModelError, OptionError
from genocr.models.base import OCRModel, check_device
from genocr.models.ctc import ALPHABET
from genocr.models.registry import FAMILY_FEATURES, register_family
from genocr.predict.generation import DecodeConfig, Generation
from genocr.tasks import Query

FAMILY = "genocr_line"
WEIGHTS_FILE = "model.safetensors"
STRIDE = 8  # trunk stride in both directions: one column per 8 px of the view


@dataclass
class LineConfig:
    """The architecture of a line reader; saved as ``config.json`` beside its weights."""

    height: int = 32  # view height in px
    channels: tuple[int, int, int, int] = (32, 64, 128, 192)  # trunk stages (/2, /4, /8) and neck
    dim: int = 192  # width of the column sequence
    layers: int = 2  # transformer layers over the columns
    heads: int = 4
    upsample: int = 3  # CTC steps per column
    max_width: int = 4096  # widest view in px; wider lines are squeezed
    alphabet: str = ALPHABET
    extra: dict[str, Any] = field(default_factory=dict)  # free-form notes (training run, data version)

    @classmethod
    def from_dict(cls, data: Any) -> "LineConfig":
        if not isinstance(data, dict):
            raise ModelError("config.json is not a JSON object")
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        try:
            config = cls(**known)
            config.channels = tuple(int(c) for c in config.channels)  # type: ignore[assignment]
        except (TypeError, ValueError) as exc:
            raise ModelError(f"config.json does not describe a line reader ({exc})") from None
        if len(config.channels) != 4 or min(config.channels) < 1 or config.dim % config.heads:
            raise ModelError("config.json: channels needs 4 positive sizes and dim a multiple of heads")
        if not isinstance(config.alphabet, str) or len(set(config.alphabet)) != len(config.alphabet):
            raise ModelError("config.json: alphabet must be a string without repeated characters")
        return config

    def to_dict(self) -> dict[str, Any]:
        return {"genocr_family": FAMILY, "model_type": FAMILY, **asdict(self)}


def _conv(cin: int, cout: int, stride: int | tuple[int, int] = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class _Residual(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.body = nn.Sequential(_conv(channels, channels), nn.Conv2d(channels, channels, 3, 1, 1, bias=False),
                                  nn.BatchNorm2d(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x + self.body(x))


class Trunk(nn.Module):
    """Grey view (B, 1, H, W) -> feature map (B, C, H/8, W/8)."""

    def __init__(self, channels: tuple[int, ...]) -> None:
        super().__init__()
        c1, c2, c3 = channels[:3]
        self.layers = nn.Sequential(_conv(1, c1, 2), _conv(c1, c2, 2), _Residual(c2),
                                    _conv(c2, c3, 2), _Residual(c3), _Residual(c3))
        self.out_channels = c3

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class LineNet(nn.Module):
    """Trunk, neck and CTC head: views in, per-step label scores out."""

    def __init__(self, config: LineConfig) -> None:
        super().__init__()
        self.config = config
        c = config
        self.trunk = Trunk(c.channels)
        self.neck = nn.Sequential(_conv(self.trunk.out_channels, c.channels[3], (2, 1)), _Residual(c.channels[3]))
        self.project = nn.Linear(c.channels[3], c.dim)
        # A depthwise convolution gives the columns their relative positions at any width.
        self.position = nn.Conv1d(c.dim, c.dim, 7, padding=3, groups=c.dim)
        layer = nn.TransformerEncoderLayer(c.dim, c.heads, 2 * c.dim, dropout=0.0, batch_first=True, norm_first=True)
        self.mixer = nn.TransformerEncoder(layer, c.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(c.dim)
        self.head = nn.Linear(c.dim, c.upsample * (len(c.alphabet) + 1))

    @property
    def blank(self) -> int:
        return len(self.config.alphabet)

    def forward(self, views: torch.Tensor, widths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, 1, H, W) views of true ``widths`` px -> log-probabilities (B, T, alphabet + 1)
        and the number of valid steps of each view."""
        cols = self.neck(self.trunk(views)).mean(2).transpose(1, 2)  # (B, W/8, C)
        x = self.project(cols)
        steps = torch.div(widths + STRIDE - 1, STRIDE, rounding_mode="floor").clamp(max=x.shape[1])
        pad = torch.arange(x.shape[1], device=x.device)[None] >= steps[:, None]
        x = x + self.position(x.transpose(1, 2)).transpose(1, 2)
        x = self.norm(self.mixer(x, src_key_padding_mask=pad if bool(pad.any()) else None))
        b, t, _ = x.shape
        logits = self.head(x).view(b, t * self.config.upsample, self.blank + 1)
        return logits.float().log_softmax(-1), steps * self.config.upsample

    def encode(self, text: str) -> list[int]:
        """Labels that spell ``text``; characters outside the alphabet are left out."""
        index = self._index()
        return [index[c] for c in text if c in index]

    def _index(self) -> dict[str, int]:
        if getattr(self, "_index_cache", None) is None:
            self._index_cache = {c: i for i, c in enumerate(self.config.alphabet)}
        return self._index_cache

    def decode(self, log_probs: torch.Tensor, steps: torch.Tensor) -> list[tuple[str, float]]:
        """Greedy CTC per view: text, and its confidence (the mean best-path probability of
        the steps that emitted a character; 1.0 for an empty reading)."""
        best, labels = log_probs.max(-1)
        out = []
        for row, lab, n in zip(best.tolist(), labels.tolist(), steps.tolist()):
            chars, probs, prev = [], [], self.blank
            for p, c in zip(row[:n], lab[:n]):
                if c != self.blank and c != prev:
                    chars.append(self.config.alphabet[c])
                    probs.append(math.exp(p))
                prev = c
            out.append(("".join(chars), sum(probs) / len(probs) if probs else 1.0))
        return out

    def extend_alphabet(self, characters: str) -> None:
        """Add characters to the alphabet: new head rows start at zero weight and a low bias,
        so the model reads exactly as before until it is trained on them."""
        new = "".join(dict.fromkeys(c for c in characters if c not in self._index()))
        if not new:
            return
        u, old_n, dim = self.config.upsample, self.blank + 1, self.config.dim
        n = old_n + len(new)
        head = nn.Linear(dim, u * n).to(self.head.weight.device)
        with torch.no_grad():
            head.weight.zero_()
            head.bias.fill_(-10.0)
            w, bias = self.head.weight.view(u, old_n, dim), self.head.bias.view(u, old_n)
            hw, hb = head.weight.view(u, n, dim), head.bias.view(u, n)
            hw[:, : old_n - 1], hb[:, : old_n - 1] = w[:, :-1], bias[:, :-1]  # letters keep their rows
            hw[:, -1], hb[:, -1] = w[:, -1], bias[:, -1]  # the blank stays last
        self.head = head
        self.config.alphabet += new
        self._index_cache = None


def line_array(image: Image.Image, height: int, max_width: int) -> np.ndarray:
    """A line crop as the network sees it: grey, ``height`` px high, width by the aspect ratio
    (at most ``max_width``), paper light and ink dark, contrast stretched to 0..1 (ink -> 1)."""
    grey = image.convert("L")
    w, h = grey.size
    width = max(STRIDE, min(max_width, round(w * height / max(1, h))))
    a = np.asarray(grey.resize((width, height), Image.BILINEAR), dtype=np.float32)
    lo, mid, hi = np.percentile(a, (2, 50, 98))
    if mid - lo < hi - mid:  # the paper (the median) is nearer the dark end: light text on dark
        a = 255.0 - a
        lo, hi = 255.0 - hi, 255.0 - lo
    if hi - lo < 16:  # a blank crop: keep its (tiny) contrast rather than amplify noise
        lo, hi = min(lo, hi - 16), max(hi, lo + 16)
    return np.clip((hi - a) / (hi - lo), 0.0, 1.0)


def batch_tensor(arrays: list[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack normalised views into (B, 1, H, W), zero-padded (blank paper) to the widest, a
    multiple of the stride; and their true widths."""
    widths = [a.shape[1] for a in arrays]
    width = -(-max(widths) // STRIDE) * STRIDE
    out = np.zeros((len(arrays), 1, arrays[0].shape[0], width), dtype=np.float32)
    for i, a in enumerate(arrays):
        out[i, 0, :, : a.shape[1]] = a
    return torch.from_numpy(out), torch.tensor(widths)


def save_line_model(net: LineNet, folder: Path) -> None:
    """``config.json`` and ``model.safetensors``: everything a reader needs, no pickles."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(folder / WEIGHTS_FILE))
    (folder / "config.json").write_text(json.dumps(net.config.to_dict(), indent=2, ensure_ascii=False) + "\n")


def load_line_net(folder: str | Path) -> LineNet:
    """A line reader from its folder; a config or weights file that does not fit is one clear error."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    folder = Path(folder)
    try:
        config = LineConfig.from_dict(json.loads((folder / "config.json").read_text()))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{folder / 'config.json'}: cannot read ({type(exc).__name__})") from None
    net = LineNet(config)
    try:
        state = load_file(str(folder / WEIGHTS_FILE))
    except (OSError, SafetensorError) as exc:
        raise ModelError(f"{folder / WEIGHTS_FILE}: not a readable safetensors file ({exc})") from None
    expected = net.state_dict()
    wrong = [k for k in expected if k not in state or state[k].shape != expected[k].shape]
    if wrong or set(state) - set(expected):
        raise ModelError(f"{folder / WEIGHTS_FILE}: tensors do not match config.json (first: "
                         f"{(wrong or sorted(set(state) - set(expected)))[0]})")
    net.load_state_dict(state)
    return net


@register_family(FAMILY)
class GenocrLine(OCRModel):
    """genocr-small v2: reads line slices; the page reader finds the lines for it."""

    family = "genocr-small"
    features = FAMILY_FEATURES["genocr_line"]
    reads_lines = True
    model_class = LineNet

    def __init__(self, name: str, net: LineNet) -> None:
        super().__init__(name, net, tokenizer=None, image_processor=None)
        self.net = net

    @classmethod
    def from_pretrained(cls, path: str, name: str, device: str = "cpu", dtype: str = "auto") -> "GenocrLine":
        check_device(device)
        if dtype not in ("auto", "float32"):
            raise OptionError(f"model '{name}' runs in float32 only (asked for {dtype})")
        return cls(name, load_line_net(path).to(device).eval())

    @property
    def device(self) -> torch.device:
        return next(self.net.parameters()).device

    @property
    def stop_ids(self) -> list[int]:
        return []

    def prepare(self, views: list[Image.Image], query: Query) -> dict[str, torch.Tensor]:
        raise OptionError(f"model '{self.name}' reads line slices only")

    def read_lines(self, crops: list[Image.Image], task: str, decode: DecodeConfig) -> list[Generation]:
        """One batch of line slices in one pass: no token-by-token loop."""
        start = time.perf_counter()
        c = self.net.config
        views, widths = batch_tensor([line_array(im, c.height, c.max_width) for im in crops])
        with torch.inference_mode():
            log_probs, steps = self.net(views.to(self.device), widths.to(self.device))
        texts = self.net.decode(log_probs, steps)
        each = (time.perf_counter() - start) / max(1, len(crops))
        return [Generation(t.strip(), int(n), len(t), "stop", each) for (t, _), n in zip(texts, steps.tolist())]
