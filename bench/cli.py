"""The ``archbench`` command line. Each command group lives in ``bench/commands/``.

User errors (unknown names, bad architectures, refused files) print one line on stderr and exit
2; set ``ARCHBENCH_DEBUG=1`` to see the traceback instead.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from bench.benchmark import UnknownMetric
from bench.errors import UsageError
from bench.registry import UnknownBenchmark
from bench.spaces import InvalidArchitecture
from bench.store import StoreError

#: modules under bench.commands that add sub-commands via ``register(subparsers)``
COMMAND_MODULES = ("data", "predict", "importing", "search", "measure")

USER_ERRORS = (UsageError, UnknownBenchmark, UnknownMetric, InvalidArchitecture, StoreError, FileNotFoundError)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse prints usage too; keep it short)
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="archbench", description="Tabular NAS benchmarks, predictor leaderboards, search simulation")
    parser.add_argument(
        "--data-dir", help="where built benchmark files live (default: $ARCHBENCH_DATA or ~/.cache/archbench)"
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
                    child.add_argument("--data-dir", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
                _accept_data_dir_anywhere(child)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except USER_ERRORS as exc:
        if os.environ.get("ARCHBENCH_DEBUG"):
            raise
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        print(f"archbench: error: {msg}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("archbench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
