"""A second English dev set, typeset here: manual pages set by groff and by LaTeX.

The first dev set (``shared/benchmarks/real``) is small and a model tuned on it looks better
than it is. This one comes from other sources and other typesetters, so a gain must show on
both: the manual pages that Debian packages install (``/usr/share/man``), set by groff
(``-man -Tpdf``, Times or Helvetica, A4 or Letter) and by pdflatex in templates of our own
(one or two columns; Computer Modern, Times, Palatino, Charter, Utopia, Helvetica, Bookman or
New Century Schoolbook; headings on dark bars, examples in shaded or framed boxes, lists). Pages are
rendered at 150 dpi with pypdfium2, as the first dev set's are; the ground truth is each
page's text layer by ``pdftotext -raw``, the first dev set's convention.

Neither the data engine nor any training run reads manual pages, so nothing here has been
trained on. (The PDFs under ``/usr/share/doc`` stay out of both: held-out checks use them.)
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from genocr.errors import OptionError
from genocr.io import atomic_write

MAN_DIR = Path("/usr/share/man/man1")
DPI = 150
TOOLS = ("groff", "pdflatex", "pdftotext")
# (package lines, name) of the LaTeX templates' type faces.
FACES = (
    ("", "Computer Modern"),
    ("\\usepackage[T1]{fontenc}\\usepackage{mathptmx}", "Times"),
    ("\\usepackage[T1]{fontenc}\\usepackage{mathpazo}", "Palatino"),
    ("\\usepackage[T1]{fontenc}\\usepackage{charter}", "Charter"),
    ("\\usepackage[T1]{fontenc}\\usepackage{utopia}", "Utopia"),
    ("\\usepackage[T1]{fontenc}\\usepackage[scaled]{helvet}\\renewcommand{\\familydefault}{\\sfdefault}", "Helvetica"),
    ("\\usepackage[T1]{fontenc}\\usepackage{bookman}", "Bookman"),
    ("\\usepackage[T1]{fontenc}\\usepackage{newcent}", "New Century Schoolbook"),
)


def missing_tools() -> list[str]:
    return [t for t in TOOLS if shutil.which(t) is None]


def man_pages(rng: np.random.Generator, n: int) -> list[Path]:
    """``n`` manual pages of section 1, long enough for a full page, drawn with ``rng``; not the
    Google Cloud SDK's 16,000 generated pages (this machine's image has them, Debian does not)."""
    pages = sorted(p for p in MAN_DIR.glob("*.1.gz")
                   if not p.name.startswith("gcloud") and 6_000 < p.stat().st_size < 60_000)
    if len(pages) < n:
        raise OptionError(f"{MAN_DIR}: only {len(pages)} manual pages large enough, {n} needed")
    return [pages[i] for i in rng.choice(len(pages), size=n, replace=False)]


def _run(cmd: list[str], cwd: Path, stdin: bytes | None = None, timeout: int = 120) -> bytes:
    proc = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {proc.stderr.decode(errors='replace')[-300:]}")
    return proc.stdout


def groff_pdf(man: Path, work: Path, rng: np.random.Generator) -> tuple[bytes, str]:
    """The manual page set by groff, in Times or Helvetica, on A4 or Letter."""
    family, paper = str(rng.choice(["T", "H"])), str(rng.choice(["a4", "letter"]))
    size = int(rng.choice([10, 11, 12]))
    src = gzip.decompress(man.read_bytes())
    pdf = _run(["groff", "-man", "-Tpdf", f"-f{family}", f"-rS{size}", f"-dpaper={paper}", f"-P-p{paper}"], work, src)
    return pdf, f"groff -man, {'Times' if family == 'T' else 'Helvetica'} {size} pt, {paper}"


def man_text(man: Path, work: Path) -> list[tuple[str, str]]:
    """The manual page as (kind, text) pieces: ``heading``, ``para`` or ``code`` (indented
    examples), from groff's plain-text rendering."""
    src = gzip.decompress(man.read_bytes())
    text = _run(["groff", "-man", "-Tutf8", "-P-cbou", "-rLL=200n", "-rHY=0"], work, src).decode("utf-8", "replace")
    pieces: list[tuple[str, str]] = []
    para: list[str] = []

    def flush() -> None:
        if para:
            pieces.append(("para", " ".join(para)))
            para.clear()

    for line in text.splitlines()[1:-1]:  # drop the running header and footer lines
        stripped = line.strip()
        indent = len(line) - len(line.lstrip())
        if not stripped:
            flush()
        elif indent == 0 and stripped.upper() == stripped and len(stripped) < 40:
            flush()
            pieces.append(("heading", stripped.title()))
        elif indent >= 14 and len(stripped) < 70:
            flush()
            pieces.append(("code", stripped))
        else:
            para.append(stripped)
    flush()
    return pieces


def _tex_escape(text: str) -> str:
    table = {"\\": "\\textbackslash{}", "{": "\\{", "}": "\\}", "$": "\\$", "&": "\\&", "#": "\\#",
             "^": "\\^{}", "_": "\\_", "~": "\\~{}", "%": "\\%"}
    text = "".join(table.get(c, c) for c in text)
    return "".join(c for c in text if ord(c) < 0x180 or c in "‘’“”–—•…")  # what T1 and inputenc set


def latex_pdf(title: str, pieces: list[tuple[str, str]], work: Path, rng: np.random.Generator) -> tuple[bytes, str]:
    """A document's (kind, text) pieces (:func:`man_text`) set by pdflatex in one of our templates."""
    faces, face_name = FACES[int(rng.integers(len(FACES)))]
    columns = "twocolumn" if rng.random() < 0.4 else "onecolumn"
    size = int(rng.choice([10, 11, 12]))
    body = []
    for kind, text in pieces[:120]:
        t = _tex_escape(text)
        if kind == "heading":
            if rng.random() < 0.3:  # a heading set light on a dark bar
                body.append(f"\\par\\medskip\\noindent\\colorbox{{black!{int(rng.integers(60, 90))}}}"
                            f"{{\\parbox{{\\dimexpr\\linewidth-2\\fboxsep}}{{\\color{{white}}\\bfseries\\large {t}}}}}\\par\\smallskip")
            else:
                body.append(f"\\section*{{{t}}}")
        elif kind == "code":
            box = str(rng.choice(["shade", "frame", "plain"]))
            line = f"\\texttt{{{t}}}"
            if box == "shade":
                body.append(f"\\par\\noindent\\colorbox{{black!10}}{{\\parbox{{\\dimexpr\\linewidth-2\\fboxsep}}{{{line}}}}}\\par")
            elif box == "frame":
                body.append(f"\\par\\noindent\\fbox{{\\parbox{{\\dimexpr\\linewidth-2\\fboxsep-2\\fboxrule}}{{{line}}}}}\\par")
            else:
                body.append(f"\\par{{\\leftskip=2em\\noindent {line}\\par}}")
        elif rng.random() < 0.15 and len(t) < 400:
            body.append(f"\\begin{{itemize}}\\item {t}\\end{{itemize}}")
        else:
            body.append(t + "\n")
    tex = "\n".join([
        f"\\documentclass[{size}pt,{columns}]{{article}}",
        "\\usepackage[utf8]{inputenc}", faces,
        f"\\usepackage[margin={rng.uniform(0.7, 1.2):.2f}in,{rng.choice(['a4paper', 'letterpaper'])}]{{geometry}}",
        "\\usepackage{xcolor}", "\\pagestyle{plain}", "\\begin{document}",
        f"\\title{{{_tex_escape(title)}}}\\date{{}}\\maketitle" if rng.random() < 0.5 else "",
        *body, "\\end{document}"])
    (work / "page.tex").write_text(tex, encoding="utf-8")
    _run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "page.tex"], work)
    return (work / "page.pdf").read_bytes(), f"pdflatex article, {face_name} {size} pt, {columns}"


def page_text(pdf: Path, number: int) -> str:
    """The text layer of one page, as the first dev set's ground truth was made."""
    out = subprocess.run(["pdftotext", "-raw", "-f", str(number), "-l", str(number), str(pdf), "-"],
                         capture_output=True, check=True)
    return out.stdout.decode("utf-8", "replace").replace("\f", "").strip() + "\n"


def page_boxes(pdf: Path, number: int, scale: float = DPI / 72) -> list[dict]:
    """Every text-layer line of one page with its words, boxes in pixels at ``scale`` px/pt
    (``pdftotext -bbox-layout``): ground truth for line finding and word boxes."""
    import xml.etree.ElementTree as ET

    out = subprocess.run(["pdftotext", "-bbox-layout", "-f", str(number), "-l", str(number), str(pdf), "-"],
                         capture_output=True, check=True).stdout.decode("utf-8", "replace")
    out = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", out)  # control characters a text layer may hold are not XML
    ns = {"x": "http://www.w3.org/1999/xhtml"}

    def box(el: ET.Element) -> list[int]:
        return [round(float(el.get(k)) * scale) for k in ("xMin", "yMin", "xMax", "yMax")]

    lines = []
    for line in ET.fromstring(out).iterfind(".//x:line", ns):
        words = [{"text": w.text or "", "box": box(w)} for w in line.iterfind("x:word", ns)]
        lines.append({"text": " ".join(w["text"] for w in words), "box": box(line), "words": words})
    return lines


def render_page(pdf: Path, number: int) -> bytes:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    try:
        image = doc[number - 1].render(scale=DPI / 72).to_pil().convert("RGB")
    finally:
        doc.close()
    png = io.BytesIO()
    image.save(png, "PNG")
    return png.getvalue()


def make_devset(out: Path, n: int = 24, seed: int = 0) -> Path:
    """``n`` pages (half groff, half LaTeX) into ``out`` with a ``manifest.tsv`` that
    ``genocr bench text --data OUT`` reads; returns the manifest's path."""
    _check_tools()
    rng = np.random.default_rng(seed)
    rows = []
    for i, man in enumerate(man_pages(rng, n)):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            if i % 2 == 0:
                (pdf, how), setter = groff_pdf(man, work, rng), "groff"
            else:
                (pdf, how), setter = latex_pdf(man.name.split(".")[0], man_text(man, work), work, rng), "latex"
            rows.append(_save_page(pdf, out, f"{man.name[: -len('.1.gz')]}_{setter}", work, rng, (man, how),
                                   "the manual page's own package licence (Debian, /usr/share/doc/*/copyright)"))
    return write_manifest(out, rows)


def make_markdown_devset(sources: list[Path], out: Path, n: int = 20, seed: int = 0) -> Path:
    """``n`` pages typeset as :func:`make_devset`'s LaTeX half is, from ``n`` Markdown files
    under ``sources`` (a book's held-out chapters: a check on text no run trained on)."""
    from genocr.data import prose

    _check_tools()
    files = prose.markdown_files(sources)
    if len(files) < n:
        raise OptionError(f"{n} pages need {n} Markdown files; found {len(files)} under {', '.join(map(str, sources))}")
    rng = np.random.default_rng(seed)
    rows = []
    for k in sorted(rng.choice(len(files), n, replace=False).tolist()):
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            pdf, how = latex_pdf(files[k].stem, list(prose.blocks(files[k].read_text(encoding="utf-8"))), work, rng)
            rows.append(_save_page(pdf, out, f"{files[k].stem}_latex", work, rng, (files[k], how),
                                   "the Markdown source's own (see its repository)"))
    return write_manifest(out, rows)


def _check_tools() -> None:
    absent = missing_tools()
    if absent:
        raise OptionError(f"typesetting the dev set needs {', '.join(absent)} (apt-get install groff poppler-utils texlive-latex-extra)")


def _save_page(pdf_bytes: bytes, out: Path, stem: str, work: Path, rng: np.random.Generator,
               origin: tuple[Path, str], licence: str) -> dict[str, str]:
    """One of the PDF's first three pages (at random) as ``out/doc_page_en/STEM_pN``: its image,
    text layer and word boxes. Returns its manifest row; ``origin`` is the source file and how it
    was set."""
    import pypdfium2 as pdfium

    pdf = work / "doc.pdf"
    pdf.write_bytes(pdf_bytes)
    doc = pdfium.PdfDocument(str(pdf))
    count = len(doc)
    doc.close()
    number = 1 if count == 1 else int(rng.integers(1, min(count, 3) + 1))
    item = f"{stem}_p{number}"
    folder = out / "doc_page_en"
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(folder / f"{item}.png", render_page(pdf, number))
    atomic_write(folder / f"{item}.txt", page_text(pdf, number))
    atomic_write(folder / f"{item}.boxes.json", json.dumps({"dpi": DPI, "lines": page_boxes(pdf, number)}))
    return {"category": "doc_page_en", "item_id": item, "image_path": f"doc_page_en/{item}.png",
            "gt_path": f"doc_page_en/{item}.txt", "source": f"{origin[0]} (page {number}), {origin[1]}", "license": licence}


def write_manifest(out: Path, rows: list[dict[str, str]]) -> Path:
    """``out/manifest.tsv`` with one row per page (the dev set's columns), written atomically."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter="\t", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write(out / "manifest.tsv", buf.getvalue())
    return out / "manifest.tsv"
