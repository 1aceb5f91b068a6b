"""Which predictors ship, by name, and the contract the harness relies on.

The harness (evaluation, predictor-guided search) loads predictors by ``module:Class`` string, the
same way it loads a user's ``path/to/file.py:Class`` plug-in, so ``bench`` never imports the
``predictors`` package (which imports ``bench`` for its data layer); the modules load lazily, and
torch only when a neural predictor is used.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from bench.data import ArchBatch
from bench.plugins import load_class

#: registry name -> "module:Class"
PREDICTORS: dict[str, str] = {
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

#: the transfer track's own predictors (``fit(archs, y, sources=None)``); every name above works there too
TRANSFER_PREDICTORS: dict[str, str] = {
    name: f"predictors.transfer:{cls}" for name, cls in (
        ("additive", "AdditivePredictor"), ("additive_huber", "RobustAdditivePredictor"),
        ("source_smooth", "SmoothedSourcePredictor"), ("source_ridge", "SourceRidgePredictor"),
        ("additive_source", "AdditiveSourcePredictor"), ("best_source", "BestSourcePredictor"),
        ("flops", "FlopsPredictor"), ("xgb_transfer", "XGBTransferPredictor"),
        ("pretrained", "PretrainedSourcePredictor"), ("pretrained_graf", "PretrainedGrafPredictor"),
        ("pretrained_gnn", "PretrainedGNNPredictor"), ("pretrained_gnn_mix", "PretrainedGNNMixPredictor"),
        ("auto", "AutoTransferPredictor"), ("blend", "BlendPredictor"),
        ("source_smooth_pair", "PairSmoothedSourcePredictor"), ("blend_pair", "PairBlendPredictor"))
}


@runtime_checkable
class ArchPredictor(Protocol):
    """What the harness calls: ``fit(archs, y)`` returning the fitted predictor, ``predict(archs)``."""

    def fit(self, archs: ArchBatch, y: np.ndarray) -> Any: ...

    def predict(self, archs: ArchBatch) -> np.ndarray: ...


def load_predictor_class(spec: str) -> type:
    """A predictor class from a registry name, ``package.module:Class`` or ``path/to/file.py:Class``."""
    return load_class(spec, PREDICTORS, "predictor", ("fit", "predict"))


def load_transfer_predictor_class(spec: str) -> type:
    """A transfer-track predictor: a transfer name, any ordinary predictor name, or a plug-in path."""
    return load_class(spec, {**PREDICTORS, **TRANSFER_PREDICTORS}, "predictor", ("fit", "predict"))


def get_predictor(spec: str, **params: Any) -> Any:
    """Instantiate a predictor by name or path with the given hyperparameters."""
    return load_predictor_class(spec)(**params)


def encodings_of(model: object) -> tuple[str, ...]:
    """The batch encodings this predictor *instance* reads: its ``encodings()`` (built-in predictors
    derive them from their parameters), else a plug-in's class-level ``encoding`` string, else none.

    Raises ValueError when the instance's parameters name no valid encoding (e.g. a bad ``features``).
    """
    method = getattr(model, "encodings", None)
    if callable(method):
        return tuple(method())
    encoding = getattr(model, "encoding", None)
    return (encoding,) if isinstance(encoding, str) and encoding else ()
