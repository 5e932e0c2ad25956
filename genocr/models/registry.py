"""Models by name: a registry of known checkpoints and of the families that can load them.

A model is a folder (safetensors + config.json + tokenizer + image processor). Its family is
read from ``config.json``'s ``model_type``, so any GOT-OCR2.0 or Qwen2-VL checkpoint folder
works, registered or not. Registered names add a description, a licence and a default
location; hub ids are fetched only when a user names one on a machine that is online.
"""
from __future__ import annotations

import importlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, TypeVar

from genocr.errors import ModelError

if TYPE_CHECKING:
    from genocr.models.base import OCRModel

WEIGHTS_DIR = Path(__file__).parent / "weights"
# config.json's "genocr_family" (our own models) or else its "model_type" -> the module of the
# family that loads it; only that module is imported (transformers is slow to import and the
# line reader does not need it).
FAMILY_MODULES = {"got_ocr2": "genocr.models.got", "qwen2_vl": "genocr.models.qwen2vl",
                  "genocr_small": "genocr.models.small", "genocr_line": "genocr.models.line"}
FAMILIES: dict[str, type["OCRModel"]] = {}  # filled by @register_family as modules are imported
#: What each family serves beyond plain whole-page reading (``genocr.tasks.FEATURES``).
FAMILY_FEATURES: dict[str, frozenset[str]] = {
    "got_ocr2": frozenset({"format", "box", "color", "tiles", "multi_page"}),
    "qwen2_vl": frozenset({"format", "box", "color", "multi_page"}),
    "genocr_small": frozenset({"box", "multi_page"}),  # v1: its decoder never learnt to format
    # v2, the line reader: a region is a crop it reads by lines, found by its frame for
    # --color; --tiles is accepted and recorded (each line is read at its own resolution).
    # "boxes": it places every line and word (hOCR, ALTO and searchable PDFs need that).
    "genocr_line": frozenset({"box", "color", "tiles", "multi_page", "boxes"}),
}
DEFAULT_MODEL = "genocr-small"


@dataclass(frozen=True)
class ModelSpec:
    """A registered model: where its weights live and what it is."""

    name: str
    family: str
    source: str  # a folder (relative to the package's weights dir) or a hub id "owner/name"
    description: str
    license: str

    @property
    def is_hub(self) -> bool:
        return not (WEIGHTS_DIR / self.source).is_dir() and self.source.count("/") == 1

    @property
    def location(self) -> str:
        return f"hub:{self.source}" if self.is_hub else str(WEIGHTS_DIR / self.source)

    @property
    def present(self) -> bool:
        """Whether the weights are on this machine (shipped, or in the hub cache)."""
        if self.is_hub:
            return _hub_cached_config(self.source) is not None
        return (WEIGHTS_DIR / self.source / "config.json").is_file()


REGISTRY: dict[str, ModelSpec] = {}

T = TypeVar("T", bound=type)


def register_model(spec: ModelSpec) -> ModelSpec:
    REGISTRY[spec.name] = spec
    return spec


def register_family(key: str) -> Callable[[T], T]:
    """Class decorator: the family that loads checkpoints whose config names ``key``."""

    def wrap(cls: T) -> T:
        FAMILIES[key] = cls
        return cls

    return wrap


def list_models() -> list[ModelSpec]:
    return sorted(REGISTRY.values(), key=lambda s: s.name)


def _hub_cached_config(repo_id: str) -> str | None:
    from huggingface_hub import try_to_load_from_cache

    found = try_to_load_from_cache(repo_id, "config.json")
    return found if isinstance(found, str) else None


def _config_path(name_or_path: str) -> tuple[str, str, Path | None]:
    """(display name, folder or hub id, local config.json or None for an uncached hub id)."""
    spec = REGISTRY.get(name_or_path)
    if spec is not None:
        if spec.is_hub:
            cached = _hub_cached_config(spec.source)
            return spec.name, spec.source, Path(cached) if cached else None
        folder = WEIGHTS_DIR / spec.source
        if not (folder / "config.json").is_file():
            raise ModelError(f"model '{spec.name}' is not installed: no weights at {folder}")
        return spec.name, str(folder), folder / "config.json"
    path = Path(name_or_path).expanduser()
    if path.exists():
        if not (path / "config.json").is_file():
            raise ModelError(f"{path}: not a model folder (no config.json)")
        return path.name, str(path), path / "config.json"
    looks_like_hub_id = name_or_path.count("/") == 1 and not name_or_path.startswith((".", "/", "~"))
    if not looks_like_hub_id:
        raise ModelError(f"unknown model '{name_or_path}': no such folder or registered name (see `genocr models`)")
    cached = _hub_cached_config(name_or_path)
    return name_or_path, name_or_path, Path(cached) if cached else None


def _hub_reachable(timeout: float = 2.0) -> bool:
    """One quick connection to the hub (``HF_ENDPOINT`` or huggingface.co): without it, the
    hub client retries for half a minute before it gives up."""
    import socket
    from urllib.parse import urlparse

    url = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    try:
        socket.create_connection((url.hostname or "huggingface.co", url.port or 443), timeout=timeout).close()
        return True
    except OSError:
        return False


def _family_key(source: str, config: Path | None) -> str:
    if config is None:
        if os.environ.get("HF_HUB_OFFLINE", "0") not in ("", "0"):
            raise ModelError(f"model '{source}' is not on this machine and HF_HUB_OFFLINE is set")
        if not _hub_reachable():
            raise ModelError(f"model '{source}' is not on this machine and the hub cannot be reached "
                             "(offline?): fetch it once online, or give a local folder with --model")
        from huggingface_hub import hf_hub_download

        try:
            config = Path(hf_hub_download(source, "config.json"))
        except Exception as exc:  # network, auth, missing repo: all end the same way for the user
            raise ModelError(f"cannot fetch model '{source}': {type(exc).__name__}") from None
    try:
        data = json.loads(config.read_text())
    except (OSError, ValueError):
        raise ModelError(f"{config}: not a readable JSON file") from None
    key = data.get("genocr_family") or data.get("model_type") if isinstance(data, dict) else None
    if not isinstance(key, str):
        raise ModelError(f"{config}: not a valid model config (a JSON object with a model_type string)")
    return key


def family_of(name_or_path: str) -> str | None:
    """A model's family key, read from its config without loading it; ``None`` when that is not
    known here (a hub id not yet downloaded). Errors as :func:`load_model` gives them."""
    name, source, config = _config_path(name_or_path)
    return None if config is None else _family_key(source, config)


def features_of(name_or_path: str) -> frozenset[str] | None:
    """What a model serves (see :func:`family_of`): its family's, and formatted output for a
    line reader whose folder holds a format decoder (``format.json``)."""
    name, source, config = _config_path(name_or_path)
    if config is None:
        return None
    family = _family_key(source, config)
    features = FAMILY_FEATURES.get(family, frozenset())
    if family == "genocr_line" and (config.parent / "format.json").is_file():
        features |= {"format"}
    return features


#: Families small enough to run one copy per core when many documents are read.
SMALL_FAMILIES = frozenset({"genocr_line", "genocr_small"})


def load_model(name_or_path: str = DEFAULT_MODEL, device: str = "cpu", dtype: str = "auto",
               threads: int | None = None) -> "OCRModel":
    """Load a registered model, a checkpoint folder or (online) a hub id, in ``dtype`` ("auto":
    see :func:`genocr.models.base.torch_dtype`), ready for reading (``OCRModel.for_inference``)."""
    name, source, config = _config_path(name_or_path)
    key = _family_key(source, config)
    if key not in FAMILY_MODULES:
        if key == "genocr-pixel":  # our image-to-image family has its own commands
            raise ModelError(f"model '{name}' is a pixel-level model: use genocr erase, segment or tamper")
        known = ", ".join(sorted(FAMILY_MODULES))
        raise ModelError(f"model '{name}' has model_type '{key}', which genocr cannot run (known: {known})")
    importlib.import_module(FAMILY_MODULES[key])
    family = FAMILIES[key]
    from safetensors import SafetensorError

    try:
        return family.from_pretrained(source, name=name, device=device, dtype=dtype, threads=threads).for_inference()
    except (OSError, ValueError, TypeError, KeyError, SafetensorError) as exc:  # a damaged folder
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(f"cannot load model '{name}': {first}") from None


register_model(ModelSpec(
    "genocr-small", "genocr-small", "genocr-small",
    "genocr's own small OCR-2.0 model (v2: a 2.5M convolutional line reader, ONNX), trained from scratch on the "
    "data engine: printed English and Latin-script text, with word boxes; a format decoder for formula and "
    "table crops",
    "Apache-2.0"))
register_model(ModelSpec(
    "got-ocr2", "got-ocr2", "stepfun-ai/GOT-OCR-2.0-hf",
    "GOT-OCR2.0 (560M) in transformers format: plain/format/box/colour/tiles/multi-page",
    "Apache-2.0"))
register_model(ModelSpec(
    "qwen2-vl-2b", "qwen2-vl", "Qwen/Qwen2-VL-2B-Instruct",
    "Qwen2-VL-2B-Instruct: general vision-language model with native dynamic resolution",
    "Apache-2.0"))
register_model(ModelSpec(
    "genocr-pixel", "genocr-pixel", "genocr-pixel",
    "genocr's pixel-level model (UPOCR-style, 4M), trained from scratch: text removal, segmentation, tamper detection",
    "Apache-2.0"))
