"""Offline NAS search simulation on tabular benchmarks.

Algorithms implement one ask/tell interface (:class:`SearchAlgorithm`); the event-queue
:func:`simulate` replays them with N asynchronous workers in simulated wall-clock time;
:func:`run_search` runs algorithms x seeds resumably and returns anytime curves and a summary.

>>> from bench.search import run_search
>>> exp = run_search("nasbench-graph/cora", ["rs", "rea", "ls"], budget=200, seeds=10)
>>> print(exp.summary[["algorithm", "final_test_mean", "final_test_ci95", "final_regret_mean"]])

Names are imported on first use, so ``import bench.search.base`` (for writing an algorithm) or the
``archbench`` command line do not pay for pandas, scipy and matplotlib.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "Trajectories": "analysis", "front_hypervolume": "analysis", "incumbent_index": "analysis",
    "mean_ci95": "analysis", "selected_front": "analysis", "summarize": "analysis", "trajectories": "analysis",
    "true_hypervolume": "analysis",
    "REGISTRY": "base", "SearchAlgorithm": "base", "UniformStream": "base", "load_algorithm_class": "base",
    "make_algorithm": "base",
    "SearchDomain": "domain",
    "hypervolume": "multi_objective", "pareto_mask": "multi_objective",
    "SearchProblem": "problem",
    "RunConfig": "results", "RunStore": "results", "SearchRun": "results",
    "SearchExperiment": "runner", "run_search": "runner", "split_algorithms": "runner",
    "RunLog": "simulator", "simulate": "simulator", "simulate_seed_batch": "simulator",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f"bench.search.{_EXPORTS[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'bench.search' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
