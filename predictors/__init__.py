"""Performance predictors, one module per family, found by registry name or by ``path.py:Class``.

The registry and the data layer live in ``bench`` (:mod:`bench.predictor_registry`,
:mod:`bench.data`); they are re-exported here for code that imports them from ``predictors``.
"""

from __future__ import annotations

from bench.data import ArchBatch
from bench.predictor_registry import PREDICTORS as REGISTRY
from bench.predictor_registry import get_predictor, load_predictor_class
from predictors.base import Predictor

__all__ = ["ArchBatch", "Predictor", "REGISTRY", "get_predictor", "load_predictor_class"]
