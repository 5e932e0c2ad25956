"""Checks of formatted output before it is passed on: a failure is flagged, never hidden.

A formula must be balanced (braces, ``\\left``/``\\right``, environments) and, where Node.js is
installed, typeset by the vendored KaTeX without an error; a table must be a balanced
``tabular`` whose every row spans the columns its spec declares.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path

from genocr.export import mmd

TABLE_START = r"\begin{tabular}"  # how a table starts in the decoder's LaTeX (GOT's tables)

_ESCAPED = re.compile(r"\\.", re.S)
_ENV = re.compile(r"\\(begin|end)\{([a-zA-Z*]+)\}")
_SPEC_COLUMN = re.compile(r"[lcrX]|[pmb]\{[^}]*\}")
KATEX = Path(__file__).resolve().parents[1] / "export" / "vendor" / "katex" / "katex.min.js"


def balanced(text: str) -> str | None:
    """Why ``text`` is not balanced LaTeX, or None."""
    bare = _ESCAPED.sub(lambda m: "" if m.group(0) in ("\\{", "\\}") else m.group(0), text)
    depth = 0
    for ch in bare:
        depth += (ch == "{") - (ch == "}")
        if depth < 0:
            return "a } closes no {"
    if depth:
        return f"{depth} {{ left open"
    if len(re.findall(r"\\left\b", text)) != len(re.findall(r"\\right\b", text)):
        return "\\left and \\right do not pair up"
    stack: list[str] = []
    for what, name in _ENV.findall(text):
        if what == "begin":
            stack.append(name)
        elif not stack or stack.pop() != name:
            return f"\\end{{{name}}} closes no \\begin{{{name}}}"
    return f"\\begin{{{stack[-1]}}} is not closed" if stack else None


@cache
def _node() -> str | None:
    return shutil.which("node") if KATEX.is_file() else None


def katex_error(formula: str) -> str | None:
    """KaTeX's error for ``formula`` (display mode), or None; None too without Node.js."""
    node = _node()
    if node is None:
        return None
    script = (f"const k=require({json.dumps(str(KATEX))});"
              "try{k.renderToString(require('fs').readFileSync(0,'utf8'),{displayMode:true,throwOnError:true});}"
              "catch(e){process.stdout.write(String(e.message||e));}")
    try:
        out = subprocess.run([node, "-e", script], input=formula, capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.strip().splitlines()[0][:200] if out.strip() else None


def check_formula(latex: str) -> str | None:
    """Why a formula's LaTeX is not valid, or None."""
    return balanced(latex) or katex_error(latex)


def check_table(latex: str) -> str | None:
    """Why a table's LaTeX is not a consistent grid, or None."""
    reason = balanced(latex)
    if reason:
        return reason
    m = re.search(r"\\begin\{tabular\}\s*(?:\[[^\]]*\])?\s*\{((?:[^{}]|\{[^}]*\})*)\}", latex)
    if not m or "\\end{tabular}" not in latex:
        return "not a tabular"
    columns = len(_SPEC_COLUMN.findall(m.group(1)))
    table = mmd.parse_tabular(latex[m.start() : latex.rfind("\\end{tabular}") + len("\\end{tabular}")])
    covered: dict[int, int] = {}
    for r, row in enumerate(table.rows, 1):
        width = sum(c.colspan for c in row) + sum(1 for n in covered.values() if n > 0)
        if width != columns:
            return f"row {r} spans {width} columns, the spec declares {columns}"
        col, spanned = 0, {}
        for c in row:
            while covered.get(col, 0) > 0:
                col += 1
            if c.rowspan > 1:
                spanned.update({k: c.rowspan - 1 for k in range(col, col + c.colspan)})
            col += c.colspan
        covered = {k: n - 1 for k, n in covered.items() if n > 1} | spanned
    return None
