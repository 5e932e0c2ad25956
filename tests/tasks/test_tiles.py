"""Tile grids against the counts measured on GOT's processor (got.md §2.3)."""
import pytest
from PIL import Image

from genocr.tasks import choose_grid, make_tiles


@pytest.mark.parametrize(("size", "max_tiles", "views"), [
    ((1024, 1024), 12, 1), ((2048, 1024), 12, 3), ((1700, 2200), 12, 13), ((600, 800), 12, 13),
    ((3000, 1000), 12, 4), ((600, 4000), 12, 8), ((1700, 2200), 6, 7), ((600, 4000), 6, 7),
])
def test_view_counts_match_got(size: tuple[int, int], max_tiles: int, views: int) -> None:
    tiles = make_tiles(Image.new("RGB", size), tile_size=1024, max_tiles=max_tiles)
    assert len(tiles) == views
    assert all(t.size == (1024, 1024) for t in tiles)


def test_grid_is_columns_by_rows() -> None:
    assert choose_grid((2048, 1024), 1024) == (2, 1)
    assert choose_grid((600, 800), 1024) == (3, 4)


def test_tiles_are_row_major_and_thumbnail_last() -> None:
    img = Image.new("RGB", (200, 100), "white")
    img.paste((255, 0, 0), (0, 0, 100, 100))  # left half red
    left, right, thumb = make_tiles(img, tile_size=128)
    assert left.getpixel((64, 64)) == (255, 0, 0)
    assert right.getpixel((64, 64)) == (255, 255, 255)
    assert thumb.getpixel((16, 64)) == (255, 0, 0) and thumb.getpixel((112, 64)) == (255, 255, 255)


def test_equal_ratio_ties_go_to_the_larger_grid_only_for_large_images() -> None:
    # 2048x2048 vs 1024-px tiles: (1,1), (2,2), (3,3) all have ratio 1; the area rule keeps
    # growing while W*H > 0.5 * 1024^2 * cols * rows, i.e. up to cols*rows < 8 -> (2,2).
    assert choose_grid((2048, 2048), 1024) == (2, 2)
    assert choose_grid((1024, 1024), 1024) == (1, 1)
