"""A fuzz target of our own (Hypothesis): mutated images and PDFs, box and page specs, and
model folders may only ever raise genocr's one-line errors, never anything else.

The seeds are kept in ``seeds/``; Hypothesis keeps what it found in its example database
(``.hypothesis/``, git-ignored). Bounded by time: it runs in ``make test-slow``.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from genocr.errors import GenocrError
from genocr.io import Limits, load_pages, parse_page_range
from genocr.tasks import parse_box

pytestmark = pytest.mark.slow
SEEDS = {p.name: p.read_bytes() for p in (Path(__file__).parent / "seeds").iterdir()}
BUDGET = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SMALL = Limits(pixels=4_000_000, pages=20, page_objects=20_000)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A seed file truncated, with bytes flipped or overwritten, or spliced with noise."""
    data = bytearray(SEEDS[draw(st.sampled_from(sorted(SEEDS)))])
    for _ in range(draw(st.integers(0, 8))):
        how = draw(st.integers(0, 3))
        i = draw(st.integers(0, max(0, len(data) - 1)))
        if how == 0:
            data = data[: max(1, i)]
        elif how == 1 and data:
            data[i] ^= 1 << draw(st.integers(0, 7))
        elif how == 2:
            data[i : i + 8] = draw(st.binary(min_size=1, max_size=8))
        else:
            data = data[:i] + bytearray(draw(st.binary(max_size=64))) + data[i:]
    return bytes(data)


@BUDGET
@given(mutated())
def test_loaders_refuse_only_with_genocr_errors(data: bytes) -> None:
    try:
        for page in load_pages(data, dpi=72, limits=SMALL):
            assert page.image.mode == "RGB"
    except GenocrError:
        pass


@BUDGET
@given(st.text(max_size=40))
def test_boxes_and_page_ranges_parse_or_refuse(spec: str) -> None:
    for parse in (parse_box, parse_page_range):
        try:
            parse(spec)
        except GenocrError:
            pass


@BUDGET
@given(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20),
                 st.lists(st.integers(), max_size=4),
                 st.dictionaries(st.sampled_from(["genocr_family", "model_type", "channels", "dim", "heads",
                                                  "alphabet", "height", "upsample"]),
                                 st.one_of(st.sampled_from(["genocr_line", "genocr_small", "got_ocr2", "qwen2_vl"]),
                                           st.integers(-3, 300), st.text(max_size=8),
                                           st.lists(st.integers(0, 64), max_size=5)),
                                 max_size=6)),
       st.binary(max_size=96))
def test_model_folders_load_or_refuse(tmp_path_factory: pytest.TempPathFactory, config: object, weights: bytes) -> None:
    from genocr.models import load_model

    folder = tmp_path_factory.mktemp("m")
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "model.safetensors").write_bytes(weights)
    try:
        load_model(str(folder))
    except GenocrError:
        pass
