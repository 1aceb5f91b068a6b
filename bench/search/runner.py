"""Run a search experiment: algorithms x seeds on one benchmark, resumable, then curves and a summary.

>>> from bench.search import run_search
>>> exp = run_search("nasbench-graph/cora", ["rs", "rea"], budget=100, seeds=10)
>>> exp.summary[["algorithm", "final_test_mean", "final_test_ci95"]]
>>> exp.write_leaderboard("leaderboards/search")

Sequential runs (one worker, query or time budget) of algorithms that offer ``simulate_seeds``
(random search, REA) run all seeds at once, vectorized, in this process (faster than any
distribution); everything else goes through the event-queue simulator one (algorithm, seed) run at
a time, in this process or fanned out over a Dask cluster (``client``, ``jobs``, ``scheduler``; see
:mod:`bench.cluster`), each run claimed so concurrent experiments on one results directory split
the runs. Every path gives identical trajectories (tested).
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

from bench.claims import CLAIM_TIMEOUT
from bench.cluster import open_client, print_dashboard, run_claimed
from bench.errors import ArchBenchError, UsageError
from bench.search.analysis import Trajectories, summarize, trajectories
from bench.search.base import REGISTRY, SearchAlgorithm, load_algorithm_class, make_algorithm, split_spec
from bench.search.problem import SearchProblem
from bench.search.results import RunConfig, RunStore, SearchRun, make_config, run_from_log
from bench.search.simulator import check_budget, simulate, simulate_seed_batch

#: seeds simulated per batched call (bounds memory, and how much work an interruption loses)
SEED_CHUNK = 100


class SearchRunFailed(ArchBenchError, RuntimeError):
    """A search run raised (e.g. a plug-in algorithm); the other runs were stored."""


@dataclass(frozen=True)
class _RunItem:
    """One (algorithm, seed) run of the event-queue simulator: what a worker needs besides the problem."""

    spec: str
    params: dict[str, Any]
    config: RunConfig
    seed: int
    budget: float
    budget_unit: str
    workers: int

    def run(self, problem: SearchProblem) -> SearchRun:
        algo = make_algorithm(split_spec(self.spec)[0], seed=self.seed, **self.params)
        log = simulate(problem, algo, self.budget, self.budget_unit, self.workers)
        return run_from_log(problem, self.seed, log)


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
    client: Any = None, jobs: int = 1, scheduler: str | None = None, security: Any = None,
    claim_timeout: float = CLAIM_TIMEOUT,
) -> SearchExperiment:
    """Simulate each algorithm for each seed (skipping stored runs) and summarize.

    ``benchmark`` is a name or a loaded :class:`~bench.benchmark.Benchmark`; ``params`` maps an
    algorithm spec to its hyperparameters; ``on_run(spec, seed)`` is called after each stored run.
    ``checkpoints`` are smaller budgets that get their own summary rows (read off the same runs).
    Event-queue runs go to ``client`` (a ``distributed.Client``), the cluster at ``scheduler`` or a
    LocalCluster of ``jobs`` processes; by default they run here, one after another.
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

    items = []
    with tqdm(total=total, desc=f"search {problem.benchmark}", unit="run", disable=not progress or not total,
              file=sys.stderr, leave=False) as bar:
        for spec, cls, p, cfg in plans:
            todo = store.missing(cfg, seeds)
            if not (fast and workers == 1 and getattr(cls, "supports_seed_batch", False)):
                items += [_RunItem(spec, p, cfg, seed, float(budget), budget_unit, int(workers)) for seed in todo]
                continue
            bar.set_postfix_str(spec)
            for lo in range(0, len(todo), SEED_CHUNK):
                chunk = todo[lo : lo + SEED_CHUNK]
                logs = simulate_seed_batch(problem, cls, p, chunk, budget, budget_unit)
                for seed, log in zip(chunk, logs, strict=True):
                    store.save(cfg, run_from_log(problem, seed, log))
                    if on_run:
                        on_run(spec, seed)
                bar.update(len(chunk))
        if items:
            _run_items(items, problem, store, bar, on_run, client=client, jobs=jobs, scheduler=scheduler,
                       security=security, claim_timeout=claim_timeout, progress=progress)

    runs = [(cfg, store.load(cfg, seeds)) for *_, cfg in plans]
    groups = [trajectories(problem, cfg, r) for cfg, r in runs]
    parts = [summarize(problem, [trajectories(problem, cfg, r, c) for cfg, r in runs]) for c in checkpoints]
    summary = pd.concat([*parts, summarize(problem, groups)], ignore_index=True)
    return SearchExperiment(problem, groups, summary, float(budget), budget_unit, int(workers),
                            command=command, multi_objective_algorithms=mo_algorithms)


def _run_item(item: _RunItem, problem: SearchProblem) -> SearchRun:
    return item.run(problem)


def _run_items(items: list[_RunItem], problem: SearchProblem, store: RunStore, bar: Any,
               on_run: Callable[[str, int], None] | None, *, progress: bool, claim_timeout: float,
               **where: Any) -> None:
    """Event-queue runs, here or on a cluster (the problem sent once per worker), each claimed and stored here."""

    def save(item: _RunItem, run: SearchRun) -> None:
        store.save(item.config, run)
        if on_run:
            on_run(item.spec, item.seed)

    def claim_path(item: _RunItem) -> Path:
        return store.seed_path(item.config, item.seed).with_suffix(".claim")

    with open_client(**where) as cl:
        if progress:
            print_dashboard(cl)
        done = run_claimed(items, _run_item, claim_path=claim_path, is_done=lambda i: store.has(i.config, i.seed),
                           store=save, client=cl, claim_timeout=claim_timeout, bar=bar, shared=problem,
                           postfix=lambda i, _: i.spec)
    if done.failed:
        item, why = done.failed[0]
        raise SearchRunFailed(f"{len(done.failed)} search run(s) failed (first: {item.spec} seed {item.seed}: "
                              f"{why}); the others are stored, re-run to retry")
