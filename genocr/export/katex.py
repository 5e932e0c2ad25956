"""The vendored KaTeX as inline ``<style>``/``<script>`` tags, so html pages typeset math offline."""
from __future__ import annotations

import base64
import re
import warnings
from functools import lru_cache
from pathlib import Path

KATEX_VERSION = "0.16.47"  # pinned; `python -m genocr.export.vendor` fetches exactly this one
KATEX_DIR = Path(__file__).with_name("vendor") / "katex"
STAMP = "VERSION"  # written last by the vendor step, so a folder holding it is complete
_SCRIPTS = ("katex.min.js", "contrib/auto-render.min.js")

_FONT_SOURCES = re.compile(r"src:url\(fonts/([\w-]+)\.woff2\)[^;}]*")  # woff2, woff and ttf fallbacks
# Typeset the elements of class "math", each holding exactly one delimited span (see html_mmd),
# so that a "$" in running text is never mistaken for math.
_START = """
document.addEventListener("DOMContentLoaded", function () {
  var delimiters = [
    {left: "$$", right: "$$", display: true}, {left: "\\\\[", right: "\\\\]", display: true},
    {left: "\\\\(", right: "\\\\)", display: false}, {left: "$", right: "$", display: false}];
  document.querySelectorAll(".math").forEach(function (el) {
    renderMathInElement(el, {delimiters: delimiters, throwOnError: false});
  });
});
"""


def vendored(folder: Path | None = None) -> bool:
    """Whether ``folder`` (default: the package's vendor folder) holds the pinned KaTeX, complete."""
    stamp = (folder or KATEX_DIR) / STAMP
    return stamp.is_file() and stamp.read_text().strip() == KATEX_VERSION


def head() -> str:
    """Tags for the page's <head>; empty, with a warning, when KaTeX was not vendored."""
    if not vendored():
        warnings.warn(
            f"KaTeX was not vendored ({KATEX_DIR} is missing): html math is shown as LaTeX source; run `make setup`",
            stacklevel=2,
        )
        return ""
    return _tags()


@lru_cache(maxsize=1)
def _tags() -> str:
    css = _FONT_SOURCES.sub(_inline_font, (KATEX_DIR / "katex.min.css").read_text(encoding="utf-8"))
    scripts = [(KATEX_DIR / name).read_text(encoding="utf-8") for name in _SCRIPTS] + [_START]
    script_tags = "".join(f"<script>{_safe(js, 'script')}</script>\n" for js in scripts)
    return f"<style>{_safe(css, 'style')}</style>\n{script_tags}"


def _inline_font(m: re.Match[str]) -> str:
    data = base64.b64encode((KATEX_DIR / "fonts" / f"{m.group(1)}.woff2").read_bytes()).decode("ascii")
    return f'src:url(data:font/woff2;base64,{data}) format("woff2")'


def _safe(code: str, tag: str) -> str:
    """``code`` with any closing ``</tag`` broken up so that it cannot end the element early."""
    return re.sub(rf"</({tag})", r"<\\/\1", code, flags=re.IGNORECASE)
