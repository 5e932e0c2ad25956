"""Dynamic resolution by tiles, as GOT's multi-crop mode does it (InternVL-1.5's grid).

The grid is chosen by aspect ratio alone (absolute size is ignored, as in GOT), the image is
resized to the grid and cut row-major into square tiles, and a global thumbnail is appended
last when there is more than one tile.
"""
from __future__ import annotations

from PIL import Image

DEFAULT_MAX_TILES = 12  # GOT paper and transformers; GOT's GitHub script uses 6


def candidate_grids(min_tiles: int = 1, max_tiles: int = DEFAULT_MAX_TILES) -> list[tuple[int, int]]:
    """All (columns, rows) grids with ``min_tiles <= columns*rows <= max_tiles``, smallest first."""
    grids = {
        (i, j)
        for n in range(min_tiles, max_tiles + 1)
        for i in range(1, n + 1)
        for j in range(1, n + 1)
        if min_tiles <= i * j <= max_tiles
    }
    return sorted(grids, key=lambda g: g[0] * g[1])


def choose_grid(size: tuple[int, int], tile_size: int, max_tiles: int = DEFAULT_MAX_TILES) -> tuple[int, int]:
    """The grid whose ratio is closest to the image's; ties go to the larger grid for big images."""
    w, h = size
    aspect = w / h
    best, best_diff = (1, 1), float("inf")
    for cols, rows in candidate_grids(1, max_tiles):
        diff = abs(aspect - cols / rows)
        if diff < best_diff:
            best, best_diff = (cols, rows), diff
        elif diff == best_diff and w * h > 0.5 * tile_size * tile_size * cols * rows:
            best = (cols, rows)
    return best


def make_tiles(image: Image.Image, tile_size: int, max_tiles: int = DEFAULT_MAX_TILES) -> list[Image.Image]:
    """The tiles of ``image`` in row-major order, plus the thumbnail last when there are several."""
    cols, rows = choose_grid(image.size, tile_size, max_tiles)
    resized = image.resize((cols * tile_size, rows * tile_size))
    tiles = [
        resized.crop((c * tile_size, r * tile_size, (c + 1) * tile_size, (r + 1) * tile_size))
        for r in range(rows)
        for c in range(cols)
    ]
    if len(tiles) > 1:
        tiles.append(image.resize((tile_size, tile_size)))
    return tiles
