"""Offline NAS search simulation on tabular benchmarks.

Algorithms implement one ask/tell interface (:class:`SearchAlgorithm`); the event-queue
:func:`simulate` replays them with N asynchronous workers in simulated wall-clock time;
:func:`run_search` runs algorithms x seeds resumably and returns anytime curves and a summary.

>>> import bench
>>> from bench.search import run_search
>>> exp = run_search("nasbench-graph/cora", ["rs", "rea", "ls"], budget=200, seeds=10)
>>> print(exp.summary[["algorithm", "final_test_mean", "final_test_ci95", "final_regret_mean"]])
"""

from bench.search.analysis import (
    Trajectories,
    front_hypervolume,
    incumbent_index,
    mean_ci95,
    selected_front,
    summarize,
    trajectories,
    true_hypervolume,
)
from bench.search.base import REGISTRY, SearchAlgorithm, UniformStream, load_algorithm_class, make_algorithm
from bench.search.domain import SearchDomain
from bench.search.multi_objective import hypervolume, pareto_mask
from bench.search.problem import SearchProblem
from bench.search.results import RunConfig, RunStore, SearchRun
from bench.search.runner import SearchExperiment, run_search, split_algorithms
from bench.search.simulator import RunLog, simulate, simulate_seed_batch

__all__ = [
    "REGISTRY",
    "RunConfig",
    "RunLog",
    "RunStore",
    "SearchAlgorithm",
    "SearchDomain",
    "SearchExperiment",
    "SearchProblem",
    "SearchRun",
    "Trajectories",
    "UniformStream",
    "front_hypervolume",
    "hypervolume",
    "incumbent_index",
    "load_algorithm_class",
    "make_algorithm",
    "mean_ci95",
    "pareto_mask",
    "run_search",
    "selected_front",
    "simulate",
    "simulate_seed_batch",
    "split_algorithms",
    "summarize",
    "trajectories",
    "true_hypervolume",
]
