"""One standalone HTML page per result, readable offline: no external URLs, KaTeX inlined.

Plain results are shown as escaped, wrapped text. Formatted results are converted here rather
than in the browser (headings, paragraphs, real tables, drawings of molecules and scores), so
the page needs no script except KaTeX, and only when there is math to typeset.
"""
from __future__ import annotations

from html import escape
from pathlib import PurePath

from PIL import Image

from genocr.export import chart, html_figures, html_mmd, katex, mmd, pages
from genocr.results import PageResult, ReadResult

_CSS = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f4f4f4; color: #222; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem; }
.meta { color: #666; font-size: 0.9em; }
section.page { background: #fff; border: 1px solid #ddd; border-radius: 6px; margin: 1rem 0; padding: 0 1.25rem 1rem; }
section.page > header { border-bottom: 1px solid #eee; padding: 0.6rem 0; color: #555; font-size: 0.9em; }
.badge { display: inline-block; margin-left: 0.5em; padding: 0 0.5em; border-radius: 4px;
         background: #fff3cd; color: #7a5a00; border: 1px solid #e0c060; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font: 0.95em/1.45 ui-monospace, monospace; }
pre.plain { font-family: inherit; font-size: 1em; }
table { border-collapse: collapse; margin: 1em 0; }
td { border: 1px solid #bbb; padding: 0.25em 0.6em; vertical-align: top; }
table.chart tr:first-child td { font-weight: 600; background: #f0f0f0; }
dl.fields { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dl.fields dt { font-weight: 600; } dl.fields dd { margin: 0; }
figure.drawing { margin: 1em 0; } figure.drawing svg { max-width: 100%; height: auto; }
.note { color: #666; font-style: italic; }
figure.overlay { position: relative; margin: 1em 0; max-width: 100%; }
figure.overlay img, figure.overlay svg { display: block; width: 100%; height: auto; }
figure.overlay svg { position: absolute; top: 0; left: 0; }
figure.overlay rect { fill: rgba(255, 200, 0, 0.12); stroke: #d33; stroke-width: 1; vector-effect: non-scaling-stroke; }
figure.overlay rect:hover { fill: rgba(255, 200, 0, 0.45); }
"""

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}</style>
{katex}</head>
<body>
<main>
<h1>{title}</h1>
<p class="meta">{meta}</p>
{sections}
</main>
</body>
</html>
"""


def render(result: ReadResult, images: dict[int, Image.Image] | None = None) -> str:
    """The whole page; KaTeX is inlined only when formatted output contains math. With the
    pages' ``images`` (page number -> image), a page that has word boxes shows them drawn on
    its image, each word and its confidence on hover, for checking by eye."""
    formatted = result.output_format == "markdown"
    has_math = formatted and any(mmd.MATH.search(page.text) for page in result.pages)
    meta = f"{result.model} · task {result.task} · {len(result.pages)} section(s) · {result.seconds:.1f} s"
    return _PAGE.format(
        title=escape(PurePath(result.source).name or result.source),
        css=_CSS,
        katex=katex.head() if has_math else "",
        meta=escape(meta),
        sections="\n".join(_section(result.source, page, formatted, (images or {}).get(page.pages[0]))
                            for page in result.pages),
    )


def _section(source: str, page: PageResult, formatted: bool, image: Image.Image | None = None) -> str:
    warning = pages.warning(page)
    badge = f'<span class="badge {page.stop_reason}">&#9888; {escape(warning)}</span>' if warning else ""
    header = f"<header>{escape(source)} &middot; {escape(pages.label(page))}{badge}</header>"
    body = _formatted(page.text) if formatted else f'<pre class="plain">{escape(page.text)}</pre>'
    figure = _overlay(page, image) if image is not None and page.blocks else ""
    return f'<section class="page">\n{header}\n{figure}{body}\n</section>'


def _overlay(page: PageResult, image: Image.Image, max_width: int = 1200) -> str:
    """The page image (JPEG, inlined) under an SVG of its word boxes, in page pixels."""
    import base64
    import io

    shown = image.convert("RGB")
    if shown.width > max_width:
        shown = shown.resize((max_width, round(shown.height * max_width / shown.width)))
    buf = io.BytesIO()
    shown.save(buf, "JPEG", quality=80)
    rects = "".join(
        f'<rect x="{w.box[0]}" y="{w.box[1]}" width="{w.box[2] - w.box[0]}" height="{w.box[3] - w.box[1]}">'
        f"<title>{escape(w.text)} ({round(100 * w.confidence)}%)</title></rect>" for w in page.words)
    return (f'<figure class="overlay"><img alt="page {page.pages[0]}" '
            f'src="data:image/jpeg;base64,{base64.b64encode(buf.getvalue()).decode()}">'
            f'<svg viewBox="0 0 {image.width} {image.height}" xmlns="http://www.w3.org/2000/svg">{rects}</svg></figure>\n')


def _formatted(text: str) -> str:
    """Formatted output by what it turns out to be (see :func:`genocr.export.mmd.kind`)."""
    kind = mmd.kind(text)
    if kind == "smiles":
        return html_figures.molecule(text.strip())
    if kind == "kern":
        return html_figures.music(text.strip("\n"))
    if kind == "tikz":
        return html_figures.tikz(text.strip("\n"))
    if kind == "chart":
        return html_figures.chart_tables(chart.parse(text))  # type: ignore[arg-type]  # kind() parsed it
    return f'<div class="mmd">\n{html_mmd.render(text)}\n</div>'
