"""A NAS-Bench-Graph transfer development target that no board scores: proteins (not pytest).

The ``nbg-cross-dataset`` board scores the eight node-classification datasets, so none of their
labels may choose a predictor. ``proteins`` (graph classification, 2,021 of the 26,206
architectures) is no board's target: here its ``valid_acc`` is the target and the eight board
datasets' ``valid_acc`` over every architecture are the sources. Per draw, k proteins cells are the
labels and the proteins cells outside the first 100 of the draw's permutation are the query set
(so every k shares one query set, as on the board); Kendall tau, mean over draws. This is where
``pretrained_gnn_mix`` was chosen (session 13).

    ARCHBENCH_DATA=... python tests/perf/transfer_nbg_dev.py --predictors pretrained_gnn,pretrained_gnn_mix,xgb \\
        [--ks 10,50,100] [--draws 10] [--n-pretrain 1]
"""

from __future__ import annotations

import argparse
import inspect
import time

import numpy as np

from bench.data import fit_on_task
from bench.metrics import kendall_tau
from bench.transfer.run import load_transfer_predictor
from bench.transfer.tasks import NBG_DATASETS, TaskData, TransferTask, load

MAX_K = 100


def proteins_task() -> TaskData:
    """proteins ``valid_acc`` as the target over the full space (NaN where proteins has no cell)."""
    task = TransferTask("nbg-dev", "proteins", "nasbench-graph/proteins", "valid_acc",
                        tuple((f"nasbench-graph/{d}", "valid_acc") for d in NBG_DATASETS), "accuracy",
                        universe="nasbench-graph/cora")
    return load(task)


def make(name: str, seed: int, n_pretrain: int) -> object:
    cls = load_transfer_predictor(name)
    takes = inspect.signature(cls).parameters
    return cls(seed=seed, n_pretrain=n_pretrain) if "n_pretrain" in takes else cls(seed=seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--predictors", required=True, help="comma-separated transfer or ordinary predictor names")
    parser.add_argument("--ks", default="10,50,100")
    parser.add_argument("--draws", type=int, default=10)
    parser.add_argument("--n-pretrain", type=int, default=1, help="pretraining seeds of the GNN predictors")
    args = parser.parse_args()
    data = proteins_task()
    labelled = data.pool[np.isfinite(data.y)]
    names, ks = args.predictors.split(","), [int(k) for k in args.ks.split(",")]
    if max(ks) > MAX_K:
        parser.error(f"k at most {MAX_K}")
    print(f"proteins: {len(labelled)} labelled of {len(data.pool)} architectures; {len(data.sources.names)} sources",
          flush=True)
    for k in ks:
        taus: dict[str, list[float]] = {n: [] for n in names}
        start = time.perf_counter()
        for draw in range(args.draws):
            perm = np.random.default_rng(1000 + draw).permutation(labelled)
            train, query = perm[:k], np.sort(perm[MAX_K:])
            archs, y, q = data.batch(train), data.labels_of(train), data.batch(query)
            for name in names:
                model = make(name, draw, args.n_pretrain)
                fitted = fit_on_task(model, archs, y, data.sources)
                taus[name].append(kendall_tau(data.labels_of(query), np.asarray(fitted.predict(q), dtype=np.float64)))
        print(f"k = {k:3d} ({time.perf_counter() - start:.0f} s): "
              + ", ".join(f"{n} {np.mean(v):.4f} ± {1.96 * np.std(v, ddof=1) / np.sqrt(len(v)):.4f}"
                          for n, v in taus.items()), flush=True)


if __name__ == "__main__":
    main()
