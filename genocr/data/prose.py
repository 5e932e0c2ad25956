"""Sentences of technical prose, taken from Markdown books, for the English text kinds.

The English sentences of the data engine were 40% real (about a thousand from Python's
reference text) and 60% word salad. A reader learns from its lines which letters follow which;
the errors genocr-small v2 has left are the ones context decides (``|`` for l or I inside a
word, a dash inside an option's name). :func:`sentences` takes the prose of a Markdown book
(headings, paragraphs and list items; code blocks, links' targets and markup left out), and
``genocr data prose`` writes them to the corpus file that :func:`genocr.data.corpus.english_sentences`
reads (:data:`CORPUS`). The file ships in the package, so that the engine draws the same
samples on every machine (its sources and licences: ``genocr/data/SOURCES.md``).
"""
from __future__ import annotations

import gzip
import re
from pathlib import Path
from typing import Iterable, Iterator

from ..errors import InputError
from ..io import atomic_write
from ..models.alphabet import ALPHABET

CORPUS = Path(__file__).parent / "corpora" / "prose_en.txt.gz"
MIN_CHARS, MAX_CHARS = 20, 220  # as the Python reference's sentences are cut
_COMMENT = re.compile(r"<!--.*?-->", re.S)  # may span lines: taken out of the whole text first
_MARKUP = (  # inline markup, taken out of each block
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),  # [text](target)
    (re.compile(r"\[([^\]]*)\]\[[^\]]*\]"), r"\1"),  # [text][reference]
    (re.compile(r"<[^>\n]+>"), ""),  # HTML tags
    (re.compile(r"`+|\*\*"), ""),  # code spans and strong emphasis keep their text
    (re.compile(r"(?<![\w*])[*_]([^*_\n]+)[*_](?![\w*])"), r"\1"),  # emphasis
)
_SKIPPED = re.compile(r"^\s*(\{\{#|\[[^\]]+\]:|<|\|)")  # includes, link definitions, HTML, table rows
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"(])")


def blocks(text: str) -> Iterator[tuple[str, str]]:
    """A Markdown document as (kind, text) pieces: ``heading`` and ``para`` (a paragraph or list
    item on one line, markup removed) and ``code`` (one line of a fenced block, as written)."""
    text = _COMMENT.sub("", text)
    para: list[str] = []
    fenced = False
    for line in text.splitlines() + [""]:
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            line = ""
        elif fenced:
            if line.strip() and not _SKIPPED.match(line):
                yield "code", line.strip()
            continue
        if _SKIPPED.match(line):
            continue
        heading = line.startswith("#")
        item = re.match(r"^\s*([-*+]|\d+\.)\s+", line)
        if (heading or item or not line.strip()) and para:
            yield "para", _clean(" ".join(para))
            para = []
        if heading:
            yield "heading", _clean(line.lstrip("#"))
        elif line.strip():
            para.append(line[item.end():] if item else line.strip())
    if para:
        yield "para", _clean(" ".join(para))


def _clean(block: str) -> str:
    for pattern, repl in _MARKUP:
        block = pattern.sub(repl, block)
    return re.sub(r"\s+", " ", block).strip()


def sentences(texts: Iterable[str]) -> list[str]:
    """The sentences of Markdown documents (headings, paragraphs, list items) that the reader's
    alphabet can spell, once each."""
    allowed = set(ALPHABET)
    out: dict[str, None] = {}
    for text in texts:
        for kind, block in blocks(text):
            if kind == "code":
                continue
            for s in _SENTENCE_END.split(block):
                if MIN_CHARS < len(s) < MAX_CHARS and set(s) <= allowed:
                    out[s] = None
    return list(out)


def markdown_files(sources: list[Path]) -> list[Path]:
    """The files given and the ``.md`` files under the folders given, sorted."""
    return sorted(f for s in sources for f in ([s] if s.is_file() else s.rglob("*.md")))


def build(sources: list[Path], path: Path = CORPUS) -> int:
    """Write the sentences of the ``.md`` files in ``sources`` (files or folders) to ``path``;
    returns how many."""
    files = markdown_files(sources)
    if not files:
        raise InputError(f"no Markdown files in {', '.join(map(str, sources))}")
    found = sentences(f.read_text(encoding="utf-8", errors="replace") for f in files)
    if not found:
        raise InputError("no sentences in the Markdown files given")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, gzip.compress(("\n".join(found) + "\n").encode("utf-8"), mtime=0))
    return len(found)


def load(path: Path = CORPUS) -> tuple[str, ...]:
    """The sentences of a corpus file that :func:`build` wrote."""
    return tuple(gzip.decompress(path.read_bytes()).decode("utf-8").splitlines())
