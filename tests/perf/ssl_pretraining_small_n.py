"""Does a GIN pretrained on data-free targets of every NB201 cell help at n = 100? (not pytest)

The networks issue asks for Kendall tau >= 0.80 at n = 100 on ``nb201/cifar10-valid``. Session 12's
``pretrained_gnn`` (a GIN pretrained on known tables of every architecture, its readout fine-tuned by
ridge on the few labels) lifted cross-fidelity transfer; here its "source tables" are quantities that
need no training at all — the analytic FLOPs and the GRAF graph features of all 6,466 class
representatives (self-supervised, in the spirit of arch2vec) — and the labels are the n training cells.
Scored on each seed's development set (``FrozenSplits.dev_ids``, outside the test set), against the
registered XGBoost and the rank average of the two.

    ARCHBENCH_DATA=... python tests/perf/ssl_pretraining_small_n.py [--n 100] [--seeds 5]
"""

from __future__ import annotations

import argparse

import numpy as np
from scipy.stats import kendalltau, rankdata

import bench
from bench.data import ArchBatch, SourceTables
from bench.protocol import FrozenSplits
from bench.transfer.tasks import nb201_flops
from predictors import get_predictor
from predictors.features import feature_matrix
from predictors.transfer import PretrainedGNNPredictor

BENCHMARK, TARGET, DEV_SIZE = "nb201/cifar10-valid", "valid_acc", 3000


def data_free_targets(bm: bench.Benchmark, pool: np.ndarray) -> SourceTables:
    """FLOPs and the non-constant GRAF features of every pool cell, as pretraining "sources"."""
    archs = ArchBatch.from_benchmark(bm, pool)
    graf = np.asarray(feature_matrix(archs, "graf"), dtype=np.float64)
    flops = nb201_flops(bm.codes[bm.rows_of_ids(pool)], tuple(bm.space.ops))
    values = np.column_stack([flops, graf[:, graf.std(axis=0) > 0]])
    return SourceTables(tuple(f"data_free_{i}" for i in range(values.shape[1])), pool, values, archs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args()
    bm = bench.load(BENCHMARK)
    splits = FrozenSplits(bm)
    sources = data_free_targets(bm, np.asarray(splits.pool))
    print(f"{BENCHMARK}, n={args.n}, {args.seeds} seeds, dev sets of {DEV_SIZE}; "
          f"{len(sources.names)} data-free pretraining targets", flush=True)
    taus: dict[str, list[float]] = {"xgb": [], "ssl gnn": [], "rank mean of both": []}
    for seed in range(args.seeds):
        dev, ids = splits.dev_ids(seed, DEV_SIZE), splits.train_ids(args.n, seed)
        y, y_dev = bm.query(ids, TARGET), bm.query(dev, TARGET)
        train, test = ArchBatch.from_benchmark(bm, ids), ArchBatch.from_benchmark(bm, dev)
        xgb = np.asarray(get_predictor("xgb", seed=seed).fit(train, y).predict(test), dtype=np.float64)
        gnn = PretrainedGNNPredictor(seed=seed).fit(train, y, sources=sources).predict(test)
        for key, pred in (("xgb", xgb), ("ssl gnn", gnn), ("rank mean of both", rankdata(xgb) + rankdata(gnn))):
            taus[key].append(float(kendalltau(pred, y_dev).statistic))
        print(f"  seed {seed}: " + ", ".join(f"{k} {v[-1]:.3f}" for k, v in taus.items()), flush=True)
    print("  mean: " + ", ".join(f"{k} {np.mean(v):.4f}" for k, v in taus.items()))


if __name__ == "__main__":
    main()
