"""Model families and the registry that names them (the families import torch on first use)."""
from importlib import import_module
from typing import Any

from genocr.models.registry import DEFAULT_MODEL, ModelSpec, list_models, load_model, register_model

__all__ = ["DEFAULT_MODEL", "ModelSpec", "OCRModel", "list_models", "load_model", "register_model"]


def __getattr__(name: str) -> Any:
    if name == "OCRModel":
        return import_module("genocr.models.base").OCRModel
    raise AttributeError(f"module 'genocr.models' has no attribute {name!r}")
