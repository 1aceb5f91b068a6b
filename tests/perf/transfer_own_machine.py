"""Transfer task 4, your own machine: measure 20 NB201 cells here, predict every cell from HELP's 27
device tables, check against more cells measured here.

    python tests/perf/transfer_own_machine.py --n-check 500            # measures 520 cells (a few minutes)
    python tests/perf/transfer_own_machine.py --n-check 50 --repeats 3 # a quick look

Cells are measured with ``archbench measure latency`` (one CPU thread, batch 1) into the table
``--name``; a rerun reuses that table (pass ``--force`` to measure again). Prints Spearman, Kendall
and the fraction within ±10 % on the check cells for each predictor, and the model ``auto`` chose.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

import bench
from bench.errors import ArchBenchError
from bench.protocol import derived_seed
from bench.transfer.protocol import Draw
from bench.transfer.run import fit_predict, load_transfer_predictor, score
from bench.transfer.tasks import load, own_machine_task


def measure(name: str, ids: np.ndarray, repeats: int, force: bool) -> str:
    """Measure the cells (unless the table exists) and return the benchmark name."""
    try:
        if not force and len(bench.load(name)) >= len(ids):
            return name
    except ArchBenchError:
        pass
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as fh:
        fh.write("\n".join(map(str, ids)) + "\n")
    cmd = [sys.executable, "-m", "bench.cli", "measure", "latency", "--benchmark", "nb201-latency/help",
           "--ids", fh.name, "--name", name, "--threads", "1", "--repeats", str(repeats), "--dataset", "cifar10"]
    if force:
        cmd.append("--force")
    subprocess.run(cmd, check=True)
    Path(fh.name).unlink()
    return name


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-train", type=int, default=20)
    ap.add_argument("--n-check", type=int, default=500)
    ap.add_argument("--name", default="own/nb201-cpu", help="table name for the measured cells")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--force", action="store_true", help="measure again even if the table exists")
    ap.add_argument("--predictors", default="additive,source_ridge,best_source,auto")
    args = ap.parse_args()

    pool = np.asarray(bench.load("nb201-latency/help").ids, dtype=np.int64)
    order = np.random.default_rng(derived_seed("own-machine", "transfer-measure", args.seed)).permutation(pool)
    chosen = order[:args.n_train + args.n_check]
    name = measure(args.name, chosen, args.repeats, args.force)
    table = bench.load(name)
    metric = next(m for m in table.metrics if m.startswith("latency"))
    data = load(own_machine_task(name, metric))
    train = order[:args.n_train]
    check = np.sort(np.intersect1d(order[args.n_train:args.n_train + args.n_check], data.pool))
    everything = np.asarray(data.sources.ids)
    print(f"target {name}:{metric}; {len(train)} measured cells given, {len(check)} measured cells checked, "
          f"{len(everything)} cells predicted")
    for spec in args.predictors.split(","):
        model = load_transfer_predictor(spec)(seed=args.seed)
        draw = Draw(data.task.name, "own", args.n_train, args.seed, train, everything)
        pred, info = fit_predict(data, draw, model)
        at_check = pred[np.searchsorted(everything, check)]
        m = score(data.labels_of(check), at_check, "latency")
        print(f"{spec:14s} spearman {m['spearman']:.3f}  kendall {m['kendall']:.3f}  "
              f"within ±10 % {m['within_10pct']:.3f}" + (f"  (chose {info['chosen']})" if "chosen" in info else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
