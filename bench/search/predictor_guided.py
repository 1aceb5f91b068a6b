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

from bench.search.domain import SearchDomain
from bench.search.surrogate import Surrogate, SurrogateSearch


class PredictorGuidedEvolution(SurrogateSearch):
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
        self.n_random = self.population_size

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
            children = self._random_unseen(self.n_candidates)
        return children

    def _next_batch(self) -> np.ndarray:
        pool = self.candidates()
        if not len(pool):
            return pool
        self.surrogate.fit(self.domain.batch(np.asarray(self._rows)), np.asarray(self._values))
        mean, _ = self.surrogate.predict(self.domain.batch(pool))
        return pool[np.argsort(-mean, kind="stable")[: self.batch_size]]
