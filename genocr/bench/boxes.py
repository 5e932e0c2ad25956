"""``genocr bench boxes``: are the words where genocr says, and does its confidence mean anything?

Ground truth is every word's true box: from the text layer of typeset pages (the second dev set's
``NAME.boxes.json``, made with ``pdftotext -bbox-layout``) and from the data engine's page
meta, and the typeset pages again turned by a few degrees, as a skewed scan is (their true boxes
turned with them). A true word is found when a predicted word box overlaps it with IoU >= 0.5; Tesseract's
own word boxes (tesserocr, one thread) are matched the same way on the same pages. Confidence
is judged by whether the least confident tenth of genocr's matched words holds more of its
misread words than the rest. The searchable PDF is checked by reading it back with pdftotext:
its text against genocr's, its words' boxes against genocr's, and its cost against reading alone.
"""
from __future__ import annotations

import io
import json
import re
import statistics
import subprocess
import tempfile
import time
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from genocr.bench.report import fmt, table
from genocr.errors import OptionError
from genocr.io import atomic_write

Box = tuple[float, float, float, float]


TURN = 2.5  # degrees a typeset page is turned by, to measure boxes on a skewed scan


def iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip()


def match(truth: list[tuple[str, Box]], predicted: list[tuple[str, Box, float]]) -> list[tuple[str, str, float, float]]:
    """For each true word, the predicted word overlapping it most: (truth, read, IoU, confidence)."""
    out = []
    for text, box in truth:
        best = max(predicted, key=lambda p: iou(box, p[1]), default=None)
        if best is None:
            out.append((text, "", 0.0, 0.0))
        else:
            out.append((text, best[0], iou(box, best[1]), best[2]))
    return out


def _pages(data: Path | None, n_synthetic: int, limit: int | None) -> list[tuple[str, Any, list[tuple[str, Box]]]]:
    """(name, image, true words) for the typeset pages in ``data`` and synthetic pages."""
    from PIL import Image

    from genocr.layout.lines import rotate_box

    pages = []
    if data is not None:
        for meta in sorted(data.rglob("*.boxes.json"))[:limit]:
            image = Image.open(meta.with_name(meta.name[: -len(".boxes.json")] + ".png")).convert("RGB")
            words = [(w["text"], tuple(w["box"])) for ln in json.loads(meta.read_text())["lines"] for w in ln["words"]
                     if w["text"].strip()]
            pages.append((meta.name[: -len(".boxes.json")], image, words))
        for i, (name, image, words) in enumerate(list(pages)):  # each again, as a skewed scan
            angle = TURN if i % 2 else -TURN
            pages.append((f"turned_{name}", image.rotate(angle, Image.BICUBIC, fillcolor="white"),
                          [(text, rotate_box(box, angle, image.size, image.size)) for text, box in words]))
    if n_synthetic:
        from genocr.bench.datasets import HELD_OUT_SEED
        from genocr.data.engine import generate

        from genocr.predict.boxes import ink, tight

        for i in range(n_synthetic):
            sample = generate("page", HELD_OUT_SEED, i)
            if sample.meta.get("lang") != "en":
                continue
            image = sample.images[0]
            # The engine's word boxes span the font's whole height; a text layer's and a reader's
            # hug the ink: compare like with like.
            words = [(w["text"], tight(image, tuple(w["box"]))) for ln in sample.meta["lines"] for w in ln["words"]]
            pages.append((f"synth_page_{i:05d}", image, words))
    return pages


def _tesseract_words(api: Any, image: Any) -> list[tuple[str, Box, float]]:
    import tesserocr

    api.SetImage(image)
    api.Recognize()
    words, it = [], api.GetIterator()
    level = tesserocr.RIL.WORD
    for w in tesserocr.iterate_level(it, level):
        text = w.GetUTF8Text(level)
        box = w.BoundingBox(level)
        if text and box:
            words.append((text, tuple(float(v) for v in box), w.Confidence(level) / 100))
    return words


def run(model: str, data: Path | None, n_synthetic: int = 10, limit: int | None = None, tesseract: bool = True,
        out: Path | None = None) -> str:
    from genocr.predict.reader import OCR

    pages = _pages(data, n_synthetic, limit)
    if not pages:
        raise OptionError("no pages with word boxes: give --data (a folder from `genocr bench typeset`) or --synthetic N")
    ocr = OCR.load(model)
    api = None
    if tesseract:
        import os

        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        import tesserocr

        from genocr.bench.systems import tessdata

        api = tesserocr.PyTessBaseAPI(path=tessdata(), lang="eng", psm=tesserocr.PSM.AUTO)
    by_set: dict[str, dict[str, list]] = {}
    for name, image, truth in pages:
        group = "synthetic pages" if name.startswith("synth_") else \
            f"typeset pages turned ±{TURN:g}°" if name.startswith("turned_") else "typeset pages"
        result = ocr.read(image)
        ours = [(w.text, w.box, w.confidence) for w in result.pages[0].words]
        by_set.setdefault(group, {}).setdefault("genocr", []).extend(match(truth, ours))
        if api is not None:
            by_set[group].setdefault("tesseract", []).extend(match(truth, _tesseract_words(api, image)))
    rows = []
    for group, systems in by_set.items():
        for system, matches in systems.items():
            found = [m for m in matches if m[2] >= 0.5]
            rows.append([group, system, str(len(matches)), f"{len(found) / len(matches):.3f}",
                         f"{statistics.median(m[2] for m in matches):.3f}", _confidence(found)])
    lines = ["# genocr bench: boxes", "",
             f"{date.today().isoformat()}, model `{model}`, {len(pages)} pages "
             + (f"({sum(1 for p in pages if not p[0].startswith(('synth_', 'turned_')))} typeset from `{data}`, each "
                f"also turned by {TURN:g}° one way or the other, the rest synthetic; a turned page's true boxes are "
                "the bounds of its turned words)." if data is not None else "(synthetic)."),
             "", "A true word is found when a predicted word box overlaps it with IoU >= 0.5. Confidence: the misread "
             "rate of the least confident 10% of found words over that of the rest (>= 3 means it ranks errors).", "",
             table(["pages", "system", "true words", "found (IoU >= 0.5)", "median IoU", "misread: least confident 10% / rest"],
                   rows), ""]
    text = "\n".join(lines) + "\n"
    if out is not None:
        atomic_write(out / "boxes.md", text)
    return text


def _confidence(found: list[tuple[str, str, float, float]]) -> str:
    """Misread rate of the least confident tenth over that of the rest, as ``ratio (a vs b)``."""
    if len(found) < 20:
        return "–"
    ranked = sorted(found, key=lambda m: m[3])
    k = max(1, len(ranked) // 10)
    wrong = [_norm(t) != _norm(r) for t, r, _, _ in ranked]
    low, rest = sum(wrong[:k]) / k, sum(wrong[k:]) / (len(wrong) - k)
    ratio = low / rest if rest else float("inf")
    return f"{ratio:.1f} ({low:.2f} vs {rest:.3f})"


def pdf_round_trip(model: str, pages: list[Path], out: Path | None = None) -> str:
    """A scanned PDF of ``pages`` (images only) made searchable: pdftotext's text against
    genocr's, the text layer's word boxes against genocr's, and the cost against reading alone."""
    from PIL import Image

    from genocr.export import render
    from genocr.predict.reader import OCR

    ocr = OCR.load(model)
    with tempfile.TemporaryDirectory() as tmp:
        scan = Path(tmp) / "scan.pdf"
        images = [Image.open(p).convert("RGB") for p in pages]
        images[0].save(scan, "PDF", resolution=150, save_all=True, append_images=images[1:])
        ocr.read(scan, pages=[1], dpi=150)  # warm-up
        start = time.perf_counter()
        result = ocr.read(scan, dpi=150)
        read_s = time.perf_counter() - start
        start = time.perf_counter()
        pdf = render(result, "pdf", str(scan))
        pdf_s = time.perf_counter() - start
        searchable = Path(tmp) / "out.pdf"
        searchable.write_bytes(pdf)
        text_ok, ious = 0, []
        for n, page in enumerate(result.pages, 1):
            back = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-raw", str(searchable), "-"],
                                  capture_output=True, text=True, check=True).stdout
            text_ok += back.split() == page.text.split()
            bbox = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-bbox", str(searchable), "-"],
                                  capture_output=True, text=True, check=True).stdout
            found = [tuple(float(v) * 150 / 72 for v in m) for m in re.findall(
                r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', bbox)]
            ious += [max((iou(w.box, f) for f in found), default=0.0) for w in page.words]
    rows = [["pages", str(len(pages))],
            ["pages whose pdftotext text equals genocr's (up to whitespace)", f"{text_ok} of {len(pages)}"],
            ["text-layer word boxes with IoU >= 0.9 against genocr's", f"{sum(i >= 0.9 for i in ious) / max(1, len(ious)):.3f}"],
            ["reading, s", fmt(read_s, 2)], ["writing the searchable PDF, s", fmt(pdf_s, 2)],
            ["cost of the PDF over reading", f"+{100 * pdf_s / read_s:.1f}%"]]
    text = "\n".join(["# genocr bench: searchable PDF", "", table(["", ""], rows), ""]) + "\n"
    if out is not None:
        atomic_write(out / "pdf.md", text)
    return text
