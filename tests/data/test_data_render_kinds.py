"""The rendered OCR-2.0 kinds: every image shows something, and every target is checked by a
tool other than the one that rendered it (a fresh pdflatex run, html.parser, RDKit, music21,
json), so a target that merely echoes the renderer's input would still have to be valid."""
from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser

import numpy as np
import pypdfium2 as pdfium
import pytest

from genocr.data import latex
from genocr.data.kinds import formatted_page
from genocr.data.kinds import math as math_kind
from genocr.data.sample import KINDS, Sample

PARTIAL = r"\\(cline|cmidrule)\{\d+-\d+\}"
RULE = re.compile(rf"\\(hline|toprule|midrule|bottomrule)|{PARTIAL}( {PARTIAL})*")
LATEX_KINDS = ("math", "table", "geometry", "formatted-page")
OTHER_KINDS = ("chart", "molecule", "music")
needs_tex = pytest.mark.skipif(
    shutil.which("pdflatex") is None,
    reason="pdflatex is not installed (texlive-latex-base and friends, see APT_PKGS in the Makefile)",
)
PREAMBLES = {
    "math": r"\usepackage{amsmath,amssymb}",
    "table": r"\usepackage{amsmath,multirow,booktabs}",
    "geometry": r"\usepackage{tikz}",
    "formatted-page": r"\usepackage{amsmath,amssymb,multirow,booktabs}",
}


def kind_params(names: tuple[str, ...]) -> list:
    return [pytest.param(k, marks=needs_tex) if k in LATEX_KINDS else k for k in names]


@pytest.fixture(scope="module")
def samples() -> dict[str, list[Sample]]:
    """A few samples of each kind, made once (LaTeX kinds in one batch each)."""
    out = {}
    for i, name in enumerate(LATEX_KINDS + OTHER_KINDS):
        if name in LATEX_KINDS and not latex.available():
            continue
        rng = np.random.default_rng(100 + i)
        batch = getattr(KINDS[name], "make_batch", None)
        out[name] = batch(rng, 6) if batch else [KINDS[name](rng) for _ in range(4)]
    return out


def png(sample: Sample) -> bytes:
    buf = io.BytesIO()
    sample.image.save(buf, format="PNG")
    return buf.getvalue()


def assert_not_blank(sample: Sample) -> None:
    gray = np.asarray(sample.image.convert("L"))
    assert min(gray.shape) >= 20
    assert (gray < 128).mean() > 0.001, f"{sample.kind}: image is blank"


@pytest.mark.parametrize("name", kind_params(LATEX_KINDS + OTHER_KINDS))
def test_kind_renders_something_with_a_format_target(samples, name):
    assert len(samples[name]) >= 4
    for s in samples[name]:
        assert s.kind == name and s.task == "format" and s.target.strip()
        assert_not_blank(s)


@pytest.mark.parametrize("name", kind_params(LATEX_KINDS + OTHER_KINDS))
def test_same_seed_gives_identical_png_bytes(name):
    a, b = (KINDS[name](np.random.default_rng(7)) for _ in range(2))
    assert a.target == b.target and png(a) == png(b)


def compile_alone(body: str, preamble: str, tmp_path) -> int:
    """Pages pdflatex makes of ``body`` in a plain article, without genocr's latex module."""
    doc = f"\\documentclass{{article}}\n{preamble}\n\\begin{{document}}\n{body}\n\\end{{document}}\n"
    (tmp_path / "t.tex").write_text(doc)
    cmd = ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"]
    run = subprocess.run(cmd, cwd=tmp_path, capture_output=True)
    assert run.returncode == 0, run.stdout.decode(errors="replace")[-2000:]
    return len(pdfium.PdfDocument(tmp_path / "t.pdf"))


@needs_tex
@pytest.mark.parametrize("name", LATEX_KINDS)
def test_latex_targets_compile_on_their_own(samples, name, tmp_path):
    wrap = (lambda t: f"\\[\n{t}\n\\]") if name == "math" else (lambda t: t)
    body = "\n\\clearpage\n".join(wrap(s.target) for s in samples[name])
    assert compile_alone(body, PREAMBLES[name], tmp_path) >= len(samples[name])


class Cells(HTMLParser):
    """(text, rowspan, colspan) of each <td>, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[list]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            a = dict(attrs)
            self.rows[-1].append(["", int(a.get("rowspan", 1)), int(a.get("colspan", 1))])

    def handle_data(self, data):
        if self.rows and self.rows[-1]:
            self.rows[-1][-1][0] += data


def latex_cells(tabular: str) -> tuple[int, list[list[tuple[str, int, int]]]]:
    """Column count and (text, rowspan, colspan) of each non-placeholder cell of a tabular."""
    spec = re.match(r"\\begin\{tabular\}\{([^}]*)\}", tabular).group(1)
    lines = [ln for ln in tabular.splitlines()[1:-1] if not RULE.fullmatch(ln)]
    rows = []
    for line in lines:
        assert line.endswith(r" \\")
        row = []
        for cell in line[:-3].split(" & "):
            colspan, rowspan = 1, 1
            if m := re.fullmatch(r"\\multicolumn\{(\d+)\}\{[^}]*\}\{(.*)\}", cell):
                colspan, cell = int(m.group(1)), m.group(2)
            if m := re.fullmatch(r"\\multirow\{(\d+)\}\{\*\}\{(.*)\}", cell):
                rowspan, cell = int(m.group(1)), m.group(2)
            row.append((cell.strip(), rowspan, colspan))
        rows.append(row)
    return len(re.findall(r"[lcr]", spec)), rows


@needs_tex
def test_table_html_has_the_cells_of_the_latex(samples):
    for s in samples["table"]:
        ncols, rows = latex_cells(s.target)
        parser = Cells()
        parser.feed(s.meta["html"])
        assert len(parser.rows) == len(rows)
        assert all(sum(c[2] for c in row) == ncols for row in rows)
        real = [[c for c in row if c[0]] for row in rows]  # empty cells sit under a multirow
        assert sum(len(r) for r in real) == sum(len(r) for r in parser.rows)
        assert sum(c[1] * c[2] for r in parser.rows for c in r) == ncols * len(rows)
        for lrow, hrow in zip(real, parser.rows):
            tex = [re.sub(r"^\$(.*) \\pm (.*)\$$", r"\1 ± \2", t).replace(r"\%", "%") for t, _, _ in lrow]
            assert tex == [t for t, _, _ in hrow]
            assert [c[1:] for c in lrow] == [tuple(c[1:]) for c in hrow]


def test_smiles_target_is_the_source_molecule(samples):
    from rdkit import Chem

    for s in samples["molecule"]:
        mol = Chem.MolFromSmiles(s.target)
        assert mol is not None
        assert Chem.MolToSmiles(mol) == s.target
        assert Chem.MolToSmiles(Chem.MolFromSmiles(s.meta["source_smiles"])) == s.target


def test_kern_target_parses_with_the_measures_cut(samples):
    from music21 import converter, stream

    for s in samples["music"]:
        score = converter.parse(s.target, format="humdrum")
        spines = s.target.splitlines()[0].count("**kern")
        assert len(score.parts) == spines
        assert {len(p.getElementsByClass(stream.Measure)) for p in score.parts} == {s.meta["measures"]}


def test_chart_target_holds_the_plotted_data(samples):
    for s in samples["chart"]:
        target, plotted = json.loads(s.target), s.meta["plotted"]
        assert set(target) == {"title", "source", "x_title", "y_title", "values"}
        keys = [f"{x:g}" for x in plotted["x"]] if "x" in plotted else plotted["categories"]
        values = {name: dict(zip(keys, ys)) for name, ys in plotted["series"].items()}
        assert target["values"] == (values[""] if list(values) == [""] else values)


@needs_tex
def test_latex_render_drops_only_the_broken_snippet():
    images = latex.render(["$x$", r"\nosuchmacro", "$y^2$"], [2.0] * 3)
    assert images[1] is None and images[0] is not None and images[2] is not None


@needs_tex
def test_corpus_text_typesets_as_itself_on_a_formatted_page():
    text = r"A 45% rise costs $85 & #2 of x_1 {a} ~ b^2 when n − 3 < 5 > 1 \ still shown."
    source = latex.document([formatted_page.latex_text(text)], PREAMBLES["formatted-page"])
    shown = pdfium.PdfDocument(latex.compile_pdf(source)[0])[0].get_textpage().get_text_range()
    words = re.compile(r"[A-Za-z0-9]+")
    assert words.findall(shown) == words.findall(text)  # nothing commented out, nothing in math


@needs_tex
def test_latex_render_drops_content_wider_than_its_box():
    wide = r"\begin{minipage}{50pt}\[ a+b+c+d+e+f+g+h+i+j+k+l+m+n \]\end{minipage}"
    assert latex.render([wide, "$x$"], [1.0, 1.0])[0] is None


def test_math_falls_back_to_mathtext_without_pdflatex(monkeypatch):
    monkeypatch.setattr(latex, "available", lambda: False)
    batch = math_kind.make_batch(np.random.default_rng(3), 3)
    assert [s.meta["renderer"] for s in batch] == ["mathtext"] * 3
    for s in batch:
        assert_not_blank(s)
        assert "\\begin" not in s.target


@needs_tex
def test_batched_kinds_expose_make_batch():
    for name in LATEX_KINDS:
        assert len(KINDS[name].make_batch(np.random.default_rng(1), 2)) == 2


@needs_tex
def test_math_grammar_writes_arxiv_idioms_in_one_style_only_and_both_typeset():
    rng = np.random.default_rng(0)
    idioms = re.compile(r"\\over\b|\{\\(?:cal|bf|rm) |[_^][A-Za-z0-9]|\\(?:kappa|in|partial|dots|ldots)\b")
    for arxiv in (False, True):
        sources = [math_kind.Grammar(rng, arxiv=arxiv).formula() for _ in range(24)]
        used = sum(bool(idioms.search(s)) for s in sources)
        assert (used >= 12) if arxiv else (used == 0), sources
        assert all(im is not None for im in latex.render([f"${s}$" for s in sources], [1.0] * 24, math_kind.PREAMBLE))


def test_paper_tables_are_as_long_as_a_paper_s_and_fit_the_decoder():
    from genocr.data.kinds import table

    rng = np.random.default_rng(4)
    grids = [table.random_grid(rng, paper=True) for _ in range(50)]
    assert min(g.nrows for g in grids) >= 5 and min(g.ncols for g in grids) >= 3
    assert all(g.style != "grid" for g in grids)
    cells = [c.html for g in grids for c in g.cells]
    assert "" in cells and "&lt;0.001" in cells  # blanks, and "<" escaped once in the HTML
    snippets = [table._snippet(rng) for _ in range(60)]
    assert max(len(s.data[0]) for s in snippets) <= table.MAX_CHARS
    assert sum(s.data[0].count(r" \\") >= 6 for s in snippets) >= 10  # long ones are drawn
    small = sum(s.scale < 1.6 for s in snippets) / len(snippets)  # glyphs of 4-8 px, as scanned papers have
    assert 0.5 * table.SMALL < small < 1.5 * table.SMALL
