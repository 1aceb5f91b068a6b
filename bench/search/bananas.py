"""BANANAS (White, Neiswanger, Savani; AAAI 2021): Bayesian optimization with a neural ensemble.

After ``n_init`` random architectures, each round fits the predictor (ensemble) on every result so
far, builds candidates by mutating the ``n_parents`` best architectures (their unevaluated
single-mutation neighbours, subsampled to ``n_candidates``; random architectures when that pool is
empty), scores them with an acquisition function on the predicted mean and spread, and queues the
top ``batch_size`` for evaluation. Defaults follow NASLib's BANANAS: 10 initial, 10 per round,
100 candidates from the 2 best, independent Thompson sampling.

Acquisitions: ``its`` (a normal draw per candidate), ``ucb`` (mean + ``ucb_beta`` x std) and
``ei`` (expected improvement over the best value told so far).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import norm

from bench.search.domain import SearchDomain
from bench.search.surrogate import Surrogate, SurrogateSearch

ACQUISITIONS = ("its", "ucb", "ei")


class Bananas(SurrogateSearch):
    """Predictor-ensemble Bayesian optimization over mutation-generated candidates."""

    name = "bananas"

    def __init__(self, seed: int = 0, predictor: str = "bananas", predictor_params: dict[str, Any] | None = None,
                 n_init: int = 10, batch_size: int = 10, n_candidates: int = 100, n_parents: int = 2,
                 acquisition: str = "its", n_ensemble: int = 5, ucb_beta: float = 0.5) -> None:
        super().__init__(seed)
        if acquisition not in ACQUISITIONS:
            raise ValueError(f"acquisition must be one of {', '.join(ACQUISITIONS)}, got {acquisition!r}")
        if min(n_init, batch_size, n_candidates, n_parents, n_ensemble) < 1:
            raise ValueError("n_init, batch_size, n_candidates, n_parents and n_ensemble must be at least 1")
        self.predictor = predictor
        self.predictor_params = dict(predictor_params or {})
        self.n_init = int(n_init)
        self.batch_size = int(batch_size)
        self.n_candidates = int(n_candidates)
        self.n_parents = int(n_parents)
        self.acquisition = acquisition
        self.n_ensemble = int(n_ensemble)
        self.ucb_beta = float(ucb_beta)

    def setup(self, domain: SearchDomain, n_objectives: int = 1) -> None:
        super().setup(domain, n_objectives)
        self.surrogate = Surrogate(self.predictor, self.predictor_params, self.n_ensemble, self.seed)
        self.n_random = self.n_init

    def candidates(self) -> np.ndarray:
        """Unevaluated neighbours of the best ``n_parents`` results (random ones when there are none)."""
        rows, values = np.asarray(self._rows), np.asarray(self._values)
        parents = rows[np.argsort(-values, kind="stable")[: self.n_parents]]
        pool = np.unique(np.concatenate([self.domain.neighbour_rows(p) for p in parents]))
        pool = pool[~self._seen[pool]]
        if len(pool) > self.n_candidates:
            pool = self.rng.choice(pool, size=self.n_candidates, replace=False)
        if not len(pool):
            pool = self._random_unseen(self.n_candidates)
        return pool

    def _next_batch(self) -> np.ndarray:
        pool = self.candidates()
        if not len(pool):
            return pool
        rows = np.asarray(self._rows)
        y = np.asarray(self._values)
        self.surrogate.fit(self.domain.batch(rows), y)
        mean, std = self.surrogate.predict(self.domain.batch(pool))
        if self.acquisition == "its":
            score = mean + std * self.rng.standard_normal(len(pool))
        elif self.acquisition == "ucb":
            score = mean + self.ucb_beta * std
        else:
            sd = np.maximum(std, 1e-12)
            z = (mean - y.max()) / sd
            score = (mean - y.max()) * norm.cdf(z) + sd * norm.pdf(z)
        return pool[np.argsort(-score, kind="stable")[: self.batch_size]]
