"""Edge refinement of a coarse text mask by the image's colours."""
from __future__ import annotations

import cv2
import numpy as np

from genocr.data.scenetext import MASK_LEVEL
from genocr.pixel.refine import PASSES, refine_mask

BLUR = 1.2  # px


def strokes(ink: tuple[int, int, int], grain: float = 6.0, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thin bars at sub-pixel offsets over a grainy background: the image, its true mask and a
    score whose edges are blurred, as a network's that works from 1/4 scale."""
    rng = np.random.default_rng(seed)
    fine = np.zeros((640, 640), np.float32)  # 5x supersampled: edge coverages of k/5 stay clear of the mask level
    for _ in range(14):
        x, y, w, h = rng.integers(0, 550), rng.integers(0, 550), rng.integers(8, 20), rng.integers(50, 90)
        fine[y : y + h, x : x + w] = 1.0
        fine[x : x + w, y : y + h] = 1.0
    alpha = cv2.resize(fine, (128, 128), interpolation=cv2.INTER_AREA)
    paper = np.clip(rng.normal([200, 190, 170], grain, (128, 128, 3)), 0, 255)
    image = (alpha[..., None] * np.array(ink, np.float32) + (1 - alpha[..., None]) * paper).round().astype(np.uint8)
    truth = alpha * 255 >= MASK_LEVEL
    return image, truth, cv2.GaussianBlur(alpha, (0, 0), BLUR)


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def test_edges_move_to_where_the_colours_put_them() -> None:
    image, truth, score = strokes(ink=(20, 30, 120))
    plain, refined = score > 0.4, refine_mask(image, score, 0.4)
    assert iou(refined, truth) > iou(plain, truth) + 0.05
    assert iou(refined, truth) > 0.9
    # Each pass moves an edge by at most 1 px.
    reach = np.ones((2 * PASSES + 1,) * 2, np.uint8)
    grown, shrunk = (op(plain.astype(np.uint8), reach).astype(bool) for op in (cv2.dilate, cv2.erode))
    assert not (refined != plain)[~grown | shrunk].any()


def test_ink_like_its_background_keeps_the_network_mask() -> None:
    image, _, score = strokes(ink=(200, 190, 170), grain=0.0)
    assert np.array_equal(refine_mask(image, score, 0.4), score > 0.4)


def test_no_sure_text_keeps_the_network_mask() -> None:
    image, _, score = strokes(ink=(20, 30, 120))
    faint = score * 0.55  # nowhere above the sure-text score
    assert np.array_equal(refine_mask(image, faint, 0.4), faint > 0.4)
    assert not refine_mask(image, np.zeros_like(score), 0.4).any()
