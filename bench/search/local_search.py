"""Local search with restarts (White, Nolen, Savani; "Local search is state of the art for NAS
benchmarks", 2020; NASLib's ``LocalSearch``).

``n_init`` random architectures are evaluated first and the best becomes the centre. The centre's
whole neighbourhood is then evaluated in random order; if the best architecture seen during the
climb improved on the centre, it becomes the new centre (best-improvement hill climbing),
otherwise the climb sits in a local optimum and restarts from a fresh random architecture.

Architectures already evaluated are never queried again (their known value still counts when
choosing the next centre), so no query of the budget is spent on a repeat. With several workers,
an ask that would have to wait for outstanding results explores a random unevaluated
architecture instead of idling.
"""

from __future__ import annotations

import numpy as np

from bench.search.base import SearchAlgorithm
from bench.search.domain import SearchDomain


class LocalSearch(SearchAlgorithm):
    """Best-improvement hill climbing over single mutations, with random restarts."""

    name = "ls"

    def __init__(self, seed: int = 0, n_init: int = 10) -> None:
        super().__init__(seed)
        if n_init < 1:
            raise ValueError("n_init must be at least 1")
        self.n_init = int(n_init)

    def setup(self, domain: SearchDomain, n_objectives: int = 1) -> None:
        super().setup(domain, n_objectives)
        n = len(domain)
        self._value = np.full(n, np.nan)  # told values
        self._seen = np.zeros(n, dtype=bool)  # told or pending
        self._n_seen = 0
        self._asked = 0
        self._told = 0
        self._queue: list[int] = []
        self._waiting: set[int] = set()  # pending rows of the current neighbourhood (or restart)
        self._centre = -1
        self._best = -1  # best row of the current climb
        self._restart = -1  # the random architecture a restart waits for

    # ---- helpers -----------------------------------------------------------------------------------
    def _better(self, row: int, than: int) -> bool:
        return than < 0 or self._value[row] > self._value[than]

    def _random_unseen(self) -> int | None:
        n = len(self._seen)
        if self._n_seen >= n:
            return None
        for _ in range(64):
            row = int(self.rng.integers(n))
            if not self._seen[row]:
                return row
        return int(self.rng.choice(np.flatnonzero(~self._seen)))

    def _issue(self, row: int | None, wait: bool = False) -> int | None:
        if row is None:
            return None
        self._seen[row] = True
        self._n_seen += 1
        self._asked += 1
        if wait:
            self._waiting.add(row)
        return row

    def _open_neighbourhood(self) -> None:
        """Queue the centre's unevaluated neighbours in random order; known ones update the climb's best."""
        nb = self.domain.neighbour_rows(self._centre)
        known = nb[~np.isnan(self._value[nb])]
        if len(known):
            top = int(known[np.argmax(self._value[known])])
            if self._better(top, self._best):
                self._best = top
        self._queue = [int(r) for r in self.rng.permutation(nb[~self._seen[nb]])]
        self._waiting.clear()

    # ---- ask/tell ----------------------------------------------------------------------------------
    def ask(self) -> np.ndarray | None:
        row = self.ask_row()
        return None if row is None else self.domain.codes[row]

    def tell(self, code: np.ndarray, value: float | np.ndarray) -> None:
        self.tell_row(self.domain.row(np.asarray(code)), value)

    def ask_row(self) -> int | None:
        if self._asked < self.n_init:
            return self._issue(self._random_unseen())
        while True:
            while self._queue:
                row = self._queue.pop()
                if not self._seen[row]:
                    return self._issue(row, wait=True)
            if self._centre < 0 or self._waiting:
                # the initial results or the neighbourhood's results are still to come: explore meanwhile
                return self._issue(self._random_unseen())
            if self._best != self._centre:
                self._centre = self._best  # move to the best architecture of the neighbourhood
                self._open_neighbourhood()
                continue
            row = self._random_unseen()  # a local optimum: restart from a random architecture
            if row is None:
                return None
            self._centre = self._best = -1
            self._restart = row
            return self._issue(row)

    def tell_row(self, row: int, value: float | np.ndarray) -> None:
        self._value[row] = float(value)
        self._told += 1
        self._waiting.discard(row)
        if self._better(row, self._best):
            self._best = row
        if row == self._restart:  # the new climb starts here
            self._restart = -1
            self._centre = row
            self._open_neighbourhood()
        elif self._centre < 0 and self._restart < 0 and self._told == self.n_init:
            self._centre = self._best  # the initial random phase is over
            self._open_neighbourhood()
