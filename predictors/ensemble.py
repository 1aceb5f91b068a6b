"""An ensemble of diverse predictors, averaged on the rank-normal scale of the training targets.

Trees, graph networks and MLPs err differently (axis-aligned splits on hand-made graph features,
learned message passing, smooth functions of the encoding), so their average ranks architectures
better than any one of them. Each member's predictions are mapped to the normal-score scale of the
training targets, averaged with equal weights and mapped back. Members are registry names (or
``path.py:Class`` plug-ins) with optional hyperparameters, and each gets the ensemble's seed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from predictors.base import ArchBatch, Predictor
from predictors.targets import TargetTransform

#: the default members: the strongest tree, graph and vector learners on NAS-Bench-Graph
DEFAULT_MEMBERS: tuple[str, ...] = ("xgb", "rf", "mlp", "gin")


class EnsemblePredictor(Predictor):
    """Equal-weight rank-scale average of ``members`` (registry names; ``member_params`` per name)."""

    name = "ensemble"
    encoding = "onehot"

    def __init__(
        self,
        members: tuple[str, ...] = DEFAULT_MEMBERS,
        member_params: dict[str, dict[str, Any]] | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(seed)
        self.members = members
        self.member_params = member_params

    def fit(self, archs: ArchBatch, y: np.ndarray) -> EnsemblePredictor:
        from predictors import get_predictor

        names = list(self.members)
        if not names:
            raise ValueError("an ensemble needs at least one member")
        params = self.member_params or {}
        unknown = sorted(set(params) - set(names))
        if unknown:
            raise ValueError(f"member_params names {', '.join(unknown)}, which are not members ({', '.join(names)})")
        self.target_ = TargetTransform("rank").fit(y)
        self.fitted_ = [get_predictor(n, seed=self.seed, **params.get(n, {})).fit(archs, y) for n in names]
        return self

    def member_predictions(self, archs: ArchBatch) -> np.ndarray:
        """``(n_members, n)`` member predictions on the target's scale."""
        return np.stack([np.asarray(m.predict(archs), dtype=np.float64) for m in self.fitted_])

    def predict(self, archs: ArchBatch) -> np.ndarray:
        scores = np.stack([self.target_.transform(p) for p in self.member_predictions(archs)])
        return self.target_.inverse(scores.mean(axis=0))
