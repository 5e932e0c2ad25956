"""genocr-small v2: a convolutional line reader with a CTC head, sized for a 2-core CPU.

The first genocr-small read lines with a Qwen2-VL vision transformer: about sixteen encoder
tokens per character, 90% of a page's time. The field's CPU readers (PP-OCR, docTR's CRNNs;
``shared/research/cpu-models.md``) instead shrink the image with convolutions first and mix
context over a short sequence. This one does the same:

- a **trunk** of 3x3 convolutions takes a grey line view to 1/8 of its height and width; it
  keeps a 2-D map, so that a decoder that needs rows (formulas, tables) can read the same
  features;
- a **neck** halves the height once more, averages the rows away and runs a few transformer
  layers over the columns (one column per 8 px of a 32-px-high view; four in the shipped
  reader, grown from two by ``LineNet.add_layers``);
- a **CTC head** spells ``upsample`` steps per column (a blank between doubled narrow letters
  needs more than one step per 8 px), one label per glyph of its alphabet (which can grow:
  new characters add rows to the head).

Views are normalised before the network sees them (:func:`line_array`): the paper is made
light whatever its colour, and the contrast stretched, so a white heading on a dark bar or text
on a shaded box reaches the network as dark ink on light paper.

This module needs no torch: a shipped model is read with ONNX Runtime from ``model.onnx``. The
PyTorch network, for training and for checkpoints without a graph, is in ``line_net``.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
from PIL import Image

from genocr.errors import ModelError, OptionError
from genocr.models.alphabet import ALPHABET
from genocr.models.base import OCRModel, check_device
from genocr.models.registry import FAMILY_FEATURES, register_family
from genocr.predict.generation import DecodeConfig, Generation
from genocr.tasks import Query

FAMILY = "genocr_line"
WEIGHTS_FILE = "model.safetensors"
FORMAT_CONFIG = "format.json"  # a format decoder beside the line reader (genocr.models.format_net)
ONNX_FILE = "model.onnx"  # the same network for ONNX Runtime: what a shipped model is read with
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
        sizes = {k: getattr(config, k) for k in ("height", "dim", "layers", "heads", "upsample", "max_width")}
        bad = [k for k, v in sizes.items() if not isinstance(v, int) or isinstance(v, bool) or v < 1]
        if bad or len(config.channels) != 4 or min(config.channels) < 1 or config.dim % config.heads:
            raise ModelError("config.json: height, dim, layers, heads, upsample and max_width must be positive "
                             "integers, channels 4 of them, and dim a multiple of heads")
        if not isinstance(config.alphabet, str) or not config.alphabet or len(set(config.alphabet)) != len(config.alphabet):
            raise ModelError("config.json: alphabet must be a string without repeated characters")
        return config

    def to_dict(self) -> dict[str, Any]:
        return {"genocr_family": FAMILY, "model_type": FAMILY, **asdict(self)}


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


def batch_arrays(arrays: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Stack normalised views into (B, 1, H, W), zero-padded (blank paper) to the widest, a
    multiple of the stride; and their true widths."""
    widths = [a.shape[1] for a in arrays]
    width = -(-max(widths) // STRIDE) * STRIDE
    out = np.zeros((len(arrays), 1, arrays[0].shape[0], width), dtype=np.float32)
    for i, a in enumerate(arrays):
        out[i, 0, :, : a.shape[1]] = a
    return out, np.array(widths, dtype=np.int64)


@dataclass
class Reading:
    """One view read by CTC: its text, a confidence (the mean probability of the steps that
    emitted a character; 1.0 for an empty reading), and each character's first and last step
    and its probability."""

    text: str
    confidence: float
    spans: list[tuple[str, int, int, float]]


LIKELY = 0.1  # a label under this probability at a step is not followed
BEAM = 8  # labellings kept while summing over an unsure stretch


def ctc_decode(log_probs: np.ndarray, steps: np.ndarray, alphabet: str) -> list[Reading]:
    """CTC decoding per view: the best label per step, except where two letters are likely at
    a step, or a letter and the blank between two runs of it; there, the labelling with the most
    probability summed over its alignments.

    Greedy decoding takes the single likeliest alignment. Where an "i" held over three steps
    ends on a step that is "l" at 0.44 and "i" at 0.43, it reads "ill" for the "il" of "will",
    though the alignments that spell "il" hold 0.56 (v2 run 7 read "willl" four times on the
    second dev set's pages). Each stretch between steps where only the blank is likely can be
    decoded apart; the stretches that hold such a step are decoded by prefix beam search. Steps
    past a view's own count are padding."""
    blank = len(alphabet)
    out = []
    for lp, n in zip(log_probs, steps.tolist()):
        lp = lp[:n]
        path = lp.argmax(-1)
        likely = lp >= np.log(LIKELY)
        likely[np.arange(n), path] = True
        letters = likely[:, :blank].sum(-1)
        unsure = np.nonzero((letters > 1) | _split_repeats(path, likely, blank))[0]
        if len(unsure):
            quiet = np.nonzero(letters == 0)[0]  # only the blank is likely
            for i in np.unique(np.searchsorted(quiet, unsure)):  # the stretches that hold unsure steps
                a = quiet[i - 1] + 1 if i else 0
                b = quiet[i] if i < len(quiet) else n
                path[a:b] = _beam(np.exp(lp[a:b]), likely[a:b], blank)
        out.append(_reading(path, np.exp(lp[np.arange(n), path]), alphabet))
    return out


def _split_repeats(path: np.ndarray, likely: np.ndarray, blank: int) -> np.ndarray:
    """The blank steps between two runs of one letter where that letter is likely too: greedy
    reads the letter twice there, though the alignments that hold it on may hold more (v2 run
    11 read "alllexport", the blank at 0.51 and "l" at 0.49 between two runs of "l")."""
    marks = np.nonzero(path != blank)[0]
    if not len(marks):
        return np.zeros(len(path), bool)
    at = np.searchsorted(marks, np.arange(len(path)))
    before = np.where(at > 0, path[marks[np.maximum(at - 1, 0)]], -1)
    after = np.where(at < len(marks), path[marks[np.minimum(at, len(marks) - 1)]], -1)
    # with a mark somewhere, steps before the first or after the last see -1 on one side only
    return (path == blank) & (before == after) & likely[np.arange(len(path)), np.maximum(before, 0)]


def _beam(probs: np.ndarray, likely: np.ndarray, blank: int) -> list[int]:
    """Prefix beam search over a stretch that follows a blank: the likeliest alignment of the
    labelling with the most probability summed over its alignments."""
    # labelling -> {ends in a blank, ends in a label}: [summed probability, best alignment's, it]
    beams: dict[tuple[int, ...], dict[bool, list[Any]]] = {(): {True: [1.0, 1.0, []]}}
    for p, ok in zip(probs, likely):
        grown: dict[tuple[int, ...], dict[bool, list[Any]]] = {}
        for prefix, ends in beams.items():
            for k in np.nonzero(ok)[0].tolist():
                for on_blank, (total, best, path) in ends.items():
                    if k == blank:
                        key, end = prefix, True
                    elif prefix and prefix[-1] == k and not on_blank:
                        key, end = prefix, False  # the same label held on
                    else:
                        key, end = prefix + (k,), False
                    entry = grown.setdefault(key, {}).setdefault(end, [0.0, -1.0, None])
                    entry[0] += total * p[k]
                    if best * p[k] > entry[1]:
                        entry[1], entry[2] = best * p[k], path + [k]
        beams = dict(sorted(grown.items(), key=lambda kv: -sum(e[0] for e in kv[1].values()))[:BEAM])
        # rescaled at each step, as every labelling takes the same steps: a long stretch would
        # take the products below the smallest float
        top = [max(v[i] for e in beams.values() for v in e.values()) or 1.0 for i in (0, 1)]
        for e in beams.values():
            for v in e.values():
                v[0], v[1] = v[0] / top[0], v[1] / top[1]
    ends = max(beams.values(), key=lambda e: sum(v[0] for v in e.values()))
    return max(ends.values(), key=lambda v: v[1])[2]


def _reading(path: np.ndarray, probs: np.ndarray, alphabet: str) -> Reading:
    """An alignment's text (each run of one label is a character, blanks, the last label, are
    dropped), from its label and that label's probability at each step."""
    if not len(path):
        return Reading("", 1.0, [])
    starts = np.r_[0, np.nonzero(np.diff(path))[0] + 1]
    ends = np.r_[starts[1:], len(path)] - 1
    best = np.maximum.reduceat(probs, starts)
    labels = path[starts]
    spans = [(alphabet[c], a, b, p) for c, a, b, p in zip(labels.tolist(), starts.tolist(), ends.tolist(), best.tolist())
             if c != len(alphabet)]
    text = "".join(s[0] for s in spans)
    return Reading(text, float(np.mean([s[3] for s in spans])) if spans else 1.0, spans)


@register_family(FAMILY)
class GenocrLine(OCRModel):
    """genocr-small v2: reads line slices; the page reader finds the lines for it."""

    family = "genocr-small"
    features = FAMILY_FEATURES["genocr_line"]
    reads_lines = True
    model_class = None  # not a transformers model

    def __init__(self, name: str, config: LineConfig, run: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
                 backend: str, folder: Path | None = None, device: str = "cpu") -> None:
        super().__init__(name, None, tokenizer=None, image_processor=None)
        self.config, self.run, self.backend = config, run, backend
        self.folder, self._device, self._formatter = folder, device, None
        if folder is not None and (folder / FORMAT_CONFIG).is_file():  # a decoder for --task format
            self.features = FAMILY_FEATURES["genocr_line"] | {"format"}

    @classmethod
    def from_pretrained(cls, path: str, name: str, device: str = "cpu", dtype: str = "auto",
                        threads: int | None = None) -> "GenocrLine":
        """The network from ``model.onnx`` with ONNX Runtime on a CPU (no torch needed: a
        shipped model starts in a fraction of a second), else from the weights with PyTorch
        (a training checkpoint, or a GPU)."""
        if dtype not in ("auto", "float32"):
            raise OptionError(f"model '{name}' runs in float32 only (asked for {dtype})")
        folder = Path(path)
        config = read_config(folder)
        if device == "cpu" and (folder / ONNX_FILE).is_file():
            return cls(name, config, _onnx_runner(folder / ONNX_FILE, threads), "onnxruntime", folder)
        check_device(device)
        return cls(name, config, _torch_runner(folder, device, threads), f"torch ({device})", folder, device)

    def read_element(self, image: Image.Image, kind: str = "") -> tuple[str, float]:
        """A formula or table crop as LaTeX, by the format decoder (loaded on first use: it
        needs torch), and the seconds it took. A crop the layout has typed a ``table`` starts
        as one: the decoder, left to choose, began some large tables as formulas."""
        from genocr.models.format_net import LatexTokenizer, batch_elements, element_array, load_format_net
        from genocr.predict.checks import TABLE_START

        start = time.perf_counter()
        if self._formatter is None:
            assert self.folder is not None
            self._formatter = load_format_net(self.folder).to(self._device)
        c = self._formatter.config
        views = batch_elements([element_array(image, c.glyph_px, c.max_side)]).to(self._device)
        tokenizer = LatexTokenizer(c.vocab)
        (ids,) = self._formatter.generate(views, prefix=tokenizer.encode(TABLE_START) if kind == "table" else ())
        return tokenizer.decode(ids), time.perf_counter() - start

    @property
    def device(self) -> Any:
        return "cpu"

    @property
    def stop_ids(self) -> list[int]:
        return []

    def prepare(self, views: list[Image.Image], query: Query) -> dict[str, Any]:
        raise OptionError(f"model '{self.name}' reads line slices only")

    def read_lines(self, crops: list[Image.Image], task: str, decode: DecodeConfig) -> list[Generation]:
        """One batch of line slices in one pass: no token-by-token loop."""
        start = time.perf_counter()
        c = self.config
        arrays = [line_array(im, c.height, c.max_width) for im in crops]
        log_probs, steps = self.run(*batch_arrays(arrays))
        each = (time.perf_counter() - start) / max(1, len(crops))
        out = []
        for reading, n, im, a in zip(ctc_decode(log_probs, steps, c.alphabet), steps.tolist(), crops, arrays):
            px = STRIDE / c.upsample * im.width / a.shape[1]  # crop pixels per CTC step
            chars = [(ch, first * px, (last + 1) * px, p) for ch, first, last, p in reading.spans]
            out.append(Generation(reading.text.strip(), int(n), len(reading.text), "stop", each,
                                  reading.confidence, chars))
        return out


def read_config(folder: Path) -> LineConfig:
    """A line reader's ``config.json``; one that cannot be read or does not fit is one error."""
    try:
        return LineConfig.from_dict(json.loads((folder / "config.json").read_text()))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{folder / 'config.json'}: cannot read ({type(exc).__name__})") from None


def _onnx_runner(path: Path, threads: int | None) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.intra_op_num_threads = threads or 0  # 0: one per core
    try:
        session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own types for a damaged graph
        raise ModelError(f"{path}: not a readable ONNX model ({str(exc).splitlines()[0][:200]})") from None

    def run(views: np.ndarray, widths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        log_probs, steps = session.run(None, {"views": views, "widths": widths})
        return log_probs, steps

    return run


def _torch_runner(folder: Path, device: str, threads: int | None) -> Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    import torch

    from genocr.models.line_net import load_line_net

    if threads:
        torch.set_num_threads(threads)
    net = load_line_net(folder).to(device).eval()

    def run(views: np.ndarray, widths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with torch.inference_mode():
            log_probs, steps = net(torch.from_numpy(views).to(device), torch.from_numpy(widths).to(device))
        return log_probs.float().cpu().numpy(), steps.cpu().numpy()

    return run
