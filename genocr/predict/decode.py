"""Decoding shared by every model: greedy search, stop tokens, GOT's n-gram block and a loop guard.

Repetition loops ("the AR repeater problem") are the most reported failure of GOT and its
peers; the guard stops generation once the output ends in a block repeated many times,
trims the repeats and marks the result, instead of spending the whole token budget.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Sequence

import torch
from transformers import StoppingCriteria, StoppingCriteriaList, TextStreamer

from genocr.predict.generation import DecodeConfig, Generation, find_loop


class LoopGuard(StoppingCriteria):
    """Stops a sequence whose newest tokens form a loop (see :func:`find_loop`)."""

    def __init__(self, prompt_len: int, config: DecodeConfig) -> None:
        self.prompt_len = prompt_len
        self.config = config
        # A loop is found within this many newest tokens; looking further only costs time.
        self.window = 2 * max(config.loop_min_span, config.loop_max_period * config.loop_min_repeats)
        self.fired: set[int] = set()

    def __call__(self, input_ids: torch.LongTensor, scores: Any, **kwargs: Any) -> torch.BoolTensor:
        c = self.config
        done = torch.zeros(input_ids.shape[0], dtype=torch.bool, device=input_ids.device)
        start = max(self.prompt_len, input_ids.shape[1] - self.window)
        for row, ids in enumerate(input_ids[:, start:].tolist()):
            if find_loop(ids, c.loop_min_span, c.loop_min_repeats, c.loop_max_period) is not None:
                self.fired.add(row)
                done[row] = True
        return done


class _CallbackStreamer(TextStreamer):
    """Hands each finished piece of decoded text to a callback (for ``--stream``)."""

    def __init__(self, tokenizer: Any, on_text: Callable[[str], None]) -> None:
        super().__init__(tokenizer, skip_prompt=True, skip_special_tokens=True)
        self.on_text = on_text

    def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
        if text:
            self.on_text(text)


def generate(
    model: Any,
    tokenizer: Any,
    inputs: dict[str, torch.Tensor],
    stop_ids: Sequence[int],
    config: DecodeConfig,
    single_view: bool = True,
    on_text: Callable[[str], None] | None = None,
) -> list[Generation]:
    """Greedy decoding of a batch of prompts (left-padded) with the shared stop rules.

    Returns one :class:`Generation` per row; ``seconds`` is the batch's time shared evenly.
    Streaming (``on_text``) is for a batch of one.
    """
    prompt_len = inputs["input_ids"].shape[1]
    guard = LoopGuard(prompt_len, config)
    criteria = StoppingCriteriaList([guard] if config.loop_guard else [])
    ngram = config.no_repeat_ngram_size if single_view else None
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else stop_ids[0]
    start = time.perf_counter()
    with torch.inference_mode():
        out = model.generate(
            **inputs,
            do_sample=False,
            num_beams=1,
            max_new_tokens=config.max_new_tokens,
            eos_token_id=list(stop_ids),
            pad_token_id=pad_id,
            no_repeat_ngram_size=ngram or None,
            stopping_criteria=criteria,
            streamer=_CallbackStreamer(tokenizer, on_text) if on_text else None,
        )
    seconds = (time.perf_counter() - start) / out.shape[0]
    prompt_tokens = inputs["attention_mask"].sum(dim=1).tolist()
    return [
        _finish(row, out[row, prompt_len:].tolist(), int(prompt_tokens[row]), guard, tokenizer, stop_ids,
                pad_id, config, seconds)
        for row in range(out.shape[0])
    ]


def _finish(row: int, new: list[int], prompt_tokens: int, guard: LoopGuard, tokenizer: Any,
            stop_ids: Sequence[int], pad_id: int, config: DecodeConfig, seconds: float) -> Generation:
    """Cut a row's tokens at its stop token or loop, and decode them.

    A row stopped early in a batch is filled with padding while the others go on; the padding
    is dropped before looking for the loop that stopped it.
    """
    stops = [i for i, t in enumerate(new) if t in stop_ids]
    if not stops:
        while new and new[-1] == pad_id:
            new = new[:-1]
    if stops:
        reason, new = "stop", new[: stops[0]]
        new_tokens = stops[0] + 1
    elif row in guard.fired:
        c = config
        new_tokens = len(new)
        reason = "loop"
        new = new[: find_loop(new, c.loop_min_span, c.loop_min_repeats, c.loop_max_period) or len(new)]
    else:
        reason, new_tokens = "length", len(new)
    text = tokenizer.decode(new, skip_special_tokens=True).strip()
    return Generation(text, prompt_tokens, new_tokens, reason, seconds)
