"""The NAS-Bench-Graph GNN of a link pattern + four ops (Qin et al., NeurIPS 2022 D&B), on a synthetic graph.

The benchmark's package ships no model code, so the construction is recovered from its stored
``params`` label: it fixes, per dataset, the hidden width, whether a linear pre-processing layer feeds
the DAG and whether a linear post-processing layer follows it (:data:`DATASETS`; the paper's appendix
gives the same widths and layer counts). Per computing node: its op maps the node it reads to the
hidden width (a ``skip`` forwards its input unchanged), then ReLU and dropout. Each computing node
also owns a BatchNorm over the hidden width: the stored counts include 2 x hidden parameters for all
four nodes whatever their op, so a skip node's norm exists but is bypassed. The leaves (nodes no other
node reads) are concatenated and feed the post-processing layer (if any) and the classifier. Ops map to
torch-geometric layers: ``gat`` GATConv with 2 concatenated heads, ``gcn`` GCNConv, ``gin`` GINConv
over one linear layer, ``cheb`` ChebConv with K=2, ``sage`` SAGEConv, ``arma`` ARMAConv (one stack,
one layer), ``graph`` GraphConv (k-GNN), ``fc`` a linear layer. With these rules the parameter count
equals the stored label for every one of 500 sampled architectures on eight datasets and 465 of 500 on
physics (``tests/perf/check_networks.py``): there most stored counts that differ are not integers, i.e.
means over three seeds of which some trained a different model, so no single network matches them.

The real datasets need downloads, so inputs are a random graph with the dataset's published sizes
(:data:`DATASETS`: nodes, directed edges as stored by torch-geometric, features, classes): latency
depends on these sizes, not on the values. ``batch`` B gives B disjoint copies of that graph.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn
from torch_geometric import nn as gnn

from bench.networks.base import NetworkBuilder
from bench.spaces.nasbench_graph import GNN_OPS, N_NODES


@dataclass(frozen=True)
class GraphDataset:
    """Published sizes of a NAS-Bench-Graph dataset and the benchmark's model widths for it."""

    nodes: int
    edges: int
    features: int
    classes: int
    hidden: int
    pre: int
    post: int


#: cora..photo: Planetoid / Coauthor / Amazon statistics as torch-geometric stores them (edges both
#: ways); arxiv: the OGB graph made undirected; proteins: OGB node features = 8 aggregated edge features,
#: 112 binary tasks. hidden/pre/post recovered from the stored params labels.
DATASETS: dict[str, GraphDataset] = {
    "cora": GraphDataset(2708, 10556, 1433, 7, hidden=256, pre=0, post=1),
    "citeseer": GraphDataset(3327, 9104, 3703, 6, hidden=256, pre=0, post=1),
    "pubmed": GraphDataset(19717, 88648, 500, 3, hidden=128, pre=0, post=0),
    "cs": GraphDataset(18333, 163788, 6805, 15, hidden=128, pre=1, post=0),
    "physics": GraphDataset(34493, 495924, 8415, 5, hidden=256, pre=1, post=0),
    "photo": GraphDataset(7650, 238162, 745, 8, hidden=128, pre=0, post=0),
    "computers": GraphDataset(13752, 491722, 767, 10, hidden=64, pre=1, post=1),
    "arxiv": GraphDataset(169343, 2315598, 128, 40, hidden=128, pre=0, post=1),
    "proteins": GraphDataset(132534, 79122504, 8, 112, hidden=256, pre=1, post=1),
}


def make_op(name: str, c_in: int, c_out: int) -> nn.Module:
    """The torch-geometric layer of one NAS-Bench-Graph op (``skip`` is the identity)."""
    if name == "gat":
        return gnn.GATConv(c_in, c_out // 2, heads=2)
    if name == "gcn":
        return gnn.GCNConv(c_in, c_out)
    if name == "gin":
        return gnn.GINConv(nn.Linear(c_in, c_out))
    if name == "cheb":
        return gnn.ChebConv(c_in, c_out, K=2)
    if name == "sage":
        return gnn.SAGEConv(c_in, c_out)
    if name == "arma":
        return gnn.ARMAConv(c_in, c_out)
    if name == "graph":
        return gnn.GraphConv(c_in, c_out)
    if name == "fc":
        return nn.Linear(c_in, c_out)
    if name == "skip":
        return nn.Identity()
    raise ValueError(f"unknown NAS-Bench-Graph op {name!r}; valid: {', '.join(GNN_OPS)}")


class GraphNetwork(nn.Module):
    """Pre-processing, the 4-node DAG, concatenated leaves, post-processing and classifier."""

    def __init__(self, link: tuple[int, ...], ops: tuple[str, ...], data: GraphDataset, dropout: float = 0.5) -> None:
        super().__init__()
        self.link, self.ops = tuple(link), tuple(ops)
        d = data.hidden
        self.pre = nn.ModuleList(nn.Linear(data.features if i == 0 else d, d) for i in range(data.pre))
        width = [d if data.pre else data.features]  # output width of node 0 (the input) and each computing node
        layers = []
        for parent, op in zip(self.link, self.ops, strict=True):
            layers.append(make_op(op, width[parent], d))
            width.append(width[parent] if op == "skip" else d)
        self.layers = nn.ModuleList(layers)
        self.norms = nn.ModuleList(nn.BatchNorm1d(d) for _ in range(N_NODES))
        read = set(self.link)
        self.leaves = tuple(i + 1 for i in range(N_NODES) if i + 1 not in read)
        width_out = sum(width[j] for j in self.leaves)
        self.post = nn.ModuleList(nn.Linear(width_out if i == 0 else d, d) for i in range(data.post))
        self.classifier = nn.Linear(d if data.post else width_out, data.classes)
        self.act = nn.ReLU()
        self.dropout = nn.Dropout(dropout)

    def _node(self, i: int, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        op = self.ops[i]
        if op == "skip":
            return x
        layer = self.layers[i]
        h = layer(x) if op == "fc" else layer(x, edge_index)
        return self.dropout(self.act(self.norms[i](h)))

    def features(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        """Node embeddings before the classifier (what zen-score reads)."""
        for layer in self.pre:
            x = self.dropout(self.act(layer(x)))
        nodes = [x]
        for i, parent in enumerate(self.link):
            nodes.append(self._node(i, nodes[parent], edge_index))
        h = torch.cat([nodes[j] for j in self.leaves], dim=1)
        for layer in self.post:
            h = self.dropout(self.act(layer(h)))
        return h

    def forward(self, x: torch.Tensor, edge_index: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x, edge_index))


def random_graph(nodes: int, edges: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """A ``(2, edges)`` edge index of uniformly random directed edges without self-loops."""
    src = torch.randint(0, nodes, (edges,), generator=generator)
    shift = torch.randint(1, nodes, (edges,), generator=generator)
    return torch.stack([src, (src + shift) % nodes])


class NasBenchGraphBuilder(NetworkBuilder):
    """NAS-Bench-Graph networks for one dataset, run on a random graph of its size."""

    def __init__(self, dataset: str = "cora") -> None:
        if dataset not in DATASETS:
            raise ValueError(f"no NAS-Bench-Graph network for dataset {dataset!r}; known: {', '.join(DATASETS)}")
        self.dataset = dataset
        self.data = DATASETS[dataset]

    def build(self, code: np.ndarray) -> GraphNetwork:
        row = [int(c) for c in np.asarray(code).reshape(-1)]
        return GraphNetwork(tuple(row[:N_NODES]), tuple(GNN_OPS[o] for o in row[N_NODES:]), self.data).eval()

    def inputs(self, batch: int, generator: torch.Generator | None = None) -> tuple[Any, ...]:
        n, e = self.data.nodes, self.data.edges
        edge_index = random_graph(n, e, generator)
        if batch > 1:
            offsets = torch.arange(batch).repeat_interleave(e) * n
            edge_index = edge_index.repeat(1, batch) + offsets
        return torch.randn(batch * n, self.data.features, generator=generator), edge_index

    @property
    def num_outputs(self) -> int:
        return self.data.classes

    def describe(self) -> str:
        d = self.data
        return (f"NAS-Bench-Graph GNN ({self.dataset}: hidden {d.hidden}, {d.pre} pre / {d.post} post layers) on a "
                f"random graph of {d.nodes} nodes, {d.edges} directed edges, {d.features} features, {d.classes} "
                "classes")
