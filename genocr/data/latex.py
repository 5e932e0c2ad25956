"""Batched LaTeX: many snippets in one pdflatex run, one PDF page each, rasterised by pdfium.

Starting pdflatex costs 0.1-0.2 s (more with TikZ) while each further snippet costs about a
millisecond, so the LaTeX kinds draw a whole batch of sources and compile them together. Every
snippet is a page of the ``standalone`` class, cropped to its content; pdfium rasterises the
pages directly (no dvipng or ghostscript). Nothing is cached between calls.

The batched kinds register ``make(rng)`` (one sample) built by :func:`batched`, and carry the
faster ``make.make_batch(rng, n)``; a data engine should call
``getattr(KINDS[name], "make_batch", None)`` and prefer it when present.
"""
from __future__ import annotations

import bisect
import logging
import re
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
from PIL import Image

from .corpus import choice
from .render import Line
from .sample import MakeFn, Sample

log = logging.getLogger(__name__)

# Text font families that texlive-fonts-recommended provides through psnfss (Computer Modern,
# Times, Palatino, Charter, Utopia, Helvetica); switched per snippet so one batch mixes them.
FONTS = ("cmr", "ptm", "ppl", "bch", "put", "phv")
# Content wider than its box spills past the cropped page, leaving ground truth that is not in
# the image; pdflatex reports it with the source line, which tells the snippet.
OVERFULL = re.compile(r"^Overfull \\hbox \(([\d.]+)pt too wide\).*?lines? (\d+)", re.MULTILINE)
MAX_OVERFULL_PT = 3.0
# Where a TeX error stopped: the "l.<line>" after its "! message" (nonstopmode log).
ERROR_LINE = re.compile(r"^! .*?^l\.(\d+)", re.MULTILINE | re.S)
# pdflatex sets TeX's own faces in T1 (Cork) encoding as Type 3 bitmap fonts without a Unicode
# map, so PDFium hands back Cork's slots: ligatures, dashes and quotes as control characters
# (``fi`` as U+001C, which ``str.split`` takes for a space). Run 1 of genocr-small v2 learnt
# those labels and read "file" as "le" on held-out manuals. Cork's slots, spelt out (not 0x0D,
# the single low quote, which PDFium also uses for its line ends). Above 0x7F come back Cork's
# § (0x9F) and ß (0xFF, which PDFium spells ÿ), and the slots of textcomp's (TS1) symbols, in
# every face for the open bullet: a list's bullet was labelled U+0088, and genocr-small v2 run 2
# learnt to drop it. Where a TS1 slot holds a Cork letter (0x88 Ĺ, 0x97 Ů, 0x9E đ; none is in
# the corpus) the symbol wins; ``×`` (TS1 0xD6, Cork's Ö) is set from math (kinds/typeset.py).
# A face that spells ÿ in Unicode is labelled ß: the corpus has no ÿ.
CORK = {0x10: "“", 0x11: "”", 0x12: "„", 0x13: "«", 0x14: "»", 0x15: "–", 0x16: "—",
        0x17: "", 0x19: "ı", 0x1B: "ff", 0x1C: "fi", 0x1D: "fl", 0x1E: "ffi", 0x1F: "ffl",
        0x88: "•", 0x97: "™", 0x9E: "◦", 0x9F: "§", 0xFF: "ß"}
# PDFium marks a hyphen that breaks a word at a line's end with U+FFFE, or with U+0002 in the
# Type 1 faces (then without the line break after it).
LINE_END_HYPHENS = "\ufffe\x02"


class LatexError(RuntimeError):
    """pdflatex failed or produced an unexpected number of pages."""


@dataclass
class Snippet:
    """One page to typeset: its LaTeX ``body``, the rasterising ``scale`` (1 = 72 dpi) and the
    kind's own ``data`` (ground truth, metadata) that travels with it."""

    body: str
    scale: float
    data: Any = None


def available() -> bool:
    """Whether pdflatex is installed (the kinds fall back or skip otherwise)."""
    return shutil.which("pdflatex") is not None


def font(rng: np.random.Generator) -> str:
    """LaTeX that switches the rest of the current group to a random text font of FONTS."""
    return rf"\renewcommand{{\familydefault}}{{{choice(rng, FONTS)}}}\normalfont "


def document(bodies: Sequence[str], preamble: str = "", border_pt: float = 4) -> str:
    """A standalone document with one page per body (each body is its own TeX group)."""
    pages = "\n".join(f"\\begin{{snippet}}\n{b}\n\\end{{snippet}}" for b in bodies)
    return (
        f"\\documentclass[border={border_pt:g}pt]{{standalone}}\n{preamble}\n"
        "\\standaloneenv{snippet}\n\\begin{document}\n"
        f"{pages}\n\\end{{document}}\n"
    )


def compile_pdf(source: str, timeout_s: float = 120, halt: bool = True) -> tuple[bytes, str]:
    """Run pdflatex on ``source`` in a scratch directory; return the PDF bytes and the log.
    Without ``halt`` it runs on past errors (:func:`failing` reads them from the log)."""
    with tempfile.TemporaryDirectory(prefix="genocr-tex-") as tmp:
        Path(tmp, "doc.tex").write_text(source, encoding="utf-8")
        cmd = ["pdflatex", "-interaction=nonstopmode", "-no-shell-escape", "doc.tex"]
        if halt:
            cmd.insert(2, "-halt-on-error")
        try:
            proc = subprocess.run(cmd, cwd=tmp, capture_output=True, timeout=timeout_s)
        except subprocess.TimeoutExpired as e:
            raise LatexError(f"pdflatex ran past {timeout_s:g} s") from e
        pdf = Path(tmp, "doc.pdf")
        if (halt and proc.returncode != 0) or not pdf.exists():
            tail = proc.stdout.decode("utf-8", "replace")[-1500:]
            raise LatexError(f"pdflatex failed (exit {proc.returncode}):\n{tail}")
        return pdf.read_bytes(), Path(tmp, "doc.log").read_text("utf-8", "replace")


def _snippet_of(source: str) -> Callable[[int], int]:
    """Maps a line number of ``source`` to the index of the snippet that holds it."""
    starts = [i + 1 for i, line in enumerate(source.splitlines()) if line == "\\begin{snippet}"]
    return lambda line: bisect.bisect_right(starts, line) - 1


def overfull(source: str, log_text: str) -> set[int]:
    """Indices of the snippets of ``source`` with a box overfull by more than MAX_OVERFULL_PT."""
    snippet = _snippet_of(source)
    return {snippet(int(m.group(2))) for m in OVERFULL.finditer(log_text) if float(m.group(1)) > MAX_OVERFULL_PT}


def failing(bodies: Sequence[str], preamble: str = "") -> set[int]:
    """Indices of the bodies that raise a TeX error or overflow, from one pdflatex run that goes
    on past errors: a thousand untried sources cost one run, where :func:`render`'s halving
    would cost several for each bad one. A fatal error (a runaway argument, TeX's hundredth
    error) halves the batch."""
    source = document(bodies, preamble)
    try:
        _, log_text = compile_pdf(source, halt=False)
        if "That makes 100 errors" in log_text:
            raise LatexError("TeX gave up")
    except LatexError:
        if len(bodies) <= 1:
            return set(range(len(bodies)))
        mid = len(bodies) // 2
        return failing(bodies[:mid], preamble) | {mid + i for i in failing(bodies[mid:], preamble)}
    snippet = _snippet_of(source)
    errors = {snippet(int(m.group(1))) for m in ERROR_LINE.finditer(log_text)}
    return errors | overfull(source, log_text)


def render(
    bodies: Sequence[str], scales: Sequence[float], preamble: str = "", text: bool = False
) -> list[Any]:
    """Rasterise each body as its own cropped page; ``None`` for a body that fails on its own
    or overflows its box. With ``text``, each page comes with the lines of its text layer
    (:func:`text_lines`): ``(image, lines)``.

    A failing batch is split in halves until the culprits are isolated, so one bad source
    costs a few extra runs instead of the whole batch.
    """
    if not bodies:
        return []
    source = document(bodies, preamble)
    try:
        pdf_bytes, log_text = compile_pdf(source)
    except LatexError as e:
        if len(bodies) == 1:
            log.warning("dropped a LaTeX snippet that does not compile: %s\n%s", bodies[0][:200], e)
            return [None]
        mid = len(bodies) // 2
        return render(bodies[:mid], scales[:mid], preamble, text) + render(bodies[mid:], scales[mid:], preamble, text)
    spilled = overfull(source, log_text)
    pdf = pdfium.PdfDocument(pdf_bytes)
    try:
        if len(pdf) != len(bodies):
            raise LatexError(f"expected {len(bodies)} pages, got {len(pdf)}")
        out: list[Any] = []
        for i, s in enumerate(scales):
            if i in spilled:
                out.append(None)
                continue
            image = pdf[i].render(scale=s).to_pil().convert("RGB")
            out.append((image, text_lines(pdf[i], s)) if text else image)
        return out
    finally:
        pdf.close()


def text_lines(page: pdfium.PdfPage, scale: float) -> list[Line]:
    """The lines of a typeset page's text layer, as the text extractor of a PDF reader gives
    them, with boxes in pixels at ``scale``; ligatures spelt out (NFKC, CORK), a hyphen that
    breaks a word across lines (LINE_END_HYPHENS) kept at its line's end."""
    textpage = page.get_textpage()
    height = page.get_size()[1]
    lines: list[Line] = []
    chars: list[tuple[str, tuple[float, float, float, float]]] = []

    def close() -> None:
        boxes = [b for c, b in chars if b[2] > b[0]]
        content = unicodedata.normalize("NFKC", "".join(c for c, _ in chars)).strip()
        if content and boxes:
            x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
            x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
            box = (int(x0 * scale), int((height - y1) * scale), int(np.ceil(x1 * scale)), int(np.ceil((height - y0) * scale)))
            lines.append(Line(" ".join(content.split()), box))
        chars.clear()

    try:
        for i in range(textpage.count_chars()):  # by char index: text-range offsets may differ from it
            code = pdfium_raw.FPDFText_GetUnicode(textpage.raw, i) or 0xFFFD
            ch = CORK.get(code, chr(code))
            if not ch:
                continue
            if ch in "\r\n":
                close()
            elif ch in LINE_END_HYPHENS:
                chars.append(("-", textpage.get_charbox(i)))
                close()
            else:
                chars.append((ch, textpage.get_charbox(i)))
        close()
    finally:
        textpage.close()
    return lines


def render_many(
    rng: np.random.Generator,
    n: int,
    draw: Callable[[np.random.Generator], Snippet],
    preamble: str = "",
    rounds: int = 3,
    text: bool = False,
) -> list[tuple[Snippet, Any]]:
    """Draw ``n`` snippets with ``draw(rng)`` and typeset them in one run, redrawing failures;
    each comes with its image (and its text lines, with ``text``: see :func:`render`)."""
    done: list[tuple[Snippet, Any]] = []
    for _ in range(rounds):
        snippets = [draw(rng) for _ in range(n - len(done))]
        images = render([s.body for s in snippets], [s.scale for s in snippets], preamble, text)
        done += [(s, im) for s, im in zip(snippets, images) if im is not None]
        if len(done) == n:
            return done
    raise LatexError(f"only {len(done)} of {n} snippets compiled after {rounds} rounds")


def batched(make_batch: Callable[[np.random.Generator, int], list[Sample]]) -> MakeFn:
    """A one-sample ``make(rng)`` over ``make_batch``, carrying it as ``make.make_batch``."""

    def make(rng: np.random.Generator) -> Sample:
        """One sample: ``make_batch(rng, 1)``, which still pays a whole pdflatex start."""
        return make_batch(rng, 1)[0]

    make.make_batch = make_batch  # type: ignore[attr-defined]
    return make
