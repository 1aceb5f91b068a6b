"""Ensembles of diverse predictors, blended on the rank-normal scale of the training targets.

Trees, graph networks and MLPs err differently (axis-aligned splits on hand-made graph features,
learned message passing, smooth functions of the encoding), so their blend ranks architectures better
than any one of them. Each member's predictions are mapped to the normal-score scale of the
training targets, blended and mapped back. Members are registry names (or ``path.py:Class``
plug-ins) with optional hyperparameters, or ``(name, estimator)`` pairs, and each gets the
ensemble's seed. As in scikit-learn's composite estimators, a member's hyperparameters are nested
parameters of the ensemble (``get_params()["xgb__max_depth"]``, ``set_params(xgb__max_depth=3)``),
so ``GridSearchCV`` can tune them.

* ``ensemble`` averages its members with equal weights.
* ``stack`` learns the weights from the training data (Breiman's stacked regression): every member
  is also fitted ``folds`` times without one fold and predicts that fold, and the weights are the
  non-negative least-squares fit of the training targets on these out-of-fold predictions,
  normalised to sum to one. Which member deserves most weight depends on the benchmark (the MLP on
  NB201, the GIN on NAS-Bench-Graph cora), and the fits cost ``folds + 1`` times as much. On the
  development splits (3 seeds) it raised Kendall tau on NB201 from 0.871 to 0.877 at n=1000 and
  from 0.756 to 0.762 at n=100, left pubmed and photo unchanged at n=1000 and cost cora 0.017 at
  n=100 (weights from 100 out-of-fold predictions are noisy), so it is not the default ensemble.
  (On the NB201 test board, with the group features: 0.888 against 0.882 at n=1000, 0.776 against
  0.768 at n=100.)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import clone

from bench.data import ArchBatch
from bench.predictor_registry import encodings_of, get_predictor
from predictors.base import Predictor
from predictors.targets import TargetTransform

#: the default members: the strongest tree, graph and vector learners on NAS-Bench-Graph
DEFAULT_MEMBERS: tuple[str, ...] = ("xgb", "rf", "mlp", "gin")

#: a member: a registry name (or plug-in spec), or a ``(name, estimator)`` pair
Member = str | tuple[str, Any]


class EnsemblePredictor(Predictor):
    """Equal-weight rank-scale average of ``members`` (registry names, with ``member_params`` per name,
    or ``(name, estimator)`` pairs)."""

    name = "ensemble"

    def __init__(
        self,
        members: Sequence[Member] = DEFAULT_MEMBERS,
        member_params: dict[str, dict[str, Any]] | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(seed)
        self.members = members
        self.member_params = member_params

    def _names(self) -> list[str]:
        return [m if isinstance(m, str) else m[0] for m in self.members]

    def _templates(self) -> list[tuple[str, Any]]:
        """``(name, unfitted estimator)`` per member, as configured (before the ensemble's seed)."""
        params = self.member_params or {}
        return [(m, get_predictor(m, **params.get(m, {}))) if isinstance(m, str) else (m[0], m[1])
                for m in self.members]

    def _member(self, template: tuple[str, Any], seed: int, archs: ArchBatch, y: np.ndarray) -> Any:
        """A member fitted with ``seed``: a name is built afresh, an estimator is cloned."""
        name, estimator = template
        if name in self.members:
            model = get_predictor(name, seed=seed, **(self.member_params or {}).get(name, {}))
        else:
            model = clone(estimator)
            if "seed" in model.get_params(deep=False):
                model.set_params(seed=seed)
        return model.fit(archs, y)

    def encodings(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e for _, est in self._templates() for e in encodings_of(est)))

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The constructor arguments and, with ``deep``, each member as ``name`` and its
        hyperparameters as ``name__param`` (its seed excepted: members take the ensemble's)."""
        out = super().get_params(deep=False)
        if deep:
            for name, est in self._templates():
                out[name] = est
                out.update({f"{name}__{k}": v for k, v in est.get_params(deep=True).items() if k != "seed"})
        return out

    def set_params(self, **params: Any) -> EnsemblePredictor:
        """Also ``name=estimator`` (replace a member) and ``name__param=value`` (a member's
        hyperparameter: kept in ``member_params`` for a registry-name member)."""
        names = self._names()
        nested: dict[str, dict[str, Any]] = {}
        replace: dict[str, Any] = {}
        for key in list(params):
            head, sep, rest = key.partition("__")
            if head in names:
                if len(set(names)) != len(names):
                    raise ValueError(f"members {names} repeat a name, so {key!r} is ambiguous")
                value = params.pop(key)
                if sep:
                    nested.setdefault(head, {})[rest] = value
                else:
                    replace[head] = value
        super().set_params(**params)
        if replace:
            self.members = [(m, replace[m]) if isinstance(m, str) and m in replace else
                            (m[0], replace[m[0]]) if not isinstance(m, str) and m[0] in replace else m
                            for m in self.members]
        for name, sub in nested.items():
            member = next(m for m in self.members if (m if isinstance(m, str) else m[0]) == name)
            if isinstance(member, str):
                given = dict(self.member_params or {})
                given[name] = {**given.get(name, {}), **sub}
                get_predictor(name, **given[name])  # refuse a parameter the member does not take, now
                self.member_params = given
            else:
                member[1].set_params(**sub)
        return self

    def fit(self, archs: ArchBatch, y: np.ndarray) -> EnsemblePredictor:
        names = self._names()
        if not names:
            raise ValueError("an ensemble needs at least one member")
        unknown = sorted(set(self.member_params or {}) - {m for m in self.members if isinstance(m, str)})
        if unknown:
            raise ValueError(f"member_params names {', '.join(unknown)}, which are not members ({', '.join(names)})")
        y = np.asarray(y, dtype=np.float64)
        self.target_ = TargetTransform("rank").fit(y)
        templates = self._templates()
        self.weights_ = self._weights(templates, archs, y)
        self.fitted_ = [self._member(t, self.seed, archs, y) for t in templates]
        return self

    def _weights(self, templates: list[tuple[str, Any]], archs: ArchBatch, y: np.ndarray) -> np.ndarray | None:
        """Member weights (``None``: a plain mean)."""
        return None

    def member_predictions(self, archs: ArchBatch) -> np.ndarray:
        """``(n_members, n)`` member predictions on the target's scale."""
        return np.stack([np.asarray(m.predict(archs), dtype=np.float64) for m in self.fitted_])

    def predict(self, archs: ArchBatch) -> np.ndarray:
        scores = np.stack([self.target_.transform(p) for p in self.member_predictions(archs)])
        return self.target_.inverse(scores.mean(axis=0) if self.weights_ is None else self.weights_ @ scores)


class StackedEnsemblePredictor(EnsemblePredictor):
    """``members`` blended with weights learned from their out-of-fold predictions on the training data."""

    name = "stack"

    def __init__(self, folds: int = 3, **params: Any) -> None:
        super().__init__(**params)
        self.folds = folds

    def _weights(self, templates: list[tuple[str, Any]], archs: ArchBatch, y: np.ndarray) -> np.ndarray:
        folds = min(int(self.folds), len(y))
        if folds < 2:
            raise ValueError(f"stacking needs at least 2 folds and 2 training architectures, not folds={self.folds}")
        fold_of = np.random.default_rng(self.seed).permutation(len(y)) % folds
        self.out_of_fold_ = np.zeros((len(templates), len(y)))
        for i, template in enumerate(templates):
            for k in range(folds):
                train, held = np.flatnonzero(fold_of != k), np.flatnonzero(fold_of == k)
                model = self._member(template, folds * self.seed + k + 1, archs.subset(train), y[train])
                self.out_of_fold_[i, held] = self.target_.transform(
                    np.asarray(model.predict(archs.subset(held)), dtype=np.float64))
        return stacking_weights(self.out_of_fold_, self.target_.train_z)


def stacking_weights(predictions: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Non-negative least-squares weights of ``z`` on the rows of ``predictions``, summing to one
    (equal weights if no member helps, i.e. every NNLS weight is zero)."""
    from scipy.optimize import nnls

    weights, _ = nnls(np.asarray(predictions, dtype=np.float64).T, np.asarray(z, dtype=np.float64))
    total = weights.sum()
    return weights / total if total > 0 else np.full(len(weights), 1.0 / len(weights))
