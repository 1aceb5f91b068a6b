"""Frozen splits: determinism, disjointness, nesting, isomorphism classes, hashes."""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

import bench
from bench.errors import UsageError
from bench.protocol import MAX_TEST_SIZE, PROTOCOL_VERSION, TRAIN_SIZES, FrozenSplits, derived_seed, ids_sha256

#: protocol v1's cora test set; if this changes, splits changed and PROTOCOL_VERSION must be bumped
CORA_TEST_HASH_V1 = "bb6c7c9d419c405f9cbd3b376592a643b9c1de25821897878b8c5f49be0038ba"


@pytest.fixture(scope="module")
def cora(data_dir):
    return bench.load("nasbench-graph/cora", progress=False)


@pytest.fixture(scope="module")
def nb201(data_dir):
    return bench.load("nb201-analog/cifar10", progress=False)


def test_test_set_size_and_frozen_hash(cora):
    s = FrozenSplits(cora)
    assert len(s.test_ids) == min(MAX_TEST_SIZE, round(0.25 * len(cora))) == 5000
    assert np.all(np.diff(s.test_ids) > 0) and np.isin(s.test_ids, cora.ids).all()
    assert PROTOCOL_VERSION == 1 and s.test_hash == CORA_TEST_HASH_V1
    assert s.max_train_size == len(cora) - 5000
    assert s.standard_train_sizes() == list(TRAIN_SIZES)


def test_splits_are_deterministic_and_seed_dependent(cora):
    a, b = FrozenSplits(cora), FrozenSplits(cora)
    np.testing.assert_array_equal(a.test_ids, b.test_ids)
    np.testing.assert_array_equal(a.train_ids(200, 3), b.train_ids(200, 3))
    assert a.split(200, 3).hash == b.split(200, 3).hash
    assert not np.array_equal(a.train_ids(200, 0), a.train_ids(200, 1))
    assert a.split(200, 0).hash != a.split(200, 1).hash != a.split(100, 1).hash
    # the test set is the same for every seed; other benchmarks get their own
    assert a.split(10, 0).test_hash == a.split(1000, 4).test_hash == a.test_hash
    other = SimpleNamespace(name="nasbench-graph/citeseer", ids=cora.ids, iso_class=None)
    assert FrozenSplits(other).test_hash != a.test_hash


def test_split_hash_is_stable_across_processes(cora):
    code = ("import bench; from bench.protocol import FrozenSplits; "
            "print(FrozenSplits(bench.load('nasbench-graph/cora', progress=False)).split(50, 2).hash)")
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == FrozenSplits(cora).split(50, 2).hash


def test_train_pools_are_disjoint_from_test_and_nested(cora):
    s = FrozenSplits(cora)
    for seed in range(3):
        previous = np.array([], dtype=np.int64)
        for size in TRAIN_SIZES:
            train = s.train_ids(size, seed)
            assert len(train) == size == len(np.unique(train))
            assert not np.isin(train, s.test_ids).any()
            np.testing.assert_array_equal(train[: len(previous)], previous)  # nested: a prefix of the next
            previous = train
    order = s.train_order(0)
    assert len(order) == s.max_train_size
    assert np.array_equal(np.sort(np.concatenate([order, s.test_ids])), cora.ids)  # a partition of the pool


def test_development_set_is_disjoint_from_test_and_training_pools(cora):
    splits = FrozenSplits(cora)
    dev = splits.dev_ids(0)
    assert len(dev) == 5000 and len(np.unique(dev)) == 5000
    assert not np.isin(dev, splits.test_ids).any()
    assert not np.isin(dev, splits.train_ids(splits.max_train_size - 5000, 0)).any()
    assert np.array_equal(dev, FrozenSplits(cora).dev_ids(0)) and not np.array_equal(dev, splits.dev_ids(1))
    with pytest.raises(UsageError, match="development-set size"):
        splits.dev_ids(0, splits.max_train_size)


def test_too_large_or_empty_training_sizes_are_usage_errors(cora):
    s = FrozenSplits(cora)
    with pytest.raises(UsageError, match="exceeds the 21206 architectures"):
        s.train_ids(21207, 0)
    with pytest.raises(UsageError, match="at least 1"):
        s.split(0, 0)
    assert len(s.train_ids(21206, 0)) == 21206


def test_nb201_splits_use_one_representative_per_isomorphism_class(nb201):
    s = FrozenSplits(nb201)
    iso = nb201.iso_class
    reps = np.unique(iso)
    assert s.uses_iso_classes and len(s.pool) == len(reps) == 6466
    assert len(s.test_ids) == round(0.25 * 6466)
    row_of = {int(i): r for r, i in enumerate(nb201.ids)}
    test_classes = set(iso[[row_of[int(i)] for i in s.test_ids]])
    for seed in range(3):
        train = s.train_ids(min(1000, s.max_train_size), seed)
        train_classes = iso[[row_of[int(i)] for i in train]]
        assert len(set(train_classes)) == len(train)  # no two isomorphs inside the pool
        assert not test_classes & set(train_classes)  # and none across the split
    assert np.isin(s.test_ids, reps).all() and np.isin(s.train_order(0), reps).all()


def test_iso_logic_on_a_hand_made_space():
    ids = np.arange(40, dtype=np.int64)
    iso = ids - ids % 4  # classes of 4: representative = smallest id of the class
    s = FrozenSplits(SimpleNamespace(name="toy/iso", ids=ids, iso_class=iso))
    np.testing.assert_array_equal(s.pool, np.arange(0, 40, 4))
    assert len(s.test_ids) == round(0.25 * 10) and s.max_train_size == 10 - len(s.test_ids)
    with pytest.raises(UsageError, match="exceeds"):
        s.train_ids(s.max_train_size + 1, 0)
    assert s.standard_train_sizes() == []
    # a subset without some class representatives keeps one cell per class present: its smallest id
    subset = np.array([1, 2, 4, 9, 10, 11, 13, 20], dtype=np.int64)
    sub = FrozenSplits(SimpleNamespace(name="toy/iso-subset", ids=subset[::-1], iso_class=(subset - subset % 4)[::-1]))
    np.testing.assert_array_equal(sub.pool, [1, 4, 9, 13, 20])


def test_hashes_cover_order_and_boundaries():
    a = np.array([1, 2, 3])
    assert ids_sha256(a, np.array([4])) != ids_sha256(np.array([1, 2]), np.array([3, 4]))
    assert ids_sha256(a, np.array([4, 5])) != ids_sha256(a, np.array([5, 4]))
    assert ids_sha256(a) == ids_sha256(a.astype(np.int32))
    assert derived_seed("x", "test") != derived_seed("x", "train", 0) != derived_seed("x", "train", 1)
    assert derived_seed("x", "train", 7) == derived_seed("x", "train", 7) > 2**64
