"""A performance predictor used inside a search loop: fit on the results so far, predict mean and spread.

Any registered predictor (:data:`bench.predictor_registry.PREDICTORS`) or ``path/to/file.py:Class`` works. Predictors
that offer ``predict_with_std`` (the BANANAS ensemble, Gaussian processes) give their own
uncertainty; for any other predictor an ensemble of ``n_ensemble`` copies with different seeds
gives the mean and standard deviation across members (as in BANANAS).
"""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

import numpy as np

from bench.data import ArchBatch
from bench.errors import UsageError
from bench.predictor_registry import ArchPredictor, load_predictor_class
from bench.search.base import SearchAlgorithm
from bench.search.domain import SearchDomain


class Surrogate:
    """Predictor (or ensemble of predictors) with ``fit(batch, y)`` and ``predict(batch) -> (mean, std)``."""

    def __init__(self, spec: str, params: dict[str, Any] | None = None, n_ensemble: int = 5, seed: int = 0) -> None:
        self.spec = spec
        self.cls = load_predictor_class(spec)
        self.params = dict(params or {})
        self.native_std = callable(getattr(self.cls, "predict_with_std", None))
        self.n_members = 1 if self.native_std else max(1, int(n_ensemble))
        self.seed = int(seed)
        self._round = 0
        self.members: list[ArchPredictor] = []

    def _make(self, seed: int) -> ArchPredictor:
        try:
            return self.cls(seed=seed, **self.params)
        except TypeError as exc:
            raise UsageError(f"bad parameters for predictor {self.spec!r}: {exc}") from None

    def fit(self, batch: ArchBatch, y: np.ndarray) -> Surrogate:
        """Fresh members each round (seeded by search seed and round), fitted on all results so far."""
        base = self.seed * 100_003 + self._round * 101
        self._round += 1
        self.members = [self._make(base + i).fit(batch, np.asarray(y, dtype=np.float64)) for i in range(self.n_members)]
        return self

    def predict(self, batch: ArchBatch) -> tuple[np.ndarray, np.ndarray]:
        if self.native_std:
            mean, std = self.members[0].predict_with_std(batch)  # type: ignore[attr-defined]
            return np.asarray(mean, dtype=np.float64), np.asarray(std, dtype=np.float64)
        preds = np.stack([np.asarray(m.predict(batch), dtype=np.float64) for m in self.members])
        return preds.mean(axis=0), preds.std(axis=0)


class SurrogateSearch(SearchAlgorithm):
    """Shared loop of predictor-based search: random start, then batches queued by ``_next_batch``.

    Subclasses set ``self.surrogate`` and ``self.n_random`` in ``setup`` (after calling this
    ``setup``) and implement ``_next_batch``, which returns benchmark rows in the order to evaluate.
    """

    n_random: int = 10

    def setup(self, domain: SearchDomain, n_objectives: int = 1) -> None:
        super().setup(domain, n_objectives)
        self._seen = np.zeros(len(domain), dtype=bool)
        self._rows: list[int] = []
        self._values: list[float] = []
        self._queue: list[int] = []
        self._asked = 0

    def _issue(self, row: int) -> np.ndarray:
        self._seen[row] = True
        self._asked += 1
        return self.domain.codes[row]

    def _random_unseen(self, k: int) -> np.ndarray:
        unseen = np.flatnonzero(~self._seen)
        return self.rng.choice(unseen, size=min(k, len(unseen)), replace=False)

    def ask(self) -> np.ndarray | None:
        if self._asked < self.n_random or len(self._rows) < 2:
            picks = self._random_unseen(1)
            return self._issue(int(picks[0])) if len(picks) else None
        while self._queue:
            row = self._queue.pop(0)
            if not self._seen[row]:
                return self._issue(row)
        self._queue = [int(r) for r in self._next_batch()]
        return self._issue(self._queue.pop(0)) if self._queue else None

    def tell(self, code: np.ndarray, value: float | np.ndarray) -> None:
        self._rows.append(int(self.domain.rows(code)[0]))
        self._values.append(float(value))

    @abstractmethod
    def _next_batch(self) -> np.ndarray:
        """Rows to evaluate next, best first."""
