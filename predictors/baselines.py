"""Baselines every learned predictor must beat: random scores, parameter count, one zero-cost proxy."""

from __future__ import annotations

import numpy as np
from scipy.stats import kendalltau

from predictors.base import ArchBatch, Predictor


class RandomPredictor(Predictor):
    """The random-architecture baseline: i.i.d. scores, so every ranking metric is at chance level."""

    name = "random"
    encoding = "onehot"

    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)

    def fit(self, archs: ArchBatch, y: np.ndarray) -> RandomPredictor:
        y = np.asarray(y, dtype=np.float64)
        self.mean_, self.std_ = float(y.mean()), float(y.std())
        self._calls = 0
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        # seeded by (seed, call count) so repeated predictions are reproducible but not identical
        rng = np.random.default_rng([self.seed, self._calls])
        self._calls += 1
        return self.mean_ + self.std_ * rng.standard_normal(len(archs))


class _SideFeaturePredictor(Predictor):
    """Rank by one side feature, its sign chosen on the training data; values by a linear fit."""

    encoding = "extra"
    feature: str = ""

    def _feature(self, archs: ArchBatch) -> np.ndarray:
        if self.feature not in archs.extra:
            have = ", ".join(sorted(archs.extra)) or "none"
            raise ValueError(f"{self.name} needs the side feature {self.feature!r}; this benchmark has: {have}")
        return np.asarray(archs.extra[self.feature], dtype=np.float64)

    def fit(self, archs: ArchBatch, y: np.ndarray) -> _SideFeaturePredictor:
        x = np.nan_to_num(self._feature(archs))
        y = np.asarray(y, dtype=np.float64)
        slope, intercept = np.polyfit(x, y, 1) if np.ptp(x) > 0 else (0.0, float(y.mean()))
        self.slope_, self.intercept_ = float(slope), float(intercept)
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return self.intercept_ + self.slope_ * np.nan_to_num(self._feature(archs))


class ParamsPredictor(_SideFeaturePredictor):
    """Parameter count (or FLOPs) as the predictor: the cheapest proxy there is."""

    name = "params"

    def __init__(self, seed: int = 0, feature: str = "params") -> None:
        super().__init__(seed)
        self.feature = feature


class ZeroCostPredictor(_SideFeaturePredictor):
    """One zero-cost proxy (``zc_<name>``); ``proxy="auto"`` picks the one with the best training |tau|."""

    name = "zero_cost"

    def __init__(self, seed: int = 0, proxy: str = "auto") -> None:
        super().__init__(seed)
        self.proxy = proxy

    def fit(self, archs: ArchBatch, y: np.ndarray) -> ZeroCostPredictor:
        proxies = sorted(k for k in archs.extra if k.startswith("zc_") and not k.endswith("_time"))
        if self.proxy != "auto":
            self.feature = self.proxy if self.proxy.startswith("zc_") else f"zc_{self.proxy}"
        elif not proxies:
            raise ValueError("zero_cost needs zc_* side features; this benchmark stores no zero-cost proxies")
        else:
            def score(k: str) -> float:
                tau = kendalltau(np.nan_to_num(archs.extra[k]), y).statistic
                return 0.0 if np.isnan(tau) else abs(tau)

            self.feature = max(proxies, key=score)
        return super().fit(archs, y)
