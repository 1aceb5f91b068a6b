"""Evaluate predictors on frozen splits: one stored result row, with its predictions, per unit.

A *unit* is (benchmark, target, predictor configuration, training-set size, seed). The package
has one module per job:

* :mod:`~bench.evaluation.features` -- the "known before training" side-feature rule (shared with search)
* :mod:`~bench.evaluation.units` -- predictor configurations, config hashes, planning a grid of units
* :mod:`~bench.evaluation.run` -- running one unit (fit, predict, score) with its provenance
* :mod:`~bench.evaluation.store` -- the results directory (atomic writes, resume, audit)
* :mod:`~bench.evaluation.execute` -- a grid in-process or on a Dask cluster, each unit claimed once

>>> from bench.evaluation import PredictorConfig, evaluate, plan_units
>>> units = plan_units(["nasbench-graph/cora"], ["valid_acc"], [PredictorConfig.resolve("params")], [20], 3)
>>> report = evaluate(units, "results", jobs=2)

Names are imported on first use, like :mod:`bench.search`.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "SIDE_FEATURE_METRICS": "features", "known_before_training": "features", "paired_test_metric": "features",
    "side_feature_metrics": "features",
    "PredictorConfig": "units", "Unit": "units", "plan_units": "units",
    "RESULT_FORMAT": "run", "VERSIONED_PACKAGES": "run", "code_revision": "run", "run_unit": "run",
    "ResultStore": "store", "recompute_metrics": "store",
    "EvaluationReport": "execute", "evaluate": "execute",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"bench.evaluation.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bench.evaluation' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
