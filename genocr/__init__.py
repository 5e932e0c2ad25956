"""genocr: OCR-2.0 on your own machine.

>>> import genocr
>>> ocr = genocr.OCR.load("path/to/model")        # doctest: +SKIP
>>> print(ocr.read("page.png").text)               # doctest: +SKIP

``import genocr`` is light: the predictor (and with it torch) is imported the first time
``genocr.OCR`` or ``genocr.DecodeConfig`` is used, so the command line starts at once.
"""
from importlib import import_module
from importlib.metadata import version
from typing import Any

from genocr.errors import GenocrError, InputError, ModelError, OptionError
from genocr.results import PageResult, ReadResult

__version__ = version("genocr")
_LAZY = {"OCR": "genocr.predict.reader", "DecodeConfig": "genocr.predict.generation"}
__all__ = [
    "OCR",
    "DecodeConfig",
    "GenocrError",
    "InputError",
    "ModelError",
    "OptionError",
    "PageResult",
    "ReadResult",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'genocr' has no attribute {name!r}")
