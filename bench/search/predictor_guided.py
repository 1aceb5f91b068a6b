"""Predictor-guided evolution: aging evolution whose children are screened by a performance predictor.

As in REA, the population is the last ``population_size`` results and parents win tournaments of
``sample_size`` draws. Instead of evaluating every child, each round breeds ``n_candidates``
unevaluated children (one mutation of a tournament winner each), fits the predictor on all results
so far and queues the ``batch_size`` children with the best predicted value (the NPENAS /
predictor-guided-evolution pattern of Wei et al. 2022 and NASLib's "predictor-guided search").
Any registered predictor works: ``pg:xgb``, ``pg:gin``, ``pg:path/to/file.py:MyPredictor``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.search.base import SearchAlgorithm
from bench.search.domain import SearchDomain
from bench.search.surrogate import Surrogate


class PredictorGuidedEvolution(SearchAlgorithm):
    """REA with predictor screening of mutation candidates."""

    name = "pg"

    def __init__(self, seed: int = 0, predictor: str = "xgb", predictor_params: dict[str, Any] | None = None,
                 population_size: int = 10, sample_size: int = 3, n_candidates: int = 100,
                 batch_size: int = 10) -> None:
        super().__init__(seed)
        if min(population_size, sample_size, n_candidates, batch_size) < 1:
            raise ValueError("population_size, sample_size, n_candidates and batch_size must be at least 1")
        self.predictor = predictor
        self.predictor_params = dict(predictor_params or {})
        self.population_size = int(population_size)
        self.sample_size = int(sample_size)
        self.n_candidates = int(n_candidates)
        self.batch_size = int(batch_size)

    def setup(self, domain: SearchDomain, n_objectives: int = 1) -> None:
        super().setup(domain, n_objectives)
        self.surrogate = Surrogate(self.predictor, self.predictor_params, n_ensemble=1, seed=self.seed)
        self._seen = np.zeros(len(domain), dtype=bool)
        self._rows: list[int] = []
        self._values: list[float] = []
        self._queue: list[int] = []
        self._asked = 0

    def _issue(self, row: int) -> np.ndarray:
        self._seen[row] = True
        self._asked += 1
        return self.domain.codes[row]

    def ask(self) -> np.ndarray | None:
        if self._asked < self.population_size or len(self._rows) < 2:
            unseen = np.flatnonzero(~self._seen)
            return self._issue(int(self.rng.choice(unseen))) if len(unseen) else None
        while self._queue:
            row = self._queue.pop(0)
            if not self._seen[row]:
                return self._issue(row)
        self._queue = [int(r) for r in self._next_batch()]
        return self._issue(self._queue.pop(0)) if self._queue else None

    def tell(self, code: np.ndarray, value: float | np.ndarray) -> None:
        self._rows.append(int(self.domain.rows(code)[0]))
        self._values.append(float(value))

    def candidates(self) -> np.ndarray:
        """Up to ``n_candidates`` distinct unevaluated children of tournament winners."""
        pop_rows = np.asarray(self._rows[-self.population_size :])
        pop_values = np.asarray(self._values[-self.population_size :])
        children: np.ndarray = np.zeros(0, dtype=np.int64)
        for _ in range(8):  # a few breeding rounds if many children are repeats
            need = self.n_candidates - len(children)
            draws = self.rng.integers(0, len(pop_rows), size=(need * 2, self.sample_size))
            parents = pop_rows[draws[np.arange(len(draws)), np.argmax(pop_values[draws], axis=1)]]
            kids = self.domain.mutate_rows(parents, self.rng)
            kids = kids[~self._seen[kids]]
            children = np.concatenate([children, kids])
            _, first = np.unique(children, return_index=True)
            children = children[np.sort(first)][: self.n_candidates]
            if len(children) >= self.n_candidates:
                break
        if not len(children):
            unseen = np.flatnonzero(~self._seen)
            children = self.rng.choice(unseen, size=min(self.n_candidates, len(unseen)), replace=False)
        return children

    def _next_batch(self) -> np.ndarray:
        pool = self.candidates()
        if not len(pool):
            return pool
        self.surrogate.fit(self.domain.batch(np.asarray(self._rows)), np.asarray(self._values))
        mean, _ = self.surrogate.predict(self.domain.batch(pool))
        return pool[np.argsort(-mean, kind="stable")[: self.batch_size]]
