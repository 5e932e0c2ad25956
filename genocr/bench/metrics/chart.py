"""OneChart's ChartSE average precision (SCRM) at strict, slight and high tolerance."""
from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

# --------------------------------------------------------------------------------------
# Charts: OneChart's ChartSE AP (SCRM)
# --------------------------------------------------------------------------------------

#: (max word edit distance, max relative number error) per level, from OneChart's
#: ``SCRM.py`` ``get_ap``; ``easy=1`` is what ``eval_ChartSE.py`` runs.
CHART_TOLERANCES: dict[bool, dict[str, tuple[int, float]]] = {
    True: {"strict": (0, 0.0), "slight": (2, 0.05), "high": (5, 0.10)},
    False: {"strict": (0, 0.1), "slight": (2, 0.3), "high": (5, 0.5)},
}
#: OneChart loops over ``np.arange(0.5, 1, 0.05)``. The float drift matters:
#: the 3rd threshold is 0.6000000000000001, so sim = 3/5 misses it.
CHART_SIM_THRESHOLDS: np.ndarray = np.arange(0.5, 1, 0.05)
_CHART_META_KEYS = ("title", "source", "x_title", "y_title")


def _close_braces(text: str) -> str:
    missing = text.count("{") - text.count("}")
    return text + "}" * missing if missing > 0 else text


def _chart_values(obj: Any) -> tuple[dict | None, bool]:
    """Return (values dict or None, counted-by-OneChart) for a chart prediction or GT."""
    if not isinstance(obj, Mapping):
        return None, False
    for key in ("values", "data"):
        if key in obj:
            values = obj[key]
            counted = isinstance(values, Mapping) and all(k in obj for k in _CHART_META_KEYS)
            return (dict(values) if isinstance(values, Mapping) else None), counted
    return dict(obj), True  # a bare values dict


def _chart_triples(values: Mapping) -> list[tuple]:
    def clean(v: Any) -> Any:
        s = re.sub(r"[^\d.-]", "", str(v))
        try:
            return float(s)
        except ValueError:
            return s.lower()

    out = []
    for key, value in values.items():
        if isinstance(value, Mapping):
            out.extend((str(key).lower(), str(sub).lower(), clean(v)) for sub, v in value.items())
        else:
            out.append((str(key).lower(), "value", clean(value)))
    return out


def _align_chart_heads(pred: list[tuple], gt: list[tuple]) -> None:
    # OneChart pairs triples by position: when the GT triple at the same index is a
    # single-series value, the prediction's header becomes "value"; then the two
    # head fields of both triples are sorted. Positions past the shorter list are
    # left alone.
    for i in range(min(len(pred), len(gt))):
        p, g = pred[i], gt[i]
        if g[1] == "value" and "value" not in p[:2]:
            p = (p[0], "value", p[2])
        ph, gh = sorted(p[:2]), sorted(g[:2])
        pred[i] = (ph[0], ph[1], p[2])
        gt[i] = (gh[0], gh[1], g[2])


def _chart_sim(pred: list[tuple], gt: list[tuple], tol_word: int, tol_num: float) -> float:
    from rapidfuzz.distance import Levenshtein

    def match(p: tuple, g: tuple) -> bool:
        if isinstance(p[-1], float) and isinstance(g[-1], float):
            if abs(p[-1] - g[-1]) / (abs(g[-1]) + 1e-6) > tol_num:
                return False
            hp, hg = "".join(p[:-1]), "".join(g[:-1])
            return Levenshtein.distance(hp, hg) <= tol_word or hp in hg or hg in hp
        sp, sg = "".join(str(x) for x in p), "".join(str(x) for x in g)
        return Levenshtein.distance(sp, sg) <= tol_word

    pset, gset = set(pred), set(gt)
    inter = {p for p in pset if any(match(p, g) for g in gset)}
    union = (pset | gset) - (inter - (pset & gset))
    if not union:
        return 1.0  # both empty (OneChart would divide by zero)
    return len(inter) / len(union)


def _parse_chart_pred(pred: str | Mapping, lenient: bool) -> Any:
    if not isinstance(pred, str):
        return pred
    text = _close_braces(pred.strip())
    try:
        return json.loads(text)
    except (json.JSONDecodeError, ValueError):
        if not lenient:
            return None
    import ast

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None


def chart_ap(
    pred: str | Mapping, gt: Mapping, easy: bool = True, lenient: bool = False
) -> dict[str, Any]:
    """Compute OneChart's ChartSE AP@strict / AP@slight / AP@high (SCRM) for one chart.

    Source: OneChart ``ChartSE_eval/SCRM.py`` and ``eval_ChartSE.py``, read in
    the stored copy at commit 089b3559. The summary in ``got.md`` §4 agrees.

    * ``values`` (``{label: number}`` or ``{label: {series: number}}``) becomes
      (entity, header, value) triples. A single-series value gets the header
      "value". Every character outside ``[0-9.-]`` is removed from the value,
      which then becomes a float if possible. Text is lowercased.
    * The heads are aligned by position (see ``_align_chart_heads``).
    * A predicted triple matches a GT triple if both values are numbers,
      |p−g|/(|g|+1e-6) ≤ tol_num, and either the joined heads are within
      tol_word edits or one head string contains the other. Otherwise the whole
      joined triples must be within tol_word edits.
    * sim = |matched pred| / |(P ∪ G) − (matched − (P ∩ G))|. It can exceed 1
      when several predicted triples match one GT triple; OneChart does not cap
      it. Both empty gives 1.0.
    * Tolerances with ``easy=True`` (the published setting): strict (0 edits,
      0%), slight (2, 5%), high (5, 10%). ``easy=False``: 10%, 30%, 50%.
    * AP@X = the share of the 10 thresholds ``np.arange(0.5, 1, 0.05)`` that
      sim reaches. The corpus AP is the mean over charts (:func:`chart_ap_corpus`).

    ``pred`` is the model output: a JSON string (missing closing braces are
    added, as OneChart does) or a dict. Either form can be a full chart
    (``title``, ``source``, ``x_title``, ``y_title``, ``values`` or ``data``)
    or a bare values dict. ``gt`` is a ChartSE ``gts`` entry or its ``values``
    dict. ``lenient=True`` also accepts Python-literal dicts, which OneChart
    does not.

    Returns ``ap_strict``, ``ap_slight``, ``ap_high``, ``sim_*``, ``parsed``
    (a values dict was found) and ``counted``. ``counted`` is False when
    OneChart's script would drop the sample (unparsable, or a full chart
    missing a title, source, x_title or y_title key).
    """
    gt_values, _ = _chart_values(gt)
    if gt_values is None:
        raise ValueError("gt must be a ChartSE gts dict with a 'values' dict, or a values dict")
    pred_values, counted = _chart_values(_parse_chart_pred(pred, lenient))
    out: dict[str, Any] = {"parsed": pred_values is not None, "counted": counted and pred_values is not None}
    for level, (tol_word, tol_num) in CHART_TOLERANCES[bool(easy)].items():
        if pred_values is None:
            sim = 0.0
        else:
            p, g = _chart_triples(pred_values), _chart_triples(gt_values)
            _align_chart_heads(p, g)
            sim = _chart_sim(p, g, tol_word, tol_num)
        out[f"sim_{level}"] = sim
        out[f"ap_{level}"] = float(np.mean([sim >= t for t in CHART_SIM_THRESHOLDS]))
    return out


def chart_ap_corpus(
    preds: Sequence[str | Mapping],
    gts: Sequence[Mapping],
    easy: bool = True,
    onechart_filter: bool = True,
    lenient: bool = False,
) -> dict[str, float]:
    """Average :func:`chart_ap` over a benchmark, as ``eval_ChartSE.py`` does.

    With ``onechart_filter=True``, samples OneChart would drop (``counted`` is
    False) are left out of the mean. ``structure_accuracy`` = counted/total is
    returned alongside, as OneChart prints it. With ``False``, dropped samples
    count as 0.
    """
    if len(preds) != len(gts):
        raise ValueError("preds and gts differ in length")
    rows = [chart_ap(p, g, easy=easy, lenient=lenient) for p, g in zip(preds, gts)]
    kept = [r for r in rows if r["counted"]] if onechart_filter else rows
    out: dict[str, float] = {}
    for level in ("strict", "slight", "high"):
        vals = [r[f"ap_{level}"] for r in kept]
        out[f"ap_{level}"] = float(np.mean(vals)) if vals else float("nan")
    out["n_scored"] = len(kept)
    out["structure_accuracy"] = sum(r["counted"] for r in rows) / len(rows) if rows else float("nan")
    return out
