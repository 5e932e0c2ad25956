"""Make the README's example inputs: a two-page PDF typeset here, a page image, a slide with a
green frame, a formula crop and a scanned-looking line. Run from the repository root:

    .venv/bin/python examples/make_examples.py

The text is genocr's own (this repository's README), so the examples carry no one else's rights.
"""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter

HERE = Path(__file__).resolve().parent
TEX = r"""
\documentclass[11pt]{article}
\usepackage[T1]{fontenc}\usepackage{mathptmx}\usepackage[margin=1in,letterpaper]{geometry}
\pagestyle{plain}
\begin{document}
\section*{OCR-2.0 on your own machine}
genocr reads every kind of man-made optical character: plain text of documents and scenes,
math formulas, tables, charts, molecules and sheet music, with one prompt-driven model family.
It answers in plain or formatted text, and it works offline on a CPU.

\subsection*{How a page is read}
The line finder binarises the page, takes out ruling lines and frames, smears characters into
line blobs and cuts blobs that hold several lines. The lines are put in reading order: the
regions between page-wide rules top to bottom, and within each, bands and then columns.
Each line is read by a small convolutional network with a CTC head, in one pass.
\begin{itemize}
\item Inputs: PNG, JPEG, TIFF, WebP, BMP and PDF, folders, globs and standard input.
\item Outputs: plain text, markdown, JSON and a standalone HTML page.
\item Bad input ends in one line and a non-zero exit; a batch carries on past a bad file.
\end{itemize}
The energy of a body at rest is
\[ E = mc^2 , \qquad \sum_{i=1}^{n} i = \frac{n(n+1)}{2} . \]
\begin{center}
\begin{tabular}{|l|r|r|}
\hline Kind & Samples/s & Share \\ \hline
slice & 151 & 0.6 \\ page & 16.5 & 0.4 \\ \hline
\end{tabular}
\end{center}
\newpage
\section*{The data engine}
genocr's models learn from synthetic data with exact ground truth, rendered offline from what
installed packages ship: fonts from Debian, text from Python's documentation, word lists and
molecules. The same seed gives byte-identical shards whatever the number of workers.
Training streams samples on the fly, and every run resumes from its last checkpoint.
\end{document}
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "paper.tex").write_text(TEX)
        subprocess.run(["pdflatex", "-interaction=nonstopmode", "paper.tex"], cwd=tmp, check=True,
                       capture_output=True)
        (HERE / "paper.pdf").write_bytes((Path(tmp) / "paper.pdf").read_bytes())
    pdf = pdfium.PdfDocument(str(HERE / "paper.pdf"))
    page = pdf[0].render(scale=150 / 72).to_pil().convert("L").convert("RGB")
    page.save(HERE / "page.png", optimize=True)
    from genocr.layout.lines import find_lines

    lines = find_lines(page)  # title, then the first paragraph's three lines
    x0, y0 = min(b[0] for b in lines[1:4]) - 12, lines[1][1] - 12
    x1, y1 = max(b[2] for b in lines[1:4]) + 12, lines[3][3] + 12
    slide = page.copy()
    ImageDraw.Draw(slide).rectangle((x0, y0, x1, y1), outline=(0, 200, 0), width=4)
    slide.save(HERE / "slide.png", optimize=True)
    b = lines[1]
    line = page.crop((b[0] - 8, b[1] - 8, b[2] + 8, b[3] + 8)).rotate(0.4, fillcolor="white", resample=Image.BICUBIC)
    line.filter(ImageFilter.GaussianBlur(0.6)).save(HERE / "line.png", optimize=True)


if __name__ == "__main__":
    main()
