"""HTML export: one offline page, tables as <table>, drawings as inline SVG, text escaped."""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from genocr.export import katex, render
from genocr.results import PageResult, ReadResult

KERN = "**kern\n*clefG2\n*M4/4\n=1\n4c\n4d\n4e\n4f\n==\n*-"
TABLE = (
    "\\begin{tabular}{|c|c|c|}\n\\hline\n"
    "\\multirow{2}{*}{Name} & \\multicolumn{2}{c}{Scores} \\\\\n\\cline{2-3}\n"
    " & \\( x_1 \\) & y \\\\\n\\hline\n"
    "a & 1 & 2 \\\\\nb & 3 & 4 \\\\\n\\hline\n\\end{tabular}"
)
EXTERNAL = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?|@import\s+["']?)\s*(?:https?:)?//""", re.I)


def _html(*texts: str, output_format: str = "markdown", stop_reason: str = "stop") -> str:
    pages = [PageResult([i], t, stop_reason=stop_reason) for i, t in enumerate(texts, 1)]
    return render(ReadResult("scans/a.png", "got-ocr2", "format", output_format, pages, 2.0), "html")


class _Tags(HTMLParser):
    """Start tags with their attributes, in document order."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def named(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == name]


def test_standalone_page_with_sections() -> None:
    page = _html("one", "two", output_format="text")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert page.count('<section class="page">') == 2
    assert "scans/a.png &middot; page 1" in page and "scans/a.png &middot; page 2" in page


def test_tabular_becomes_a_table_with_spans() -> None:
    tags = _Tags(_html(f"Scores:\n{TABLE}\nDone."))
    assert len(tags.named("table")) == 1
    assert len(tags.named("tr")) == 4
    cells = tags.named("td")
    assert len(cells) == 2 + 2 + 3 + 3  # the empty cell under the multirow is dropped
    assert cells[0].get("rowspan") == "2" and cells[1].get("colspan") == "2"
    assert all(c.get("colspan") is None and c.get("rowspan") is None for c in cells[2:])


def test_headings_paragraphs_and_math_delimiters() -> None:
    page = _html("\\title{On $a<b$}\n\\section*{Intro}\nText with \\( x_1 \\) and *emphasis*.\n\n\\[ \\frac{1}{2} \\]")
    assert '<h2>On <span class="math">$a&lt;b$</span></h2>' in page
    assert "<h3>Intro</h3>" in page
    assert '<span class="math">\\( x_1 \\)</span>' in page  # "_" not read as emphasis
    assert "<em>emphasis</em>" in page
    assert '<span class="math">\\[ \\frac{1}{2} \\]</span>' in page


@pytest.mark.parametrize("output_format", ["text", "markdown"])
def test_text_is_escaped(output_format: str) -> None:
    page = _html('<script>alert("x")</script> & <img src=x onerror=alert(1)>', output_format=output_format)
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;script&gt;" in page


def test_plain_text_is_preformatted() -> None:
    page = _html("line one\n  indented  $x$", output_format="text")
    assert '<pre class="plain">line one\n  indented  $x$</pre>' in page
    assert "<script>" not in page  # no math typesetting for plain text


def test_stop_reason_badges() -> None:
    assert 'class="badge loop"' in _html("again again", stop_reason="loop")
    assert 'class="badge length"' in _html("cut o", stop_reason="length")
    assert "badge" not in _html("fine").split("<body>")[1]


def test_smiles_is_drawn() -> None:
    pytest.importorskip("rdkit")
    page = _html("CC(=O)Oc1ccccc1C(=O)O")
    assert "<svg" in page and "<?xml" not in page
    assert "<code>CC(=O)Oc1ccccc1C(=O)O</code>" in page


def test_invalid_smiles_is_code_only() -> None:
    page = _html("C1CC(")
    assert "<code>C1CC(</code>" in page and "<svg" not in page


def test_kern_is_engraved() -> None:
    pytest.importorskip("verovio")
    page = _html(KERN)
    assert "<svg" in page
    assert "<details><summary>**kern source</summary><pre>**kern\n*clefG2" in page


def test_tikz_is_shown_as_source() -> None:
    page = _html("\\begin{tikzpicture}\n\\draw (0,0) -- (1,1);\n\\end{tikzpicture}")
    assert "<pre>\\begin{tikzpicture}" in page and "TikZ is not rendered" in page


def test_chart_becomes_tables() -> None:
    tags = _Tags(_html("{'title': 'Sales', 'values': {'2019': {'A': 1, 'B': 2}, '2020': {'A': 3, 'B': 4}}}"))
    assert len(tags.named("table")) == 1 and len(tags.named("tr")) == 3 and len(tags.named("td")) == 9
    assert len(tags.named("dt")) == 1


def test_no_external_urls() -> None:
    page = _html(f"\\title{{T}}\n\\( x \\) see http://example.com\n{TABLE}", "CCO", KERN)
    page += _html("visit https://example.org <a href='https://example.org'>x</a>", output_format="text")
    assert not EXTERNAL.search(page)
    assert "http://example.com" in page  # user text is kept, as text


def test_katex_is_inlined_when_vendored() -> None:
    if not katex.vendored():
        pytest.skip("KaTeX is not vendored (run `make setup`)")
    page = _html("Math \\( x^2 \\)")
    assert "renderMathInElement" in page and "katex" in page
    assert "data:font/woff2;base64," in page and "url(fonts/" not in page
    assert len(re.findall(r"<script>", page)) == 3
    assert "<script>" not in _html("no math here")


def test_missing_katex_warns_and_shows_source(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(katex, "KATEX_DIR", tmp_path / "katex")
    with pytest.warns(UserWarning, match="KaTeX was not vendored.*make setup"):
        page = _html("Math \\( x^2 \\)")
    assert "<script>" not in page and "\\( x^2 \\)" in page
