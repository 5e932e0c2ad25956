"""The ``genocr`` command line: one entry point, one subcommand per job.

Every user mistake ends in one line ``genocr: error: ...`` and a non-zero exit; a batch of
files carries on past a bad one and exits 1 at the end.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from genocr.clickutil import LazyGroup, fail
from genocr.errors import GenocrError

EXAMPLES = """
\b
Examples:
  genocr read page.png                         plain text of an image
  genocr read paper.pdf --pages 1-3 --to md    formatted OCR of three pages
  genocr read scan.png --box 40,60,600,300     only the text inside a pixel box
  genocr read slide.png --color red            only the text inside a red frame
  genocr read poster.jpg --tiles auto          dynamic resolution (up to 12 tiles)
  genocr read a.png b.pdf --to html --out out/ one standalone HTML page per input
"""


# Subcommands that live with their subsystem, imported only when run (see LazyGroup).
SUBSYSTEMS = {
    "data": ("genocr.data.cli:data_cli", "Make and inspect synthetic training data."),
    "train": ("genocr.train.cli:train_cli", "Train a genocr model from the data engine, resuming from its last checkpoint."),
    "bench": ("genocr.bench.cli:bench_cli", "Benchmark genocr models against peers on real and synthetic data."),
    "erase": ("genocr.pixel.cli:erase", "Erase the text from IMAGES (baseline: TELEA inpainting of an Otsu mask)."),
    "segment": ("genocr.pixel.cli:segment", "Mask the text pixels of IMAGES (baseline: Sauvola threshold)."),
    "tamper": ("genocr.pixel.cli:tamper", "Mask the tampered (edited) text in IMAGES (needs a trained model)."),
}


@click.group(cls=LazyGroup, lazy=SUBSYSTEMS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="genocr")
def main() -> None:
    """genocr: OCR-2.0 on your own machine.

    Reads text, formulas, tables, charts, molecules and sheet music from images and PDFs,
    driven by a prompt: whole page, a box or a colour frame, tiles, several pages at once.
    """


@main.command(epilog=EXAMPLES)
@click.argument("files", nargs=-1, required=True)
@click.option("--task", type=click.Choice(["plain", "format"]), default="plain", show_default=True,
              help="plain: text only ('OCR: '); format: markdown/LaTeX, tables, SMILES, **kern, TikZ.")
@click.option("--box", metavar="X1,Y1,X2,Y2", help="Read only this pixel box of each page.")
@click.option("--color", type=click.Choice(["red", "green", "blue"]),
              help="Read only inside a frame of this colour (drawn around --box, or already on the image).")
@click.option("--tiles", metavar="auto|N", help="Dynamic resolution: cut each page into up to N tiles (auto = 12).")
@click.option("--pages", metavar="RANGE", help="Pages or TIFF frames to read, e.g. 1-3,5 (default: all).")
@click.option("--multi-page", is_flag=True, help="Read the selected pages together into one output (2-8 pages).")
@click.option("--model", "model_name", default=None, metavar="NAME|PATH",
              help="Registered model name (see `genocr models`) or checkpoint folder.  [default: genocr-small]")
@click.option("--to", "fmt", type=click.Choice(["txt", "md", "json", "html"]), default=None,
              help="Output format.  [default: txt for plain, md for format]")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write one file per input here (atomically) instead of printing.")
@click.option("--stream", is_flag=True, help="Print tokens to stderr as they are decoded (stdout keeps the result).")
@click.option("--dpi", type=click.IntRange(36, 600), default=200, show_default=True, help="PDF rendering resolution.")
@click.option("--max-new-tokens", type=click.IntRange(1, 32768), default=4096, show_default=True)
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda or cuda:N.")
@click.option("--dtype", type=click.Choice(["auto", "float32", "bfloat16"]), default="auto", show_default=True,
              help="Weights' precision; auto: bfloat16 on a GPU, float32 on a CPU.")
def read(files: tuple[str, ...], task: str, box: str | None, color: str | None, tiles: str | None,
         pages: str | None, multi_page: bool, model_name: str | None, fmt: str | None, out_dir: Path | None,
         stream: bool, dpi: int, max_new_tokens: int, device: str, dtype: str) -> None:
    """Read FILES (images, PDFs, folders, globs, or - for stdin) and print or save their text."""
    from tqdm import tqdm

    from genocr.export import render
    from genocr.io import atomic_write, expand_sources, parse_page_range
    from genocr.models import DEFAULT_MODEL
    from genocr.predict import OCR

    fmt = fmt or ("md" if task == "format" else "txt")
    # Options the model cannot serve fail now, in one line, before any weights load.
    OCR.refuse_early(model_name or DEFAULT_MODEL, task=task, box=box, color=color, tiles=tiles, multi_page=multi_page)
    selected = parse_page_range(pages)
    sources, failures = [], 0
    for arg in files:  # a missing file is reported, the others are still read
        try:
            sources.extend(expand_sources([arg]))
        except GenocrError as exc:
            failures += 1
            click.echo(f"genocr: error: {exc}", err=True)
    if not sources:
        fail("nothing to read", 1)
    ocr = OCR.load(model_name or DEFAULT_MODEL, device=device, dtype=dtype, max_new_tokens=max_new_tokens)
    ocr.check(task=task, box=box, color=color, tiles=tiles, multi_page=multi_page)  # once, not per file
    total = sum(_count(s, selected) for s in sources)
    on_text = (lambda t: click.echo(t, nl=False, err=True)) if stream else None
    names: set[str] = set()
    # Multi-page mode reads every input together, as one document (GOT reads a folder of pages).
    groups: list[Any] = [sources] if multi_page else sources
    with tqdm(total=total or None, unit="page", desc="reading", disable=None, file=sys.stderr) as bar:
        for group in groups:
            source = group[0] if multi_page else group
            bar.set_postfix_str(os.path.basename(source), refresh=False)
            try:
                result = ocr.read(group, task=task, box=box, color=color, tiles=tiles, pages=selected,
                                  multi_page=multi_page, dpi=dpi, on_text=on_text,
                                  on_page=lambda page: bar.update(len(page.pages)))
            except GenocrError as exc:
                failures += 1
                tqdm.write(f"genocr: error: {exc}", file=sys.stderr)
                continue
            text = render(result, fmt)
            if out_dir is None:
                click.echo(text)
            else:
                atomic_write(out_dir / _output_name(source, fmt, names), text)
            if result.looped:
                tqdm.write(f"genocr: warning: {source}: output fell into a repetition loop and was cut",
                           file=sys.stderr)
    if failures:
        fail(f"{failures} input(s) could not be read", 1)


@main.command()
def models() -> None:
    """List the registered models, their family, where their weights are and whether they are here."""
    from genocr.models import list_models

    rows = [(s.name, s.family, "yes" if s.present else "no", s.location) for s in list_models()]
    header = ("name", "family", "present", "weights")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(3)]
    for row in [header, *rows]:
        click.echo("  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[3])
    click.echo("\nAny GOT-OCR2.0 or Qwen2-VL checkpoint folder also works: genocr read --model PATH ...")


def _count(source: str, selected: list[int] | None) -> int:
    """Pages a source will yield, for the progress bar (0 when unknown, e.g. stdin)."""
    from genocr.io import count_pages

    if source == "-":
        return 0
    try:
        n = count_pages(source)
    except GenocrError:
        return 0  # reported properly when the file is read
    return n if selected is None else len([p for p in selected if p <= n])


def _output_name(source: str, fmt: str, used: set[str]) -> str:
    """``<stem>.<fmt>``, with ``-2``, ``-3``... when two inputs share a stem."""
    stem = "stdin" if source == "-" else Path(source).stem
    name, n = f"{stem}.{fmt}", 1
    while name in used:
        n += 1
        name = f"{stem}-{n}.{fmt}"
    used.add(name)
    return name


if __name__ == "__main__":
    main()
