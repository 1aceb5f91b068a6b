"""The ``archbench`` command line. Each command group lives in ``bench/commands/``.

User errors (every :class:`bench.errors.ArchBenchError`: unknown names, bad architectures, refused
files) print one line on stderr and exit 2, as do argument errors, which argparse reports before
any work starts (``bench/commands/_args.py``). An ``OSError`` on a path the user named (permission
denied, disk full) is reported the same way. Set ``ARCHBENCH_DEBUG=1`` to see the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from bench.commands._args import StoreOnce, directory
from bench.errors import ArchBenchError

#: modules under bench.commands that add sub-commands via ``register(subparsers)``
COMMAND_MODULES = ("data", "predict", "importing", "search", "measure", "transfer")


class _HelpFormatter(argparse.HelpFormatter):
    """Every option's help ends with its default, unless the text already says it."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if (not action.option_strings or action.required or action.default is argparse.SUPPRESS
                or "default" in text.lower() or "required" in text):
            return text
        if isinstance(action, argparse._StoreTrueAction):
            return f"{text} (default: off)"
        if action.default in (None, [], ""):
            return f"{text} (default: none)"
        return f"{text} (default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    """One-line errors; options never silently dropped (:class:`StoreOnce`); defaults in the help."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        given = kwargs.get("formatter_class", _HelpFormatter)
        if not issubclass(given, _HelpFormatter):  # type: ignore[arg-type]  # e.g. a raw description
            kwargs["formatter_class"] = type(f"Defaults{given.__name__}", (_HelpFormatter, given), {})  # type: ignore[arg-type]
        else:
            kwargs["formatter_class"] = given
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.register("action", None, StoreOnce)
        self.register("action", "store", StoreOnce)

    def error(self, message: str) -> None:  # one line, exit 2, the same prefix as every other error
        self.exit(2, f"archbench: error: {' '.join(message.split())} (see `{self.prog} --help`)\n")

    def parse_known_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                         namespace: argparse.Namespace | None = None) -> tuple[argparse.Namespace, list[str]]:
        """A command group given without its sub-command (``archbench``, ``archbench leaderboard``)
        prints its help, listing the sub-commands, and exits 2."""
        argv = list(sys.argv[1:] if args is None else args)
        if any(isinstance(a, argparse._SubParsersAction) for a in self._actions) and self._only_options(argv):
            self.print_help(sys.stderr)
            self.exit(2)
        return super().parse_known_args(argv, namespace)

    def _only_options(self, argv: list[str]) -> bool:
        """No sub-command and no help request among ``argv`` (options and their values only)."""
        takes_value = {o for a in self._actions if a.option_strings and a.nargs != 0 for o in a.option_strings}
        i = 0
        while i < len(argv):
            if not argv[i].startswith("-") or argv[i] in ("-h", "--help"):
                return False
            i += 2 if argv[i] in takes_value else 1
        return True


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="archbench", description="Tabular NAS benchmarks, predictor leaderboards, search simulation")
    parser.add_argument(
        "--data-dir", type=directory,
        help="where built benchmark files live (default: $ARCHBENCH_DATA or ~/.cache/archbench)",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"bench.commands.{name}").register(sub)
    _accept_data_dir_anywhere(parser)
    return parser


def _accept_data_dir_anywhere(parser: argparse.ArgumentParser) -> None:
    """Let ``--data-dir`` follow the sub-command too (``archbench info X --data-dir D``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                if not any("--data-dir" in a.option_strings for a in child._actions):
                    child.add_argument("--data-dir", type=directory, default=argparse.SUPPRESS,
                                       help=argparse.SUPPRESS)
                _accept_data_dir_anywhere(child)


def _one_line(exc: BaseException) -> str:
    """The message on one line (multi-line messages from libraries are joined, not cut)."""
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _os_error(exc: OSError) -> str:
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or _one_line(exc)}{where}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse: --help (0) or one error line (2); return the code, no raise
        return exc.code if isinstance(exc.code, int) else 2
    try:
        return int(args.func(args) or 0)
    except (ArchBenchError, OSError, MemoryError) as exc:
        if os.environ.get("ARCHBENCH_DEBUG"):
            raise
        if isinstance(exc, ArchBenchError):
            msg = _one_line(exc)
        elif isinstance(exc, OSError):
            msg = _os_error(exc)
        else:
            msg = "out of memory; use a smaller request"
        print(f"archbench: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("archbench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
