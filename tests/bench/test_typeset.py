"""The typeset check sets: pages of a Markdown book set as the second set's LaTeX half is."""
from __future__ import annotations

import csv
import re

import pytest

from genocr.bench.typeset import make_markdown_devset
from genocr.errors import OptionError

CHAPTER = """# Chapter {n}: Iterators

An iterator is responsible for the logic of iterating over each item and determining when the
sequence has finished. Call `next` on it to get the items one at a time, as [the
documentation](https://doc.rust-lang.org) shows.

```rust
let v1_iter = v1.iter();
```

- Iterators are *lazy*: they have no effect until you call methods that consume them.
"""


def test_markdown_pages_hold_the_books_prose_and_code_without_its_markup(tmp_path) -> None:
    book = tmp_path / "book"
    book.mkdir()
    for n in range(3):
        (book / f"ch{n}.md").write_text(CHAPTER.format(n=n))
    out = tmp_path / "set"
    rows = list(csv.DictReader(open(make_markdown_devset([book], out, n=2)), delimiter="\t"))
    assert len(rows) == 2 and len({r["item_id"] for r in rows}) == 2
    for row in rows:
        assert (out / row["image_path"]).stat().st_size > 10_000
        text = re.sub(r"\s+", " ", (out / row["gt_path"]).read_text())
        assert "determining when the sequence has finished" in text and "let v1_iter = v1.iter();" in text
        assert not re.search(r"[`*#\[\]]|https", text), text
    with pytest.raises(OptionError):
        make_markdown_devset([book], out, n=4)
