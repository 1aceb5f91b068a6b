"""User-facing errors: the CLI prints these as one line on stderr and exits 2."""

from __future__ import annotations


class UsageError(ValueError):
    """Bad input from the user (arguments, files, cards): the message says what and where."""
