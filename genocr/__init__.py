"""genocr: OCR-2.0 on your own machine.

>>> import genocr
>>> ocr = genocr.OCR.load("path/to/model")        # doctest: +SKIP
>>> print(ocr.read("page.png").text)               # doctest: +SKIP
"""
from importlib.metadata import version

from genocr.errors import GenocrError, InputError, ModelError, OptionError
from genocr.predict import OCR, DecodeConfig
from genocr.results import PageResult, ReadResult

__version__ = version("genocr")
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
