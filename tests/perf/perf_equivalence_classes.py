"""What an equivalence-class column does to predictor scores: NB201 CIFAR-10 as a six-token table.

Run: ``python tests/perf/perf_equivalence_classes.py [--seeds 5] [--shared ../shared/data]`` (about a
minute on 2 cores). Prints the figures in ``datasets/PROTOCOL.md`` ("Equivalence classes in
imported tables"):

1. ``xgb`` Kendall tau on ``valid_acc`` at n = 100 and 1000 for the table imported without the
   class column (isomorphs on both sides of the split), with it (one cell per class, the
   representative's labels) and with ``labels: pooled``, through ``bench.evaluation`` as
   ``archbench evaluate`` runs it.
2. On the class column's fixed test set: the seed's 1,000 training representatives against the
   same pool with 180 of them swapped for isomorphs of test cells (the leak alone).

The tables are built from ``nb201_landscapes/cifar10_avg.csv`` and ``nb201_index`` in a temporary
folder; nothing is written to the project.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.stats import kendalltau

import bench
from bench.evaluation import PredictorConfig, ResultStore, evaluate, plan_units
from bench.importers.catalog import import_source
from bench.protocol import FrozenSplits
from predictors import get_predictor
from predictors.base import ArchBatch

TOKENS = ("none", "skip", "conv1x1", "conv3x3", "avgpool")
TABLES = {"plain": None, "classes": {"column": "cls"}, "pooled": {"column": "cls", "labels": "pooled"}}


def build_tables(shared: Path, folder: Path) -> None:
    acc = pd.read_csv(shared / "nb201_landscapes" / "cifar10_avg.csv", usecols=["index", "valid-accuracy"])
    idx = pd.read_csv(shared / "nb201_index" / "nb201_arch_index.csv", dtype={"op_codes": str})
    cells = idx.merge(acc, left_on="arch_idx", right_on="index")
    cells["arch"] = [" ".join(TOKENS[int(c)] for c in code) for code in cells["op_codes"]]
    cells.rename(columns={"rep_arch_idx": "cls", "valid-accuracy": "valid"})[["arch", "cls", "valid"]].to_csv(
        folder / "nb201seq.csv", index=False)
    label = {"column": "valid", "unit": "accuracy (%)", "split": "valid", "epochs": 200, "seed_reduction": "mean",
             "higher_is_better": True}
    for name, classes in TABLES.items():
        card = {"name": f"seq201/{name}", "file": "nb201seq.csv", "space": "sequence",
                "architecture": {"column": "arch"}, "labels": {"valid_acc": label}}
        if classes:
            card["equivalence_class"] = classes
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(card, sort_keys=False))
        import_source("table", folder / f"{name}.yaml", folder / "data", force=True)


def board(folder: Path, seeds: int) -> None:
    data = folder / "data"
    for name in TABLES:
        units = plan_units([f"seq201/{name}"], ["valid_acc"], [PredictorConfig.resolve("xgb")], [100, 1000], seeds,
                           data_dir=data)
        evaluate(units, folder / "results", data_dir=data, progress=False)
    rows = pd.DataFrame(ResultStore(folder / "results").rows())
    rows["table"] = rows["benchmark"].str.split("/").str[1]
    summary = rows.groupby(["table", "n_train"])["kendall_tau"].agg(["mean", "std", "count"]).round(3)
    print(summary.to_string())
    print("n_test:", rows.groupby("table")["n_test"].first().to_dict())


def leak(folder: Path, seeds: int) -> None:
    data = folder / "data"
    classes, plain = bench.load("seq201/classes", data), bench.load("seq201/plain", data)
    splits = FrozenSplits(classes)
    test = splits.test_ids
    iso = dict(zip(classes.ids.tolist(), classes.iso_class.tolist(), strict=True))
    test_classes = {iso[i] for i in test.tolist()}
    members = np.array([i for i in plain.ids.tolist() if iso[i] in test_classes and iso[i] != i])
    y_test = plain.query(test, "valid_acc")
    for seed in range(seeds):
        reps = splits.train_order(seed)[:1000]
        swapped = np.r_[reps[:820], np.random.default_rng(2000 + seed).choice(members, 180, replace=False)]
        taus = []
        for ids in (reps, swapped):
            model = get_predictor("xgb", seed=seed).fit(ArchBatch.from_benchmark(plain, ids),
                                                        plain.query(ids, "valid_acc"))
            taus.append(kendalltau(model.predict(ArchBatch.from_benchmark(plain, test)), y_test)[0])
        print(f"seed {seed}: tau one cell per class {taus[0]:.3f}; 180 of 1000 swapped for isomorphs of test "
              f"cells {taus[1]:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        build_tables(args.shared, folder)
        board(folder, args.seeds)
        leak(folder, args.seeds)


if __name__ == "__main__":
    main()
