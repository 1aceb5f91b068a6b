"""Run a search experiment: algorithms x seeds on one benchmark, resumable, then curves and a summary.

>>> from bench.search import run_search
>>> exp = run_search("nasbench-graph/cora", ["rs", "rea"], budget=100, seeds=10)
>>> exp.summary[["algorithm", "final_test_mean", "final_test_ci95"]]
>>> exp.write_leaderboard("leaderboards/search")

Sequential runs (one worker, query or time budget) of algorithms that offer ``simulate_seeds``
(random search, REA) run all seeds at once, vectorized; everything else goes through the
event-queue simulator one seed at a time. Both give identical trajectories (tested).
"""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.errors import UsageError
from bench.search.analysis import Trajectories, summarize, trajectories
from bench.search.base import REGISTRY, SearchAlgorithm, load_algorithm_class, make_algorithm, split_spec
from bench.search.problem import SearchProblem
from bench.search.results import RunConfig, RunStore, make_config, run_from_log
from bench.search.simulator import check_budget, simulate, simulate_seed_batch

#: seeds simulated per batched call (bounds memory, and how much work an interruption loses)
SEED_CHUNK = 100


@dataclass
class SearchExperiment:
    """Results of one ``run_search`` call: the problem, per-algorithm trajectories and the summary."""

    problem: SearchProblem
    groups: list[Trajectories]
    summary: pd.DataFrame
    budget: float
    budget_unit: str
    workers: int
    command: str = ""
    multi_objective_algorithms: list[str] = field(default_factory=list)

    def write_leaderboard(self, out_root: str | Path, plots: bool = True) -> list[Path]:
        """``<out_root>/<benchmark>/summary.csv``, ``summary.md`` and the anytime (and Pareto) PNGs."""
        from bench.search.leaderboard import write_search_leaderboard

        return write_search_leaderboard(self, Path(out_root), plots=plots)


def split_algorithms(text: str) -> list[str]:
    """``"rs,rea,pg:xgb,my/algo.py:Mine"`` -> the four specs (commas separate, nothing else does)."""
    specs = [s.strip() for s in text.split(",") if s.strip()]
    if not specs:
        raise UsageError("no search algorithm given (e.g. --algorithms rs,rea,ls,bananas)")
    if len(set(specs)) != len(specs):
        raise UsageError(f"an algorithm is listed twice in {text!r}")
    return specs


def algorithm_source(spec: str) -> str:
    """Where an algorithm's code lives, with the file checksum for plug-ins (edits invalidate old runs)."""
    name, _ = split_spec(spec)
    target = REGISTRY.get(name, name)
    path_part = target.rpartition(":")[0]
    if path_part.endswith(".py") and Path(path_part).is_file():
        digest = hashlib.sha256(Path(path_part).read_bytes()).hexdigest()[:16]
        return f"{Path(path_part).resolve()}:{target.rpartition(':')[2]}@{digest}"
    return target


def run_search(
    benchmark: Any, algorithms: Sequence[str], budget: float, budget_unit: str = "queries",
    seeds: int | Sequence[int] = 10, workers: int = 1, objective: str | None = None, report: str | None = None,
    cost: str | None = "auto", mo_metric: str | None = None, params: dict[str, dict[str, Any]] | None = None,
    results_dir: str | Path = "results/search", fast: bool = True, progress: bool = True,
    data_dir: str | None = None, problem: SearchProblem | None = None, command: str = "",
    on_run: Callable[[str, int], None] | None = None, checkpoints: Sequence[float] = (),
) -> SearchExperiment:
    """Simulate each algorithm for each seed (skipping stored runs) and summarize.

    ``benchmark`` is a name or a loaded :class:`~bench.benchmark.Benchmark`; ``params`` maps an
    algorithm spec to its hyperparameters; ``on_run(spec, seed)`` is called after each stored run.
    ``checkpoints`` are smaller budgets that get their own summary rows (read off the same runs).
    """
    if problem is None:
        import bench

        bm = bench.load(benchmark, data_dir) if isinstance(benchmark, str) else benchmark
        problem = SearchProblem.from_benchmark(bm, objective=objective, report=report, cost=cost, mo_metric=mo_metric)
    seeds = list(range(int(seeds))) if isinstance(seeds, (int, np.integer)) else [int(s) for s in seeds]
    if not seeds:
        raise UsageError("need at least one seed")
    check_budget(problem, budget, budget_unit, workers)
    checkpoints = sorted({float(c) for c in checkpoints})
    if any(not 0 < c < budget for c in checkpoints):
        raise UsageError(f"checkpoints must lie between 0 and the budget {budget:g}, got {checkpoints}")
    if budget_unit == "queries" and any(c != int(c) for c in checkpoints):
        raise UsageError(f"query checkpoints must be whole numbers, got {checkpoints}")
    params = dict(params or {})
    unknown = set(params) - set(algorithms)
    if unknown:
        raise UsageError(f"parameters given for {sorted(unknown)}, which are not among the algorithms "
                         f"{list(algorithms)}")
    store = RunStore(results_dir)

    plans: list[tuple[str, type[SearchAlgorithm], dict[str, Any], RunConfig]] = []
    mo_algorithms = []
    for spec in algorithms:
        name, arg = split_spec(spec)
        cls = load_algorithm_class(name)
        p = ({"predictor": arg} if arg is not None else {}) | dict(params.get(spec, {}))
        probe = make_algorithm(name, seed=0, **p)  # refuses bad hyperparameters before any work
        if getattr(cls, "multi_objective", False):
            if not problem.multi_objective:
                raise UsageError(f"{spec} is multi-objective but {problem.benchmark} has no second objective "
                                 "(latency, params or flops); pass --mo-metric")
            mo_algorithms.append(spec)
        full = probe.get_params() if isinstance(probe, SearchAlgorithm) else p
        label = spec if not params.get(spec) else f"{spec}({','.join(f'{k}={v}' for k, v in params[spec].items())})"
        cfg = make_config(problem, spec, algorithm_source(spec), full, budget, budget_unit, workers, label=label)
        plans.append((spec, cls, p, cfg))

    _ = problem.domain.neighbour_table  # built once, before any timed optimizer call
    total = sum(len(store.missing(cfg, seeds)) for *_, cfg in plans)
    from tqdm import tqdm

    with tqdm(total=total, desc=f"search {problem.benchmark}", unit="run", disable=not progress or not total,
              file=sys.stderr, leave=False) as bar:
        for spec, cls, p, cfg in plans:
            todo = store.missing(cfg, seeds)
            bar.set_postfix_str(spec)
            batched = fast and workers == 1 and getattr(cls, "supports_seed_batch", False)
            if batched:
                for lo in range(0, len(todo), SEED_CHUNK):
                    chunk = todo[lo : lo + SEED_CHUNK]
                    logs = simulate_seed_batch(problem, cls, p, chunk, budget, budget_unit)
                    for seed, log in zip(chunk, logs, strict=True):
                        store.save(cfg, run_from_log(problem, seed, log))
                        if on_run:
                            on_run(spec, seed)
                    bar.update(len(chunk))
            else:
                for seed in todo:
                    algo = make_algorithm(split_spec(spec)[0], seed=seed, **p)
                    log = simulate(problem, algo, budget, budget_unit, workers)
                    store.save(cfg, run_from_log(problem, seed, log))
                    if on_run:
                        on_run(spec, seed)
                    bar.update(1)

    runs = [(cfg, store.load(cfg, seeds)) for *_, cfg in plans]
    groups = [trajectories(problem, cfg, r) for cfg, r in runs]
    parts = [summarize(problem, [trajectories(problem, cfg, r, c) for cfg, r in runs]) for c in checkpoints]
    summary = pd.concat([*parts, summarize(problem, groups)], ignore_index=True)
    return SearchExperiment(problem, groups, summary, float(budget), budget_unit, int(workers),
                            command=command, multi_objective_algorithms=mo_algorithms)
