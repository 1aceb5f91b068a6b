"""BANANAS-style predictor (White et al., AAAI 2021): an ensemble of MLPs on the path encoding.

Members differ only in their initialisation and minibatch order; their spread is the ensemble's
uncertainty, which :meth:`BananasPredictor.predict_with_std` exposes for acquisition functions
(expected improvement, upper confidence bound, Thompson-like sampling) in predictor-guided search.
"""

from __future__ import annotations

import numpy as np

from bench.data import ArchBatch
from predictors.base import FeaturePredictor
from predictors.features import feature_matrix
from predictors.mlp import Standardizer, fit_mlp, mlp_outputs
from predictors.targets import TargetTransform
from predictors.training import torch_session


class BananasPredictor(FeaturePredictor):
    """``n_members`` MLPs on ``features`` (the path encoding by default); prediction = member mean."""

    name = "bananas"

    def __init__(
        self,
        features: str = "path",
        n_members: int = 5,
        hidden: tuple[int, ...] = (64, 64, 64),
        epochs: int = 60,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        rank_weight: float = 0.5,
        target: str = "rank",
        n_threads: int | None = 1,
        seed: int = 0,
    ) -> None:
        super().__init__(seed)
        self.features = features
        self.n_members = n_members
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.rank_weight = rank_weight
        self.target = target
        self.n_threads = n_threads

    def fit(self, archs: ArchBatch, y: np.ndarray) -> BananasPredictor:
        if self.n_members < 1:
            raise ValueError(f"n_members must be at least 1, got {self.n_members}")
        x = feature_matrix(archs, self.features)
        self.scaler_ = Standardizer().fit(x)
        self.target_ = TargetTransform(self.target).fit(y)
        x = self.scaler_.transform(x)
        self.members_ = []
        for k in range(self.n_members):
            member_seed = self.seed * 1009 + k
            with torch_session(member_seed, self.n_threads):
                self.members_.append(fit_mlp(x, self.target_.train_z, tuple(self.hidden), epochs=self.epochs,
                                             batch_size=self.batch_size, lr=self.lr, weight_decay=self.weight_decay,
                                             dropout=0.0, rank_weight=self.rank_weight, seed=member_seed))
        return self

    def member_predictions(self, archs: ArchBatch) -> np.ndarray:
        """``(n_members, n)`` predictions on the target's scale."""
        x = self.scaler_.transform(feature_matrix(archs, self.features))
        with torch_session(self.seed, self.n_threads):
            return np.stack([self.target_.inverse(mlp_outputs(m, x)) for m in self.members_])

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return self.member_predictions(archs).mean(axis=0)

    def predict_with_std(self, archs: ArchBatch) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation over the ensemble members (target scale)."""
        preds = self.member_predictions(archs)
        return preds.mean(axis=0), preds.std(axis=0)
