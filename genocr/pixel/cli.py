"""``genocr erase | segment | tamper``: pixel-level results as PNGs, plus an overlay to check them by eye.

Each input page gives ``<stem>.<task>.png`` (the erased image, or a mask with 255 = text) and
``<stem>.<task>.overlay.png``, both written atomically. ``--baseline`` runs the classical
method instead of a model, so removal and segmentation work before trained weights ship.
"""
from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any, Callable

import click
from PIL import Image

from genocr.clickutil import limit_options
from genocr.errors import GenocrError, InputError, ModelError, OptionError


def _runner(task: str, model_name: str | None, baseline: bool, raw: bool,
            device: str) -> Callable[[Image.Image], Image.Image]:  # fmt: skip
    from genocr.pixel.baselines import baseline as classical
    from genocr.pixel.predict import DEFAULT_PIXEL_MODEL, PixelModel

    if baseline:
        if model_name or raw:
            raise OptionError(f"--baseline and {'--model' if model_name else '--raw'} exclude each other")
        return classical(task)
    try:
        model = PixelModel.load(model_name or DEFAULT_PIXEL_MODEL, device=device, raw=raw)
    except ModelError as exc:
        raise ModelError(f"{exc} (use --baseline for the classical method)") from None
    return lambda image: model.run(image, task)


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def _stem(source: str, used: set[str]) -> str:
    """The input's stem, with ``-2``, ``-3``... when two inputs share one."""
    base = "stdin" if source == "-" else Path(source).stem
    stem, n = base, 1
    while stem in used:
        n += 1
        stem = f"{base}-{n}"
    used.add(stem)
    return stem


def _process(task: str, images: tuple[str, ...], out_dir: Path, run: Callable[[Image.Image], Image.Image],
             limits: Any, max_depth: int) -> None:
    from tqdm import tqdm

    from genocr.io import atomic_write, expand_sources, load_pages
    from genocr.pixel.predict import changed_mask, overlay

    sources, failures, used = [], 0, set()
    for arg in images:  # a bad input is reported; the others are still processed
        try:
            sources.extend(expand_sources([arg], max_depth))
        except GenocrError as exc:
            failures += 1
            click.echo(f"genocr: error: {exc}", err=True)
    for source in tqdm(sources, desc=task, unit="input", disable=None, file=sys.stderr):
        try:
            pages = load_pages(source, limits=limits)
        except GenocrError as exc:
            failures += 1
            tqdm.write(f"genocr: error: {exc}", file=sys.stderr)
            continue
        stem = _stem(source, used)
        for page in pages:
            name = stem + (f"-p{page.number}" if len(pages) > 1 else "")
            result = run(page.image)
            mask = changed_mask(page.image, result) if task == "removal" else result
            atomic_write(out_dir / f"{name}.{task}.png", _png(result))
            atomic_write(out_dir / f"{name}.{task}.overlay.png", _png(overlay(page.image, mask)))
    if failures:
        raise InputError(f"{failures} input(s) could not be read")


def _command(name: str, task: str, summary: str) -> click.Command:
    @click.command(name, help=f"{summary}\n\nWrites <stem>.{task}.png and <stem>.{task}.overlay.png into --out.")
    @click.argument("images", nargs=-1, required=True)
    @click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
                  help="Folder for the result PNGs (created if needed).")
    @click.option("--model", "model_name", default=None, metavar="NAME|PATH",
                  help="Pixel model name or checkpoint folder.  [default: genocr-pixel]")
    @click.option("--baseline", is_flag=True, help="Use the classical method instead of a model.")
    @click.option("--raw", is_flag=True, help="Decode the network's output as UPOCR does: no colour-decided "
                  "mask edges, no pasting of erased pixels into the input.")
    @click.option("--device", default="cpu", show_default=True, help="cpu, cuda or cuda:N.")
    @limit_options
    def command(images: tuple[str, ...], out_dir: Path, model_name: str | None, baseline: bool, raw: bool,
                device: str, limits: Any, max_depth: int) -> None:  # fmt: skip
        _process(task, images, out_dir, _runner(task, model_name, baseline, raw, device), limits, max_depth)

    return command


erase = _command("erase", "removal", "Erase the text from IMAGES (baseline: TELEA inpainting of an Otsu mask).")
segment = _command("segment", "segmentation", "Mask the text pixels of IMAGES (baseline: Sauvola threshold).")
tamper = _command("tamper", "tamper", "Mask the tampered (edited) text in IMAGES (needs a trained model).")
pixel_commands = [erase, segment, tamper]
