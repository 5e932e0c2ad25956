"""``typeset``: English text blocks set by a real typesetter (pdflatex) and rasterised by PDFium.

The other text kinds draw glyphs one by one with Pillow: no kerning, no ligatures, no
hyphenation, no TeX fonts. The pages people make searchable come out of typesetters, and a
reader trained only on Pillow's drawing met ligatures, kerned pairs and hyphenated line ends
for the first time on held-out manuals. Here a block (a heading, paragraphs, a list item, a
line of code) is set in a random text face of TeX's (Computer Modern, Times, Palatino,
Charter, Utopia, Helvetica, Courier for code) at a random size and measure, rendered at 100 to
250 dpi, and lightly degraded. The ground truth is the PDF's own text layer, line by line,
with each line's box, as a PDF reader extracts it: it matches what is drawn by construction.
"""
from __future__ import annotations

import re
import string
from dataclasses import replace

import numpy as np

from .. import augment, corpus, latex
from ..corpus import choice
from ..sample import Sample, register_kind

PREAMBLE = r"\usepackage[T1]{fontenc}\usepackage{textcomp}\usepackage{xcolor}"
TEXT_FONTS = ("cmr", "cmr", "ptm", "ppl", "bch", "put", "phv", "cmss")
CODE_FONTS = ("cmtt", "pcr")
# Faces with a Unicode map (Type 1): their own minus sign, textcomp's, reads back as U+2212.
# TeX's own faces are Type 3 bitmaps: there it comes back as TS1's slot, "=".
TYPE1_FONTS = ("ptm", "ppl", "bch", "put", "phv", "pcr")
# The accents \~{} and \^{} drew a raised accent that the text layer reads as nothing, U+0303
# or, in Computer Modern, "x- / 2" for x^2: labels without the mark the image showed.
SPECIALS = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
            "^": r"\textasciicircum{}", "_": r"\_", "~": r"\textasciitilde{}", "%": r"\%",
            "<": r"\textless{}", ">": r"\textgreater{}",
            "|": r"\textbar{}", "•": r"\textbullet{}", "▪": r"\textbullet{}", "●": r"\textbullet{}",
            "◦": r"\textopenbullet{}", "§": r"\S{}", "©": r"\textcopyright{}", "°": r"\textdegree{}",
            "±": r"\textpm{}", "µ": r"\textmu{}", "×": r"$\times$", "½": r"\textonehalf{}",
            "¼": r"\textonequarter{}", "¾": r"\textthreequarters{}", "™": r"\texttrademark{}",
            "®": r"\textregistered{}", "¶": r"\P{}", "…": r"\dots{}", "−": "-"}


# An option: ``-v``, ``--help``, ``[-W``, ``--recursion-limit``. Groff sets all its hyphens as
# minus signs (a manual writes ``\-\-recursion\-limit``); up to engine v9 only the leading ones
# were, and v2 run 7 read the inner ones as em dashes ("--recursion—limit") on groff pages.
_OPTION = re.compile(r"(?<![\w-])-+[A-Za-z][\w-]*")


def escape(text: str, minus: str | None = None, every: bool = False) -> str:
    """``text`` as LaTeX source that typesets it literally (characters T1 lacks are dropped).

    Two hyphens stay two (``-{}-``): TeX's ligature drew an en dash where an option such as
    ``--help`` has hyphens, and the reader learnt to read them so. With ``minus`` (``$-$``, the
    math minus, or ``\\textminus{}``, the text face's own) an option's hyphens are minus signs,
    as groff sets a manual page's ``\\-``; the text layer says U+2212 and :func:`make_batch`
    labels it "-", what a reader copying the option needs. With ``every``, all hyphens are:
    manuals made from DocBook or AsciiDoc (git's, perf's) escape words' too (``remote\\-tracking``);
    up to engine v10 only options' were, and runs 7 and 11 read a word's hyphen set so as an em
    dash ("remote—tracking", "system—wide") on the second dev set.
    """
    if minus:
        text = text.replace("-", "\0") if every else _OPTION.sub(lambda m: m.group().replace("-", "\0"), text)
    out = []
    for c in text:
        if c == "\0":
            out.append(minus)
        elif c in SPECIALS:
            out.append(SPECIALS[c])
        elif ord(c) < 0x250 or c in "‘’“”–—":
            out.append(c)
    return re.sub(r"-(?=-)", "-{}", "".join(out))


MINUS_OPTIONS = 0.4  # share of blocks whose options are set with minus signs, groff's way
# Run 3 learnt the math minus only, longer than a Times minus (which groff sets, as long as an
# en dash there): it read groff's options as en dashes ("–s") on the second dev set.
MINUS_SIGNS = ("$-$", r"\textminus{}")
EVERY_HYPHEN = 0.5  # share of those blocks that set every hyphen so, DocBook's way
COMPOUND = 0.08  # share of word spaces joined by a hyphen there, as such manuals' text is


def _family(name: str) -> str:
    return rf"\fontfamily{{{name}}}\selectfont "


def _sign(minus: str | None, face: str) -> str | None:
    """The minus sign ``face`` can set: in TeX's own faces, the math one."""
    return "$-$" if minus and face not in TYPE1_FONTS else minus


def option_tag(rng: np.random.Generator) -> str:
    """The head of a manual's option entry: ``-k --keep``, ``-o file``, ``--sym-base=<n>``."""
    n, word = corpus._drawers(rng)
    def one() -> str:
        long = "-".join(word() for _ in range(n(1, 3)))
        return choice(rng, (f"-{choice(rng, string.ascii_letters + '0123456789')}", f"--{long}", f"-{long}",
                            f"--{long}={choice(rng, (word().upper(), f'<{word()}>', word()))}", f"--{long}[={word()}]"))
    tag = choice(rng, (" ", ", ", " | ")).join(one() for _ in range(n(1, 3)))
    return tag + (f" {choice(rng, (word(), word().upper(), f'<{word()}>', f'[{word()}]'))}" if rng.random() < 0.3 else "")


def _compounds(rng: np.random.Generator, text: str) -> str:
    """``text`` with some neighbouring words joined into compounds ("per-user", "right-align")."""
    return re.sub(r"(?<=[a-z]) (?=[a-z])", lambda _: "-" if rng.random() < COMPOUND else " ", text)


def _option_item(rng: np.random.Generator, minus: str | None, every: bool = False) -> str:
    """A manual's option entry, its tag starting the line (v2 run 7 read a leading "-" as "~"
    there, where the data had put paths like ``~/``): the tag in bold or not, the description
    after it on the same line or indented below it, as groff and LaTeX manuals set them."""
    tag = escape(option_tag(rng), minus, every)
    if rng.random() < 0.5:
        tag = rf"\textbf{{{tag}}}"
    text = _prose(rng, 30, 300, minus, every)
    indent = f"{rng.uniform(0, 4):.1f}em"
    if rng.random() < 0.5:
        return rf"{{\leftskip={indent}\noindent {tag} {text}\par}}"
    return rf"{{\leftskip={indent}\noindent {tag}\par\advance\leftskip by {rng.uniform(1.5, 4):.1f}em\noindent {text}\par}}"


def _prose(rng: np.random.Generator, low: int, high: int, minus: str | None, every: bool) -> str:
    """A paragraph of ``low`` to ``high`` characters, escaped; compounds where ``every`` hyphen is a minus."""
    text = corpus.paragraph(rng, "en", int(rng.integers(low, high)))
    return escape(_compounds(rng, text) if every else text, minus, every)


def _block(rng: np.random.Generator, face: str) -> str:
    """A few pieces of a manual or report in ``face``, each its own paragraph."""
    pieces = []
    minus = _sign(choice(rng, MINUS_SIGNS), face) if rng.random() < MINUS_OPTIONS else None
    every = minus is not None and rng.random() < EVERY_HYPHEN
    if rng.random() < 0.4:
        size = choice(rng, (r"\large", r"\Large", r"\normalsize"))
        pieces.append(rf"{{{size}\bfseries {escape(corpus.heading(rng, 'en'))}\par}}\smallskip")
    for _ in range(int(rng.integers(2, 7))):
        r = rng.random()
        if r < 0.2:
            code = choice(rng, CODE_FONTS)
            pieces.append(rf"{{{_family(code)}\noindent {escape(corpus.code_line(rng), _sign(minus, code), every)}\par}}")
        elif r < 0.3:
            pieces.append(_option_item(rng, minus, every))
        elif r < 0.4:
            pieces.append(rf"\noindent\textbullet\ {_prose(rng, 40, 200, minus, every)}\par")
        else:
            text = _prose(rng, 80, 700, minus, every)
            if rng.random() < 0.2:  # a word or two in italics or bold, as prose sets terms
                words = text.split(" ")
                i = int(rng.integers(len(words)))
                styles = (r"\emph{", r"\textbf{", r"\textsc{") + (() if "textminus" in words[i] else (r"\texttt{",))
                words[i] = choice(rng, styles) + words[i] + "}"  # (no text minus in TeX's typewriter)
                text = " ".join(words)
            pieces.append(text + r"\par")
    return "\n".join(pieces)


def _snippet(rng: np.random.Generator) -> latex.Snippet:
    size = float(rng.uniform(8, 13))
    measure = float(rng.uniform(160, 420))  # pt: a column to a full page width
    face = choice(rng, TEXT_FONTS)
    # \relax ends the glue: a block starting "Plusieurs" had TeX read "plus" as its stretch
    body = (rf"\parbox{{{measure:.0f}pt}}{{{_family(face)}"
            rf"\fontsize{{{size:.1f}}}{{{size * rng.uniform(1.15, 1.35):.1f}}}\selectfont"
            rf"\parindent={rng.uniform(0, 2):.1f}em\parskip={rng.uniform(0, 0.6):.2f}em\relax "
            f"{_block(rng, face)}}}")
    dpi = float(rng.uniform(100, 250))
    return latex.Snippet(body, dpi / 72)


def make_batch(rng: np.random.Generator, n: int) -> list[Sample]:
    out = []
    for snippet, (image, lines) in latex.render_many(rng, n, _snippet, PREAMBLE, text=True):
        image = augment.degrade(image, rng, 0.6)
        lines = [replace(ln, text=ln.text.replace("\u2212", "-")) for ln in lines]  # minus-set options
        out.append(Sample("typeset", [image], "\n".join(ln.text for ln in lines), "plain",
                          {"lang": "en", "lines": [ln.to_json() for ln in lines]}))
    return out


make = register_kind("typeset")(latex.batched(make_batch))
