"""Gaussian-process regression (scikit-learn) with kernel hyperparameters fit by marginal likelihood.

On the one-hot encoding an RBF kernel is an exponentiated Hamming kernel: architectures that differ
in fewer choices are more alike. With graph features (``features="onehot+graf"``) the inputs are
standardised first. Signal variance, length scale and noise level are fit on the training data by
maximising the log marginal likelihood; ``predict_with_std`` gives the posterior spread for
acquisition functions.
"""

from __future__ import annotations

import numpy as np

from bench.data import ArchBatch
from predictors.base import FeaturePredictor
from predictors.features import feature_matrix
from predictors.mlp import Standardizer
from predictors.targets import TargetTransform


class GPPredictor(FeaturePredictor):
    """Exact GP with ``constant * RBF + white noise`` on ``features``."""

    name = "gp"

    def __init__(
        self,
        features: str = "onehot",
        length_scale: float = 3.0,
        noise: float = 0.3,
        restarts: int = 0,
        target: str = "rank",
        seed: int = 0,
    ) -> None:
        super().__init__(seed)
        self.features = features
        self.length_scale = length_scale
        self.noise = noise
        self.restarts = restarts
        self.target = target

    def fit(self, archs: ArchBatch, y: np.ndarray) -> GPPredictor:
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

        x = feature_matrix(archs, self.features)
        self.scaler_ = Standardizer().fit(x)
        self.target_ = TargetTransform(self.target).fit(y)
        kernel = (ConstantKernel(1.0, (1e-2, 1e2)) * RBF(self.length_scale, (1e-1, 1e3))
                  + WhiteKernel(self.noise, (1e-4, 1e1)))
        self.model_ = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=self.restarts,
                                               random_state=self.seed)
        self.model_.fit(self.scaler_.transform(x), self.target_.train_z)
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return self.target_.inverse(self.model_.predict(self.scaler_.transform(feature_matrix(archs, self.features))))

    def predict_with_std(self, archs: ArchBatch) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and standard deviation on the target's scale (the spread is mapped through the
        target transform locally: half the distance between the images of mean - std and mean + std)."""
        mean, std = self.model_.predict(self.scaler_.transform(feature_matrix(archs, self.features)), return_std=True)
        lo, hi = self.target_.inverse(mean - std), self.target_.inverse(mean + std)
        return self.target_.inverse(mean), (hi - lo) / 2
