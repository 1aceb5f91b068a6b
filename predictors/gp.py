"""A Gaussian process on one-hot encodings (RBF on one-hot = a Hamming-distance kernel)."""

from __future__ import annotations

import numpy as np

from predictors.base import ArchBatch, Predictor
from predictors.training import TargetScaler, features


class GPPredictor(Predictor):
    """Exact GP regression; kernel amplitude, length scale and noise fit by marginal likelihood.

    Offers ``predict_with_std`` for acquisition functions in search.
    """

    name = "gp"
    encoding = "onehot"

    def __init__(self, seed: int = 0, length_scale: float = 3.0, noise: float = 0.1, encoding: str = "onehot",
                 use_extra: bool = False, log_target: bool | str = "auto", n_restarts: int = 0) -> None:
        super().__init__(seed)
        self.length_scale, self.noise, self.encoding = length_scale, noise, encoding
        self.use_extra, self.log_target, self.n_restarts = use_extra, log_target, n_restarts

    def fit(self, archs: ArchBatch, y: np.ndarray) -> GPPredictor:
        from sklearn.gaussian_process import GaussianProcessRegressor
        from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

        self.scaler_ = TargetScaler(self.log_target).fit(y)
        kernel = ConstantKernel(1.0, (1e-2, 1e2)) * RBF(self.length_scale, (0.3, 100.0)) + WhiteKernel(
            self.noise, (1e-4, 1.0))
        self.model_ = GaussianProcessRegressor(kernel, normalize_y=False, n_restarts_optimizer=self.n_restarts,
                                               random_state=self.seed)
        self.model_.fit(features(archs, self.encoding, self.use_extra), self.scaler_.transform(y))
        return self

    def predict_with_std(self, archs: ArchBatch) -> tuple[np.ndarray, np.ndarray]:
        mean, std = self.model_.predict(features(archs, self.encoding, self.use_extra), return_std=True)
        lo, hi = self.scaler_.inverse(mean - std), self.scaler_.inverse(mean + std)
        return self.scaler_.inverse(mean), np.abs(hi - lo) / 2

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return self.scaler_.inverse(self.model_.predict(features(archs, self.encoding, self.use_extra)))
