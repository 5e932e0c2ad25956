"""How a page (or a group of pages read together) is named and flagged in every export."""
from __future__ import annotations

from genocr.results import PageResult

_WARNINGS = {
    "loop": "stopped by the loop guard: the text repeated itself and may be incomplete",
    "length": "stopped at the token limit: the text may be cut off",
}


def label(page: PageResult) -> str:
    """A run of pages reads "pages 1-4", anything else "page 3" or "pages 1, 3"."""
    numbers = page.pages
    if len(numbers) > 1 and numbers == list(range(numbers[0], numbers[0] + len(numbers))):
        return f"pages {numbers[0]}-{numbers[-1]}"
    return ("page " if len(numbers) == 1 else "pages ") + ", ".join(map(str, numbers))


def warning(page: PageResult) -> str | None:
    """Why this page's text cannot be trusted to be complete, if it cannot."""
    return _WARNINGS.get(page.stop_reason)
