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
Suites: text, formula, table, scene, chart, molecule (accuracy and speed per system),
        data (data-engine samples/s per kind on one core),
        pixel (text removal, segmentation, tamper: pixel model beside classical baselines).
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
    @click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("bench/results"),
                  show_default=True, help="Folder for <suite>.md and <suite>.png.")
    @click.option("--cache", type=click.Path(file_okay=False, path_type=Path), default=datasets.DEFAULT_CACHE,
                  show_default=True, help="Where synthetic splits are generated once and kept.")
    @click.option("--pause", multiple=True, type=int, metavar="PID",
                  help="Stop this process and its children while the bench runs (a training run), then continue it.")
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
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("bench/results"),
              show_default=True, help="Folder for pixel.md and pixel.png.")
def pixel_command(models: tuple[str, ...], data: Path, **options: Any) -> None:
    """Text removal, segmentation and tamper detection: pixel models beside classical baselines."""
    from genocr.bench import pixel

    rep = pixel.bench([m for m in _split(models) if m != "none"], None if str(data) == "none" else data, **options)
    click.echo(pixel.markdown(rep))
    click.echo(f"wrote {options['out'] / 'pixel'}.md and .png", err=True)


class _SuiteGroup(OneLineErrors):
    """One subcommand per suite; an unknown suite is an option error, like any other."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [*SUITE_NAMES, "pixel"]

    def get_command(self, ctx: click.Context, name: str) -> click.Command:
        if name == "pixel":
            return pixel_command
        if name not in SUITE_NAMES:
            raise OptionError(f"unknown suite '{name}' (choose from {', '.join(self.list_commands(ctx))})")
        return _suite_command(name)


@click.group(cls=_SuiteGroup, context_settings={"help_option_names": ["-h", "--help"]})
def bench_cli() -> None:
    """Benchmark genocr models against peers (Tesseract, RapidOCR, OSRA) on real and synthetic data."""


if __name__ == "__main__":
    bench_cli()
