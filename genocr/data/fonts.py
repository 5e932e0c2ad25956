"""The font catalogue: which installed fonts the text renderers draw with.

Fonts come from Debian packages (see ``SOURCES.md``) with matplotlib's bundled DejaVu as the
fallback that is always there. Glyph coverage is read from each font's cmap so that a sample's
ground truth does not contain a character its font would draw as a missing-glyph box.
"""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from functools import cache, lru_cache

import numpy as np
from fontTools.ttLib import TTFont
from PIL import ImageFont

FONT_ROOT = "/usr/share/fonts"
# Latin text faces: one folder per Debian font package.
LATIN_GLOBS = (
    "truetype/dejavu/*.ttf",
    "truetype/liberation2/*.ttf",
    "truetype/freefont/*.ttf",
    "truetype/crosextra/*.ttf",
    "truetype/open-sans/*.ttf",
    "opentype/urw-base35/*.otf",
    "opentype/ebgaramond/*.otf",
    "/usr/share/texmf/fonts/opentype/public/lm/*.otf",  # Latin Modern (fonts-lmodern): TeX's faces
)
# Faces of symbols or math rather than running text, one too faint at small sizes, and Latin
# Modern's display oddities (Dunhill's tall ascenders, the quotation sans, an unslanted italic).
EXCLUDE = ("Symbol", "D050000L", "Math", "ExtraLight", "Dunhill", "Quotation", "Unslanted")
CJK_GLOBS = ("opentype/noto/Noto*CJK-*.ttc", "truetype/wqy/wqy-*.ttc")
CJK_FACES = ("Noto Sans CJK SC", "Noto Serif CJK SC", "WenQuanYi Micro Hei")


@dataclass(frozen=True)
class Face:
    """One font face (a file, and the face index inside a .ttc collection)."""

    path: str
    index: int
    family: str
    style: str
    cjk: bool

    @property
    def bold(self) -> bool:
        return any(w in self.style for w in ("Bold", "Demi", "Semibold", "Extrabold"))

    @property
    def italic(self) -> bool:
        return any(w in self.style for w in ("Italic", "Oblique"))

    @property
    def mono(self) -> bool:
        """A typewriter face: code, commands and file names are set in one."""
        return any(w in self.family for w in ("Mono", "Courier")) and "Prop" not in self.family

    @property
    def small_caps(self) -> bool:
        """Latin Modern's caps faces draw lower-case letters as small capitals."""
        return self.family.endswith("Caps")

    @property
    def name(self) -> str:
        return f"{self.family} {self.style}"

    def font(self, size: int) -> ImageFont.FreeTypeFont:
        return _load(self.path, self.index, int(size))

    def covers(self, text: str) -> bool:
        cmap = _cmap(self.path, self.index)
        return all(ord(ch) in cmap for ch in text if not ch.isspace())


@lru_cache(maxsize=1024)
def _load(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size, index=index, layout_engine=ImageFont.Layout.BASIC)


@cache
def _cmap(path: str, index: int) -> frozenset[int]:
    with TTFont(path, fontNumber=index, lazy=True) as f:
        return frozenset(f.getBestCmap())


def _faces(patterns: tuple[str, ...], cjk: bool) -> list[Face]:
    faces = []
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.join(FONT_ROOT, pattern))):
            for index in range(10 if path.endswith(".ttc") else 1):
                try:
                    family, style = ImageFont.truetype(path, 12, index=index).getname()
                except OSError:
                    break
                keep = family in CJK_FACES if cjk else not any(x in f"{family} {style}" for x in EXCLUDE)
                if keep and family and style:
                    faces.append(Face(path, index, family, style, cjk))
    return faces


@cache
def latin_faces() -> tuple[Face, ...]:
    faces = _faces(LATIN_GLOBS, cjk=False)
    if not faces:  # matplotlib always ships DejaVu
        import matplotlib

        root = os.path.join(os.path.dirname(matplotlib.__file__), "mpl-data", "fonts", "ttf")
        faces = _faces((os.path.join(root, "DejaVu*.ttf"),), cjk=False)
    return tuple(faces)


@cache
def cjk_faces() -> tuple[Face, ...]:
    """Simplified-Chinese faces; empty when no CJK font package is installed."""
    return tuple(_faces(CJK_GLOBS, cjk=True))


def _families(faces: tuple[Face, ...]) -> dict[str, list[Face]]:
    fams: dict[str, list[Face]] = {}
    for f in faces:
        fams.setdefault(f.family, []).append(f)
    return fams


def pick_family(rng: np.random.Generator, cjk: bool, mono: bool | None = None) -> list[Face]:
    """All faces of one family chosen uniformly (families, not files, so big families don't
    dominate); ``mono`` True/False asks for a typewriter family or any other (None: either)."""
    fams = _families(cjk_faces() if cjk else latin_faces())
    if mono is not None and not cjk:
        fams = {k: v for k, v in fams.items() if v[0].mono == mono} or fams
    names = sorted(fams)
    return fams[names[int(rng.integers(len(names)))]]


def pick_face(rng: np.random.Generator, text: str, cjk: bool, bold: bool | None = None,
              mono: bool | None = None, italic: float = 0.15) -> Face:
    """A face that draws every character of ``text`` (if no installed font does, the last one
    tried); ``bold`` None means any weight, ``mono`` as for :func:`pick_family`, ``italic`` the
    chance of a slanted face."""
    for _ in range(8):
        family = pick_family(rng, cjk, mono)
        face = style_of(family, bold=bold if bold is not None else bool(rng.random() < 0.2),
                        italic=bool(rng.random() < italic))
        if face.covers(text):
            return face
    covering = [f for f in cjk_faces() + latin_faces() if f.covers(text)]
    return covering[int(rng.integers(len(covering)))] if covering else face


def style_of(family: list[Face], bold: bool = False, italic: bool = False) -> Face:
    """The face of ``family`` closest to the wanted weight and slant (Latin Modern's text
    size, 10 pt, before its display and caption sizes)."""
    return min(family, key=lambda f: (f.bold != bold) * 2 + (f.italic != italic) + (not f.style.startswith(("10 ", "Regular", "Bold", "Italic"))) * 0.5 + len(f.style) / 100)
