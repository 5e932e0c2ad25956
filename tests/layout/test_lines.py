"""Line finding and reading order on pages drawn with known lines."""
import numpy as np
from PIL import Image, ImageDraw, ImageFont

import pytest

from genocr.layout.lines import _cut_at_gutters, clear_rules, crop_line, find_lines, reading_order, turn
from tests_helpers import FONT, draw_page


def test_single_column_lines_in_order() -> None:
    page, anchors = draw_page(1)
    boxes = find_lines(page)
    assert len(boxes) == len(anchors)
    assert [b[1] for b in boxes] == sorted(b[1] for b in boxes)


@pytest.mark.parametrize("columns", [2, 3])
def test_columns_are_read_one_after_another(columns: int) -> None:
    page, anchors = draw_page(columns)
    boxes = find_lines(page)
    assert len(boxes) == len(anchors)
    for box, (x, y) in zip(boxes, anchors):  # each box holds its anchor, in reading order
        assert box[0] - 2 <= x <= box[2] and box[1] - 8 <= y <= box[3]


def test_a_list_of_tags_beside_their_text_is_read_row_by_row() -> None:
    """A manual's options: each tag is read before its own text, not as a column of tags."""
    page = Image.new("RGB", (1000, 900), "white")
    draw, font = ImageDraw.Draw(page), ImageFont.truetype(FONT, 20)
    draw.text((40, 40), "OPTIONS", font=font, fill="black")
    tags, y = [], 90
    for i, tag in enumerate(("-F value", "-f file", "-v var=value", "-W dump", "-W exec file")):
        draw.text((80, y), tag, font=font, fill="black")
        tags.append(y)
        for text in ("the option's text runs on over", "several lines of the page,", "ending in a short one.")[: 1 + i % 3]:
            draw.text((300, y), text, font=font, fill="black")  # the tag's text, level with the tag first
            y += 30
        y += 20
    boxes = find_lines(page)
    found = [i for i, b in enumerate(boxes) if 60 < b[0] < 200]
    assert len(found) == len(tags)
    for i in found:  # the box read next is the tag's own first line, level with it
        assert boxes[i + 1][0] >= 280 and abs(boxes[i + 1][1] - boxes[i][1]) < 10


def test_columns_parted_by_rules_are_read_one_after_another() -> None:
    """A bulletin's columns: each line's figure runs up to the rule, so no white gutter parts
    them; the rules do, and no line is read across one."""
    page = Image.new("RGB", (1200, 900), "white")
    draw, font = ImageDraw.Draw(page), ImageFont.truetype(FONT, 20)
    rules = (400, 800)
    for x in rules:
        draw.line([(x, 60), (x, 880)], fill="black", width=2)
    for column, left in enumerate((10, 410, 810)):
        for row, y in enumerate(range(80, 860, 40)):
            draw.text((left, y), f"CANDIDATE {column}{row}", font=font, fill="black")
            draw.text((left + 340, y), f"{row}", font=font, fill="black")  # up to the rule
    boxes = find_lines(page)
    assert not any(b[0] < x < b[2] for b in boxes for x in rules)
    column = [sum(x < b[0] for x in rules) for b in boxes]
    assert column == sorted(column) and set(column) == {0, 1, 2}


def test_a_frame_around_each_line_is_not_read() -> None:
    """A code listing that frames every line: the frames' sides are no part of the lines."""
    page = Image.new("RGB", (1000, 600), "white")
    draw, font = ImageDraw.Draw(page), ImageFont.truetype(FONT, 20)
    draw.text((60, 40), "Some text before the listing, set as body text is set.", font=font, fill="black")
    ink = []
    for y in range(100, 500, 40):
        draw.rectangle([50, y - 8, 950, y + 26], outline="black", width=1)  # about three x-heights tall
        draw.text((70, y), "mem1 : { *(.data.*); } > MEM1", font=font, fill="black")
        ink.append(draw.textbbox((70, y), "mem1 : { *(.data.*); } > MEM1", font=font))
    boxes = find_lines(page)[1:]
    assert len(boxes) == len(ink)
    for box, (x1, _, x2, _) in zip(boxes, ink):  # the text, smeared a little: not the sides at 50 and 950
        assert 50 < box[0] <= x1 and x2 <= box[2] < x2 + 20


def test_ruled_form_cells_are_found_line_by_line() -> None:
    page = Image.new("RGB", (900, 600), "white")
    draw, font = ImageDraw.Draw(page), ImageFont.truetype(FONT, 22)
    for x in (20, 450, 880):  # a ruled grid that touches every line of text
        draw.line([(x, 20), (x, 580)], fill="black", width=2)
    for y in (20, 580):
        draw.line([(20, y), (880, y)], fill="black", width=2)
    rows = range(40, 560, 40)
    for y in rows:
        draw.text((30, y), "CONTROLLER DEM 59", font=font, fill="black")
        draw.text((460, y + 3), "JUDGE SUPERIOR", font=font, fill="black")
    boxes = find_lines(page)
    assert len(boxes) == 2 * len(rows)
    assert all(b[3] - b[1] < 40 and b[2] - b[0] < 430 for b in boxes)  # one cell's line each, no rule


def test_blank_and_dark_pages() -> None:
    assert find_lines(Image.new("RGB", (400, 300), "white")) == []
    dark = Image.new("RGB", (600, 200), (20, 20, 30))
    ImageDraw.Draw(dark).text((20, 80), "light text on a dark page", font=ImageFont.truetype(FONT, 24), fill="white")
    (box,) = find_lines(dark)
    assert box[0] < 30 and box[2] > 300


def test_a_slice_of_one_line_is_cut_to_its_ink() -> None:
    """Read whole, a slice's wide margins would shrink its text in the reader's line height."""
    slice_ = Image.new("RGB", (400, 100), (200, 220, 160))
    draw = ImageDraw.Draw(slice_)
    draw.text((40, 35), "a line on a wide coloured slice", font=ImageFont.truetype(FONT, 22), fill=(40, 40, 40))
    ink = draw.textbbox((40, 35), "a line on a wide coloured slice", font=ImageFont.truetype(FONT, 22))
    (box,) = find_lines(slice_)
    assert abs(box[0] - ink[0]) <= 2 and abs(box[2] - ink[2]) <= 2
    assert abs(box[1] - ink[1]) <= 2 and abs(box[3] - ink[3]) <= 2


def _slice(background: np.ndarray, text: str, fill: tuple[int, int, int]) -> tuple[Image.Image, tuple[int, int, int, int]]:
    slice_ = Image.fromarray(background.astype(np.uint8))
    draw, font = ImageDraw.Draw(slice_), ImageFont.truetype(FONT, 24)
    draw.text((20, 14), text, font=font, fill=fill)
    return slice_, draw.textbbox((20, 14), text, font=font)


def test_light_text_on_a_bright_slice_is_found() -> None:
    """White words on an orange-to-blue photo: the slice's mean grey is bright, its text lighter."""
    ramp = np.linspace(0, 1, 220)[None, :, None]
    background = np.broadcast_to((1 - ramp) * [230, 120, 40] + ramp * [60, 140, 200], (60, 220, 3))
    slice_, ink = _slice(background, "MOMENT", (255, 255, 255))
    assert np.asarray(slice_.convert("L")).mean() > 110
    (box,) = find_lines(slice_)
    assert box[0] <= ink[0] + 2 and box[2] >= ink[2] - 2 and box[1] <= ink[1] + 2 and box[3] >= ink[3] - 2


def test_dark_text_on_shaded_paper_is_found() -> None:
    """Paper shaded from grey on the left to white: no flat paper level holds for the slice."""
    ramp = np.linspace(175, 245, 300)[None, :, None]
    slice_, ink = _slice(np.broadcast_to(ramp, (56, 300, 3)), "83, rue Boulay, 1457", (95, 95, 95))
    (box,) = find_lines(slice_)
    assert box[0] <= ink[0] + 2 and box[2] >= ink[2] - 2


def test_reading_order_without_gutter_is_row_major_and_rejoins_word_gaps() -> None:
    boxes = [(300, 10, 400, 30), (10, 10, 280, 30), (10, 50, 200, 70)]
    assert reading_order(boxes, 500) == [(10, 10, 400, 30), (10, 50, 200, 70)]


@pytest.mark.parametrize("ink, paper", [("black", "white"), ("white", (40, 40, 90))])
def test_rules_across_a_crop_are_painted_over_and_its_glyphs_kept(ink: str, paper: object) -> None:
    """A frame's sides and a table's rule cross the whole crop, margins included; a "|" of the
    line itself does not, and stays."""
    crop = Image.new("RGB", (400, 40), paper)
    draw = ImageDraw.Draw(crop)
    draw.text((20, 6), "a | b [x] c", font=ImageFont.truetype(FONT, 22), fill=ink)
    for x in (4, 250):
        draw.line([(x, 0), (x, 39)], fill=ink, width=2)
    before, after = (np.asarray(im.convert("L")).astype(int) for im in (crop, clear_rules(crop)))
    inked = (np.abs(before - np.median(before)) > 60).mean(axis=0)
    assert inked[4] == 1.0 and inked[250] == 1.0
    changed = np.flatnonzero((before != after).any(axis=0))
    assert set(changed) <= {3, 4, 5, 6, 249, 250, 251, 252} and {4, 250} <= set(changed)
    assert (np.abs(after - np.median(before)) > 60).mean(axis=0).max() < 0.95


@pytest.mark.parametrize("mode, fill", [("RGB", (250, 240, 230)), ("L", (250,))])
@pytest.mark.parametrize("angle", [2.5, -1.3, 7.9, 0.4])
def test_turn_is_pillows_rotate_with_expand(mode: str, fill: tuple[int, ...], angle: float) -> None:
    """The same size and placement as Pillow's rotate: boxes turned back onto the page assume it."""
    page = Image.new(mode, (600, 200), "white")
    draw = ImageDraw.Draw(page)
    draw.text((20, 50), "Hello skewed world 123", font=ImageFont.truetype(FONT, 40), fill="black")
    draw.rectangle([5, 5, 594, 194], outline="black", width=3)
    ours = np.asarray(turn(page, angle, fill)).astype(int)
    pillows = np.asarray(page.rotate(angle, Image.BICUBIC, expand=True, fillcolor=fill if mode == "RGB" else fill[0])).astype(int)
    assert ours.shape == pillows.shape
    assert np.abs(ours - pillows).mean() < 0.5 and (np.abs(ours - pillows) > 24).mean() == 0.0  # bicubic kernels differ a little


def test_crop_line_adds_a_margin_within_the_image() -> None:
    page = Image.new("RGB", (100, 100))
    assert crop_line(page, (10, 10, 50, 30)).size == (40 + 2 * 5, 20 + 2 * 5)
    assert crop_line(page, (0, 0, 100, 20)).size == (100, 25)


def test_a_line_reaching_into_the_gutter_stays_in_its_column() -> None:
    left = [(10, y, 200, y + 12) for y in range(0, 100, 20)]
    right = [(230, y, 420, y + 12) for y in range(0, 100, 20)]
    left[2] = (10, 40, 204, 52)  # a justified line a little longer than the others
    assert reading_order(left + right, 430) == left + right


def _columns_with_smeared_boxes(hyphen_end: int) -> tuple[np.ndarray, list, list]:
    """Two justified columns of 30 lines as ink and as the line finder's boxes, each wider than
    its ink by a smear's margin of 9 px; every tenth left line ends in a hyphen at ``hyphen_end``."""
    mask = np.zeros((1000, 420), np.uint8)
    left, right = [], []
    for i in range(30):
        y, end = 20 + 30 * i, hyphen_end if i % 10 == 3 else 190
        mask[y : y + 14, 10:end] = mask[y : y + 14, 212:400] = 255
        left.append((1, y - 4, end + 9, y + 18))
        right.append((203, y - 4, 409, y + 18))
    return mask, left, right


def test_a_line_whose_box_reaches_over_a_narrow_gutter_is_cut_to_its_ink() -> None:
    """The hyphenated lines' boxes cover the few blank columns between the columns' boxes:
    uncut, each broke the page into bands read side by side (a held-out book page, NED 0.34)."""
    mask, left, right = _columns_with_smeared_boxes(194)
    boxes = sorted(left + right, key=lambda b: (b[1], b[0]))
    assert reading_order(boxes, 420) != left + right
    cut = _cut_at_gutters(boxes, mask, 11.0, 22.0)
    assert reading_order(cut, 420) == [(*b[:2], 194, b[3]) if b[2] == 203 else b for b in left] + right


def test_a_body_line_bridged_over_a_gutter_is_cut_and_a_tall_one_is_not() -> None:
    mask, left, right = _columns_with_smeared_boxes(190)
    bridged = (1, 440, 409, 462)  # line 14 of both columns smeared into one blob
    boxes = [b for b in left + right if b[1] != 436] + [bridged]
    cut = _cut_at_gutters(boxes, mask, 11.0, 22.0)
    assert (1, 440, 190, 462) in cut and (212, 440, 409, 462) in cut and bridged not in cut
    tall = (1, 430, 409, 472)  # a heading twice the body's height, its word space over the gutter
    assert tall in _cut_at_gutters([b for b in boxes if b != bridged] + [tall], mask, 11.0, 22.0)


def _two_lines_joined(dashes: bool) -> tuple[Image.Image, list[tuple[int, int, int, int]]]:
    """Two lines of text that one thin stroke joins into a single blob (a speck trail, a skewed
    scan's stray stroke), optionally with a dashed rule between them; returns the text's boxes."""
    page = Image.new("RGB", (900, 300), "white")
    draw, font = ImageDraw.Draw(page), ImageFont.truetype(FONT, 24)
    texts = [((40, 100), "Original Slice  lying gaily"), ((40, 150), "DoubleChoc Slice  jumpy fog")]
    for xy, text in texts:
        draw.text(xy, text, font=font, fill="black")
    if dashes:
        for x in range(40, 420, 14):
            draw.rectangle([x, 138, x + 8, 140], fill="black")
    draw.line([(200, 115), (200, 165)], fill="black", width=1)
    return page, [draw.textbbox(xy, text, font=font) for xy, text in texts]


@pytest.mark.parametrize("dashes", [False, True])
def test_lines_joined_by_a_stroke_are_split_whole(dashes: bool) -> None:
    page, truth = _two_lines_joined(dashes)
    boxes = find_lines(page)
    assert len(boxes) == 2  # no third line for the dashed rule
    for box, (x1, y1, x2, y2) in zip(boxes, truth):  # ascenders and descenders stay with their line
        assert box[1] <= y1 + 1 and box[3] >= y2 - 1 and box[3] - box[1] < 1.6 * (y2 - y1)


def test_short_blobs_at_the_image_edge_are_not_lines() -> None:
    page = Image.new("RGB", (900, 300), "white")
    draw = ImageDraw.Draw(page)
    draw.text((60, 120), "A receipt line, scanner borders", font=ImageFont.truetype(FONT, 40), fill="black")
    draw.rectangle([0, 20, 20, 40], fill="black")  # the scanner's shadow at the edges
    draw.rectangle([890, 100, 899, 160], fill="black")
    draw.rectangle([860, 200, 899, 207], fill="black")  # a sliver: wide, but thinner than text
    (box,) = find_lines(page)
    assert 30 <= box[0] and box[2] < 800


def _set_solid() -> tuple[Image.Image, list[tuple[int, int, int, int]], tuple[int, int, int, int]]:
    """A paragraph set solid: each line's descenders touch the next line's ascenders, so no row
    between them is empty. Above it, a heading twice the body's size. Returns the page, the body
    lines' boxes and the heading's box."""
    page = Image.new("RGB", (900, 480), "white")
    draw, body, large = ImageDraw.Draw(page), ImageFont.truetype(FONT, 20), ImageFont.truetype(FONT, 44)
    heading = draw.textbbox((40, 30), "Heading of the gravity kind", font=large)
    draw.text((40, 30), "Heading of the gravity kind", font=large, fill="black")
    texts = ["Hold the bright kite high", "jumping gypsy quickly pays", "bold heights of black hills",
             "gauging the yeasty apples", "lush fields by the old dyke"]
    y, lines = 150, []
    for text in texts:
        box = draw.textbbox((40, y), text, font=body)
        draw.text((40, y), text, font=body, fill="black")
        lines.append(box)
        y = box[3] - (draw.textbbox((40, 0), text, font=body)[1])  # the next line's top meets this bottom
    spaced = ("separate lines that set the page pitch", "spaced as body text usually is",
              "more lines of the same size below", "so that most lines are one line tall")
    for text, y in zip(spaced, range(300, 500, 40)):
        lines.append(draw.textbbox((40, y), text, font=body))
        draw.text((40, y), text, font=body, fill="black")
    return page, lines, heading


def test_lines_set_solid_are_cut_at_the_page_pitch_and_a_heading_stays_whole() -> None:
    page, lines, heading = _set_solid()
    boxes = find_lines(page)
    assert len(boxes) == 1 + len(lines)
    assert boxes[0][1] <= heading[1] + 1 and boxes[0][3] - boxes[0][1] > 0.75 * (heading[3] - heading[1])
    for box, (x1, y1, x2, y2) in zip(boxes[1:], lines):  # each line's x-height band is in its own box
        middle = (y1 + y2) / 2
        assert box[1] < middle < box[3] and box[3] - box[1] < 1.4 * (y2 - y1)


def test_a_page_wide_rule_closes_the_masthead_above_the_columns() -> None:
    page = Image.new("RGB", (1000, 700), "white")
    draw, font = ImageDraw.Draw(page), ImageFont.truetype(FONT, 18)
    anchors = [(100, 26), (620, 30), (620, 60)]  # a title on the left, a dateline on the right
    draw.text(anchors[0], "Proposed Rules", font=ImageFont.truetype(FONT, 30), fill="black")
    draw.text(anchors[1], "Register Vol. 85", font=font, fill="black")
    draw.text(anchors[2], "Thursday, August 6", font=font, fill="black")
    draw.line([(90, 100), (900, 100)], fill="black", width=3)
    for x in (100, 620):
        for y in range(140, 600, 40):
            draw.text((x, y), "words in a column line", font=font, fill="black")
            anchors.append((x, y))
    boxes = find_lines(page)
    assert len(boxes) == len(anchors)
    for box, (x, y) in zip(boxes, anchors):  # the dateline is read before the first column
        assert box[0] - 2 <= x <= box[2] and box[1] - 8 <= y <= box[3]


def test_footnotes_under_a_page_wide_rule_keep_the_page_columns() -> None:
    page, anchors = draw_page(2)
    draw, font = ImageDraw.Draw(page), ImageFont.truetype(FONT, 18)
    draw.line([(90, 470), (910, 470)], fill="black", width=2)
    for x in (100, 540):  # two footnotes a column: too few lines to show the gutter by themselves
        for y in (490, 530):
            draw.text((x, y), "a footnote line", font=font, fill="black")
            anchors.append((x, y))
    boxes = find_lines(page)
    assert len(boxes) == len(anchors)
    for box, (x, y) in zip(boxes, anchors):
        assert box[0] - 2 <= x <= box[2] and box[1] - 8 <= y <= box[3]


def test_a_rule_under_part_of_the_columns_closes_no_band() -> None:
    page, anchors = draw_page(3)
    ImageDraw.Draw(page).line([(90, 272), (620, 272)], fill="black", width=2)  # under columns 1 and 2
    boxes = find_lines(page)
    assert len(boxes) == len(anchors)
    for box, (x, y) in zip(boxes, anchors):
        assert box[0] - 2 <= x <= box[2] and box[1] - 8 <= y <= box[3]


def _text(draw, xy, text, fill="black"):
    from PIL import ImageFont

    draw.text(xy, text, font=ImageFont.truetype(FONT, 18), fill=fill)


def test_a_wavy_frame_is_not_read_as_a_line_and_a_dark_bar_is_read_as_its_text() -> None:
    import math

    from PIL import Image, ImageDraw

    page = Image.new("RGB", (900, 700), "white")
    draw = ImageDraw.Draw(page)
    for r in range(8):
        _text(draw, (100, 40 + 30 * r), "body text of the page before the box, line %d" % r)
    wave = [(80 + k, 300 + 4 * math.sin(k / 6)) for k in range(700)]  # a wavy frame around three lines
    for dy in (0, 130):
        draw.line([(x, y + dy) for x, y in wave], fill="black", width=2)
    for x in (80, 779):
        draw.line([(x, 300), (x, 430)], fill="black", width=2)
    for r in range(3):
        _text(draw, (110, 320 + 32 * r), "a note in a wavy frame, line %d of three" % r)
    draw.rectangle((80, 480, 780, 520), fill=(30, 30, 60))  # a heading set white on a dark bar
    _text(draw, (100, 488), "A HEADING ON A DARK BAR", fill="white")
    lines = find_lines(page)
    framed = [b for b in lines if b[3] > 294 and b[1] < 436]
    assert len(framed) == 3 and all(b[3] - b[1] < 40 for b in framed)  # the borders are no lines
    (bar,) = [b for b in lines if b[1] >= 478 and b[3] <= 522]
    assert bar[2] - bar[0] < 400  # the heading's letters, not the whole bar


def test_a_tables_rules_close_a_band_though_its_grid_is_taken_out() -> None:
    """A ruled table whose cells line up with the two columns below: the whole table is read
    before the columns, not mixed into them cell by cell."""
    from PIL import Image, ImageDraw

    page = Image.new("RGB", (1000, 900), "white")
    draw = ImageDraw.Draw(page)
    draw.rectangle((90, 60, 930, 210), outline="black", width=2)
    draw.line((90, 100, 930, 100), fill="black", width=2)
    draw.line((510, 60, 510, 210), fill="black", width=2)
    for r, y in enumerate((70, 120, 170)):
        for c, x in enumerate((100, 550)):
            _text(draw, (x, y), f"cell {r}{c} of the table")
    for c in range(2):
        for r in range(12):
            _text(draw, (100 + 450 * c, 260 + 40 * r), f"column {c} line {r} of text")
    lines = find_lines(page)
    table = [k for k, b in enumerate(lines) if b[3] < 215]
    assert len(table) == 6 and table == list(range(6))


@pytest.mark.parametrize("angle", [1.5, -3.0, 6.0])
def test_a_skewed_page_is_measured_and_set_level(angle: float) -> None:
    from genocr.layout.lines import deskew_angle

    page, _ = draw_page(1)
    assert deskew_angle(page) == 0.0
    turned = page.rotate(angle, Image.BICUBIC, expand=True, fillcolor="white")
    assert abs(deskew_angle(turned) + angle) <= 0.2
    level = turned.rotate(deskew_angle(turned), Image.BICUBIC, expand=True, fillcolor="white")
    assert len(find_lines(level)) == 9  # the title and the column's 8 lines, as on the upright page


def test_a_box_lands_where_the_turned_image_puts_its_ink() -> None:
    """Checked against PIL's own rotation, so a sign error in either direction fails."""
    import numpy as np

    from genocr.layout.lines import rotate_box

    image = Image.new("L", (1000, 800), 255)
    ImageDraw.Draw(image).rectangle((100, 200, 300, 230), fill=0)
    for angle in (4.0, -4.0):
        turned = image.rotate(angle, Image.BICUBIC, expand=True, fillcolor=255)
        ys, xs = np.nonzero(np.asarray(turned) < 128)
        ink = (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1)
        there = rotate_box((100, 200, 300, 230), angle, image.size, turned.size)
        assert all(abs(a - b) <= 2 for a, b in zip(there, ink)), (angle, there, ink)
        back = rotate_box(there, -angle, turned.size, image.size)  # the bounds of the bounds: it grows
        assert back[0] <= 100 and back[1] <= 200 and back[2] >= 300 and back[3] >= 230


def test_a_dark_page_turned_level_keeps_its_corners_dark() -> None:
    from genocr.layout.lines import paper_colour

    page, _ = draw_page(1)
    dark = Image.eval(page, lambda v: 255 - v)
    turned = dark.rotate(3.0, Image.BICUBIC, expand=True, fillcolor=(0, 0, 0))
    assert paper_colour(turned) == (0, 0, 0)
    from genocr.layout.lines import deskew_angle

    level = turned.rotate(deskew_angle(turned), Image.BICUBIC, expand=True, fillcolor=paper_colour(turned))
    assert len(find_lines(level)) == 9
