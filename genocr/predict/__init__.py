"""Prediction: the OCR predictor and the shared decoder (imported on first use: they need torch)."""
from importlib import import_module
from typing import Any

_LAZY = {"OCR": "genocr.predict.reader", "DecodeConfig": "genocr.predict.generation",
         "Generation": "genocr.predict.generation", "generate": "genocr.predict.decode"}
__all__ = ["OCR", "DecodeConfig", "Generation", "generate"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'genocr.predict' has no attribute {name!r}")
