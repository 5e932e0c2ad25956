"""Scores of formatted pages: each kind of block scored apart, against what it should be."""
import pytest
from PIL import Image

from genocr.bench.metrics.page_format import parts, plain, score
from genocr.errors import OptionError

TABLE = "\\begin{tabular}{ll}\n\\hline\nName & Count \\\\\n\\hline\nalpha & 12 \\\\\n\\hline\n\\end{tabular}"
PAGE = "\n\n".join(["\\section*{Methods}", "We count 45\\% of \\( x_{i} \\) items.", "\\[\n\\frac{a}{b} = c\n\\]",
                    TABLE, "\\subsection*{Results}", "All is well."])


def test_a_page_splits_into_its_kinds_with_math_out_of_the_text():
    assert [p.kind for p in parts(PAGE)] == ["heading", "text", "formula", "table", "heading", "text"]
    assert plain("We count 45\\% of \\( x_{i} \\) items.") == "We count 45% of items."


def test_a_perfect_page_scores_perfectly():
    assert score(PAGE, PAGE) == pytest.approx(
        {"text_ned": 0.0, "heading_recall": 1.0, "formula_ned": 0.0, "table_teds": 1.0, "order_ned": 0.0})


def test_each_kind_is_scored_apart():
    no_formula = PAGE.replace("\\[\n\\frac{a}{b} = c\n\\]", "")
    got = score(no_formula, PAGE)
    assert got["formula_ned"] == 1.0 and got["text_ned"] == 0.0 and got["table_teds"] == 1.0
    as_text = PAGE.replace("\\section*{Methods}", "Methods")  # a heading read as a paragraph
    got = score(as_text, PAGE)
    assert got["heading_recall"] == 0.5 and got["text_ned"] == 0.0
    assert score(PAGE.replace("alpha & 12", "beta & 7"), PAGE)["table_teds"] < 1.0
    assert "table_teds" not in score("Just text.", "Just text.")  # no table on the page: not scored


def test_blocks_out_of_order_cost_order_ned():
    blocks = PAGE.split("\n\n")
    swapped = "\n\n".join([blocks[5], *blocks[1:5], blocks[0]])
    got = score(swapped, PAGE)
    assert got["order_ned"] > 0.2 and score(PAGE, PAGE)["order_ned"] == 0.0


def test_the_format_suite_scores_a_folder_of_pages(tmp_path):
    from genocr.bench import runner
    from tests_helpers import LINE, draw_formatted_page

    draw_formatted_page().save(tmp_path / "p1.png")
    truth = ["\\section*{Results and methods}", f"{LINE} {LINE} {LINE} the end of it.", f"{LINE} {LINE} the end of it.",
             "\\[\nE = m c^{2} + \\Sigma x\n\\]", TABLE.replace("Name & Count", "Name & Count & Share"),
             f"{LINE} {LINE} and stops."]
    (tmp_path / "p1.txt").write_text("\n\n".join(truth))
    report = runner.run("format", models=["genocr-small"], data=tmp_path, n_synthetic=0)
    (result,) = report.results
    scores = result.items[0].scores
    assert scores["text_ned"] < 0.05 and scores["heading_recall"] == 1.0 and scores["order_ned"] == 0.0
    assert 0.0 <= scores["formula_ned"] <= 1.0 and 0.0 <= scores["table_teds"] <= 1.0


def test_typeset_formatted_pages_hold_what_their_truth_says(tmp_path):
    from genocr.bench.typeset import missing_tools
    from genocr.bench.typeset_format import make_format_devset

    if missing_tools():
        pytest.skip(f"needs {', '.join(missing_tools())}")
    manifest = make_format_devset(tmp_path, n=1, seed=3)
    (row,) = manifest.read_text().splitlines()[1:]
    gt = (tmp_path / row.split("\t")[3]).read_text()
    kinds = [p.kind for p in parts(gt)]
    assert "heading" in kinds and "text" in kinds and (tmp_path / row.split("\t")[2]).is_file()


def test_typeset_formulas_come_from_the_sources_and_read_as_the_formula_suite(tmp_path):
    from genocr.bench import datasets
    from genocr.bench.typeset_formulas import make_formula_devset
    from genocr.data import latex

    if not latex.available():
        pytest.skip("needs pdflatex")
    source = tmp_path / "src"
    source.mkdir()
    written = [rf"a_{i} + b^{i} = \frac{{c}}{{{i + 2}}}" for i in range(6)]
    (source / "book.tex").write_text("".join(rf"\begin{{equation}} {f} \end{{equation}}" + "\n" for f in written)
                                     + r"\[ \nosuchmacro x = 1 \]")
    manifest = make_formula_devset([source], tmp_path / "set", n=4, seed=1)
    items = datasets.load_manifest(manifest.parent, {"formula_printed"})
    assert len(items) == 4 and {i.gt for i in items} < set(written)  # four of six; never the broken one
    assert all(Image.open(i.image).mode == "L" for i in items)
    with pytest.raises(OptionError, match="only 7 display formulas"):
        make_formula_devset([source], tmp_path / "more", n=10)
