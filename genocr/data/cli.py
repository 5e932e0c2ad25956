"""``genocr data``: make synthetic datasets and look at them."""
from __future__ import annotations

from itertools import islice
from pathlib import Path

import click

from ..errors import InputError
from . import prose
from .engine import kind_names, make
from .formulas import CORPUS, build
from .shards import read_shards
from .sheet import contact_sheet


@click.group("data")
def data_cli() -> None:
    """Make and inspect synthetic training data."""


@data_cli.command("kinds")
def kinds_cmd() -> None:
    """List the data kinds."""
    click.echo("\n".join(kind_names()))


@data_cli.command("make")
@click.option("--kind", required=True, help="Data kind (see `genocr data kinds`).")
@click.option("--n", "n", type=int, required=True, help="Number of samples.")
@click.option("--seed", type=int, default=0, show_default=True, help="Same seed, same bytes.")
@click.option("--out", type=click.Path(file_okay=False), required=True, help="Output directory.")
@click.option("--workers", type=int, default=1, show_default=True, help="Processes.")
@click.option("--shard-size", type=int, default=1000, show_default=True, help="Samples per tar shard.")
def make_cmd(kind: str, n: int, seed: int, out: str, workers: int, shard_size: int) -> None:
    """Write N samples of KIND as tar shards plus manifest.json."""
    manifest = make(kind, n, seed, out, workers=workers, shard_size=shard_size)
    click.echo(f"wrote {n} {kind} samples in {len(manifest['shards'])} shard(s) to {out}")


@data_cli.command("show")
@click.argument("directory", type=click.Path())
@click.option("--n", "n", type=int, default=16, show_default=True, help="Samples to show.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Sheet PNG [default: DIRECTORY/sheet.png].")
def show_cmd(directory: str, n: int, out: str | None) -> None:
    """Write a contact sheet of the first N samples of a dataset."""
    samples = list(islice(read_shards(directory), n))
    if not samples:
        raise InputError(f"no samples in {directory}")
    path = out or str(Path(directory) / "sheet.png")
    click.echo(contact_sheet(samples, path))


@data_cli.command("formulas")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Corpus file [default: $GENOCR_HOME/corpora/formulas.txt, which the math-source kind reads].")
def formulas_cmd(sources: tuple[str, ...], out: str | None) -> None:
    """Build the math-source kind's corpus from the display formulas of the LaTeX sources
    under SOURCES (only those that typeset with the math kind's packages are kept)."""
    path = Path(out) if out else CORPUS
    click.echo(f"wrote {build([Path(s) for s in sources], path)} formulas to {path}")


@data_cli.command("prose")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Corpus file [default: the package's corpora/prose_en.txt.gz, which the English text kinds read].")
def prose_cmd(sources: tuple[str, ...], out: str | None) -> None:
    """Build the English text kinds' corpus of technical prose from the Markdown files under
    SOURCES (files or folders): the sentences of their paragraphs, lists and headings."""
    path = Path(out) if out else prose.CORPUS
    click.echo(f"wrote {prose.build([Path(s) for s in sources], path)} sentences to {path}")
