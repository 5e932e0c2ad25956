"""Errors a user can act on.

Every problem caused by input, options or missing files is raised as a :class:`GenocrError`
subclass whose message is one line naming the problem; the CLI prints that line and exits
non-zero instead of showing a traceback.
"""
from __future__ import annotations


class GenocrError(Exception):
    """Base class: the message is shown to the user as is."""

    exit_code = 1


class InputError(GenocrError):
    """An input file, page range or region cannot be used."""


class OptionError(GenocrError):
    """An option value is invalid or does not apply to the chosen model or task."""

    exit_code = 2


class ModelError(GenocrError):
    """A model cannot be found or loaded."""
