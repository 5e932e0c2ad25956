"""genocr-small's formatted reader: an autoregressive decoder that looks at the line reader's
2-D features and writes LaTeX, for a formula crop or a table crop (GOT's ``OCR with format: ``).

GOT post-trained a decoder on a pretrained encoder; here the encoder is genocr-small's
convolutional trunk, trained by CTC to read glyphs (stage 1), kept frozen, and the decoder is
trained on the data engine's formulas and tables (stage 2):

- the trunk's map (1/8 of the crop's height and width) goes through one trainable 3x3
  convolution (the features of a formula are not those of a text line) and a projection, and
  gets 2-D sinusoidal positions (row and column: fractions, scripts and table cells are placed
  in two dimensions; Qwen2-VL's M-RoPE does the same for its decoder);
- a small transformer decoder (3 layers, 256 wide) reads that memory through cross-attention
  and writes LaTeX tokens (:class:`LatexTokenizer`: a ``\\frac`` is one token, not five bytes).

Crops are scaled so that their glyphs come out as tall as in the trunk's line views (the median
height of the ink's connected components, about 14 px), so the frozen trunk sees print at the
size it learnt.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch
from PIL import Image
from torch import nn

from genocr.errors import ModelError
from genocr.models.line import FORMAT_CONFIG
from genocr.models.line_net import Trunk

FORMAT_FILE = "format.safetensors"
SPECIAL = ("<pad>", "<s>", "</s>", "<unk>")
PAD, BOS, EOS, UNK = range(4)
# LaTeX tokens: environment openers and closers whole, commands (with a star), escaped
# characters, then any other non-space character; a space is kept only where LaTeX needs it
# (after a command word before a letter), as the one token " ".
TOKEN = re.compile(r"\\(?:begin|end)\{[a-zA-Z*]+\}|\\[a-zA-Z]+\*?|\\.|\s+|.", re.S)


class LatexTokenizer:
    """LaTeX source <-> token ids over a fixed vocabulary (saved in the model's config)."""

    def __init__(self, vocab: list[str]) -> None:
        self.vocab = list(vocab)
        self.index = {t: i for i, t in enumerate(self.vocab)}

    @staticmethod
    def split(text: str, math: bool = False) -> list[str]:
        """Tokens of ``text``; a whitespace run becomes one " " (or one newline). In ``math``
        mode spaces mean nothing to LaTeX, so only the one a command word needs before a
        letter is kept: the same formula always has the same tokens."""
        out: list[str] = []
        for tok in TOKEN.findall(text.strip()):
            if tok.isspace():
                tok = "\n" if "\n" in tok else " "
            if tok == " " and (not out or out[-1] in (" ", "\n")):
                continue
            out.append(tok)
        if not math:
            return out
        kept = []
        for i, tok in enumerate(out):
            needed = (tok == " " and i + 1 < len(out) and re.fullmatch(r"\\[a-zA-Z]+", out[i - 1] if i else "")
                      and out[i + 1][:1].isalpha())
            if tok != " " or needed:
                kept.append(tok)
        return kept

    def encode(self, text: str) -> list[int]:
        """Ids of ``text``: a table (``\\begin{tabular}``) keeps its spaces, a formula only those
        LaTeX needs."""
        return [self.index.get(t, UNK) for t in self.split(text, math="tabular" not in text)]

    def decode(self, ids: list[int]) -> str:
        return "".join(self.vocab[i] for i in ids if i >= len(SPECIAL))

    @classmethod
    def build(cls, texts: list[str], min_count: int = 2) -> "LatexTokenizer":
        """The vocabulary of ``texts`` (tokens seen at least ``min_count`` times), plus every
        printable ASCII character, so any plain text can be spelt."""
        counts: dict[str, int] = {}
        for text in texts:
            for tok in cls.split(text, math="tabular" not in text):
                counts[tok] = counts.get(tok, 0) + 1
        ascii_ = [chr(c) for c in range(0x20, 0x7F)] + ["\n"]
        frequent = sorted(t for t, n in counts.items() if n >= min_count and t not in ascii_)
        return cls([*SPECIAL, *ascii_, *frequent])


@dataclass
class FormatConfig:
    """The decoder's architecture and vocabulary; the trunk's is the line reader's."""

    channels: tuple[int, ...] = (32, 64, 128, 192)  # the line reader's trunk (its first three)
    dim: int = 256
    layers: int = 3
    heads: int = 4
    max_tokens: int = 640
    glyph_px: float = 14.0  # crops are scaled so that the median glyph is this tall
    max_side: int = 1280  # ... and no side longer than this
    vocab: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any) -> "FormatConfig":
        if not isinstance(data, dict):
            raise ModelError(f"{FORMAT_CONFIG} is not a JSON object")
        try:
            config = cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
            config.channels = tuple(int(c) for c in config.channels)
        except (TypeError, ValueError) as exc:
            raise ModelError(f"{FORMAT_CONFIG} does not describe a format decoder ({exc})") from None
        sizes = (config.dim, config.layers, config.heads, config.max_tokens, config.max_side)
        if (any(not isinstance(v, int) or isinstance(v, bool) or v < 1 for v in sizes) or len(config.channels) < 3
                or min(config.channels) < 1 or config.dim % config.heads or config.dim % 4
                or not isinstance(config.vocab, list) or len(config.vocab) <= len(SPECIAL)
                or not all(isinstance(t, str) for t in config.vocab)):
            raise ModelError(f"{FORMAT_CONFIG}: dim, layers, heads, max_tokens and max_side must be positive integers "
                             "(dim a multiple of heads and of 4), channels at least 3, and vocab a list of tokens")
        return config


def element_array(image: Image.Image, glyph_px: float, max_side: int) -> np.ndarray:
    """A formula or table crop as the trunk sees it: grey, ink 1 on paper 0 (light text on dark
    inverted), scaled so its median glyph is ``glyph_px`` tall and no side exceeds ``max_side``;
    sides a multiple of 8."""
    import cv2

    grey = np.asarray(image.convert("L"), dtype=np.uint8)
    if np.median(grey) < 128:
        grey = 255 - grey
    _, ink = cv2.threshold(grey, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights = stats[1:, cv2.CC_STAT_HEIGHT]
    heights = heights[heights >= 3]
    glyph = float(np.median(heights)) if heights.size else glyph_px
    h, w = grey.shape
    scale = min(glyph_px / max(glyph, 1.0), max_side / max(h, w), 4.0)
    size = (max(8, round(w * scale / 8) * 8), max(8, round(h * scale / 8) * 8))
    a = np.asarray(Image.fromarray(grey).resize(size, Image.BILINEAR), dtype=np.float32)
    lo, hi = np.percentile(a, (1, 99))
    return np.clip((hi - a) / max(hi - lo, 16.0), 0.0, 1.0)


def batch_elements(arrays: list[np.ndarray]) -> torch.Tensor:
    """(B, 1, H, W), zero-padded (blank paper) to the largest."""
    h, w = max(a.shape[0] for a in arrays), max(a.shape[1] for a in arrays)
    out = np.zeros((len(arrays), 1, h, w), dtype=np.float32)
    for i, a in enumerate(arrays):
        out[i, 0, : a.shape[0], : a.shape[1]] = a
    return torch.from_numpy(out)


def _positions_2d(h: int, w: int, dim: int, device: torch.device) -> torch.Tensor:
    """(h*w, dim) sinusoidal positions: the first half of the channels encode the row, the
    second the column."""
    half = dim // 2
    freq = torch.exp(torch.arange(0, half, 2, device=device) * (-math.log(10000.0) / half))
    def axis(n: int) -> torch.Tensor:
        pos = torch.arange(n, device=device)[:, None] * freq[None]
        return torch.cat([pos.sin(), pos.cos()], dim=1)  # (n, half)
    rows, cols = axis(h), axis(w)
    return torch.cat([rows[:, None].expand(h, w, half), cols[None].expand(h, w, half)], dim=2).reshape(h * w, dim)


class _Attention(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.q, self.kv, self.o = nn.Linear(dim, dim), nn.Linear(dim, 2 * dim), nn.Linear(dim, dim)

    def split(self, x: torch.Tensor) -> torch.Tensor:
        b, n, d = x.shape
        return x.view(b, n, self.heads, d // self.heads).transpose(1, 2)

    def keys(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        k, v = self.kv(x).chunk(2, dim=-1)
        return self.split(k), self.split(v)

    def forward(self, x: torch.Tensor, k: torch.Tensor, v: torch.Tensor, causal: bool = False,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        out = nn.functional.scaled_dot_product_attention(self.split(self.q(x)), k, v, attn_mask=mask,
                                                         is_causal=causal and mask is None)
        b, h, n, e = out.shape
        return self.o(out.transpose(1, 2).reshape(b, n, h * e))


class _DecoderLayer(nn.Module):
    """Pre-norm: self-attention (causal, cached while generating), cross-attention, MLP."""

    def __init__(self, dim: int, heads: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.n1, self.n2, self.n3 = nn.LayerNorm(dim), nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.self_attn, self.cross = _Attention(dim, heads), _Attention(dim, heads)
        self.mlp = nn.Sequential(nn.Linear(dim, 4 * dim), nn.GELU(), nn.Linear(4 * dim, dim))
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, memory_kv: tuple[torch.Tensor, torch.Tensor],
                cache: list[torch.Tensor] | None = None) -> torch.Tensor:
        h = self.n1(x)
        k, v = self.self_attn.keys(h)
        if cache is not None:  # generating: append this step's keys to those of the steps before
            if cache:
                k, v = torch.cat([cache[0], k], dim=2), torch.cat([cache[1], v], dim=2)
            cache[:] = [k, v]
        x = x + self.drop(self.self_attn(h, k, v, causal=cache is None))
        x = x + self.drop(self.cross(self.n2(x), *memory_kv))
        return x + self.drop(self.mlp(self.n3(x)))


class FormatNet(nn.Module):
    def __init__(self, config: FormatConfig) -> None:
        super().__init__()
        self.config = c = config
        self.trunk = Trunk(c.channels)
        self.adapt = nn.Sequential(nn.Conv2d(self.trunk.out_channels, c.dim, 3, 1, 1), nn.GELU())
        self.embed = nn.Embedding(len(c.vocab), c.dim)
        nn.init.normal_(self.embed.weight, std=c.dim ** -0.5)  # tied to the output: logits start near 0
        self.layers = nn.ModuleList(_DecoderLayer(c.dim, c.heads) for _ in range(c.layers))
        self.norm = nn.LayerNorm(c.dim)

    def extend_vocab(self, tokens: list[str]) -> None:
        """Add tokens to the vocabulary: new embedding rows (tied to the output) start small, so
        their logits sit near zero, below what the trained decoder emits, until trained."""
        known = set(self.config.vocab)
        new = [t for t in dict.fromkeys(tokens) if t not in known]
        if not new:
            return
        old = self.embed.weight
        embed = nn.Embedding(len(self.config.vocab) + len(new), self.config.dim).to(old.device, old.dtype)
        with torch.no_grad():
            nn.init.normal_(embed.weight, std=self.config.dim ** -0.5)
            embed.weight[: len(old)] = old
        self.embed = embed
        self.config.vocab = [*self.config.vocab, *new]

    def memory(self, views: torch.Tensor) -> torch.Tensor:
        """(B, h*w, dim): the trunk's map, adapted, with its 2-D positions."""
        with torch.set_grad_enabled(self.trunk.training and torch.is_grad_enabled()):
            f = self.trunk(views)
        f = self.adapt(f)
        b, d, h, w = f.shape
        return f.flatten(2).transpose(1, 2) + _positions_2d(h, w, d, f.device)[None]

    def _tokens(self, ids: torch.Tensor, start: int = 0) -> torch.Tensor:
        n, d = ids.shape[1], self.config.dim
        pos = torch.arange(start, start + n, device=ids.device)[:, None]
        freq = torch.exp(torch.arange(0, d, 2, device=ids.device) * (-math.log(10000.0) / d))
        pe = torch.zeros(n, d, device=ids.device)
        pe[:, 0::2], pe[:, 1::2] = (pos * freq).sin(), (pos * freq).cos()
        return self.embed(ids) * math.sqrt(d) + pe[None]

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(x) @ self.embed.weight.T  # output tied to the embedding

    def forward(self, views: torch.Tensor, ids: torch.Tensor) -> torch.Tensor:
        """Teacher forcing: logits (B, T, vocab) for the next token after each of ``ids``."""
        memory = self.memory(views)
        x = self._tokens(ids)
        for layer in self.layers:
            x = layer(x, layer.cross.keys(memory))
        return self._logits(x)

    @torch.inference_mode()
    def generate(self, views: torch.Tensor, max_tokens: int | None = None, prefix: Sequence[int] = ()) -> list[list[int]]:
        """Greedy decoding of each view up to ``</s>``, one token a step with cached keys; the
        first tokens are ``prefix`` when given (what the caller knows: a table starts a tabular)."""
        memory = self.memory(views)
        memory_kv = [layer.cross.keys(memory) for layer in self.layers]
        caches: list[list[torch.Tensor]] = [[] for _ in self.layers]
        ids = torch.full((views.shape[0], 1), BOS, dtype=torch.long, device=views.device)
        done = torch.zeros(views.shape[0], dtype=torch.bool, device=views.device)
        out = [ids]
        for step in range(max_tokens or self.config.max_tokens):
            x = self._tokens(out[-1], step)
            for layer, kv, cache in zip(self.layers, memory_kv, caches):
                x = layer(x, kv, cache)
            if step < len(prefix):
                nxt = torch.full((views.shape[0],), prefix[step], dtype=torch.long, device=views.device)
            else:
                nxt = self._logits(x[:, -1]).argmax(-1)
            nxt = torch.where(done, torch.full_like(nxt, PAD), nxt)
            out.append(nxt[:, None])
            done |= nxt == EOS
            if bool(done.all()):
                break
        rows = torch.cat(out, dim=1).tolist()
        return [[i for i in row[1:] if i not in (PAD, EOS)] for row in rows]


def save_format_model(net: FormatNet, folder: Path) -> None:
    """``format.json`` and ``format.safetensors`` beside a line reader's files."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(folder / FORMAT_FILE))
    (folder / FORMAT_CONFIG).write_text(json.dumps(net.config.to_dict(), ensure_ascii=False, indent=1) + "\n")


def load_format_net(folder: str | Path) -> FormatNet:
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    folder = Path(folder)
    try:
        config = FormatConfig.from_dict(json.loads((folder / FORMAT_CONFIG).read_text()))
        state = load_file(str(folder / FORMAT_FILE))
    except (OSError, ValueError, SafetensorError) as exc:
        raise ModelError(f"{folder}: cannot read the format decoder ({str(exc)[:200]})") from None
    net = FormatNet(config)
    expected = net.state_dict()
    if set(state) != set(expected) or any(state[k].shape != expected[k].shape for k in expected):
        raise ModelError(f"{folder / FORMAT_FILE}: tensors do not match {FORMAT_CONFIG}")
    net.load_state_dict(state)
    return net.eval()
