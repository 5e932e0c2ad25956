"""Writing a :class:`~genocr.results.ReadResult` to a file format: txt, md, json or html.

Each format lives in its own module with a ``render(result) -> str``; this module picks one
by name or by file suffix so that the CLI and library callers agree on the mapping.
"""
from __future__ import annotations

from pathlib import Path

from genocr.errors import OptionError
from genocr.export import html, json, md, txt
from genocr.results import ReadResult

__all__ = ["FORMATS", "format_from_suffix", "render"]

FORMATS = ("txt", "md", "json", "html")
_RENDERERS = {"txt": txt.render, "md": md.render, "json": json.render, "html": html.render}
_SUFFIXES = {".txt": "txt", ".md": "md", ".markdown": "md", ".json": "json", ".html": "html", ".htm": "html"}


def render(result: ReadResult, fmt: str) -> str:
    """``result`` as the text of a ``fmt`` file; raises OptionError for an unknown format."""
    if fmt not in _RENDERERS:
        raise OptionError(f"unknown output format {fmt!r} (choose {', '.join(FORMATS)})")
    return _RENDERERS[fmt](result)


def format_from_suffix(path: str | Path) -> str | None:
    """The format a file name asks for (".md" -> "md"), or None when its suffix names none."""
    return _SUFFIXES.get(Path(path).suffix.lower())
