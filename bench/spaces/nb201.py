"""NAS-Bench-201 cell space (15,625 cells, 6,466 isomorphism classes).

A cell has 4 nodes and 6 edges; each edge carries one of 5 operations. Code rows hold the op index
(:data:`OPS` order) of each edge in the order of the NB201 string, see :data:`EDGES`::

    |op~0|+|op~0|op~1|+|op~0|op~1|op~2|
     0->1   0->2 1->2   0->3 1->3 2->3

The canonical id is the official NB201 index. That order is not lexicographic: AutoDL-Projects builds it
with ``CellStructure.gen_all`` (edge ops enumerated in string order, first edge slowest, op list in
:data:`OPS` order) followed by ``random.seed(88); random.shuffle``. It is rebuilt here from the
standard library's seeded shuffle (stable across Python versions for an int seed), so the package
needs no data file. The mapping is held as two numpy tables, making ``to_ids``/``from_ids`` vectorized.

Every cell is its own canonical cell (NB201 trains and reports each labelled cell separately), so
:meth:`NB201Space.canonicalize` is the identity; isomorphism is exposed by :meth:`NB201Space.iso_class`,
which reproduces NB201's ``to_unique_str(consider_zero=True)`` classes.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from bench.errors import UsageError
from bench.spaces.base import InvalidArchitecture, SearchSpace, as_code_array

if TYPE_CHECKING:
    from bench.networks.base import NetworkBuilder

#: operation names in NB201 order (code value = position)
OPS: tuple[str, ...] = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
#: (source, target) node of each code position, in NB201 string order
EDGES: tuple[tuple[int, int], ...] = ((0, 1), (0, 2), (1, 2), (0, 3), (1, 3), (2, 3))
#: NASLib's op order; NASLib op_indices index into this list
NASLIB_OPS: tuple[str, ...] = ("skip_connect", "none", "nor_conv_3x3", "nor_conv_1x1", "avg_pool_3x3")
#: NASLib EDGE_LIST (1-indexed nodes), the position order of NASLib op_indices
NASLIB_EDGES: tuple[tuple[int, int], ...] = ((1, 2), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4))

N_OPS = len(OPS)
N_EDGES = len(EDGES)
N_CELLS = N_OPS**N_EDGES
#: seed AutoDL-Projects shuffles ``gen_all`` with to fix the official index order
INDEX_SEED = 88

# NASLib position p holds NB201 edge _NASLIB_POS_TO_EDGE[p]; the permutation is its own inverse.
_NASLIB_POS_TO_EDGE = np.array([EDGES.index((a - 1, b - 1)) for a, b in NASLIB_EDGES], dtype=np.intp)
_NASLIB_TO_OP = np.array([OPS.index(o) for o in NASLIB_OPS], dtype=np.int16)
_OP_TO_NASLIB = np.array([NASLIB_OPS.index(o) for o in OPS], dtype=np.int16)
# base-5 place value of each edge: the first edge is the slowest-varying digit, as in gen_all
_PLACE = N_OPS ** np.arange(N_EDGES - 1, -1, -1, dtype=np.int64)
_ARROW = "\u2192"

# Op-on-node DAG (NASLib/BRP-NAS style): node 0 = cell input, node 1 + e = the op on edge e, node 7 = output.
N_DAG_NODES = N_EDGES + 2
_DAG_EDGES = tuple(
    [(0, 1 + e) for e, (s, _) in enumerate(EDGES) if s == 0]
    + [(1 + e, 1 + f) for e, (_, t) in enumerate(EDGES) for f, (s, _) in enumerate(EDGES) if s == t]
    + [(1 + e, N_DAG_NODES - 1) for e, (_, t) in enumerate(EDGES) if t == 3]
)
#: node-type vocabulary of the adjacency ``ops`` array and the graph ``x`` one-hot
NODE_TYPES: tuple[str, ...] = ("input", "output", *OPS)

# BANANAS path encoding: the 4 input->output paths as edge positions, and the feature offset of
# each path length (1: 0..4, 2: 5..29, 3: 30..154); op j along a path has weight 5**j.
_PATHS: tuple[tuple[int, ...], ...] = ((3,), (0, 4), (1, 5), (0, 2, 5))
PATH_FEATURES = sum(N_OPS**k for k in range(1, 4))


@cache
def _tables() -> tuple[np.ndarray, np.ndarray]:
    """(id -> code row, base-5 code number -> id), built once per process."""
    order = list(range(N_CELLS))
    random.Random(INDEX_SEED).shuffle(order)
    numbers = np.asarray(order, dtype=np.int64)  # numbers[id] = gen_all position = base-5 code number
    digits = (numbers[:, None] // _PLACE[None, :]) % N_OPS
    id_to_codes = digits.astype(np.int16)
    number_to_id = np.empty(N_CELLS, dtype=np.int64)
    number_to_id[numbers] = np.arange(N_CELLS, dtype=np.int64)
    id_to_codes.flags.writeable = False
    number_to_id.flags.writeable = False
    return id_to_codes, number_to_id


def _unique_str(codes: np.ndarray) -> str:
    """NB201's ``to_unique_str(consider_zero=True)``: a node is the sorted '+'-join of its input terms,
    ``#`` for a ``none`` edge or an input that is exactly ``#``, the input itself for a skip, else
    ``(input)@op``; the output node's string identifies the isomorphism class."""
    nodes = ["0"]
    e = 0
    for j in range(1, 4):
        terms = []
        for i in range(j):
            op = int(codes[e])
            e += 1
            if op == 0 or nodes[i] == "#":
                terms.append("#")
            elif op == 1:
                terms.append(nodes[i])
            else:
                terms.append(f"({nodes[i]})@{OPS[op]}")
        nodes.append("+".join(sorted(terms)))
    return nodes[3]


@cache
def _iso_table() -> np.ndarray:
    """base-5 code number -> id of its class representative (the smallest official index in the class)."""
    id_to_codes, number_to_id = _tables()
    keys = [_unique_str(row) for row in id_to_codes]
    _, cls = np.unique(np.asarray(keys, dtype=object), return_inverse=True)
    rep_of_class = np.full(cls.max() + 1, N_CELLS, dtype=np.int64)
    np.minimum.at(rep_of_class, cls, np.arange(N_CELLS, dtype=np.int64))
    by_id = rep_of_class[cls]
    table = by_id[number_to_id]
    table.flags.writeable = False
    return table


def _edge_name(e: int) -> str:
    s, t = EDGES[e]
    return f"{s}{_ARROW}{t}"


@dataclass(frozen=True)
class NB201Arch:
    """A NB201 cell as six op names in string edge order; for users who prefer attributes to arrays."""

    ops: tuple[str, ...]

    def __post_init__(self) -> None:
        ops = tuple(self.ops)
        if len(ops) != N_EDGES:
            raise InvalidArchitecture(f"nb201 cell needs {N_EDGES} ops (one per edge), got {len(ops)}")
        for e, op in enumerate(ops):
            if op not in OPS:
                raise InvalidArchitecture(f"unknown op {op!r} on edge {_edge_name(e)}; valid: {', '.join(OPS)}")
        object.__setattr__(self, "ops", ops)

    @property
    def codes(self) -> np.ndarray:
        """The code row (int16, length 6)."""
        return np.array([OPS.index(o) for o in self.ops], dtype=np.int16)

    @property
    def id(self) -> int:
        """The official NB201 index."""
        return int(_tables()[1][int(self.codes.astype(np.int64) @ _PLACE)])

    def __str__(self) -> str:
        o = self.ops
        return f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|"


class NB201Space(SearchSpace):
    """NAS-Bench-201: ids are official NB201 indices, codes are 6 op indices in string edge order."""

    name = "nb201"
    code_length = N_EDGES
    ops = OPS
    edges = EDGES
    node_types = NODE_TYPES
    #: ops whose output is all zeros: they carry no signal (graph features prune them)
    inert_ops: tuple[str, ...] = ("none",)
    #: the convolutions, counted together per input->output path by the graph features (depth in convs)
    node_type_groups: ClassVar[dict[str, tuple[str, ...]]] = {"conv": ("nor_conv_1x1", "nor_conv_3x3")}

    # ---- parsing and conversions -------------------------------------------------------------
    def parse(self, text: str) -> np.ndarray:
        """Parse ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``; errors name the node/edge at fault."""
        if not isinstance(text, str):
            raise InvalidArchitecture(f"nb201 architecture must be a string, got {type(text).__name__}")
        s = text.strip()
        parts = s.split("+")
        if len(parts) != 3:
            raise InvalidArchitecture(
                f"nb201 string needs 3 nodes separated by '+', got {len(parts)} part(s) in {text!r}"
            )
        row = np.empty(N_EDGES, dtype=np.int16)
        e = 0
        for j, part in enumerate(parts, start=1):
            if len(part) < 2 or not part.startswith("|") or not part.endswith("|"):
                raise InvalidArchitecture(f"node {j} part {part!r} must start and end with '|'")
            tokens = part[1:-1].split("|")
            if len(tokens) != j:
                plural = "edge" if len(tokens) == 1 else "edges"
                raise InvalidArchitecture(f"node {j} has {len(tokens)} incoming {plural}, expected {j} (in {part!r})")
            for i, token in enumerate(tokens):
                edge = f"{i}{_ARROW}{j}"
                op, sep, label = token.partition("~")
                if not sep or "~" in label or not op:
                    raise InvalidArchitecture(f"malformed edge {token!r} into node {j}; expected 'op~{i}'")
                if label != str(i):
                    raise InvalidArchitecture(f"edge {edge} labelled ~{label} where ~{i} expected")
                if op not in OPS:
                    raise InvalidArchitecture(f"unknown op {op!r} on edge {edge}; valid: {', '.join(OPS)}")
                row[e] = OPS.index(op)
                e += 1
        return row

    def to_strings(self, codes: np.ndarray) -> list[str]:
        """NB201 strings, the form the official API and most NB201 tables key on."""
        names = np.asarray(OPS, dtype=object)[self.validate(codes)]
        return [f"|{o[0]}~0|+|{o[1]}~0|{o[2]}~1|+|{o[3]}~0|{o[4]}~1|{o[5]}~2|" for o in names]

    def to_ids(self, codes: np.ndarray) -> np.ndarray:
        """Official NB201 indices via the dense base-5 lookup table."""
        return _tables()[1][self._numbers(self.validate(codes))]

    def from_ids(self, ids: np.ndarray) -> np.ndarray:
        """Code rows for official NB201 indices."""
        ids = np.asarray(ids)
        if ids.ndim == 0:
            ids = ids[None]
        if ids.size and not np.issubdtype(ids.dtype, np.integer):
            raise InvalidArchitecture(f"nb201 ids must be integers, got {ids.dtype}")
        ids = ids.astype(np.int64, copy=False).ravel()
        bad = (ids < 0) | (ids >= N_CELLS)
        if bad.any():
            raise InvalidArchitecture(f"unknown nb201 id {int(ids[bad][0])}; valid ids are 0..{N_CELLS - 1}")
        return _tables()[0][ids].copy()

    def validate(self, codes: np.ndarray) -> np.ndarray:
        """Check shape and op range (0..4) of every row."""
        arr = as_code_array(codes, N_EDGES, self.name)
        bad = (arr < 0) | (arr >= N_OPS)
        if bad.any():
            r, e = (int(x) for x in np.argwhere(bad)[0])
            raise InvalidArchitecture(
                f"nb201 row {r} has op index {int(arr[r, e])} on edge {_edge_name(e)}; valid 0..{N_OPS - 1}"
            )
        return arr

    def canonicalize(self, codes: np.ndarray) -> np.ndarray:
        """Identity: every labelled NB201 cell is its own canonical cell (isomorphs have distinct ids and
        results in NB201); use :meth:`iso_class` to group isomorphic cells."""
        return self.validate(codes)

    def iso_class(self, codes: np.ndarray) -> np.ndarray:
        """Official index of each cell's class representative, the first index with the same NB201
        ``to_unique_str(consider_zero=True)`` form (6,466 classes); the table is built lazily once."""
        return _iso_table()[self._numbers(self.validate(codes))]

    def all_codes(self) -> np.ndarray:
        """All 15,625 code rows ordered by official index, for exhaustive evaluation."""
        return _tables()[0].copy()

    @staticmethod
    def _numbers(codes: np.ndarray) -> np.ndarray:
        return codes.astype(np.int64) @ _PLACE

    # ---- networks ------------------------------------------------------------------------------
    def network_builder(self, dataset: str) -> NetworkBuilder:
        """The benchmark's network for ``dataset`` (:mod:`bench.networks.nb201`; imports torch)."""
        from bench.networks.nb201 import NB201Builder

        try:
            return NB201Builder(dataset)
        except ValueError as exc:
            raise UsageError(str(exc)) from None

    # ---- NASLib interop ------------------------------------------------------------------------
    def from_naslib(self, op_indices: np.ndarray) -> np.ndarray:
        """Codes from NASLib op_indices (positions over NASLib EDGE_LIST, ops in NASLib order)."""
        arr = as_code_array(op_indices, N_EDGES, "naslib nb201")
        bad = (arr < 0) | (arr >= N_OPS)
        if bad.any():
            r, p = (int(x) for x in np.argwhere(bad)[0])
            raise InvalidArchitecture(f"naslib op_indices row {r} has op {int(arr[r, p])} at position {p}; valid 0..4")
        return _NASLIB_TO_OP[arr[:, _NASLIB_POS_TO_EDGE]]

    def to_naslib(self, codes: np.ndarray) -> np.ndarray:
        """NASLib op_indices (int16) for code rows; inverse of :meth:`from_naslib`."""
        return _OP_TO_NASLIB[self.validate(codes)][:, _NASLIB_POS_TO_EDGE]

    # ---- object form ---------------------------------------------------------------------------
    def arch(self, text: str | None = None, *, ops: Sequence[str] | None = None) -> NB201Arch:
        """``space.arch("|...|")`` or ``space.arch(ops=(six op names))``."""
        if (text is None) == (ops is None):
            raise TypeError("give exactly one of an NB201 string or ops=")
        if text is not None:
            return NB201Arch(tuple(OPS[int(c)] for c in self.parse(text)))
        return NB201Arch(tuple(ops))

    # ---- sampling and mutation -----------------------------------------------------------------
    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Uniform over the 15,625 cells (independent uniform op per edge)."""
        return rng.integers(0, N_OPS, size=(n, N_EDGES)).astype(np.int16)

    def neighbours(self, code: np.ndarray) -> np.ndarray:
        """The 24 cells that differ in exactly one edge op (edge-major, ops ascending)."""
        row = self.validate(code)
        if len(row) != 1:
            raise InvalidArchitecture(f"neighbours takes one nb201 architecture, got {len(row)}")
        row = row[0]
        edge = np.repeat(np.arange(N_EDGES), N_OPS - 1)
        offset = np.tile(np.arange(1, N_OPS), N_EDGES)
        out = np.repeat(row[None, :], len(edge), axis=0)
        new = (row[edge] + offset) % N_OPS
        order = np.lexsort((new, edge))
        out[np.arange(len(edge)), edge] = new
        return out[order]

    def mutate(self, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One uniform neighbour per row, vectorized: a uniform edge gets a uniform different op."""
        codes = self.validate(codes)
        n = len(codes)
        out = codes.copy()
        edge = rng.integers(0, N_EDGES, size=n)
        offset = rng.integers(1, N_OPS, size=n)
        rows = np.arange(n)
        out[rows, edge] = (codes[rows, edge] + offset) % N_OPS
        return out

    # ---- encodings -----------------------------------------------------------------------------
    def encode(self, codes: np.ndarray, kind: str) -> Any:
        """``onehot``: (n, 30) = 6 edges x 5 ops, edge-major. ``adjacency``: op-on-node DAG
        (input, the 6 edge ops in string order, output) with ``ops`` in :data:`NODE_TYPES` vocabulary;
        ``none`` ops stay as nodes, as in NASLib/BRP-NAS. ``path``: BANANAS path encoding, (n, 155) =
        5 + 25 + 125 one-hot slots for op sequences of paths of length 1, 2, 3 (paths 0->3; 0->1->3,
        0->2->3; 0->1->2->3), ``none`` paths included as in BANANAS/NASLib. ``graph``: torch_geometric
        ``Data`` per cell with the adjacency DAG's forward ``edge_index`` and one-hot node types."""
        self.check_encoding(kind)
        codes = self.validate(codes)
        n = len(codes)
        if kind == "onehot":
            out = np.zeros((n, N_EDGES, N_OPS), dtype=np.float32)
            out[np.arange(n)[:, None], np.arange(N_EDGES)[None, :], codes] = 1.0
            return out.reshape(n, N_EDGES * N_OPS)
        if kind == "path":
            out = np.zeros((n, PATH_FEATURES), dtype=np.float32)
            rows = np.arange(n)
            for path in _PATHS:
                k = len(path)
                index = np.full(n, sum(N_OPS**m for m in range(1, k)), dtype=np.int64)
                for j, e in enumerate(path):
                    index += codes[:, e].astype(np.int64) * N_OPS**j
                out[rows, index] = 1.0
            return out
        node_ops = self._node_types(codes)
        if kind == "adjacency":
            adj = np.zeros((N_DAG_NODES, N_DAG_NODES), dtype=np.float32)
            src, dst = np.asarray(_DAG_EDGES).T
            adj[src, dst] = 1.0
            return {"adjacency": np.broadcast_to(adj, (n, N_DAG_NODES, N_DAG_NODES)).copy(), "ops": node_ops}
        import torch
        from torch_geometric.data import Data

        edge_index = torch.tensor(_DAG_EDGES, dtype=torch.long).t().contiguous()
        x = torch.from_numpy(np.eye(len(NODE_TYPES), dtype=np.float32)[node_ops])
        return [Data(x=x[i], edge_index=edge_index.clone(), num_nodes=N_DAG_NODES) for i in range(n)]

    @staticmethod
    def _node_types(codes: np.ndarray) -> np.ndarray:
        """(n, 8) node types: 0 input, 1 output, 2 + op index for the six op nodes."""
        node_ops = np.empty((len(codes), N_DAG_NODES), dtype=np.int64)
        node_ops[:, 0] = NODE_TYPES.index("input")
        node_ops[:, -1] = NODE_TYPES.index("output")
        node_ops[:, 1:-1] = codes + 2
        return node_ops
