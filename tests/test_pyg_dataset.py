"""``bench.torch_geometric_dataset``: the frozen splits as PyG graphs with their labels attached."""

from __future__ import annotations

import numpy as np
import pytest

import bench
from bench.errors import ArchBenchError
from bench.protocol import FrozenSplits


def test_graphs_carry_the_frozen_split_and_its_labels(nb201_tables):
    bm = bench.load("nb201/cifar10-valid")
    splits = FrozenSplits(bm)
    train = bench.torch_geometric_dataset("nb201/cifar10-valid", "valid_acc", split="train", size=50, seed=2)
    ids = np.array([g.arch_id for g in train])
    assert np.array_equal(ids, splits.train_ids(50, 2))  # the pool the boards train on, in its order
    assert np.allclose([float(g.y) for g in train], bm.query(ids, "valid_acc"))
    graph, reference = train[0], bm.encode(ids[:1], "graph")[0]
    assert graph.x.shape[1] == len(bm.space.node_types) == 7 and graph.y.shape == (1,)
    assert np.array_equal(graph.x.numpy(), reference.x.numpy())
    assert np.array_equal(graph.edge_index.numpy(), reference.edge_index.numpy())
    test = bench.torch_geometric_dataset("nb201/cifar10-valid", "valid_acc", split="test", seed=5)
    assert np.array_equal([g.arch_id for g in test], splits.test_ids)  # one test set for every seed
    dev = {g.arch_id for g in bench.torch_geometric_dataset("nb201/cifar10-valid", "valid_acc", split="dev", seed=2)}
    assert dev and not dev & set(splits.test_ids.tolist()) and not dev & set(ids.tolist())


@pytest.mark.parametrize("kwargs, message", [
    ({"split": "valid"}, "split must be one of train, test, dev"),
    ({"size": 0}, "at least 1"),
    ({"size": 10**7}, "exceeds"),
    ({"seed": -1}, "at least 0"),
    ({"target": "valid_accuracy"}, "valid_acc"),
])
def test_bad_requests_are_archbench_errors(kwargs, message, nb201_tables):
    args = {"name": "nb201/cifar10-valid", "target": "valid_acc", **kwargs}
    with pytest.raises(ArchBenchError, match=message):
        bench.torch_geometric_dataset(**args)
