"""The predictor contract: a scikit-learn regressor whose ``X`` is an :class:`~bench.data.ArchBatch`.

Hyperparameters are ``__init__`` arguments stored unchanged, ``fit`` returns self and learned state
ends in ``_``, so ``get_params``/``set_params``, ``sklearn.base.clone``, ``cross_val_score`` and
``GridSearchCV`` work. Which encodings a predictor reads follows from its parameters, per instance
(:meth:`Predictor.encodings`): the harness checks them against a benchmark before anything runs
and computes them before the fit clock starts.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from bench.data import ArchBatch
from predictors.features import feature_encodings

__all__ = ["ArchBatch", "FeaturePredictor", "Predictor", "constructor_defaults"]


class Predictor(RegressorMixin, BaseEstimator, ABC):
    """Hyperparameters in ``__init__`` (with defaults that work out of the box), ``fit`` returns self.

    Subclasses set ``name`` (registry name), accept ``seed`` and are deterministic for a given seed.
    ``score`` is scikit-learn's R^2; ``scoring=bench.metrics.sklearn_scorer()`` scores by Kendall tau.
    """

    name: ClassVar[str] = ""
    #: a plug-in that reads one fixed encoding may just set this; built-ins override :meth:`encodings`
    encoding: ClassVar[str | None] = None

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    @abstractmethod
    def fit(self, archs: ArchBatch, y: np.ndarray) -> Predictor:
        """Train on architectures and their target values."""

    @abstractmethod
    def predict(self, archs: ArchBatch) -> np.ndarray:
        """Predicted target values, one per architecture (float64)."""

    def encodings(self) -> tuple[str, ...]:
        """The :meth:`ArchBatch.encode` kinds this configuration reads (``"extra"``: side features);
        ValueError if its parameters name none that exists."""
        return (self.encoding,) if self.encoding else ()

    @classmethod
    def _get_param_names(cls) -> list[str]:
        """scikit-learn's parameter names, following ``**params`` up to the bases' ``__init__`` (so a
        plug-in subclass that only changes one default need not repeat the whole signature)."""
        return sorted(constructor_defaults(cls))


class FeaturePredictor(Predictor):
    """A predictor on the flat ``features`` matrix (:func:`predictors.features.feature_matrix`)."""

    features: str

    def encodings(self) -> tuple[str, ...]:
        return feature_encodings(self.features)


def constructor_defaults(cls: type) -> dict[str, Any]:
    """Named constructor parameters of ``cls`` and their defaults, following ``**params`` up the
    class hierarchy; a subclass's default wins."""
    found: dict[str, Any] = {}
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None or klass is object:
            continue
        params = inspect.signature(init).parameters.values()
        for p in params:
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                found.setdefault(p.name, p.default)
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return found
