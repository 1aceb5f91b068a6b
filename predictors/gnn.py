"""Graph neural predictors on the architecture's DAG: GCN (as in BRP-NAS), GIN and GAT.

The message-passing stacks are PyG's own ``GCN``/``GIN``/``GAT`` (``BasicGNN``, jumping-knowledge
concatenation of all layers); around them sits what an architecture needs: messages in both
directions, a global mean + sum readout, and an MLP head. GCN and GAT pass messages over undirected
edges; GIN's layers are directional (:func:`directional_gin`: predecessors and successors
aggregated with separate weights), which against undirected edges raised its Kendall tau on cora
from 0.516 to 0.560 at n=1000 (development split, 3 seeds) and left it unchanged at n=100
(0.360 / 0.361) and on NB201 (0.849 / 0.851); two convolutions per layer cost more, so GIN is
48 wide (GCN, GAT: 64).

Node features are one-hot node types of the space's op-on-node DAG (``adjacency`` encoding, the graph
the ``graph`` encoding holds as PyG ``Data``), so the same predictor serves every space
(NAS-Bench-Graph's macro DAG, NB201's cell, the generic spaces). Operations that output zeros and
the nodes they cut off are pruned first, as for the GRAF features: on NB201 (development split,
3 seeds, n=1000) that raised GIN's Kendall tau from 0.834 to 0.849.

A batch is collated once into one node/edge set; minibatches are cut out of it with index
arithmetic on tensors (no per-graph Python objects in the training loop).
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import numpy as np

from bench.data import ArchBatch
from predictors.base import Predictor
from predictors.features import node_type_count, signal_dag
from predictors.targets import TargetTransform
from predictors.training import predict_in_chunks, torch_session, train_regressor


class GraphTensors:
    """All DAGs of a batch as one node set (forward edges, plus reversed ones with ``both_ways``);
    sub-batches by graph index.

    Built in one vectorised pass from the space's ``adjacency`` encoding (the DAG its ``graph``
    encoding holds as PyG ``Data``), with operations that output zeros (NB201's ``none``) and the
    nodes they cut off removed, as for the GRAF features (:func:`~predictors.features.signal_dag`):
    message passing then runs only along paths that carry signal. The input and output nodes stay.
    """

    def __init__(self, archs: ArchBatch, both_ways: bool = False) -> None:
        import torch
        from torch_geometric.utils import to_undirected

        n_types = node_type_count(archs.space)
        raw = archs.encode("adjacency")
        raw_adj, raw_ops = np.asarray(raw["adjacency"]) > 0, np.asarray(raw["ops"])
        adjacency, ops = signal_dag(archs)
        ends = (raw_ops < n_types) & ~(raw_adj.any(axis=1) & raw_adj.any(axis=2))
        ops = np.where(ends, raw_ops, ops)
        keep = ops < n_types
        number = np.cumsum(keep.ravel()).reshape(keep.shape) - 1
        g, u, w = np.nonzero((np.asarray(adjacency) > 0) & keep[:, :, None] & keep[:, None, :])
        self.n_graphs = len(ops)
        self.x = torch.from_numpy(np.eye(n_types, dtype=np.float32)[ops[keep]])
        self.node_graph = torch.from_numpy(np.nonzero(keep)[0])
        edges = torch.from_numpy(np.stack([number[g, u], number[g, w]]).astype(np.int64))
        self.edge_index = to_undirected(edges, num_nodes=len(self.x)) if both_ways else edges

    def select(self, index: Any) -> tuple[Any, Any, Any, int]:
        """(x, edge_index, graph-of-node, n) of the graphs ``index``, graph ``index[j]`` numbered ``j``."""
        import torch

        keep = torch.zeros(self.n_graphs, dtype=torch.bool)
        keep[index] = True
        position = torch.full((self.n_graphs,), -1, dtype=torch.long)
        position[index] = torch.arange(len(index))
        node_keep = keep[self.node_graph]
        renumber = torch.cumsum(node_keep, 0) - 1
        edges = self.edge_index[:, node_keep[self.edge_index[0]]]
        return self.x[node_keep], renumber[edges], position[self.node_graph[node_keep]], len(index)


@functools.cache
def directional_gin() -> Any:
    """PyG's ``GIN`` with every conv wrapped in ``DirGNNConv`` (Rossi et al., 2023).

    Each layer aggregates a node's predecessors and its successors with separate weights and
    averages the two (``alpha=0.5``; GIN's own ``1 + eps`` term keeps the node itself), so messages
    travel both ways without a node confusing its inputs with its consumers, and two layers reach
    siblings. (``DirGNNConv`` drops the self-loops that GCN's and GAT's normalisation relies on, so
    those two keep undirected edges.)
    """
    from torch_geometric.nn.conv import DirGNNConv
    from torch_geometric.nn.models import GIN

    class DirGIN(GIN):
        def init_conv(self, in_channels: Any, out_channels: int, **kwargs: Any) -> Any:
            return DirGNNConv(super().init_conv(in_channels, out_channels, **kwargs), alpha=0.5, root_weight=False)

    return DirGIN


def _regressor(conv: str, in_dim: int, hidden: int, layers: int, dropout: float, heads: int, outputs: int = 1) -> Any:
    """Message passing, mean + sum readout, MLP head; ``outputs`` > 1 gives one output column per task
    (pretraining on several source tables at once) and ``embed`` the readout the head reads."""
    import torch
    from torch_geometric.nn import global_add_pool, global_mean_pool
    from torch_geometric.nn.models import GAT, GCN

    stack_cls = directional_gin() if conv == "gin" else {"gcn": GCN, "gat": GAT}[conv]
    extra = {"heads": heads} if conv == "gat" else {}

    class GraphRegressor(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.stack = stack_cls(in_dim, hidden, layers, dropout=dropout, jk="cat", **extra)
            self.head = torch.nn.Sequential(torch.nn.Linear(2 * hidden, hidden), torch.nn.ReLU(),
                                            torch.nn.Linear(hidden, outputs))

        def embed(self, x: Any, edge_index: Any, node_graph: Any, n: int) -> Any:
            h = self.stack(x, edge_index)
            return torch.cat([global_mean_pool(h, node_graph, n), global_add_pool(h, node_graph, n)], dim=-1)

        def forward(self, x: Any, edge_index: Any, node_graph: Any, n: int) -> Any:
            out = self.head(self.embed(x, edge_index, node_graph, n))
            return out.squeeze(-1) if outputs == 1 else out

    return GraphRegressor()


class GNNPredictor(Predictor):
    """Shared implementation; subclasses pick the convolution (``conv``)."""

    conv: ClassVar[str] = "gin"
    #: layers that tell predecessors from successors read forward edges only; the others both ways
    directional: ClassVar[bool] = False

    def __init__(
        self,
        hidden: int = 64,
        layers: int = 3,
        epochs: int = 60,
        batch_size: int = 64,
        lr: float = 2e-3,
        weight_decay: float = 1e-4,
        dropout: float = 0.0,
        heads: int = 4,
        rank_weight: float = 0.5,
        target: str = "rank",
        n_threads: int | None = 1,
        seed: int = 0,
    ) -> None:
        super().__init__(seed)
        self.hidden = hidden
        self.layers = layers
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.heads = heads
        self.rank_weight = rank_weight
        self.target = target
        self.n_threads = n_threads

    def encodings(self) -> tuple[str, ...]:
        return ("adjacency",)

    def fit(self, archs: ArchBatch, y: np.ndarray) -> GNNPredictor:
        self.target_ = TargetTransform(self.target).fit(y)
        with torch_session(self.seed, self.n_threads):
            graphs = GraphTensors(archs, both_ways=not self.directional)
            self.model_ = _regressor(self.conv, graphs.x.shape[1], self.hidden, self.layers, self.dropout, self.heads)
            self.loss_history_ = train_regressor(
                self.model_, lambda index: self.model_(*graphs.select(index)), self.target_.train_z,
                epochs=self.epochs, batch_size=self.batch_size, lr=self.lr, weight_decay=self.weight_decay,
                rank_weight=self.rank_weight, seed=self.seed,
            )
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        with torch_session(self.seed, self.n_threads):
            graphs = GraphTensors(archs, both_ways=not self.directional)
            z = predict_in_chunks(lambda index: self.model_(*graphs.select(index)), len(archs))
        return self.target_.inverse(z)


class GCNPredictor(GNNPredictor):
    """Graph convolutional predictor in the style of BRP-NAS (Dudziak et al., NeurIPS 2020)."""

    name = "gcn"
    conv = "gcn"


class GINPredictor(GNNPredictor):
    """Graph isomorphism network predictor (sum aggregation, the most expressive of the three), with
    directional layers. Its width defaults to 48: directional layers run two convolutions each, and
    at 48 a fit of 1,000 architectures takes 8 s on one core (11 s at 64) with the same Kendall tau on
    cora's development split (0.560 at either width; NB201 0.840 against 0.851, within seed noise)."""

    name = "gin"
    conv = "gin"
    directional = True

    def __init__(self, hidden: int = 48, **params: Any) -> None:
        super().__init__(hidden=hidden, **params)


class GATPredictor(GNNPredictor):
    """Graph attention predictor (``heads`` attention heads per layer)."""

    name = "gat"
    conv = "gat"
