"""A second set of printed formulas, typeset here from LaTeX sources nobody trained on.

The dev set's 15 printed formulas (im2latex: arXiv hep-th) are too few to tell a gain from
noise, and the format decoder now trains on one book's formulas (the ``math-source`` kind).
This set takes the display formulas of other sources (``genocr data formulas`` extraction:
one row each, as written) and typesets them as im2latex did: Computer Modern, display style,
one formula to a cropped image at 180-230 dpi, grey. Give it sources the training corpus does
not hold; docs/training names the ones measured.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from genocr.bench.typeset import write_manifest
from genocr.data import formulas, latex
from genocr.data.kinds.math import PREAMBLE, display
from genocr.errors import OptionError
from genocr.io import atomic_write


def make_formula_devset(sources: list[Path], out: Path, n: int = 40, seed: int = 0) -> Path:
    """``n`` formulas drawn from the display formulas under ``sources`` into
    ``out/formula_printed`` with a ``manifest.tsv`` that ``genocr bench formula --data OUT``
    reads; returns the manifest's path."""
    if not latex.available():
        raise OptionError("typesetting formulas needs pdflatex (apt-get install texlive-latex-base)")
    found = formulas.collect(sources)
    if len(found) < n:
        raise OptionError(f"only {len(found)} display formulas under {', '.join(map(str, sources))}; asked for {n}")
    rng = np.random.default_rng(seed)
    drawn = [found[i] for i in rng.permutation(len(found))[: 2 * n]]  # room for those that fail
    good = formulas.typesetting(drawn)[:n]
    images = latex.render([display(f) for f in good], list(rng.uniform(2.5, 3.2, len(good))), PREAMBLE)
    kept = [(f, im) for f, im in zip(good, images) if im is not None]
    folder = out / "formula_printed"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for i, (formula, image) in enumerate(kept):
        item = f"typeset_{i:03d}"
        png = io.BytesIO()
        image.convert("L").save(png, "PNG")
        atomic_write(folder / f"{item}.png", png.getvalue())
        atomic_write(folder / f"{item}.tex", formula)
        rows.append({"category": "formula_printed", "item_id": item, "image_path": f"formula_printed/{item}.png",
                     "gt_path": f"formula_printed/{item}.tex", "source": ", ".join(map(str, sources)),
                     "license": "the sources' own licence"})
    return write_manifest(out, rows)
