"""Typeset pages whose target is GOT's Mathpix-markdown dialect (paper §3.3.2, got.md §2.5).

The target is ``\\title{}``, ``\\section*{}``/``\\subsection*{}`` headings, paragraphs with
inline ``\\( \\)`` and display ``\\[ \\]`` math and ``tabular`` tables, separated by blank
lines. That dialect is itself valid LaTeX once ``\\title`` prints its argument, so the page is
typeset from the target verbatim inside a fixed-width minipage: what the image shows is exactly
what the target says. Pages whose content overflows the width are redrawn (see ``latex``).
"""
from __future__ import annotations

import numpy as np
from PIL import ImageOps

from .. import corpus, latex
from ..sample import Sample, register_kind
from .math import Grammar, formula
from .table import random_grid, to_latex, words

PREAMBLE = "\n".join(
    [
        r"\usepackage{amsmath,amssymb,multirow,booktabs}",
        r"\renewcommand{\title}[1]{{\centering\LARGE #1\par}\medskip}",
    ]
)
SIZES = (r"\small", r"\normalsize", r"\normalsize", r"\large")
# Corpus text becomes LaTeX source, which is also the target: its markup characters are escaped
# ("45%" would comment out the rest of the paragraph, "$85" open math), and the minus sign of
# inline equations is set as a hyphen (pdflatex's text fonts have no U+2212); < and >, which
# the OT1 encoding prints as ¡ and ¿, become commands.
ESCAPES = str.maketrans({"\\": r"\textbackslash{}", "%": r"\%", "$": r"\$", "&": r"\&", "#": r"\#",
                         "_": r"\_", "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}",
                         "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}", "−": "-"})


def latex_text(text: str) -> str:
    """Corpus text as LaTeX text."""
    return text.translate(ESCAPES)


def sentence(rng: np.random.Generator) -> str:
    """An English sentence from ``corpus`` with, now and then, a short inline formula; never a
    list item (pdflatex's fonts have no ▪ ◦ ● bullets)."""
    parts = latex_text(corpus.sentence(rng, "en", bulleted=0.0)).split(" ")
    for i in range(len(parts) - 1, 0, -1):
        if rng.random() < 0.04:
            grammar = Grammar(rng)
            parts.insert(i, rf"\( {grammar.atom() if rng.random() < 0.7 else grammar.term(1)} \)")
    return " ".join(parts)


def paragraph(rng: np.random.Generator) -> str:
    return " ".join(sentence(rng) for _ in range(int(rng.integers(2, 6))))


def display(rng: np.random.Generator) -> str:
    """A display formula short enough to fit a column most of the time."""
    src = formula(rng)[0]
    while len(src) > 90:
        src = formula(rng)[0]
    return f"\\[\n{src}\n\\]"


def page(rng: np.random.Generator) -> tuple[str, list[str]]:
    """The page's Mathpix markdown and the list of its block types."""
    blocks: list[tuple[str, str]] = []
    if rng.random() < 0.3:
        blocks.append(("title", f"\\title{{{words(rng, 2, 6)}}}"))
    for _ in range(int(rng.integers(1, 4))):
        level = "section" if rng.random() < 0.6 else "subsection"
        blocks.append((level, f"\\{level}*{{{words(rng, 1, 5)}}}"))
        for _ in range(int(rng.integers(1, 4))):
            r = rng.random()
            if r < 0.2:
                blocks.append(("display", display(rng)))
            elif r < 0.35:
                blocks.append(("table", to_latex(random_grid(rng, 5, 4))))
            blocks.append(("paragraph", paragraph(rng)))
    return "\n\n".join(text for _, text in blocks), [kind for kind, _ in blocks]


def _snippet(rng: np.random.Generator) -> latex.Snippet:
    text, kinds = page(rng)
    width = float(rng.uniform(300, 470))
    setup = (
        f"{latex.font(rng)}{corpus.choice(rng, SIZES)}"
        f"\\setlength{{\\parindent}}{{{rng.choice([0, 1.5])}em}}"
        f"\\setlength{{\\parskip}}{{{rng.uniform(0, 6):.1f}pt}}"
    )
    body = f"\\begin{{minipage}}{{{width:.0f}pt}}{setup}\n{text}\n\\end{{minipage}}"
    return latex.Snippet(body, float(rng.uniform(1.8, 2.6)), (text, kinds, int(rng.integers(10, 80))))


def make_batch(rng: np.random.Generator, n: int) -> list[Sample]:
    """``n`` page samples from one pdflatex run."""
    out = []
    for s, im in latex.render_many(rng, n, _snippet, PREAMBLE):
        text, kinds, margin = s.data
        page_image = ImageOps.expand(im, border=margin, fill="white")
        out.append(Sample("formatted-page", [page_image], text, "format", {"blocks": kinds}))
    return out


make = register_kind("formatted-page")(latex.batched(make_batch))
