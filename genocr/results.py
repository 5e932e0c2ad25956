"""Typed results of a read, serialisable to JSON and back."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class PageResult:
    """The text read from one page, or from several pages read together (multi-page mode)."""

    pages: list[int]
    text: str
    prompt_tokens: int = 0
    new_tokens: int = 0
    stop_reason: str = "stop"  # "stop" (end token), "length" (max tokens) or "loop" (loop guard)
    seconds: float = 0.0

    @property
    def looped(self) -> bool:
        return self.stop_reason == "loop"


@dataclass
class ReadResult:
    """Everything read from one source file (image, PDF, TIFF) with one task."""

    source: str
    model: str
    task: str  # the task name, e.g. "plain" or "format"
    output_format: str  # "text" for plain OCR, "markdown" for formatted OCR (Mathpix-markdown/LaTeX)
    pages: list[PageResult] = field(default_factory=list)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)  # what was done differently from what was asked, and why

    @property
    def text(self) -> str:
        """All pages' text, pages separated by a blank line."""
        return "\n\n".join(p.text for p in self.pages)

    @property
    def looped(self) -> bool:
        return any(p.looped for p in self.pages)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ReadResult":
        pages = [PageResult(**p) for p in data.get("pages", [])]
        return cls(**{**data, "pages": pages})
