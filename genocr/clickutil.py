"""Click plumbing shared by every genocr command group: user errors end in one line."""
from __future__ import annotations

import sys
from typing import Any, NoReturn

import click

from genocr.errors import GenocrError


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


def fail(message: str, code: int) -> NoReturn:
    """Print ``genocr: error: message`` on stderr and exit with ``code``."""
    click.echo(f"genocr: error: {message}", err=True)
    sys.exit(code)
