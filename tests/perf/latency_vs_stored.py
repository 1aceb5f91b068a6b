"""Latency measured here against a benchmark's stored latency label, and zero-cost proxies against accuracy.

    python tests/perf/latency_vs_stored.py --benchmark nasbench-graph/cora --archs 200 [--repeats 3]
    python tests/perf/latency_vs_stored.py --table mycpu/cora200 --benchmark nasbench-graph/cora

Runs ``archbench measure latency`` (unless ``--table`` names a finished table), joins the result with the
benchmark and prints the Spearman between our median latency and the stored ``latency`` label.
"""

from __future__ import annotations

import argparse

from scipy.stats import spearmanr

import bench
from bench.cli import main as cli


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--benchmark", default="nasbench-graph/cora")
    ap.add_argument("--archs", default="200")
    ap.add_argument("--repeats", default="3")
    ap.add_argument("--table", help="an already measured table to compare instead of measuring")
    args = ap.parse_args()
    table = args.table
    if table is None:
        table = f"perf-latency/{args.benchmark.split('/')[-1]}"
        cli(["measure", "latency", "--benchmark", args.benchmark, "--archs", args.archs, "--repeats", args.repeats,
             "--warmup", "1", "--name", table, "--force", "--restart"])
    b = bench.load(f"{args.benchmark}+{table}")
    ours, stored = b.labels("latency_b1"), b.labels("latency")
    print(f"{len(b)} architectures: Spearman(our latency_b1, stored latency) = {spearmanr(ours, stored)[0]:.3f}; "
          f"Spearman(our latency, stored params) = {spearmanr(ours, b.labels('params'))[0]:.3f}")


if __name__ == "__main__":
    main()
