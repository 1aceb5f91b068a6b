"""Random search: architectures drawn uniformly *without replacement* from the benchmark.

Each ask takes one uniform ``u`` and performs one step of a Fisher-Yates shuffle of the benchmark's
rows (``j = t + floor(u * (n - t))``), so a run never repeats an architecture, and a run of
``k`` queries is the first ``k`` of a run of any longer budget. The incumbent (ties: the first
sampled keeps it) is tracked by the harness, so ``tell`` has nothing to learn.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.search.base import SearchAlgorithm, UniformStream, uniform_index
from bench.search.domain import SearchDomain

#: int32 permutation entries kept in memory at once by the seed-batched path (~64 MB)
_BATCH_ENTRIES = 1 << 24


class RandomSearch(SearchAlgorithm):
    """Uniform sampling without replacement (the baseline every NAS method must beat)."""

    name = "rs"
    supports_seed_batch = True

    def setup(self, domain: SearchDomain, n_objectives: int = 1) -> None:
        super().setup(domain, n_objectives)
        self._stream = UniformStream(self.seed, 1)
        self._n = len(domain)
        self._moved: dict[int, int] = {}  # the shuffled permutation's entries that differ from the identity
        self._asked = 0

    def ask(self) -> np.ndarray | None:
        row = self.ask_row()
        return None if row is None else self.domain.codes[row]

    def tell(self, code: np.ndarray, value: float | np.ndarray) -> None:
        """Random search ignores results."""

    def ask_row(self) -> int | None:
        t, n = self._asked, self._n
        if t >= n:
            return None  # every architecture has been sampled
        k = int(self._stream.next_list()[0] * (n - t))
        j = t + (k if k < n - t else n - t - 1)
        moved = self._moved
        picked = moved.get(j, j)
        moved[j] = moved.pop(t, t)  # swap entries t and j; entry t is never read again
        self._asked += 1
        return picked

    def tell_row(self, row: int, value: float | np.ndarray) -> None:
        """Random search ignores results."""

    @classmethod
    def simulate_seeds(cls, domain: SearchDomain, values: np.ndarray, seeds: list[int], n_queries: int,
                       params: dict[str, Any]) -> np.ndarray:
        """The same Fisher-Yates steps for a chunk of seeds at a time, vectorized over seeds."""
        n = len(domain)
        q = min(int(n_queries), n)
        out = np.empty((len(seeds), q), dtype=np.int64)
        chunk = max(1, _BATCH_ENTRIES // max(n, 1))
        for lo in range(0, len(seeds), chunk):
            part = seeds[lo : lo + chunk]
            u = np.stack([UniformStream(s, 1).block(q)[:, 0] for s in part]) if q else np.zeros((len(part), 0))
            perm = np.tile(np.arange(n, dtype=np.int32), (len(part), 1))
            ar = np.arange(len(part))
            for t in range(q):
                j = t + uniform_index(u[:, t], n - t)
                picked = perm[ar, j]
                perm[ar, j] = perm[ar, t]
                perm[ar, t] = picked
            out[lo : lo + len(part)] = perm[:, :q]
        return out
