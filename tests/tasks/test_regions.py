import numpy as np
import pytest
from PIL import Image

from genocr.errors import InputError, OptionError
from genocr.tasks import check_box, draw_frame, normalize_box, parse_box


def test_parse_box_accepts_commas_spaces_and_floats() -> None:
    assert parse_box("10,20,30,40") == (10, 20, 30, 40)
    assert parse_box("10 20 30.4 40.6") == (10, 20, 30, 41)
    assert parse_box((1, 2, 3, 4)) == (1, 2, 3, 4)


@pytest.mark.parametrize(("spec", "fragment"), [
    ("10,20,30", "four numbers"), ("a,b,c,d", "not four finite numbers"),
    ("30,20,10,40", "x2 must exceed x1"), ("10,40,30,40", "empty"),
])
def test_parse_box_rejects_bad_boxes(spec: str, fragment: str) -> None:
    with pytest.raises(OptionError, match=fragment):
        parse_box(spec)


def test_normalize_box_truncates_like_got() -> None:
    # int(x / w * 1000): 333/1000*1000 = 333, 1/3*1000 = 333.33 -> 333, 2/3*1000 = 666.66 -> 666
    assert normalize_box((1, 1, 2, 3), (3, 3)) == (333, 333, 666, 1000)
    assert normalize_box((10, 10, 200, 80), (320, 96)) == (31, 104, 625, 833)  # got.md §2.1 example


def test_check_box_refuses_boxes_outside_the_image() -> None:
    check_box((0, 0, 320, 96), (320, 96))
    with pytest.raises(InputError, match=r"lies outside the 320x96 image"):
        check_box((0, 0, 321, 96), (320, 96), "page.png")


def test_draw_frame_paints_the_colour_around_the_box_only() -> None:
    img = Image.new("RGB", (300, 300), "white")
    framed = np.asarray(draw_frame(img, (50, 60, 250, 200), "green"))
    assert tuple(framed[60, 150]) == (0, 255, 0)  # top edge
    assert tuple(framed[130, 50]) == (0, 255, 0)  # left edge
    assert tuple(framed[130, 150]) == (255, 255, 255)  # inside untouched
    assert np.asarray(img).min() == 255  # the input is not modified
