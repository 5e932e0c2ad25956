"""The one small interface every OCR model family implements.

A family turns views (images) and a :class:`~genocr.tasks.Query` into model inputs; the
shared decoder (``genocr.predict.decode``) does the rest, so real GOT-OCR2.0 and Qwen2-VL
checkpoints and genocr's own models run through the same engine.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

from PIL import Image

from genocr.errors import OptionError
from genocr.tasks import Query, refuse_unsupported

if TYPE_CHECKING:  # torch is imported where a family needs it: the ONNX line reader does not
    import torch


class OCRModel(ABC):
    """A loaded model: the network, its tokenizer and its image processor."""

    family: ClassVar[str]
    #: What the family serves beyond plain whole-page reading (``genocr.tasks.FEATURES``);
    #: declared in the registry, so the CLI can refuse a request before loading any weights.
    features: ClassVar[frozenset[str]]
    #: The transformers class of the network (e.g. ``GotOcr2ForConditionalGeneration``).
    model_class: ClassVar[Any]
    #: True for models that read line slices: the reader cuts pages into lines for them.
    reads_lines: ClassVar[bool] = False

    def __init__(self, name: str, model: Any, tokenizer: Any, image_processor: Any) -> None:
        self.name = name
        self.model = model
        self.tokenizer = tokenizer
        self.image_processor = image_processor

    @classmethod
    def from_pretrained(cls, path: str, name: str, device: str = "cpu", dtype: str = "auto",
                        threads: int | None = None) -> "OCRModel":
        """Load weights, tokenizer and image processor from a folder (or, online, a hub id);
        ``threads`` caps the CPU threads it computes with (None: all cores).

        The image processor is the PIL one: it needs no torchvision and resizes as GOT did.
        """
        from transformers import AutoImageProcessor, AutoTokenizer
        from transformers.utils import logging

        logging.disable_progress_bar()  # transformers' own bars and notices are noise to a reader
        logging.set_verbosity_error()
        check_device(device)
        if threads:
            import torch

            torch.set_num_threads(threads)
        model = cls.model_class.from_pretrained(path, dtype=torch_dtype(device, dtype))
        return cls(name, model.to(device).eval(), AutoTokenizer.from_pretrained(path),
                   AutoImageProcessor.from_pretrained(path, backend="pil"))

    def for_inference(self) -> "OCRModel":
        """Rewrite the network into a faster form that computes the same function, for reading.
        Never for training: an optimiser's state (and a run's recipe) belongs to the original
        parameters. The default changes nothing."""
        return self

    @abstractmethod
    def prepare(self, views: list[Image.Image], query: Query) -> dict[str, "torch.Tensor"]:
        """Model inputs (prompt ids, pixels) for ``views`` read with ``query``."""

    @property
    def tile_size(self) -> int:
        """Side of one square view, for dynamic-resolution tiling."""
        raise OptionError(f"model '{self.name}' ({self.family}) does not read by tiles")

    @property
    def stop_ids(self) -> list[int]:
        """Token ids that end an answer: ``<|im_end|>`` for the ChatML families."""
        return [self.tokenizer.convert_tokens_to_ids("<|im_end|>")]

    @property
    def device(self) -> "torch.device":
        return self.model.device

    def check(self, query: Query) -> None:
        """Refuse a query the family was not trained for, naming the option."""
        refuse_unsupported(query, self.features, self.name)

    def tokenize(self, prompt: str) -> dict[str, "torch.Tensor"]:
        enc = self.tokenizer(prompt, add_special_tokens=False, return_tensors="pt")
        return {"input_ids": enc["input_ids"], "attention_mask": enc["attention_mask"]}


def check_device(device: str) -> None:
    """Refuse a device this machine's torch cannot use, before any weights are read."""
    import torch

    try:
        kind = torch.device(device).type
    except RuntimeError:
        raise OptionError(f"unknown device '{device}' (use cpu, cuda or cuda:N)") from None
    if kind == "cuda" and not torch.cuda.is_available():
        raise OptionError(f"device '{device}' asked for, but torch sees no CUDA GPU here")
    if kind not in ("cpu", "cuda"):
        raise OptionError(f"device '{device}' is not supported (use cpu, cuda or cuda:N)")


DTYPES = ("float32", "bfloat16")


def torch_dtype(device: str, dtype: str = "auto") -> "torch.dtype":
    """The weights' dtype: ``dtype`` when named; for "auto", bf16 on a GPU and fp32 on a CPU.

    bf16 on a CPU is a choice, not the default: with bf16 instructions (AVX512-BF16) it reads
    faster but peaks at almost twice the memory (measured in the README, under Precision), and
    other CPUs emulate bf16 matmuls slowly."""
    import torch

    if dtype != "auto":
        if dtype not in DTYPES:
            raise OptionError(f"unknown dtype '{dtype}' (use auto, {' or '.join(DTYPES)})")
        return getattr(torch, dtype)
    return torch.bfloat16 if device.startswith("cuda") else torch.float32
