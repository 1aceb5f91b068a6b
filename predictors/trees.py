"""Tree ensembles on flat features: XGBoost and a random forest.

Both read ``features`` (tokens of :mod:`predictors.features`; ``"onehot+graf"`` by default, add
``+extra`` for side features such as parameter counts or zero-cost proxies) and fit the
rank-normalised target (:mod:`predictors.targets`). XGBoost can tune itself on the training data
only (``tune=True``: k-fold Kendall tau over a small grid, then a refit on all of it).

Both default to one thread (``n_jobs=1``): on a shared 2-core machine a 2-thread XGBoost fit of
1,000 architectures was measured at 40 s against 0.3 s single-threaded (OpenMP threads spin-wait
for a busy core). Parallelise over fits instead (``archbench evaluate --jobs``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import kendalltau

from bench.data import ArchBatch
from predictors.base import FeaturePredictor
from predictors.features import feature_matrix
from predictors.targets import TargetTransform

#: the grid ``XGBPredictor(tune=True)`` searches (each entry overrides the constructor's values)
XGB_TUNING_GRID: tuple[dict[str, Any], ...] = (
    {"max_depth": 3, "learning_rate": 0.05, "n_estimators": 600},
    {"max_depth": 5, "learning_rate": 0.05, "n_estimators": 400},
    {"max_depth": 7, "learning_rate": 0.05, "n_estimators": 300},
    {"max_depth": 5, "learning_rate": 0.02, "n_estimators": 1000},
    {"max_depth": 5, "learning_rate": 0.05, "n_estimators": 400, "min_child_weight": 8.0},
    {"max_depth": 5, "learning_rate": 0.05, "n_estimators": 400, "colsample_bytree": 0.4},
)


class XGBPredictor(FeaturePredictor):
    """Gradient-boosted trees (XGBoost ``hist``) on one-hot plus graph features."""

    name = "xgb"

    def __init__(
        self,
        features: str = "onehot+graf",
        n_estimators: int = 300,
        learning_rate: float = 0.06,
        max_depth: int = 5,
        min_child_weight: float = 2.0,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 1.0,
        target: str = "rank",
        tune: bool = False,
        cv_folds: int = 3,
        n_jobs: int | None = 1,
        seed: int = 0,
    ) -> None:
        super().__init__(seed)
        self.features = features
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_child_weight = min_child_weight
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.target = target
        self.tune = tune
        self.cv_folds = cv_folds
        self.n_jobs = n_jobs

    def _model(self, **override: Any) -> Any:
        import xgboost

        params = {"n_estimators": self.n_estimators, "learning_rate": self.learning_rate,
                  "max_depth": self.max_depth, "min_child_weight": self.min_child_weight,
                  "subsample": self.subsample, "colsample_bytree": self.colsample_bytree,
                  "reg_lambda": self.reg_lambda} | override
        return xgboost.XGBRegressor(tree_method="hist", random_state=self.seed, n_jobs=self.n_jobs, **params)

    def fit(self, archs: ArchBatch, y: np.ndarray) -> XGBPredictor:
        x = feature_matrix(archs, self.features)
        self.target_ = TargetTransform(self.target).fit(y)
        z = self.target_.train_z
        self.chosen_: dict[str, Any] = {}
        if self.tune and len(z) >= 4 * self.cv_folds:
            self.chosen_, self.cv_scores_ = _grid_search(self._model, XGB_TUNING_GRID, x, z, self.cv_folds, self.seed)
        self.model_ = self._model(**self.chosen_).fit(x, z)
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return self.target_.inverse(self.model_.predict(feature_matrix(archs, self.features)))


class RandomForestPredictor(FeaturePredictor):
    """scikit-learn random forest on one-hot plus graph features; robust with few architectures."""

    name = "rf"

    def __init__(
        self,
        features: str = "onehot+graf",
        n_estimators: int = 300,
        max_features: float = 0.33,
        min_samples_leaf: int = 1,
        target: str = "rank",
        n_jobs: int | None = 1,
        seed: int = 0,
    ) -> None:
        super().__init__(seed)
        self.features = features
        self.n_estimators = n_estimators
        self.max_features = max_features
        self.min_samples_leaf = min_samples_leaf
        self.target = target
        self.n_jobs = n_jobs

    def fit(self, archs: ArchBatch, y: np.ndarray) -> RandomForestPredictor:
        from sklearn.ensemble import RandomForestRegressor

        self.target_ = TargetTransform(self.target).fit(y)
        self.model_ = RandomForestRegressor(
            n_estimators=self.n_estimators, max_features=self.max_features, min_samples_leaf=self.min_samples_leaf,
            random_state=self.seed, n_jobs=self.n_jobs,
        ).fit(feature_matrix(archs, self.features), self.target_.train_z)
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return self.target_.inverse(self.model_.predict(feature_matrix(archs, self.features)))


def _grid_search(make: Any, grid: tuple[dict[str, Any], ...], x: np.ndarray, z: np.ndarray, folds: int,
                 seed: int) -> tuple[dict[str, Any], list[float]]:
    """The grid entry with the best mean k-fold Kendall tau on the training data, and all scores."""
    fold_of = np.random.default_rng(seed).permutation(len(z)) % folds
    scores = []
    for params in grid:
        taus = []
        for k in range(folds):
            held = fold_of == k
            pred = make(**params).fit(x[~held], z[~held]).predict(x[held])
            taus.append(kendalltau(pred, z[held]).statistic)
        scores.append(float(np.nanmean(taus)))
    return dict(grid[int(np.nanargmax(scores))]), scores
