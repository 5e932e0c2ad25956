"""Click plumbing shared by every genocr command group: user errors end in one line."""
from __future__ import annotations

import os
import sys
from typing import Any, NoReturn

import click

from genocr.errors import GenocrError

INTERNAL_ERROR = 70  # EX_SOFTWARE: an exception genocr did not expect


class OneLineErrors(click.Group):
    """Reports usage errors and genocr errors as one line instead of a usage block or traceback."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.Exit as exc:
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            fail(exc.format_message(), exc.exit_code)
        except click.Abort:
            fail("aborted", 130)
        except GenocrError as exc:
            fail(str(exc), exc.exit_code)
        except OSError as exc:  # an unwritable --out, a full disk: the user's to fix, not a bug
            fail(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "), 1)
        except Exception as exc:  # a bug of ours: still one line, unless asked for the traceback
            if os.environ.get("GENOCR_DEBUG", "") not in ("", "0"):
                raise
            detail = " ".join(str(exc).split())[:300]
            fail(f"internal error: {type(exc).__name__}: {detail} (GENOCR_DEBUG=1 shows the traceback; "
                 "please report it)", INTERNAL_ERROR)


class LazyGroup(OneLineErrors):
    """A group whose subcommands live in other modules, imported only when one is run: the
    data engine, training and benchmarks pull in torch and more, and ``genocr --help`` should
    not wait for them. ``lazy`` maps a name to ``("module:attribute", "short help")``."""

    def __init__(self, *args: Any, lazy: dict[str, tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self.lazy])

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            from importlib import import_module

            module, attr = self.lazy[name][0].split(":")
            return getattr(import_module(module), attr)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """List every subcommand with its short help, without importing the lazy ones."""
        rows = []
        for name in self.list_commands(ctx):
            if name in self.lazy:
                rows.append((name, self.lazy[name][1]))
            else:
                cmd = super().get_command(ctx, name)
                if cmd is not None and not cmd.hidden:
                    rows.append((name, cmd.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


def limit_options(function: Any) -> Any:
    """Decorator (below ``@click.command``): the input limits every reading command takes,
    gathered into one ``limits`` argument (``genocr.io.Limits``), and ``--max-depth``, how far a
    ``**`` pattern descends."""
    import functools

    from genocr.io.load import DEFAULT_LIMITS as d, MAX_GLOB_DEPTH

    @functools.wraps(function)
    def wrapped(*args: Any, max_pixels: int, max_pages: int, max_stdin_bytes: int, max_page_objects: int,
                **kwargs: Any) -> Any:
        from genocr.io import Limits

        return function(*args, limits=Limits(max_pixels, max_pages, max_stdin_bytes, max_page_objects), **kwargs)

    options = [
        click.option("--max-pixels", type=click.IntRange(1), default=d.pixels, show_default=True,
                     help="Refuse a page or frame of more pixels (decompression bombs)."),
        click.option("--max-pages", type=click.IntRange(1), default=d.pages, show_default=True,
                     help="Refuse a document with more pages to read."),
        click.option("--max-stdin-bytes", type=click.IntRange(1), default=d.stdin_bytes, show_default=True,
                     help="Refuse standard input larger than this."),
        click.option("--max-page-objects", type=click.IntRange(1), default=d.page_objects, show_default=True,
                     help="Refuse a PDF page with more drawing objects (PDFium cannot be stopped mid-page)."),
        click.option("--max-depth", type=click.IntRange(0), default=MAX_GLOB_DEPTH, show_default=True,
                     help="Folders a ** pattern descends (links to folders are never followed)."),
    ]
    for option in reversed(options):
        wrapped = option(wrapped)
    return wrapped


def fail(message: str, code: int) -> NoReturn:
    """Print ``genocr: error: message`` on stderr and exit with ``code``."""
    click.echo(f"genocr: error: {message}", err=True)
    sys.exit(code)
