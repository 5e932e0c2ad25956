"""What decoding is asked for and what it returns, and the loop test; no torch, no transformers,
so that models which do not decode token by token (the line reader) need neither."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence


@dataclass
class DecodeConfig:
    """Decoding options. ``no_repeat_ngram_size`` is applied to single-view reads only, as in GOT."""

    max_new_tokens: int = 4096
    no_repeat_ngram_size: int | None = 20
    loop_guard: bool = True
    loop_min_span: int = 48  # a loop must cover at least this many tokens...
    loop_min_repeats: int = 4  # ...in at least this many copies...
    loop_max_period: int = 64  # ...of a block at most this long


def find_loop(ids: Sequence[int], min_span: int, min_repeats: int, max_period: int) -> int | None:
    """If ``ids`` ends in a block repeated ``min_repeats``+ times over ``min_span``+ tokens,
    return the length that keeps the text up to and including the first copy; else None."""
    n = len(ids)
    for period in range(1, min(max_period, n // 2) + 1):
        block = list(ids[n - period :])
        repeats = 1
        while (repeats + 1) * period <= n and list(ids[n - (repeats + 1) * period : n - repeats * period]) == block:
            repeats += 1
        if repeats >= min_repeats and repeats * period >= min_span:
            return n - (repeats - 1) * period
    return None


@dataclass
class Generation:
    """One decoded answer: text, token counts, why it stopped and how long it took."""

    text: str
    prompt_tokens: int
    new_tokens: int
    stop_reason: str  # "stop" | "length" | "loop"
    seconds: float
    confidence: float | None = None  # 0..1, for readers that score their output (None: not known)
    # For readers that know where each character is: (character, x0, x1, probability), x in
    # pixels of the image that was read. Spaces are included; they place the word breaks.
    chars: list[tuple[str, float, float, float]] | None = None
