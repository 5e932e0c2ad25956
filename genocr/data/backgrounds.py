"""Backgrounds to draw text on: paper, flat colours, gradients, procedural textures and real
photos that ship inside installed packages (scikit-image and matplotlib sample data).
"""
from __future__ import annotations

import importlib.util
import os
from functools import cache

import cv2
import numpy as np
from PIL import Image

# (package, folder inside it, file): photos without visible text, all public domain or CC0.
PHOTOS = (
    ("skimage", "data", "astronaut.png"), ("skimage", "data", "brick.png"),
    ("skimage", "data", "camera.png"), ("skimage", "data", "chelsea.png"),
    ("skimage", "data", "coffee.png"), ("skimage", "data", "grass.png"),
    ("skimage", "data", "gravel.png"), ("skimage", "data", "hubble_deep_field.jpg"),
    ("skimage", "data", "retina.jpg"), ("skimage", "data", "rocket.jpg"),
    ("matplotlib", "mpl-data/sample_data", "grace_hopper.jpg"),
)

LUMA = np.float32([0.299, 0.587, 0.114])


@cache
def photos() -> tuple[np.ndarray, ...]:
    """The bundled photos that are present, as RGB arrays (loaded once per process)."""
    out = []
    for package, folder, name in PHOTOS:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            continue
        path = os.path.join(os.path.dirname(spec.origin), folder, name)
        if os.path.exists(path):
            out.append(np.asarray(Image.open(path).convert("RGB")))
    return tuple(out)


def smooth_noise(rng: np.random.Generator, size: tuple[int, int], cell: int) -> np.ndarray:
    """Value noise in [0, 1] with features about ``cell`` pixels wide."""
    w, h = size
    grid = rng.random((max(2, h // cell + 2), max(2, w // cell + 2))).astype(np.float32)
    return cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)


@cache
def _grain_tile() -> np.ndarray:
    # A fixed tile of unit Gaussian noise: cropping it at a random offset is much cheaper than
    # drawing fresh noise for every image, and just as good for paper grain and sensor noise.
    return np.random.default_rng(0).standard_normal((1024, 1024), np.float32)


def grain(rng: np.random.Generator, size: tuple[int, int], std: float) -> np.ndarray:
    """Gaussian-looking noise of ``size`` (w, h) with standard deviation ``std``."""
    w, h = size
    y, x = int(rng.integers(0, 1024)), int(rng.integers(0, 1024))
    rows = _grain_tile().take(np.arange(y, y + h), axis=0, mode="wrap")
    return rows.take(np.arange(x, x + w), axis=1, mode="wrap") * np.float32(std)


def ramp(rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """A linear 0-to-1 ramp in a random direction, shape (h, w)."""
    w, h = size
    a = rng.uniform(0, 2 * np.pi)
    t = np.arange(w, dtype=np.float32)[None, :] * np.float32(np.cos(a) / w) \
        + np.arange(h, dtype=np.float32)[:, None] * np.float32(np.sin(a) / h)
    t -= t.min()
    return t / max(1e-6, float(t.max()))


def random_color(rng: np.random.Generator, lo: int = 0, hi: int = 256) -> np.ndarray:
    return rng.integers(lo, hi, 3).astype(np.float32)


def paper(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    """Off-white paper with a faint blotchy tone, and grain half of the time."""
    base = random_color(rng, 225, 256)
    tone = (smooth_noise(rng, size, int(rng.integers(40, 300))) - 0.5) * rng.uniform(0, 18)
    if rng.random() < 0.5:
        tone += grain(rng, size, rng.uniform(0.5, 4))
    return _img(base + tone[..., None])


def gradient(rng: np.random.Generator, size: tuple[int, int], light: bool) -> Image.Image:
    lo, hi = (170, 256) if light else (0, 110)
    a, b = random_color(rng, lo, hi), random_color(rng, lo, hi)
    return _img(a + (b - a) * ramp(rng, size)[..., None])


def texture(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    """Two colours mixed by multi-octave noise, sometimes with stripes: fabric, stone, wood."""
    w, h = size
    n = sum(smooth_noise(rng, size, c) * wgt for c, wgt in ((200, 0.5), (50, 0.3), (12, 0.2)))
    if rng.random() < 0.3:
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        n = 0.5 * n + 0.5 * (0.5 + 0.5 * np.sin((xx * rng.uniform(-1, 1) + yy) * rng.uniform(0.02, 0.3) + n * 6))
    a, b = random_color(rng), random_color(rng)
    return _img(a + (b - a) * n[..., None])


def photo(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    """A random crop of a bundled photo, resized to ``size``; a texture if none are installed."""
    pool = photos()
    if not pool:
        return texture(rng, size)
    img = pool[int(rng.integers(len(pool)))]
    h, w = img.shape[:2]
    scale = rng.uniform(0.35, 1.0)
    cw = int(min(w, h * size[0] / size[1]) * scale)
    ch = int(cw * size[1] / size[0])
    x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    crop = img[y:y + ch, x:x + cw]
    if rng.random() < 0.5:
        crop = crop[:, ::-1]
    return Image.fromarray(cv2.resize(np.ascontiguousarray(crop), size, interpolation=cv2.INTER_AREA))


def light_background(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    """Document-like backgrounds: paper, flat (as rendered from a PDF) or a pale gradient."""
    r = rng.random()
    if r < 0.45:
        return paper(rng, size)
    if r < 0.85:
        return Image.new("RGB", size, tuple(int(v) for v in random_color(rng, 215, 256)))
    return gradient(rng, size, light=True)


def any_background(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    """Scene-like backgrounds: photos, textures, gradients, paper."""
    r = rng.random()
    if r < 0.45:
        return photo(rng, size)
    if r < 0.7:
        return texture(rng, size)
    if r < 0.85:
        return gradient(rng, size, light=bool(rng.random() < 0.5))
    return paper(rng, size)


def to_u8(arr: np.ndarray) -> np.ndarray:
    """Clip a float array to 0..255 (in place) and cast it to uint8."""
    return np.clip(arr, 0, 255, out=arr).astype(np.uint8)


def _img(arr: np.ndarray) -> Image.Image:
    return Image.fromarray(to_u8(arr), "RGB")


def ink_color(rng: np.random.Generator, under: Image.Image) -> tuple[int, int, int]:
    """A text colour that stands out from the mean luminance of ``under`` (the area it covers)."""
    luma = float(np.asarray(under.convert("L"), np.float32).mean())
    base = random_color(rng) if rng.random() < 0.5 else np.full(3, rng.uniform(0, 255), np.float32)
    base_luma = max(1.0, float(base @ LUMA))
    if luma > 128:  # dark ink: scale the colour down below luma - 100
        target = rng.uniform(0, max(1.0, luma - 100))
        color = base * min(1.0, target / base_luma)
    else:  # light ink: mix towards white above luma + 100
        target = rng.uniform(min(254.0, luma + 100), 255)
        t = (target - base_luma) / max(1.0, 255 - base_luma) if target > base_luma else 0.0
        color = base + (255 - base) * t
    return tuple(int(v) for v in np.clip(color, 0, 255))

