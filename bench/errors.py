"""User-facing errors: the CLI prints these as one line on stderr and exits 2.

Every error ArchBench raises for bad input derives from :class:`ArchBenchError`, so a caller (and
the CLI) can catch one type; each also derives from the builtin it resembles, so existing
``except ValueError`` / ``except KeyError`` code keeps working.
"""

from __future__ import annotations


class ArchBenchError(Exception):
    """Base of every error ArchBench raises for bad input, damaged files or unknown names."""


class UsageError(ArchBenchError, ValueError):
    """Bad input from the user (arguments, files, cards): the message says what and where."""


class InvalidArchitecture(ArchBenchError, ValueError):
    """An architecture that is not in the space; the message names the offending part."""


class InvalidType(ArchBenchError, TypeError):
    """An argument of the wrong type at a public boundary (e.g. a float where ids are expected)."""


class KeyedError(ArchBenchError, KeyError):
    """A KeyError whose message prints as given (KeyError would print its repr with quotes)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""
