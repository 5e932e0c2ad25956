"""Plain text: each page's text as read, pages separated by a form feed like pdftotext does."""
from __future__ import annotations

from genocr.results import ReadResult


def render(result: ReadResult) -> str:
    """The pages' text joined by form feeds, ending in a newline."""
    if not result.pages:
        return ""
    return "\n\f".join(page.text.rstrip("\n") for page in result.pages) + "\n"
