"""Predictor quality and cost against the issue's XGBoost references, on the frozen protocol.

Run: ``python tests/perf/perf_predictors.py [dataset,...] [predictor,...] [seeds]``. Prints, per
NAS-Bench-Graph dataset at n=1000: Kendall tau on ``valid_acc`` (best predictor vs the published
one-hot XGBoost reference and the +0.08 target), the fraction of ``latency`` predictions within
±10 %, and fit/predict seconds (targets: GIN fit <= 10 s, XGBoost <= 0.5 s on 2 cores).
"""

from __future__ import annotations

import sys
import time

import numpy as np
from scipy.stats import kendalltau

import bench
from bench.protocol import FrozenSplits
from predictors import ArchBatch, get_predictor

REFERENCE_TAU = {"cora": 0.455, "citeseer": 0.631, "pubmed": 0.426, "cs": 0.670, "physics": 0.585,
                 "photo": 0.666, "computers": 0.554, "arxiv": 0.687}


def run(dataset: str, target: str, names: list[str], seeds: int, n: int = 1000) -> dict[str, dict[str, float]]:
    bm = bench.load(f"nasbench-graph/{dataset}")
    splits = FrozenSplits(bm)
    test = ArchBatch.from_benchmark(bm, splits.test_ids, ["params"])
    y_test = bm.query(splits.test_ids, target)
    out: dict[str, dict[str, list[float]]] = {}
    for seed in range(seeds):
        ids = splits.train_ids(n, seed)
        train = ArchBatch.from_benchmark(bm, ids, ["params"])
        y = bm.query(ids, target)
        for name in names:
            t0 = time.perf_counter()
            model = get_predictor(name, seed=seed).fit(train, y)
            t1 = time.perf_counter()
            pred = model.predict(test)
            t2 = time.perf_counter()
            rec = out.setdefault(name, {"tau": [], "within10": [], "fit": [], "predict": []})
            rec["tau"].append(kendalltau(pred, y_test).statistic)
            rec["within10"].append(float(np.mean(np.abs(pred - y_test) <= 0.1 * np.abs(y_test))))
            rec["fit"].append(t1 - t0)
            rec["predict"].append(t2 - t1)
    return {k: {m: float(np.mean(v)) for m, v in rec.items()} for k, rec in out.items()}


def main() -> None:
    datasets = sys.argv[1].split(",") if len(sys.argv) > 1 else list(REFERENCE_TAU)
    names = sys.argv[2].split(",") if len(sys.argv) > 2 else ["xgb", "rf", "mlp", "gin"]
    seeds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    print(f"n=1000, {seeds} seeds, frozen test set (datasets/PROTOCOL.md)")
    print(f"{'dataset':10s} {'best':6s} {'tau':>6s} {'ref':>6s} {'target':>6s} {'ok':>3s}   "
          f"{'latency best':12s} {'within10':>8s}   fit s ({', '.join(names)})")
    for ds in datasets:
        acc = run(ds, "valid_acc", names, seeds)
        lat = run(ds, "latency", names, seeds)
        best = max(acc, key=lambda k: acc[k]["tau"])
        lbest = max(lat, key=lambda k: lat[k]["within10"])
        ref = REFERENCE_TAU.get(ds, float("nan"))
        ok = "yes" if acc[best]["tau"] >= ref + 0.08 else "no"
        fits = ", ".join(f"{acc[k]['fit']:.2f}" for k in names)
        print(f"{ds:10s} {best:6s} {acc[best]['tau']:6.3f} {ref:6.3f} {ref + 0.08:6.3f} {ok:>3s}   "
              f"{lbest:12s} {lat[lbest]['within10']:8.3f}   {fits}", flush=True)


if __name__ == "__main__":
    main()
