"""JSON: the full result with per-page statistics, readable back with ``ReadResult.from_dict``."""
from __future__ import annotations

from genocr.results import ReadResult


def render(result: ReadResult) -> str:
    return result.to_json() + "\n"
