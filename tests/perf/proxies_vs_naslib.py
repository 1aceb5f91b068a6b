"""Data-free proxies computed here against NASLib's published ones, and what they cost (not part of pytest).

On the NB201 CIFAR-10 cells of NASLib's zero-cost file (``../shared/data/naslib_zc``, 724 cells): Spearman
of each proxy against NASLib's value of the same proxy (where NASLib has it) and against the cells'
200-epoch validation accuracy (ArchBench's ``nb201/cifar10-valid``, the label NASLib's
``val_accuracy`` copies), beside NASLib's own Spearman with that accuracy. Cost: wall and CPU seconds
per architecture per proxy, and the wall time all 6,466 NB201 class representatives would take on two
dedicated cores (CPU seconds x 6,466 / 2; wall seconds are printed too, they grow with the machine's load).

    python tests/perf/proxies_vs_naslib.py [--cells 724] [--proxies synflow,zen,params,flops] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

import bench
from bench.networks import proxies as zc
from bench.networks.nb201 import NB201Builder

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
REPRESENTATIVES = 6466


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cells", type=int, default=724, help="how many of NASLib's cells (seeded sample)")
    parser.add_argument("--proxies", default="synflow,zen,params,flops")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    records = json.loads((SHARED / "naslib_zc" / "zc_nasbench201.json").read_text())["cifar10"]
    keys = list(records)
    rng = np.random.default_rng(args.seed)
    keys = [keys[i] for i in sorted(rng.choice(len(keys), min(args.cells, len(keys)), replace=False))]
    b = bench.load("nb201/cifar10-valid")
    codes = b.space.from_naslib(np.array([json.loads(k.replace("(", "[").replace(")", "]")) for k in keys]))
    ids = b.space.to_ids(codes)
    accuracy = b.query(ids, "valid_acc")
    proxies = args.proxies.split(",")

    results: dict[int, dict] = {}
    start = time.perf_counter()
    zc.run(NB201Builder("cifar10"), dict(enumerate(codes)), proxies, args.seed, None, set(),
           lambda r: results.__setitem__(r["id"], r), jobs=args.jobs)
    wall = time.perf_counter() - start
    rows = [results[i] for i in range(len(keys))]

    print(f"{len(keys)} NASLib NB201 CIFAR-10 cells, {args.jobs} job(s), {wall:.0f} s wall in all")
    print(f"{'proxy':<10} {'vs NASLib':>10} {'vs acc':>8} {'NASLib vs acc':>14} {'wall s/arch':>12} {'CPU s/arch':>11}")
    cpu_total = 0.0
    for p in proxies:
        ours = np.array([r["values"][p] for r in rows])
        theirs = np.array([records[k][p]["score"] for k in keys]) if p in records[keys[0]] else None
        cpu = np.mean([r["cpu_seconds"][p] for r in rows])
        cpu_total += cpu
        vs_naslib = f"{spearmanr(ours, theirs)[0]:.4f}" if theirs is not None else "-"
        naslib_acc = f"{spearmanr(theirs, accuracy)[0]:.3f}" if theirs is not None else "-"
        print(f"{p:<10} {vs_naslib:>10} {spearmanr(ours, accuracy)[0]:>8.3f} {naslib_acc:>14} "
              f"{np.mean([r['seconds'][p] for r in rows]):>12.3f} {cpu:>11.3f}")
    print(f"all {len(proxies)} proxies: {cpu_total:.3f} CPU s per architecture -> {REPRESENTATIVES} NB201 class "
          f"representatives on 2 dedicated cores: {cpu_total * REPRESENTATIVES / 2 / 60:.1f} min "
          f"(this run: {wall / len(keys) * REPRESENTATIVES / 60:.1f} min of wall at its load and jobs)")


if __name__ == "__main__":
    main()
