"""Formulas from authors' LaTeX sources (``genocr.data.formulas``) and the math-source kind."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from genocr.data import formulas, latex
from genocr.data.kinds import math as math_kind
from genocr.errors import InputError

needs_tex = pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")

SOURCE = r"""
\newcommand{\dd}{\mathrm{d}}
\newcommand{\vev}[1]{\langle #1\rangle}
\DeclareMathOperator{\Tr}{Tr}
Text with $a+b$ inline. % a comment with \begin{equation} x \end{equation}
\begin{equation}
  Z = \int \dd\phi \, e^{-S[\phi]} \label{eq:z}
\end{equation}
\begin{align}
  a &= b + c \nonumber \\[2pt]
  \Tr M &= \sum_i M_{ii}
\end{align}
\[ \vev{\phi(x)\phi(y)} = G(x-y) \]
$$ f(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases} $$
\begin{equation} x = { \end{equation}
"""


def rows() -> list[str]:
    simple, other = formulas.macros([SOURCE])
    return formulas.extract(SOURCE, simple, other)


def test_display_rows_come_out_as_written_without_labels_marks_or_comments():
    found = rows()
    assert r"Z = \int \mathrm{d}\phi \, e^{-S[\phi]}" in found  # zero-argument macro spelt out
    assert "a = b + c" in found and r"\operatorname{Tr} M = \sum_i M_{ii}" in found  # one row each, no &
    assert not any("label" in f or "nonumber" in f or "comment" in f for f in found)


def test_a_nested_environment_keeps_its_own_rows_and_marks():
    assert r"f(x) = \begin{cases} 1 & x > 0 \\ 0 & x \le 0 \end{cases}" in rows()


def test_formulas_with_argument_macros_or_broken_braces_are_left_out():
    found = rows()
    assert not any("vev" in f or "langle" in f for f in found)
    assert not any(f.startswith("x = {") for f in found)
    assert formulas.balanced(r"\{ a \} {b}") and not formulas.balanced("{a}}{")


@needs_tex
def test_failing_names_the_snippets_that_do_not_typeset_in_one_batch():
    bodies = ["$x$", r"$\nosuchmacro y$", "$y^2$", r"$\frac{1}{2$", "$z$"]
    assert latex.failing(bodies, math_kind.PREAMBLE) == {1, 3}


@needs_tex
def test_built_corpus_feeds_the_math_source_kind(tmp_path, monkeypatch):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "paper.tex").write_text(SOURCE + r"\begin{equation} \nosuch x = 1 \end{equation}")
    corpus = tmp_path / "formulas.txt"
    kept = formulas.build([tmp_path / "src"], corpus)
    lines = corpus.read_text().splitlines()
    assert kept == len(lines) and lines == sorted(lines)
    assert not any("nosuch" in f for f in lines)  # does not typeset: dropped
    monkeypatch.setattr(formulas, "CORPUS", corpus)
    math_kind._corpus.cache_clear()
    try:
        batch = math_kind.make_source_batch(np.random.default_rng(0), 4)
    finally:
        math_kind._corpus.cache_clear()
    assert {s.target for s in batch} <= set(lines)
    assert all(s.kind == "math-source" and s.meta["origin"] == "source" and np.asarray(s.image.convert("L")).min() < 128 for s in batch)


def test_missing_corpus_or_sources_are_one_line_errors(tmp_path):
    with pytest.raises(InputError, match="genocr data formulas"):
        formulas.load(tmp_path / "none.txt")
    (tmp_path / "notes.tex").write_text("No display math here, only $x$ inline.")
    with pytest.raises(InputError, match="no display formulas"):
        formulas.collect([tmp_path])
