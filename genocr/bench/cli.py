"""``genocr bench SUITE``: run a benchmark suite, print its markdown table, write .md and .png.

Run standalone as ``python -m genocr.bench.cli SUITE ...``; the main CLI attaches ``bench_cli``
as ``genocr bench``.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from genocr.bench import datasets, report, runner
from genocr.bench.suites import SUITE_NAMES
from genocr.clickutil import OneLineErrors
from genocr.errors import OptionError

EPILOG = """
\b
Suites: text, formula, table, scene, chart, molecule, format (accuracy and speed per system),
        data (data-engine samples/s per kind on one core),
        pixel (text removal, segmentation, tamper: pixel model beside classical baselines),
        batch (pages/min over a folder: local pool and Dask), typeset (make the second dev set, or
        with --formatted the format suite's pages),
        boxes (word boxes, confidence and the searchable PDF against true boxes),
        reliability (500+ malformed inputs: no traceback, no hang, bounded memory),
        serve (the HTTP service under load, and schemathesis against its spec).
\b
Examples:
  genocr bench text --peers tesseract,rapidocr --limit 5
  genocr bench formula --models runs/ckpt --device cuda
  genocr bench text --models genocr-small --data my_pages/   (NAME.png + NAME.txt pairs)
  genocr bench data --limit 50
  genocr bench pixel --limit 3 --synthetic 10   (text removal, segmentation, tamper)
"""
PIXEL_EPILOG = """
\b
Examples:
  genocr bench pixel                          the shipped genocr-pixel, baselines, dev set + 20 synthetic
  genocr bench pixel --models genocr-pixel,runs/genocr-pixel/last --data none --synthetic 50
  genocr bench pixel --models none            classical baselines only
"""


def _split(values: tuple[str, ...]) -> list[str]:
    """Repeated and/or comma-separated option values, in order."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


pause_option = click.option("--pause", multiple=True, type=int, metavar="PID",
                            help="Stop this process and its children while the bench runs (a training run), then continue it.")


def _suite_command(suite: str) -> click.Command:
    @click.command(suite, help=f"Run the '{suite}' suite.", epilog=EPILOG)
    @click.option("--models", multiple=True, metavar="NAME|PATH",
                  help="genocr models to measure (repeat or comma-separate).")
    @click.option("--peers", multiple=True, metavar="LIST", help="Peer systems: tesseract,rapidocr,osra.")
    @click.option("--data", type=click.Path(path_type=Path), default=datasets.DEFAULT_DATA, show_default=True,
                  envvar="GENOCR_BENCH_DATA", help="Dev-set folder (manifest.tsv) or a folder of NAME.png + NAME.txt.")
    @click.option("--limit", type=int, help="At most N items per dataset (data suite: samples per kind, default 20).")
    @click.option("--repeats", type=int, default=1, show_default=True,
                  help="Time every item R times; report the median.")
    @click.option("--synthetic", "n_synthetic", type=click.IntRange(0), default=20, show_default=True,
                  help="Items per held-out synthetic split (0: none).")
    @click.option("--device", default="cpu", show_default=True, help="Device for genocr models: cpu, cuda or cuda:N.")
    @click.option("--max-new-tokens", type=click.IntRange(1), help="Cap genocr's output length.")
    @click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=datasets.DEFAULT_OUT,
                  show_default=True, help="Folder for <suite>.md and <suite>.png (bench/results updates the committed ones).")
    @click.option("--cache", type=click.Path(file_okay=False, path_type=Path), default=datasets.DEFAULT_CACHE,
                  show_default=True, help="Where synthetic splits are generated once and kept.")
    @pause_option
    def command(models: tuple[str, ...], peers: tuple[str, ...], **options: Any) -> None:
        result = runner.run(suite, models=_split(models), peers=_split(peers), **options)
        click.echo(report.markdown(result))
        click.echo(f"wrote {options['out'] / suite}.md and .png", err=True)

    return command


@click.command("pixel", epilog=PIXEL_EPILOG)
@click.option("--models", multiple=True, default=["genocr-pixel"], show_default=True, metavar="NAME|PATH",
              help="Pixel models to measure beside the baselines (repeat or comma-separate); 'none' for none.")
@click.option("--data", type=click.Path(path_type=Path), default=datasets.DEFAULT_DATA, show_default=True,
              envvar="GENOCR_BENCH_DATA", help="Dev-set folder with a manifest.tsv; 'none' for synthetic items only.")
@click.option("--limit", type=int, help="At most N items per real dataset.")
@click.option("--synthetic", "n_synthetic", type=click.IntRange(0), default=20, show_default=True,
              help="Held-out synthetic pixel samples (each scored on removal, segmentation and tamper).")
@click.option("--device", default="cpu", show_default=True, help="Device for the model: cpu, cuda or cuda:N.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=datasets.DEFAULT_OUT,
              show_default=True, help="Folder for pixel.md and pixel.png (bench/results updates the committed ones).")
@pause_option
def pixel_command(models: tuple[str, ...], data: Path, pause: tuple[int, ...], **options: Any) -> None:
    """Text removal, segmentation and tamper detection: pixel models beside classical baselines."""
    from genocr.bench import pixel

    with runner.paused(pause):
        rep = pixel.bench([m for m in _split(models) if m != "none"], None if str(data) == "none" else data, **options)
    click.echo(pixel.markdown(rep))
    click.echo(f"wrote {options['out'] / 'pixel'}.md and .png", err=True)


@click.command("batch")
@click.option("--data", type=click.Path(path_type=Path, exists=True, file_okay=False), required=True,
              help="A folder of images or PDFs to read.")
@click.option("--model", default="genocr-small", show_default=True, metavar="NAME|PATH")
@click.option("--workers", default="1,2", show_default=True, help="Local pool sizes to measure, comma-separated.")
@click.option("--dask/--no-dask", default=True, show_default=True, help="Also measure genocr.scale on a 2-worker local Dask cluster.")
@click.option("--limit", type=click.IntRange(1), help="At most N files.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=datasets.DEFAULT_OUT, show_default=True)
@pause_option
def batch_command(data: Path, model: str, workers: str, dask: bool, limit: int | None, out: Path,
                  pause: tuple[int, ...]) -> None:
    """Pages per minute over a folder: the local pool at each size, a resumed run, and Dask."""
    from genocr.bench import batch

    try:
        sizes = [int(w) for w in workers.split(",") if w.strip()]
    except ValueError:
        raise OptionError(f"--workers must be numbers like 1,2, not '{workers}'") from None
    with runner.paused(pause):
        click.echo(batch.run(data, model, sizes, dask, limit, out))
    click.echo(f"wrote {out / 'batch.md'}", err=True)


@click.command("typeset")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for the pages, their ground truth and manifest.tsv  "
                   "[default: ~/.cache/genocr/devsets/typeset-en, or typeset-format with --formatted].")
@click.option("-n", "--n", "count", type=click.IntRange(2),
              help="Pages  [default: 24 (half groff, half LaTeX), or 12 with --formatted].")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--formatted", is_flag=True,
              help="Formatted pages for the format suite: headings, display formulas, tables, markdown truth.")
@click.option("--formulas", "formula_sources", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Printed formulas for the formula suite, from the display formulas of the LaTeX sources "
                   "under this folder (repeatable)  [default out: ~/.cache/genocr/devsets/typeset-formulas, n 40].")
@click.option("--markdown", "markdown_sources", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="English pages from the Markdown files under this folder (repeatable; one page per file), "
                   "set as the second set's LaTeX half is  [default out: ~/.cache/genocr/devsets/typeset-markdown, n 20].")
def typeset_command(out: Path | None, count: int | None, seed: int, formatted: bool, formula_sources: tuple[Path, ...],
                    markdown_sources: tuple[Path, ...]) -> None:
    """Typeset the second English dev set from the installed manual pages (see genocr/bench/typeset.py),
    with --formatted the format suite's pages (genocr/bench/typeset_format.py), with --formulas
    a second set of printed formulas (genocr/bench/typeset_formulas.py), or with --markdown pages
    of a book's held-out chapters."""
    if sum(map(bool, (formatted, formula_sources, markdown_sources))) > 1:
        raise OptionError("give one of --formatted, --formulas and --markdown")
    if markdown_sources:
        from genocr.bench.typeset import make_markdown_devset

        click.echo(make_markdown_devset(list(markdown_sources), out or datasets.HOME / "devsets" / "typeset-markdown",
                                        count or 20, seed))
    elif formula_sources:
        from genocr.bench.typeset_formulas import make_formula_devset

        click.echo(make_formula_devset(list(formula_sources), out or datasets.HOME / "devsets" / "typeset-formulas",
                                       count or 40, seed))
    elif formatted:
        from genocr.bench.typeset_format import make_format_devset

        click.echo(make_format_devset(out or datasets.HOME / "devsets" / "typeset-format", count or 12, seed))
    else:
        from genocr.bench.typeset import make_devset

        click.echo(make_devset(out or datasets.HOME / "devsets" / "typeset-en", count or 24, seed))


@click.command("boxes")
@click.option("--model", default="genocr-small", show_default=True, metavar="NAME|PATH")
@click.option("--data", type=click.Path(path_type=Path, exists=True, file_okay=False),
              help="Typeset pages with word boxes (a folder from `genocr bench typeset`).")
@click.option("--synthetic", "n_synthetic", type=click.IntRange(0), default=10, show_default=True,
              help="Held-out synthetic pages (their word boxes come from the data engine).")
@click.option("--limit", type=click.IntRange(1), help="At most N typeset pages (each also read turned).")
@click.option("--pdf-pages", type=click.IntRange(0), default=20, show_default=True,
              help="Pages of --data made into one scanned PDF for the searchable-PDF check (0: skip).")
@click.option("--tesseract/--no-tesseract", default=True, show_default=True, help="Tesseract's word boxes beside.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=datasets.DEFAULT_OUT, show_default=True)
@pause_option
def boxes_command(model: str, data: Path | None, n_synthetic: int, limit: int | None, pdf_pages: int,
                  tesseract: bool, out: Path, pause: tuple[int, ...]) -> None:
    """Word boxes and confidence against true boxes, and the searchable PDF read back."""
    from genocr.bench import boxes

    with runner.paused(pause):
        click.echo(boxes.run(model, data, n_synthetic, limit, tesseract, out))
        if data is not None and pdf_pages:
            images = sorted(data.rglob("*.png"))[:pdf_pages]
            click.echo(boxes.pdf_round_trip(model, images, out))
    click.echo(f"wrote {out / 'boxes.md'}", err=True)


@click.command("reliability")
@click.option("--model", default=None, metavar="NAME|PATH", help="The model `read` cases use.  [default: genocr-small]")
@click.option("--seed", type=int, default=0, show_default=True, help="The corpus's seed.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=datasets.DEFAULT_OUT, show_default=True)
def reliability_command(model: str | None, seed: int, out: Path) -> None:
    """Run read, erase and segment over 500+ malformed inputs and hostile options (genocr/bench/corpus.py)."""
    from genocr.bench import corpus
    from genocr.progress import Progress

    with Progress(None, "case", "reliability") as bar:
        _, text = corpus.run(out, seed, model, progress=lambda done, total: bar.update(1))
    click.echo(text)
    click.echo(f"wrote {out / 'reliability.md'}", err=True)


@click.command("serve")
@click.option("--data", type=click.Path(path_type=Path, exists=True, file_okay=False), required=True,
              help="A folder of PNG pages to post.")
@click.option("--model", default="genocr-small", show_default=True)
@click.option("--requests", type=click.IntRange(10), default=1000, show_default=True, help="For the memory run.")
@click.option("--queue", type=click.IntRange(0), default=8, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=datasets.DEFAULT_OUT, show_default=True)
@pause_option
def serve_command(data: Path, model: str, requests: int, queue: int, out: Path, pause: tuple[int, ...]) -> None:
    """The service under load on loopback (1, 4, 16 clients), its memory, and schemathesis."""
    from genocr.bench import serve

    with runner.paused(pause):
        click.echo(serve.run(data, model, requests, queue, out))
    click.echo(f"wrote {out / 'serve.md'}", err=True)


EXTRA = {"pixel": pixel_command, "batch": batch_command, "typeset": typeset_command, "boxes": boxes_command,
         "reliability": reliability_command, "serve": serve_command}


class _SuiteGroup(OneLineErrors):
    """One subcommand per suite; an unknown suite is an option error, like any other."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*SUITE_NAMES, *EXTRA]

    def get_command(self, ctx: click.Context, name: str) -> click.Command:
        if name in EXTRA:
            return EXTRA[name]
        if name not in SUITE_NAMES:
            raise OptionError(f"unknown suite '{name}' (choose from {', '.join(self.list_commands(ctx))})")
        return _suite_command(name)


@click.group(cls=_SuiteGroup, context_settings={"help_option_names": ["-h", "--help"]})
def bench_cli() -> None:
    """Benchmark genocr models against peers (Tesseract, RapidOCR, OSRA) on real and synthetic data."""


if __name__ == "__main__":
    bench_cli()
