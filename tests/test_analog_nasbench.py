"""nb201-analog/cifar10 against the package (all values) and against NB201 200-epoch labels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.stats

import bench
from bench.importers import analog_nasbench


def test_every_label_equals_the_package(data_dir):
    raw = analog_nasbench.read_raw()
    b = bench.load("nb201-analog/cifar10")
    assert len(b) == len(raw) == 15625
    assert np.array_equal(b.ids, np.arange(15625))
    cols = analog_nasbench.source_columns()
    assert set(cols) == set(b.metrics) and len(cols) == 21
    for key, row in zip(b.source_keys, range(len(b)), strict=True):
        rec = raw[tuple(int(c) for c in key)]
        for metric, attr in cols.items():
            obj = rec
            for part in attr.split("."):
                obj = getattr(obj, part)
            assert b.labels(metric)[row] == float(obj), (key, metric)


def test_naslib_keys_map_to_nb201_index(shared_data, data_dir):
    ref = pd.read_csv(shared_data / "analog_nasbench" / "analognasbench_cifar10.csv",
                      dtype={"naslib_op_indices": str})
    b = bench.load("nb201-analog/cifar10")
    by_key = dict(zip(ref.naslib_op_indices, ref.nb201_arch_idx, strict=True))
    assert [by_key[k] for k in b.source_keys] == b.ids.tolist()
    assert np.allclose(b.query(ref.nb201_arch_idx.to_numpy(), "digital_acc"), ref.baseline_accuracy)


def test_digital_accuracy_agrees_with_nb201_200_epoch_valid(shared_data, data_dir):
    land = pd.read_csv(shared_data / "nb201_landscapes" / "cifar10_avg.csv")
    b = bench.load("nb201-analog/cifar10")
    rho = scipy.stats.spearmanr(b.query(land["index"].to_numpy(), "digital_acc"), land["valid-accuracy"]).statistic
    assert 0.98 < rho < 1.0
    # strings agree with the NB201 index used by NAS-Bench-201 itself
    assert b.strings[:50] == land.arch_str.tolist()[:50]


def test_iso_classes_are_stored(data_dir):
    b = bench.load("nb201-analog/cifar10")
    assert len(np.unique(b.iso_class)) == 6466
