"""Scores of a formatted page (GOT's markdown) against its ground truth, in OmniDocBench's spirit.

A page is split into its blocks (``genocr.export.mmd``): headings, display formulas, tables and
the text between them. Each kind is scored apart, so that a page reader is not judged on its
LaTeX by a text measure nor on its text by a formula measure:

- ``text_ned``: edit distance over the page's text (headings and paragraphs, in order) with
  display math, inline math and tables taken out of both sides, and LaTeX's escapes undone;
- ``heading_recall``: the share of true headings found as headings (text NED ≤ 0.2, any level);
- ``formula_ned``: each true display formula against the closest unused predicted one, on LaTeX
  tokens (1 when none is left), averaged;
- ``table_teds``: each true table against the closest unused predicted one, by TEDS (0 when
  none), averaged;
- ``order_ned``: edit distance between the order in which the prediction gives the true blocks
  it matched and their true order (OmniDocBench's reading-order edit distance).

A measure that a page gives no instance of (no formula, no table) is left out for that page.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from genocr.bench.metrics.text import normalized_edit_distance

DISPLAY = re.compile(r"\\\[(.+?)\\\]|\$\$(.+?)\$\$", re.S)
INLINE = re.compile(r"\\\((.+?)\\\)", re.S)
_ESCAPES = {r"\textbackslash{}": "\\", r"\textasciitilde{}": "~", r"\textasciicircum{}": "^",
            r"\textless{}": "<", r"\textgreater{}": ">"}
_ESCAPED = re.compile(r"\\([%$&#_{}])")
HEADING_MATCH = 0.2


@dataclass
class _Part:
    kind: str  # heading, text, formula, table
    text: str


def parts(page: str) -> list[_Part]:
    """The page's blocks in order: headings, paragraphs (split at blank lines), display formulas
    (as their LaTeX) and tables (as their tabular source)."""
    from genocr.export import mmd

    out: list[_Part] = []
    for block in mmd.blocks(page):
        if isinstance(block, mmd.Heading):
            out.append(_Part("heading", plain(block.text)))
        elif isinstance(block, mmd.Table):
            out.append(_Part("table", block.source))
        else:
            pos = 0
            for m in DISPLAY.finditer(block.text):
                out += _paragraphs(block.text[pos : m.start()])
                out.append(_Part("formula", (m.group(1) or m.group(2)).strip()))
                pos = m.end()
            out += _paragraphs(block.text[pos:])
    return out


def _paragraphs(text: str) -> list[_Part]:
    return [_Part("text", plain(p)) for p in re.split(r"\n\s*\n", text) if plain(p)]


def plain(text: str) -> str:
    """Text without inline math and with LaTeX's escapes undone, whitespace collapsed."""
    text = INLINE.sub(" ", text)
    for escape, char in _ESCAPES.items():
        text = text.replace(escape, char)
    return " ".join(_ESCAPED.sub(r"\1", text).split())


def score(pred: str, gt: str) -> dict[str, float]:
    """The page's scores (see the module's docstring)."""
    from genocr.bench import scoring
    from genocr.bench.metrics.table import teds
    from genocr.export import html_mmd

    p, g = parts(pred), parts(gt)
    out: dict[str, float] = {}
    text = [x.text for x in g if x.kind in ("heading", "text")]
    if text:
        out["text_ned"] = normalized_edit_distance(
            scoring.normalize(" ".join(x.text for x in p if x.kind in ("heading", "text"))), scoring.normalize(" ".join(text)))

    def ned(a: _Part, b: _Part) -> float:
        return normalized_edit_distance(scoring.normalize(a.text, casefold=True), scoring.normalize(b.text, casefold=True))

    def formula_ned(a: _Part, b: _Part) -> float:
        return normalized_edit_distance(scoring.latex_tokens(a.text), scoring.latex_tokens(b.text))

    def table_distance(a: _Part, b: _Part) -> float:
        return 1.0 - max(0.0, teds(html_mmd.render(a.text), html_mmd.render(b.text), ignore_nodes=("thead", "tbody")))

    match: dict[int, int] = {}  # predicted part -> true part
    for kind, distance in (("heading", ned), ("text", ned), ("formula", formula_ned), ("table", table_distance)):
        truths = [i for i, x in enumerate(g) if x.kind == kind]
        preds = [i for i, x in enumerate(p) if x.kind == kind]
        found = _pair(truths, preds, lambda t, q: distance(p[q], g[t]))
        for t, (q, d) in found.items():
            if kind != "heading" or d <= HEADING_MATCH:
                match[q] = t
        if not truths:
            continue
        if kind == "heading":
            out["heading_recall"] = sum(d <= HEADING_MATCH for _, d in found.values()) / len(truths)
        elif kind == "formula":
            out["formula_ned"] = sum(found[t][1] if t in found else 1.0 for t in truths) / len(truths)
        elif kind == "table":
            out["table_teds"] = sum(1.0 - found[t][1] if t in found else 0.0 for t in truths) / len(truths)
    order = [str(match[q]) for q in sorted(match)]
    if len(order) > 1:
        out["order_ned"] = normalized_edit_distance(order, sorted(order, key=int))
    return out


def _pair(truths: list[int], preds: list[int], distance) -> dict[int, tuple[int, float]]:
    """Each true part with its closest unused predicted part, closest pairs first."""
    pairs = sorted((distance(t, q), t, q) for t in truths for q in preds)
    found: dict[int, tuple[int, float]] = {}
    used: set[int] = set()
    for d, t, q in pairs:
        if t not in found and q not in used:
            found[t] = (q, d)
            used.add(q)
    return found
