"""Which datasets each suite runs, and how each dataset is read and scored."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from genocr.bench.datasets import (DEFAULT_DATA, SYNTHETIC_DRAWS, Item, check_data_dir, load_manifest, load_pairs,
                                   synthetic, synthetic_name)
from genocr.errors import OptionError


@dataclass(frozen=True)
class Profile:
    """How a dataset is read and scored.

    ``task`` is genocr's prompt; ``lang`` and ``layout`` (page, block, line, word, sparse) tell the peers
    what they get, as a user of those tools would; ``output`` is what a system must produce
    (text, latex, html, smiles); a system that cannot is skipped for that dataset.
    """

    metric: str
    task: str = "plain"
    lang: str = "en"
    layout: str = "page"
    output: str = "text"


PAGE = Profile("page")
UNORDERED = Profile("unordered", layout="sparse")  # scattered words: scenes, charts
FORMULA = Profile("formula", task="format", output="latex")
TABLE = Profile("table", task="format", output="html")
SMILES = Profile("smiles", task="format", output="smiles")
FORMATTED = Profile("formatted", task="format", output="markdown")  # whole pages as GOT's markdown

PROFILES: dict[str, Profile] = {
    "doc_page_en": PAGE,
    "doc_page_zh": Profile("page", lang="zh"),
    "receipt_en": PAGE,
    "text_line_en": Profile("line", layout="line"),
    "scene_word_en": Profile("word", layout="word"),
    "scene_text_en": UNORDERED,
    "chart_text": UNORDERED,
    "formula_printed": FORMULA,
    "formula_handwritten": FORMULA,
    "table": TABLE,
    "synth_slice": Profile("line", layout="block"),
    "synth_page": PAGE,
    "synth_scene": UNORDERED,
    "synth_math": FORMULA,
    "synth_table": TABLE,
    "synth_molecule": SMILES,
    "formatted_page_en": FORMATTED,
    "synth_formatted-page": FORMATTED,
}
# Synthetic kinds scored on a meta entry rather than the target (TEDS needs HTML).
SYNTH_GT_KEY = {"table": "html"}


@dataclass(frozen=True)
class Suite:
    """Real categories, synthetic kinds, and the profile for a user folder of plain pairs."""

    categories: tuple[str, ...]
    kinds: tuple[str, ...] = ()
    custom: Profile = PAGE
    langs: tuple[str, ...] = ()  # the synthetic kinds' splits, one per language (none: one split)


SUITES: dict[str, Suite] = {
    "text": Suite(("doc_page_en", "doc_page_zh", "receipt_en", "text_line_en", "scene_word_en"), ("slice", "page"),
                  langs=("en", "zh")),
    "formula": Suite(("formula_printed", "formula_handwritten"), ("math",), FORMULA),
    "table": Suite(("table",), ("table",), TABLE),
    "scene": Suite(("scene_text_en",), ("scene",), UNORDERED),
    "chart": Suite(("chart_text",), (), UNORDERED),
    "molecule": Suite((), ("molecule",), SMILES),
    "format": Suite(("formatted_page_en",), ("formatted-page",), FORMATTED),
}
DATA_SUITE = "data"  # data-engine speed: no systems, no datasets
SUITE_NAMES = (*SUITES, DATA_SUITE)


@dataclass
class Dataset:
    name: str
    profile: Profile
    items: list[Item]


def get_suite(name: str) -> Suite:
    if name not in SUITES:
        raise OptionError(f"unknown suite '{name}' (choose from {', '.join(SUITE_NAMES)})")
    return SUITES[name]


def build(
    suite_name: str, data: Path, cache: Path, limit: int | None, n_synthetic: int
) -> tuple[list[Dataset], list[str]]:
    """The suite's datasets (each cut to ``limit`` items) and notes on what was left out."""
    suite = get_suite(suite_name)
    notes: list[str] = []
    if data == DEFAULT_DATA and not data.is_dir():  # a fresh clone without the team's dev set
        notes.append(f"no real dev set at {data}: synthetic splits only (point --data or GENOCR_BENCH_DATA "
                     "at a folder laid out like it, or at NAME.png + NAME.txt pairs; bench/README.md)")
        datasets: list[Dataset] = []
    elif (data / "manifest.tsv").is_file():
        items = load_manifest(data, set(suite.categories))
        by_category = {c: [i for i in items if i.category == c] for c in suite.categories}
        datasets = [Dataset(c, PROFILES[c], found[:limit]) for c, found in by_category.items() if found]
        notes += [f"{c}: no items in {data}" for c, found in by_category.items() if not found]
    else:
        check_data_dir(data)
        datasets = [Dataset(data.name, suite.custom, load_pairs(data, "custom")[:limit])]
    n = min(n_synthetic, limit) if limit is not None else n_synthetic
    for kind, lang in [(k, lang) for k in suite.kinds for lang in suite.langs or (None,)] if n > 0 else ():
        try:
            items = synthetic(kind, n, cache, SYNTH_GT_KEY.get(kind), lang)
        except (ImportError, OptionError, RuntimeError) as exc:  # the data engine is optional
            notes.append(f"synthetic '{kind}' skipped: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            continue
        if len(items) < n:
            notes.append(f"{synthetic_name(kind, lang)}: {len(items)} of {n} items in the first {SYNTHETIC_DRAWS * n} samples")
        datasets.append(Dataset(synthetic_name(kind, lang), PROFILES[synthetic_name(kind)], items))
    if not any(d.items for d in datasets):
        raise OptionError(f"suite '{suite_name}' has no items in {data}")
    return datasets, notes
