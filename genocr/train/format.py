"""Training genocr-small's format decoder: formula and table crops to LaTeX (GOT's stage 2).

The trunk comes from a line reader (``init``) and stays frozen by default; the decoder learns
from the data engine's ``math`` and ``table`` kinds, typeset by pdflatex in blocks. Evaluation
decodes held-out crops greedily and scores LaTeX tokens (normalised edit distance, exact
match), and once more with every image swapped for another sample's: a decoder that reads the
image collapses there, one that writes fluent LaTeX without looking does not.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch

from genocr.bench.metrics import normalized_edit_distance
from genocr.data.dataset import SyntheticStream
from genocr.data.engine import get_kind, sample_rng
from genocr.models.format_net import (BOS, EOS, PAD, FormatConfig, FormatNet, LatexTokenizer, batch_elements,
                                      element_array, load_format_net, save_format_model)
from genocr.models.line_net import load_line_net
from genocr.train.config import FormatTrainConfig, Stage
from genocr.train.report import append_log, write_report
from genocr.train.staged import StagedTrainer, quiet_worker

EVAL_SEED = 1_000_003  # the held-out split: never a training seed
# formulas and tables typeset 128 to a pdflatex run: 16 to a run fed 13 crops/s, less than one
# training step of formulas consumes (measured: a step of 16 waited on its data about 1 s)
ELEMENT_BLOCK = 128


class FormatBatches(torch.utils.data.IterableDataset):
    """Batches of crops of similar size with their token ids, made in a DataLoader worker."""

    def __init__(self, kinds: dict[str, float], seed: int, start: int, config: FormatConfig, batch_size: int,
                 pool: int = 8) -> None:
        self.kinds, self.seed, self.start, self.config = kinds, seed, start, config
        self.batch_size, self.pool = batch_size, pool

    def __iter__(self) -> Iterator[dict[str, Any]]:
        tok = LatexTokenizer(self.config.vocab)
        samples = iter(SyntheticStream(self.kinds, self.seed, start=self.start, block=ELEMENT_BLOCK))
        while True:
            items = []
            while len(items) < self.pool * self.batch_size:
                s = next(samples)
                ids = tok.encode(s.target)
                if len(ids) < self.config.max_tokens - 1:
                    items.append((element_array(s.images[0], self.config.glyph_px, self.config.max_side), ids))
            items.sort(key=lambda it: it[0].shape[0] * it[0].shape[1])
            for k in range(0, len(items), self.batch_size):
                yield collate(items[k : k + self.batch_size])


def collate(items: list[tuple[np.ndarray, list[int]]]) -> dict[str, Any]:
    """Views, decoder inputs (``<s>`` + ids) and targets (ids + ``</s>``), padded."""
    width = max(len(ids) for _, ids in items) + 1
    inputs = torch.full((len(items), width), PAD, dtype=torch.long)
    targets = torch.full((len(items), width), PAD, dtype=torch.long)
    for i, (_, ids) in enumerate(items):
        inputs[i, : len(ids) + 1] = torch.tensor([BOS, *ids])
        targets[i, : len(ids) + 1] = torch.tensor([*ids, EOS])
    return {"views": batch_elements([a for a, _ in items]), "inputs": inputs, "targets": targets}


def held_out(kinds: list[str], n: int) -> list[Any]:
    """``n`` samples of each kind from the held-out seed, typeset in one batch per kind."""
    return [s for kind in kinds for s in get_kind(kind).make_batch(sample_rng(kind, EVAL_SEED, 0), n)]


class FormatTrainer(StagedTrainer):
    unit = "crops"

    def __init__(self, config: FormatTrainConfig) -> None:
        self.kinds = list(dict.fromkeys(kind for stage in config.stages for kind in stage.kinds))  # every stage's
        super().__init__(config)
        self.eval_set = held_out(self.kinds, config.eval_samples)

    def build(self, last: Path | None) -> FormatNet:
        c = self.config
        if last is not None:
            net = load_format_net(last)
        elif (Path(c.init) / "format.json").is_file():
            net = load_format_net(c.init)
            if c.grow_vocab:
                torch.manual_seed(c.seed)
                net.extend_vocab(self.vocab())
        else:
            line = load_line_net(c.init)
            torch.manual_seed(c.seed)
            config = FormatConfig(**{"channels": line.config.channels, **c.decoder, "vocab": self.vocab()})
            net = FormatNet(config)
            net.trunk.load_state_dict(line.trunk.state_dict())
        net.trunk.requires_grad_(not c.freeze_trunk)
        return net

    def vocab(self) -> list[str]:
        """The LaTeX vocabulary of the run's data: ``vocab_samples`` of each kind it trains on."""
        c = self.config
        texts = [s.target for kind in self.kinds
                 for s in get_kind(kind).make_batch(sample_rng(kind, c.seed + 5, 0), c.vocab_samples)]
        return LatexTokenizer.build(texts).vocab

    def batches(self, stage: Stage, start: int) -> Iterator[dict[str, Any]]:
        c = self.config
        data = FormatBatches(stage.kinds, c.seed, start, self.net.config, stage.batch_size)
        loader = torch.utils.data.DataLoader(data, batch_size=None, num_workers=c.num_workers,
                                             worker_init_fn=quiet_worker, prefetch_factor=4 if c.num_workers else None)
        return iter(loader)

    def train(self) -> None:
        if self.config.freeze_trunk:
            self.net.trunk.eval()  # its batch-norm statistics stay the line reader's
        super().train()

    def loss(self, batch: dict[str, Any]) -> tuple[torch.Tensor, int]:
        if self.config.freeze_trunk:
            self.net.trunk.eval()
        logits = self.net(batch["views"].to(self.device), batch["inputs"].to(self.device))
        loss = torch.nn.functional.cross_entropy(logits.float().flatten(0, 1), batch["targets"].to(self.device).flatten(),
                                                 ignore_index=PAD, label_smoothing=0.1)
        return loss, batch["views"].shape[0]

    def read(self, images: list[Any], max_tokens: int | None = None, batch_size: int = 16) -> list[str]:
        """Greedy LaTeX for each crop, in evaluation mode, stopped after ``max_tokens``."""
        tok, c = LatexTokenizer(self.net.config.vocab), self.net.config
        self.net.eval()
        out = []
        for i in range(0, len(images), batch_size):
            views = batch_elements([element_array(im, c.glyph_px, c.max_side) for im in images[i : i + batch_size]])
            out += [tok.decode(ids) for ids in self.net.generate(views.to(self.device), max_tokens)]
        self.net.train()
        if self.config.freeze_trunk:
            self.net.trunk.eval()
        return out

    def evaluate(self) -> None:
        """Token NED and exact match per kind trained so far, and NED with the images swapped
        among samples. The untrained decoder is not scored: it writes nothing the metrics could
        tell apart (NED 1.0 everywhere, measured), and decoding it costs minutes."""
        if self.step == 0:
            return
        tok, encoder = LatexTokenizer.split, LatexTokenizer(self.net.config.vocab)
        row: dict[str, Any] = {"step": self.step}
        stage, _ = self.stage_at(min(self.step, self.config.total_steps) - 1)
        trained = {k for s in self.config.stages[: self.config.stages.index(stage) + 1] for k in s.kinds}
        for kind in (k for k in self.kinds if k in trained):
            samples = [s for s in self.eval_set if s.kind == kind]
            truth = [tok(s.target, math=kind != "table") for s in samples]
            # an untrained or looping decoder runs to max_tokens on every crop; cut at twice the
            # longest truth, such an output already scores NED >= 0.5, and decoding on costs minutes
            longest = max(len(encoder.encode(s.target)) for s in samples)
            cap = min(self.net.config.max_tokens, 2 * longest + 2)
            preds = [tok(p, math=kind != "table") for p in self.read([s.images[0] for s in samples], cap)]
            swapped = [tok(p, math=kind != "table")
                       for p in self.read([s.images[0] for s in samples[1:] + samples[:1]], cap)]
            row[f"eval_{kind}_ned"] = float(np.mean([normalized_edit_distance(p, t) for p, t in zip(preds, truth)]))
            row[f"eval_{kind}_exact"] = float(np.mean([p == t for p, t in zip(preds, truth)]))
            row[f"eval_{kind}_swapped_ned"] = float(np.mean([normalized_edit_distance(p, t) for p, t in zip(swapped, truth)]))
            row.setdefault("examples", []).append([samples[0].target, "".join(preds[0])])
        append_log(self.run, row)
        write_report(self.run)
        print(f"step {self.step}: " + ", ".join(f"{k} {v:.3f}" for k, v in row.items() if k.startswith("eval_")),
              file=sys.stderr, flush=True)

    def write(self, folder: Path) -> None:
        save_format_model(self.net, folder)


def export_format(config: FormatTrainConfig, folder: Path) -> Path:
    """The run's decoder (``format.json``, ``format.safetensors``) written into ``folder``,
    a line reader's model folder, which then serves ``--task format``."""
    from genocr.errors import ModelError
    from genocr.train.loop import recover_checkpoint

    last = recover_checkpoint(Path(config.run_dir).expanduser())
    if not (last / "format.json").is_file():
        raise ModelError(f"{last}: no format checkpoint to export (train first)")
    if not (folder / "config.json").is_file():
        raise ModelError(f"{folder}: not a line reader's folder (export the line reader there first)")
    save_format_model(load_format_net(last), folder)
    return folder
