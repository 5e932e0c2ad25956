"""Formatted pages typeset here, with markdown ground truth: the ``format`` suite's own set.

The data engine's formatted pages (``formatted-page``) are snippets of its own grammar in a
``standalone`` minipage; a reader measured only on them is measured on its training
distribution. These pages are full LaTeX ``article`` pages in other templates: one or two
columns, the second dev set's faces (Times, Palatino, Charter, Utopia, Helvetica, Bookman, New
Century Schoolbook, Computer Modern), a page number in the footer, with the text of the
installed manual pages (as ``genocr bench typeset`` uses them), classic display formulas
written as a person writes them (``\\left(``, ``\\mathrm``, ``\\,``), and small tables in
booktabs, ruled and grid styles.

The ground truth is GOT's markdown of what the page prints: ``\\section*{}`` and
``\\subsection*{}`` headings, paragraphs, ``\\[ \\]`` display formulas and ``tabular`` tables,
in order; the page number is not part of it. Content is added block by block and a block that
would spill onto a second page is left out, so the truth holds exactly what page 1 shows.
"""
from __future__ import annotations

import re
import tempfile
from pathlib import Path

import numpy as np

from genocr.bench.typeset import DPI, FACES, _run, man_pages, man_text, missing_tools, render_page, write_manifest
from genocr.errors import OptionError
from genocr.io import atomic_write

# Well-known formulas, written as papers write them.
FORMULAS = (
    r"x = \frac{-b \pm \sqrt{b^{2} - 4ac}}{2a}",
    r"e^{i \pi} + 1 = 0",
    r"\int_{-\infty}^{\infty} e^{-x^{2}} \, dx = \sqrt{\pi}",
    r"\sum_{k=1}^{n} k = \frac{n(n+1)}{2}",
    r"P(A \mid B) = \frac{P(B \mid A) \, P(A)}{P(B)}",
    r"\nabla \cdot \mathbf{E} = \frac{\rho}{\varepsilon_{0}}",
    r"f(x) = \frac{1}{\sigma \sqrt{2 \pi}} \exp \left( - \frac{(x - \mu)^{2}}{2 \sigma^{2}} \right)",
    r"\mathrm{Var}(X) = \mathbb{E} \left[ X^{2} \right] - \left( \mathbb{E} [X] \right)^{2}",
    r"E = m c^{2}",
    r"a^{2} + b^{2} = c^{2}",
    r"\lim_{n \to \infty} \left( 1 + \frac{1}{n} \right)^{n} = e",
    r"\frac{\partial u}{\partial t} = \alpha \frac{\partial^{2} u}{\partial x^{2}}",
    r"\zeta(s) = \sum_{n=1}^{\infty} \frac{1}{n^{s}}",
    r"\hat{f}(\xi) = \int_{-\infty}^{\infty} f(x) \, e^{-2 \pi i x \xi} \, dx",
    r"\binom{n}{k} = \frac{n!}{k! \, (n-k)!}",
    r"\sin^{2} \theta + \cos^{2} \theta = 1",
    r"\mathcal{L} = - \frac{1}{4} F_{\mu \nu} F^{\mu \nu}",
    r"H(X) = - \sum_{i} p_{i} \log_{2} p_{i}",
    r"\oint_{C} \mathbf{F} \cdot d \mathbf{r} = \iint_{S} ( \nabla \times \mathbf{F} ) \cdot d \mathbf{S}",
    r"\Gamma(z) = \int_{0}^{\infty} t^{z-1} e^{-t} \, dt",
    r"\| x \|_{2} = \sqrt{x_{1}^{2} + \cdots + x_{n}^{2}}",
    r"\sigma(z) = \frac{1}{1 + e^{-z}}",
    r"\mathrm{softmax}(z)_{i} = \frac{e^{z_{i}}}{\sum_{j} e^{z_{j}}}",
    r"A = \pi r^{2}",
    r"\frac{d}{dx} \left( u v \right) = u \frac{dv}{dx} + v \frac{du}{dx}",
    r"\det(A - \lambda I) = 0",
    r"F_{n} = F_{n-1} + F_{n-2}",
    r"\cos(\alpha + \beta) = \cos \alpha \cos \beta - \sin \alpha \sin \beta",
)
TABLE_STYLES = ("booktabs", "ruled", "grid")
_OPTION = re.compile(r"(?<![\w-])--?[a-zA-Z][\w-]{1,18}")
_WORD = re.compile(r"\b[a-z]{4,10}\b")


def _source_text(text: str) -> tuple[str, str]:
    """Manual-page text as LaTeX source and as what the page prints (the ground truth): what
    T1 cannot set is dropped, straight quotes print curly, ``--`` stays two hyphens."""
    text = "".join(c for c in text if ord(c) < 0x180 or c in "‘’“”–—…")
    text = text.replace("'", "’").replace("`", "‘")
    table = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
             "^": r"\textasciicircum{}", "_": r"\_", "~": r"\textasciitilde{}", "%": r"\%",
             "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}", "-": "-{}"}
    return "".join(table.get(c, c) for c in text), text


def _truth_text(text: str) -> str:
    """Printed text as GOT's markdown writes it: dollar signs and braces escaped."""
    return text.replace("$", "\\$").replace("{", "\\{").replace("}", "\\}")


def _table(rng: np.random.Generator, words: list[str], options: list[str]) -> tuple[str, str]:
    """A small table (LaTeX source, ground truth): options, words and numbers in 3 columns."""
    style = str(rng.choice(TABLE_STYLES))
    rows = [["Option", "Value", "Count"]]
    for _ in range(int(rng.integers(3, 6))):
        option = str(rng.choice(options)) if options else str(rng.choice(words))
        rows.append([option, str(rng.choice(words)), f"{rng.integers(1, 999)}" if rng.random() < 0.5
                     else f"{rng.uniform(0, 100):.2f}"])
    spec = "|l|l|r|" if style == "grid" else "llr"
    top, mid, bottom, between = {"booktabs": (r"\toprule", r"\midrule", r"\bottomrule", ""),
                                 "ruled": (r"\hline", r"\hline", r"\hline", ""),
                                 "grid": (r"\hline", r"\hline", r"\hline", r"\hline")}[style]
    body_src, body_gt = [], []
    for i, row in enumerate(rows):
        src = [_source_text(c)[0] for c in row]
        gt = [_source_text(c)[1].replace("&", r"\&").replace("%", r"\%").replace("_", r"\_") for c in row]
        body_src.append(" & ".join(src) + r" \\")
        body_gt.append(" & ".join(gt) + r" \\")
        rule = mid if i == 0 else bottom if i == len(rows) - 1 else between
        if rule:
            body_src.append(rule)
            body_gt.append(rule)
    src = "\n".join([rf"\begin{{tabular}}{{{spec}}}", top, *body_src, r"\end{tabular}"])
    gt = "\n".join([rf"\begin{{tabular}}{{{spec}}}", top, *body_gt, r"\end{tabular}"])
    return rf"\begin{{center}}{src}\end{{center}}", gt


def _blocks(rng: np.random.Generator, pieces: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(LaTeX source, ground truth) of each block: the manual page's headings and paragraphs,
    with a display formula or a table after about one paragraph in three."""
    text = " ".join(t for k, t in pieces if k == "para")
    words = sorted(set(_WORD.findall(text))) or ["value"]
    options = sorted(set(_OPTION.findall(text)))
    out: list[tuple[str, str]] = []
    formulas = list(rng.permutation(len(FORMULAS)))
    for kind, text in pieces:
        if kind == "heading":
            level = "section" if rng.random() < 0.6 else "subsection"
            src, gt = _source_text(text)
            out.append((rf"\{level}*{{{src}}}", rf"\{level}*{{{_truth_text(gt)}}}"))
        elif kind == "para" and len(text) > 40:
            src, gt = _source_text(text)
            out.append((src + "\n", _truth_text(gt)))
            r = rng.random()
            if r < 0.25 and formulas:
                f = FORMULAS[formulas.pop()]
                out.append((rf"\[ {f} \]", f"\\[\n{f}\n\\]"))
            elif r < 0.4:
                out.append(_table(rng, words, options))
    return out


def _page_pdf(blocks: list[tuple[str, str]], preamble: str, work: Path) -> tuple[bytes, int]:
    (work / "page.tex").write_text(preamble.replace("%BODY%", "\n\n".join(b for b, _ in blocks)), encoding="utf-8")
    _run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "page.tex"], work)
    pdf = (work / "page.pdf").read_bytes()
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(pdf)
    try:
        return pdf, len(doc)
    finally:
        doc.close()


def make_format_devset(out: Path, n: int = 12, seed: int = 0) -> Path:
    """``n`` formatted pages into ``out/formatted_page_en`` with a ``manifest.tsv`` that
    ``genocr bench format --data OUT`` reads; returns the manifest's path."""
    absent = missing_tools()
    if absent:
        raise OptionError(f"typesetting the set needs {', '.join(absent)} (apt-get install groff poppler-utils texlive-latex-extra)")
    rng = np.random.default_rng(seed + 7919)  # other manual pages than the text set's
    folder = out / "formatted_page_en"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for man in man_pages(rng, n):
        faces, face_name = FACES[int(rng.integers(len(FACES)))]
        columns = "twocolumn" if rng.random() < 0.4 else "onecolumn"
        size = int(rng.choice([10, 11, 12]))
        preamble = "\n".join([
            f"\\documentclass[{size}pt,{columns}]{{article}}", "\\usepackage[utf8]{inputenc}", faces,
            "\\usepackage{amsmath,amssymb,booktabs}",
            f"\\usepackage[margin={rng.uniform(0.8, 1.2):.2f}in,{rng.choice(['a4paper', 'letterpaper'])}]{{geometry}}",
            "\\pagestyle{plain}", "\\begin{document}", "%BODY%", "\\end{document}"])
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            blocks = _blocks(rng, man_text(man, work))
            keep = min(len(blocks), 14)
            pdf, pages = _page_pdf(blocks[:keep], preamble, work)
            while pages > 1 and keep > 1:  # drop blocks until page 1 holds all that is kept
                keep -= 1
                pdf, pages = _page_pdf(blocks[:keep], preamble, work)
            (work / "doc.pdf").write_bytes(pdf)
            item = f"{man.name[: -len('.1.gz')]}_{face_name.split()[0].lower()}_{columns[:3]}"
            atomic_write(folder / f"{item}.png", render_page(work / "doc.pdf", 1))
            atomic_write(folder / f"{item}.txt", "\n\n".join(gt for _, gt in blocks[:keep]) + "\n")
        rows.append({"category": "formatted_page_en", "item_id": item, "image_path": f"formatted_page_en/{item}.png",
                     "gt_path": f"formatted_page_en/{item}.txt",
                     "source": f"{man}, pdflatex article, {face_name} {size} pt, {columns}, {DPI} dpi",
                     "license": "the manual page's own package licence (Debian, /usr/share/doc/*/copyright)"})
    return write_manifest(out, rows)
