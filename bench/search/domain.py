"""What a search algorithm may see of a benchmark: its architectures, never their labels.

A :class:`SearchDomain` holds the benchmark's code rows and ids, an id -> row table, the
single-mutation neighbour table and the side features known *before* training (parameter counts,
FLOPs, zero-cost proxies: the rule of :func:`bench.evaluation.features.side_feature_metrics`, the
same that decides what a predictor reads on a leaderboard). It holds no reference to the benchmark
and no accuracy label, so an algorithm cannot peek at validation or test results it did not ask for.

Sampling and mutation are restricted to architectures the benchmark contains (the proteins op set,
benchmarks that cover part of a space), so every ask can be answered from the table.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

import numpy as np

from bench.data import ArchBatch, side_feature_column
from bench.evaluation.features import side_feature_metrics
from bench.idindex import IdIndex
from bench.search.base import uniform_index
from bench.search.neighbours import NeighbourTable, build_neighbour_table
from bench.spaces import InvalidArchitecture, SearchSpace

#: neighbour tables by (space config, ids checksum): built once per process and benchmark
_TABLES: dict[tuple[str, str], NeighbourTable] = {}


class SearchDomain:
    """The architectures of one benchmark as code rows, with look-ups, sampling and mutation."""

    def __init__(self, space: SearchSpace, ids: np.ndarray, codes: np.ndarray, name: str = "",
                 extra: dict[str, np.ndarray] | None = None) -> None:
        self.space = space
        self.name = name
        self.ids = np.asarray(ids, dtype=np.int64)
        self.codes = np.asarray(codes)
        if len(self.ids) != len(self.codes):
            raise ValueError(f"{len(self.ids)} ids but {len(self.codes)} code rows")
        self.extra = dict(extra or {})
        for arr in (self.ids, self.codes, *self.extra.values()):
            arr.setflags(write=False)
        self._index = IdIndex(self.ids)

    @classmethod
    def from_benchmark(cls, bm: Any, target: str | None = None) -> SearchDomain:
        """The domain of a loaded :class:`~bench.benchmark.Benchmark`; its side features are those a
        predictor of ``target`` may read on a leaderboard (known before training, never the target)."""
        extra = {m: side_feature_column(bm.labels(m)) for m in side_feature_metrics(bm, target)}
        return cls(bm.space, bm.ids, bm.codes, name=bm.name, extra=extra)

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        return f"SearchDomain({self.name!r}, {len(self)} architectures, space={self.space.name})"

    # ---- look-ups ----------------------------------------------------------------------------------
    def rows_of_ids(self, ids: np.ndarray, strict: bool = True) -> np.ndarray:
        """Rows of canonical ids; ids the benchmark lacks raise (``strict``) or map to -1."""
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        rows = self._index.rows(ids)
        if strict and (rows < 0).any():
            bad = int(ids[np.flatnonzero(rows < 0)[0]])
            raise InvalidArchitecture(f"architecture id {bad} is not in {self.name or 'this benchmark'}; "
                                      "search algorithms must propose architectures the benchmark contains")
        return rows

    def rows(self, codes: np.ndarray) -> np.ndarray:
        """Rows of code rows (any raw form the space accepts); raises for architectures not in the benchmark.

        A single row equal to a stored (canonical) code row is found by a dictionary look-up, the
        common case inside search loops; anything else goes through the space's ``to_ids``.
        """
        codes = np.asarray(codes)
        if codes.ndim == 1:
            if codes.dtype == self.codes.dtype:
                row = self._code_index.get(codes.tobytes())
                if row is not None:
                    return np.array([row], dtype=np.int64)
            codes = codes[None, :]
        return self.rows_of_ids(self.space.to_ids(codes))

    def row(self, code: np.ndarray) -> int:
        """The row of one code row, as :meth:`rows` finds it (a dictionary look-up for a stored code row)."""
        if code.ndim == 1 and code.dtype == self.codes.dtype:
            row = self._code_index.get(code.tobytes())
            if row is not None:
                return row
        return int(self.rows(code)[0])

    @cached_property
    def _code_index(self) -> dict[bytes, int]:
        codes = np.ascontiguousarray(self.codes)
        return {row.tobytes(): i for i, row in enumerate(codes)}

    # ---- sampling and mutation (all restricted to the benchmark) ------------------------------------
    @property
    def neighbour_table(self) -> NeighbourTable:
        """Single-mutation neighbours as CSR over rows (built once per process and benchmark)."""
        return self._table

    @cached_property
    def _table(self) -> NeighbourTable:
        key = (repr(self.space.config()) + self.space.name, _checksum(self.ids))
        if key not in _TABLES:
            _TABLES[key] = build_neighbour_table(self.space, self.codes, lambda ids: self.rows_of_ids(ids, False))
        return _TABLES[key]

    def sample_rows(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.integers(0, len(self), size=int(n))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` code rows drawn uniformly (with replacement) from the benchmark's architectures."""
        return self.codes[self.sample_rows(n, rng)]

    def neighbour_rows(self, row: int) -> np.ndarray:
        return self._table.of(int(row))

    def neighbours(self, code: np.ndarray) -> np.ndarray:
        """Code rows of all single-mutation neighbours of one architecture that the benchmark contains."""
        return self.codes[self.neighbour_rows(self.rows(code)[0])]

    def pick_neighbour(self, rows: np.ndarray, u: np.ndarray) -> np.ndarray:
        """The neighbour of each row chosen by uniforms ``u`` in [0, 1): ``floor(u * degree)``-th in row order.

        A row without neighbours in the benchmark gets a uniform sample instead (``floor(u * n)``).
        Deterministic given ``u``, so batched and one-at-a-time runs agree exactly.
        """
        rows = np.asarray(rows, dtype=np.int64)
        t = self._table
        start = t.indptr[rows]
        deg = t.indptr[rows + 1] - start
        pick = uniform_index(u, np.maximum(deg, 1))
        if not len(t.indices):
            return uniform_index(u, len(self))
        out = t.indices[np.minimum(start + pick, len(t.indices) - 1)]
        return np.where(deg > 0, out, uniform_index(u, len(self)))

    def pick_neighbour_one(self, row: int, u: float) -> int:
        """:meth:`pick_neighbour` of one row and one Python float, without numpy: the same choice."""
        indptr, indices = self._table_views
        start = indptr[row]
        deg = indptr[row + 1] - start
        if deg > 0:
            pick = int(u * deg)
            at = start + (pick if pick < deg else deg - 1)
            return indices[at if at < len(indices) else len(indices) - 1]
        n = len(self.ids)
        k = int(u * n)
        return k if k < n else n - 1

    @cached_property
    def _table_views(self) -> tuple[memoryview, memoryview]:
        """The neighbour table's arrays as memoryviews: indexing one yields a Python int, cheaply."""
        t = self._table
        return (memoryview(np.ascontiguousarray(t.indptr, dtype=np.int64)),
                memoryview(np.ascontiguousarray(t.indices, dtype=np.int64)))

    def mutate_rows(self, rows: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One uniform neighbour per row (a row without neighbours is replaced by a uniform sample)."""
        rows = np.asarray(rows, dtype=np.int64)
        return self.pick_neighbour(rows, rng.random(rows.shape))

    def mutate(self, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One uniformly chosen neighbour (inside the benchmark) per code row."""
        return self.codes[self.mutate_rows(self.rows(codes), rng)]

    # ---- encodings for predictors -------------------------------------------------------------------
    def batch(self, rows: np.ndarray) -> ArchBatch:
        """An :class:`~bench.data.ArchBatch` of benchmark rows with the pre-training side features."""
        rows = np.asarray(rows, dtype=np.int64)
        return ArchBatch(self.space, self.codes[rows], self.ids[rows], {k: v[rows] for k, v in self.extra.items()})


def _checksum(ids: np.ndarray) -> str:
    import hashlib

    return hashlib.sha256(np.ascontiguousarray(ids, dtype=np.int64).tobytes()).hexdigest()
