"""Format dispatch, txt and json exports."""
from __future__ import annotations

import json

import pytest

from genocr.errors import OptionError
from genocr.export import FORMATS, format_from_suffix, render
from genocr.results import PageResult, ReadResult


def _result(*texts: str, output_format: str = "text") -> ReadResult:
    pages = [PageResult([i], t, prompt_tokens=10, new_tokens=5, seconds=0.5) for i, t in enumerate(texts, 1)]
    return ReadResult("scan.pdf", "got-ocr2", "plain", output_format, pages, seconds=1.25)


def test_formats_and_suffixes() -> None:
    assert FORMATS == ("txt", "md", "json", "html", "hocr", "alto", "pdf")
    assert format_from_suffix("out/a.txt") == "txt"
    assert format_from_suffix("a.MD") == "md"
    assert format_from_suffix("a.markdown") == "md"
    assert format_from_suffix("a.json") == "json"
    assert format_from_suffix("a.htm") == "html"
    assert format_from_suffix("a.html") == "html"
    assert format_from_suffix("a.pdf") == "pdf"
    assert format_from_suffix("a.hocr") == "hocr"
    assert format_from_suffix("noext") is None


def test_unknown_format_is_an_option_error() -> None:
    with pytest.raises(OptionError, match=r"^unknown output format 'xyz' \(choose txt, md, json, html, hocr, alto, pdf\)$"):
        render(_result("x"), "xyz")


def test_every_text_format_renders_a_string() -> None:
    result = _result("Grüße, 世界")
    for fmt in ("txt", "md", "json", "html", "hocr"):
        assert "Grüße, 世界" in render(result, fmt)


def test_formats_that_place_words_refuse_a_result_without_positions() -> None:
    for fmt in ("alto", "pdf"):
        with pytest.raises(OptionError, match="no word positions"):
            render(_result("text"), fmt, "scan.pdf")


def test_txt_separates_pages_with_form_feeds() -> None:
    assert render(_result("one\n"), "txt") == "one\n"
    assert render(_result("one", "two\nlines", "three"), "txt") == "one\n\ftwo\nlines\n\fthree\n"
    assert render(_result(), "txt") == ""


@pytest.mark.parametrize("output_format", ["text", "markdown"])
def test_json_round_trips(output_format: str) -> None:
    result = _result("first <b>page</b>", "\\title{Zweite} \\( x^2 \\)", output_format=output_format)
    result.pages[1].stop_reason = "loop"
    text = render(result, "json")
    assert ReadResult.from_dict(json.loads(text)) == result
    assert "Zweite" in text and "\\u" not in text  # readable UTF-8, not ASCII escapes
