"""Graph neural predictors on the architecture's DAG: GCN (BRP-NAS style), GIN and GAT.

The message-passing stacks are PyG's own ``GCN``/``GIN``/``GAT`` models (one ``BasicGNN`` base that
differs only in its conv); we add what an architecture needs around them: edges in both directions
(information flows from input to output *and* back), a global mean + sum readout over nodes, and
an MLP head. The training set is collated once into one ``Batch`` and trained full-batch.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from predictors.base import ArchBatch, Predictor
from predictors.training import TargetScaler, fit_torch


def _collate(graphs: list[Any]):  # noqa: ANN202 (torch_geometric Batch)
    """One Batch of the graphs with reverse edges added (copies: the encoding cache is shared)."""
    from torch_geometric.data import Batch, Data
    from torch_geometric.utils import to_undirected

    both = [Data(x=g.x.float(), edge_index=to_undirected(g.edge_index, num_nodes=g.num_nodes)) for g in graphs]
    return Batch.from_data_list(both)


class _GNNPredictor(Predictor):
    encoding = "graph"
    conv: ClassVar[str] = "gin"

    def __init__(self, seed: int = 0, hidden: int = 64, layers: int = 3, epochs: int = 250, lr: float = 5e-3,
                 weight_decay: float = 1e-4, dropout: float = 0.0, rank_weight: float = 0.5,
                 log_target: bool | str = "auto") -> None:
        super().__init__(seed)
        self.hidden, self.layers, self.epochs, self.lr = hidden, layers, epochs, lr
        self.weight_decay, self.dropout = weight_decay, dropout
        self.rank_weight, self.log_target = rank_weight, log_target

    def _build(self, in_dim: int):  # noqa: ANN202 (torch module)
        import torch
        from torch_geometric.nn import global_add_pool, global_mean_pool
        from torch_geometric.nn.models import GAT, GCN, GIN

        stack_cls = {"gcn": GCN, "gin": GIN, "gat": GAT}[self.conv]
        kwargs = {"heads": 2} if self.conv == "gat" else {}
        stack = stack_cls(in_dim, self.hidden, self.layers, dropout=self.dropout, **kwargs)
        head = torch.nn.Sequential(torch.nn.Linear(2 * self.hidden, self.hidden), torch.nn.ReLU(),
                                   torch.nn.Linear(self.hidden, 1))

        class Net(torch.nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.stack, self.head = stack, head

            def forward(self, batch) -> torch.Tensor:  # noqa: ANN001
                h = self.stack(batch.x, batch.edge_index)
                pooled = torch.cat([global_mean_pool(h, batch.batch), global_add_pool(h, batch.batch)], dim=-1)
                return self.head(pooled).squeeze(-1)

        return Net()

    def fit(self, archs: ArchBatch, y: np.ndarray) -> _GNNPredictor:
        import torch

        batch = _collate(archs.encode("graph"))
        self.scaler_ = TargetScaler(self.log_target).fit(y)
        torch.manual_seed(self.seed)
        self.model_ = self._build(batch.x.shape[1])
        fit_torch(self.model_, lambda: self.model_(batch), self.scaler_.transform(y), epochs=self.epochs,
                  lr=self.lr, weight_decay=self.weight_decay, seed=self.seed, rank_weight=self.rank_weight)
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        import torch

        graphs = archs.encode("graph")
        out = []
        with torch.no_grad():
            for start in range(0, len(graphs), 4096):
                out.append(self.model_(_collate(graphs[start:start + 4096])).numpy())
        return self.scaler_.inverse(np.concatenate(out) if out else np.zeros(0))


class GCNPredictor(_GNNPredictor):
    """BRP-NAS-style graph convolutional predictor."""

    name = "gcn"
    conv = "gcn"


class GINPredictor(_GNNPredictor):
    """Graph isomorphism network predictor (sum aggregation; the most expressive of the three)."""

    name = "gin"
    conv = "gin"


class GATPredictor(_GNNPredictor):
    """Graph attention predictor (2 heads)."""

    name = "gat"
    conv = "gat"
