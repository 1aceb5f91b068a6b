"""Multi-layer perceptrons on a flat encoding, and the ensemble the BANANAS predictor is made of."""

from __future__ import annotations

import numpy as np

from predictors.base import ArchBatch, Predictor
from predictors.training import TargetScaler, features, fit_torch


def make_mlp(in_dim: int, hidden: int, layers: int, dropout: float = 0.0):  # noqa: ANN201 (torch module)
    import torch.nn as nn

    blocks: list[nn.Module] = []
    width = in_dim
    for _ in range(layers):
        blocks += [nn.Linear(width, hidden), nn.ReLU()]
        if dropout:
            blocks.append(nn.Dropout(dropout))
        width = hidden
    blocks.append(nn.Linear(width, 1))
    return nn.Sequential(*blocks)


class MLPPredictor(Predictor):
    """A ReLU MLP on one-hot (or path) features, full-batch Adam with a cosine schedule."""

    name = "mlp"
    encoding = "onehot"

    def __init__(self, seed: int = 0, hidden: int = 128, layers: int = 3, epochs: int = 300, lr: float = 3e-3,
                 weight_decay: float = 1e-4, rank_weight: float = 0.5, encoding: str = "onehot",
                 use_extra: bool = True, log_target: bool | str = "auto") -> None:
        super().__init__(seed)
        self.hidden, self.layers, self.epochs, self.lr = hidden, layers, epochs, lr
        self.weight_decay, self.rank_weight = weight_decay, rank_weight
        self.encoding, self.use_extra, self.log_target = encoding, use_extra, log_target

    def _x(self, archs: ArchBatch):  # noqa: ANN202
        import torch

        x = features(archs, self.encoding, self.use_extra)
        return torch.as_tensor((x - self.x_mean_) / self.x_std_, dtype=torch.float32)

    def fit(self, archs: ArchBatch, y: np.ndarray) -> MLPPredictor:
        import torch

        raw = features(archs, self.encoding, self.use_extra)
        self.x_mean_, self.x_std_ = raw.mean(0), raw.std(0) + 1e-6
        self.scaler_ = TargetScaler(self.log_target).fit(y)
        torch.manual_seed(self.seed)
        self.model_ = make_mlp(raw.shape[1], self.hidden, self.layers)
        x = self._x(archs)
        fit_torch(self.model_, lambda: self.model_(x).squeeze(-1), self.scaler_.transform(y), epochs=self.epochs,
                  lr=self.lr, weight_decay=self.weight_decay, seed=self.seed, rank_weight=self.rank_weight)
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        import torch

        with torch.no_grad():
            z = self.model_(self._x(archs)).squeeze(-1).numpy()
        return self.scaler_.inverse(z)


class BananasPredictor(Predictor):
    """BANANAS' predictor (White et al., AAAI 2021): an ensemble of MLPs on the path encoding.

    The spread across members is the uncertainty that BANANAS' acquisition functions use.
    """

    name = "bananas"
    encoding = "path"

    def __init__(self, seed: int = 0, n_members: int = 5, hidden: int = 64, layers: int = 3, epochs: int = 200,
                 lr: float = 3e-3, weight_decay: float = 1e-4, encoding: str = "path",
                 log_target: bool | str = "auto") -> None:
        super().__init__(seed)
        self.n_members, self.hidden, self.layers, self.epochs = n_members, hidden, layers, epochs
        self.lr, self.weight_decay, self.encoding, self.log_target = lr, weight_decay, encoding, log_target

    def fit(self, archs: ArchBatch, y: np.ndarray) -> BananasPredictor:
        self.members_ = [
            MLPPredictor(seed=self.seed * 1000 + i, hidden=self.hidden, layers=self.layers, epochs=self.epochs,
                         lr=self.lr, weight_decay=self.weight_decay, rank_weight=0.0, encoding=self.encoding,
                         use_extra=False, log_target=self.log_target).fit(archs, y)
            for i in range(self.n_members)
        ]
        return self

    def predict_with_std(self, archs: ArchBatch) -> tuple[np.ndarray, np.ndarray]:
        preds = np.stack([m.predict(archs) for m in self.members_])
        return preds.mean(0), preds.std(0)

    def predict(self, archs: ArchBatch) -> np.ndarray:
        return self.predict_with_std(archs)[0]
