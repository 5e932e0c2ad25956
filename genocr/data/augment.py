"""Image degradations and geometric distortions, with the matching transform of boxes.

Geometry is a 3x3 homography applied with OpenCV; boxes go through the same matrix so the
ground truth stays exact. Photometric degradations (blur, noise, JPEG, shading) change no box.
"""
from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from .backgrounds import grain, ramp, smooth_noise, to_u8
from .render import Box

Jitter = tuple[float, np.ndarray]


def jitter(rng: np.random.Generator, rotate: float, perspective: float) -> Jitter:
    """Random geometry parameters: a rotation (degrees) and corner offsets (fractions of the
    side). Kept apart from :func:`homography` so a re-rendered variant can reuse them."""
    return rng.uniform(-rotate, rotate), rng.uniform(-perspective, perspective, (4, 2))


def homography(size: tuple[int, int], params: Jitter) -> tuple[np.ndarray, tuple[int, int]]:
    """The matrix that rotates and skews an image of ``size`` by ``params``, translated so the
    whole warped image fits; returns it with the output size."""
    w, h = size
    angle, offsets = params
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    a = np.deg2rad(angle)
    rot = np.float32([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    moved = (corners - [w / 2, h / 2]) @ rot.T + [w / 2, h / 2] + offsets * [w, h]
    moved -= moved.min(axis=0)
    m = cv2.getPerspectiveTransform(corners, moved.astype(np.float32))
    out = np.ceil(moved.max(axis=0)).astype(int)
    return m, (int(out[0]), int(out[1]))


def warp(img: Image.Image, m: np.ndarray, size: tuple[int, int], border: str = "replicate",
         nearest: bool = False) -> Image.Image:
    """Apply homography ``m``; ``border`` "replicate" extends the edges, "zero" pads black."""
    mode = cv2.BORDER_REPLICATE if border == "replicate" else cv2.BORDER_CONSTANT
    interp = cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR
    out = cv2.warpPerspective(np.asarray(img), m, size, flags=interp, borderMode=mode, borderValue=0)
    return Image.fromarray(out, img.mode)


def warp_points(points: np.ndarray, m: np.ndarray) -> np.ndarray:
    pts = cv2.perspectiveTransform(np.asarray(points, np.float32).reshape(-1, 1, 2), m)
    return pts.reshape(-1, 2)


def warp_box(box: Box, m: np.ndarray, size: tuple[int, int]) -> Box:
    """The axis-aligned box around the warped corners of ``box``, clipped to the image."""
    x0, y0, x1, y1 = box
    pts = warp_points(np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]), m)
    lo, hi = np.floor(pts.min(axis=0)), np.ceil(pts.max(axis=0))
    return (max(0, int(lo[0])), max(0, int(lo[1])), min(size[0], int(hi[0])), min(size[1], int(hi[1])))


def blur(img: Image.Image, rng: np.random.Generator, max_sigma: float = 1.2) -> Image.Image:
    arr = np.asarray(img)
    if rng.random() < 0.3:  # motion blur along a random direction
        k = int(rng.integers(3, 6))
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2] = 1 / k
        rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), rng.uniform(0, 180), 1)
        kernel = cv2.warpAffine(kernel, rot, (k, k))
        return Image.fromarray(cv2.filter2D(arr, -1, kernel / max(kernel.sum(), 1e-6)))
    return Image.fromarray(cv2.GaussianBlur(arr, (0, 0), rng.uniform(0.3, max_sigma)))


def noise(img: Image.Image, rng: np.random.Generator, max_std: float = 8.0, min_std: float = 1.0) -> Image.Image:
    arr = np.asarray(img, np.float32) + grain(rng, img.size, rng.uniform(min_std, max_std))[..., None]
    return Image.fromarray(to_u8(arr))


def jpeg(img: Image.Image, rng: np.random.Generator, lo: int = 25, hi: int = 90) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=int(rng.integers(lo, hi)))
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def shade(img: Image.Image, rng: np.random.Generator, strength: float = 0.45) -> Image.Image:
    """Uneven light: a soft shadow or a brightness gradient multiplied over the image."""
    if rng.random() < 0.5:
        field = smooth_noise(rng, img.size, int(max(img.size) * rng.uniform(0.3, 0.8)))
    else:
        field = ramp(rng, img.size)
    gain = 1 - np.float32(rng.uniform(0.1, strength)) * field
    return Image.fromarray(to_u8(np.asarray(img, np.float32) * gain[..., None]))


def contrast(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Brightness and contrast jitter (a poor scanner or a cheap camera)."""
    a, b = rng.uniform(0.75, 1.15), rng.uniform(-25, 25)
    return Image.fromarray(cv2.convertScaleAbs(np.asarray(img), alpha=a, beta=b))


def degrade(img: Image.Image, rng: np.random.Generator, level: float = 1.0) -> Image.Image:
    """A random chain of photometric degradations; ``level`` scales how often each one fires."""
    for p, fn in ((0.25, shade), (0.3, contrast), (0.35, blur), (0.35, noise), (0.35, jpeg)):
        if rng.random() < p * level:
            img = fn(img, rng)
    return img
