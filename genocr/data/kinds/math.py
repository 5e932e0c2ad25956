r"""Formula images whose target is their LaTeX source (GOT's formula engine, paper §3.3.2).

Sources come from a small grammar of the constructs that dominate arXiv formulas (fractions,
roots, scripts, Greek, big operators with limits, delimiters, accents, matrices, cases) and
from ``sympy.latex`` of random expressions, which adds SymPy's own spacing and ordering
habits. Half the grammar's formulas are written as arXiv authors write them (im2latex's
sources): scripts without braces, ``{\cal L}`` and ``{1 \over 4}``, bare brackets, ``\partial_\mu``,
``\dots``, several equations to a line and a closing comma; the format decoder trained on the
tidy half alone read real arXiv formulas at token NED 0.75, its vocabulary lacking \kappa and \in.
pdflatex typesets them in batches; without it, matplotlib mathtext draws the subset it
supports (no environments).
"""
from __future__ import annotations

import functools
import io
from typing import Callable

import numpy as np
from PIL import Image

from .. import formulas, latex
from ..corpus import choice
from ..sample import Sample, register_kind

PREAMBLE = r"\usepackage{amsmath,amssymb}"
GREEK = (
    r"\alpha \beta \gamma \delta \epsilon \varepsilon \zeta \eta \theta \lambda \mu \nu \xi \pi "
    r"\rho \sigma \tau \phi \varphi \chi \psi \omega \Gamma \Delta \Theta \Lambda \Pi \Sigma \Phi \Psi \Omega"
).split()
# The rest of what arXiv formulas use, drawn in the arXiv-style half.
MORE_GREEK = r"\kappa \iota \upsilon \vartheta \varrho \varpi \Xi \Upsilon".split()
MORE_SYMBOLS = r"\partial \nabla \hbar \ell \infty \Box".split()
MORE_RELATIONS = (r"\in \subset \le \ge \ll \gg \propto \simeq \cong \rightarrow \Rightarrow \leftrightarrow "
                  r"\mapsto \perp \mid").split()
MORE_BINARY = r"\otimes \oplus \wedge \ast \star \circ \cdot".split()
FONT_SWITCHES = (r"{\cal %s}", r"{\bf %s}", r"{\rm %s}", r"\mathcal{%s}", r"\mathrm{%s}", r"\mathbf{%s}")
BIG_DELIMITERS = ((r"(", r")"), (r"(", r")"), (r"[", r"]"), (r"\{", r"\}"), (r"\Bigl(", r"\Bigr)"),
                  (r"\big(", r"\big)"), (r"\left\{", r"\right\}"), (r"\langle", r"\rangle"))
DOTS = (r"\dots", r"\ldots", r"\cdots", "...")
SEPARATORS = (r"\quad", r"\qquad", "~~")  # between the equations of one line
CLOSINGS = ("", "", ",", ".", r"\, ,", r"\, .", r"\; ,", r"\quad .")
LATIN = list("abcdefghkmnpqrstuvwxyzABCDEFGHKLMNPRSTUVWXYZ")
CAPITALS = [c for c in LATIN if c.isupper()]  # what \cal draws
RELATIONS = ["=", "=", "=", "<", ">", r"\leq", r"\geq", r"\neq", r"\approx", r"\equiv", r"\sim", r"\to"]
BINARY = ["+", "+", "-", "-", r"\cdot", r"\times", r"\pm"]
FUNCTIONS = [r"\sin", r"\cos", r"\tan", r"\log", r"\ln", r"\exp"]
ACCENTS = [r"\hat", r"\bar", r"\vec", r"\tilde", r"\dot", r"\mathbf"]
DELIMITERS = [
    (r"\left(", r"\right)"), (r"\left[", r"\right]"), (r"\left|", r"\right|"), (r"\left\{", r"\right\}")
]
MATRICES = ["pmatrix", "bmatrix", "vmatrix"]
ARXIV = 0.5  # share of grammar formulas in arXiv authors' style
UPPER = ["n", "N", r"\infty"]


class Grammar:
    r"""Random formulas; ``envs=False`` keeps to what matplotlib mathtext can draw (not arXiv's
    ``\over`` or ``\cal``), ``arxiv`` writes them as arXiv authors do (drawn for each grammar,
    at rate ARXIV, when not given)."""

    def __init__(self, rng: np.random.Generator, envs: bool = True, arxiv: bool | None = None):
        self.rng, self.envs = rng, envs
        self.arxiv = (envs and bool(rng.random() < ARXIV)) if arxiv is None else arxiv

    def pick(self, options: list[str]) -> str:
        return choice(self.rng, options)

    def symbol(self) -> str:
        r = self.rng.random()
        if self.arxiv and r < 0.2:
            r2 = self.rng.random()
            if r2 < 0.3:
                return self.pick(MORE_GREEK)
            if r2 < 0.6:
                return self.pick(MORE_SYMBOLS)
            switch = self.pick(FONT_SWITCHES)
            return switch % self.pick(CAPITALS if "cal" in switch else LATIN)
        if r < 0.55:
            return self.pick(LATIN)
        if r < 0.8:
            return self.pick(GREEK)
        if r < 0.95:
            return str(int(self.rng.integers(0, 100)))
        return f"{self.rng.uniform(0, 10):.{int(self.rng.integers(1, 3))}f}"

    def atom(self) -> str:
        s = self.symbol()
        if s[0].isdigit():  # numbers take powers but no indices or accents
            return s + (f"^{{{self.script()}}}" if self.rng.random() < 0.1 else "")
        if self.rng.random() < 0.15:
            s = f"{self.pick(ACCENTS)}{{{s}}}"
        if self.arxiv and self.rng.random() < 0.08:
            s += self.pick(["'", r"^{\prime}", r"^\prime", r"^\dagger", r"^*"])
            return s
        r = self.rng.random()
        if r < 0.2:
            s += "_" + self.braced(self.script())
        elif r < 0.35:
            s += "^" + self.braced(self.script())
        elif r < 0.45:
            s += "_" + self.braced(self.script()) + "^" + self.braced(self.script())
        return s

    def braced(self, script: str) -> str:
        """A script in braces, or, as arXiv authors mostly write one token, bare."""
        one_token = len(script) == 1 or (script.startswith("\\") and script[1:].isalpha())
        return script if self.arxiv and one_token and self.rng.random() < 0.7 else f"{{{script}}}"

    def script(self) -> str:
        r = self.rng.random()
        if r < 0.6:
            return self.pick(list("ijknm0123") + [r"\mu", r"\nu"])
        if r < 0.8:
            return f"{self.pick(list('ijkn'))} {self.pick(['+', '-'])} {int(self.rng.integers(1, 4))}"
        return "2"

    def term(self, depth: int) -> str:
        if depth <= 0:
            return self.atom()
        r, d = self.rng.random(), depth - 1
        if r < 0.35:
            return self.atom()
        if r < 0.5:
            if self.arxiv and self.rng.random() < 0.3:
                return rf"{{{self.expr(d)} \over {self.expr(d)}}}"
            return rf"\frac{{{self.expr(d)}}}{{{self.expr(d)}}}"
        if r < 0.58:
            index = f"[{int(self.rng.integers(3, 5))}]" if self.rng.random() < 0.3 else ""
            return rf"\sqrt{index}{{{self.expr(d)}}}"
        if r < 0.7:
            left, right = choice(self.rng, BIG_DELIMITERS if self.arxiv else DELIMITERS)
            power = f"^{{{self.script()}}}" if self.rng.random() < 0.3 else ""
            return f"{left} {self.expr(d)} {right}{power}"
        if r < 0.8:
            if self.arxiv:  # F(x,y), \Phi(p,\lambda): a function of a few arguments
                args = ",".join(self.atom() for _ in range(int(self.rng.integers(1, 4))))
                return f"{self.pick(LATIN + GREEK[-9:])}({args})"
            return rf"{self.pick(FUNCTIONS)} \left( {self.expr(d)} \right)"
        if r < 0.9:
            return f"{self.atom()} {self.atom()}"
        return self.big_operator(d)

    def big_operator(self, depth: int) -> str:
        i, body = self.pick(list("ijkn")), self.expr(depth)
        r = self.rng.random()
        if r < 0.35:
            op, start, end = self.pick([r"\sum", r"\prod"]), int(self.rng.integers(0, 2)), self.pick(UPPER)
            return rf"{op}_{{{i} = {start}}}^{{{end}}} {body}"
        if r < 0.75:
            var = self.pick(list("xtsu"))
            lo, hi = self.pick(["0", "a", r"-\infty", "1"]), self.pick(["1", "b", r"\infty", "T"])
            op = r"\oint_{C}" if self.rng.random() < 0.1 else rf"\int_{{{lo}}}^{{{hi}}}"
            return rf"{op} {body} \, d {var}"
        var, limit = self.pick(list("xnt")), self.pick(["0", r"\infty", "a"])
        return rf"\lim_{{{var} \to {limit}}} {body}"

    def expr(self, depth: int) -> str:
        if self.arxiv and self.rng.random() < 0.08:  # a_1 + \dots + a_N
            x, op = self.pick(LATIN + GREEK), self.pick(["+", ",", r"\otimes"])
            return f"{x}_1 {op} {self.pick(DOTS)} {op} {x}_{self.pick(['N', 'n', 'k'])}"
        parts = [self.term(depth)]
        for _ in range(int(self.rng.integers(0, 4 if self.arxiv else 3))):
            parts += [self.pick(BINARY + MORE_BINARY if self.arxiv else BINARY), self.term(depth)]
        return " ".join(parts)

    def matrix(self) -> str:
        env, n, m = self.pick(MATRICES), int(self.rng.integers(2, 4)), int(self.rng.integers(2, 4))
        rows = [" & ".join(self.atom() for _ in range(m)) for _ in range(n)]
        sep = r" \\ "
        return f"\\begin{{{env}}} {sep.join(rows)} \\end{{{env}}}"

    def cases(self) -> str:
        x = self.pick(list("xtn"))
        return (
            rf"f ( {x} ) = \begin{{cases}} {self.expr(1)} & {x} > 0 \\ "
            rf"{self.expr(1)} & \text{{otherwise}} \end{{cases}}"
        )

    def formula(self) -> str:
        r = self.rng.random()
        if self.envs and r < 0.1:
            return f"{self.atom()} = {self.matrix()}"
        if self.envs and r < 0.15:
            return self.cases()
        if not self.arxiv:
            return self.equation()
        parts = [self.equation() for _ in range(1 + int(self.rng.random() < 0.25))]
        return f"{f' ,{self.pick(SEPARATORS)} '.join(parts)} {self.pick(CLOSINGS)}".rstrip()

    def equation(self) -> str:
        lhs = self.expr(int(self.rng.integers(1, 3)))
        if self.rng.random() < 0.7:
            relations = RELATIONS + MORE_RELATIONS if self.arxiv else RELATIONS
            return f"{lhs} {self.pick(relations)} {self.expr(int(self.rng.integers(0, 2)))}"
        return lhs


def sympy_formula(rng: np.random.Generator) -> str:
    """``sympy.latex`` of a random expression, sometimes under an integral, sum or derivative."""
    import sympy as sp

    syms = sp.symbols("x y z t alpha theta")
    funcs: list[Callable[[sp.Expr], sp.Expr]] = [sp.sin, sp.cos, sp.exp, sp.log, sp.sqrt, sp.atan]

    def leaf() -> sp.Expr:
        if rng.random() < 0.65:
            return choice(rng, syms)
        return sp.Rational(int(rng.integers(1, 10)), int(rng.integers(1, 6)))

    def node(depth: int) -> sp.Expr:
        r = rng.random()
        if depth <= 0 or r < 0.25:
            return leaf()
        if r < 0.45:
            return node(depth - 1) + node(depth - 1)
        if r < 0.65:
            return node(depth - 1) * node(depth - 1)
        if r < 0.8:
            return node(depth - 1) ** int(rng.integers(2, 4))
        return choice(rng, funcs)(node(depth - 1))

    expr, x = node(3), syms[0]
    r = rng.random()
    if r < 0.15:
        expr = sp.Integral(expr, (x, 0, int(rng.integers(1, 5))))
    elif r < 0.25:
        expr = sp.Derivative(expr, x)
    elif r < 0.3:
        n = sp.Symbol("n")
        expr = sp.Sum(expr / n**2, (n, 1, sp.oo))
    return sp.latex(expr)


def formula(rng: np.random.Generator, envs: bool = True) -> tuple[str, str]:
    """A (latex, origin) pair; origin is "grammar" or "sympy"."""
    if rng.random() < 0.3:
        src = sympy_formula(rng)
        if len(src) < 200 and (envs or "begin{" not in src):
            return src, "sympy"
    return Grammar(rng, envs).formula(), "grammar"


def display(src: str) -> str:
    """The LaTeX body that typesets a formula as the math kinds do: in display style, cropped."""
    return f"$\\displaystyle {src}$"


def _snippet(rng: np.random.Generator, src: str, origin: str) -> latex.Snippet:
    return latex.Snippet(latex.font(rng) + display(src), float(rng.uniform(1.6, 3.2)), (src, origin))


def _mathtext(rng: np.random.Generator) -> tuple[str, str, Image.Image]:
    """Formula and image drawn by matplotlib (no pdflatex), redrawing what mathtext rejects."""
    from matplotlib import mathtext

    while True:
        src, origin = formula(rng, envs=False)
        buf = io.BytesIO()
        try:
            mathtext.math_to_image(f"${src}$", buf, dpi=int(rng.integers(110, 230)), format="png")
        except ValueError:
            continue
        return src, origin, Image.open(buf).convert("RGB")


def make_batch(rng: np.random.Generator, n: int) -> list[Sample]:
    """``n`` formula samples from one pdflatex run (or mathtext when pdflatex is missing)."""
    if not latex.available():
        drawn = [_mathtext(rng) for _ in range(n)]
        return [_sample(src, origin, im, "mathtext") for src, origin, im in drawn]
    pairs = latex.render_many(rng, n, lambda r: _snippet(r, *formula(r)), PREAMBLE)
    return [_sample(*s.data, im, "pdflatex") for s, im in pairs]


@functools.cache
def _corpus() -> tuple[str, ...]:
    return tuple(formulas.load())


def make_source_batch(rng: np.random.Generator, n: int) -> list[Sample]:
    """``n`` formulas from authors' sources (:mod:`genocr.data.formulas`), typeset as the grammar's
    are; the kind needs the corpus that ``genocr data formulas`` builds, and pdflatex."""
    corpus = _corpus()
    pairs = latex.render_many(rng, n, lambda r: _snippet(r, choice(r, corpus), "source"), PREAMBLE)
    return [_sample(*s.data, im, "pdflatex", kind="math-source") for s, im in pairs]


def _sample(src: str, origin: str, image: Image.Image, renderer: str, kind: str = "math") -> Sample:
    return Sample(kind, [image], src, "format", {"origin": origin, "renderer": renderer})


make = register_kind("math")(latex.batched(make_batch))
make_source = register_kind("math-source")(latex.batched(make_source_batch))
