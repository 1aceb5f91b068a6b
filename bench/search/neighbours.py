"""Single-mutation neighbourhoods of a benchmark's architectures, as one sparse row table.

Search algorithms mutate and walk the space many thousands of times per second, so the relation
"b is one mutation from a" is computed once per benchmark as CSR arrays over benchmark rows
(``indptr``, ``indices``), restricted to architectures the benchmark contains. It is the same
relation as :meth:`SearchSpace.neighbours`: spaces with a known structure get a vectorized
builder (checked against ``neighbours`` in the tests); any other space falls back to calling
``neighbours`` once per architecture.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sps

from bench.spaces import SearchSpace


@dataclass(frozen=True)
class NeighbourTable:
    """CSR adjacency over benchmark rows: the neighbours of row ``r`` are ``indices[indptr[r]:indptr[r+1]]``."""

    indptr: np.ndarray
    indices: np.ndarray

    @property
    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)

    def of(self, row: int) -> np.ndarray:
        return self.indices[self.indptr[row] : self.indptr[row + 1]]


def build_neighbour_table(space: SearchSpace, codes: np.ndarray, rows_of_ids: Callable[[np.ndarray], np.ndarray]
                          ) -> NeighbourTable:
    """The neighbour table of the architectures ``codes`` (benchmark rows in order).

    ``rows_of_ids`` maps canonical ids to rows, returning -1 for ids the benchmark lacks.
    """
    builder = _BUILDERS.get(space.name, _generic_pairs)
    src, dst = builder(space, codes, rows_of_ids)
    keep = (src != dst) & (dst >= 0) & (src >= 0)
    src, dst = src[keep], dst[keep]
    n = len(codes)
    width = max(n, int(dst.max()) + 1 if len(dst) else 0)  # wider only when ``codes`` is a subset
    mat = sps.csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, width))
    mat.sum_duplicates()  # also sorts each row, so rows list neighbours in ascending row order
    indptr = mat.indptr.astype(np.int64)
    indices = mat.indices.astype(np.int64)
    indptr.setflags(write=False)
    indices.setflags(write=False)
    return NeighbourTable(indptr, indices)


def _generic_pairs(space: SearchSpace, codes: np.ndarray, rows_of_ids: Callable) -> tuple[np.ndarray, np.ndarray]:
    """Any space: ``space.neighbours`` per architecture, then one batched id look-up."""
    parts = [space.neighbours(code) for code in codes]
    counts = np.array([len(p) for p in parts], dtype=np.int64)
    if not counts.sum():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    nb = np.concatenate([p for p in parts if len(p)])
    dst = rows_of_ids(space.to_ids(space.canonicalize(nb)))
    return np.repeat(np.arange(len(codes), dtype=np.int64), counts), dst


def _nb201_pairs(space: SearchSpace, codes: np.ndarray, rows_of_ids: Callable) -> tuple[np.ndarray, np.ndarray]:
    """NB201: the 24 cells that differ in one edge op (``NB201Space.neighbours``), all rows at once."""
    from bench.spaces.nb201 import N_OPS as n_ops

    n, n_edges = codes.shape
    edge = np.repeat(np.arange(n_edges), n_ops - 1)
    offset = np.tile(np.arange(1, n_ops), n_edges)
    cand = np.repeat(codes[:, None, :], len(edge), axis=1).astype(np.int16)
    cand[:, np.arange(len(edge)), edge] = (codes[:, edge] + offset) % n_ops
    dst = rows_of_ids(space.to_ids(cand.reshape(-1, n_edges)))
    return np.repeat(np.arange(n, dtype=np.int64), len(edge)), dst


def _nasbench_graph_pairs(space: SearchSpace, codes: np.ndarray, rows_of_ids: Callable
                          ) -> tuple[np.ndarray, np.ndarray]:
    """NAS-Bench-Graph: every raw (link, ops) form of every architecture, one entry changed.

    ``NasBenchGraphSpace.neighbours`` takes the union over all raw forms of an architecture; here all
    raw combinations of the op set are enumerated once and each single change is an offset on the raw
    index (the package's ``raw_index`` weights), so the whole relation is a few array operations.
    """
    from bench.spaces.nasbench_graph import GNN_OPS, N_NODES, raw_index

    skip = GNN_OPS.index("skip")
    allowed = np.array([GNN_OPS.index(o) for o in space.ops], dtype=np.int64)
    links = np.array([(0, a, b, c) for a in range(2) for b in range(3) for c in range(4)], dtype=np.int16)
    ops = allowed[np.indices((len(allowed),) * N_NODES).reshape(N_NODES, -1).T].astype(np.int16)
    raw = np.concatenate([np.repeat(links, len(ops), axis=0), np.tile(ops, (len(links), 1))], axis=1)
    raw = raw[~(raw[:, N_NODES:] == skip).all(axis=1)]  # the all-skip network is not an architecture
    index = raw_index(raw).astype(np.int32)  # < 157,464
    row_of_raw = np.full(len(links) * len(GNN_OPS) ** N_NODES, -1, dtype=np.int32)
    row_of_raw[index] = rows_of_ids(space.to_ids(raw))
    # raw_index = (12*l1 + 4*l2 + l3) * 9**4 + ops in base 9: the weight of each code column
    n_op_combos = len(GNN_OPS) ** N_NODES
    weight = (0, 12 * n_op_combos, 4 * n_op_combos, n_op_combos, 729, 81, 9, 1)
    src = row_of_raw[index]
    changes = [(c, allowed) for c in range(N_NODES, 2 * N_NODES)] + [(i, np.arange(i + 1)) for i in range(1, N_NODES)]
    srcs, dsts = [], []
    for col, values in changes:
        current = raw[:, col].astype(np.int32)
        for value in values.tolist():
            moved = current != value  # changing an entry to its own value is not a mutation
            cand = index[moved] + (value - current[moved]) * weight[col]
            srcs.append(src[moved])
            dsts.append(row_of_raw[cand])  # -1 for the all-skip network and for ids the benchmark lacks
    return np.concatenate(srcs), np.concatenate(dsts)


_BUILDERS: dict[str, Callable[..., tuple[np.ndarray, np.ndarray]]] = {
    "nb201": _nb201_pairs,
    "nasbench-graph": _nasbench_graph_pairs,
}
