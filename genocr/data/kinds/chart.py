"""Chart images whose target is their data as a OneChart/GOT JSON dict (paper §3.3.2).

The target has the keys OneChart's ChartSE evaluation reads (``title``, ``source``,
``x_title``, ``y_title``, ``values``); an entity the chart does not show is the string
``"None"``. ``values`` is flat (``{category: number}``) for one series and nested
(``{series: {category: number}}``) for several. Numbers are rounded before plotting, so the
target equals what matplotlib drew; ``meta["plotted"]`` keeps the arrays handed to it.
"""
from __future__ import annotations

import json
from typing import Any

import matplotlib.style
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from ..corpus import choice
from ..sample import Sample, register_kind
from .table import words

TYPES = ("bar", "barh", "line", "pie", "scatter")
STYLES = ("default", "ggplot", "bmh", "seaborn-v0_8-whitegrid", "fivethirtyeight", "classic", "grayscale")
MARKERS = ("o", "s", "^", "D", "", "")


def _labels(rng: np.random.Generator, k: int) -> list[str]:
    """Distinct category labels: words, or consecutive years."""
    if rng.random() < 0.3:
        start = int(rng.integers(1990, 2020))
        return [str(start + i) for i in range(k)]
    labels: list[str] = []
    while len(labels) < k:
        w = words(rng, 1, 2)
        labels += [w] if w not in labels else []
    return labels


def _numbers(rng: np.random.Generator, k: int, walk: bool, magnitude: int) -> list[float | int]:
    """``k`` positive values around ``10**magnitude`` with 2-4 significant digits; a random
    walk for line charts."""
    digits = max(0, int(rng.integers(2, 4)) - magnitude)
    raw = np.cumsum(rng.normal(0, 0.1, k)) + 0.6 if walk else rng.uniform(0.1, 1, k)
    values = np.round(np.clip(raw, 0.05, None) * 10.0**magnitude, digits)
    return [int(v) for v in values] if digits == 0 else [float(v) for v in values]


def chart_data(rng: np.random.Generator, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The target dict and the plotted arrays (``categories``/``x`` and ``series``)."""
    k = int(rng.integers(3, 9))
    nseries = 1 if kind == "pie" or rng.random() < 0.5 else int(rng.integers(2, 4))
    names = _labels(rng, nseries) if nseries > 1 else [""]
    magnitude = int(rng.integers(0, 4))
    if kind == "scatter":
        x = sorted({round(float(v), 1) for v in rng.uniform(0, 100, k)})
        series = {n: _numbers(rng, len(x), False, magnitude) for n in names}
        plotted: dict[str, Any] = {"x": x, "series": series}
        keys = [f"{v:g}" for v in x]
    else:
        keys = _labels(rng, k)
        series = {n: _numbers(rng, k, kind == "line", magnitude) for n in names}
        plotted = {"categories": keys, "series": series}
    values: dict[str, Any] = {n: dict(zip(keys, vs)) for n, vs in series.items()}
    axes = kind != "pie"
    target = {
        "title": _entity(rng, 2, 6, rng.random() < 0.8),
        "source": _entity(rng, 1, 4, rng.random() < 0.4, "Source: "),
        "x_title": _entity(rng, 1, 3, axes and rng.random() < 0.7),
        "y_title": _entity(rng, 1, 3, axes and rng.random() < 0.7),
        "values": values[""] if nseries == 1 else values,
    }
    return target, plotted


def _entity(rng: np.random.Generator, lo: int, hi: int, shown: bool, prefix: str = "") -> str:
    """A chart text of ``lo``..``hi`` words, or "None", which marks an entity not shown."""
    text = "None"
    while shown and text == "None":
        text = prefix + words(rng, lo, hi)
    return text


def _category_ticks(ax: Axes, pos: np.ndarray, labels: list[str]) -> None:
    """Category labels under the x axis, slanted when they would collide."""
    crowded = sum(len(s) for s in labels) > 45
    ax.set_xticks(pos, labels, rotation=35 if crowded else 0, ha="right" if crowded else "center")


def draw(
    fig: Figure, rng: np.random.Generator, kind: str, target: dict[str, Any], plotted: dict[str, Any]
) -> None:
    """Plot ``plotted`` and write the target's texts on ``fig``."""
    ax = fig.add_subplot()
    series, multi = plotted["series"], len(plotted["series"]) > 1
    if kind == "scatter":
        for name, ys in series.items():
            ax.scatter(plotted["x"], ys, label=name or None, marker=choice(rng, MARKERS[:4]))
    elif kind == "pie":
        ys = next(iter(series.values()))
        ax.pie(ys, labels=plotted["categories"], autopct="%1.1f%%" if rng.random() < 0.5 else None)
    elif kind == "line":
        pos = np.arange(len(plotted["categories"]))
        for name, ys in series.items():
            ax.plot(pos, ys, label=name or None, marker=choice(rng, MARKERS))
        _category_ticks(ax, pos, plotted["categories"])
    else:
        pos, width = np.arange(len(plotted["categories"])), 0.8 / len(series)
        bar = ax.bar if kind == "bar" else ax.barh
        for i, (name, ys) in enumerate(series.items()):
            bars = bar(pos + (i - (len(series) - 1) / 2) * width, ys, width, label=name or None)
            if not multi and rng.random() < 0.4:
                ax.bar_label(bars)
        if kind == "bar":
            _category_ticks(ax, pos, plotted["categories"])
        else:
            ax.set_yticks(pos, plotted["categories"])
    if multi:
        ax.legend()
    if target["title"] != "None":
        ax.set_title(target["title"])
    if target["x_title"] != "None":
        ax.set_xlabel(target["x_title"])
    if target["y_title"] != "None":
        ax.set_ylabel(target["y_title"])
    if target["source"] != "None":
        fig.text(0.01, 0.01, target["source"], fontsize=8, ha="left", va="bottom")
    fig.tight_layout(rect=(0, 0.04, 1, 1))


@register_kind("chart")
def make(rng: np.random.Generator) -> Sample:
    """One bar, line, pie or scatter chart and its data dict."""
    kind = choice(rng, TYPES)
    target, plotted = chart_data(rng, kind)
    style = choice(rng, STYLES)
    with matplotlib.style.context(style):
        size = (float(rng.uniform(4.5, 8)), float(rng.uniform(3.2, 5.5)))
        fig = Figure(figsize=size, dpi=int(rng.integers(90, 150)))
        draw(fig, rng, kind, target, plotted)
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
        image = Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).convert("RGB")
    text = json.dumps(target, ensure_ascii=False)
    return Sample("chart", [image], text, "format", {"chart": kind, "style": style, "plotted": plotted})
