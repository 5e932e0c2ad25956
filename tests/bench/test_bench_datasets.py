"""Bench loaders (manifest, pairs, held-out synthetic splits), suites and scoring rules."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from genocr.bench import datasets, scoring, suites
from genocr.data.sample import KINDS, Sample
from genocr.errors import OptionError

MANIFEST = "category\titem_id\timage_path\tgt_path\tsource_repo\n"


def _manifest_folder(root: Path) -> Path:
    (root / "scene_text_en").mkdir(parents=True)
    (root / "chart_text").mkdir()
    Image.new("RGB", (8, 8)).save(root / "scene_text_en" / "a.png")
    Image.new("RGB", (8, 8)).save(root / "chart_text" / "b.png")
    quads = ["\ufeff50,40,90,40,90,60,50,60,World, again", "10,40,40,40,40,60,10,60,Hello",
             "1,1,5,1,5,5,1,5,###", "10,5,40,5,40,20,10,20,Top"]  # fmt: skip
    (root / "scene_text_en" / "a.gt.txt").write_text("\n".join(quads) + "\n")
    texts = {"textelements": [{"content": "Percent"}, {"content": "10"}]}
    (root / "chart_text" / "b.json").write_text(json.dumps(texts))
    rows = ["scene_text_en\ta\tscene_text_en/a.png\tscene_text_en/a.gt.txt\tx",
            "chart_text\tb\tchart_text/b.png\tchart_text/b.json\ty"]  # fmt: skip
    (root / "manifest.tsv").write_text(MANIFEST + "\n".join(rows) + "\n")
    return root


def test_manifest_reads_quads_with_dont_care_and_chart_json(tmp_path: Path) -> None:
    root = _manifest_folder(tmp_path / "real")
    scene, chart = datasets.load_manifest(root)
    assert scene.gt == "Top\nHello\nWorld, again" and scene.extra == {"dont_care": 1}
    assert scene.image == root / "scene_text_en" / "a.png"
    assert chart.gt == "Percent\n10" and chart.category == "chart_text"
    assert [i.id for i in datasets.load_manifest(root, {"chart_text"})] == ["b"]

    sets, notes = suites.build("scene", root, tmp_path / "cache", None, 0)
    assert [(d.name, d.profile.metric, len(d.items)) for d in sets] == [("scene_text_en", "unordered", 1)]
    with pytest.raises(OptionError, match="suite 'table' has no items"):
        suites.build("table", root, tmp_path / "cache", None, 0)


def test_pairs_folder_and_bad_folders(tmp_path: Path) -> None:
    Image.new("RGB", (8, 8)).save(tmp_path / "x.png")
    (tmp_path / "x.txt").write_text("hello")
    Image.new("RGB", (8, 8)).save(tmp_path / "orphan.png")
    sets, _ = suites.build("formula", tmp_path, tmp_path / "cache", None, 0)
    found = [(d.name, d.profile.metric, [i.gt for i in d.items]) for d in sets]
    assert found == [(tmp_path.name, "formula", ["hello"])]
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(OptionError, match="no manifest.tsv and no NAME.png"):
        datasets.check_data_dir(empty)
    (empty / "manifest.tsv").write_text("category\titem_id\n")
    with pytest.raises(OptionError, match="missing columns image_path, gt_path"):
        datasets.load_manifest(empty)


def test_synthetic_split_is_fixed_and_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []

    def make(rng: np.random.Generator) -> Sample:
        value = int(rng.integers(1_000_000))
        calls.append(value)
        meta = {"html": f"<table>{value}</table>", "lang": "zh"}
        return Sample("toy", [Image.new("RGB", (4, 4))], f"t{value}", meta=meta)

    monkeypatch.setitem(KINDS, "toy", make)
    first = datasets.synthetic("toy", 3, tmp_path)
    assert len(calls) == 3 and first[0].extra == {"lang": "zh"}
    again = datasets.synthetic("toy", 2, tmp_path)
    assert len(calls) == 3 and [i.gt for i in again] == [i.gt for i in first[:2]]  # read back, not redrawn
    other = datasets.synthetic("toy", 3, tmp_path / "fresh", gt_key="html")
    assert [i.gt for i in other] == [f"<table>{g[1:]}</table>" for g in (i.gt for i in first)]
    with pytest.raises(OptionError, match="unknown data kind"):
        datasets.synthetic("no-such-kind", 1, tmp_path)


def test_scoring_rules() -> None:
    assert scoring.normalize("  ﬁne\n\tprint  通用 光学 ") == "fine print通用光学"
    tokens = scoring.latex_tokens(r"\[ x^{2} \, + \label{eq:1} \quad y \hspace{1em} \\ \]")
    assert tokens == ["x", "^", "{", "2", "}", "+", "y", "\\\\"]
    word = scoring.METRICS["word"].score("Grand", "GRAND")
    assert word == {"cer": 0.0, "acc": 1.0}
    table = scoring.METRICS["table"].score(r"\begin{tabular}{cc} a & b \\ \end{tabular}",
                                           "<table><tbody><tr><td>a</td><td>b</td></tr></tbody></table>")  # fmt: skip
    assert table == {"teds": 1.0, "teds_s": 1.0}
    assert scoring.METRICS["formula"].score(r"\frac{a}{b}", r"\frac {a}{b}\label{x}") == {"ned": 0.0, "bleu": 1.0, "exact": 1.0}
    assert scoring.METRICS["formula"].score("a+b", "a + b")["bleu"] == 1.0  # three tokens, exact
    near = scoring.METRICS["formula"].score(r"x^{2} + y^{2} = z^{3}", r"x^{2} + y^{2} = z^{2}")
    assert 0.5 < near["bleu"] < 1.0 and near["exact"] == 0.0


def test_synthetic_split_of_one_language_skips_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def make(rng: np.random.Generator) -> Sample:
        value = int(rng.integers(1_000_000))
        return Sample("toy", [Image.new("RGB", (4, 4))], f"t{value}", meta={"lang": "zh" if value % 3 else "en"})

    monkeypatch.setitem(KINDS, "toy", make)
    mixed = datasets.synthetic("toy", 12, tmp_path)
    english = datasets.synthetic("toy", 2, tmp_path, lang="en")
    assert [i.gt for i in english] == [i.gt for i in mixed if i.extra["lang"] == "en"][:2]
    assert {i.category for i in english} == {"synth_toy_en"} and {i.category for i in mixed} == {"synth_toy"}
    assert datasets.synthetic("toy", 2, tmp_path, lang="fr") == []  # never drawn: bounded, not endless
