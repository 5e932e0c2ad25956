import pytest
import torch

from genocr.predict.decode import DecodeConfig, LoopGuard, find_loop


def test_find_loop_keeps_the_text_up_to_the_first_copy() -> None:
    ids = [7, 8, 9] + [1, 2, 3, 4] * 20
    assert find_loop(ids, min_span=48, min_repeats=4, max_period=64) == 3 + 4


def test_find_loop_ignores_short_or_few_repeats() -> None:
    assert find_loop([1, 2] * 10, min_span=48, min_repeats=4, max_period=64) is None  # 20 tokens < 48
    assert find_loop(list(range(30)) * 3, min_span=48, min_repeats=4, max_period=64) is None  # 3 copies < 4
    assert find_loop(list(range(100)), min_span=48, min_repeats=4, max_period=64) is None


def test_find_loop_needs_the_loop_at_the_end() -> None:
    ids = [5] * 60 + list(range(10, 20))
    assert find_loop(ids, min_span=48, min_repeats=4, max_period=64) is None


def test_loop_guard_stops_only_looping_rows_after_the_prompt() -> None:
    config = DecodeConfig()
    prompt = [9] * 100  # a repetitive prompt must not trigger the guard
    looping = prompt + [3, 4, 5] * 20
    fine = prompt + list(range(60))
    guard = LoopGuard(prompt_len=len(prompt), config=config)
    done = guard(torch.tensor([looping, fine]), None)
    assert done.tolist() == [True, False]
    assert guard.fired == {0}
    assert LoopGuard(len(prompt), config)(torch.tensor([prompt + [1]]), None).tolist() == [False]


@pytest.mark.parametrize("period", [1, 7, 64])
def test_loop_guard_detects_periods_up_to_the_limit(period: int) -> None:
    config = DecodeConfig()
    block = list(range(100, 100 + period))
    seq = block * max(config.loop_min_repeats, -(-config.loop_min_span // period))
    assert LoopGuard(0, config)(torch.tensor([seq]), None).tolist() == [True]
