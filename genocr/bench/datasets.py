"""Benchmark items: the real dev set, any folder laid out like it, and held-out synthetic splits.

The real dev set is evaluation-only data that must never enter the repository, so it is read
at run time from a folder (by default ``<repo>/../shared/benchmarks/real``). A user folder works
the same way: either a ``manifest.tsv`` with the dev set's columns (``category``, ``item_id``,
``image_path``, ``gt_path``; paths relative to the folder) or plain ``NAME.png`` + ``NAME.txt``
pairs. Synthetic splits are drawn from the data engine's kinds with a fixed seed that training
never uses, and cached as ``NAME.png`` + ``NAME.txt`` pairs, so the same loader reads them back.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from genocr.errors import OptionError
from genocr.io import atomic_write
from genocr.paths import HOME

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "benchmarks" / "real"
# Outputs go to the user's cache unless a command is told otherwise (--out, --cache): running
# a benchmark never rewrites the committed results or fills the repository.
DEFAULT_CACHE = HOME / "bench-cache"
DEFAULT_OUT = HOME / "bench"
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")
MANIFEST_COLUMNS = ("category", "item_id", "image_path", "gt_path")
# Training draws seeds below this; every held-out split uses it (the kind's CRC keeps them apart).
HELD_OUT_SEED = 10_000
DONT_CARE = "###"


@dataclass(frozen=True)
class Item:
    """One image and the ground truth its scorer compares against."""

    id: str
    category: str
    image: Path
    gt: str
    extra: dict[str, Any] = field(default_factory=dict)


def read_gt(path: Path) -> tuple[str, dict[str, Any]]:
    """Ground truth by file type: ICDAR quads (``.gt.txt``), CHIME-S text elements (``.json``), else raw text."""
    if path.name.endswith(".gt.txt"):
        return _icdar_quads(path)
    if path.suffix == ".json":
        texts = [e["content"] for e in json.loads(path.read_text(encoding="utf-8"))["textelements"]]
        return "\n".join(texts), {"n_texts": len(texts)}
    return path.read_text(encoding="utf-8"), {}


def _icdar_quads(path: Path) -> tuple[str, dict[str, Any]]:
    """Cared-for words in reading order (top, then left); ``###`` regions are counted, not scored."""
    words, dont_care = [], 0
    for line in path.read_text(encoding="utf-8-sig").splitlines():
        parts = line.strip().split(",", 8)
        if len(parts) < 9:
            continue
        if parts[8] == DONT_CARE:
            dont_care += 1
            continue
        xs, ys = [int(float(v)) for v in parts[0:8:2]], [int(float(v)) for v in parts[1:8:2]]
        words.append((min(ys), min(xs), parts[8]))
    return "\n".join(w for *_, w in sorted(words)), {"dont_care": dont_care}


def load_manifest(root: Path, categories: set[str] | None = None) -> list[Item]:
    """Items of ``root/manifest.tsv`` (only ``categories`` when given), in manifest order."""
    items = []
    with open(root / "manifest.tsv", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t")
        missing = [c for c in MANIFEST_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise OptionError(f"{root / 'manifest.tsv'}: missing columns {', '.join(missing)}")
        for row in reader:
            if categories is not None and row["category"] not in categories:
                continue
            gt, extra = read_gt(root / row["gt_path"])
            items.append(Item(row["item_id"], row["category"], root / row["image_path"], gt, extra))
    return items


def load_pairs(root: Path, category: str) -> list[Item]:
    """``NAME.<image>`` + ``NAME.txt`` pairs in ``root`` (sorted); ``NAME.json`` adds extras."""
    images = sorted(p for p in root.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    return [_pair(image, category) for image in images if image.with_suffix(".txt").is_file()]


def _pair(image: Path, category: str) -> Item:
    meta = image.with_suffix(".json")
    extra = json.loads(meta.read_text(encoding="utf-8")) if meta.is_file() else {}
    return Item(image.stem, category, image, image.with_suffix(".txt").read_text(encoding="utf-8"), extra)


def check_data_dir(root: Path) -> None:
    """Fail early, with one line, on a folder that holds no benchmark items."""
    if not root.is_dir():
        raise OptionError(f"data folder not found: {root} (give --data DIR or set GENOCR_BENCH_DATA)")
    if not (root / "manifest.tsv").is_file() and not load_pairs(root, "custom"):
        raise OptionError(f"{root}: no manifest.tsv and no NAME.png + NAME.txt pairs")


def engine_fingerprint() -> str:
    """Hash of the data engine's source and corpora: a changed generator must not reuse a stale
    cache."""
    digest = hashlib.sha1()
    data = Path(__file__).resolve().parents[1] / "data"
    for path in sorted([*data.rglob("*.py"), *data.glob("corpora/*")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


SYNTHETIC_DRAWS = 10  # samples drawn at most per item asked for, when a split keeps one language


def synthetic(kind: str, n: int, cache: Path, gt_key: str | None = None, lang: str | None = None) -> list[Item]:
    """The first ``n`` held-out samples of ``kind`` (of those in ``lang``, when given: a split that
    mixed languages scored a reader of one on the other), generated once into ``cache``.

    Sample ``i`` is ``genocr.data.engine.generate(kind, HELD_OUT_SEED, i)``, the
    engine's own contract, so a split never depends on ``n`` or on other kinds. ``gt_key`` picks
    a ``meta`` entry as ground truth instead of the target (tables are scored on their HTML).
    """
    import genocr.data.kinds  # noqa: F401 - registers every kind
    from genocr.data import engine

    folder = cache / f"{kind}-{HELD_OUT_SEED}-{engine_fingerprint()}"
    folder.mkdir(parents=True, exist_ok=True)
    category = synthetic_name(kind, lang)
    items: list[Item] = []
    for i in range(SYNTHETIC_DRAWS * n if lang else n):  # a kind may rarely, or never, draw lang
        name = folder / f"{i:05d}"
        if not name.with_suffix(".txt").is_file():
            sample = engine.generate(kind, HELD_OUT_SEED, i)  # raises OptionError for an unknown kind
            png = io.BytesIO()
            sample.image.convert("RGB").save(png, "PNG")
            atomic_write(name.with_suffix(".png"), png.getvalue())
            extra = {"lang": sample.meta["lang"]} if "lang" in sample.meta else {}
            atomic_write(name.with_suffix(".json"), json.dumps(extra))
            atomic_write(name.with_suffix(".txt"), sample.meta[gt_key] if gt_key else sample.target)
        item = _pair(name.with_suffix(".png"), category)
        if lang is None or item.extra.get("lang") == lang:
            items.append(item)
            if len(items) == n:
                break
    return items


def synthetic_name(kind: str, lang: str | None = None) -> str:
    """A synthetic split's dataset name: ``synth_slice``, or ``synth_slice_en`` for one language."""
    return f"synth_{kind}" + (f"_{lang}" if lang else "")
