"""``archbench evaluate`` and ``archbench leaderboard build``: predictor evaluation on frozen splits."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from bench.commands._args import add_cluster_options, cluster_kwargs, csv_ints, csv_list, directory, int_range, nonempty
from bench.commands._output import add_format_argument, emit
from bench.errors import UsageError
from bench.intervals import N_BOOT

#: ``--quick``: a few predictors (baselines, trees, a GNN), sizes and seeds; minutes on 2 cores
QUICK_PREDICTORS = ("random", "params", "xgb", "gin")
QUICK_TRAIN_SIZES = (20, 100, 500)
QUICK_SEEDS = 3
QUICK_JOBS = 2
#: bounds that keep a typo from planning billions of units or forking thousands of processes
MAX_SEEDS = 1_000
MAX_THREADS = 1_024
MAX_TRAIN_SIZE = 10**9


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "evaluate", help="fit predictors on frozen training pools and score them on the fixed test set",
        description="Evaluate predictors on frozen splits (datasets/PROTOCOL.md). One result row plus predictions "
                    "per (benchmark, target, predictor config, training size, seed) is written to the results "
                    "directory; finished rows are skipped, so an interrupted run resumes where it stopped.",
    )
    p.add_argument("--benchmark", type=csv_list, metavar="NAME[,NAME...]",
                   help="benchmark(s), comma-separated; repeatable (required)")
    p.add_argument("--target", type=csv_list, metavar="METRIC[,METRIC...]",
                   help="metric(s) to predict, e.g. valid_acc,latency; repeatable (required, except with --quick: "
                        "valid_acc or the benchmark's first validation metric)")
    p.add_argument("--predictors", type=csv_list, metavar="A,B,...",
                   help="registry names, comma-separated; repeatable, and --predictor adds to them "
                        "(default: none; --quick picks some)")
    p.add_argument("--predictor", action="append", default=[], type=nonempty, metavar="SPEC",
                   help="a predictor as path/to/file.py:Class or module:Class; repeatable, evaluated with "
                        "--predictors")
    p.add_argument("--set", action="append", default=[], metavar="PREDICTOR.PARAM=VALUE", dest="settings",
                   help="a hyperparameter (VALUE read as JSON, else as a string), e.g. xgb.n_estimators=300")
    p.add_argument("--train-sizes", type=csv_ints(1, MAX_TRAIN_SIZE), metavar="N,N,...",
                   help="training-pool sizes (default: 10,...,1000 that fit)")
    p.add_argument("--seeds", type=int_range(1, MAX_SEEDS), metavar="N", help="seeds 0..N-1 (default 5)")
    p.add_argument("--threads", type=int_range(1, MAX_THREADS), metavar="N",
                   help="threads per local worker process (default: 1 with --jobs > 1; else the libraries' default, "
                        "in-process)")
    p.add_argument("--results-dir", default="results", type=directory, metavar="DIR",
                   help="where result rows go (default: results)")
    p.add_argument("--quick", action="store_true",
                   help=f"a quick board: {','.join(QUICK_PREDICTORS)}; sizes {','.join(map(str, QUICK_TRAIN_SIZES))}; "
                        f"{QUICK_SEEDS} seeds; {QUICK_JOBS} jobs (options given explicitly win)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_cluster_options(p, f"the units (--quick: {QUICK_JOBS} jobs)")
    p.add_argument("--no-table", action="store_true",
                   help="do not print the boards of the units run (printing recomputes every metric with the "
                        "bootstrap, seconds per hundred units; `archbench leaderboard build` writes them)")
    add_format_argument(p)
    p.set_defaults(func=cmd_evaluate)

    p = sub.add_parser("leaderboard", help="build predictor leaderboards from stored results")
    lsub = p.add_subparsers(dest="leaderboard_command", required=True, parser_class=type(p))
    b = lsub.add_parser("build", help="write <out>/<benchmark>/<target>.{csv,md,png,html}, <out>/README.md and the "
                                      "site (<out>/index.html)")
    b.add_argument("--results-dir", default="results", type=directory, metavar="DIR",
                   help="stored results (default: results)")
    b.add_argument("--out", default="leaderboards", type=directory, metavar="DIR",
                   help="output folder (default: leaderboards)")
    b.add_argument("--benchmark", type=csv_list, metavar="NAME[,NAME...]",
                   help="only these benchmarks (default: every benchmark in the results)")
    b.add_argument("--target", type=csv_list, metavar="METRIC[,METRIC...]",
                   help="only the boards of these targets, e.g. latency (default: every target in the results)")
    b.add_argument("--bootstrap", type=int_range(100, 100_000), default=N_BOOT, metavar="B",
                   help=f"bootstrap resamples of the test set per board, for intervals and tests (default: {N_BOOT})")
    b.add_argument("--from-csv", action="store_true",
                   help="no stored results needed: re-render every board's Markdown, plot and page, the rank "
                        "summary, README.md and the site from the board CSVs already under --out (no number changes)")
    b.add_argument("--cards", type=directory, metavar="DIR",
                   help="folder of hand-written dataset cards shown on board pages (default: ./datasets where it "
                        "exists); boards no card there covers show the card written at import in the data directory")
    b.set_defaults(func=cmd_leaderboard_build)


def _settings(items: list[str], specs: list[str]) -> dict[str, dict[str, Any]]:
    """``--set xgb.max_depth=4`` -> {"xgb": {"max_depth": 4}}; the predictor must be one being evaluated."""
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        key, eq, raw = item.partition("=")
        spec, dot, param = key.rpartition(".")
        if not eq or not dot or not spec or not param:
            raise UsageError(f"--set expects PREDICTOR.PARAM=VALUE, got {item!r}")
        if spec not in specs:
            raise UsageError(f"--set {item!r}: {spec!r} is not a predictor being evaluated ({', '.join(specs)})")
        try:
            value = json.loads(raw)
        except ValueError:
            value = raw
        out.setdefault(spec, {})[param] = value
    return out


def _default_target(name: str, data_dir: str | None) -> str:
    import bench

    bm = bench.load(name, data_dir, progress=False)
    if "valid_acc" in bm.metrics:
        return "valid_acc"
    valid = [m for m in bm.metrics if bm.metric_info(m).split == "valid" and bm.metric_info(m).higher_is_better]
    if valid:
        return valid[0]
    raise UsageError(f"give --target for {name} (metrics: {', '.join(bm.metrics)})")


def cmd_evaluate(args: argparse.Namespace) -> int:
    from bench.evaluation import PredictorConfig, ResultStore, evaluate, plan_units
    from bench.leaderboard import board_markdown, summarize
    from bench.predictor_registry import PREDICTORS as REGISTRY

    benchmarks = args.benchmark or []
    if not benchmarks:
        raise UsageError("give --benchmark NAME (see `archbench list`)")
    data_dir = args.data_dir
    targets = args.target or []
    if not targets:
        if not args.quick:
            raise UsageError("give --target METRIC (see `archbench info NAME`), or use --quick")
        targets = sorted({_default_target(b, data_dir) for b in benchmarks})
    specs = (args.predictors or []) + list(args.predictor)
    if not specs and args.quick:
        specs = [p for p in QUICK_PREDICTORS if p in REGISTRY]
        if not specs:
            raise UsageError(f"none of the quick predictors ({', '.join(QUICK_PREDICTORS)}) is registered")
    if not specs:
        raise UsageError("give --predictors a,b,... or --predictor path/to/file.py:Class")
    if len(set(specs)) != len(specs):
        raise UsageError(f"predictor given twice in {','.join(specs)}")
    sizes = args.train_sizes or (list(QUICK_TRAIN_SIZES) if args.quick else None)
    seeds = args.seeds if args.seeds is not None else (QUICK_SEEDS if args.quick else 5)
    if args.scheduler and args.threads is not None:
        raise UsageError("--threads applies to --jobs worker processes; start `dask worker` with OMP_NUM_THREADS=N")
    where = cluster_kwargs(args, min(QUICK_JOBS, os.cpu_count() or 1) if args.quick and not args.scheduler else 1)
    params = _settings(args.settings, specs)
    configs = [PredictorConfig.resolve(s, params.get(s)) for s in specs]
    units = plan_units(benchmarks, targets, configs, sizes, seeds, data_dir)

    report = evaluate(units, args.results_dir, threads=args.threads, data_dir=data_dir, progress=not args.no_progress,
                      **where)
    wanted = {(u.benchmark, u.target, u.predictor.config_hash, u.train_size, u.seed) for u in units}
    rows = ResultStore(args.results_dir).frame()
    if not rows.empty:
        keys = zip(rows["benchmark"], rows["target"], rows["config_hash"], rows["train_size"], rows["seed"],
                   strict=True)
        rows = rows[[k in wanted for k in keys]]
    if not rows.empty and not args.no_table:
        summary = summarize(rows, ResultStore(args.results_dir))
        boards = [board.reset_index(drop=True) for _, board in summary.groupby(["benchmark", "target"], sort=True)]
        emit(summary, args.format, lambda: "\n".join(board_markdown(board) for board in boards))
    other = f", {len(report.elsewhere)} stored by another run" if report.elsewhere else ""
    rate = f" ({len(report.ran) / report.wall_seconds:.2f} unit/s)" if report.ran and report.wall_seconds > 0 else ""
    print(f"{len(report.ran)} unit(s) run, {len(report.skipped)} already stored{other}, {len(report.failed)} failed "
          f"in {report.wall_seconds:.1f} s{rate}; results in {os.path.abspath(args.results_dir)}", file=sys.stderr)
    if report.failed:
        unit, why = report.failed[0]
        print(f"archbench: error: {len(report.failed)} unit(s) failed (first: {unit.describe()}: {why}); "
              "re-run the same command to retry only those", file=sys.stderr)
        return 1
    return 0


def cmd_leaderboard_build(args: argparse.Namespace) -> int:
    from bench.leaderboard import build_leaderboards, family_lines, render_leaderboards
    from bench.paths import data_dir

    if args.cards is not None and not os.path.isdir(args.cards):
        raise UsageError(f"--cards {args.cards}: no such folder")
    cards = args.cards if args.cards is not None else ("datasets" if os.path.isdir("datasets") else None)
    if args.from_csv:
        found = render_leaderboards(args.out, plots=True, cards_dir=cards, data_dir=data_dir(args.data_dir))
        frames = [frame for _, frame in found]
    else:
        boards = build_leaderboards(args.results_dir, args.out, args.benchmark or None, n_boot=args.bootstrap,
                                    progress=True, targets=args.target or None, cards_dir=cards,
                                    data_dir=data_dir(args.data_dir))
        import pandas as pd

        frames = [pd.read_csv(b.csv) for b in boards]
    for line in family_lines(frames):
        print(line)
    print(f"wrote {len(frames)} board(s), {os.path.join(args.out, 'README.md')} and the site "
          f"{os.path.join(args.out, 'index.html')}", file=sys.stderr)
    return 0
