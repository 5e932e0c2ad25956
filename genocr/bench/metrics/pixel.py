"""Pixel-level scores as UPOCR's evaluators define them: text removal, segmentation, tampering."""
from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

# --------------------------------------------------------------------------------------
# Pixel metrics: text removal (UPOCR / EraseNet legacy evaluator)
# --------------------------------------------------------------------------------------


def _unit_float(img: Any) -> np.ndarray:
    """Array in [0, 1], like torchvision ToTensor: integer images are divided by 255."""
    a = np.asarray(img)
    if a.dtype == np.bool_:
        return a.astype(np.float64)
    if np.issubdtype(a.dtype, np.integer):
        return a.astype(np.float64) / 255.0
    return a.astype(np.float64)


def _luma(img: Any) -> np.ndarray:
    """Luminance Y = .299R + .587G + .114B in [0, 1]; 2-D input is taken as grey already."""
    a = _unit_float(img)
    if a.ndim == 2:
        return a
    if a.ndim == 3 and a.shape[-1] in (3, 4):
        return 0.299 * a[..., 0] + 0.587 * a[..., 1] + 0.114 * a[..., 2]
    raise ValueError(f"expected HxW or HxWx3 image, got shape {a.shape}")


def _check_shapes(pred: Any, gt: Any) -> None:
    if np.shape(pred) != np.shape(gt):
        raise ValueError(f"shape mismatch: pred {np.shape(pred)} vs gt {np.shape(gt)}")


def mse(pred: Any, gt: Any) -> float:
    """Mean squared error over all pixels and channels, with values in [0, 1] (UPOCR's ``mse``).

    Papers print it ×100 (SCUT-EnsText "0.04" means about 4e-4). The legacy
    script first resizes both images to 512 px on the shorter side (bicubic);
    do that before calling if you want matching numbers.
    """
    from skimage.metrics import mean_squared_error

    _check_shapes(pred, gt)
    return float(mean_squared_error(_unit_float(gt), _unit_float(pred)))


def psnr(pred: Any, gt: Any) -> float:
    """PSNR = 10·log10(1/MSE) with values in [0, 1] (UPOCR). Identical images give ``inf``.

    UPOCR leaves images with MSE = 0 out of the PSNR average.
    """
    from skimage.metrics import peak_signal_noise_ratio

    _check_shapes(pred, gt)
    if mse(pred, gt) == 0.0:
        return math.inf
    return float(peak_signal_noise_ratio(_unit_float(gt), _unit_float(pred), data_range=1.0))


def _gauss_window(size: int, sigma: float) -> np.ndarray:
    # MATLAB fspecial('gaussian'): grid -size//2+1 .. size//2 (asymmetric for even size).
    ax = np.arange(-size // 2 + 1, size // 2 + 1, dtype=np.float64)
    x, y = np.meshgrid(ax, ax, indexing="ij")
    g = np.exp(-(x**2 + y**2) / (2.0 * sigma**2))
    return g / g.sum()


def _ssim_and_cs(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    from scipy.signal import fftconvolve

    size = min(a.shape[0], 11)  # the legacy script looks at the height only
    window = _gauss_window(size, 1.5)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu1 = fftconvolve(a, window, mode="valid")
    mu2 = fftconvolve(b, window, mode="valid")
    mu1_sq, mu2_sq, mu12 = mu1 * mu1, mu2 * mu2, mu1 * mu2
    s1 = fftconvolve(a * a, window, mode="valid") - mu1_sq
    s2 = fftconvolve(b * b, window, mode="valid") - mu2_sq
    s12 = fftconvolve(a * b, window, mode="valid") - mu12
    cs_map = (2 * s12 + c2) / (s1 + s2 + c2)
    ssim_map = (2 * mu12 + c1) / (mu1_sq + mu2_sq + c1) * cs_map
    return float(ssim_map.mean()), float(cs_map.mean())


_MSSSIM_WEIGHTS = np.array([0.0448, 0.2856, 0.3001, 0.2363, 0.1333])


def mssim(pred: Any, gt: Any) -> float:
    """Compute the "MSSIM" of UPOCR and EraseNet's legacy script, bug included. Papers print it ×100.

    This is MS-SSIM on the luminance Y (0–255). It uses a Gaussian window of
    11 (or the image height if smaller), σ 1.5, K1 .01, K2 .03, L 255, 'valid'
    convolution, and the 5 weights [.0448 .2856 .3001 .2363 .1333]. The legacy
    loop never uses its downsampled images, so all five "scales" are the full
    image. The value is therefore sign·|mean cs|^0.8668 · sign·|mean ssim|^0.1333.
    We keep this so results compare with the literature. Images must be at
    least as wide as the window.
    """
    _check_shapes(pred, gt)
    y_gt, y_pred = _luma(gt) * 255.0, _luma(pred) * 255.0
    ssim_val, cs_val = _ssim_and_cs(y_gt, y_pred)
    w = _MSSSIM_WEIGHTS
    cs_part = np.prod(np.sign(cs_val) * np.abs(cs_val) ** w[:4])
    ssim_part = np.sign(ssim_val) * np.abs(ssim_val) ** w[4]
    return float(cs_part * ssim_part)


def _grey_diff(pred: Any, gt: Any) -> np.ndarray:
    _check_shapes(pred, gt)
    return np.abs(_luma(pred) * 255.0 - _luma(gt) * 255.0).round().astype(np.uint8)


def age(pred: Any, gt: Any) -> float:
    """Average of the absolute grey-level difference, 0–255, where grey is Y (UPOCR's AGE; the difference is rounded to integers first)."""
    return float(_grey_diff(pred, gt).mean())


def peps(pred: Any, gt: Any, threshold: int = 20) -> float:
    """Fraction of error pixels, |ΔY| > 20 on the 0–255 scale (UPOCR's pEPs).

    The legacy script divides by 512·512 whatever the size. We divide by H·W,
    which is the same for the 512² images it expects.
    """
    err = _grey_diff(pred, gt) > threshold
    return float(err.sum() / err.size)


def pceps(pred: Any, gt: Any, threshold: int = 20) -> float:
    """Fraction of clustered error pixels (UPOCR's pCEPs).

    A clustered error pixel is an error pixel whose 4 neighbours are all error
    pixels: binary erosion with the 4-neighbour cross, where pixels outside the
    image count as correct (scipy's default). Divided by H·W, as in
    :func:`peps`.
    """
    from scipy.ndimage import binary_erosion

    err = _grey_diff(pred, gt) > threshold
    cross = np.array([[0, 1, 0], [1, 1, 1], [0, 1, 0]], dtype=bool)
    return float(binary_erosion(err, cross).sum() / err.size)


def removal_scores(pred: Any, gt: Any) -> dict[str, float]:
    """Return all UPOCR text-removal metrics for one image pair: psnr, mssim, mse, age, peps, pceps."""
    return {"psnr": psnr(pred, gt), "mssim": mssim(pred, gt), "mse": mse(pred, gt),
            "age": age(pred, gt), "peps": peps(pred, gt), "pceps": pceps(pred, gt)}  # fmt: skip


# --------------------------------------------------------------------------------------
# Pixel metrics: text segmentation and tamper detection (UPOCR)
# --------------------------------------------------------------------------------------


def mask_counts(pred: Any, gt: Any, ignore_value: int | None = None) -> dict[str, int]:
    """Count pixels of two binary masks: tp, fp, fn, tn (nonzero = foreground).

    Pixels where ``gt == ignore_value`` are skipped. UPOCR paints ignore
    regions as 128 in TextSeg targets, so pass ``ignore_value=128`` there.
    UPOCR accumulates one confusion matrix over the whole test set: sum these
    counts over images and call :func:`mask_scores` once to get its numbers.
    """
    p, g = np.asarray(pred), np.asarray(gt)
    if p.shape != g.shape:
        raise ValueError(f"shape mismatch: pred {p.shape} vs gt {g.shape}")
    keep = np.ones(g.shape, bool) if ignore_value is None else g != ignore_value
    pb, gb = (p != 0) & keep, (g != 0) & keep
    return {"tp": int((pb & gb).sum()), "fp": int((pb & ~gb & keep).sum()),
            "fn": int((~pb & gb & keep).sum()), "tn": int((~pb & ~gb & keep).sum())}  # fmt: skip


def _div(a: float, b: float) -> float:
    return a / b if b else float("nan")


def mask_scores(counts: Mapping[str, int]) -> dict[str, float]:
    """Compute precision, recall, f (2PR/(P+R)) and iou (TP/(TP+FP+FN)) from :func:`mask_counts`.

    0/0 gives ``nan``, as in UPOCR's numpy evaluator.
    """
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    p, r = _div(tp, tp + fp), _div(tp, tp + fn)
    f = _div(2 * p * r, p + r) if not (math.isnan(p) or math.isnan(r)) else float("nan")
    return {"precision": p, "recall": r, "f": f, "iou": _div(tp, tp + fp + fn)}


def fg_iou(pred: Any, gt: Any, ignore_value: int | None = None) -> float:
    """Foreground (text) IoU of binary masks, TP/(TP+FP+FN): UPOCR/TextSeg fgIoU."""
    return mask_scores(mask_counts(pred, gt, ignore_value))["iou"]


def f_measure(pred: Any, gt: Any, ignore_value: int | None = None) -> float:
    """Text-class F = 2PR/(P+R) of binary masks, as UPOCR reports for TextSeg."""
    return mask_scores(mask_counts(pred, gt, ignore_value))["f"]


def tamper_scores(pred: Any, gt: Any, ignore_value: int | None = None) -> dict[str, float]:
    """Pixel-level precision, recall, f and iou for a binary tampered-text mask (one UPOCR class)."""
    return mask_scores(mask_counts(pred, gt, ignore_value))


def tamper_class_scores(pred: Any, gt: Any) -> dict[str, float]:
    """Score UPOCR's Tampered-IC13 maps: 0 = background, 1 = real text, 2 = tampered text.

    Builds one 3×3 pixel confusion matrix and returns IoU/P/R/F for real
    (``*_real``) and tampered (``*_tampered``) text. ``miou`` and ``mf`` are
    nan-means over those two classes; background is not counted. GT values
    outside 0–2 are ignored.
    """
    p, g = np.asarray(pred).astype(np.int64), np.asarray(gt).astype(np.int64)
    if p.shape != g.shape:
        raise ValueError(f"shape mismatch: pred {p.shape} vs gt {g.shape}")
    keep = (g >= 0) & (g < 3) & (p >= 0) & (p < 3)
    cm = np.bincount(3 * g[keep] + p[keep], minlength=9).reshape(3, 3).astype(np.float64)
    tp = np.diag(cm)
    fp, fn = cm.sum(axis=0) - tp, cm.sum(axis=1) - tp
    out: dict[str, float] = {}
    for cls, name in ((1, "real"), (2, "tampered")):
        s = mask_scores({"tp": tp[cls], "fp": fp[cls], "fn": fn[cls]})
        for k, v in s.items():
            out[f"{k}_{name}"] = float(v)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-nan slice
        out["miou"] = float(np.nanmean([out["iou_real"], out["iou_tampered"]]))
        out["mf"] = float(np.nanmean([out["f_real"], out["f_tampered"]]))
    return out
