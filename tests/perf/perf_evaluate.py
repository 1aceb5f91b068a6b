"""Wall time of the quick leaderboard, and a cost estimate for the standard leaderboard sweep.

Run: ``python tests/perf/perf_evaluate.py [--skip-quick] [--predictors a,b] [--jobs N]``.

1. Runs ``archbench evaluate --benchmark nasbench-graph/cora --quick`` in a fresh results folder
   (target: <= 5 minutes on 2 cores) and prints its wall time.
2. Runs seed 0 of every registered predictor at every standard training size on cora (valid_acc),
   single process, and extrapolates the cost of the standard sweep: nine ``nasbench-graph/*``
   benchmarks x (valid_acc, latency) plus ``nb201-analog/cifar10`` digital_acc, 5 seeds. Smaller
   test sets (proteins, NB201) make the estimate an upper bound.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

import pandas as pd

from bench.evaluation import PredictorConfig, ResultStore, evaluate, plan_units
from bench.protocol import TRAIN_SIZES
from predictors import REGISTRY

SWEEP_BOARDS = 9 * 2 + 1
SWEEP_SEEDS = 5


def time_quick(jobs: int) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "bench.cli", "evaluate", "--benchmark", "nasbench-graph/cora", "--quick",
               "--results-dir", tmp, "--jobs", str(jobs), "--no-progress"]
        t0 = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            raise SystemExit(f"quick run failed with exit code {out.returncode}")
        print(out.stdout)
        print(out.stderr.strip().splitlines()[-1])
    return wall


def unit_costs(predictors: list[str]) -> pd.DataFrame:
    configs = [PredictorConfig.resolve(p) for p in predictors]
    units = plan_units(["nasbench-graph/cora"], ["valid_acc"], configs, list(TRAIN_SIZES), [0])
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        report = evaluate(units, tmp, jobs=1, progress=True)
        wall = time.perf_counter() - t0
        for unit, why in report.failed:
            print(f"failed: {unit.describe()}: {why}", file=sys.stderr)
        rows = ResultStore(tmp).frame()
    print(f"seed-0 cost run: {len(report.ran)} units in {wall:.1f} s")
    return rows[["predictor", "train_size", "kendall_tau", "fit_seconds", "predict_seconds", "encode_seconds"]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-quick", action="store_true")
    parser.add_argument("--predictors", help="comma-separated (default: every registered predictor)")
    parser.add_argument("--jobs", type=int, default=1, help="jobs for the quick run")
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; predictors registered: {', '.join(sorted(REGISTRY)) or 'none'}")
    if not args.skip_quick:
        wall = time_quick(args.jobs)
        print(f"quick leaderboard on nasbench-graph/cora (--jobs {args.jobs}): {wall:.1f} s wall (target <= 300 s)")
    predictors = args.predictors.split(",") if args.predictors else sorted(REGISTRY)
    if not predictors:
        return
    rows = unit_costs(predictors)
    rows["unit_seconds"] = rows["fit_seconds"] + rows["predict_seconds"]
    pd.set_option("display.width", 160)
    print(rows.pivot(index="predictor", columns="train_size", values="unit_seconds").round(2).to_string())
    per_board = rows.groupby("predictor")["unit_seconds"].sum()
    total = float(per_board.sum()) * SWEEP_BOARDS * SWEEP_SEEDS
    print("per predictor, all sizes, one seed, one board (s):")
    print(per_board.round(1).to_string())
    print(f"standard sweep ({SWEEP_BOARDS} boards x {len(TRAIN_SIZES)} sizes x {SWEEP_SEEDS} seeds x "
          f"{len(predictors)} predictors): ~{total / 3600:.1f} CPU-hours of fit+predict, "
          f"~{total / 3600 / 2:.1f} h wall with --jobs 2 (upper bound: proteins and NB201 have smaller test sets)")


if __name__ == "__main__":
    main()
