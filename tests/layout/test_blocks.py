"""Blocks and their kinds on pages drawn with known blocks."""
from PIL import Image

from genocr.layout.blocks import LayoutBlock, find_blocks, settle
from tests_helpers import draw_formatted_page

def test_a_page_is_cut_into_typed_blocks_in_reading_order():
    blocks = find_blocks(draw_formatted_page())
    assert [b.kind for b in blocks] == ["heading", "paragraph", "paragraph", "formula", "table", "paragraph", "footer"]
    assert [len(b.lines) for b in blocks if b.kind == "paragraph"] == [4, 3, 3]
    table = blocks[4]
    assert len(table.lines) == 9 and table.box[3] - table.box[1] > 90  # its cells, and its rules inside its box
    assert blocks[0].level == 2


def test_blocks_are_ordered_top_to_bottom_and_do_not_overlap():
    blocks = find_blocks(draw_formatted_page())
    for a, b in zip(blocks, blocks[1:]):
        assert a.box[3] <= b.box[1] + 2


def test_an_empty_page_has_no_blocks():
    assert find_blocks(Image.new("RGB", (600, 400), "white")) == []


def test_a_centred_line_of_words_is_text_after_all():
    candidate = LayoutBlock("formula", (100, 10, 500, 40), [(100, 10, 500, 40)], size=1.6)
    assert settle(candidate, "A Study of Small Readers", 0.97).kind == "heading"
    assert settle(LayoutBlock("formula", (100, 10, 500, 40), size=1.0), "written by the authors", 0.95).kind == "paragraph"
    assert settle(candidate, "x = a + b", 0.97).kind == "formula"  # few words: a formula stays one
    assert settle(candidate, "Study of Readers", 0.4).kind == "formula"  # words read without confidence


def test_a_page_that_is_only_a_table_is_one_table_block():
    page = draw_formatted_page().crop((80, 380, 700, 530))  # the ruled table and nothing else
    page = page.resize((page.width * 2, page.height * 2))  # tall enough for page statistics
    (block,) = find_blocks(page)
    assert block.kind == "table"
