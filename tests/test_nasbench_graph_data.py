"""Every stored NAS-Bench-Graph label equals the package's value, for every architecture."""

from __future__ import annotations

import numpy as np
import pytest
from nas_bench_graph import light_read

import bench
from bench.importers.nasbench_graph import DATASETS

KEYS = {"valid_acc": "valid_perf", "test_acc": "perf", "latency": "latency", "params": "para"}


@pytest.mark.parametrize("dataset", DATASETS)
def test_all_labels_equal_the_package(dataset, data_dir):
    raw = light_read(dataset)
    b = bench.load(f"nasbench-graph/{dataset}")
    assert len(b) == len(raw)
    assert sorted(raw) == b.ids.tolist() == b.source_keys.tolist()
    for metric, key in KEYS.items():
        expected = np.array([float(raw[int(i)][key]) for i in b.ids])
        assert np.array_equal(b.labels(metric), expected), metric


@pytest.mark.parametrize("dataset", ["cora", "citeseer"])
def test_accuracies_are_means_of_three_seeds(dataset, data_dir):
    """valid x 500 x 3 and test x 1000 x 3 are integers on the Planetoid split: mean of 3 seeds."""
    b = bench.load(f"nasbench-graph/{dataset}")
    for metric, n_nodes in (("valid_acc", 500), ("test_acc", 1000)):
        counts = b.labels(metric) * n_nodes * 3
        assert np.abs(counts - counts.round()).max() < 1e-6
        assert b.metric_info(metric).seed_reduction == "mean of 3 seeds"


def test_strings_are_canonical_and_round_trip(data_dir):
    b = bench.load("nasbench-graph/cora")
    sub = b.ids[::97]
    strings = [b.strings[r] for r in b.rows_of_ids(sub)]
    assert np.array_equal(b.to_ids(strings), sub)
    assert np.array_equal(b.query(strings, "valid_acc"), b.query(sub, "valid_acc"))


def test_proteins_is_restricted_to_its_ops(data_dir):
    b = bench.load("nasbench-graph/proteins")
    assert len(b) == 2021
    assert b.space.config()["ops"] == ["gcn", "sage", "arma", "fc", "skip"]
    assert b.metric_info("valid_acc").unit.startswith("ROC-AUC")
