"""Typed results of a read, serialisable to JSON and back: the one tree every exporter reads.

ReadResult → PageResult → Block → Line → Word (``shared/design/results.md``). Boxes are
``(x0, y0, x1, y1)`` in pixels of the page image as loaded (after EXIF orientation, at the
rendering dpi for a PDF page). A model that reads a page end to end without positions (GOT,
Qwen2-VL) fills ``text`` and leaves ``blocks`` empty: no exporter invents boxes.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

Box = tuple[int, int, int, int]


@dataclass
class Word:
    text: str
    box: Box
    confidence: float  # 0..1: the mean probability of the characters the reader emitted


@dataclass
class Line:
    text: str
    box: Box
    confidence: float
    words: list[Word] = field(default_factory=list)


@dataclass
class Block:
    """A region of the page read as one unit. ``kind`` is "text" until a layout step types it
    (heading, paragraph, list_item, formula, table, figure, caption, header, footer, ...).
    A block read as one element (a formula, a table) has its ``text`` in its own format (LaTeX)
    and no lines; ``valid`` is False, with the ``reason``, when that text failed its check."""

    kind: str
    box: Box
    lines: list[Line] = field(default_factory=list)
    text: str = ""
    valid: bool = True
    reason: str = ""
    level: int = 0  # a heading's: 1 a title, 2 a section, 3 a subsection


@dataclass
class PageResult:
    """The text read from one page, or from several pages read together (multi-page mode)."""

    pages: list[int]
    text: str
    prompt_tokens: int = 0
    new_tokens: int = 0
    stop_reason: str = "stop"  # "stop" (end token), "length" (max tokens) or "loop" (loop guard)
    seconds: float = 0.0
    width: int = 0  # the page image's size in pixels (0: several pages, or not known)
    height: int = 0
    dpi: int = 0  # the rendering resolution of a PDF page; an image's own, when it records one
    blocks: list[Block] = field(default_factory=list)
    skew: float = 0.0  # degrees (counter-clockwise) the page was turned to set its lines level before reading

    @property
    def looped(self) -> bool:
        return self.stop_reason == "loop"

    @property
    def lines(self) -> list[Line]:
        return [ln for b in self.blocks for ln in b.lines]

    @property
    def words(self) -> list[Word]:
        return [w for ln in self.lines for w in ln.words]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "PageResult":
        blocks = [Block(b["kind"], tuple(b["box"]), [
            Line(ln["text"], tuple(ln["box"]), ln["confidence"],
                 [Word(w["text"], tuple(w["box"]), w["confidence"]) for w in ln.get("words", [])])
            for ln in b.get("lines", [])], b.get("text", ""), b.get("valid", True), b.get("reason", ""),
            b.get("level", 0))
            for b in data.get("blocks", [])]
        return cls(**{**data, "blocks": blocks})


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
    boxes: bool = False  # whether the model placed lines and words (the line reader does; GOT does not)

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
        pages = [PageResult.from_dict(p) for p in data.get("pages", [])]
        return cls(**{**data, "pages": pages})
