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
        data (data-engine samples/s per kind on one core).
\b
Examples:
  genocr bench text --peers tesseract,rapidocr --limit 5
  genocr bench formula --models runs/ckpt --device cuda
  genocr bench text --models genocr-small --data my_pages/   (NAME.png + NAME.txt pairs)
  genocr bench data --limit 50
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
    def command(models: tuple[str, ...], peers: tuple[str, ...], **options: Any) -> None:
        result = runner.run(suite, models=_split(models), peers=_split(peers), **options)
        click.echo(report.markdown(result))
        click.echo(f"wrote {options['out'] / suite}.md and .png", err=True)

    return command


class _SuiteGroup(OneLineErrors):
    """One subcommand per suite; an unknown suite is an option error, like any other."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(SUITE_NAMES)

    def get_command(self, ctx: click.Context, name: str) -> click.Command:
        if name not in SUITE_NAMES:
            raise OptionError(f"unknown suite '{name}' (choose from {', '.join(SUITE_NAMES)})")
        return _suite_command(name)


@click.group(cls=_SuiteGroup, context_settings={"help_option_names": ["-h", "--help"]})
def bench_cli() -> None:
    """Benchmark genocr models against peers (Tesseract, RapidOCR, OSRA) on real and synthetic data."""


if __name__ == "__main__":
    bench_cli()
