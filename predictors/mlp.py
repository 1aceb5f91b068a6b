"""A multilayer perceptron on flat features (one-hot, path encoding, graph features, side features).

Inputs are standardised with the training set's statistics (constant columns are left at zero), so
count-valued graph features and heavy-tailed side features sit on the scale of the one-hot bits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.data import ArchBatch
from predictors.base import FeaturePredictor
from predictors.features import feature_matrix
from predictors.targets import TargetTransform
from predictors.training import predict_in_chunks, torch_session, train_regressor


class Standardizer:
    """Column-wise ``(x - mean) / std`` fitted on training features; side features get a signed log first."""

    def fit(self, x: np.ndarray) -> Standardizer:
        x = self._squash(x)
        self.mean_ = x.mean(axis=0)
        std = x.std(axis=0)
        self.scale_ = np.where(std > 1e-12, std, 1.0)
        return self

    def transform(self, x: np.ndarray) -> np.ndarray:
        return ((self._squash(x) - self.mean_) / self.scale_).astype(np.float32)

    @staticmethod
    def _squash(x: np.ndarray) -> np.ndarray:
        x = np.asarray(x, dtype=np.float64)
        return np.sign(x) * np.log1p(np.abs(x))


def make_mlp(in_dim: int, hidden: tuple[int, ...], dropout: float) -> Any:
    """ReLU MLP ``in_dim -> hidden... -> 1`` that returns a flat vector."""
    import torch

    layers: list[Any] = []
    width = in_dim
    for h in hidden:
        layers += [torch.nn.Linear(width, h), torch.nn.ReLU()]
        if dropout > 0:
            layers.append(torch.nn.Dropout(dropout))
        width = h
    layers.append(torch.nn.Linear(width, 1))
    layers.append(torch.nn.Flatten(0))
    return torch.nn.Sequential(*layers)


def fit_mlp(x: np.ndarray, z: np.ndarray, hidden: tuple[int, ...], *, epochs: int, batch_size: int, lr: float,
            weight_decay: float, dropout: float, rank_weight: float, seed: int) -> Any:
    """One MLP trained on standardised features ``x`` and transformed targets ``z`` (inside a torch session)."""
    import torch

    inputs = torch.from_numpy(x)
    model = make_mlp(x.shape[1], tuple(hidden), dropout)
    train_regressor(model, lambda index: model(inputs[index]), z, epochs=epochs, batch_size=batch_size, lr=lr,
                    weight_decay=weight_decay, rank_weight=rank_weight, seed=seed)
    return model


def mlp_outputs(model: Any, x: np.ndarray) -> np.ndarray:
    import torch

    inputs = torch.from_numpy(x)
    return predict_in_chunks(lambda index: model(inputs[index]), len(x))


class MLPPredictor(FeaturePredictor):
    """Feed-forward network on ``features`` (``"onehot+graf"`` by default; ``"path"`` for BANANAS' input)."""

    name = "mlp"

    def __init__(
        self,
        features: str = "onehot+graf",
        hidden: tuple[int, ...] = (128, 128),
        epochs: int = 100,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 1e-4,
        dropout: float = 0.0,
        rank_weight: float = 0.5,
        target: str = "rank",
        n_threads: int | None = 1,
        seed: int = 0,
    ) -> None:
        super().__init__(seed)
        self.features = features
        self.hidden = hidden
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.dropout = dropout
        self.rank_weight = rank_weight
        self.target = target
        self.n_threads = n_threads

    def fit(self, archs: ArchBatch, y: np.ndarray) -> MLPPredictor:
        x = feature_matrix(archs, self.features)
        self.scaler_ = Standardizer().fit(x)
        self.target_ = TargetTransform(self.target).fit(y)
        with torch_session(self.seed, self.n_threads):
            self.model_ = fit_mlp(self.scaler_.transform(x), self.target_.train_z, tuple(self.hidden),
                                  epochs=self.epochs, batch_size=self.batch_size, lr=self.lr,
                                  weight_decay=self.weight_decay, dropout=self.dropout,
                                  rank_weight=self.rank_weight, seed=self.seed)
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        x = self.scaler_.transform(feature_matrix(archs, self.features))
        with torch_session(self.seed, self.n_threads):
            return self.target_.inverse(mlp_outputs(self.model_, x))
