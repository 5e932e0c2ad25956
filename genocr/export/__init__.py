"""Writing a :class:`~genocr.results.ReadResult` to a file format: txt, md, json, html, hOCR,
ALTO or a searchable PDF.

Each format lives in its own module with a ``render(result) -> str`` (the PDF one also takes
the file that was read, and returns bytes); this module picks one by name or by file suffix so
that the CLI and library callers agree on the mapping.
"""
from __future__ import annotations

from pathlib import Path

from genocr.errors import OptionError
from genocr.export import alto, hocr, html, json, md, txt
from genocr.results import ReadResult

__all__ = ["FORMATS", "format_from_suffix", "render"]

FORMATS = ("txt", "md", "json", "html", "hocr", "alto", "pdf")
SUFFIX = {"hocr": "hocr", "alto": "xml"}  # file suffixes that differ from the format's name
_RENDERERS = {"txt": txt.render, "md": md.render, "json": json.render, "html": html.render,
              "hocr": hocr.render, "alto": alto.render}
_SUFFIXES = {".txt": "txt", ".md": "md", ".markdown": "md", ".json": "json", ".html": "html", ".htm": "html",
             ".hocr": "hocr", ".xml": "alto", ".pdf": "pdf"}


def render(result: ReadResult, fmt: str, source: str | None = None) -> str | bytes:
    """``result`` as the content of a ``fmt`` file (bytes for "pdf", which also needs the
    ``source`` file that was read); raises OptionError for an unknown format."""
    if fmt == "pdf":
        from genocr.export import pdf

        if source is None:
            raise OptionError("a searchable PDF is made from the file that was read: give its path")
        return pdf.render(result, source)
    if fmt not in _RENDERERS:
        raise OptionError(f"unknown output format {fmt!r} (choose {', '.join(FORMATS)})")
    if fmt == "html" and result.boxes and source not in (None, "-") and not isinstance(source, tuple):
        return html.render(result, _page_images(result, source))
    return _RENDERERS[fmt](result)


def _page_images(result: ReadResult, source: str) -> dict:
    """The pages of ``source`` that ``result`` holds, loaded again for the HTML overlay (within
    limits made from the result itself: those pages were read already)."""
    from genocr.io import Limits, iter_pages

    numbers = [p.pages[0] for p in result.pages if len(p.pages) == 1]
    dpi = next((p.dpi for p in result.pages if p.dpi), 200)
    limits = Limits(pixels=max(p.width * p.height for p in result.pages) + 1, pages=len(numbers) or 1,
                    page_objects=1 << 40)
    return {page.number: page.image for page in iter_pages(source, pages=numbers, dpi=dpi, limits=limits)}


def format_from_suffix(path: str | Path) -> str | None:
    """The format a file name asks for (".md" -> "md"), or None when its suffix names none."""
    return _SUFFIXES.get(Path(path).suffix.lower())
