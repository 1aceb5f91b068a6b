"""The random baseline's selection metrics over many seeds: expectation over ties vs lowest id.

Run: ``python tests/perf/random_baseline_bias.py [--seeds 1000]``. For each (benchmark, training
size) it fits the ``random`` predictor on the frozen training pool of many seeds, predicts the frozen
test set and prints the mean RI (%) with its standard error under metrics version 2 (expectation
over architectures tied on the prediction) and under version 1's rule (the lowest id among the tied
best), and how many distinct architectures version 1 picked. The true value is 0.
"""

from __future__ import annotations

import argparse

import numpy as np

import bench
from bench.errors import ArchBenchError
from bench.metrics import relative_improvement
from bench.protocol import FrozenSplits
from predictors import ArchBatch, get_predictor

CASES = (("nasbench-graph/cora", "valid_acc", 100), ("nasbench-graph/cora", "valid_acc", 1000),
         ("nb201/cifar10-valid", "valid_acc", 10))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=1000)
    args = parser.parse_args()
    print(f"{'benchmark':24s} {'n':>5s} {'RI v2 (ties: expectation)':>27s} {'RI v1 (ties: lowest id)':>25s} "
          f"{'picks v1':>9s}")
    for name, target, size in CASES:
        try:
            bm = bench.load(name, progress=False)
        except ArchBenchError as exc:
            print(f"{name:24s} skipped: {str(exc).splitlines()[0]}")
            continue
        splits = FrozenSplits(bm)
        y_all = bm.labels(target)
        test = splits.test_ids
        y = y_all[bm.rows_of_ids(test)]
        keep = np.isfinite(y)
        test, y = test[keep], y[keep]
        batch = ArchBatch.from_benchmark(bm, test)
        hib = bool(bm.metric_info(target).higher_is_better)
        new, old, picks = [], [], set()
        for seed in range(args.seeds):
            train = splits.split(size, seed).train_ids  # the protocol's own pool for this seed
            y_train = y_all[bm.rows_of_ids(train)]
            pred = get_predictor("random", seed=seed).fit(ArchBatch.from_benchmark(bm, train), y_train).predict(batch)
            new.append(relative_improvement(y, pred, hib))
            first = int(np.argmax(pred) if hib else np.argmin(pred))
            picks.add(first)
            old.append(100 * ((y[first] - y.mean()) if hib else (y.mean() - y[first])) / abs(y.mean()))
        se = lambda v: np.std(v, ddof=1) / np.sqrt(len(v))  # noqa: E731
        print(f"{name:24s} {size:5d} {np.mean(new):19.2f} ± {se(new):5.2f} {np.mean(old):17.2f} ± {se(old):5.2f} "
              f"{len(picks):9d}")


if __name__ == "__main__":
    main()
