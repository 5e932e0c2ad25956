"""A CTC head on genocr-small's vision encoder: a training aid, and a fast line reader.

A decoder trained from scratch must discover which image tokens each character comes from;
joint CTC-attention training (Kim, Hori & Watanabe, 2017) speeds that up by asking the
encoder's columns to spell the text left to right. The head is saved beside the model
(``ctc_head.safetensors``); when present, the line reader can decode with it in one pass,
with no autoregressive loop.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

CTC_FILE = "ctc_head.safetensors"


class VisionCTC(nn.Module):
    """Reads the vision tower's patch states (before merging) column by column."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        vision = model.config.vision_config
        self.merge = vision.spatial_merge_size
        self.blank = model.config.text_config.vocab_size
        self.head = nn.Linear(vision.embed_dim, self.blank + 1)
        self.states: torch.Tensor | None = None
        model.model.visual.merger.register_forward_pre_hook(self._keep)

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

    def loss(self, grid_thw: torch.Tensor, targets: list[list[int]]) -> torch.Tensor:
        """CTC loss of the states kept from the last training forward pass."""
        cols = self.columns(self.states, grid_thw)
        logits = nn.utils.rnn.pad_sequence([self.head(c) for c in cols])  # (T, B, V+1)
        flat = torch.tensor([i for t in targets for i in t], dtype=torch.long, device=logits.device)
        return nn.functional.ctc_loss(
            logits.float().log_softmax(-1), flat,
            input_lengths=torch.tensor([len(c) for c in cols]), target_lengths=torch.tensor([len(t) for t in targets]),
            blank=self.blank, zero_infinity=True,
        )

    def decode(self, states: torch.Tensor, grid_thw: torch.Tensor) -> list[list[int]]:
        """Greedy CTC: the best class per column, repeats merged, blanks dropped."""
        out = []
        for cols in self.columns(states, grid_thw):
            best = self.head(cols).argmax(-1).tolist()
            out.append([c for i, c in enumerate(best) if c != self.blank and (i == 0 or c != best[i - 1])])
        return out

    def save(self, folder: Path) -> None:
        from safetensors.torch import save_file

        save_file({k: v.contiguous() for k, v in self.state_dict().items()}, str(folder / CTC_FILE))

    def load(self, folder: Path) -> None:
        from safetensors.torch import load_file

        self.load_state_dict(load_file(str(folder / CTC_FILE)))
