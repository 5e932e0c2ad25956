"""Fetch KaTeX into ``genocr/export/vendor/katex/`` at build time (``make setup``).

The html export inlines these files so that its pages typeset math with no network; they are
fetched with ``npm pack`` rather than committed, and nothing is fetched at run time. Without
npm the step prints why and succeeds: pages then show math as LaTeX source.

    python -m genocr.export.vendor
"""
from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from genocr.export.katex import KATEX_DIR, KATEX_VERSION, STAMP, vendored

_FILES = ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js")


def vendor_katex(folder: Path = KATEX_DIR) -> str:
    """Put KaTeX's scripts, stylesheet and woff2 fonts in ``folder``; says in one line what happened."""
    if vendored(folder):
        return f"KaTeX {KATEX_VERSION} already vendored in {folder}"
    npm = shutil.which("npm")
    if npm is None:
        return "npm not found: KaTeX not vendored, html exports will show math as LaTeX source"
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [npm, "pack", f"katex@{KATEX_VERSION}", "--silent"], cwd=tmp, capture_output=True, text=True
        )
        packs = list(Path(tmp).glob("katex-*.tgz"))
        if done.returncode != 0 or not packs:
            reason = (done.stderr.strip().splitlines() or ["no package"])[-1]
            return f"npm pack katex@{KATEX_VERSION} failed ({reason}): KaTeX not vendored"
        staging = Path(tmp) / "katex"
        _extract(packs[0], staging)
        (staging / STAMP).write_text(KATEX_VERSION + "\n")
        shutil.rmtree(folder, ignore_errors=True)
        folder.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(staging, folder)
    return f"vendored KaTeX {KATEX_VERSION} into {folder}"


def _extract(pack: Path, folder: Path) -> None:
    """Copy the wanted files out of the npm tarball; member names are matched, never trusted as paths."""
    with tarfile.open(pack) as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix("package/dist/")
            wanted = name in _FILES or (name.startswith("fonts/") and name.endswith(".woff2") and "/" not in name[6:])
            source = tar.extractfile(member) if wanted and member.isfile() else None
            if source is not None:
                (folder / name).parent.mkdir(parents=True, exist_ok=True)
                (folder / name).write_bytes(source.read())
    missing = [name for name in _FILES if not (folder / name).is_file()]
    if missing:
        raise RuntimeError(f"KaTeX package lacks {', '.join(missing)}")


if __name__ == "__main__":
    print(vendor_katex())
