"""A CTC head on genocr-small's vision encoder: a training aid, and a fast line reader.

A decoder trained from scratch must discover which image tokens each character comes from;
joint CTC-attention training (Kim, Hori & Watanabe, 2017) speeds that up by asking the
encoder's columns to spell the text left to right. The head is saved beside the model
(``ctc_head.safetensors``, with its alphabet in the file's metadata); when present, the line
reader can decode with it in one pass, with no autoregressive loop.

The head spells characters, not the tokenizer's byte tokens. An en dash, a curly quote or a
bullet is one glyph but three UTF-8 bytes: a byte-level head had to fit three labels into the
one or two columns the glyph covers, often emitted only some of them, and so printed U+FFFD or
stray control characters (run 5 did on every real English page). One label per glyph cannot.

Each encoder column can spell ``upsample`` CTC steps (the head gives that many distributions
per column): CTC needs a blank between doubled letters, and at genocr-small's 8-px columns a
pair of narrow letters ("ll", "ff", "11") often has fewer columns than that takes. More steps
per column cost the head a few multiply-adds, where a wider view would cost the encoder.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from genocr.errors import OptionError
from genocr.models.alphabet import ALPHABET
from genocr.models.line import ctc_decode

CTC_FILE = "ctc_head.safetensors"


class VisionCTC(nn.Module):
    """Reads the vision tower's patch states (before merging) column by column."""

    def __init__(self, model: Any, upsample: int = 1, alphabet: str = ALPHABET) -> None:
        super().__init__()
        self.merge = model.config.vision_config.spatial_merge_size
        self._set_alphabet(alphabet)
        self.head = nn.Linear(model.config.vision_config.embed_dim, upsample * (self.blank + 1))
        self.states: torch.Tensor | None = None
        model.model.visual.merger.register_forward_pre_hook(self._keep)

    def _set_alphabet(self, alphabet: str) -> None:
        if len(set(alphabet)) != len(alphabet):
            raise OptionError("a CTC alphabet must not repeat a character")
        self.alphabet, self.blank = alphabet, len(alphabet)
        self.index = {c: i for i, c in enumerate(alphabet)}

    @property
    def upsample(self) -> int:
        """CTC steps per encoder column."""
        return self.head.out_features // (self.blank + 1)

    def set_upsample(self, k: int) -> None:
        """Give each column ``k`` steps, each a copy of the present ones: the greedy reading is
        unchanged (repeats merge), and training then learns where to put the extra blanks."""
        old, u = self.head, self.upsample
        if k % u:
            raise OptionError(f"ctc_upsample {k} is not a multiple of the checkpoint's {u}")
        self.head = nn.Linear(old.in_features, k * (self.blank + 1)).to(old.weight.device)
        with torch.no_grad():
            w = old.weight.view(u, 1, self.blank + 1, -1).expand(-1, k // u, -1, -1)
            self.head.weight.copy_(w.reshape(self.head.weight.shape))
            self.head.bias.copy_(old.bias.view(u, 1, -1).expand(-1, k // u, -1).reshape(-1))

    def encode(self, text: str) -> list[int]:
        """The labels that spell ``text``; characters outside the alphabet are left out."""
        return [self.index[c] for c in text if c in self.index]

    def logits(self, columns: torch.Tensor) -> torch.Tensor:
        """(width * upsample, alphabet + blank) scores for one image's columns."""
        return self.head(columns).view(-1, self.blank + 1)

    def _keep(self, module: nn.Module, args: tuple[torch.Tensor, ...]) -> None:
        if module.training:  # training: reuse the states of the model's own forward pass
            self.states = args[0]

    def columns(self, states: torch.Tensor, grid_thw: torch.Tensor) -> list[torch.Tensor]:
        """One (width, embed) tensor per image: patch states averaged over each column."""
        out, start, m = [], 0, self.merge
        for t, h, w in grid_thw.tolist():
            n = t * h * w
            # Qwen2-VL orders patches by merge window: (rows/m, cols/m, m, m).
            x = states[start : start + n].view(t, h // m, w // m, m, m, -1)
            out.append(x.permute(0, 1, 3, 2, 4, 5).reshape(t * h, w, -1).mean(0))
            start += n
        return out

    def loss(self, grid_thw: torch.Tensor, texts: list[str]) -> torch.Tensor:
        """CTC loss of the states kept from the last training forward pass, against ``texts``."""
        cols = self.columns(self.states, grid_thw)
        steps = [self.logits(c) for c in cols]
        logits = nn.utils.rnn.pad_sequence(steps)  # (T, B, V+1)
        targets = [self.encode(t) for t in texts]
        flat = torch.tensor([i for t in targets for i in t], dtype=torch.long, device=logits.device)
        return nn.functional.ctc_loss(
            logits.float().log_softmax(-1), flat,
            input_lengths=torch.tensor([len(t) for t in steps]), target_lengths=torch.tensor([len(t) for t in targets]),
            blank=self.blank, zero_infinity=True,
        )

    def decode(self, states: torch.Tensor, grid_thw: torch.Tensor) -> list[str]:
        """Each image's text, decoded as the line reader's (:func:`genocr.models.line.ctc_decode`)."""
        out = []
        for cols in self.columns(states, grid_thw):
            log_probs = self.logits(cols).float().log_softmax(-1).detach().cpu().numpy()
            out.append(ctc_decode(log_probs[None], np.array([len(log_probs)]), self.alphabet)[0].text)
        return out

    def save(self, folder: Path) -> None:
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in self.state_dict().items()}, str(folder / CTC_FILE),
                  metadata={"alphabet": self.alphabet})

    def load(self, folder: Path, tokenizer: Any) -> None:
        """Load a head; one without an alphabet spelt ``tokenizer``'s tokens (genocr-small runs
        1-5), and becomes a character head whose rows start as those of each character's first
        token: ASCII reads as before, and other characters are learnt from there."""
        from safetensors import safe_open

        with safe_open(str(folder / CTC_FILE), "pt") as f:  # one read: tensors and metadata
            alphabet = (f.metadata() or {}).get("alphabet")
            state = {k: f.get_tensor(k) for k in f.keys()}
        if alphabet is None:
            state = self._from_tokens(state, tokenizer)
        else:
            self._set_alphabet(alphabet)
        rows = state["head.weight"].shape[0]  # upsample x (alphabet + blank) outputs
        if rows != self.head.out_features:
            self.head = nn.Linear(self.head.in_features, rows)
        self.load_state_dict(state)

    def _from_tokens(self, state: dict[str, torch.Tensor], tokenizer: Any) -> dict[str, torch.Tensor]:
        vocab = len(tokenizer)
        w, b = state["head.weight"], state["head.bias"]
        u = w.shape[0] // (vocab + 1)
        first = [tokenizer.encode(c, add_special_tokens=False)[0] for c in self.alphabet] + [vocab]  # + blank
        pick = torch.tensor([s * (vocab + 1) + i for s in range(u) for i in first])
        return {"head.weight": w[pick].clone(), "head.bias": b[pick].clone()}
