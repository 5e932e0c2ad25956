"""Single-system scores whose target is Humdrum **kern (GOT's sheet-music engine, §3.3.2).

music21 cannot write Humdrum, but its corpus ships 1,326 **kern files (mostly the Palestrina
masses, plus Bach chorales, Beethoven and Chopin), so the targets are real encodings: a few
consecutive measures of a few adjacent spines, cut from a file without spine splits. The cut
restates the clef, key signature and meter in force, renumbers measures from 1, drops what
the image does not show (comments, instruments, key names) and trims ties that cross the cut.
Verovio engraves the cut as one system; cairosvg rasterises the SVG.
"""
from __future__ import annotations

import io
import re
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image

from ..corpus import choice
from ..sample import Sample, register_kind

SHOWN = re.compile(r"^\*(clef|k\[|M(?=\d)|met\()")  # interpretations that change what is engraved
MANIPULATORS = {"*^", "*v", "*+", "*x"}
PITCH = re.compile(r"[A-Ga-g]+[#\-n]*")
FONTS = ("Leipzig", "Bravura", "Gootville", "Leland", "Petaluma")


@cache
def scores() -> list[Path]:
    """The corpus's **kern files, in a fixed order."""
    from music21 import corpus

    return sorted(corpus.getCorePaths(fileExtensions=("krn",)))


def _table(path: Path) -> list[list[str]] | None:
    """The file's records split into spines; None when spines split or some are not **kern."""
    lines = path.read_text("utf-8", "replace").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("!")]
    if not rows or any(set(r) & MANIPULATORS or len(r) != len(rows[0]) for r in rows):
        return None
    return rows if all(t == "**kern" for t in rows[0]) else None


def _trim_ties(rows: list[list[str]]) -> None:
    """Make ties self-contained: drop ends whose start precedes the cut, and close or drop
    ties left open at its end (in place)."""
    for col in range(len(rows[0])):
        open_at: dict[str, tuple[int, int]] = {}  # pitch -> (row, sub-token) of its open tie
        for i, row in enumerate(rows):
            if row[col].startswith(("*", "=")):
                continue
            subs = row[col].split(" ")
            for j, tok in enumerate(subs):
                pitch = "".join(PITCH.findall(tok))
                if ("]" in tok or "_" in tok) and pitch not in open_at:
                    tok = tok.replace("]", "").replace("_", "[")
                if "[" in tok or "_" in tok:
                    open_at[pitch] = (i, j)
                elif "]" in tok:
                    open_at.pop(pitch, None)
                subs[j] = tok
            row[col] = " ".join(subs)
        for i, j in open_at.values():
            subs = rows[i][col].split(" ")
            subs[j] = subs[j].replace("[", "").replace("_", "]")
            rows[i][col] = " ".join(subs)


def excerpt(rows: list[list[str]], start: int, count: int, spines: slice) -> str:
    """Measures ``start``..``start+count-1`` (0-based, counted by barlines) of ``spines``."""
    bars = [i for i, r in enumerate(rows) if r[0].startswith("=")]
    state: dict[tuple[int, str], str] = {}
    for row in rows[1 : bars[start]]:
        for col, tok in enumerate(row):
            if m := SHOWN.match(tok):
                state[(col, m.group(1))] = tok
    ncols = len(rows[0])
    header = [["**kern"] * ncols]
    for kind in ("clef", "k[", "M", "met("):
        toks = [state.get((c, kind), "*") for c in range(ncols)]
        header += [toks] if any(t != "*" for t in toks) else []
    body, number = [], 0
    for row in rows[bars[start] : bars[start + count]]:
        if row[0].startswith("="):
            number += 1
            body.append([re.sub(r"^=\d*", f"={number}", t) for t in row])
        elif row[0].startswith("*"):
            body.append([t if SHOWN.match(t) else "*" for t in row])
        else:
            body.append(list(row))
    out = [r[spines] for r in header + body]
    out = [r for r in out if not all(t in ("*", ".") for t in r)]
    _trim_ties(out)
    width = len(out[0])
    out += [["=="] * width, ["*-"] * width]
    return "\n".join("\t".join(r) for r in out) + "\n"


def pick(rng: np.random.Generator) -> tuple[str, str, int]:
    """A random excerpt with notes in it: (kern, corpus file, measure count)."""
    paths = scores()
    if not paths:
        raise RuntimeError("this music21 install has no corpus (no **kern files to cut from)")
    while True:
        path = choice(rng, paths)
        rows = _table(path)
        nbars = sum(1 for r in rows or [] if r[0].startswith("="))
        count = int(rng.integers(2, 5))
        if rows is None or nbars <= count:
            continue
        width = int(rng.choice([1, 2, 2, 3, 4]))
        first = int(rng.integers(0, max(1, len(rows[0]) - width + 1)))
        kern = excerpt(rows, int(rng.integers(0, nbars - count)), count, slice(first, first + width))
        if re.search(r"^[^*=!].*[A-Ga-g]", kern, re.MULTILINE):
            return kern, f"{path.parent.name}/{path.name}", count


def engrave(kern: str, rng: np.random.Generator) -> Image.Image:
    """Verovio's one-system engraving of ``kern`` on white."""
    import cairosvg
    import verovio

    tk = verovio.toolkit()
    tk.setOptions(
        {
            "breaks": "none",
            "adjustPageWidth": True,
            "adjustPageHeight": True,
            "header": "none",
            "footer": "none",
            "xmlIdSeed": 1,
            "font": choice(rng, FONTS),
            "scale": int(rng.integers(45, 90)),
            "spacingStaff": int(rng.integers(6, 14)),
            "spacingLinear": float(rng.uniform(0.2, 0.35)),
            "staffLineWidth": float(rng.uniform(0.12, 0.25)),
            "barLineWidth": float(rng.uniform(0.3, 0.6)),
            "pageMarginLeft": int(rng.integers(20, 120)),
            "pageMarginRight": int(rng.integers(20, 120)),
            "pageMarginTop": int(rng.integers(20, 120)),
            "pageMarginBottom": int(rng.integers(20, 120)),
        }
    )
    if not tk.loadData(kern):
        raise ValueError("verovio rejected a **kern excerpt")
    png = cairosvg.svg2png(bytestring=tk.renderToSVG(1).encode(), background_color="white")
    return Image.open(io.BytesIO(png)).convert("RGB")


@register_kind("music")
def make(rng: np.random.Generator) -> Sample:
    """A few measures of a corpus score, engraved as one system, and their **kern."""
    kern, source, count = pick(rng)
    meta = {"source": source, "measures": count}
    return Sample("music", [engrave(kern, rng)], kern, "format", meta)
