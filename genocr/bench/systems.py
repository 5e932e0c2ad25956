"""The systems a benchmark compares: genocr models and the peers that run offline on CPU.

Every system answers ``read(image, task, lang, layout) -> str``. Peers take ``lang`` and
``layout`` the way their users would configure them (Tesseract's language and page
segmentation mode, RapidOCR without detection on crops); genocr reads everything with its one
prompt-driven model. Heavy libraries are imported when a system is built, inside the worker
process that measures it, so one system's memory never counts against another.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any, ClassVar


class System:
    """One OCR system. ``last`` holds extra measurements of the most recent read; ``env`` is
    set in its worker process before it starts (thread limits)."""

    name: str = ""
    version: str = ""
    outputs: ClassVar[frozenset[str]] = frozenset({"text"})
    env: ClassVar[dict[str, str]] = {}

    def __init__(self) -> None:
        self.last: dict[str, float] = {}

    @staticmethod
    def missing() -> str | None:
        """Why this system cannot run here (cheap to call), or ``None``."""
        return None

    def read(self, image: Path, task: str = "plain", lang: str = "en", layout: str = "page") -> str:
        raise NotImplementedError


class Genocr(System):
    """A genocr model by registered name or checkpoint folder; counts tokens and time to first token."""

    outputs = frozenset({"text", "latex", "html", "smiles", "markdown"})

    def __init__(self, model: str, device: str = "cpu", max_new_tokens: int | None = None) -> None:
        import genocr

        super().__init__()
        decode = {} if max_new_tokens is None else {"max_new_tokens": max_new_tokens}
        self._ocr = genocr.OCR.load(model, device=device, **decode)
        self.name = f"genocr:{self._ocr.model.name}"
        self.version = genocr.__version__

    def read(self, image: Path, task: str = "plain", lang: str = "en", layout: str = "page") -> str:
        start, first = time.perf_counter(), []

        def on_text(_: str) -> None:
            if not first:
                first.append(time.perf_counter() - start)

        result = self._ocr.read(image, task=task, on_text=on_text)
        gen_seconds = sum(p.seconds for p in result.pages)
        tokens = sum(p.new_tokens for p in result.pages)
        # A page read block by block (formatted, by genocr-small) counts no tokens: no rates then.
        self.last = {"tokens": tokens, "tok_s": tokens / gen_seconds if gen_seconds else 0.0,
                     "ttft": first[0] if first else result.seconds} if tokens else {}  # fmt: skip
        return result.text


TESSDATA_DIRS = ("/usr/share/tesseract-ocr/5/tessdata", "/usr/share/tesseract-ocr/4.00/tessdata", "/usr/share/tessdata")


def tessdata() -> str | None:
    """The folder of Tesseract's language data: ``TESSDATA_PREFIX``, else Debian's."""
    for folder in filter(None, (os.environ.get("TESSDATA_PREFIX"), *TESSDATA_DIRS)):
        if (Path(folder) / "eng.traineddata").is_file():
            return folder
    return None


class Tesseract(System):
    """Tesseract 5 in-process through tesserocr, on one thread as OCRmyPDF runs it.

    OpenMP threads spin against whatever else runs on a 2-core machine: with its default
    threads a page took 8.6 s beside another job, against 1.5 s with ``OMP_THREAD_LIMIT=1``.
    In-process, no ``tesseract`` process starts and loads its model per image.
    """

    name = "tesseract"
    env: ClassVar[dict[str, str]] = {"OMP_THREAD_LIMIT": "1"}
    LANGS: ClassVar[dict[str, str]] = {"en": "eng", "zh": "chi_sim+eng"}
    PSM: ClassVar[dict[str, int]] = {"page": 3, "block": 6, "line": 7, "word": 8, "sparse": 11}

    @staticmethod
    def missing() -> str | None:
        if importlib.util.find_spec("tesserocr") is None:
            return "tesserocr is not installed (pip install tesserocr)"
        if tessdata() is None:
            return "no Tesseract language data (apt-get install tesseract-ocr-eng tesseract-ocr-chi-sim)"
        return None

    def __init__(self) -> None:
        import tesserocr

        super().__init__()
        self._tesserocr = tesserocr
        self._path = tessdata()
        self._apis: dict[tuple[str, int], Any] = {}
        self.version = tesserocr.tesseract_version().split()[1] + " (tesserocr, 1 thread)"

    def read(self, image: Path, task: str = "plain", lang: str = "en", layout: str = "page") -> str:
        from PIL import Image

        key = (self.LANGS.get(lang, "eng"), self.PSM[layout])
        if key not in self._apis:  # one engine per language and mode, loaded once
            self._apis[key] = self._tesserocr.PyTessBaseAPI(path=self._path, lang=key[0], psm=key[1])
        api = self._apis[key]
        with Image.open(image) as im:
            api.SetImage(im.convert("RGB"))
        return api.GetUTF8Text()


class RapidOCR(System):
    """RapidOCR 3 with the PP-OCR ONNX weights its wheel ships; lines joined top to bottom."""

    name = "rapidocr"

    @staticmethod
    def missing() -> str | None:
        absent = [m for m in ("rapidocr", "onnxruntime") if importlib.util.find_spec(m) is None]
        return f"not installed: pip install rapidocr==3.10.0 {' '.join(absent)}" if absent else None

    def __init__(self) -> None:
        from rapidocr import RapidOCR as Engine

        super().__init__()
        self._engine = Engine(params={"Global.log_level": "error"})
        self.version = f"{version('rapidocr')} (onnxruntime {version('onnxruntime')})"

    def read(self, image: Path, task: str = "plain", lang: str = "en", layout: str = "page") -> str:
        crop = layout in ("line", "word")  # a crop is one line already: recognise, do not detect
        # The engine keeps these flags between calls, so pass them every time.
        out = self._engine(str(image), use_det=not crop, use_cls=not crop, use_rec=True)
        if not out.txts:
            return ""
        return " ".join(out.txts) if crop else join_lines(out.boxes, out.txts)


def join_lines(boxes: Any, texts: tuple[str, ...]) -> str:
    """Group detected boxes into lines (vertical centres within half a box height), top to bottom."""
    spans = sorted(
        ((b[:, 1].min() + b[:, 1].max()) / 2, b[:, 1].max() - b[:, 1].min(), b[:, 0].min(), t)
        for b, t in zip(boxes, texts)
    )
    lines: list[list[tuple]] = []
    for span in spans:
        if lines and abs(span[0] - lines[-1][0][0]) <= max(span[1], lines[-1][0][1]) / 2:
            lines[-1].append(span)
        else:
            lines.append([span])
    return "\n".join(" ".join(s[3] for s in sorted(line, key=lambda s: s[2])) for line in lines)


class Osra(System):
    """OSRA (Debian ``osra``): molecule images to SMILES."""

    name = "osra"
    outputs = frozenset({"smiles"})

    @staticmethod
    def missing() -> str | None:
        return None if shutil.which("osra") else "no osra binary (apt-get install osra)"

    def __init__(self) -> None:
        super().__init__()
        out = subprocess.run(["osra", "--version"], capture_output=True, text=True).stdout
        self.version = out.split("version:")[-1].strip() or "unknown"

    def read(self, image: Path, task: str = "plain", lang: str = "en", layout: str = "page") -> str:
        out = subprocess.run(["osra", "-f", "smi", str(image)], capture_output=True, text=True).stdout
        return out.strip().splitlines()[0] if out.strip() else ""


PEERS: dict[str, type[System]] = {"tesseract": Tesseract, "rapidocr": RapidOCR, "osra": Osra}


def build(spec: dict[str, Any]) -> System:
    """A system from its worker spec: ``{"peer": name}`` or ``{"model": name_or_path, ...}``."""
    if "peer" in spec:
        return PEERS[spec["peer"]]()
    return Genocr(spec["model"], spec.get("device", "cpu"), spec.get("max_new_tokens"))
