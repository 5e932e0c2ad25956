"""Per-item scores as the dev-set README prescribes, built on :mod:`genocr.bench.metrics`.

Text is compared after NFKC (ligatures such as U+FB01 in PDF text layers) and whitespace
normalisation: runs of whitespace become one space, and spaces next to CJK characters are
dropped, because Tesseract puts spaces between Chinese words that the text layer does not have.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable

from genocr.bench import metrics
from genocr.bench.metrics import page_format

_CJK = "\u2e80-\u9fff\uf900-\ufaff\u3000-\u303f"
_SPACE_BY_CJK = re.compile(rf" (?=[{_CJK}])|(?<=[{_CJK}]) ")
_WHITESPACE = re.compile(r"\s+")

# LaTeX: commands (with an optional star), escaped symbols, single characters.
_LATEX_TOKEN = re.compile(r"\\[a-zA-Z]+\*?|\\.|\S")
_LATEX_DROP = re.compile(r"\\(?:label|hspace\*?|vspace\*?)\s*\{[^{}]*\}")
_SPACING = frozenset(
    r"\, \; \: \! \quad \qquad \enspace \thinspace \medspace \thickspace \negthinspace "
    r"\negmedspace \negthickspace \hfill \nonumber \notag ~ \[ \] \( \) $".split()
) | {"\\ "}
# <thead>/<tbody> are stripped from both sides: LaTeX tabulars (GOT's table output) cannot
# express them, and they carry no cell content.
_TABLE_SECTIONS = ("thead", "tbody")


def normalize(text: str, casefold: bool = False) -> str:
    """NFKC, one space per whitespace run, none beside CJK characters; lower-cased if asked."""
    text = _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    text = _SPACE_BY_CJK.sub("", text)
    return text.casefold() if casefold else text


def latex_tokens(source: str) -> list[str]:
    """LaTeX tokens without ``\\label{}``, spacing commands and math delimiters."""
    return [t for t in _LATEX_TOKEN.findall(_LATEX_DROP.sub(" ", source)) if t not in _SPACING]


def _page(pred: str, gt: str, casefold: bool = False) -> dict[str, float]:
    p, g = normalize(pred, casefold), normalize(gt, casefold)
    return {"cer": metrics.cer(p, g), "ned": metrics.normalized_edit_distance(p, g),
            "f1": metrics.ocr_scores(p, g)["f1"]}  # fmt: skip


def _line(pred: str, gt: str) -> dict[str, float]:
    return {"cer": metrics.cer(normalize(pred), normalize(gt))}


def _word(pred: str, gt: str) -> dict[str, float]:
    p, g = normalize(pred, casefold=True), normalize(gt, casefold=True)
    return {"cer": metrics.cer(p, g), "acc": float(p == g)}


def _unordered(pred: str, gt: str) -> dict[str, float]:
    return _page(pred, gt, casefold=True)


def _formula(pred: str, gt: str) -> dict[str, float]:
    p, g = latex_tokens(pred), latex_tokens(gt)
    # nltk's unsmoothed 4-gram BLEU scores a formula under 4 tokens ~0 even when it is exact
    return {"ned": metrics.normalized_edit_distance(p, g), "bleu": float(p == g) if p == g or not (p and g)
            else metrics.bleu(g, p), "exact": float(p == g)}


def _table(pred: str, gt: str) -> dict[str, float]:
    if "<table" not in pred:
        from genocr.export import html_mmd

        pred = html_mmd.render(pred)
    return {"teds": metrics.teds(pred, gt, ignore_nodes=_TABLE_SECTIONS),
            "teds_s": metrics.teds(pred, gt, structure_only=True, ignore_nodes=_TABLE_SECTIONS)}  # fmt: skip


def _smiles(pred: str, gt: str) -> dict[str, float]:
    match = metrics.smiles_match(pred.strip(), gt.strip())
    return {"exact": float(match["exact"]), "tanimoto": match["tanimoto"]}


# Per-item 0/1 columns: their median says little, so they are averaged into a rate instead.
RATES = frozenset({"acc", "exact"})


@dataclass(frozen=True)
class Metric:
    """How one kind of ground truth is scored; ``primary`` is the column plots and summaries use."""

    score: Callable[[str, str], dict[str, float]]
    primary: str
    higher_is_better: bool

    def label(self) -> str:
        return f"{self.primary} {'↑' if self.higher_is_better else '↓'}"


METRICS: dict[str, Metric] = {
    "page": Metric(_page, "ned", False),  # pages, receipts: CER, NED, order-free word F1
    "line": Metric(_line, "cer", False),  # printed lines and synthetic slices
    "word": Metric(_word, "cer", False),  # cropped scene words, case-insensitive
    "unordered": Metric(_unordered, "f1", True),  # scene images, chart text: no reading order
    "formula": Metric(_formula, "ned", False),  # normalised LaTeX token edit distance
    "table": Metric(_table, "teds", True),
    "smiles": Metric(_smiles, "exact", True),
    "formatted": Metric(page_format.score, "text_ned", False),  # text, headings, formulas, tables, order
}
