"""``page`` and ``multi-page``: whole document pages for plain and multi-page OCR."""
from __future__ import annotations

import numpy as np

from ..layout import make_page
from ..sample import Sample, register_kind

# Separates the pages of a multi-page target: the form feed that plain-text tools such as
# pdftotext put between pages, so splitting the target on it gives one chunk per page.
PAGE_BREAK = "\f"


@register_kind("page")
def make_plain_page(rng: np.random.Generator) -> Sample:
    page = make_page(rng)
    return Sample("page", [page.image], page.plain, "plain", page.meta())


@register_kind("multi-page")
def make_multi_page(rng: np.random.Generator) -> Sample:
    """2-8 short pages (GOT kept each under 650 tokens); the target is their markdown in order,
    as GOT's multi-page prompt asks for formatted output."""
    pages = [make_page(rng, max_chars=int(rng.integers(200, 900))) for _ in range(int(rng.integers(2, 9)))]
    meta = {"pages": [{"lang": p.lang, "plain": p.plain} for p in pages]}
    target = PAGE_BREAK.join(p.markdown for p in pages)
    return Sample("multi-page", [p.image for p in pages], target, "multi-page", meta)
