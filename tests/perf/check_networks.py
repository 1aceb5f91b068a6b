"""Parameter counts and FLOPs of the built networks against the published labels (not part of pytest).

NB201: every NB201 cell in NASLib's zero-cost files (``../shared/data/naslib_zc``), params (M) and FLOPs (M)
per dataset. NAS-Bench-Graph: the stored ``params`` label (M) of ``--archs`` architectures per dataset
(``all`` for every one), exact matches and the largest relative gap.

    python tests/perf/check_networks.py [--archs 2000] [--datasets cora,physics] [--skip-nb201]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

import bench
from bench.networks.base import count_params
from bench.networks.flops import count_flops
from bench.networks.nasbench_graph import DATASETS, NasBenchGraphBuilder
from bench.networks.nb201 import NB201Builder
from bench.spaces.nb201 import NB201Space

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
NASLIB_TASKS = {"cifar10": "cifar10", "cifar100": "cifar100", "ImageNet16-120": "imagenet16-120"}


def check_nb201() -> None:
    data = json.loads((SHARED / "naslib_zc" / "zc_nasbench201.json").read_text())
    space = NB201Space()
    for task, dataset in NASLIB_TASKS.items():
        builder = NB201Builder(dataset)
        records = data[task]
        dp, df = [], []
        for key, rec in records.items():
            code = space.from_naslib(np.array([json.loads(key.replace("(", "[").replace(")", "]"))]))[0]
            net = builder.build(code)
            dp.append(count_params(net) / 1e6 - rec["params"]["score"])
            df.append(count_flops(net, builder.inputs(1)) - rec["flops"]["score"])
        dp, df = np.abs(dp), np.abs(df)
        print(f"nb201 {dataset}: {len(records)} cells; params |diff| max {dp.max():.2e} M; "
              f"flops |diff| max {df.max():.2e} M, min {df.min():.2e} M")


def check_graph(dataset: str, archs: str) -> None:
    b = bench.load(f"nasbench-graph/{dataset}")
    ids = b.ids if archs == "all" else b.sample(min(int(archs), len(b)), seed=0)
    codes = b.space.from_ids(np.asarray(ids))
    stored = b.query(ids, "params")
    builder = NasBenchGraphBuilder(dataset)
    ours = np.array([count_params(builder.build(c)) for c in codes]) / 1e6
    gap = np.abs(ours - stored)
    exact = gap < 0.5e-6
    fractional = np.abs(stored * 1e6 - np.round(stored * 1e6)) > 1e-3
    print(f"nasbench-graph {dataset}: {exact.sum()}/{len(ids)} equal the stored params; "
          f"max relative gap {np.max(gap / stored):.3f}; of the {(~exact).sum()} others, "
          f"{(fractional & ~exact).sum()} store a non-integer count (a mean over seeds that trained different models)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--archs", default="2000")
    ap.add_argument("--datasets", default=",".join(DATASETS))
    ap.add_argument("--skip-nb201", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(1)
    start = time.perf_counter()
    if not args.skip_nb201:
        check_nb201()
    for dataset in args.datasets.split(","):
        check_graph(dataset, args.archs)
    print(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
