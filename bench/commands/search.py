"""``archbench search``: simulate NAS algorithms on a tabular benchmark and write a search leaderboard."""

from __future__ import annotations

import argparse
import json
import shlex
import sys

from bench.errors import UsageError

BUDGET_UNITS = ("queries", "seconds")  # bench.search.simulator.BUDGET_UNITS, without importing it here


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "search", help="simulate NAS search offline (parallel workers, anytime curves, search leaderboard)",
        description="Replay search algorithms on a tabular benchmark. Algorithms are told the objective "
        "(validation) metric only; results report the test metric of the architecture selected so far.",
    )
    p.add_argument("--benchmark", required=True, help="benchmark name, e.g. nasbench-graph/cora")
    p.add_argument("--algorithms", "--algorithm", dest="algorithms", default="rs,rea,ls",
                   help="comma-separated: rs, rea, ls, bananas, pg:PREDICTOR, mo, or path/to/file.py:ClassName "
                        "(default: rs,rea,ls)")
    p.add_argument("--budget", required=True, type=float, help="per run, in --budget-unit")
    p.add_argument("--budget-unit", choices=BUDGET_UNITS, default="queries",
                   help="queries, or simulated seconds of training time (benchmarks with a training-time label)")
    p.add_argument("--checkpoints", default="", metavar="B1,B2,...",
                   help="smaller budgets that also get summary rows, read off the same runs (e.g. 10,100)")
    p.add_argument("--seeds", type=int, default=10, help="number of seeds per algorithm (default 10)")
    p.add_argument("--first-seed", type=int, default=0, help="seeds run from this one up (default 0)")
    p.add_argument("--workers", type=int, default=1, help="simulated asynchronous parallel workers (default 1)")
    p.add_argument("--objective", help="selection metric told to algorithms (default: the validation accuracy)")
    p.add_argument("--report", help="metric reported for the selected architecture (default: the test accuracy)")
    p.add_argument("--cost", default="auto",
                   help="query cost metric in seconds: auto (the training-time label if any), a metric, or none")
    p.add_argument("--mo-metric", help="second objective of multi-objective search (default: latency/params/flops)")
    p.add_argument("--set", "--param", dest="param", action="append", default=[], metavar="ALG.KEY=VALUE",
                   help="algorithm hyperparameter, e.g. rea.population_size=20 (VALUE is JSON or a string)")
    p.add_argument("--results-dir", default="results/search", help="where trajectories are kept (resumable)")
    p.add_argument("--out", default="leaderboards/search", help="leaderboard root (<out>/<benchmark>/summary.csv)")
    p.add_argument("--no-plots", action="store_true", help="skip the PNG plots")
    p.add_argument("--no-fast", action="store_true", help="use the event-queue simulator even where a "
                   "vectorized seed-batched path exists (identical results, slower)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
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


def parse_checkpoints(text: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise UsageError(f"--checkpoints must be comma-separated numbers, got {text!r}") from None


def canonical_command(args: argparse.Namespace) -> str:
    """The command line that reproduces this experiment (recorded in the leaderboard)."""
    parts = ["archbench", "search", "--benchmark", args.benchmark, "--algorithms", args.algorithms,
             "--budget", f"{args.budget:g}", "--budget-unit", args.budget_unit, "--seeds", str(args.seeds),
             "--workers", str(args.workers)]
    if args.checkpoints:
        parts += ["--checkpoints", args.checkpoints]
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

    if args.seeds < 1:
        raise UsageError(f"--seeds must be at least 1, got {args.seeds}")
    if args.first_seed < 0:
        raise UsageError(f"--first-seed must be non-negative, got {args.first_seed}")
    algorithms = split_algorithms(args.algorithms)
    params = parse_params(args.param, algorithms)
    bm = bench.load(args.benchmark, args.data_dir)
    command = canonical_command(args)
    exp = run_search(
        bm, algorithms, budget=args.budget, budget_unit=args.budget_unit,
        seeds=range(args.first_seed, args.first_seed + args.seeds), workers=args.workers, objective=args.objective,
        report=args.report, cost=args.cost, mo_metric=args.mo_metric, params=params, results_dir=args.results_dir,
        fast=not args.no_fast, progress=not args.no_progress, command=command,
        checkpoints=parse_checkpoints(args.checkpoints),
    )
    problem = exp.problem
    print(f"{problem.benchmark}: select by {problem.objective[0]}, report {problem.report[0]}; "
          f"{problem.describe_budget()}")
    if bm.metric_info(problem.objective[0]).split == "test":
        print(f"archbench: warning: the selection metric {problem.objective[0]!r} is a test-split label; reported "
              "values are not held out and are optimistic", file=sys.stderr)
    cols = ["algorithm", "budget", "n_seeds", "final_test_mean", "final_test_ci95", "final_regret_mean",
            "regret_auc_mean", "ri_random_arch_mean", "ri_random_search_mean", "overhead_s_mean"]
    if "hypervolume_mean" in exp.summary.columns:
        cols += ["hypervolume_mean", "hypervolume_ratio_mean"]
    print(exp.summary[cols].to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    for path in exp.write_leaderboard(args.out, plots=not args.no_plots):
        print(f"wrote {path}")
    return 0
