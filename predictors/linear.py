"""Ridge regression on the one-hot encoding: the additive (per-layer look-up table) model.

Latency on fixed hardware is close to a sum of per-operation costs, which is exactly a linear model
on the one-hot encoding; hardware-aware NAS has long used such layer-wise look-up tables. Fitting it
by ridge regression (the penalty chosen by leave-one-out error on the training data only) needs a
few dozen architectures and extrapolates where trees plateau. For accuracy it is a reference point:
whatever it leaves unexplained is interaction between operations.
"""

from __future__ import annotations

import numpy as np

from bench.data import ArchBatch
from predictors.base import FeaturePredictor
from predictors.features import feature_matrix
from predictors.targets import TargetTransform

#: ridge penalties searched by efficient leave-one-out cross-validation on the training data
ALPHAS: tuple[float, ...] = tuple(np.logspace(-4, 3, 15))


class LinearPredictor(FeaturePredictor):
    """Ridge regression on ``features`` (default one-hot) of the ``target``-transformed label.

    ``target="standard"`` (default) keeps the model additive in the label's own unit, as a look-up
    table is; ``"log"`` makes it multiplicative; ``"rank"`` fits normal scores of the training ranks.
    """

    name = "linear"

    def __init__(self, features: str = "onehot", target: str = "standard", alphas: tuple[float, ...] = ALPHAS,
                 seed: int = 0) -> None:
        super().__init__(seed)
        self.features = features
        self.target = target
        self.alphas = alphas

    def fit(self, archs: ArchBatch, y: np.ndarray) -> LinearPredictor:
        from sklearn.linear_model import RidgeCV

        x = feature_matrix(archs, self.features)
        self.target_ = TargetTransform(self.target).fit(y)
        self.model_ = RidgeCV(alphas=np.asarray(self.alphas, dtype=np.float64)).fit(x, self.target_.train_z)
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return self.target_.inverse(self.model_.predict(feature_matrix(archs, self.features)))
