"""The NAS-Bench-Graph search space (Qin et al., 2022), with the benchmark's own canonical ids.

An architecture is a macro DAG of four computing nodes plus four operations. ``link[i]`` names the
input of computing node ``i + 1``: ``0`` is the raw input and ``j >= 1`` is computing node ``j``, so
``link[i]`` lies in ``0..i`` (24 link patterns). Every node's operation comes from
:data:`GNN_OPS` (nine ops; the proteins dataset uses only :data:`PROTEINS_OPS`). All leaf nodes
(nodes with no successor) feed the output node, so the output is not part of the encoding.
That gives ``24 * 9**4 = 157,464`` raw (link, ops) combinations, of which the one with four ``skip``
operations has no trainable layer and is not in the benchmark.

Canonical form
--------------
Many raw combinations describe the same network: node numbering is arbitrary (``[0, 0, 0, 2]`` is
``[0, 0, 0, 1]`` with two nodes renamed), sibling branches commute, and ``skip`` nodes can be moved
without changing the function the network computes. The benchmark tables (``light_read(dataset)``)
are keyed by ``Arch(link, ops).valid_hash()`` of the ``nas_bench_graph`` package, which applies
three rewriting rules in order:

1. *regularize* -- renumber the nodes so the link pattern is one of the nine patterns of
   :data:`LINK_PATTERNS` (a fixed relabeling per raw pattern);
2. *move skip* -- move each ``skip`` node that has a child, has no sibling, or only forwards the
   raw input to the front, re-attaching its children to its parent;
3. *sort equal parts* -- order the operations of interchangeable sibling nodes by their index in
   :data:`GNN_OPS` (and swap the two branches of ``[0, 0, 1, 2]`` lexicographically).

The result is hashed as ``pattern_index * 10**4 + op digits`` (base 10 over :data:`GNN_OPS`
indices). We reproduce these rules exactly, so a canonical id here *is* the benchmark key: the set
of canonical ids is exactly the 26,206 keys of every full benchmark table and, restricted to
:data:`PROTEINS_OPS`, the 2,021 keys of the proteins table. Ids and code rows use indices into the
full :data:`GNN_OPS` whatever the op set, so they agree across datasets.

Because the rules touch only the link pattern and which operations are ``skip`` (rules 1-2) or
sort op indices (rule 3), the whole map from raw combination to canonical id is computed once, in
a few milliseconds, as a lookup table over all 157,464 raw combinations: every hot path
(:meth:`NasBenchGraphSpace.to_ids`, :meth:`~NasBenchGraphSpace.canonicalize`) is one table lookup.

Codes are ``int16`` rows of eight integers: the four link entries, then the four op indices.
The string form is ``"link=0,0,1,2 ops=gcn,gat,skip,sage"``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np

from bench.errors import UsageError
from bench.spaces.base import InvalidArchitecture, SearchSpace, as_code_array

if TYPE_CHECKING:
    from bench.networks.base import NetworkBuilder

#: all operations of NAS-Bench-Graph, in the package's order (their index is the hash digit)
GNN_OPS: tuple[str, ...] = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph", "fc", "skip")
#: the operations that aggregate over graph neighbours (``fc`` is a per-node MLP, ``skip`` the identity)
MESSAGE_PASSING_OPS: tuple[str, ...] = ("gat", "gcn", "gin", "cheb", "sage", "arma", "graph")
#: the operations evaluated on the proteins dataset
PROTEINS_OPS: tuple[str, ...] = ("gcn", "sage", "arma", "fc", "skip")
#: the nine link patterns left after renumbering; a canonical id starts with the pattern's index
LINK_PATTERNS: tuple[tuple[int, int, int, int], ...] = (
    (0, 0, 0, 0),
    (0, 0, 0, 1),
    (0, 0, 1, 1),
    (0, 0, 1, 2),
    (0, 0, 1, 3),
    (0, 1, 1, 1),
    (0, 1, 1, 2),
    (0, 1, 2, 2),
    (0, 1, 2, 3),
)

N_NODES = 4  # computing nodes
N_RAW_LINKS = 24  # 1 * 2 * 3 * 4 raw link patterns
N_OP_COMBOS = len(GNN_OPS) ** N_NODES  # 6561
N_RAW = N_RAW_LINKS * N_OP_COMBOS  # 157,464
SKIP = GNN_OPS.index("skip")
ALL_SKIP_ID = 88888  # valid_hash of any all-skip combination; never a benchmark key
ID_LIMIT = 90000  # ids are below this (pattern digit 0..8, then four digits 0..8)
V = N_NODES + 2  # input node, four computing nodes, output node in the adjacency/graph encodings

_OP_INDEX = {name: i for i, name in enumerate(GNN_OPS)}
_DIGIT_WEIGHTS = np.array([1000, 100, 10, 1], dtype=np.int64)
_OP_WEIGHTS = np.array([729, 81, 9, 1], dtype=np.int64)
_LINK_WEIGHTS = np.array([0, 12, 4, 1], dtype=np.int64)  # raw pattern index = 12*l1 + 4*l2 + l3
_LINK_ARRAY = np.array(LINK_PATTERNS, dtype=np.int16)

# Rule 1 (regularize): raw pattern -> (pattern, source position of each op after renumbering).
_RENUMBER: dict[tuple[int, ...], tuple[tuple[int, ...], tuple[int, ...]]] = {
    (0, 0, 0, 2): ((0, 0, 0, 1), (1, 0, 2, 3)),
    (0, 0, 0, 3): ((0, 0, 0, 1), (2, 0, 1, 3)),
    (0, 0, 1, 0): ((0, 0, 0, 1), (0, 1, 3, 2)),
    (0, 0, 2, 0): ((0, 0, 0, 1), (1, 0, 3, 2)),
    (0, 0, 2, 1): ((0, 0, 1, 2), (1, 0, 2, 3)),
    (0, 0, 2, 2): ((0, 0, 1, 1), (1, 0, 2, 3)),
    (0, 0, 2, 3): ((0, 0, 1, 3), (1, 0, 2, 3)),
    (0, 1, 0, 0): ((0, 0, 0, 1), (0, 2, 3, 1)),
    (0, 1, 0, 1): ((0, 0, 1, 1), (0, 2, 1, 3)),
    (0, 1, 0, 2): ((0, 0, 1, 3), (0, 2, 1, 3)),
    (0, 1, 0, 3): ((0, 0, 1, 2), (0, 2, 1, 3)),
    (0, 1, 1, 0): ((0, 0, 1, 1), (0, 3, 1, 2)),
    (0, 1, 1, 3): ((0, 1, 1, 2), (0, 2, 1, 3)),
    (0, 1, 2, 0): ((0, 0, 1, 3), (0, 3, 1, 2)),
    (0, 1, 2, 1): ((0, 1, 1, 2), (0, 1, 3, 2)),
}
# Rule 3 (sort equal parts): positions whose ops are interchangeable, per pattern index.
_SORT_GROUPS: dict[int, tuple[int, ...]] = {0: (0, 1, 2, 3), 1: (1, 2), 2: (2, 3), 5: (1, 2, 3), 7: (2, 3)}
_BRANCH_SWAP_PATTERN = 3  # (0, 0, 1, 2): two two-node branches, ordered by (op0, op2) vs (op1, op3)

_PARSE_RE = re.compile(r"\s*link\s*=(?P<link>.*?)[\s;,]*\bops\s*=(?P<ops>.*)", re.IGNORECASE | re.DOTALL)


# ---- the canonicalization rules ---------------------------------------------------------------
def _move_skips(link: list[int], labels: list[int], is_skip: Sequence[bool]) -> tuple[list[int], list[int]]:
    """Rule 2 on op *labels*: the move depends only on which ops are skip, so it yields a permutation."""
    link, labels = link[:], labels[:]

    def skip_at(pos: int) -> bool:
        return bool(is_skip[labels[pos]])

    def forwards_input(k: int) -> bool:
        # True when node k and all its ancestors are skip, i.e. it only carries the raw input
        while k > -1:
            if not skip_at(k):
                return False
            k = link[k] - 1
        return True

    for i in range(N_NODES):
        if not skip_at(i):
            continue
        has_child = any(parent == i + 1 for parent in link)
        has_sibling = any(j != i and parent == link[i] for j, parent in enumerate(link))
        if has_child or not has_sibling or forwards_input(i):
            # move node i to the front, re-attaching its children to its parent
            labels = [labels[i]] + labels[:i] + labels[i + 1 :]
            for j in range(N_NODES):
                parent = link[j]
                if parent == i + 1:
                    link[j] = link[i]
                if parent <= i:
                    link[j] += 1
            link = [0] + link[:i] + link[i + 1 :]
    if link == [0, 1, 2, 1]:
        link, labels = [0, 1, 1, 2], [labels[0], labels[1], labels[3], labels[2]]
    elif link == [0, 1, 1, 3]:
        link, labels = [0, 1, 1, 2], [labels[0], labels[2], labels[1], labels[3]]
    return link, labels


def _raw_links() -> np.ndarray:
    """All 24 raw link patterns in lexicographic order (row p has raw pattern index p)."""
    return np.array([(0, a, b, c) for a in range(2) for b in range(3) for c in range(4)], dtype=np.int16)


@lru_cache(maxsize=1)
def _tables() -> dict[str, np.ndarray]:
    """Raw index -> canonical id for all 157,464 combinations, plus the inverse grouping; built once."""
    raw_links = _raw_links()
    pattern_index = {p: i for i, p in enumerate(LINK_PATTERNS)}
    # rules 1-2 per (raw pattern, skip mask): final pattern and source position of each canonical op
    perm = np.zeros((N_RAW_LINKS, 16, N_NODES), dtype=np.int64)
    final = np.zeros((N_RAW_LINKS, 16), dtype=np.int64)
    for p, raw in enumerate(raw_links.tolist()):
        link, order = _RENUMBER.get(tuple(raw), (tuple(raw), (0, 1, 2, 3)))
        for mask in range(16):
            is_skip = [bool(mask >> k & 1) for k in range(N_NODES)]
            new_link, labels = _move_skips(list(link), list(order), is_skip)
            final[p, mask] = pattern_index[tuple(new_link)]
            perm[p, mask] = labels

    idx = np.arange(N_RAW, dtype=np.int64)
    p = idx // N_OP_COMBOS
    ops = (idx[:, None] % N_OP_COMBOS) // _OP_WEIGHTS % len(GNN_OPS)
    mask = ((ops == SKIP) << np.arange(N_NODES)).sum(axis=1)
    ops = np.take_along_axis(ops, perm[p, mask], axis=1)
    pattern = final[p, mask]
    # rule 3
    for pat, cols in _SORT_GROUPS.items():
        rows = pattern == pat
        sub = ops[np.ix_(rows, cols)]
        ops[np.ix_(rows, cols)] = np.sort(sub, axis=1)
    rows = pattern == _BRANCH_SWAP_PATTERN
    swap = rows & ((ops[:, 0] > ops[:, 1]) | ((ops[:, 0] == ops[:, 1]) & (ops[:, 2] > ops[:, 3])))
    ops[swap] = ops[swap][:, [1, 0, 3, 2]]
    ids = pattern * 10000 + ops @ _DIGIT_WEIGHTS

    all_skip = idx % N_OP_COMBOS == N_OP_COMBOS - 1
    canonical = np.zeros(ID_LIMIT, dtype=bool)
    canonical[ids[~all_skip]] = True
    order = np.argsort(ids, kind="stable")  # raw combinations grouped by canonical id
    starts = np.searchsorted(ids[order], np.arange(ID_LIMIT + 1))
    for arr in (ids, canonical, order, starts):
        arr.setflags(write=False)
    return {"ids": ids, "canonical": canonical, "order": order, "starts": starts}


def raw_index(codes: np.ndarray) -> np.ndarray:
    """Index of each (already validated) code row among the 157,464 raw combinations."""
    codes = codes.astype(np.int64, copy=False)
    return (codes[:, :N_NODES] @ _LINK_WEIGHTS) * N_OP_COMBOS + codes[:, N_NODES:] @ _OP_WEIGHTS


def decode_ids(ids: np.ndarray) -> np.ndarray:
    """Code rows of (known-good) canonical ids: the id spells the pattern index and the four op digits."""
    ids = np.asarray(ids, dtype=np.int64)
    out = np.empty((len(ids), 2 * N_NODES), dtype=np.int16)
    out[:, :N_NODES] = _LINK_ARRAY[ids // 10000]
    out[:, N_NODES:] = ids[:, None] // _DIGIT_WEIGHTS % 10
    return out


def format_arch(link: Sequence[int], ops: Sequence[str]) -> str:
    """The string form, e.g. ``link=0,0,1,2 ops=gcn,gat,skip,sage``."""
    return f"link={','.join(str(int(v)) for v in link)} ops={','.join(ops)}"


# ---- the object form --------------------------------------------------------------------------
@dataclass(frozen=True)
class NasBenchGraphArch:
    """A canonical NAS-Bench-Graph architecture as attributes (built by ``space.arch``)."""

    link: tuple[int, ...]
    ops: tuple[str, ...]

    @property
    def codes(self) -> np.ndarray:
        """The ``int16`` code row: four link entries, then four op indices into :data:`GNN_OPS`."""
        return np.array([*self.link, *(_OP_INDEX[o] for o in self.ops)], dtype=np.int16)

    @property
    def id(self) -> int:
        """The canonical id, i.e. the benchmark key (the object is always canonical)."""
        return LINK_PATTERNS.index(self.link) * 10000 + int(self.codes[N_NODES:].astype(np.int64) @ _DIGIT_WEIGHTS)

    def __str__(self) -> str:
        return format_arch(self.link, self.ops)


# ---- the space ----------------------------------------------------------------------------------
class NasBenchGraphSpace(SearchSpace):
    """NAS-Bench-Graph: 4-node macro DAGs with one op per node; ids are the benchmark's own keys."""

    name = "nasbench-graph"
    code_length = 2 * N_NODES

    def __init__(self, ops: Sequence[str] | None = None) -> None:
        ops = tuple(GNN_OPS if ops is None else ops)
        unknown = [o for o in ops if o not in _OP_INDEX]
        if unknown:
            raise ValueError(f"unknown NAS-Bench-Graph ops {unknown}; valid ops: {', '.join(GNN_OPS)}")
        if len(set(ops)) != len(ops) or not ops:
            raise ValueError(f"ops must be a non-empty list without repeats, got {list(ops)}")
        # keep the package's order so the per-space encodings do not depend on how ops were listed
        self.ops: tuple[str, ...] = tuple(o for o in GNN_OPS if o in ops)
        self._allowed = np.zeros(len(GNN_OPS), dtype=bool)
        self._allowed[[_OP_INDEX[o] for o in self.ops]] = True
        #: full op index -> position in ``self.ops`` (-1 when not in this op set)
        self._local = np.full(len(GNN_OPS), -1, dtype=np.int64)
        self._local[[_OP_INDEX[o] for o in self.ops]] = np.arange(len(self.ops))
        #: node types of the adjacency/graph encodings: this space's ops, then input and output
        self.node_types: tuple[str, ...] = (*self.ops, "input", "output")
        #: node types that pass messages along the graph's edges (``fc`` and ``skip`` do not): the
        #: graph features count them per branch (receptive field, over-smoothing)
        self.node_type_groups: dict[str, tuple[str, ...]] = {"message_passing": MESSAGE_PASSING_OPS}
        self._ids: np.ndarray | None = None
        self._known: np.ndarray | None = None
        self._paths: tuple[np.ndarray, list[str]] | None = None

    def config(self) -> dict[str, Any]:
        return {"ops": list(self.ops)}

    def __repr__(self) -> str:
        return f"NasBenchGraphSpace(ops={list(self.ops)})"

    # ---- the set of canonical architectures ---------------------------------------------------
    @property
    def ids(self) -> np.ndarray:
        """All canonical ids of this op set, ascending (26,206 for all ops, 2,021 for proteins)."""
        if self._ids is None:
            self._ids = np.flatnonzero(self._known_ids()).astype(np.int64)
            self._ids.setflags(write=False)
        return self._ids

    def __len__(self) -> int:
        return len(self.ids)

    def all_codes(self) -> np.ndarray:
        """Canonical code rows of every architecture of this op set, in id order."""
        return decode_ids(self.ids)

    def _known_ids(self) -> np.ndarray:
        """Boolean mask over ``0..ID_LIMIT``: canonical ids whose ops are all in this op set."""
        if self._known is None:
            digits = np.arange(ID_LIMIT)[:, None] // _DIGIT_WEIGHTS % 10
            ok = np.concatenate([self._allowed, [False]])  # digit 9 never names an op
            self._known = _tables()["canonical"] & ok[digits].all(axis=1)
        return self._known

    # ---- checks and conversions -----------------------------------------------------------------
    def validate(self, codes: np.ndarray) -> np.ndarray:
        """Checked ``int16`` rows (any raw form); the error names the row and the offending entry."""
        arr = as_code_array(codes, self.code_length, self.name)
        if not len(arr):
            return arr
        link, ops = arr[:, :N_NODES], arr[:, N_NODES:]
        bad_link = (link < 0) | (link > np.arange(N_NODES))
        if bad_link.any():
            r, i = np.argwhere(bad_link)[0]
            raise InvalidArchitecture(
                f"row {r}: link[{i}]={link[r, i]} is out of range 0..{i} "
                f"(node {i + 1} takes input from the raw input 0 or an earlier node)"
            )
        bad_op = (ops < 0) | (ops >= len(GNN_OPS))
        if bad_op.any():
            r, i = np.argwhere(bad_op)[0]
            raise InvalidArchitecture(
                f"row {r}: op index {ops[r, i]} at position {i} is out of range 0..{len(GNN_OPS) - 1} "
                f"(indices into {', '.join(GNN_OPS)})"
            )
        not_allowed = ~self._allowed[ops]
        if not_allowed.any():
            r, i = np.argwhere(not_allowed)[0]
            raise InvalidArchitecture(
                f"row {r}: op {GNN_OPS[ops[r, i]]!r} at position {i} is not in this space's op set "
                f"({', '.join(self.ops)})"
            )
        all_skip = (ops == SKIP).all(axis=1)
        if all_skip.any():
            r = int(np.flatnonzero(all_skip)[0])
            raise InvalidArchitecture(
                f"row {r}: all four operations are skip; that network has no trainable layer and is not "
                "in NAS-Bench-Graph"
            )
        return arr

    def to_ids(self, codes: np.ndarray) -> np.ndarray:
        """Benchmark keys (``valid_hash``) of any rows, canonical or not: one table lookup."""
        arr = self.validate(codes)
        return _tables()["ids"][raw_index(arr)]

    def canonicalize(self, codes: np.ndarray) -> np.ndarray:
        return decode_ids(self.to_ids(codes))

    def from_ids(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids)
        if ids.ndim != 1:
            ids = ids.reshape(-1)
        if ids.size and not np.issubdtype(ids.dtype, np.integer):
            raise InvalidArchitecture(f"{self.name} ids must be integers, got {ids.dtype}")
        ids = ids.astype(np.int64, copy=False)
        in_range = (ids >= 0) & (ids < ID_LIMIT)
        ok = in_range.copy()
        ok[in_range] = self._known_ids()[ids[in_range]]
        if not ok.all():
            bad = int(ids[np.flatnonzero(~ok)[0]])
            why = "the all-skip network is not in the benchmark" if bad == ALL_SKIP_ID else "no such canonical id"
            raise InvalidArchitecture(f"unknown {self.name} id {bad} for op set ({', '.join(self.ops)}): {why}")
        return decode_ids(ids)

    def parse(self, text: str) -> np.ndarray:
        """Canonical code row of ``"link=0,0,1,2 ops=gcn,gat,skip,sage"`` (spaces, case tolerated)."""
        if not isinstance(text, str):
            raise InvalidArchitecture(f"expected a string like 'link=0,0,1,2 ops=gcn,gat,skip,sage', got {text!r}")
        m = _PARSE_RE.fullmatch(text)
        if m is None:
            raise InvalidArchitecture(f"cannot parse {text!r}: expected the form 'link=0,0,1,2 ops=gcn,gat,skip,sage'")
        links = [s.strip() for s in m["link"].strip().strip(",").split(",")]
        names = [s.strip().lower() for s in m["ops"].strip().strip(",").split(",")]
        if len(links) != N_NODES or any(not s for s in links):
            raise InvalidArchitecture(f"{text!r}: expected {N_NODES} comma-separated link entries, got {m['link']!r}")
        if len(names) != N_NODES or any(not s for s in names):
            raise InvalidArchitecture(f"{text!r}: expected {N_NODES} comma-separated ops, got {m['ops']!r}")
        link = []
        for i, s in enumerate(links):
            if not re.fullmatch(r"[+-]?\d+", s):
                raise InvalidArchitecture(f"{text!r}: link[{i}]={s!r} is not an integer")
            v = int(s)
            if not 0 <= v <= i:
                raise InvalidArchitecture(
                    f"{text!r}: link[{i}]={v} is out of range 0..{i} "
                    f"(node {i + 1} takes input from the raw input 0 or an earlier node)"
                )
            link.append(v)
        op_idx = []
        for i, name in enumerate(names):
            if name not in _OP_INDEX:
                raise InvalidArchitecture(
                    f"{text!r}: unknown op {name!r} at position {i}; valid ops: {', '.join(GNN_OPS)}"
                )
            if not self._allowed[_OP_INDEX[name]]:
                raise InvalidArchitecture(
                    f"{text!r}: op {name!r} at position {i} is not in this space's op set ({', '.join(self.ops)})"
                )
            op_idx.append(_OP_INDEX[name])
        return self.canonicalize(np.array([link + op_idx], dtype=np.int16))[0]

    def to_strings(self, codes: np.ndarray) -> list[str]:
        rows = self.canonicalize(codes).tolist()
        return [format_arch(r[:N_NODES], [GNN_OPS[o] for o in r[N_NODES:]]) for r in rows]

    # ---- networks ------------------------------------------------------------------------------
    def network_builder(self, dataset: str) -> NetworkBuilder:
        """The benchmark's network for ``dataset`` (:mod:`bench.networks.nasbench_graph`; imports torch)."""
        from bench.networks.nasbench_graph import NasBenchGraphBuilder

        try:
            return NasBenchGraphBuilder(dataset)
        except ValueError as exc:
            raise UsageError(str(exc)) from None

    # ---- object form ----------------------------------------------------------------------------
    def arch(
        self,
        link: Sequence[int] | str | int | None = None,
        ops: Sequence[str] | None = None,
    ) -> NasBenchGraphArch:
        """The canonical frozen object for ``link``+``ops``, a string, or an id (equal archs compare equal)."""
        if isinstance(link, str) and ops is None:
            row = self.parse(link)
        elif isinstance(link, (int, np.integer)) and ops is None:
            row = self.from_ids(np.array([link]))[0]
        else:
            if link is None or ops is None or isinstance(ops, str):
                raise InvalidArchitecture("arch() needs link=(4 ints) and ops=(4 op names), a string, or an id")
            link, ops = list(link), list(ops)
            if len(link) != N_NODES or len(ops) != N_NODES:
                raise InvalidArchitecture(
                    f"expected {N_NODES} link entries and {N_NODES} ops, got {len(link)} and {len(ops)}"
                )
            row = self.parse(f"link={','.join(map(str, link))} ops={','.join(map(str, ops))}")
        return NasBenchGraphArch(
            link=tuple(int(v) for v in row[:N_NODES]), ops=tuple(GNN_OPS[o] for o in row[N_NODES:])
        )

    # ---- sampling and mutation ------------------------------------------------------------------
    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """Uniform over canonical architectures (not raw combinations, which would favour symmetric ones)."""
        return decode_ids(self.ids[rng.integers(0, len(self.ids), size=int(n))])

    def neighbours(self, code: np.ndarray) -> np.ndarray:
        """Canonical archs one op or one link change away from *any* raw form of ``code``.

        Taking every raw form makes the relation independent of which representative is canonical and
        exactly symmetric (b is a neighbour of a iff a is a neighbour of b).
        """
        cid = int(self.to_ids(np.asarray(code).reshape(1, -1))[0])
        t = _tables()
        raw = t["order"][t["starts"][cid] : t["starts"][cid + 1]]
        reps = np.empty((len(raw), self.code_length), dtype=np.int64)
        reps[:, :N_NODES] = _raw_links()[raw // N_OP_COMBOS]
        reps[:, N_NODES:] = (raw[:, None] % N_OP_COMBOS) // _OP_WEIGHTS % len(GNN_OPS)
        cols, vals = self._mutations()
        cand = np.repeat(reps, len(cols), axis=0)
        rows = np.arange(len(cand))
        cand[rows, np.tile(cols, len(reps))] = np.tile(vals, len(reps))
        cand = cand[~(cand[:, N_NODES:] == SKIP).all(axis=1)]
        ids = np.unique(t["ids"][raw_index(cand)])
        return decode_ids(ids[ids != cid])

    def _mutations(self) -> tuple[np.ndarray, np.ndarray]:
        """(column, value) of every single-entry change: any allowed op, any legal link value."""
        allowed = np.flatnonzero(self._allowed)
        op_cols = np.repeat(np.arange(N_NODES, 2 * N_NODES), len(allowed))
        op_vals = np.tile(allowed, N_NODES)
        link_cols = np.array([i for i in range(1, N_NODES) for _ in range(i + 1)])
        link_vals = np.array([v for i in range(1, N_NODES) for v in range(i + 1)])
        return np.concatenate([op_cols, link_cols]), np.concatenate([op_vals, link_vals])

    # ---- encodings ------------------------------------------------------------------------------
    def encode(self, codes: np.ndarray, kind: str) -> Any:
        """Encodings of the canonical form (so all raw forms of one architecture encode alike).

        * ``onehot`` -- float32 ``(n, 9 + 4k)``: the canonical link pattern among :data:`LINK_PATTERNS`,
          then each node's op among ``self.ops`` (``k`` ops).
        * ``adjacency`` -- ``{"adjacency": (n, 6, 6) float32, "ops": (n, 6) int64}``: node 0 is the
          input, nodes 1-4 the computing nodes (node ``i + 1`` reads node ``link[i]``), node 5 the
          output, which every leaf feeds (as in NAS-Bench-Graph, all leaves are connected to the
          output). ``ops`` indexes :attr:`node_types` (the space's ops, then input, then output).
        * ``path`` -- float32 ``(n, P)``: BANANAS path encoding, 1 where an input->output path has that
          op sequence. The DAG is a tree, so there is one path per leaf; columns are every op sequence
          of length 1-4 over ``self.ops`` that occurs in some canonical architecture, ordered by length
          then op order (:meth:`path_names`; P = 5,424 for all ops, 472 for proteins).
        * ``graph`` -- list of ``torch_geometric.data.Data`` (``x``: one-hot node types, ``edge_index``:
          forward DAG edges incl. leaf->output, ``num_nodes`` = 6).
        """
        self.check_encoding(kind)
        canon = self.canonicalize(codes)
        if kind == "onehot":
            return self._onehot(canon)
        if kind == "adjacency":
            return self._adjacency(canon)
        if kind == "path":
            index, _ = self._path_vocab()
            seq = self._path_sequences(canon)
            out = np.zeros((len(canon), len(index)), dtype=np.float32)
            r, c = np.nonzero(seq >= 0)
            out[r, np.searchsorted(index, seq[r, c])] = 1.0
            return out
        return self._graphs(canon)

    def _onehot(self, canon: np.ndarray) -> np.ndarray:
        n, k = len(canon), len(self.ops)
        pattern = self._pattern_index(canon)
        out = np.zeros((n, len(LINK_PATTERNS) + N_NODES * k), dtype=np.float32)
        rows = np.arange(n)
        out[rows, pattern] = 1.0
        local = self._local[canon[:, N_NODES:]]
        for j in range(N_NODES):
            out[rows, len(LINK_PATTERNS) + j * k + local[:, j]] = 1.0
        return out

    @staticmethod
    def _pattern_index(canon: np.ndarray) -> np.ndarray:
        """Index in :data:`LINK_PATTERNS` of canonical rows (their link is always one of the nine)."""
        raw_pattern = canon[:, :N_NODES].astype(np.int64) @ _LINK_WEIGHTS
        lookup = np.full(N_RAW_LINKS, -1, dtype=np.int64)
        lookup[_LINK_ARRAY.astype(np.int64) @ _LINK_WEIGHTS] = np.arange(len(LINK_PATTERNS))
        return lookup[raw_pattern]

    @staticmethod
    def _leaves(canon: np.ndarray) -> np.ndarray:
        """``(n, 4)`` bool: computing nodes that no other node reads (they feed the output)."""
        link = canon[:, :N_NODES]
        read = (link[:, :, None] == np.arange(1, N_NODES + 1)).any(axis=1)
        return ~read

    def _adjacency(self, canon: np.ndarray) -> dict[str, np.ndarray]:
        n = len(canon)
        adj = np.zeros((n, V, V), dtype=np.float32)
        rows = np.arange(n)[:, None]
        adj[rows, canon[:, :N_NODES], np.arange(1, N_NODES + 1)] = 1.0
        adj[:, 1 : N_NODES + 1, V - 1] = self._leaves(canon)
        k = len(self.ops)
        ops = np.empty((n, V), dtype=np.int64)
        ops[:, 0], ops[:, V - 1] = k, k + 1
        ops[:, 1 : N_NODES + 1] = self._local[canon[:, N_NODES:]]
        return {"adjacency": adj, "ops": ops}

    def _path_sequences(self, canon: np.ndarray) -> np.ndarray:
        """``(n, 4)`` int64: the full-vocabulary path code ending at each leaf, -1 for inner nodes."""
        k = len(self.ops)
        offsets = np.cumsum([0] + [k**d for d in range(1, N_NODES + 1)])  # start of each path length
        local = self._local[canon[:, N_NODES:]]
        n = len(canon)
        code = np.zeros((n, N_NODES + 1), dtype=np.int64)  # per node: base-k number of its op sequence
        depth = np.zeros((n, N_NODES + 1), dtype=np.int64)
        rows = np.arange(n)
        for j in range(N_NODES):
            parent = canon[:, j].astype(np.int64)
            code[:, j + 1] = code[rows, parent] * k + local[:, j]
            depth[:, j + 1] = depth[rows, parent] + 1
        seq = offsets[depth[:, 1:] - 1] + code[:, 1:]
        return np.where(self._leaves(canon), seq, -1)

    def _path_vocab(self) -> tuple[np.ndarray, list[str]]:
        """Sorted path codes that occur among the canonical architectures, and their names."""
        if self._paths is None:
            seq = self._path_sequences(decode_ids(self.ids))
            index = np.unique(seq[seq >= 0])
            k = len(self.ops)
            names = []
            for c in index.tolist():
                length = 1
                while c >= k**length:
                    c -= k**length
                    length += 1
                digits = [(c // k ** (length - 1 - d)) % k for d in range(length)]
                names.append(">".join(self.ops[d] for d in digits))
            index.setflags(write=False)
            self._paths = (index, names)
        return self._paths

    def path_names(self) -> list[str]:
        """Column names of the ``path`` encoding, e.g. ``"gcn>skip>gat"`` (input to output)."""
        return list(self._path_vocab()[1])

    def _graphs(self, canon: np.ndarray) -> list[Any]:
        import torch
        from torch_geometric.data import Data

        enc = self._adjacency(canon)
        n, f = len(canon), len(self.node_types)
        x = np.zeros((n, V, f), dtype=np.float32)
        x[np.arange(n)[:, None], np.arange(V), enc["ops"]] = 1.0
        # the edges depend only on the link pattern, so build the nine edge lists once
        pattern = self._pattern_index(canon)
        edges = {}
        for p in np.unique(pattern).tolist():
            src, dst = np.nonzero(enc["adjacency"][np.flatnonzero(pattern == p)[0]])
            edges[p] = torch.from_numpy(np.stack([src, dst]).astype(np.int64))
        # num_nodes is inferred from x (6 rows); passing it explicitly doubles the construction time
        xs = torch.unbind(torch.from_numpy(x))
        return [Data(x=xs[i].clone(), edge_index=edges[p].clone()) for i, p in enumerate(pattern.tolist())]
