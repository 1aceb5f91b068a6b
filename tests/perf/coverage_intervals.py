"""Coverage of the leaderboard intervals, measured by simulation (target: 93-97 % for tau and RI).

Run: ``python tests/perf/coverage_intervals.py [--benchmark nasbench-graph/cora] [--reps 300]
[--test-size 1000] [--train-size 100] [--seeds 5]``.

Each repetition draws what a board rests on afresh from the benchmark's full table: a test set, and
per seed a training pool from the rest. It fits the predictor per seed, scores the test set, and
builds the board's interval exactly as ``archbench leaderboard build`` does (paired bootstrap over
test architectures with the seeds' spread, :mod:`bench.intervals`). The interval covers when it
holds the true value:

* ``random`` (the board's own baseline): its true Kendall tau and RI are 0 (its ranking is
  independent of the labels, and ties are resolved by their expectation);
* ``noisy-oracle`` (the true label plus Gaussian noise, fresh per seed) and any registered predictor
  (``--predictors random,noisy-oracle,xgb``): the true value is the mean of the estimates over all
  repetitions (the estimand of a fixed-size test set).

For comparison it prints the coverage of the old interval (a t-interval over seeds on one test set).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import bench
from bench.intervals import N_BOOT, interval, resample_weights
from bench.metrics import Resamples, mean_ci95
from predictors import ArchBatch, get_predictor

METRICS = ("kendall_tau", "ri", "precision_top5", "regret")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--benchmark", default="nasbench-graph/cora")
    parser.add_argument("--target", default="valid_acc")
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--test-size", type=int, default=1000)
    parser.add_argument("--train-size", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--noise", type=float, default=1.0, help="oracle noise, in label standard deviations")
    parser.add_argument("--predictors", default="random,noisy-oracle,xgb")
    args = parser.parse_args()

    bm = bench.load(args.benchmark, progress=False)
    y_all = bm.labels(args.target)
    ok = np.flatnonzero(np.isfinite(y_all))
    hib = bool(bm.metric_info(args.target).higher_is_better)
    sd = float(np.nanstd(y_all))
    rng = np.random.default_rng(2026)
    names = [p for p in args.predictors.split(",") if p]
    results: dict[str, dict[str, list]] = {p: {m: [] for m in METRICS} for p in names}
    started = time.perf_counter()
    for rep in range(args.reps):
        perm = rng.permutation(ok)
        test, rest = np.sort(perm[:args.test_size]), perm[args.test_size:]
        y = y_all[test]
        exact = Resamples(y, hib)
        boot = Resamples(y, hib, resample_weights(y.size, N_BOOT, key=f"coverage|{rep}"))
        test_batch = ArchBatch.from_benchmark(bm, bm.ids[test])
        for name in results:
            point = {m: [] for m in METRICS}
            reps = {m: [] for m in METRICS}
            for _ in range(args.seeds):
                if name == "noisy-oracle":
                    pred = y + rng.normal(scale=args.noise * sd, size=y.size)
                else:
                    train = rng.choice(rest, args.train_size, replace=False)
                    model = get_predictor(name, seed=int(rng.integers(1 << 30)))
                    pred = model.fit(ArchBatch.from_benchmark(bm, bm.ids[train]), y_all[train]).predict(test_batch)
                e, b = exact.score(pred, METRICS), boot.score(pred, METRICS)
                for m in METRICS:
                    point[m].append(e[m][0])
                    reps[m].append(b[m])
            for m in METRICS:
                iv = interval(np.array(point[m]), np.stack(reps[m]), key=f"coverage|{rep}|{name}|{m}")
                mean, half = mean_ci95(point[m])
                results[name][m].append((iv.mean, iv.lo, iv.hi, mean - half, mean + half))
        if (rep + 1) % 50 == 0:
            print(f"  {rep + 1}/{args.reps} repetitions, {time.perf_counter() - started:.0f} s", flush=True)

    print(f"\n{args.benchmark} {args.target}: {args.reps} repetitions, test sets of {args.test_size}, "
          f"{args.seeds} seeds of {args.train_size} training architectures, {N_BOOT} resamples")
    print(f"{'predictor':14s} {'metric':15s} {'truth':>9s} {'bootstrap':>10s} {'t over seeds':>13s} "
          f"{'sd of estimate':>15s} {'mean half-width/1.96':>21s}")
    for name, by_metric in results.items():
        for m, rows in by_metric.items():
            a = np.array(rows, dtype=np.float64)
            truth = 0.0 if name == "random" and m in ("kendall_tau", "ri") else float(np.nanmean(a[:, 0]))
            if name == "random" and m not in ("kendall_tau", "ri"):
                continue  # random's P@5% and regret have no known truth but their own mean
            boot = np.nanmean((a[:, 1] <= truth) & (truth <= a[:, 2]))
            seeds = np.nanmean((a[:, 3] <= truth) & (truth <= a[:, 4]))
            half = np.nanmean((a[:, 2] - a[:, 1]) / 2) / 1.96
            print(f"{name:14s} {m:15s} {truth:9.4f} {100 * boot:9.1f}% {100 * seeds:12.1f}% "
                  f"{np.nanstd(a[:, 0]):15.4f} {half:21.4f}")


if __name__ == "__main__":
    main()
