"""Former home of predictor evaluation, kept so ``from bench.evaluate import ...`` goes on working.

The code lives in the :mod:`bench.evaluation` package (features, units, run, store, execute).
"""

from __future__ import annotations

from bench.evaluation.execute import EvaluationReport, evaluate
from bench.evaluation.features import SIDE_FEATURE_METRICS, paired_test_metric, side_feature_metrics
from bench.evaluation.run import RESULT_FORMAT, VERSIONED_PACKAGES, code_revision, run_unit
from bench.evaluation.store import ResultStore, recompute_metrics
from bench.evaluation.units import PredictorConfig, Unit, plan_units

__all__ = [
    "RESULT_FORMAT", "SIDE_FEATURE_METRICS", "VERSIONED_PACKAGES", "EvaluationReport", "PredictorConfig",
    "ResultStore", "Unit", "code_revision", "evaluate", "paired_test_metric", "plan_units", "recompute_metrics",
    "run_unit", "side_feature_metrics",
]
