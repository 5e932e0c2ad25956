"""The OCR-2.0 task language: prompts, regions and view arrangements."""
from genocr.tasks.prompts import (COLORS, FEATURES, TASKS, Query, compact_prompt, got_prompt, got_query, qwen_prompt,
                                  refuse_unsupported)
from genocr.tasks.regions import check_box, draw_frame, find_frame, normalize_box, parse_box
from genocr.tasks.tiles import choose_grid, make_tiles

__all__ = [
    "COLORS",
    "FEATURES",
    "TASKS",
    "Query",
    "check_box",
    "choose_grid",
    "compact_prompt",
    "draw_frame",
    "find_frame",
    "got_prompt",
    "got_query",
    "make_tiles",
    "normalize_box",
    "parse_box",
    "qwen_prompt",
    "refuse_unsupported",
]
