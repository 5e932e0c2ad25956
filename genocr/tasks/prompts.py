"""The OCR-2.0 task language, with GOT-OCR2.0's original prompt strings byte for byte.

GOT was trained on these exact strings (``GOT/demo/run_ocr_2.0.py``, ``run_ocr_2.0_crop.py``);
the transformers processor composes them with stray spaces (``"\\n OCR: "``,
``"[red]  OCR: "``), which tokenise differently, so genocr builds them itself.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from genocr.errors import OptionError

TASKS = ("plain", "format")
COLORS = ("red", "green", "blue")

GOT_SYSTEM = "You should follow the instructions carefully and explain your answers in detail."
IM_START, IM_END = "<|im_start|>", "<|im_end|>"
IMG_START, IMG_END, IMG_PAD = "<img>", "</img>", "<imgpad>"


@dataclass(frozen=True)
class Query:
    """What to read: the task and its region or view arrangement.

    ``box`` is what goes into the prompt: GOT's 0-1000 integers (see ``regions.normalize_box``);
    the reader holds a pixel box here until it knows each page's size.
    ``crop`` means the views are dynamic-resolution tiles plus a thumbnail; ``multi_page``
    means the views are several pages read as one output.
    """

    task: str = "plain"
    box: tuple[int, int, int, int] | None = None
    color: str | None = None
    crop: bool = False
    multi_page: bool = False

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            raise OptionError(f"unknown task '{self.task}' (choose {', '.join(TASKS)})")
        if self.color is not None and self.color not in COLORS:
            raise OptionError(f"unknown colour '{self.color}' (choose {', '.join(COLORS)})")
        if self.crop and self.multi_page:
            raise OptionError("tiles and multi-page reading cannot be combined")
        if (self.box is not None or self.color is not None) and (self.crop or self.multi_page):
            raise OptionError("a region (box or colour) cannot be combined with tiles or multi-page reading")

    @property
    def formatted(self) -> bool:
        return self.task == "format"

    @property
    def features(self) -> set[str]:
        """What a model must serve to answer this query: a subset of :data:`FEATURES`."""
        asked = {"format": self.formatted, "box": self.box is not None, "color": self.color is not None,
                 "tiles": self.crop, "multi_page": self.multi_page}
        return {name for name, used in asked.items() if used}


#: Everything a query can ask of a model beyond plain reading of a whole page.
FEATURES = ("format", "box", "color", "tiles", "multi_page")


def refuse_unsupported(query: Query, features: frozenset[str], model: str) -> None:
    """Refuse, naming the option, a query that asks for what ``model`` does not serve."""
    for feature in FEATURES:
        if feature in query.features and feature not in features:
            option = "--task format" if feature == "format" else f"--{feature.replace('_', '-')}"
            what = "formatted output (markdown, LaTeX, tables)" if feature == "format" else f"{feature.replace('_', '-')} reading"
            raise OptionError(f"model '{model}' does not support {what} ({option}); see `genocr models`")


def got_query(query: Query) -> str:
    """The text GOT expects after ``</img>\\n`` for this query."""
    base = "OCR with format" if query.formatted else "OCR"
    if query.crop:
        return f"{base} upon the patch reference: "
    if query.multi_page:
        return f"{base} across multi pages: "
    if query.color is not None:  # GOT's script lets colour win over box; here a box only places the frame
        return f"[{query.color}] {base}: "
    if query.box is not None:
        return f"{list(query.box)} {base}: "
    return f"{base}: "


def got_prompt(query: Query, image_tokens: Sequence[int]) -> str:
    """The full MPT/ChatML prompt of GOT, with ``image_tokens[i]`` pads for view ``i``.

    All views share one ``<img>...</img>`` block, as in GOT's crop and multi-page modes.
    """
    pads = IMG_PAD * sum(image_tokens)
    return (
        f"{IM_START}system\n{GOT_SYSTEM}{IM_END}"
        f"{IM_START}user\n{IMG_START}{pads}{IMG_END}\n{got_query(query)}{IM_END}"
        f"{IM_START}assistant\n"
    )


QWEN_SYSTEM = "You are a helpful assistant."
QWEN_VISION = ("<|vision_start|>", "<|image_pad|>", "<|vision_end|>")


def qwen_instruction(query: Query) -> str:
    """Qwen2-VL's wording of a query; boxes use its grounding tokens on the 0-1000 scale."""
    what = "as markdown, with formulas in LaTeX" if query.formatted else "as plain text"
    if query.multi_page:
        return f"Read all the text of these pages in order, {what}."
    if query.color is not None:
        return f"Read the text inside the {query.color} frame, {what}."
    if query.box is not None:
        x1, y1, x2, y2 = query.box
        return f"Read the text in the region <|box_start|>({x1},{y1}),({x2},{y2})<|box_end|>, {what}."
    return f"Read all the text in the image, {what}."


def qwen_prompt(query: Query, image_tokens: Sequence[int]) -> str:
    """Qwen2-VL's ChatML prompt, one vision block of ``image_tokens[i]`` pads per image."""
    start, pad, end = QWEN_VISION
    images = "".join(f"{start}{pad * n}{end}" for n in image_tokens)
    return (
        f"{IM_START}system\n{QWEN_SYSTEM}{IM_END}\n"
        f"{IM_START}user\n{images}{qwen_instruction(query)}{IM_END}\n"
        f"{IM_START}assistant\n"
    )


def compact_prompt(query: Query, image_tokens: Sequence[int]) -> str:
    """GOT's query language without the system turn, one ``<img>`` block per view.

    genocr's own small models are trained on this form: the system text costs ~20 tokens a
    sample and teaches nothing, and a block per view gives each view its own 2-D positions.
    """
    views = "".join(f"{IMG_START}{IMG_PAD * n}{IMG_END}" for n in image_tokens)
    return f"{IM_START}user\n{views}\n{got_query(query)}{IM_END}{IM_START}assistant\n"
