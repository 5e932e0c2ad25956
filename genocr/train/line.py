"""Training genocr-small v2 (``genocr.models.line``): CTC on line slices from the data engine.

It keeps ``genocr.train.loop``'s conventions: a TOML run description, everything needed to go on
in ``run_dir/last`` (replaced atomically), a JSONL log with held-out CER, and resuming from the
last checkpoint. It also saves on Ctrl-C and SIGTERM, so a stopped run loses nothing.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import torch
from PIL import Image

from genocr.bench.metrics import cer
from genocr.models.line import LineConfig, ctc_decode, line_array
from genocr.models.line_net import LineNet, batch_tensor, load_line_net, save_line_model
from genocr.train.config import LineTrainConfig, Stage
from genocr.train.data import Pair, PairStream, held_out_pairs
from genocr.train.loop import recover_checkpoint
from genocr.train.report import append_log, write_report
from genocr.train.staged import StagedTrainer, quiet_worker


class LineBatches(torch.utils.data.IterableDataset):
    """Batches of similar width, made in a DataLoader worker from a stream of line pairs.

    Pairs are pooled ``pool`` batches at a time and sorted by width, so a batch pads little
    (padding nearly doubled the cost of a step on mixed slices and page lines). Each pool is
    served ``repeat`` times, re-squeezed each time: generating a page costs more than a step
    learns from it, so on two cores the second pass is nearly free data.
    """

    def __init__(self, pairs: PairStream, config: LineConfig, batch_size: int, width_jitter: float = 0.0,
                 pool: int = 8, repeat: int = 1, seed: int = 0) -> None:
        self.pairs, self.config, self.batch_size = pairs, config, batch_size
        self.width_jitter, self.pool, self.repeat, self.seed = width_jitter, pool, repeat, seed
        self.index = {c: i for i, c in enumerate(config.alphabet)}

    def __iter__(self) -> Iterator[dict[str, Any]]:
        info = torch.utils.data.get_worker_info()
        rng = np.random.default_rng([self.seed, info.id if info else 0])
        pairs = iter(self.pairs)
        while True:
            pool = [next(pairs) for _ in range(self.pool * self.batch_size)]
            for _ in range(self.repeat):
                items = sorted((self._view(p, rng) for p in pool), key=lambda item: item[0].shape[1])
                chunks = [items[i : i + self.batch_size] for i in range(0, len(items), self.batch_size)]
                for k in rng.permutation(len(chunks)):
                    yield self._batch(chunks[k])

    def _view(self, pair: Pair, rng: np.random.Generator) -> tuple[np.ndarray, list[int], str]:
        image, text, _ = pair
        if self.width_jitter:
            scale = 1.0 + rng.uniform(-self.width_jitter, self.width_jitter)
            image = image.resize((max(4, round(image.width * scale)), image.height), Image.BILINEAR)
        labels = [self.index[ch] for ch in text if ch in self.index]
        return line_array(image, self.config.height, self.config.max_width), labels, text

    @staticmethod
    def _batch(items: list[tuple[np.ndarray, list[int], str]]) -> dict[str, Any]:
        views, widths = batch_tensor([a for a, _, _ in items])
        return {"views": views, "widths": widths, "labels": [t for _, t, _ in items], "texts": [x for _, _, x in items]}


def ctc_loss(net: LineNet, batch: dict[str, Any], device: str) -> torch.Tensor:
    log_probs, steps = net(batch["views"].to(device), batch["widths"].to(device))
    flat = torch.tensor([i for t in batch["labels"] for i in t], dtype=torch.long)
    return torch.nn.functional.ctc_loss(
        log_probs.transpose(0, 1), flat, input_lengths=steps.cpu(),
        target_lengths=torch.tensor([len(t) for t in batch["labels"]]),
        blank=net.blank, zero_infinity=True)


def read_pairs(net: LineNet, pairs: list[Pair], device: str, batch_size: int = 32) -> list[str]:
    """What ``net`` reads on each pair's image, in evaluation mode."""
    c = net.config
    texts = []
    net.eval()
    with torch.inference_mode():
        for i in range(0, len(pairs), batch_size):
            views, widths = batch_tensor([line_array(p[0], c.height, c.max_width) for p in pairs[i : i + batch_size]])
            log_probs, steps = net(views.to(device), widths.to(device))
            texts += [r.text.strip() for r in ctc_decode(log_probs.float().cpu().numpy(), steps.cpu().numpy(), c.alphabet)]
    return texts


class LineTrainer(StagedTrainer):
    """CTC on line views (``genocr.models.line_net.LineNet``), evaluated by held-out CER."""

    unit = "lines"

    def __init__(self, config: LineTrainConfig) -> None:
        super().__init__(config)
        self.eval_pairs = held_out_pairs(config.eval_kinds, config.eval_samples, langs=config.eval_langs)

    def build(self, last: Path | None) -> LineNet:
        c = self.config
        if last is not None:
            return load_line_net(last)
        if c.init:
            net = load_line_net(c.init)
        else:
            torch.manual_seed(c.seed)
            net = LineNet(LineConfig.from_dict(c.model))
        net.extend_alphabet(c.extend_alphabet)
        net.add_layers(c.grow_layers)
        return net

    def batches(self, stage: Stage, start: int) -> Iterator[dict[str, Any]]:
        c = self.config
        stream = PairStream(stage.kinds, c.seed, stage.views, start=start, langs=stage.langs)
        batches = LineBatches(stream, self.net.config, stage.batch_size, c.width_jitter, repeat=c.repeat,
                              seed=c.seed + self.step)
        loader = torch.utils.data.DataLoader(batches, batch_size=None, num_workers=c.num_workers,
                                             worker_init_fn=quiet_worker, prefetch_factor=4 if c.num_workers else None)
        return iter(loader)

    def loss(self, batch: dict[str, Any]) -> tuple[torch.Tensor, int]:
        return ctc_loss(self.net, batch, self.device), len(batch["labels"])

    def evaluate(self) -> None:
        """Mean CER on the held-out pairs (logged as ``eval_ctc_cer``, as genocr-small's CTC head was)."""
        preds = read_pairs(self.net, self.eval_pairs, self.device)
        self.net.train()
        score = sum(cer(p, t) for p, (_, t, _) in zip(preds, self.eval_pairs)) / len(preds)
        examples = [[t, p] for (_, t, _), p in list(zip(self.eval_pairs, preds))[:3]]
        append_log(self.run, {"step": self.step, "eval_ctc_cer": score, "examples": examples})
        write_report(self.run)
        print(f"step {self.step}: held-out CER {score:.4f}", file=sys.stderr, flush=True)

    def write(self, folder: Path) -> None:
        save_line_model(self.net, folder)


def export_run(config: LineTrainConfig, folder: Path) -> Path:
    """The run's last checkpoint (averaged with ``average_with``'s models) as a model folder a
    reader loads: config, weights, ONNX graph."""
    from genocr.errors import ModelError
    from genocr.models.line_net import average_weights, export_onnx

    last = recover_checkpoint(Path(config.run_dir).expanduser())
    if not (last / "config.json").is_file():
        raise ModelError(f"{last}: no checkpoint to export (train first)")
    net = load_line_net(last)
    if config.average_with:
        net.load_state_dict(average_weights([net, *map(load_line_net, config.average_with)]))
    save_line_model(net, folder)
    # calibrated on synthetic lines of another seed than the evaluation's (typeset and page lines)
    pairs = held_out_pairs({"typeset": 0.5, "page": 0.5}, 128, seed=2_000_003, langs=["en"])
    export_onnx(net, folder, [line_array(p[0], net.config.height, net.config.max_width) for p in pairs])
    return folder
