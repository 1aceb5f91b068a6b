"""ArchBench's frozen splits as PyTorch Geometric graphs, for training your own GNN predictor.

Each architecture is its space's ``graph`` encoding (a ``torch_geometric.data.Data``: one-hot node
types in ``x``, directed edges from input to output in ``edge_index``) with the target label in
``y`` and its id in ``arch_id``. The splits are those the leaderboards use (``datasets/PROTOCOL.md``),
so predictions on ``split="test"`` scored with :func:`bench.metrics.score_predictions` are comparable
with every board at the same training size and seed.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from bench.errors import UsageError
from bench.validate import check_int, check_str

SPLITS = ("train", "test", "dev")


def split_ids(bm: Any, split: str, size: int, seed: int) -> np.ndarray:
    """Ids of a frozen split: the ``size``-architecture training pool of ``seed``, the fixed test set,
    or the development set of ``seed`` (disjoint from both; for tuning)."""
    from bench.protocol import FrozenSplits

    check_str(split, "split", choices=SPLITS)
    splits = FrozenSplits(bm)
    if split == "train":
        return splits.train_ids(size, seed)
    return splits.test_ids if split == "test" else splits.dev_ids(seed)


def torch_geometric_dataset(
    name: str, target: str, split: str = "train", size: int = 100, seed: int = 0,
    data_dir: str | os.PathLike[str] | None = None,
) -> list[Any]:
    """The architectures of one frozen split as PyG ``Data`` with ``y`` (shape ``[1]``, float32) and
    ``arch_id``; architectures whose ``target`` is missing are left out, as the harness does.

    ``size`` and ``seed`` pick the training pool (``split="train"``); ``seed`` also picks the
    development set (``"dev"``); the test set is the same for every seed.
    """
    import torch

    from bench.loading import load

    check_int(size, "size", minimum=1)
    check_int(seed, "seed", minimum=0)
    bm = load(name, data_dir, progress=False)
    bm.metric_info(target)  # UnknownMetric with the closest names
    y_all = bm.labels(target)
    if y_all.ndim != 1:
        raise UsageError(f"{name} metric {target!r} is not one value per architecture; pick a scalar metric")
    ids = split_ids(bm, split, size, seed)
    rows = bm.rows_of_ids(ids)
    y = np.asarray(y_all[rows], dtype=np.float32)
    keep = np.isfinite(y)
    graphs = bm.space.encode(bm.codes[rows[keep]], "graph")
    for graph, arch_id, value in zip(graphs, ids[keep].tolist(), y[keep].tolist(), strict=True):
        graph.y = torch.tensor([value], dtype=torch.float32)
        graph.arch_id = arch_id
    return graphs
