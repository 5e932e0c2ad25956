"""The OCR predictor: input pages -> views and prompt -> model -> guarded decoding -> result."""
from __future__ import annotations

import functools
import os
import re
import statistics
import time
from dataclasses import replace
from typing import Callable, Iterable, Iterator, Sequence

from PIL import Image

from genocr.errors import InputError, OptionError
from genocr.io import DEFAULT_LIMITS, Limits, Page, iter_pages, load_pages
from genocr.layout.blocks import LayoutBlock, find_blocks, settle, union
from genocr.layout.lines import clear_rules, crop_box, deskew_angle, find_lines, paper_colour, rotate_box, turn
from genocr.models.base import OCRModel
from genocr.models.registry import DEFAULT_MODEL, features_of, load_model
from genocr.predict.generation import DecodeConfig
from genocr.predict.boxes import line_boxes, moved
from genocr.predict.checks import TABLE_START, check_formula, check_table
from genocr.predict.memory import fix_mmap_threshold
from genocr.results import Block, Line, PageResult, ReadResult
from genocr.tasks import (Query, check_box, draw_frame, find_frame, make_tiles, normalize_box, parse_box,
                          refuse_unsupported)
from genocr.tasks.regions import Box

Source = str | os.PathLike | bytes | Image.Image
LINE_MAX_TOKENS = 256  # one line never needs more; an untrained model's runaway lines stop here


def parse_tiles(tiles: int | str | None) -> int | None:
    """``None``/1 -> one view; ``"auto"`` -> up to 12 tiles (GOT paper); ``N`` -> up to N tiles."""
    if tiles is None:
        return None
    if tiles == "auto":
        return 12
    try:
        n = int(tiles)
    except (TypeError, ValueError):
        raise OptionError(f"tiles must be 'auto' or a number, not '{tiles}'") from None
    if not 1 <= n <= 36:
        raise OptionError(f"tiles must be between 1 and 36, not {n}")
    return None if n == 1 else n


class OCR:
    """Reads images and PDFs with one model.

    >>> ocr = OCR.load("path/to/checkpoint")          # doctest: +SKIP
    >>> ocr.read("scan.pdf", task="format", pages="1-2").text  # doctest: +SKIP
    """

    def __init__(self, model: OCRModel | str = DEFAULT_MODEL, decode: DecodeConfig | None = None, line_batch: int = 8) -> None:
        """``model`` is a loaded model, or a name or folder to load on the CPU (``OCR("genocr-small")``,
        as transformers' pipelines take one); :meth:`load` chooses the device and dtype too."""
        fix_mmap_threshold()  # a batch of many pages must not grow the heap page after page
        self.model = load_model(model) if isinstance(model, str) else model
        self.decode = decode or DecodeConfig()
        # Line slices read together by line-reading models. genocr-small on 4 English pages, 2-core
        # CPU: 8 took 2.83 s/page at 670 MiB peak, 32 took 3.27 s at 891 MiB.
        self.line_batch = line_batch

    @classmethod
    def load(cls, name_or_path: str = DEFAULT_MODEL, device: str = "cpu", dtype: str = "auto",
             threads: int | None = None, **decode: int | bool | None) -> "OCR":
        """Load a registered model name, a checkpoint folder, or (online) a hub id; ``dtype`` is
        "auto" (bf16 on a GPU, fp32 on a CPU), "float32" or "bfloat16"; ``threads`` caps the
        CPU threads the model computes with (None: all cores)."""
        return cls(load_model(name_or_path, device=device, dtype=dtype, threads=threads), DecodeConfig(**decode))

    def read(
        self,
        source: Source | Sequence[Source],
        task: str = "plain",
        box: str | Box | None = None,
        color: str | None = None,
        tiles: int | str | None = None,
        pages: str | Sequence[int] | None = None,
        multi_page: bool = False,
        dpi: int = 200,
        on_text: Callable[[str], None] | None = None,
        on_page: Callable[[PageResult], None] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> ReadResult:
        """Read one source (image, multi-frame TIFF, PDF, bytes or PIL image), or a list of them.

        A list is one document whose pages are numbered on from source to source, as GOT reads
        a folder of page images in multi-page mode.

        ``box`` is in pixels of each page; with ``color`` it places a frame of that colour,
        without ``box``, ``color`` asks for the text inside a frame already on the image.
        ``tiles`` reads each page at dynamic resolution; ``multi_page`` reads the selected
        pages together into one output, as GOT's multi-page mode does. ``limits`` bounds what an
        input may cost (pixels, pages, stdin bytes, PDF drawing objects: ``genocr.io.Limits``).
        """
        base = self.check(task=task, box=box, color=color, tiles=tiles, multi_page=multi_page)
        max_tiles = parse_tiles(tiles)
        start = time.perf_counter()
        loaded = self._load(source, pages, dpi, limits)
        # Pages one at a time (a PDF's rendered as it goes); multi-page mode needs them together.
        groups = iter([list(loaded)]) if multi_page else ([p] for p in loaded)
        results, name = [], ""
        for group in groups:
            name = name or group[0].source
            results.append(self._read_group(group, base, max_tiles, on_text))
            if on_page is not None:
                on_page(results[-1])
        notes = []
        if max_tiles is not None and self.model.reads_lines:
            notes.append("tiles: not cut; the line reader reads every line at its own resolution")
        if base.formatted and self.model.reads_lines and base.box is None and base.color is None:
            notes.append("format: pages cut into blocks by the layout step; formulas and tables read by the "
                         "format decoder, inline math read as text")
        boxes = any(p.lines for p in results)
        if not boxes and not self.model.reads_lines:
            notes.append(f"boxes: {self.model.name} reads pages end to end and gives no line or word positions")
        return ReadResult(
            source=name,
            model=self.model.name,
            task=task,
            output_format="markdown" if task == "format" else "text",
            pages=results,
            seconds=time.perf_counter() - start,
            notes=notes,
            boxes=boxes,
        )

    def check(self, task: str = "plain", box: str | Box | None = None, color: str | None = None,
              tiles: int | str | None = None, multi_page: bool = False) -> Query:
        """The query these options ask for, refused now if the options or the model cannot serve it.

        The query holds the pixel box until each page's size turns it into GOT's 0-1000 scale.
        """
        query = self.query(task=task, box=box, color=color, tiles=tiles, multi_page=multi_page)
        self.model.check(query)
        return query

    @staticmethod
    def query(task: str = "plain", box: str | Box | None = None, color: str | None = None,
              tiles: int | str | None = None, multi_page: bool = False) -> Query:
        """The query these options ask for, checked on its own (no model needed).

        ``task``: "plain" (text) or "format" (markdown with LaTeX and tables: GOT-OCR2.0 and
        Qwen2-VL; genocr-small with its format decoder reads one formula or table crop).
        ``box``: "x1,y1,x2,y2" in pixels. ``color``: "red", "green" or "blue". ``tiles``: "auto"
        or up to N tiles. What each model serves: ``genocr models``.
        """
        pixel_box = parse_box(box) if box is not None else None
        return Query(task=task, box=pixel_box, color=color, crop=parse_tiles(tiles) is not None,
                     multi_page=multi_page)

    @staticmethod
    def refuse_early(name_or_path: str, **options: object) -> None:
        """Refuse options that ``name_or_path`` cannot serve, from its config alone, before
        any weights load (a model that turns out not to serve them is still refused at load)."""
        query = OCR.query(**options)  # type: ignore[arg-type]
        features = features_of(name_or_path)
        if features is not None:
            refuse_unsupported(query, features, name_or_path)

    def read_many(self, sources: Iterable[Source], **options: object) -> Iterator[ReadResult]:
        """Read several sources with the same options, one result per source, lazily."""
        for source in sources:
            yield self.read(source, **options)  # type: ignore[arg-type]

    @staticmethod
    def _load(source: Source | Sequence[Source], pages: str | Sequence[int] | None, dpi: int,
              limits: Limits) -> Iterator[Page]:
        if not isinstance(source, (list, tuple)):
            return iter_pages(source, pages=pages, dpi=dpi, limits=limits)
        loaded = [p for s in source for p in load_pages(s, pages=pages, dpi=dpi, limits=limits)]
        names = ", ".join(dict.fromkeys(p.source for p in loaded))
        return iter([Page(p.image, names, i) for i, p in enumerate(loaded, 1)])

    def _read_group(
        self,
        pages: list[Page],
        base: Query,
        max_tiles: int | None,
        on_text: Callable[[str], None] | None,
    ) -> PageResult:
        if self.model.reads_lines and base.formatted:
            return self._read_elements(pages, base)
        if self.model.reads_lines:
            return self._read_by_lines(pages, base, on_text)
        views = [p.image for p in pages]
        query = base
        if base.box is not None:
            page = pages[0]
            check_box(base.box, page.image.size, f"{page.source} page {page.number}")
            if base.color is not None:
                views, query = [draw_frame(page.image, base.box, base.color)], replace(base, box=None)
            else:
                query = replace(base, box=normalize_box(base.box, page.image.size))
        if max_tiles is not None:
            views = make_tiles(views[0], self.model.tile_size, max_tiles)
        from genocr.predict.decode import generate  # transformers: only for models that decode

        inputs = self.model.prepare(views, query)
        (gen,) = generate(
            self.model.model,
            self.model.tokenizer,
            inputs,
            self.model.stop_ids,
            self.decode,
            single_view=len(views) == 1,
            on_text=on_text,
        )
        one = pages[0] if len(pages) == 1 else None
        return PageResult(
            pages=[p.number for p in pages],
            text=gen.text,
            prompt_tokens=gen.prompt_tokens,
            new_tokens=gen.new_tokens,
            stop_reason=gen.stop_reason,
            seconds=gen.seconds,
            width=one.image.width if one else 0,
            height=one.image.height if one else 0,
            dpi=one.dpi if one else 0,
        )

    def _region(self, page: Page, base: Query) -> tuple[Image.Image, tuple[int, int]]:
        """The part of the page the query asks for (the box, the inside of a colour frame, or
        all of it) and its top-left corner on the page."""
        image, where = page.image, f"{page.source} page {page.number}"
        if base.box is not None:
            check_box(base.box, image.size, where)
            return image.crop(base.box), base.box[:2]
        if base.color is not None:
            inside = find_frame(image, base.color)
            if inside is None:
                raise InputError(f"{where}: no {base.color} frame found (draw one, or give --box)")
            return image.crop(inside), inside[:2]
        return image, (0, 0)

    def _read_elements(self, pages: list[Page], base: Query) -> PageResult:
        """Each page's region (``--box``, a colour frame) as one formula or table crop, read by the
        format decoder; a whole page goes through the layout step (:meth:`_read_formatted`)."""
        if base.box is None and base.color is None:
            return self._read_formatted(pages, base)
        texts, blocks, seconds = [], [], 0.0
        for page in pages:
            image, (ox, oy) = self._region(page, base)
            block, took = self._element(image, (ox, oy, ox + image.width, oy + image.height))
            texts.append(_markdown(block))
            blocks.append(block)
            seconds += took
        return _page_result(pages, "\n\n".join(texts), blocks, seconds)

    def _element(self, crop: Image.Image, box: Box, kind: str = "") -> tuple[Block, float]:
        """A formula or table crop read by the format decoder into LaTeX (a ``kind`` the layout
        found a table starts as one), checked, and flagged if not valid."""
        latex, took = self.model.read_element(crop, kind)
        table = TABLE_START in latex
        reason = "the decoder wrote nothing" if not latex.strip() else check_table(latex) if table else check_formula(latex)
        return Block("table" if table else "formula", box, text=latex, valid=reason is None, reason=reason or ""), took

    def _read_formatted(self, pages: list[Page], base: Query) -> PageResult:
        """Whole pages as GOT's markdown: the layout step finds each page's blocks and their kinds
        (``genocr.layout.blocks``), text blocks are read line by line, formulas and tables by the
        format decoder, and the blocks are joined in reading order. Header and footer lines are
        kept apart (in the blocks, not the text). An image without a paragraph of prose (lines
        of words) is a formula or table crop, read whole by the decoder, as GOT reads one."""
        texts, blocks, seconds = [], [], 0.0
        decode = replace(self.decode, max_new_tokens=min(self.decode.max_new_tokens, LINE_MAX_TOKENS))
        for page in pages:
            view, place, _ = _upright(page.image, (0, 0))
            found = find_blocks(view)
            found_lines = [b for block in found if block.kind != "table" for b in block.lines]
            read: dict[Box, Line] = {}  # each line's reading, by its box
            crops = [crop_box(view.size, b) for b in found_lines]
            for line, (gen, crop, b) in zip(found_lines, self._lines(view, crops, decode)):
                seconds += gen.seconds
                read[line] = moved(line_boxes(gen, crop, b[:2]), place) if gen.chars is not None else \
                    Line(gen.text, place(b), 1.0)
            if not any(_prose([read[b].text for b in block.lines]) for block in found if block.kind in TEXT_KINDS):
                kind = "table" if any(b.kind == "table" for b in found) else ""  # a formula or table crop
                block, took = self._element(page.image, (0, 0, *page.image.size), kind)
                texts.append(_markdown(block))
                blocks.append(block)
                seconds += took
                continue
            page_blocks = []
            for found_block in found:
                lines = [read[b] for b in found_block.lines] if found_block.kind != "table" else []
                if found_block.kind == "formula":
                    found_block = settle(found_block, " ".join(ln.text for ln in lines),
                                         min((ln.confidence for ln in lines), default=0.0))
                box = place(found_block.box)
                if found_block.kind in ("formula", "table"):
                    x0, y0, x1, y1 = crop_box(view.size, found_block.box, ELEMENT_MARGIN[found_block.kind],
                                              _element_unit(found_block))
                    block, took = self._element(view.crop((x0, y0, x1, y1)), box, found_block.kind)
                    seconds += took
                else:
                    block = Block(_kind(found_block, lines), box, [ln for ln in lines if ln.text],
                                  text=_joined([ln.text for ln in lines]), level=found_block.level)
                    if not block.text:  # a speck the line reader reads as nothing
                        continue
                page_blocks.append(block)
            texts.append("\n\n".join(_markdown(b) for b in page_blocks if b.kind not in APART_KINDS))
            blocks += page_blocks
        return _page_result(pages, "\n\n".join(t for t in texts if t), blocks, seconds)

    def _lines(self, view: Image.Image, boxes: list[Box], decode: DecodeConfig) -> Iterator[tuple]:
        """Each line of ``view`` at ``boxes`` read, in batches: (reading, crop, box)."""
        for i in range(0, len(boxes), self.line_batch):
            batch = [clear_rules(view.crop(b)) for b in boxes[i : i + self.line_batch]]
            yield from zip(self.model.read_lines(batch, "plain", decode), batch, boxes[i : i + self.line_batch])

    def _read_by_lines(self, pages: list[Page], base: Query, on_text: Callable[[str], None] | None) -> PageResult:
        """Cut each page (or its region) into lines and read them in batches, in reading order;
        a reader that knows where its characters are places every line and word on the page."""
        texts, prompt_tokens, new_tokens, seconds, reasons = [], 0, 0, 0.0, set()
        blocks: list[Block] = []
        decode = replace(self.decode, max_new_tokens=min(self.decode.max_new_tokens, LINE_MAX_TOKENS))
        skew = 0.0
        for page in pages:
            image, origin = self._region(page, base)
            view, place, skew = _upright(image, origin)
            lines, placed = [], []
            for gen, crop, b in self._lines(view, [crop_box(view.size, box) for box in find_lines(view)], decode):
                lines.append(gen.text)
                if gen.chars is not None and gen.text:
                    placed.append(moved(line_boxes(gen, crop, b[:2]), place))
                prompt_tokens += gen.prompt_tokens
                new_tokens += gen.new_tokens
                seconds += gen.seconds
                reasons.add(gen.stop_reason)
                if on_text is not None:
                    on_text(gen.text + "\n")
            texts.append("\n".join(t for t in lines if t))
            if placed:
                blocks.append(Block("text", union([ln.box for ln in placed]), placed))
        reason = "loop" if "loop" in reasons else "length" if "length" in reasons else "stop"
        one = len(pages) == 1  # pages read together have no page to place blocks on
        return replace(_page_result(pages, "\n\n".join(texts), blocks if one else [], seconds),
                       prompt_tokens=prompt_tokens, new_tokens=new_tokens, stop_reason=reason, skew=skew if one else 0.0)


# Block kinds read as text, and those kept out of a formatted page's text (in its blocks only).
TEXT_KINDS = ("heading", "paragraph", "list_item")
APART_KINDS = ("header", "footer", "page_number")
HEADING_COMMANDS = {1: "title", 2: "section*", 3: "subsection*"}
# The margin a formula or table crop keeps around its block: a share of a formula's height, and of
# the median height of a table's lines (the decoder learnt crops with a few points of border; a
# table's own height times 0.4 took in the paragraph above it, read as its header). On the
# display formulas the layout found, mean token NED was 0.487 at 0.2 against 0.549 at 0.4 (22
# formulas of the format suite's typeset pages) and 0.201 against 0.206 (21 formulas of held-out
# formatted-page samples 10-59, not those the bench reports). Tables, in TEDS, the shipped decoder
# and format run 4's, 0.4 of the table's height against 0.4 of its lines' (`genocr bench format`,
# 12 typeset and 10 synthetic formatted pages): 0.214 / 0.142 against 0.348 / 0.433 and 0.284 /
# 0.299 against 0.544 / 0.761.
ELEMENT_MARGIN = {"formula": 0.2, "table": 0.4}


def _element_unit(block: LayoutBlock) -> float | None:
    """What a formula or table crop's ELEMENT_MARGIN multiplies (:func:`crop_box`): a table's
    median line height, a formula's own height (None)."""
    if block.kind != "table" or not block.lines:
        return None
    return min(statistics.median(b[3] - b[1] for b in block.lines), block.box[3] - block.box[1])


_PAGE_NUMBER = re.compile(r"^\W*(?:\d{1,4}|[ivxlcdm]{1,7})\W*$", re.IGNORECASE)
_BROKEN_WORD = re.compile(r"(?<=[^\W\d_])-$")
_BULLET = re.compile(r"^[•◦▪●■□∙·*–-]\s+")


def _upright(image: Image.Image, origin: tuple[int, int]) -> tuple[Image.Image, Callable[[Box], Box], float]:
    """``image`` turned to set its lines level (a skewed scan is read upright), the function that
    puts a box on it back on the page (``image`` sits at ``origin``), and the angle."""
    skew = deskew_angle(image)
    view = turn(image, skew, paper_colour(image)) if skew else image
    return view, functools.partial(_to_page, angle=skew, view_size=view.size, size=image.size, origin=origin), skew


def _page_result(pages: list[Page], text: str, blocks: list[Block], seconds: float) -> PageResult:
    one = pages[0] if len(pages) == 1 else None
    return PageResult(pages=[p.number for p in pages], text=text, seconds=seconds, blocks=blocks,
                      width=one.image.width if one else 0, height=one.image.height if one else 0,
                      dpi=one.dpi if one else 0)


def _prose(lines: list[str]) -> bool:
    """Whether a block's lines read as running text: two lines or more, a dozen words, most of
    them words of letters (a table's rows, read as lines, are cells of figures and short words)."""
    words = " ".join(lines).split()
    wordy = [w for w in words if len(w) >= 2 and sum(c.isalpha() for c in w) >= 0.6 * len(w)]
    return len(lines) >= 2 and len(words) >= 12 and len(wordy) >= 0.6 * len(words)


def _joined(lines: list[str]) -> str:
    """A block's lines as one paragraph; a word hyphenated at a line's end is joined again."""
    out = ""
    for text in (t.strip() for t in lines):
        if not text:
            continue
        if out and _BROKEN_WORD.search(out) and text[0].islower():
            out = out[:-1] + text
        else:
            out = f"{out} {text}" if out else text
    return out


def _kind(block: LayoutBlock, lines: list[Line]) -> str:
    """The result's kind of a text block: a footer that is only a number is the page number, a
    paragraph that starts with a bullet is a list item."""
    text = " ".join(ln.text for ln in lines).strip()
    if block.kind in ("footer", "header"):
        return "page_number" if _PAGE_NUMBER.match(text) else block.kind
    if block.kind == "paragraph" and _BULLET.match(text):
        return "list_item"
    return block.kind


def _markdown(block: Block) -> str:
    """A block in GOT's markdown: headings as \\title / \\section* / \\subsection*, display math
    in \\[ \\], tables as their tabular, text with its dollar signs escaped."""
    if block.kind == "formula":
        return f"\\[\n{block.text}\n\\]"
    if block.kind == "table":
        return block.text
    text = block.text.replace("$", "\\$")
    if block.kind == "list_item":
        return _BULLET.sub("- ", text)
    if block.kind == "heading":
        return f"\\{HEADING_COMMANDS.get(block.level, 'subsection*')}{{{text}}}"
    return text


def _to_page(box: Box, angle: float, view_size: tuple[int, int], size: tuple[int, int], origin: tuple[int, int]) -> Box:
    """A box on the view a region was read from (turned by ``angle`` when deskewed) on the page."""
    x0, y0, x1, y1 = rotate_box(box, -angle, view_size, size) if angle else box
    return (x0 + origin[0], y0 + origin[1], x1 + origin[0], y1 + origin[1])
