"""A generic cell space: a DAG with one operation per node (NAS-Bench-101-, NAS-Bench-NLP-, EC-NAS-like).

An architecture is an upper-triangular adjacency matrix (nodes listed in topological order) plus one
op per node. Node 0 is the input, the last node the output, and every node in between takes an op
from ``ops``. A graph may use fewer than ``max_nodes`` nodes.

Forms of an architecture
------------------------
* ``codes`` -- ``int16`` rows of fixed width ``max_nodes*(max_nodes-1)/2 + max_nodes``: the
  upper-triangle adjacency bits in row-major order (``(0,1), (0,2), ..., (1,2), ...``), then one entry
  per node slot indexing :attr:`GraphSpace.node_types` (``0`` input, ``1`` output, ``2 + k`` for
  ``ops[k]``); unused slots hold ``-1`` and come last, so an ``n``-node graph has its output in slot
  ``n - 1``.
* ``string`` -- compact JSON ``{"adjacency":[[0,1,...],...],"ops":["input","conv3x3-bn-relu",...,"output"]}``
  of the canonical form.
* ``id`` -- 63 bits of the graph's NAS-Bench-101 fingerprint (see below). Ids are hashes: they
  cannot be inverted, so :meth:`GraphSpace.from_ids` refuses; benchmarks store each architecture's
  codes, so look-ups through :class:`bench.benchmark.Benchmark` still work.

Canonical form and ids
----------------------
As in NAS-Bench-101, a node that lies on no input->output path does not change the network, so it
is pruned with its edges; a graph without any input->output path is invalid, and ``max_edges``
bounds the edges left after pruning (NB101's rule: at most 9 edges after pruning).

The id is NB101's ``graph_util.hash_module``: Weisfeiler-Lehman-style iterated MD5 hashing of each
node's (out-degree, in-degree, label) with the sorted hashes of its in- and out-neighbours, then an
MD5 of the sorted node hashes. Labels are ``-1`` input, ``-2`` output and the op's position in
``ops``, as in NB101's ``ModelSpec.hash_spec`` (transcribed from ``nasbench/lib/graph_util.py``;
not yet checked against the NB101 tfrecord, which is not in the shared data). With
``ops = NB101_OPS`` (NB101's order) :meth:`GraphSpace.fingerprints` should therefore equal the keys
of the official NB101 data. The id is the fingerprint's first 16 hex digits with the top bit cleared. WL
hashing is invariant to node renumbering; non-isomorphic graphs could in principle share a hash
(NB101 found no such case among its 423,624 cells).

Canonical code rows: interior nodes are placed in a topological order that always picks, among the
nodes whose predecessors are placed, one with the smallest WL node hash; ties are resolved by a
branch-and-bound search for the lexicographically smallest adjacency columns. For graphs of up to
:data:`EXACT_SEARCH_NODES` (9) nodes every tie is tried, so isomorphic graphs get identical rows
exactly. Larger graphs prune ties whose WL-refined individualisations agree (symmetric nodes),
which is exact whenever WL distinguishes the orbits -- the same assumption the ids rest on. Results
are cached per row, so repeated architectures cost one dictionary look-up.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bench.spaces.base import ENCODINGS, InvalidArchitecture, SearchSpace, as_code_array

#: NAS-Bench-101's interior ops in its own order (the order its hash labels use)
NB101_OPS: tuple[str, ...] = ("conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3")
#: NASLib's integer node labels in its NB101 keys: 0 input, 1 output, 2 maxpool3x3, 3 conv1x1, 4 conv3x3
NASLIB_NB101_LABELS: tuple[str, ...] = ("input", "output", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu")
#: the largest ``max_nodes`` a GraphSpace accepts (canonical ordering search grows with node count)
MAX_NODES_LIMIT = 32
#: graphs with at most this many nodes get an exhaustive tie search in the canonical ordering
EXACT_SEARCH_NODES = 9
#: spaces whose path encoding would be wider than this do not offer ``path``
PATH_WIDTH_LIMIT = 2**17
_MASK_63 = (1 << 63) - 1
_PAD = -1


def nb101_hash(matrix: np.ndarray, labeling: Sequence[int]) -> tuple[str, list[str]]:
    """NB101's ``hash_module`` (graph fingerprint) and the final per-node WL hashes.

    ``matrix`` is an upper-triangular 0/1 adjacency, ``labeling`` one int label per node.
    """
    matrix = np.asarray(matrix, dtype=np.int64)
    vertices = matrix.shape[0]
    in_edges = matrix.sum(axis=0).tolist()
    out_edges = matrix.sum(axis=1).tolist()
    preds = [np.flatnonzero(matrix[:, v]).tolist() for v in range(vertices)]
    succs = [np.flatnonzero(matrix[v]).tolist() for v in range(vertices)]
    hashes = [
        hashlib.md5(str(h).encode("utf-8")).hexdigest()
        for h in zip(out_edges, in_edges, [int(x) for x in labeling], strict=True)
    ]
    for _ in range(vertices):
        hashes = [
            hashlib.md5(
                (
                    "".join(sorted(hashes[w] for w in preds[v]))
                    + "|"
                    + "".join(sorted(hashes[w] for w in succs[v]))
                    + "|"
                    + hashes[v]
                ).encode("utf-8")
            ).hexdigest()
            for v in range(vertices)
        ]
    return hashlib.md5(str(sorted(hashes)).encode("utf-8")).hexdigest(), hashes


def _closure(adj: np.ndarray) -> np.ndarray:
    """Batched transitive closure of ``(b, m, m)`` bool adjacency matrices (reachability by >= 1 edge)."""
    reach = adj.astype(bool)
    while True:
        step = reach | (np.matmul(reach.astype(np.int32), reach.astype(np.int32)) > 0)
        if (step == reach).all():
            return reach
        reach = step


def _on_path(adj: np.ndarray, n_nodes: np.ndarray) -> np.ndarray:
    """``(b, m)`` bool: used slots that lie on some input->output path (output = slot ``n - 1``)."""
    b, m, _ = adj.shape
    reach = _closure(adj)
    rows = np.arange(b)
    out = n_nodes - 1
    slots = np.arange(m)
    from_input = reach[:, 0, :] | (slots == 0)
    to_output = reach[rows, :, out] | (slots[None, :] == out[:, None])
    return from_input & to_output & (slots[None, :] < n_nodes[:, None])


def _md5(text: str) -> str:
    return hashlib.md5(text.encode("utf-8")).hexdigest()


def _refine(preds: Sequence[Sequence[int]], succs: Sequence[Sequence[int]], colors: list[str]) -> list[str]:
    """NB101-style neighbourhood hashing until the colour partition stops splitting."""
    cells = len(set(colors))
    while True:
        colors = [
            _md5("".join(sorted(colors[w] for w in preds[v])) + "|" + "".join(sorted(colors[w] for w in succs[v]))
                 + "|" + colors[v])
            for v in range(len(colors))
        ]
        if len(set(colors)) == cells:
            return colors
        cells = len(set(colors))


def _canonical_order(adj: np.ndarray, colors: Sequence[str]) -> list[int]:
    """Node order of the canonical form (input first, output last); see the module docstring.

    The order is the topological order with the lexicographically smallest adjacency columns among
    those that always place a ready node of the smallest colour. Up to :data:`EXACT_SEARCH_NODES`
    nodes every tie is tried (interchangeable twins once). Larger graphs would make symmetric
    structures (parallel identical chains) explode, so there colours are refined after each
    placement (placed nodes individualised by position) and tied nodes whose individualisation
    yields the same colour multiset are treated as symmetric and tried once.
    """
    n = len(colors)
    preds = [np.flatnonzero(adj[:, v]).tolist() for v in range(n)]
    succs = [np.flatnonzero(adj[v]).tolist() for v in range(n)]
    pred_sets = [frozenset(p) for p in preds]
    exact = n <= EXACT_SEARCH_NODES
    best: list[Any] = [None, None]  # key, order

    def extend(order: list[int], placed: frozenset[int], key: list[tuple[int, ...]]) -> None:
        if len(order) == n - 1:
            full = [*key, tuple(int(adj[u, n - 1]) for u in order)]
            if best[0] is None or full < best[0]:
                best[0], best[1] = full, [*order, n - 1]
            return
        available = [v for v in range(1, n - 1) if v not in placed and pred_sets[v] <= placed]
        if exact:
            current = colors
        else:
            current = list(colors)
            for pos, v in enumerate(order):
                current[v] = _md5(f"{current[v]}#{pos}")
            current = _refine(preds, succs, current)
        low = min(current[v] for v in available)
        tried = set()
        for v in available:
            if current[v] != low:
                continue
            if exact:
                signature: Any = (pred_sets[v], frozenset(succs[v]))
            else:
                marked = list(current)
                marked[v] = _md5(marked[v] + "*")
                signature = tuple(sorted(_refine(preds, succs, marked)))
            if signature in tried:
                continue
            tried.add(signature)
            new_key = [*key, tuple(int(adj[u, v]) for u in order)]
            if best[0] is not None and new_key > best[0][: len(new_key)]:
                continue
            extend([*order, v], placed | {v}, new_key)

    extend([0], frozenset({0}), [])
    return best[1]


_FORMS: dict[tuple[bytes, int], tuple[bytes, str]] = {}
_FORMS_LIMIT = 1 << 16


def _canonical_form(row: bytes, max_nodes: int) -> tuple[bytes, str]:
    """(canonical code row bytes, NB101 fingerprint) of one valid code row, cached for the row and
    for its canonical row (bounded: the cache is emptied when it reaches ``_FORMS_LIMIT`` entries)."""
    found = _FORMS.get((row, max_nodes))
    if found is not None:
        return found
    result = _compute_canonical_form(row, max_nodes)
    if len(_FORMS) >= _FORMS_LIMIT:
        _FORMS.clear()
    _FORMS[(row, max_nodes)] = _FORMS[(result[0], max_nodes)] = result
    return result


def _compute_canonical_form(row: bytes, max_nodes: int) -> tuple[bytes, str]:
    codes = np.frombuffer(row, dtype=np.int16)
    n_bits = max_nodes * (max_nodes - 1) // 2
    ops = codes[n_bits:]
    n = int((ops != _PAD).sum())
    iu = np.triu_indices(max_nodes, 1)
    full = np.zeros((max_nodes, max_nodes), dtype=bool)
    full[iu] = codes[:n_bits] != 0
    keep = _on_path(full[None], np.array([n]))[0][:n]
    adj = full[:n, :n][np.ix_(keep, keep)]
    kept_ops = ops[:n][keep]
    labeling = [-1] + [int(o) - 2 for o in kept_ops[1:-1]] + [-2]
    fingerprint, colors = nb101_hash(adj, labeling)
    order = _canonical_order(adj, colors)
    k = len(order)
    out_full = np.zeros((max_nodes, max_nodes), dtype=bool)
    out_full[:k, :k] = adj[np.ix_(order, order)]
    out = np.full(len(codes), _PAD, dtype=np.int16)
    out[:n_bits] = out_full[iu]
    out[n_bits : n_bits + k] = kept_ops[order]
    return out.tobytes(), fingerprint


@dataclass(frozen=True)
class GraphArch:
    """One canonical graph as adjacency rows and op names (``str()`` is the canonical string)."""

    adjacency: tuple[tuple[int, ...], ...]
    ops: tuple[str, ...]
    codes: tuple[int, ...]
    id: int

    @property
    def n_nodes(self) -> int:
        return len(self.ops)

    @property
    def n_edges(self) -> int:
        return sum(map(sum, self.adjacency))

    def __str__(self) -> str:
        return _dump(self.adjacency, self.ops)


def _dump(adjacency: Sequence[Sequence[int]], ops: Sequence[str]) -> str:
    return json.dumps({"adjacency": [list(r) for r in adjacency], "ops": list(ops)}, separators=(",", ":"))


class GraphSpace(SearchSpace):
    """DAG cells with one op per node, deduplicated up to isomorphism; see the module docstring.

    Parameters
    ----------
    ops:
        Names of the interior-node operations (their order fixes code values and hash labels).
    max_nodes:
        Most nodes a graph may have, input and output included (NB101: 7).
    input_op, output_op:
        Names of the first and last node in strings.
    max_edges:
        Most edges a graph may keep after pruning (NB101: 9); ``None`` for no bound.
    """

    name = "graph"

    def __init__(
        self,
        ops: Sequence[str],
        max_nodes: int,
        input_op: str = "input",
        output_op: str = "output",
        max_edges: int | None = None,
    ) -> None:
        if isinstance(ops, str) or not len(ops):
            raise ValueError("ops must be a non-empty list of op names")
        ops = tuple(ops)
        for op in (*ops, input_op, output_op):
            if not isinstance(op, str) or not op:
                raise ValueError(f"op names must be non-empty strings, got {op!r}")
        if len(set(ops)) != len(ops):
            raise ValueError(f"ops must be unique, got {list(ops)}")
        if input_op == output_op or {input_op, output_op} & set(ops):
            raise ValueError(f"input_op {input_op!r} and output_op {output_op!r} must differ from each other and ops")
        if isinstance(max_nodes, bool) or not isinstance(max_nodes, (int, np.integer)):
            raise ValueError(f"max_nodes must be an integer, got {max_nodes!r}")
        if not 2 <= int(max_nodes) <= MAX_NODES_LIMIT:
            raise ValueError(f"max_nodes must be in 2..{MAX_NODES_LIMIT}, got {max_nodes}")
        m = int(max_nodes)
        self.n_bits = m * (m - 1) // 2
        if max_edges is not None and (isinstance(max_edges, bool) or not 1 <= int(max_edges) <= self.n_bits):
            raise ValueError(f"max_edges must be in 1..{self.n_bits} for {m} nodes, or None; got {max_edges!r}")
        self.ops = ops
        self.max_nodes = m
        self.input_op = input_op
        self.output_op = output_op
        self.max_edges = None if max_edges is None else int(max_edges)
        #: code values of node slots: 0 input, 1 output, 2 + k for ops[k]
        self.node_types: tuple[str, ...] = (input_op, output_op, *ops)
        #: ``ops`` value of unused slots in the ``adjacency`` encoding
        self.pad_type = len(self.node_types)
        self.code_length = self.n_bits + m
        self._src, self._dst = np.triu_indices(m, 1)
        k = len(ops)
        self.path_width = sum(k**length for length in range(m - 1))
        self.encodings = ENCODINGS if self.path_width <= PATH_WIDTH_LIMIT else tuple(
            e for e in ENCODINGS if e != "path"
        )

    @classmethod
    def nb101(cls) -> GraphSpace:
        """The NAS-Bench-101 cell space: NB101's three ops, 7 nodes, at most 9 edges."""
        return cls(NB101_OPS, 7, max_edges=9)

    def config(self) -> dict[str, Any]:
        return {
            "ops": list(self.ops),
            "max_nodes": self.max_nodes,
            "input_op": self.input_op,
            "output_op": self.output_op,
            "max_edges": self.max_edges,
        }

    def __repr__(self) -> str:
        return f"GraphSpace(ops={list(self.ops)}, max_nodes={self.max_nodes}, max_edges={self.max_edges})"

    # ---- validation ------------------------------------------------------------------------------
    def _adjacency(self, arr: np.ndarray) -> np.ndarray:
        adj = np.zeros((len(arr), self.max_nodes, self.max_nodes), dtype=bool)
        adj[:, self._src, self._dst] = arr[:, : self.n_bits] != 0
        return adj

    def _connection_problems(self, arr: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(no input->output path, edges left after pruning, too many edges) per structurally valid row."""
        n_nodes = (arr[:, self.n_bits :] != _PAD).sum(axis=1)
        adj = self._adjacency(arr)
        keep = _on_path(adj, n_nodes)
        disconnected = ~keep[:, 0]
        edges = (adj & keep[:, :, None] & keep[:, None, :]).sum(axis=(1, 2))
        too_many = ~disconnected & (edges > self.max_edges) if self.max_edges is not None else np.zeros(len(arr), bool)
        return disconnected, edges, too_many

    def _problems(self, arr: np.ndarray) -> Iterator[tuple[np.ndarray, Callable[[int], str]]]:
        """(bad-row mask, message for a row) per rule, in order of precedence; later rules assume the
        earlier ones hold, so only a row's first failing rule is meaningful."""
        bits, ops = arr[:, : self.n_bits], arr[:, self.n_bits :]
        bad = (bits != 0) & (bits != 1)

        def entry(r: int) -> str:
            b = int(np.flatnonzero(bad[r])[0])
            return f"adjacency[{self._src[b]}][{self._dst[b]}] = {int(bits[r, b])} must be 0 or 1"

        yield bad.any(axis=1), entry
        pad = ops == _PAD
        gap = pad[:, :-1] & ~pad[:, 1:]

        def hole(r: int) -> str:
            j = int(np.flatnonzero(gap[r])[0])
            return f"node slot {j} is unused (-1) but slot {j + 1} is used; nodes must fill slots 0..n-1"

        yield gap.any(axis=1), hole
        n_nodes = (~pad).sum(axis=1)
        yield n_nodes < 2, lambda r: (
            f"{int(n_nodes[r])} node(s); a graph needs at least the input and the output node"
        )
        yield ops[:, 0] != 0, lambda r: (
            f"node 0 has op index {int(ops[r, 0])}; node 0 must be the input ({self.input_op!r}, index 0)"
        )
        last = ops[np.arange(len(arr)), np.maximum(n_nodes - 1, 0)]
        yield last != 1, lambda r: (
            f"node {int(n_nodes[r]) - 1} (the last one) has op index {int(last[r])}; "
            f"the last node must be the output ({self.output_op!r}, index 1)"
        )
        slot = np.arange(self.max_nodes)
        interior = (slot >= 1) & (slot[None, :] < (n_nodes - 1)[:, None])
        bad_op = interior & ((ops < 2) | (ops >= len(self.node_types)))

        def op_range(r: int) -> str:
            j = int(np.flatnonzero(bad_op[r])[0])
            return (
                f"node {j} has op index {int(ops[r, j])}; interior nodes take 2..{len(self.node_types) - 1} "
                f"({', '.join(self.ops)})"
            )

        yield bad_op.any(axis=1), op_range
        dangling = (bits != 0) & (self._dst[None, :] >= n_nodes[:, None])

        def unused(r: int) -> str:
            b = int(np.flatnonzero(dangling[r])[0])
            return (
                f"edge {self._src[b]}->{self._dst[b]} (adjacency[{self._src[b]}][{self._dst[b]}]) touches unused "
                f"node slot {self._dst[b]}; the graph has {int(n_nodes[r])} nodes"
            )

        yield dangling.any(axis=1), unused
        disconnected, edges, too_many = self._connection_problems(arr)
        yield disconnected, lambda r: f"no path from the input (node 0) to the output (node {int(n_nodes[r]) - 1})"
        yield too_many, lambda r: (
            f"{int(edges[r])} edges after pruning nodes off every input->output path; max_edges is {self.max_edges}"
        )

    def _first_problem(self, arr: np.ndarray) -> tuple[int, str] | None:
        """(row, message) of the first rule broken by any row, or None when all rows are valid."""
        for mask, message in self._problems(arr):
            if mask.any():
                r = int(np.flatnonzero(mask)[0])
                return r, message(r)
        return None

    def validate(self, codes: np.ndarray) -> np.ndarray:
        """Check structure (0/1 bits, input/output/op slots, padding) and connectivity of every row."""
        arr = as_code_array(codes, self.code_length, self.name)
        problem = self._first_problem(arr) if len(arr) else None
        if problem is not None:
            r, message = problem
            raise InvalidArchitecture(f"{self.name} row {r}: {message}")
        return arr

    def is_valid(self, codes: np.ndarray) -> np.ndarray:
        """Bool per row: True where the row is a valid architecture of this space (vectorized)."""
        arr = as_code_array(codes, self.code_length, self.name)
        ok = np.ones(len(arr), dtype=bool)
        for mask, _ in self._problems(arr):
            ok &= ~mask
        return ok

    def _valid_mask(self, arr: np.ndarray) -> np.ndarray:
        """Fast validity of rows that are structurally valid by construction (connectivity, edges)."""
        disconnected, _, too_many = self._connection_problems(arr)
        return ~disconnected & ~too_many

    # ---- canonical form and ids --------------------------------------------------------------
    def _forms(self, arr: np.ndarray) -> list[tuple[bytes, str]]:
        arr = np.ascontiguousarray(arr, dtype=np.int16)
        return [_canonical_form(row.tobytes(), self.max_nodes) for row in arr]

    def canonicalize(self, codes: np.ndarray) -> np.ndarray:
        """Pruned rows in canonical node order: isomorphic graphs map to identical rows."""
        arr = self.validate(codes)
        out = np.empty_like(arr)
        for i, (row, _) in enumerate(self._forms(arr)):
            out[i] = np.frombuffer(row, dtype=np.int16)
        return out

    def fingerprints(self, codes: np.ndarray) -> list[str]:
        """NB101 ``hash_module`` hex fingerprints (equal to the NB101 data keys when ``ops`` = NB101_OPS)."""
        return [fp for _, fp in self._forms(self.validate(codes))]

    def to_ids(self, codes: np.ndarray) -> np.ndarray:
        """63-bit ids from the fingerprints (first 16 hex digits, top bit cleared)."""
        return np.array([int(fp[:16], 16) & _MASK_63 for fp in self.fingerprints(codes)], dtype=np.int64)

    def from_ids(self, ids: np.ndarray) -> np.ndarray:
        """Always refuses: graph ids are hashes of the canonical graph and cannot be inverted."""
        ids = np.asarray(ids).ravel()
        if not ids.size:
            return np.zeros((0, self.code_length), dtype=np.int16)
        raise InvalidArchitecture(
            f"graph ids are 63-bit hashes of the canonical graph and cannot be turned back into architectures "
            f"(id {ids[0]}); take codes from a benchmark or parse adjacency/ops strings"
        )

    # ---- parsing and conversions -------------------------------------------------------------
    def parse(self, text: str) -> np.ndarray:
        """Canonical code row of ``{"adjacency": [[...], ...], "ops": ["input", ..., "output"]}``."""
        if isinstance(text, dict):
            obj = text
        else:
            if not isinstance(text, str):
                raise InvalidArchitecture(f"expected a JSON string with adjacency and ops, got {type(text).__name__}")
            try:
                obj = json.loads(text)
            except json.JSONDecodeError as e:
                raise InvalidArchitecture(f"cannot read {text[:80]!r} as JSON: {e.msg} at char {e.pos}") from None
        if not isinstance(obj, dict) or "adjacency" not in obj or "ops" not in obj:
            raise InvalidArchitecture('a graph architecture is a JSON object {"adjacency": [[...], ...], "ops": [...]}')
        extra = set(obj) - {"adjacency", "ops"}
        if extra:
            keys = ", ".join(sorted(map(str, extra)))
            raise InvalidArchitecture(f"unexpected key(s) {keys}; expected adjacency and ops")
        return self.from_matrix(obj["adjacency"], obj["ops"])

    def from_matrix(self, adjacency: Sequence[Sequence[int]] | np.ndarray, ops: Sequence[str]) -> np.ndarray:
        """Canonical code row of one adjacency matrix (list of rows or array) and its op names."""
        if isinstance(adjacency, np.ndarray):
            adjacency = adjacency.tolist()
        if not isinstance(adjacency, (list, tuple)) or not adjacency:
            raise InvalidArchitecture("adjacency must be a non-empty list of rows")
        n = len(adjacency)
        if n > self.max_nodes:
            raise InvalidArchitecture(f"adjacency has {n} nodes; max_nodes is {self.max_nodes}")
        matrix = np.zeros((n, n), dtype=np.int16)
        for i, row in enumerate(adjacency):
            if not isinstance(row, (list, tuple)):
                raise InvalidArchitecture(f"adjacency row {i} is {row!r}, not a list")
            if len(row) != n:
                raise InvalidArchitecture(f"adjacency row {i} has {len(row)} entries; a {n}-node matrix needs {n}")
            for j, v in enumerate(row):
                if isinstance(v, str) or v not in (0, 1):
                    raise InvalidArchitecture(f"adjacency[{i}][{j}] = {v!r} must be 0 or 1")
                if v and j <= i:
                    raise InvalidArchitecture(
                        f"adjacency[{i}][{j}] = 1 is on or below the diagonal; list nodes in topological order "
                        "so that every edge goes from a lower to a higher index (upper-triangular matrix)"
                    )
                matrix[i, j] = int(v)
        if isinstance(ops, str) or not isinstance(ops, (list, tuple)):
            raise InvalidArchitecture(f"ops must be a list of op names, got {ops!r}")
        if len(ops) != n:
            raise InvalidArchitecture(f"{len(ops)} ops for a {n}-node adjacency matrix; give one op per node")
        if n < 2:
            raise InvalidArchitecture("a graph needs at least the input and the output node")
        index = {name: t for t, name in enumerate(self.node_types)}
        node_ops = np.empty(n, dtype=np.int16)
        for i, op in enumerate(ops):
            t = index.get(op) if isinstance(op, str) else None
            if i == 0 and t != 0:
                raise InvalidArchitecture(f"ops[0] is {op!r}; the first node must be {self.input_op!r}")
            if i == n - 1 and t != 1:
                raise InvalidArchitecture(f"ops[{i}] is {op!r}; the last node must be {self.output_op!r}")
            if 0 < i < n - 1 and (t is None or t < 2):
                why = "only the first node may be the input and the last the output" if t is not None else (
                    f"valid: {', '.join(self.ops)}"
                )
                raise InvalidArchitecture(f"ops[{i}] is {op!r}, not an op of this space; {why}")
            node_ops[i] = t
        full = np.zeros((self.max_nodes, self.max_nodes), dtype=np.int16)
        full[:n, :n] = matrix
        row = np.full(self.code_length, _PAD, dtype=np.int16)
        row[: self.n_bits] = full[self._src, self._dst]
        row[self.n_bits : self.n_bits + n] = node_ops
        problem = self._first_problem(row[None])
        if problem is not None:
            raise InvalidArchitecture(problem[1])
        return self.canonicalize(row)[0]

    def from_nb101(self, matrix: Sequence[Any] | np.ndarray, ops: Sequence[str | int]) -> np.ndarray:
        """Canonical code row of an NB101 spec: ``matrix`` as ``(V, V)`` or flattened ``V*V`` 0/1 entries,
        ``ops`` as NB101 names (``input``, ``conv3x3-bn-relu``, ``conv1x1-bn-relu``, ``maxpool3x3``,
        ``output``) or NASLib's integer labels (:data:`NASLIB_NB101_LABELS`). The space must hold the
        NB101 op names (e.g. :meth:`nb101`)."""
        arr = np.asarray(matrix)
        if arr.ndim == 1:
            v = int(round(len(arr) ** 0.5))
            if v * v != len(arr):
                raise InvalidArchitecture(f"a flattened NB101 matrix needs a square number of entries, got {len(arr)}")
            arr = arr.reshape(v, v)
        names = []
        for i, op in enumerate(ops):
            if isinstance(op, (int, np.integer)) and not isinstance(op, bool):
                if not 0 <= int(op) < len(NASLIB_NB101_LABELS):
                    raise InvalidArchitecture(f"ops[{i}] = {op} is not a NASLib NB101 label (0..4)")
                op = NASLIB_NB101_LABELS[int(op)]
            names.append({"input": self.input_op, "output": self.output_op}.get(op, op))
        missing = sorted(set(names[1:-1]) - set(self.ops))
        if missing and set(missing) <= set(NB101_OPS):
            raise InvalidArchitecture(f"this space has no NB101 op {missing[0]!r}; build it with GraphSpace.nb101()")
        return self.from_matrix(arr, names)

    def to_strings(self, codes: np.ndarray) -> list[str]:
        """Canonical compact-JSON strings."""
        canon = self.canonicalize(codes)
        adj = self._adjacency(canon).astype(np.int64)
        out = []
        for a, ops in zip(adj, canon[:, self.n_bits :], strict=True):
            n = int((ops != _PAD).sum())
            out.append(_dump(a[:n, :n].tolist(), [self.node_types[t] for t in ops[:n].tolist()]))
        return out

    def to_codes(self, archs: Any) -> np.ndarray:
        """Like :meth:`SearchSpace.to_codes`, also reading ``{"adjacency": ..., "ops": ...}`` dicts."""
        if isinstance(archs, dict):
            archs = [archs]
        if isinstance(archs, (list, tuple)) and any(isinstance(a, dict) for a in archs):
            rows = []
            for a in archs:
                rows.append(self.parse(a) if isinstance(a, (dict, str)) else super().to_codes([a])[0])
            return self.validate(np.stack(rows))
        return super().to_codes(archs)

    # ---- object form ---------------------------------------------------------------------------
    def arch(
        self,
        text: str | dict[str, Any] | None = None,
        *,
        adjacency: Sequence[Sequence[int]] | np.ndarray | None = None,
        ops: Sequence[str] | None = None,
    ) -> GraphArch:
        """The canonical frozen object of a string/dict or of ``adjacency=`` and ``ops=``."""
        if (text is None) == (adjacency is None and ops is None):
            raise TypeError("give either a graph string/dict or adjacency= and ops=")
        if text is not None:
            row = self.parse(text)
        else:
            if adjacency is None or ops is None:
                raise TypeError("give both adjacency= and ops=")
            row = self.from_matrix(adjacency, ops)
        n = int((row[self.n_bits :] != _PAD).sum())
        adj = self._adjacency(row[None])[0][:n, :n].astype(int)
        return GraphArch(
            adjacency=tuple(tuple(r) for r in adj.tolist()),
            ops=tuple(self.node_types[t] for t in row[self.n_bits : self.n_bits + n].tolist()),
            codes=tuple(int(c) for c in row),
            id=int(self.to_ids(row)[0]),
        )

    # ---- sampling and mutation -----------------------------------------------------------------
    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """NB101's ``random_spec``: all ``max_nodes`` nodes, each upper-triangle edge with probability
        0.5, uniform interior ops; rows without an input->output path or with too many edges are
        redrawn; results are canonical. (Not uniform over canonical graphs: a graph with more raw forms,
        e.g. one with prunable nodes, is drawn more often -- as in NB101/NASLib random search.)"""
        n = int(n)
        m = self.max_nodes
        kept: list[np.ndarray] = []
        total, draws = 0, 0
        while total < n:
            batch = max(2 * (n - total), 64)
            cand = np.empty((batch, self.code_length), dtype=np.int16)
            cand[:, : self.n_bits] = rng.random((batch, self.n_bits)) < 0.5
            cand[:, self.n_bits] = 0
            cand[:, self.n_bits + 1 : self.n_bits + m - 1] = rng.integers(2, len(self.node_types), size=(batch, m - 2))
            cand[:, -1] = 1
            good = cand[self._valid_mask(cand)]
            kept.append(good)
            total += len(good)
            draws += batch
            if total == 0 and draws >= 100_000:
                raise InvalidArchitecture(f"no valid graph in {draws:,} random draws; is max_edges too small?")
        codes = np.concatenate(kept)[:n] if kept else np.zeros((0, self.code_length), dtype=np.int16)
        return self.canonicalize(codes)

    def _edits(self, row: np.ndarray) -> np.ndarray:
        """Raw rows one edit away from canonical ``row``: flip one edge between used nodes, change one
        interior op, or insert a node with one op on a new path ``i -> new -> j`` (if a slot is free)."""
        m, nb = self.max_nodes, self.n_bits
        ops = row[nb:]
        n = int((ops != _PAD).sum())
        # edge flips among used nodes
        flip = np.flatnonzero(self._dst < n)
        flips = np.repeat(row[None], len(flip), axis=0)
        flips[np.arange(len(flip)), flip] ^= 1
        # op changes on interior nodes
        types = np.arange(2, len(self.node_types))
        pos = np.repeat(np.arange(1, n - 1), len(types))
        val = np.tile(types, max(n - 2, 0))
        changed = val != ops[pos]
        pos, val = pos[changed], val[changed]
        op_moves = np.repeat(row[None], len(pos), axis=0)
        op_moves[np.arange(len(pos)), nb + pos] = val
        parts = [flips, op_moves]
        if n < m:
            adj = self._adjacency(row[None])[0]
            shift = np.arange(n)
            for i in range(n - 1):
                for j in range(i + 1, n):
                    new_pos = np.where(shift <= i, shift, shift + 1)
                    grown = np.zeros((m, m), dtype=bool)
                    grown[np.ix_(new_pos, new_pos)] = adj[:n, :n]
                    grown[i, i + 1] = grown[i + 1, j + 1] = True
                    base = np.full(self.code_length, _PAD, dtype=np.int16)
                    base[:nb] = grown[self._src, self._dst]
                    base[nb + new_pos] = ops[:n]
                    inserted = np.repeat(base[None], len(types), axis=0)
                    inserted[:, nb + i + 1] = types
                    parts.append(inserted)
        return np.concatenate(parts)

    def neighbours(self, code: np.ndarray) -> np.ndarray:
        """Distinct canonical graphs one edit away (edge flip, op change, or node insertion on a new
        path), invalid results dropped, self excluded, sorted by code row. Not symmetric: removing an
        edge can prune several nodes at once."""
        row = self.canonicalize(code)
        if len(row) != 1:
            raise InvalidArchitecture(f"neighbours takes one {self.name} architecture, got {len(row)}")
        cand = self._edits(row[0])
        cand = cand[self._valid_mask(cand)]
        canon = np.unique(self.canonicalize(cand), axis=0)
        return canon[(canon != row[0]).any(axis=1)]

    def mutate(self, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One uniformly drawn valid edit per row (NB101/NASLib style; isomorphic results count once
        per edit), returned canonical. Rows without any valid edit raise InvalidArchitecture."""
        canon = self.canonicalize(codes)
        out = np.empty_like(canon)
        for i, row in enumerate(canon):
            cand = self._edits(row)
            cand = cand[self._valid_mask(cand)]
            if not len(cand):
                raise InvalidArchitecture(f"row {i} has no valid single edit in this space")
            out[i] = cand[rng.integers(len(cand))]
        return self.canonicalize(out)

    # ---- encodings -----------------------------------------------------------------------------
    def _layout(self, canon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(adjacency (b, m, m) float32, node types (b, m) int64) with the output moved to the last slot
        and unused slots (type :attr:`pad_type`) just before it."""
        b, m = len(canon), self.max_nodes
        adj = self._adjacency(canon)
        ops = canon[:, self.n_bits :].astype(np.int64)
        n_nodes = (ops != _PAD).sum(axis=1)
        slot = np.arange(m)[None, :]
        dest = np.where(slot < (n_nodes - 1)[:, None], slot, slot - 1)
        dest[np.arange(b), n_nodes - 1] = m - 1
        rows = np.arange(b)[:, None]
        out_adj = np.zeros((b, m, m), dtype=np.float32)
        out_adj[rows[:, :, None], dest[:, :, None], dest[:, None, :]] = adj
        out_ops = np.empty((b, m), dtype=np.int64)
        out_ops[rows, dest] = np.where(ops == _PAD, self.pad_type, ops)
        return out_adj, out_ops

    def encode(self, codes: np.ndarray, kind: str) -> Any:
        """Encodings of the canonical form (isomorphic graphs encode alike).

        Fixed-size encodings place the output in the last of ``max_nodes`` slots, unused slots just
        before it (arch2vec/NASLib padding), so every feature keeps its meaning across graph sizes.

        * ``onehot`` -- float32 ``(n, E + (max_nodes - 2) * len(ops))``: the ``E = m(m-1)/2``
          upper-triangle adjacency bits, then an op one-hot per interior slot (zeros for unused
          slots); 36 features for NB101, BANANAS' adjacency encoding.
        * ``adjacency`` -- ``{"adjacency": (n, m, m) float32, "ops": (n, m) int64}``; ``ops`` indexes
          :attr:`node_types` and unused slots hold :attr:`pad_type` (= ``len(node_types)``).
        * ``path`` -- float32 ``(n, path_width)``: BANANAS path encoding, 1 where some input->output
          path has that sequence of interior ops. Sequences of length ``L = 0..max_nodes-2`` start at
          ``sum(k**l for l < L)`` (``k = len(ops)``) and are numbered in base ``k``, first op most
          significant (:meth:`path_names`); ``path_width = sum(k**L)``, 364 for NB101. Offered only while
          that is at most :data:`PATH_WIDTH_LIMIT`.
        * ``graph`` -- list of ``torch_geometric.data.Data`` over the used nodes only (``x``: one-hot
          over :attr:`node_types`; ``edge_index``: forward edges).
        """
        self.check_encoding(kind)
        canon = self.canonicalize(codes)
        if kind == "graph":
            return self._graphs(canon)
        adj, ops = self._layout(canon)
        if kind == "adjacency":
            return {"adjacency": adj, "ops": ops}
        if kind == "onehot":
            k = len(self.ops)
            n = len(canon)
            interior = np.zeros((n, self.max_nodes - 2, k + 1), dtype=np.float32)
            local = np.where(ops[:, 1:-1] == self.pad_type, k, ops[:, 1:-1] - 2)
            interior[np.arange(n)[:, None], np.arange(self.max_nodes - 2)[None, :], local] = 1.0
            return np.concatenate([adj[:, self._src, self._dst], interior[:, :, :k].reshape(n, -1)], axis=1)
        return self._paths(adj, ops)

    def _paths(self, adj: np.ndarray, ops: np.ndarray, chunk_bytes: int = 1 << 26) -> np.ndarray:
        m, k = self.max_nodes, len(self.ops)
        width = self.path_width
        offsets = np.array([sum(k**i for i in range(length)) for length in range(m)], dtype=np.int64)
        # a path of length L < m-2 with local number c, extended by op o, becomes length L+1, number c*k+o
        src = np.arange(offsets[m - 2])
        length = np.searchsorted(offsets, src, side="right") - 1
        local = src - offsets[length]
        dest = [offsets[length + 1] + local * k + o for o in range(k)]
        out = np.zeros((len(adj), width), dtype=np.float32)
        step = max(1, chunk_bytes // (m * width))
        edges = adj > 0
        for start in range(0, len(adj), step):
            a, t = edges[start : start + step], ops[start : start + step]
            b = len(a)
            paths = np.zeros((b, m, width), dtype=bool)
            paths[:, 0, 0] = True  # the empty op sequence at the input
            for j in range(1, m - 1):
                incoming = (a[:, :j, j, None] & paths[:, :j, :]).any(axis=1)
                for o in range(k):
                    sel = np.flatnonzero(t[:, j] == o + 2)
                    if len(sel):
                        paths[sel[:, None], j, dest[o][None, :]] = incoming[sel[:, None], src[None, :]]
            out[start : start + b] = (a[:, :, m - 1, None] & paths).any(axis=1)
        return out

    def path_names(self) -> list[str]:
        """Column names of the ``path`` encoding, e.g. ``"input>conv3x3-bn-relu>output"``."""
        self.check_encoding("path")
        names = []
        for length in range(self.max_nodes - 1):
            k = len(self.ops)
            for c in range(k**length):
                digits = [(c // k ** (length - 1 - d)) % k for d in range(length)]
                names.append(">".join([self.input_op, *(self.ops[d] for d in digits), self.output_op]))
        return names

    def _graphs(self, canon: np.ndarray) -> list[Any]:
        import torch
        from torch_geometric.data import Data

        adj = self._adjacency(canon)
        ops = canon[:, self.n_bits :].astype(np.int64)
        eye = np.eye(len(self.node_types), dtype=np.float32)
        graphs = []
        for a, t in zip(adj, ops, strict=True):
            n = int((t != _PAD).sum())
            src, dst = np.nonzero(a[:n, :n])
            graphs.append(
                Data(
                    x=torch.from_numpy(eye[t[:n]]),
                    edge_index=torch.from_numpy(np.stack([src, dst]).astype(np.int64)),
                )
            )
        return graphs
