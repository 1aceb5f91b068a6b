"""Tree ensembles on a flat encoding: XGBoost and a random forest."""

from __future__ import annotations

import numpy as np

from predictors.base import ArchBatch, Predictor
from predictors.training import TargetScaler, features


class XGBPredictor(Predictor):
    """Gradient-boosted trees (XGBoost, ``hist``), target standardized (log for positive labels)."""

    name = "xgb"
    encoding = "onehot"

    def __init__(self, seed: int = 0, n_estimators: int = 400, learning_rate: float = 0.05, max_depth: int = 6,
                 subsample: float = 0.8, colsample_bytree: float = 0.8, min_child_weight: float = 1.0,
                 encoding: str = "onehot", use_extra: bool = True, log_target: bool | str = "auto",
                 n_jobs: int = 1) -> None:
        super().__init__(seed)
        self.n_estimators, self.learning_rate, self.max_depth = n_estimators, learning_rate, max_depth
        self.subsample, self.colsample_bytree, self.min_child_weight = subsample, colsample_bytree, min_child_weight
        self.encoding, self.use_extra, self.log_target, self.n_jobs = encoding, use_extra, log_target, n_jobs

    def fit(self, archs: ArchBatch, y: np.ndarray) -> XGBPredictor:
        import xgboost

        self.scaler_ = TargetScaler(self.log_target).fit(y)
        self.model_ = xgboost.XGBRegressor(
            n_estimators=self.n_estimators, learning_rate=self.learning_rate, max_depth=self.max_depth,
            subsample=self.subsample, colsample_bytree=self.colsample_bytree,
            min_child_weight=self.min_child_weight, tree_method="hist", random_state=self.seed, n_jobs=self.n_jobs,
        )
        self.model_.fit(features(archs, self.encoding, self.use_extra), self.scaler_.transform(y))
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return self.scaler_.inverse(self.model_.predict(features(archs, self.encoding, self.use_extra)))


class RandomForestPredictor(Predictor):
    """scikit-learn random forest; robust with few training architectures."""

    name = "rf"
    encoding = "onehot"

    def __init__(self, seed: int = 0, n_estimators: int = 300, max_features: float = 0.5, min_samples_leaf: int = 1,
                 encoding: str = "onehot", use_extra: bool = True, log_target: bool | str = "auto",
                 n_jobs: int = 1) -> None:
        super().__init__(seed)
        self.n_estimators, self.max_features, self.min_samples_leaf = n_estimators, max_features, min_samples_leaf
        self.encoding, self.use_extra, self.log_target, self.n_jobs = encoding, use_extra, log_target, n_jobs

    def fit(self, archs: ArchBatch, y: np.ndarray) -> RandomForestPredictor:
        from sklearn.ensemble import RandomForestRegressor

        self.scaler_ = TargetScaler(self.log_target).fit(y)
        self.model_ = RandomForestRegressor(
            n_estimators=self.n_estimators, max_features=self.max_features, min_samples_leaf=self.min_samples_leaf,
            random_state=self.seed, n_jobs=self.n_jobs,
        ).fit(features(archs, self.encoding, self.use_extra), self.scaler_.transform(y))
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return self.scaler_.inverse(self.model_.predict(features(archs, self.encoding, self.use_extra)))
