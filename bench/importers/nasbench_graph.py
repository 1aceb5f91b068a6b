"""Build ``nasbench-graph/<dataset>`` store files from the ``nas-bench-graph`` PyPI package.

Units were verified against the package data, which does not document them:

* ``valid_acc``/``test_acc`` are fractions (0-1). On cora and citeseer every value times
  (500 valid / 1000 test nodes) times 3 is an integer, so each is the mean of 3 seeds on the
  Planetoid split. ogbn-proteins is scored by ROC-AUC (its OGB metric), also a fraction.
* ``params`` is in millions: it grows with the input feature width (citeseer 3,703 > cora 1,433 >
  pubmed 500 features) as a first GNN layer of width 64-256 predicts (e.g. 1,433 x 256 = 0.37 M).
* ``latency`` is in seconds per full-graph inference: it grows with graph size (arxiv 169 k nodes
  ~0.06 s median, cora 2.7 k nodes ~0.004 s).
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import os
import pickle
from pathlib import Path

import numpy as np

from bench.spaces.nasbench_graph import NasBenchGraphSpace
from bench.store import LabelInfo, StoreContents, sha256_file, write_store

DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins")
PROTEINS_OPS = ["gcn", "sage", "arma", "fc", "skip"]
CITATION = (
    "Qin, Zhang, Wang, Zhang, Zhu. NAS-Bench-Graph: Benchmarking Graph Neural Architecture Search. "
    "NeurIPS 2022 Datasets and Benchmarks."
)
SOURCE = "PyPI nas-bench-graph (github.com/THUMNLab/NAS-Bench-Graph), light/<dataset>.bench"
SCHEDULE = "the dataset's fixed training schedule from the NAS-Bench-Graph paper (not recorded in the light files)"


def raw_path(dataset: str) -> Path:
    """The package's light benchmark file for ``dataset``."""
    if dataset not in DATASETS:
        raise ValueError(f"unknown NAS-Bench-Graph dataset {dataset!r}; choose from {', '.join(DATASETS)}")
    return Path(str(importlib.resources.files("nas_bench_graph") / "light" / f"{dataset}.bench"))


def read_raw(dataset: str) -> dict[int, dict[str, float]]:
    """The package's own dict ``{valid_hash: {valid_perf, perf, latency, para}}``."""
    with open(raw_path(dataset), "rb") as f:
        return pickle.load(f)


def contents(dataset: str) -> StoreContents:
    raw = read_raw(dataset)
    space = NasBenchGraphSpace(ops=PROTEINS_OPS if dataset == "proteins" else None)
    ids = np.array(sorted(raw), dtype=np.int64)
    codes = space.from_ids(ids)
    metric = "ROC-AUC (fraction)" if dataset == "proteins" else "accuracy (fraction)"

    def column(key: str) -> np.ndarray:
        return np.array([float(raw[int(i)][key]) for i in ids], dtype=np.float64)

    common = {"epochs": None, "seed_reduction": "mean of 3 seeds", "source": f"{SOURCE} [{{key}}]"}

    def info(name: str, key: str, **kw: object) -> LabelInfo:
        fields = {**common, **kw}
        fields["source"] = str(fields["source"]).format(key=key)
        return LabelInfo(name=name, **fields)  # type: ignore[arg-type]

    labels = {
        "valid_acc": (column("valid_perf"), info(
            "valid_acc", "valid_perf", unit=metric, split="valid", higher_is_better=True,
            description=f"validation {metric.split(' ')[0]} of the model selected on validation, {SCHEDULE}")),
        "test_acc": (column("perf"), info(
            "test_acc", "perf", unit=metric, split="test", higher_is_better=True,
            description=f"test {metric.split(' ')[0]} of the model selected on validation, {SCHEDULE}")),
        "latency": (column("latency"), info(
            "latency", "latency", unit="s", split="none", higher_is_better=False,
            seed_reduction="as released (repetitions not documented)",
            description="inference time of one full-graph forward pass (unit inferred, see datasets card)")),
        "params": (column("para"), info(
            "params", "para", unit="M parameters", split="none", higher_is_better=False,
            seed_reduction="deterministic", description="number of trainable parameters in millions")),
    }
    version = importlib.metadata.version("nas-bench-graph")
    return StoreContents(
        benchmark=f"nasbench-graph/{dataset}",
        space="nasbench-graph",
        space_config=space.config(),
        ids=ids,
        strings=space.to_strings(codes),
        codes=codes,
        source_keys=ids.copy(),
        labels=labels,
        meta={
            "source": SOURCE,
            "source_version": f"nas-bench-graph {version}",
            "license": "Apache-2.0 (package metadata of nas-bench-graph)",
            "citation": CITATION,
            "raw_sha256": {raw_path(dataset).name: sha256_file(raw_path(dataset))},
            "dataset": dataset,
            "description": f"NAS-Bench-Graph on {dataset}: 4-node GNN macro DAGs x 9 ops, light labels",
        },
    )


def build(dataset: str, path: str | os.PathLike[str]) -> Path:
    """Write the store file for one dataset."""
    return write_store(path, contents(dataset))
