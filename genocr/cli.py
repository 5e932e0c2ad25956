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

from genocr.clickutil import LazyGroup, fail, limit_options
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
    "serve": ("genocr.serve.cli:serve_cli", "Serve OCR over HTTP and a web page (FastAPI)."),
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
@click.option("--to", "fmt", type=click.Choice(["txt", "md", "json", "html", "hocr", "alto", "pdf"]), default=None,
              help="Output format: text, markdown, the JSON result tree, HTML (page with word boxes when there are "
                   "any), hOCR, ALTO XML, or a searchable PDF (needs --out).  [default: txt for plain, md for format]")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Write one file per input here (atomically) instead of printing.")
@click.option("--stream", is_flag=True, help="Print tokens to stderr as they are decoded (stdout keeps the result).")
@click.option("--dpi", type=click.IntRange(36, 600), default=200, show_default=True, help="PDF rendering resolution.")
@click.option("--max-new-tokens", type=click.IntRange(1, 32768), default=4096, show_default=True)
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda or cuda:N.")
@click.option("--dtype", type=click.Choice(["auto", "float32", "bfloat16"]), default="auto", show_default=True,
              help="Weights' precision; auto: bfloat16 on a GPU, float32 on a CPU.")
@click.option("--workers", default="auto", show_default=True, metavar="auto|N",
              help="Reader processes for many inputs (auto: one per core for genocr's small models, else 1).")
@click.option("--skip-existing", is_flag=True, help="With --out: skip inputs whose output file is already there (resume).")
@limit_options
def read(files: tuple[str, ...], task: str, box: str | None, color: str | None, tiles: str | None,
         pages: str | None, multi_page: bool, model_name: str | None, fmt: str | None, out_dir: Path | None,
         stream: bool, dpi: int, max_new_tokens: int, device: str, dtype: str, workers: str,
         skip_existing: bool, limits: Any, max_depth: int) -> None:
    """Read FILES (images, PDFs, folders, globs, or - for stdin) and print or save their text."""
    from genocr.io import atomic_write, expand_sources, parse_page_range
    from genocr.models import DEFAULT_MODEL
    from genocr.predict import OCR
    from genocr.predict.batch import Job, read_all
    from genocr.progress import Progress

    fmt = fmt or ("md" if task == "format" else "txt")
    model = model_name or DEFAULT_MODEL
    # Options the model cannot serve fail now, in one line, before any weights load.
    OCR.refuse_early(model, task=task, box=box, color=color, tiles=tiles, multi_page=multi_page)
    if fmt in ("alto", "pdf"):
        from genocr.models.registry import features_of

        served = features_of(model)
        if (served is not None and "boxes" not in served) or task == "format":
            fail(f"--to {fmt} needs word positions, which model '{model}' does not give with --task {task} "
                 "(genocr-small gives them reading plain text)", 2)
    if fmt == "pdf" and out_dir is None:
        fail("--to pdf writes files: give --out DIR", 2)
    if skip_existing and out_dir is None:
        fail("--skip-existing needs --out (it skips inputs whose output file exists)", 2)
    selected = parse_page_range(pages)
    sources, failures = [], 0
    for arg in files:  # a missing file is reported, the others are still read
        try:
            sources.extend(expand_sources([arg], max_depth))
        except GenocrError as exc:
            failures += 1
            click.echo(f"genocr: error: {exc}", err=True)
    if not sources:
        fail("nothing to read", 1)
    names: set[str] = set()
    # Multi-page mode reads every input together, as one document (GOT reads a folder of pages).
    jobs = [Job(tuple(sources), _output_name(sources[0], fmt, names))] if multi_page else \
        [Job(s, _output_name(s, fmt, names)) for s in sources]
    if out_dir is not None:  # no output may replace an input, its own or another's
        inputs = {Path(s).resolve() for s in sources if s != "-"}
        clash = [j for j in jobs if (out_dir / str(j.out)).resolve() in inputs]
        if clash:
            fail(f"writing {clash[0].out} into {out_dir} would overwrite an input", 2)
    if skip_existing:
        kept = [j for j in jobs if not (out_dir / j.out).exists()]
        if len(kept) < len(jobs):
            click.echo(f"genocr: skipping {len(jobs) - len(kept)} input(s) already written to {out_dir}", err=True)
        jobs = kept
    if not jobs:
        if failures:
            fail(f"{failures} input(s) could not be read", 1)
        return
    n_workers = _workers(workers, model, len(jobs), stream or "-" in sources)
    total = sum(_count(s, selected, limits) for j in jobs for s in ([j.source] if isinstance(j.source, str) else j.source))
    bar = Progress(total or None, "page", "reading")
    read_options: dict[str, Any] = dict(task=task, box=box, color=color, tiles=tiles, pages=selected,
                                        multi_page=multi_page, dpi=dpi, limits=limits)
    if n_workers == 1:  # in this process: pages tick as they are read, and tokens can stream
        read_options["on_page"] = lambda page: bar.update(len(page.pages))
        if stream:
            read_options["on_text"] = lambda t: click.echo(t, nl=False, err=True)
    load = dict(name_or_path=model, device=device, dtype=dtype, max_new_tokens=max_new_tokens)
    with bar:
        for done in read_all(jobs, load, read_options, fmt, n_workers):
            if n_workers > 1:
                bar.update(done.pages)
            source = done.job.source if isinstance(done.job.source, str) else done.job.source[0]
            if done.error is not None:
                failures += 1
                bar.write(f"genocr: error: {done.error}")
                continue
            if out_dir is None:
                click.echo(done.text)
            else:
                try:
                    atomic_write(out_dir / str(done.job.out), done.text)
                except OSError as exc:  # one unwritable output must not stop the others
                    failures += 1
                    bar.write(f"genocr: error: {source}: cannot write {out_dir / str(done.job.out)} ({exc.strerror or exc})")
            if done.looped:
                bar.write(f"genocr: warning: {source}: output fell into a repetition loop and was cut")
    if failures:
        fail(f"{failures} input(s) could not be read", 1)


def _workers(spec: str, model: str, jobs: int, single: bool) -> int:
    """``--workers``: a number, or auto (one per core, for many inputs and a small model)."""
    from genocr.models.registry import SMALL_FAMILIES, family_of

    if spec != "auto":
        try:
            n = int(spec)
        except ValueError:
            fail(f"--workers must be 'auto' or a number, not '{spec}'", 2)
        if not 1 <= n <= 64:
            fail(f"--workers must be between 1 and 64, not {n}", 2)
        if single and n > 1:
            fail("--stream and stdin (-) are read by one reader: use them with --workers 1", 2)
        return min(n, max(1, jobs))
    if single or jobs <= 1 or family_of(model) not in SMALL_FAMILIES:
        return 1
    return min(os.cpu_count() or 1, jobs)


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


def _count(source: str, selected: list[int] | None, limits: Any) -> int:
    """Pages a source will yield, for the progress bar (0 when unknown, e.g. stdin)."""
    from genocr.io import count_pages

    if source == "-":
        return 0
    try:
        n = count_pages(source, limits)
    except GenocrError:
        return 0  # reported properly when the file is read
    return n if selected is None else len([p for p in selected if p <= n])


def _output_name(source: str, fmt: str, used: set[str]) -> str:
    """``<stem>.<fmt>``, with ``-2``, ``-3``... when two inputs share a stem."""
    stem = "stdin" if source == "-" else Path(source).stem
    from genocr.export import SUFFIX

    suffix = SUFFIX.get(fmt, fmt)
    name, n = f"{stem}.{suffix}", 1
    while name in used:
        n += 1
        name = f"{stem}-{n}.{suffix}"
    used.add(name)
    return name


if __name__ == "__main__":
    main()
