"""Markdown export: plain text kept literal, Mathpix markdown converted to GitHub markdown."""
from __future__ import annotations

from genocr.export import render
from genocr.results import PageResult, ReadResult


def _md(*texts: str, output_format: str = "markdown", stop_reason: str = "stop") -> str:
    pages = [PageResult([i], t, stop_reason=stop_reason) for i, t in enumerate(texts, 1)]
    return render(ReadResult("a.png", "got-ocr2", "format", output_format, pages), "md")


def test_headings() -> None:
    out = _md("\\title{A $x^{2}$ Title}\n\\section*{Intro}\n\\section{Numbered}\n\\subsection*{Sub}\nBody.")
    assert "# A $x^{2}$ Title\n" in out
    assert "\n## Intro\n" in out and "\n## Numbered\n" in out
    assert "\n### Sub\n" in out
    assert out.rstrip().endswith("Body.")


def test_math_delimiters() -> None:
    out = _md("Energy \\( E = mc^2 \\) and $y$ inline.\n\n\\[ \\int_0^1 x \\, dx \\]\n\nthen \\[a\\] mid-line.")
    assert "Energy $E = mc^2$ and $y$ inline." in out
    assert "$$\n\\int_0^1 x \\, dx\n$$" in out
    assert "then $$a$$ mid-line." in out
    assert "\\(" not in out and "\\[" not in out


def test_tabular_becomes_pipe_table() -> None:
    table = (
        "\\begin{tabular}{|l|r|}\n\\hline\nName & \\( n \\) \\\\\n\\hline\n"
        "a|b & 1 \\\\\nc \\& d & 2 \\\\\n\\hline\n\\end{tabular}"
    )
    out = _md(f"Before.\n{table}\nAfter.")
    assert "| Name | $n$ |\n| --- | --- |\n| a\\|b | 1 |\n| c \\& d | 2 |" in out
    assert "Before." in out and "After." in out and "hline" not in out


def test_merged_cells_stay_latex() -> None:
    table = "\\begin{tabular}{ccc}\n\\multicolumn{2}{c}{Both} & x \\\\\n1 & 2 & 3 \\\\\n\\end{tabular}"
    assert f"```latex\n{table}\n```" in _md(table)


def test_plain_text_is_escaped_and_keeps_paragraphs() -> None:
    text = "# not a heading *or* <b>bold</b>\n- no list\n2. nor this\n3-4 pages\n\nsecond paragraph"
    out = _md(text, output_format="text")
    escaped = "\\# not a heading \\*or\\* \\<b\\>bold\\</b\\>\n\\- no list\n2\\. nor this\n3-4 pages"
    assert f"{escaped}\n\nsecond paragraph" in out


def test_pages_are_separated_and_labelled() -> None:
    out = _md("one", "two", stop_reason="loop")
    first, second = out.split("\n\n---\n\n")
    assert first.startswith("<!-- page 1: stopped by the loop guard")
    assert first.endswith("\n\none")
    assert second.startswith("<!-- page 2") and second.endswith("two\n")


def test_whole_outputs() -> None:
    assert "```\nc1ccccc1O\n```" in _md("c1ccccc1O")
    assert "```\n**kern\n*clefG2\n4c\n*-\n```" in _md("**kern\n*clefG2\n4c\n*-")
    assert "```latex\n\\begin{tikzpicture}" in _md("\\begin{tikzpicture}\\draw (0,0)--(1,1);\\end{tikzpicture}")
    out = _md("{'title': 'Sales', 'values': {'2019': {'A': 1, 'B': 2}, '2020': {'A': 3}}}")
    assert "- **title**: Sales" in out
    assert "|  | A | B |\n| --- | --- | --- |\n| 2019 | 1 | 2 |\n| 2020 | 3 |  |" in out
