"""``archbench search``: simulate NAS algorithms on a tabular benchmark and write a search leaderboard."""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys

from bench.commands._args import (
    add_cluster_options,
    cluster_kwargs,
    csv_floats,
    csv_list,
    directory,
    float_range,
    int_range,
    list_valued,
    nonempty,
)
from bench.commands._output import add_format_argument, emit, text_table
from bench.errors import UsageError

BUDGET_UNITS = ("queries", "seconds")  # bench.search.simulator.BUDGET_UNITS, without importing it here
#: bounds that keep a typo from running for days or exhausting memory
MAX_SEEDS = 10_000
MAX_FIRST_SEED = 10**9
MAX_WORKERS = 10_000
MAX_QUERIES = 1_000_000
MAX_SECONDS = 1e12


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "search", help="simulate NAS search offline (parallel workers, anytime curves, search leaderboard)",
        description="Replay search algorithms on a tabular benchmark. Algorithms are told the objective "
        "(validation) metric only; results report the test metric of the architecture selected so far.",
    )
    p.add_argument("--benchmark", required=True, type=nonempty, help="benchmark name, e.g. nasbench-graph/cora")
    p.add_argument("--algorithms", "--algorithm", dest="algorithms", default="rs,rea,ls", type=_algorithms,
                   help="comma-separated: rs, rea, ls, bananas, pg:PREDICTOR, mo, or path/to/file.py:ClassName; "
                        "repeatable, the lists add up (default: rs,rea,ls)")
    p.add_argument("--budget", required=True, type=float_range(0, MAX_SECONDS),
                   help=f"per run, in --budget-unit (at most {MAX_QUERIES:,} queries)")
    p.add_argument("--budget-unit", choices=BUDGET_UNITS, default="queries",
                   help="queries, or simulated seconds of training time (benchmarks with a training-time label)")
    p.add_argument("--checkpoints", default=[], type=csv_floats(0, MAX_SECONDS), metavar="B1,B2,...",
                   help="smaller budgets that also get summary rows, read off the same runs (e.g. 10,100)")
    p.add_argument("--seeds", type=int_range(1, MAX_SEEDS), default=10,
                   help=f"number of seeds per algorithm (default 10, at most {MAX_SEEDS:,})")
    p.add_argument("--first-seed", type=int_range(0, MAX_FIRST_SEED), default=0,
                   help="seeds run from this one up (default 0)")
    p.add_argument("--workers", type=int_range(1, MAX_WORKERS), default=1,
                   help="simulated asynchronous parallel workers (default 1)")
    p.add_argument("--objective", type=nonempty,
                   help="selection metric told to algorithms (default: the validation accuracy)")
    p.add_argument("--report", type=nonempty,
                   help="metric reported for the selected architecture (default: the test accuracy)")
    p.add_argument("--cost", default="auto", type=nonempty,
                   help="query cost metric in seconds: auto (the training-time label if any), a metric, or none")
    p.add_argument("--mo-metric", type=nonempty,
                   help="second objective of multi-objective search (default: latency/params/flops)")
    p.add_argument("--set", "--param", dest="param", action="append", default=[], metavar="ALG.KEY=VALUE",
                   help="algorithm hyperparameter, e.g. rea.population_size=20 (VALUE is JSON or a string)")
    p.add_argument("--results-dir", default="results/search", type=directory,
                   help="where trajectories are kept (resumable; default results/search)")
    p.add_argument("--out", type=directory, help="leaderboard root, <out>/<benchmark>/summary.csv (default: "
                   "<results-dir>/leaderboards, so a run from a checkout never overwrites committed boards)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument("--no-fast", action="store_true", help="use the event-queue simulator even where a "
                   "vectorized seed-batched path exists (identical results, slower)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    add_format_argument(p)
    add_cluster_options(p, "the event-queue search runs (the vectorized RS/REA path always runs here)")
    p.set_defaults(func=cmd_search)


def parse_params(items: list[str], algorithms: list[str]) -> dict[str, dict]:
    """``["rea.population_size=20"]`` -> ``{"rea": {"population_size": 20}}`` (ALG must be a listed algorithm)."""
    out: dict[str, dict] = {}
    for item in items:
        alg = next((a for a in sorted(algorithms, key=len, reverse=True) if item.startswith(a + ".")), None)
        if alg is None or "=" not in item:
            raise UsageError(f"--set {item!r}: expected ALG.KEY=VALUE with ALG one of {', '.join(algorithms)}")
        key, _, text = item[len(alg) + 1 :].partition("=")
        if not key.isidentifier():
            raise UsageError(f"--set {item!r}: {key!r} is not a parameter name")
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = text
        out.setdefault(alg, {})[key] = value
    return out


@list_valued
def _algorithms(text: str) -> str:
    """--algorithms: a comma-separated list without blank or repeated items (kept as text for the command);
    given more than once, the lists add up (``--algorithm mine.py:Greedy --algorithms rs,rea``)."""
    specs = csv_list(text)
    if len(set(specs)) != len(specs):
        raise argparse.ArgumentTypeError(f"an algorithm is listed twice in {text!r}")
    return ",".join(specs)


def check_budget_arg(budget: float, unit: str, checkpoints: list[float]) -> None:
    """Query budgets are whole numbers up to MAX_QUERIES; checkpoints lie within the budget."""
    if unit == "queries":
        if budget != int(budget):
            raise UsageError(f"a query budget must be a whole number, got {budget:g}")
        if budget > MAX_QUERIES:
            raise UsageError(f"--budget must be at most {MAX_QUERIES:,} queries, got {budget:g}")
    for c in checkpoints:
        if c > budget:
            raise UsageError(f"--checkpoints {c:g} exceeds the budget {budget:g}")


def canonical_command(args: argparse.Namespace) -> str:
    """The command line that reproduces this experiment (recorded in the leaderboard)."""
    parts = ["archbench", "search", "--benchmark", args.benchmark, "--algorithms", args.algorithms,
             "--budget", f"{args.budget:g}", "--budget-unit", args.budget_unit, "--seeds", str(args.seeds),
             "--workers", str(args.workers)]
    if args.checkpoints:
        parts += ["--checkpoints", ",".join(f"{c:g}" for c in args.checkpoints)]
    if args.first_seed:
        parts += ["--first-seed", str(args.first_seed)]
    for opt in ("objective", "report", "mo_metric"):
        if getattr(args, opt):
            parts += [f"--{opt.replace('_', '-')}", getattr(args, opt)]
    if args.cost != "auto":
        parts += ["--cost", args.cost]
    for item in args.param:
        parts += ["--set", item]
    return " ".join(shlex.quote(p) for p in parts)


def cmd_search(args: argparse.Namespace) -> int:
    import bench
    from bench.search.runner import run_search, split_algorithms

    check_budget_arg(args.budget, args.budget_unit, args.checkpoints)
    algorithms = split_algorithms(args.algorithms)
    where = cluster_kwargs(args)
    params = parse_params(args.param, algorithms)
    out = args.out if args.out is not None else os.path.join(args.results_dir, "leaderboards")
    bm = bench.load(args.benchmark, args.data_dir)
    command = canonical_command(args)
    exp = run_search(
        bm, algorithms, budget=args.budget, budget_unit=args.budget_unit,
        seeds=range(args.first_seed, args.first_seed + args.seeds), workers=args.workers, objective=args.objective,
        report=args.report, cost=args.cost, mo_metric=args.mo_metric, params=params, results_dir=args.results_dir,
        fast=not args.no_fast, progress=not args.no_progress, command=command,
        checkpoints=args.checkpoints, **where,
    )
    problem = exp.problem
    notes = sys.stdout if args.format == "table" else sys.stderr  # csv and json: stdout is the summary alone
    print(f"{problem.benchmark}: select by {problem.objective[0]}, report {problem.report[0]}; "
          f"{problem.describe_budget()}", file=notes)
    if bm.metric_info(problem.objective[0]).split == "test":
        print(f"archbench: warning: the selection metric {problem.objective[0]!r} is a test-split label; reported "
              "values are not held out and are optimistic", file=sys.stderr)
    cols = ["algorithm", "budget", "n_seeds", "final_test_mean", "final_test_ci95", "final_regret_mean",
            "regret_auc_mean", "ri_random_arch_mean", "ri_random_search_mean", "overhead_s_mean"]
    if "hypervolume_mean" in exp.summary.columns:
        cols += ["hypervolume_mean", "hypervolume_ratio_mean"]
    emit(exp.summary, args.format, lambda: text_table(exp.summary[cols]))
    for path in exp.write_leaderboard(out, plots=not args.no_plots):
        print(f"wrote {path}", file=notes)
    return 0
