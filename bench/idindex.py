"""Id -> row look-up, written once for every table keyed by canonical architecture ids.

Benchmarks, search domains, transfer tasks and source tables all answer "which row holds this id?"
for whole batches; one vectorized index serves them so the dense/sorted trade-off and the handling
of missing ids live in one place.
"""

from __future__ import annotations

import numpy as np

#: ids below this bound get a dense id -> row table (O(1) look-ups, 4 bytes per possible id);
#: larger id ranges (e.g. hashed ids) use a sorted search
DENSE_ID_LIMIT = 50_000_000


class IdIndex:
    """Rows of canonical ids in an id column of any order; ids the column lacks map to -1."""

    def __init__(self, ids: np.ndarray) -> None:
        self.ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        self._dense: np.ndarray | None = None
        self._order: np.ndarray | None = None
        if len(self.ids) and self.ids.min() >= 0 and self.ids.max() < DENSE_ID_LIMIT:
            self._dense = np.full(int(self.ids.max()) + 1, -1, dtype=np.int32)
            self._dense[self.ids] = np.arange(len(self.ids), dtype=np.int32)
        else:
            self._order = np.argsort(self.ids, kind="stable")

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, ids: np.ndarray) -> np.ndarray:
        """Row of each id (int64, same shape as ``ids``), -1 where the column lacks it."""
        ids = np.asarray(ids, dtype=np.int64)
        if self._dense is not None:
            inside = (ids >= 0) & (ids < len(self._dense))
            if inside.all():
                return self._dense[ids].astype(np.int64)
            rows = np.full(ids.shape, -1, dtype=np.int64)
            rows[inside] = self._dense[ids[inside]]
            return rows
        if not len(self.ids):
            return np.full(ids.shape, -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self.ids, ids, sorter=self._order), len(self.ids) - 1)
        rows = self._order[pos]
        return np.where(self.ids[rows] == ids, rows, -1)
