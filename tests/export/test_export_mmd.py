"""Parsing GOT's formatted output into headings, text and tables."""
from __future__ import annotations

import pytest

from genocr.export.mmd import Cell, Heading, Table, Text, blocks, kind, parse_tabular, split_top


def test_blocks_in_order() -> None:
    text = "\\title{A {nested} title}\nIntro.\n\n\\section*{S}\n\\begin{tabular}{ll}a & b \\\\\\end{tabular}\nEnd."
    got = blocks(text)
    assert [type(b) for b in got] == [Heading, Text, Heading, Table, Text]
    assert got[0] == Heading(1, "A {nested} title")
    assert got[1] == Text("Intro.")
    assert got[2] == Heading(2, "S")
    assert got[4] == Text("End.")


def test_unbalanced_constructs_stay_text() -> None:
    assert blocks("\\section*{never closed\nmore") == [Text("\\section*{never closed\nmore")]
    assert blocks("\\begin{tabular}{ll} a & b") == [Text("\\begin{tabular}{ll} a & b")]


def test_tabular_rules_escapes_and_row_spacing() -> None:
    table = parse_tabular(
        "\\begin{tabular}[t]{|l|p{2cm}|}\\hline\n"
        "a \\& b & {x & y} \\\\[2pt] \\cline{1-2}\nc & d \\\\ \\hline\n\\end{tabular}"
    )
    assert [[c.text for c in row] for row in table.rows] == [["a \\& b", "{x & y}"], ["c", "d"]]
    assert not table.spans


def test_multicolumn_and_multirow() -> None:
    table = parse_tabular(
        "\\begin{tabular}{ccc}\n"
        "\\multirow{2}{*}{R} & \\multicolumn{2}{c}{\\textbf{Top}} \\\\\n"
        " & x & y \\\\\n"
        "\\multicolumn{3}{l}{\\multirow[t]{1}{*}{all}} \\\\\n"
        "\\end{tabular}"
    )
    assert table.rows == [
        [Cell("R", rowspan=2), Cell("\\textbf{Top}", colspan=2)],
        [Cell("x"), Cell("y")],  # the empty cell under the multirow is gone
        [Cell("all", colspan=3)],
    ]
    assert table.spans


def test_split_top_respects_braces_and_escapes() -> None:
    assert split_top("a & {b & c} & d \\& e", "&") == ["a ", " {b & c} ", " d \\& e"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("**kern\n*clefG2\n4c\n*-", "kern"),
        ("\\begin{tikzpicture}\\draw (0,0) -- (1,1);\\end{tikzpicture}", "tikz"),
        ('{"title": "t", "values": {"a": 1}}', "chart"),
        ("{'title': 't', 'values': {'a': 1}}", "chart"),
        ("CC(=O)Oc1ccccc1C(=O)O", "smiles"),
        ("C1CC(", "smiles"),  # unreadable, but still meant as SMILES
        ("Hello", "markdown"),
        ("x=5", "markdown"),
        ("\\( x \\)", "markdown"),
        ("[1, 2]", "markdown"),
        ("\\title{T}\nSome text.", "markdown"),
    ],
)
def test_kind(text: str, expected: str) -> None:
    assert kind(text) == expected
