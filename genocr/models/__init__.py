"""Model families and the registry that names them."""
from genocr.models.base import OCRModel
from genocr.models.registry import DEFAULT_MODEL, ModelSpec, list_models, load_model, register_model

__all__ = ["DEFAULT_MODEL", "ModelSpec", "OCRModel", "list_models", "load_model", "register_model"]
