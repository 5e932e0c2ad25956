"""Formulas as authors write them, taken from LaTeX sources, for the ``math-source`` kind.

The grammar of ``kinds/math.py`` draws formulas of the constructs arXiv uses, but not their
mix: the format decoder read its own held-out formulas at token NED 0.28 and the dev set's
arXiv formulas at 0.73 (docs/training/genocr-small-format-run2). Display formulas from real
sources carry that mix. :func:`extract` takes them out of a document's source; ``genocr data
formulas`` builds a corpus file from a folder of sources, keeping only what typesets with the
math kind's preamble, and the kind reads that file (:data:`CORPUS`).
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Iterable

from ..errors import InputError
from ..io import atomic_write
from ..paths import HOME
from ..progress import Progress

CORPUS = HOME / "corpora" / "formulas.txt"
DISPLAY = re.compile(
    r"\\begin\{(equation|align|gather|multline|eqnarray|displaymath|flalign)(\*?)\}(.*?)\\end\{\1\2\}"
    r"|\\\[(.*?)\\\]|\$\$(.*?)\$\$",
    re.S,
)
COMMENT = re.compile(r"(?<!\\)%.*")
DROPPED = re.compile(r"\\(?:label|tag\*?|eqref|ref)\s*\{[^{}]*\}|\\(?:nonumber|notag|displaystyle)\b")
ROW_BREAK = re.compile(r"\\\\(?:\s*\[[^\]]*\])?")
NESTED = re.compile(r"\\begin\{([a-zA-Z*]+)\}.*?\\end\{\1\}", re.S)
# Zero-argument macros are spelt out (\dd -> \mathrm{d}); a formula using a macro with
# arguments is left out.
DEFINITION = re.compile(
    r"\\(?:newcommand|renewcommand|providecommand|DeclareMathOperator)\*?\s*\{?\\([a-zA-Z]+)\}?\s*(\[\d\])?\s*\{"
    r"|\\def\s*\\([a-zA-Z]+)\s*(#)?"
)
COMMAND = re.compile(r"\\([a-zA-Z]+)")
TOKEN = re.compile(r"\\[a-zA-Z]+|\S")  # as the format decoder's tokenizer counts them
MIN_TOKENS, MAX_TOKENS = 4, 120


def _group(text: str, start: int) -> str | None:
    """The balanced ``{...}`` body that opens at ``text[start - 1]``."""
    depth = 1
    for i in range(start, len(text)):
        if text[i] == "{" and text[i - 1] != "\\":
            depth += 1
        elif text[i] == "}" and text[i - 1] != "\\":
            depth -= 1
            if depth == 0:
                return text[start:i]
    return None


def macros(sources: Iterable[str]) -> tuple[dict[str, str], set[str]]:
    """The sources' zero-argument macros (name -> body) and the names of the others."""
    simple: dict[str, str] = {}
    other: set[str] = set()
    for text in sources:
        for m in DEFINITION.finditer(text):
            if m.group(3):  # \def: arguments follow the name
                other.add(m.group(3))
                continue
            name, body = m.group(1), _group(text, m.end())
            operator = m.group(0).startswith("\\DeclareMathOperator")
            if m.group(2) or body is None or "#" in body or "\\" + name in body:
                other.add(name)
            else:
                simple[name] = rf"\operatorname{{{body}}}" if operator else body
    return {k: v for k, v in simple.items() if k not in other}, other


def _strip_marks(row: str, flat_row: str) -> str:
    """``row`` without its alignment marks (an ``&`` inside a nested environment stays)."""
    return "".join(c for i, (c, f) in enumerate(zip(row, flat_row)) if not (f == "&" and (i == 0 or row[i - 1] != "\\")))


def balanced(text: str) -> bool:
    """Whether every brace of ``text`` (not ``\\{``) closes, in order."""
    depth = 0
    for i, c in enumerate(text):
        if c in "{}" and (i == 0 or text[i - 1] != "\\"):
            depth += 1 if c == "{" else -1
            if depth < 0:
                return False
    return depth == 0


def extract(text: str, simple: dict[str, str], other: set[str]) -> list[str]:
    """The display formulas of one source file, one row each, as their author wrote them
    (labels, tags and line-end comments removed, whitespace collapsed)."""
    text = COMMENT.sub("", text)
    found = []
    for m in DISPLAY.finditer(text):
        body = DROPPED.sub("", m.group(3) or m.group(4) or m.group(5) or "")
        flat = NESTED.sub(lambda n: "X" * len(n.group(0)), body)
        cuts = [0] + [p for b in ROW_BREAK.finditer(flat) for p in (b.start(), b.end())] + [len(body)]
        for a, b in zip(cuts[::2], cuts[1::2]):
            row = " ".join(_strip_marks(body[a:b], flat[a:b]).split())
            if not balanced(row) or any(name in other for name in COMMAND.findall(row)):
                continue
            row = COMMAND.sub(lambda c: simple.get(c.group(1), c.group(0)), row)
            if MIN_TOKENS <= len(TOKEN.findall(row)) <= MAX_TOKENS:
                found.append(row)
    return found


def collect(folders: Iterable[Path]) -> list[str]:
    """The display formulas (:func:`extract`) of every ``.tex`` file under ``folders``, with the
    macros of their ``.tex`` and ``.sty`` files, once each, sorted."""
    folders = list(folders)
    files = [f for d in folders for f in sorted(Path(d).rglob("*")) if f.suffix in (".tex", ".sty")]
    texts = [f.read_text("utf-8", "replace") for f in files]
    simple, other = macros(texts)
    found = sorted({row for f, text in zip(files, texts) if f.suffix == ".tex" for row in extract(text, simple, other)})
    if not found:
        raise InputError(f"no display formulas in the .tex files under {', '.join(map(str, folders))}")
    return found


def typesetting(rows: list[str], batch: int = 500) -> list[str]:
    """The formulas of ``rows`` that typeset with the math kind's preamble, in order: one
    pdflatex run a batch (:func:`genocr.data.latex.failing`)."""
    from . import latex  # imported here: the math kind imports this module
    from .kinds.math import PREAMBLE, display

    kept: list[str] = []
    with Progress(len(rows), "formula", "typesetting") as bar:
        for i in range(0, len(rows), batch):
            part = rows[i:i + batch]
            bad = latex.failing([display(f) for f in part], PREAMBLE)
            kept += [f for j, f in enumerate(part) if j not in bad]
            bar.update(len(part))
    return kept


def build(folders: Iterable[Path], out: Path = CORPUS) -> int:
    """Write the formulas of :func:`collect` that typeset (:func:`typesetting`) to ``out``, one a
    line; return how many."""
    kept = typesetting(collect(folders))
    atomic_write(out, "".join(f + "\n" for f in kept))
    return len(kept)


def load(path: Path | None = None) -> list[str]:
    """The corpus built by ``genocr data formulas`` (default :data:`CORPUS`), one formula a line."""
    path = path or CORPUS
    if not path.exists():
        raise InputError(f"no formula corpus at {path}: build it with `genocr data formulas SOURCE_DIR`")
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line]
