"""Samples on disk as WebDataset-style tar shards.

Why tar and not parquet: a tar shard streams (a loader reads it front to back, locally or over
HTTP, with no index), it is the standard WebDataset layout that ``webdataset``, ``datasets``
and plain ``tarfile`` all read, and the images stay ordinary PNG files that any viewer opens
(``tar -xf`` and look). Parquet would need a columnar reader and re-encode images as blobs.

Per sample ``KEY``: ``KEY.png`` (or ``KEY.0.png``, ``KEY.1.png``, … for several images),
``KEY.txt`` (the target), ``KEY.json`` (kind, task, meta) and ``KEY.NAME.png`` for each extra
image. Tar headers are fixed (mtime 0, uid/gid 0, no owner names, sorted members) and PNGs are
written with fixed settings, so the same samples give byte-identical shards.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from PIL import Image

from ..errors import InputError
from .sample import Sample

PNG_LEVEL = 1  # zlib level: synthetic images are noisy, higher levels cost 2-3x for ~3% size
EXTRA_NAME = re.compile(r"[a-z][a-z0-9_]*")


def png_bytes(img: Image.Image) -> bytes:
    """PNG with fixed settings and no ancillary chunks (no dpi, ICC or EXIF)."""
    buf = io.BytesIO()
    if img.info:
        img = img.copy()
        img.info = {}
    img.save(buf, "PNG", compress_level=PNG_LEVEL)
    return buf.getvalue()


def encode(sample: Sample, key: str) -> list[tuple[str, bytes]]:
    """The files of one sample, sorted by name as they go into the tar."""
    files = {f"{key}.txt": sample.target.encode("utf-8")}
    if len(sample.images) == 1:
        files[f"{key}.png"] = png_bytes(sample.images[0])
    else:
        files.update({f"{key}.{i}.png": png_bytes(im) for i, im in enumerate(sample.images)})
    for name, img in sample.extra_images.items():
        if not EXTRA_NAME.fullmatch(name) or name in ("png", "txt", "json"):
            raise ValueError(f"extra image name {name!r} must be a lowercase word")
        files[f"{key}.{name}.png"] = png_bytes(img)
    info = {"kind": sample.kind, "task": sample.task, "meta": sample.meta,
            "images": len(sample.images), "extra_images": sorted(sample.extra_images)}
    files[f"{key}.json"] = json.dumps(info, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return sorted(files.items())


def decode(files: dict[str, bytes]) -> Sample:
    """A sample from its files, keyed by the name after ``KEY.`` (``png``, ``0.png``, ``json``…)."""
    info = json.loads(files["json"])
    n = info["images"]
    names = ["png"] if n == 1 else [f"{i}.png" for i in range(n)]
    extra = {name: _image(files[f"{name}.png"]) for name in info["extra_images"]}
    return Sample(info["kind"], [_image(files[k]) for k in names], files["txt"].decode("utf-8"),
                  info["task"], info["meta"], extra)


def _image(data: bytes) -> Image.Image:
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


class ShardWriter:
    """Writes one tar shard to a temporary file and renames it into place on close."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        self.tmp = self.path.with_name(f".{self.path.name}.tmp")
        self.tar = tarfile.open(self.tmp, "w", format=tarfile.USTAR_FORMAT)
        self.count = 0

    def add(self, files: Iterable[tuple[str, bytes]]) -> None:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            self.tar.addfile(info, io.BytesIO(data))
        self.count += 1

    def close(self) -> str:
        """Finish the shard; returns its sha256."""
        self.tar.close()
        digest = hashlib.sha256()
        with open(self.tmp, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        os.replace(self.tmp, self.path)
        return digest.hexdigest()

    def abort(self) -> None:
        self.tar.close()
        self.tmp.unlink(missing_ok=True)


def shard_paths(path: str | os.PathLike) -> list[Path]:
    """The tar files of a dataset directory (in manifest order when there is one), or ``path``."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"no such dataset: {path}")
    manifest = path / "manifest.json"
    if manifest.exists():
        return [path / s["file"] for s in json.loads(manifest.read_text())["shards"]]
    return sorted(path.glob("*.tar"))


def read_shards(path: str | os.PathLike) -> Iterator[Sample]:
    """Every sample of a shard file or a dataset directory, in order, streaming."""
    for shard in shard_paths(path):
        with tarfile.open(shard, "r|") as tar:
            key, files = None, {}
            for member in tar:
                if not member.isfile():
                    continue
                base = os.path.basename(member.name)
                k, _, suffix = base.partition(".")
                if k != key and files:
                    yield decode(files)
                    files = {}
                key = k
                files[suffix] = tar.extractfile(member).read()
            if files:
                yield decode(files)
