"""Geometry figures whose target is their TikZ source (GOT's geometry engine, paper §3.3.2).

As in GOT: labelled points and segments forming triangles, rectangles, polygons and circles,
and function curves on axes (lines, parabolas, sine waves, ellipses, hyperbolas). The target
is the ``tikzpicture`` that draws the image, one command per line with explicit coordinates.
"""
from __future__ import annotations

import numpy as np

from .. import latex
from ..corpus import choice
from ..sample import Sample, register_kind

PREAMBLE = r"\usepackage{tikz}"
STYLES = ("", "thick", "dashed", "blue", "red, thick", "thick, fill=gray!20")
PLACES = ("above", "below", "left", "right", "above left", "above right", "below left", "below right")


def num(x: float) -> str:
    """A coordinate as TikZ source: one decimal, no trailing ``.0``, no ``-0``."""
    return f"{round(float(x), 1) + 0.0:g}"


def signed(x: float) -> str:
    """``+ 1.5`` or ``- 1.5``, for a constant term."""
    v = num(x)
    return f"- {v[1:]}" if v.startswith("-") else f"+ {v}"


def pt(p: np.ndarray) -> str:
    return f"({num(p[0])},{num(p[1])})"


class Scene:
    """Accumulates TikZ commands; points get consecutive capital-letter labels."""

    def __init__(self, rng: np.random.Generator):
        self.rng, self.labels = rng, 0
        self.lines: list[str] = []

    def style(self, fill: bool = True, extra: str = "") -> str:
        """A random ``[options]`` list (empty when there are none), ending with ``extra``."""
        options = STYLES if fill else STYLES[:-1]
        s = ", ".join(x for x in (choice(self.rng, options), extra) if x)
        return f"[{s}]" if s else ""

    def point(self, p: np.ndarray) -> None:
        label, self.labels = chr(ord("A") + self.labels), self.labels + 1
        place = choice(self.rng, PLACES)
        self.lines.append(f"\\fill {pt(p)} circle (1.5pt) node[{place}] {{${label}$}};")

    def polygon(self, corners: np.ndarray) -> None:
        path = " -- ".join(pt(p) for p in corners)
        self.lines.append(f"\\draw{self.style()} {path} -- cycle;")
        if self.rng.random() < 0.7:
            for p in corners:
                self.point(p)

    def triangle(self) -> None:
        self.polygon(np.round(self.rng.uniform(-3, 3, size=(3, 2)), 1))

    def regular(self) -> None:
        k, r, c = int(self.rng.integers(4, 7)), self.rng.uniform(1, 2.5), self.rng.uniform(-1, 1, size=2)
        angles = self.rng.uniform(0, np.pi) + 2 * np.pi * np.arange(k) / k
        self.polygon(np.round(c + r * np.stack([np.cos(angles), np.sin(angles)], 1), 1))

    def rectangle(self) -> None:
        a, b = np.round(self.rng.uniform(-3, 0, 2), 1), np.round(self.rng.uniform(0.5, 3, 2), 1)
        self.lines.append(f"\\draw{self.style()} {pt(a)} rectangle {pt(b)};")

    def circle(self) -> None:
        c, r = np.round(self.rng.uniform(-1.5, 1.5, 2), 1), round(self.rng.uniform(0.8, 2.5), 1)
        self.lines.append(f"\\draw{self.style()} {pt(c)} circle ({num(r)});")
        if self.rng.random() < 0.6:
            self.point(c)
            angle = self.rng.uniform(0, 2 * np.pi)
            edge = np.round(c + r * np.array([np.cos(angle), np.sin(angle)]), 1)
            self.lines.append(f"\\draw {pt(c)} -- {pt(edge)};")

    def axes(self, extent: float) -> None:
        e = num(extent)
        self.lines.append(f"\\draw[->] (-{e},0) -- ({e},0) node[right] {{$x$}};")
        self.lines.append(f"\\draw[->] (0,-{e}) -- (0,{e}) node[above] {{$y$}};")

    def plot(self, domain: str, x: str, y: str, var: str = "\\x") -> None:
        style = self.style(False, f"domain={domain}, smooth, variable={var}")
        self.lines.append(f"\\draw{style} plot ({{{x}}}, {{{y}}});")

    def curve(self) -> None:
        """One function curve or conic, drawn on axes and kept inside them."""
        r, d = self.rng.random(), round(self.rng.uniform(1.5, 3), 1)
        a, b = round(self.rng.uniform(0.5, 1.5), 1), round(self.rng.uniform(-1.5, 1.5), 1)
        if r < 0.25:
            d = min(d, round((3.8 - a) / max(abs(b), 0.1), 1))
            self.plot(f"-{num(d)}:{num(d)}", "\\x", f"{num(b)}*\\x {signed(a)}")
        elif r < 0.5:
            a = round((3.8 - abs(b)) / d**2 * self.rng.uniform(0.3, 1), 2)
            self.plot(f"-{num(d)}:{num(d)}", "\\x", f"{a:g}*\\x*\\x {signed(b)}")
        elif r < 0.65:
            self.plot(f"-{num(d)}:{num(d)}", "\\x", f"{num(a)}*sin(2*\\x r)")
        elif r < 0.85:
            self.lines.append(f"\\draw{self.style(fill=False)} (0,0) ellipse ({num(d)} and {num(a)});")
        else:
            for sign in ("", "-"):
                self.plot("-1.2:1.2", f"{sign}{num(a)}*cosh(\\t)", f"{num(a)}*sinh(\\t)", "\\t")
        if self.rng.random() < 0.3:
            self.point(np.array([0.0, 0.0]))

    def source(self) -> str:
        return "\n".join(["\\begin{tikzpicture}", *self.lines, "\\end{tikzpicture}"])


def figure(rng: np.random.Generator) -> tuple[str, str]:
    """A (tikz source, figure type) pair: shapes with points, or curves on axes."""
    scene = Scene(rng)
    if rng.random() < 0.35:
        scene.axes(4)
        for _ in range(int(rng.integers(1, 3))):
            scene.curve()
        return scene.source(), "function"
    shapes = [scene.triangle, scene.regular, scene.rectangle, scene.circle]
    for _ in range(int(rng.integers(1, 3))):
        choice(rng, shapes)()
    return scene.source(), "shapes"


def _snippet(rng: np.random.Generator) -> latex.Snippet:
    src, kind = figure(rng)
    return latex.Snippet(src, float(rng.uniform(1.5, 3.0)), (src, kind))


def make_batch(rng: np.random.Generator, n: int) -> list[Sample]:
    """``n`` geometry samples from one pdflatex run."""
    pairs = latex.render_many(rng, n, _snippet, PREAMBLE)
    return [Sample("geometry", [im], s.data[0], "format", {"figure": s.data[1]}) for s, im in pairs]


make = register_kind("geometry")(latex.batched(make_batch))
