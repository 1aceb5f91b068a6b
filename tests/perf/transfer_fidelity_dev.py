"""Development tasks for NB201 cross-fidelity transfer that read no label of the board's target.

The board's target is the 200-epoch CIFAR-10 ``valid_acc``; these development targets are NASLib's
200-epoch CIFAR-100 and ImageNet16-120 ``val_acc`` of the cells in ``naslib-zc/nb201-*`` (each
mapped to its isomorphism class's representative, the cell the board's pool holds), with the
board's six 12-epoch sources (every class's cell, for pretraining). k labels drawn per seed as the
board draws them, every other labelled cell the query set, Kendall tau. This is where the
cross-fidelity predictors' features are chosen, never on the board.

    python tests/perf/transfer_fidelity_dev.py --predictors pretrained,xgb_transfer --k 100
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np

import bench
from bench.metrics import kendall_tau
from bench.transfer.protocol import draws
from bench.transfer.run import fit_predict, load_transfer_predictor
from bench.transfer.tasks import TaskData, fidelity_task, load

DEV_TARGETS = ("cifar100", "imagenet16-120")


def dev_data(dataset: str) -> TaskData:
    """The board's task data with the target swapped for NASLib's 200-epoch ``val_acc`` on ``dataset``."""
    data = load(fidelity_task())
    dev = bench.load(f"naslib-zc/nb201-{dataset}")
    ids = np.asarray(dev.ids, dtype=np.int64)
    y = dev.query(ids, "val_acc").astype(np.float64)
    space = data.benchmark.space
    rep = space.iso_class(dev.codes[dev.rows_of_ids(ids)])
    reps, inverse = np.unique(rep, return_inverse=True)
    y_rep = np.bincount(inverse, weights=y) / np.bincount(inverse)  # isomorphs: one network, mean label
    keep = np.isin(reps, data.pool) & np.isfinite(y_rep)
    pool, labels = reps[keep], y_rep[keep]
    task = replace(data.task, board="nb201-fidelity-dev", target=dataset)
    return replace(data, task=task, pool=pool, y=labels)


def score(dataset: str, predictor: str, k: int, seeds: int) -> tuple[float, float]:
    data = dev_data(dataset)
    taus = []
    for draw in draws(data, "archbench", k, range(seeds)):
        pred, _ = fit_predict(data, draw, load_transfer_predictor(predictor)(seed=draw.seed))
        taus.append(kendall_tau(data.labels_of(draw.query_ids), pred))
    return float(np.mean(taus)), float(1.96 * np.std(taus, ddof=1) / np.sqrt(len(taus)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--predictors", required=True, help="comma-separated transfer predictor names")
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    for dataset in DEV_TARGETS:
        print(f"{dataset}: {len(dev_data(dataset).pool)} labelled classes, k = {args.k}, {args.seeds} seeds")
    for name in args.predictors.split(","):
        res = {d: score(d, name, args.k, args.seeds) for d in DEV_TARGETS}
        mean = np.mean([m for m, _ in res.values()])
        print(f"{name:24s} mean tau {mean:.4f} | " + " ".join(f"{d} {m:.3f} ± {h:.3f}" for d, (m, h) in res.items()),
              flush=True)


if __name__ == "__main__":
    main()
