"""``archbench transfer``: run the transfer track (few target labels + full source tables) and build its boards."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.commands._args import csv_ints, csv_list, directory, int_range
from bench.predictor_registry import TRANSFER_PREDICTORS

PROTOCOLS = ("help", "archbench")  # bench.transfer.protocol.PROTOCOLS, without importing it here
BOARDS = ("help-nb201", "help-fbnet", "nbg-cross-dataset", "nb201-cross-fidelity")
KS = (5, 10, 20, 50, 100)


def _protocols(text: str) -> list[str]:
    items = csv_list(text)
    bad = [p for p in items if p not in PROTOCOLS]
    if bad:
        raise argparse.ArgumentTypeError(f"unknown protocol {bad[0]!r}; known: {', '.join(PROTOCOLS)}")
    return items


def _ks(text: str) -> list[int]:
    items = csv_ints(1, 10**6)(text)
    bad = [k for k in items if k not in KS and k != 20]
    if bad:
        raise argparse.ArgumentTypeError(f"k must be among {','.join(map(str, KS))}, got {bad[0]}")
    return items


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("transfer", help="transfer track: predict a new device/dataset/budget from k labels",
                       description="Few-shot transfer tasks over ArchBench tables (datasets/PROTOCOL.md).")
    tsub = p.add_subparsers(dest="transfer_command", required=True)
    r = tsub.add_parser("run", help="run (or resume) a transfer board's units")
    r.add_argument("--board", required=True, choices=BOARDS, help="the transfer board whose units to run")
    r.add_argument("--protocol", type=_protocols, default=None,
                   help="help and/or archbench (default: both where the board has them)")
    r.add_argument("--predictors", "--predictor", dest="predictors", type=csv_list, default=None,
                   help=f"registry names ({', '.join(TRANSFER_PREDICTORS)}, or any ArchBench predictor) or "
                        "path/to/file.py:Class (default: flops, best_source, "
                        "additive, source_ridge, auto; no flops on help-fbnet)")
    r.add_argument("--targets", type=csv_list, default=None, help="devices/datasets (default: the board's)")
    r.add_argument("--ks", type=_ks, default=None,
                   help="subset of 5,10,20,50,100 (default: all five; the HELP protocol always uses 20)")
    r.add_argument("--seeds", type=int_range(1, 1000), default=20, help="seeds per cell (default 20)")
    r.add_argument("--no-ceiling", action="store_true",
                   help="skip the ceiling units (trained on every non-query arch) (default: off)")
    r.add_argument("--results-dir", type=directory, default="results",
                   help="unit files go to <dir>/transfer/... (default: results)")
    r.add_argument("--quiet", action="store_true", help="no progress bar (default: off)")
    r.set_defaults(func=cmd_run)
    b = tsub.add_parser("build", help="write leaderboards/transfer/<board>/summary.{csv,md,png}")
    b.add_argument("--board", choices=BOARDS, action="append", help="board(s) to build (default: all with results)")
    b.add_argument("--results-dir", type=directory, default="results",
                   help="where `transfer run` stored its units (default: results)")
    b.add_argument("--out", type=directory, default="leaderboards/transfer",
                   help="output folder (default: leaderboards/transfer)")
    b.add_argument("--protocol", choices=("help", "archbench"), action="append",
                   help="rebuild only this protocol's rows from the units and keep the board's other rows as they "
                        "stand in its summary.csv (default: every protocol from the units)")
    b.add_argument("--from-csv", action="store_true",
                   help="re-render summary.md/png from the committed summary.csv files, without unit files "
                        "(default: off)")
    b.set_defaults(func=cmd_build)
    t = tsub.add_parser("tasks", help="list a board's tasks with the sha256 of their frozen draws")
    t.add_argument("--board", choices=BOARDS, required=True, help="the board whose tasks to list")
    t.set_defaults(func=cmd_tasks)


def _default_protocols(board: str) -> list[str]:
    return ["help", "archbench"] if board.startswith("help-") else ["archbench"]


def cmd_run(args: argparse.Namespace) -> int:
    from bench.errors import UsageError
    from bench.transfer.run import default_predictors, load_transfer_predictor, plan, run

    protocols = args.protocol or _default_protocols(args.board)
    if "help" in protocols and not args.board.startswith("help-"):
        raise UsageError(f"board {args.board!r} has no HELP protocol (only help-nb201 and help-fbnet do)")
    predictors = args.predictors or list(default_predictors(args.board))
    for spec in predictors:
        load_transfer_predictor(spec)  # every name checked before any unit runs
    units = plan(args.board, protocols, predictors, args.targets, args.ks, args.seeds, not args.no_ceiling)
    done = sum(1 for _ in run(units, Path(args.results_dir), progress=not args.quiet))
    where = f"{args.results_dir}/transfer/{args.board}"
    print(f"{len(units)} units ({len(units) - done} already there, {done} run) under {where}")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from bench.transfer.board import build, rebuild_from_csv, write_index

    out = Path(args.out)
    if args.from_csv:
        for board in args.board or [b for b in BOARDS if (out / b / "summary.csv").is_file()]:
            print(rebuild_from_csv(out, board) / "summary.md")
    else:
        for board in args.board or [b for b in BOARDS if (Path(args.results_dir) / "transfer" / b).is_dir()]:
            print(build(Path(args.results_dir), board, out, protocols=args.protocol) / "summary.csv")
    print(write_index(Path(args.out)))
    return 0


def cmd_tasks(args: argparse.Namespace) -> int:
    from bench.transfer.protocol import task_hash
    from bench.transfer.tasks import load_task, targets

    for protocol in _default_protocols(args.board):
        for target in targets(args.board, protocol):
            data = load_task(args.board, target)
            print(f"{data.task.name}\t{protocol}\t{len(data.pool)}\t{task_hash(data, protocol)}")
    return 0
