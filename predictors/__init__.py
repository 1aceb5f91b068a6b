"""Performance predictors, one module per family, found by registry name or by ``path.py:Class``."""

from __future__ import annotations

from typing import Any

from bench.plugins import load_class
from predictors.base import ArchBatch, Predictor

__all__ = ["ArchBatch", "Predictor", "REGISTRY", "get_predictor", "load_predictor_class"]

#: registry name -> "module:Class" (imported lazily so torch loads only when a GNN is used)
REGISTRY: dict[str, str] = {
    "random": "predictors.baselines:RandomPredictor",
    "params": "predictors.baselines:ParamsPredictor",
    "zero_cost": "predictors.baselines:ZeroCostPredictor",
    "xgb": "predictors.trees:XGBPredictor",
    "rf": "predictors.trees:RandomForestPredictor",
    "linear": "predictors.linear:LinearPredictor",
    "mlp": "predictors.mlp:MLPPredictor",
    "bananas": "predictors.bananas:BananasPredictor",
    "gp": "predictors.gp:GPPredictor",
    "gcn": "predictors.gnn:GCNPredictor",
    "gin": "predictors.gnn:GINPredictor",
    "gat": "predictors.gnn:GATPredictor",
    "ensemble": "predictors.ensemble:EnsemblePredictor",
    "stack": "predictors.ensemble:StackedEnsemblePredictor",
}


def load_predictor_class(spec: str) -> type[Predictor]:
    """A predictor class from a registry name, ``package.module:Class`` or ``path/to/file.py:Class``."""
    return load_class(spec, REGISTRY, "predictor", ("fit", "predict"))


def get_predictor(spec: str, **params: Any) -> Predictor:
    """Instantiate a predictor by name or path with the given hyperparameters."""
    return load_predictor_class(spec)(**params)
