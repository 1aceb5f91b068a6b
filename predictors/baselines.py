"""Baselines every learned predictor must beat: random scores, model size, and zero-cost proxies.

Each answers on the target's scale by quantile matching (the architecture whose score sits at the
q-th training quantile is predicted the q-th training target quantile), so error metrics such as
MAE are those of an honest guess and the ranking is exactly the score's ranking.
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np
from scipy.stats import kendalltau

from bench.data import EXTRA, ArchBatch
from predictors.base import Predictor
from predictors.targets import TargetTransform

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    """A well-mixed 64-bit hash per element (vectorised splitmix64 finaliser)."""
    x = np.asarray(x, dtype=np.uint64)
    with np.errstate(over="ignore"):
        x = x + _GOLDEN
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


class RandomPredictor(Predictor):
    """The random-architecture baseline: a random draw from the training targets per architecture.

    The draw is a hash of (seed, training-set size, architecture id), so predictions do not depend
    on batch order or on how often ``predict`` is called, and every (seed, size) cell of a board gets
    an independent ranking (a hash of the seed alone gave every size of a seed the same ranking).
    """

    name = "random"

    def __init__(self, seed: int = 0) -> None:
        super().__init__(seed)

    def fit(self, archs: ArchBatch, y: np.ndarray) -> RandomPredictor:
        self.y_sorted_ = np.sort(np.asarray(y, dtype=np.float64))
        if len(self.y_sorted_) == 0:
            raise ValueError("cannot fit on an empty training set")
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        stream = _splitmix64(_splitmix64(np.uint64(self.seed)) ^ np.uint64(len(self.y_sorted_)))
        key = _splitmix64(np.asarray(archs.ids, dtype=np.int64).astype(np.uint64) ^ stream)
        u = (key >> np.uint64(11)).astype(np.float64) / float(1 << 53)
        return self.y_sorted_[np.minimum((u * len(self.y_sorted_)).astype(np.int64), len(self.y_sorted_) - 1)]


class _ScorePredictor(Predictor):
    """Predicts from one side feature, in the direction and on the scale learned from training data."""

    encoding = EXTRA

    @abstractmethod
    def _choose(self, archs: ArchBatch, y: np.ndarray) -> tuple[str, int]:
        """(side-feature name, +1 or -1) to predict from."""

    def fit(self, archs: ArchBatch, y: np.ndarray) -> _ScorePredictor:
        y = np.asarray(y, dtype=np.float64)
        self.feature_, self.sign_ = self._choose(archs, y)
        score = self.sign_ * np.asarray(archs.extra[self.feature_], dtype=np.float64)
        ok = np.isfinite(score)
        if not ok.any():
            raise ValueError(f"side feature {self.feature_!r} has no finite value on the training set")
        self.score_map_ = TargetTransform("rank").fit(score[ok])
        self.target_map_ = TargetTransform("rank").fit(y[ok])
        self.fallback_ = float(np.median(y[ok]))
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        score = self.sign_ * np.asarray(_side_feature(archs, self.feature_), dtype=np.float64)
        out = np.full(len(score), self.fallback_)
        ok = np.isfinite(score)
        out[ok] = self.target_map_.inverse(self.score_map_.transform(score[ok]))
        return out


def _side_feature(archs: ArchBatch, name: str) -> np.ndarray:
    if name not in archs.extra:
        have = ", ".join(sorted(archs.extra)) or "none"
        raise ValueError(f"this batch has no side feature {name!r} (side features: {have}); "
                         "attach it when building the batch (e.g. evaluate with it as an extra metric)")
    return archs.extra[name]


def _direction(score: np.ndarray, y: np.ndarray) -> tuple[int, float]:
    """(+1 or -1, |Kendall tau|) of a score against the targets on the training data."""
    ok = np.isfinite(score) & np.isfinite(y)
    tau = kendalltau(score[ok], y[ok]).statistic if ok.sum() >= 2 else np.nan
    if not np.isfinite(tau):
        return 1, 0.0
    return (1 if tau >= 0 else -1), abs(float(tau))


class ParamsPredictor(_ScorePredictor):
    """Rank by model size: the ``params`` side feature (``flops`` when there is no parameter count).

    The direction (bigger is better or worse) is chosen on the training data, so the baseline is
    just as strong for latency targets as for accuracy.
    """

    name = "params"

    def __init__(self, feature: str = "auto", seed: int = 0) -> None:
        super().__init__(seed)
        self.feature = feature

    def _choose(self, archs: ArchBatch, y: np.ndarray) -> tuple[str, int]:
        if self.feature == "auto":
            name = next((f for f in ("params", "flops") if f in archs.extra), None)
            if name is None:
                have = ", ".join(sorted(archs.extra)) or "none"
                raise ValueError(f"the params baseline needs a 'params' or 'flops' side feature "
                                 f"(side features: {have})")
        else:
            name = self.feature
        return name, _direction(np.asarray(_side_feature(archs, name), dtype=np.float64), y)[0]


class ZeroCostPredictor(_ScorePredictor):
    """One zero-cost proxy (any side feature): ``proxy="auto"`` takes the one with the largest
    absolute Kendall tau on the training data; ``sign="auto"`` orients it on the training data,
    ``sign=1`` trusts the proxy as is (higher score, higher target), ``sign=-1`` reverses it."""

    name = "zero_cost"

    def __init__(self, proxy: str = "auto", sign: int | str = "auto", seed: int = 0) -> None:
        super().__init__(seed)
        self.proxy = proxy
        self.sign = sign

    def _choose(self, archs: ArchBatch, y: np.ndarray) -> tuple[str, int]:
        if self.sign not in ("auto", 1, -1):
            raise ValueError(f"sign must be 'auto', 1 or -1, got {self.sign!r}")
        if self.proxy == "auto":
            if not archs.extra:
                raise ValueError("the zero-cost baseline needs side features (zero-cost proxies); this batch has none")
            scored = [(_direction(np.asarray(archs.extra[k], dtype=np.float64), y), k) for k in sorted(archs.extra)]
            (sign, _), name = max(scored, key=lambda item: item[0][1])
        else:
            name = self.proxy
            sign = _direction(np.asarray(_side_feature(archs, name), dtype=np.float64), y)[0]
        return name, sign if self.sign == "auto" else int(self.sign)
