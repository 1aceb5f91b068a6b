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

from bench.commands._args import directory
from bench.errors import ArchBenchError

#: modules under bench.commands that add sub-commands via ``register(subparsers)``
COMMAND_MODULES = ("data", "predict", "importing", "search", "measure", "transfer")

class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, the same prefix as every other error
        self.exit(2, f"archbench: error: {' '.join(message.split())} (see `{self.prog} --help`)\n")


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
