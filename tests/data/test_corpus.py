"""Corpus text: typesetting keeps the words, and document tokens reach English sentences at their rate."""
from __future__ import annotations

import re

import numpy as np
import pytest

from genocr.data import corpus

PLAIN = 'The "RC" actions of 737-00-1028 - dated June 12 - don\'t apply to \'this\' one.'


def _letters(text: str) -> str:
    return re.sub(r"[\s\-–—'\"‘’“”]", "", text)


@pytest.mark.parametrize("seed", range(8))
def test_typeset_changes_punctuation_only(seed):
    out = corpus.typeset(np.random.default_rng(seed), PLAIN)
    assert _letters(out) == _letters(PLAIN)
    assert "737–00–1028" in out and "don’t" in out and "‘this’" in out
    assert '"' not in out and " - " not in out
    assert not re.search(r"\w— |\w –\w", out)  # an em dash closed up, an en dash spaced


def test_some_english_sentences_are_list_items():
    rng = np.random.default_rng(1)
    items = [s for s in (corpus.sentence(rng, "en") for _ in range(1000)) if s[:1] in corpus.BULLETS]
    assert 0.5 * corpus.BULLETED < len(items) / 1000 < 2 * corpus.BULLETED
    assert all(s[1] == " " and s[2:].strip() == s[2:] for s in items)


def test_document_tokens_reach_a_share_of_english_sentences():
    rng = np.random.default_rng(0)
    plain = [corpus.sentence(rng, "en") for _ in range(400)]
    marked = [s for s in plain if re.search(r"[0-9§=/–—“”‘’|&@*`~^#\[]", s)]
    assert corpus.DOC_TOKENS < len(marked) / len(plain) < 0.8
    assert not any(re.search(r"[§=“”]", corpus.sentence(rng, "zh")) for _ in range(100))


def test_document_token_is_one_printable_piece():
    rng = np.random.default_rng(3)
    tokens = [corpus.document_token(rng) for _ in range(300)]
    assert all(t and t == t.strip() and t.isprintable() for t in tokens)
    assert len(set(tokens)) > 250
    for kind in (r"\$\d", r"^\.{3,}$", r"^(‘‘\w+’’|“\w+”|‘\w+’)$", r"^\([A-Z]{2,5}\)$"):  # money, leaders, terms
        assert any(re.search(kind, t) for t in tokens), kind


def test_english_sentences_carry_the_symbols_of_technical_text():
    rng = np.random.default_rng(5)
    text = "".join(corpus.sentence(rng, "en") for _ in range(4000))
    per_10k = {ch: text.count(ch) / len(text) * 1e4 for ch in "|*&@`#0"}
    assert all(rate > 1.0 for rate in per_10k.values()), per_10k
    assert per_10k["0"] > 10.0  # zeros as often as technical text has them (Python's reference: 10)


def test_symbol_tokens_are_printable_pieces_of_every_kind():
    rng = np.random.default_rng(6)
    tokens = [corpus.symbol_token(rng) for _ in range(400)]
    assert all(t and t == t.strip() and t.isprintable() for t in tokens)
    for kind in (r"\w \| \w|\w\|\w", r"&", r"\w@\w+\.\w|^@\w", r"\*", r"`", r"[~^]", r"#", r"\[", r"00"):
        assert any(re.search(kind, t) for t in tokens), kind
