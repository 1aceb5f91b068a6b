"""Anytime curves and the summary table of a search experiment.

The incumbent after each told result is the architecture with the best *selection* value so far
(ties keep the first one told); curves report its *report* value (the test metric) and its regret
to the benchmark's best report value. Curves over queries are indexed by results told; curves over
simulated time are step functions sampled on a grid (before a run's first result its incumbent
counts as a random architecture). Bands are 95 % confidence intervals of the mean over seeds
(Student t).

Summary columns (one row per algorithm config):

* ``final_test_mean``/``_ci95``: report value of the final incumbent; ``final_regret_*``: its regret;
* ``regret_auc_*``: mean regret over the budget axis (queries 1..Q, or the time grid over [0, T]),
  i.e. the area under the regret curve divided by the budget, in the metric's units;
* ``reached_optimum_frac`` and ``queries_to_optimum_median``/``time_to_optimum_median``: the share of
  seeds whose incumbent became the benchmark's best *selection* architecture (what an exhaustive
  search would pick) and the median budget it took (NaN when fewer than half got there);
* ``ri_random_arch_mean``: relative improvement ``100 (a - r) / r`` over the mean random architecture
  (Yang et al., ICLR 2020); ``ri_random_search_mean``: the same over random search's final mean at
  the same budget and workers;
* multi-objective benchmarks: ``hypervolume_*`` of each run's Pareto front (selected on the
  objectives, measured on the report metrics, both normalized to [0, 1] by the benchmark's range,
  reference point at the worst corner) and its ratio to the benchmark's true front.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from bench.metrics import mean_ci95
from bench.search.multi_objective import hypervolume, pareto_mask
from bench.search.problem import SearchProblem
from bench.search.results import RunConfig, SearchRun

TIME_GRID_POINTS = 200


def incumbent_index(values: np.ndarray) -> np.ndarray:
    """Index of the incumbent after each result (higher is better; ties keep the first)."""
    v = np.asarray(values, dtype=np.float64)
    if not len(v):
        return np.zeros(0, dtype=np.int64)
    best = np.maximum.accumulate(v)
    improved = np.concatenate([[True], v[1:] > best[:-1]])
    return np.maximum.accumulate(np.where(improved, np.arange(len(v)), 0))


@dataclass
class Trajectories:
    """Incumbent curves of one algorithm config, one row per seed (NaN past a run's end)."""

    config: RunConfig
    seeds: np.ndarray
    report: np.ndarray  # (n_seeds, Q) report value of the incumbent after each told result
    regret: np.ndarray
    objective_best: np.ndarray  # (n_seeds, Q) oriented selection value of the incumbent
    finish: np.ndarray  # (n_seeds, Q) simulated finish time of each told result
    runs: list[SearchRun]
    #: the budget these curves cover (the run budget, or a smaller checkpoint of it)
    budget: float = 0.0

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def n_told(self) -> np.ndarray:
        return (~np.isnan(self.report)).sum(axis=1)

    def at_times(self, grid: np.ndarray, problem: SearchProblem, what: str = "report") -> np.ndarray:
        """(n_seeds, len(grid)) step-function values; before a run's first result: a random architecture."""
        curve = self.report if what == "report" else self.regret
        before = problem.random_arch_mean if what == "report" else _regret(problem, problem.random_arch_mean)
        out = np.empty((len(curve), len(grid)))
        for i in range(len(curve)):
            n = int((~np.isnan(curve[i])).sum())
            idx = np.searchsorted(self.finish[i, :n], grid, side="right") - 1
            out[i] = np.where(idx >= 0, curve[i, np.maximum(idx, 0)] if n else before, before)
        return out


def _regret(problem: SearchProblem, value: np.ndarray | float) -> np.ndarray:
    return (problem.optimum - np.asarray(value)) * problem.report_signs[0]


def trajectories(problem: SearchProblem, config: RunConfig, runs: list[SearchRun], budget: float | None = None
                 ) -> Trajectories:
    """Incumbent curves of the runs of one config, optionally cut at a smaller ``budget`` (a checkpoint).

    Algorithms are never told the budget, so the first part of a longer run is exactly the run a
    smaller budget would have produced: checkpoints are summaries of smaller budgets.
    """
    if budget is not None and budget < config.budget:
        runs = [_truncate(r, budget, config.budget_unit) for r in runs]
    q = max((len(r) for r in runs), default=0)
    shape = (len(runs), q)
    report, best, finish = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    sign = float(config.signs[0])
    for i, r in enumerate(runs):
        oriented = r.objective[:, 0] * sign
        inc = incumbent_index(oriented)
        n = len(r)
        report[i, :n] = r.reported[inc, 0]
        best[i, :n] = oriented[inc]
        finish[i, :n] = r.finish
    return Trajectories(config, np.array([r.seed for r in runs]), report, _regret(problem, report), best, finish, runs,
                        budget=float(config.budget if budget is None else min(budget, config.budget)))


def _truncate(run: SearchRun, budget: float, unit: str) -> SearchRun:
    n = int(budget) if unit == "queries" else int(np.searchsorted(run.finish, budget, side="right"))
    return SearchRun(run.seed, run.arch_id[:n], run.objective[:n], run.reported[:n], run.start[:n], run.finish[:n],
                     run.worker[:n], np.nan)  # the optimizer overhead is only known for whole runs


def time_grid(groups: list[Trajectories], budget: float | None = None, log: bool = False) -> np.ndarray:
    """A common simulated-time grid up to the budget (or the last finish time seen).

    Linear over ``(0, end]`` (for areas under curves), or geometric from the earliest first result
    (for log-scale plots).
    """
    finite = [g.finish for g in groups if np.isfinite(g.finish).any()]
    end = float(budget) if budget else max((float(np.nanmax(f)) for f in finite), default=1.0)
    if log:
        start = min((float(np.nanmin(f[:, 0])) for f in finite), default=end / 1000)
        start = min(max(start, end * 1e-6), end)
        return np.geomspace(start, end, TIME_GRID_POINTS)
    return np.linspace(0.0, end, TIME_GRID_POINTS + 1)[1:]


def selected_front(run: SearchRun, signs: np.ndarray | tuple[float, ...]) -> np.ndarray:
    """Indices into ``run`` of the Pareto front a search returns: non-dominated on the *objectives*."""
    return np.flatnonzero(pareto_mask(-(run.objective * np.asarray(signs, dtype=np.float64))))


def front_hypervolume(problem: SearchProblem, run: SearchRun, signs: np.ndarray | tuple[float, ...]) -> float:
    """Normalized hypervolume, on the report metrics, of the front selected on the objectives."""
    front = run.reported[selected_front(run, signs)]
    return hypervolume(_normalized(problem, front), np.ones(run.reported.shape[1]))


def true_hypervolume(problem: SearchProblem) -> float:
    """Hypervolume of the benchmark's true front on the report metrics (the best any search can reach)."""
    return hypervolume(_normalized(problem, problem.reported), np.ones(problem.reported.shape[1]))


def _normalized(problem: SearchProblem, reported: np.ndarray) -> np.ndarray:
    """Report values mapped to [0, 1] minimization by the benchmark's range (0 = best, 1 = worst)."""
    lo, hi = problem.report_bounds
    span = np.where(hi > lo, hi - lo, 1.0)
    return np.where(problem.report_signs > 0, (hi - reported) / span, (reported - lo) / span)


def summarize(problem: SearchProblem, groups: list[Trajectories]) -> pd.DataFrame:
    """One summary row per algorithm config (see the module docstring for the columns)."""
    rows = []
    true_hv = true_hypervolume(problem) if problem.multi_objective else np.nan
    for g in groups:
        cfg = g.config
        n_told = g.n_told
        last = np.maximum(n_told - 1, 0)
        seeds = np.arange(len(g.runs))
        final_report = g.report[seeds, last]
        final_regret = g.regret[seeds, last]
        final_obj = g.objective_best[seeds, last] * cfg.signs[0]
        if cfg.budget_unit == "queries":
            auc = np.nanmean(g.regret, axis=1)
        else:
            auc = g.at_times(time_grid([g], g.budget), problem, "regret").mean(axis=1)
        opt = problem.objective_optimum
        reached = g.objective_best >= opt
        first = np.where(reached.any(axis=1), reached.argmax(axis=1), -1)
        q_to_opt = np.where(first >= 0, first + 1.0, np.inf)
        t_to_opt = np.where(first >= 0, g.finish[seeds, np.maximum(first, 0)], np.inf)
        ri = 100.0 * (final_report - problem.random_arch_mean) / problem.random_arch_mean * problem.report_signs[0]
        m_rep, h_rep = mean_ci95(final_report)
        m_reg, h_reg = mean_ci95(final_regret)
        m_auc, h_auc = mean_ci95(auc)
        m_ri, h_ri = mean_ci95(ri)
        row = {
            "benchmark": cfg.benchmark, "algorithm": cfg.name, "config_hash": cfg.key, "budget": g.budget,
            "budget_unit": cfg.budget_unit, "workers": cfg.workers, "n_seeds": len(g.runs),
            "objective": cfg.objective[0], "report": cfg.report[0], "cost": cfg.cost,
            "final_test_mean": m_rep, "final_test_ci95": h_rep, "final_valid_mean": float(np.mean(final_obj)),
            "final_regret_mean": m_reg, "final_regret_ci95": h_reg,
            "regret_auc_mean": m_auc, "regret_auc_ci95": h_auc,
            "reached_optimum_frac": float(np.mean(first >= 0)),
            "queries_to_optimum_median": _median_or_nan(q_to_opt),
            "time_to_optimum_median": _median_or_nan(t_to_opt) if cfg.cost != "none" else np.nan,
            "ri_random_arch_mean": m_ri, "ri_random_arch_ci95": h_ri, "ri_random_search_mean": np.nan,
            "queries_mean": float(n_told.mean()),
            "sim_time_mean": float(np.mean([r.finish[-1] if len(r) else 0.0 for r in g.runs]))
            if cfg.cost != "none" else np.nan,
            "overhead_s_mean": float(np.mean([r.overhead_s for r in g.runs])),
        }
        if problem.multi_objective:
            hv = np.array([front_hypervolume(problem, r, cfg.signs) for r in g.runs])
            m_hv, h_hv = mean_ci95(hv)
            row.update({"hypervolume_mean": m_hv, "hypervolume_ci95": h_hv, "true_hypervolume": true_hv,
                        "hypervolume_ratio_mean": m_hv / true_hv if true_hv > 0 else np.nan})
        rows.append(row)
    frame = pd.DataFrame(rows)
    if len(frame):
        rs = frame[frame["algorithm"] == "rs"].set_index(["budget", "budget_unit", "workers"])["final_test_mean"]
        for i, r in frame.iterrows():
            key = (r["budget"], r["budget_unit"], r["workers"])
            if key in rs.index:
                base = float(rs.loc[key] if np.ndim(rs.loc[key]) == 0 else rs.loc[key].iloc[0])
                frame.loc[i, "ri_random_search_mean"] = 100.0 * (r["final_test_mean"] - base) / base \
                    * problem.report_signs[0]
    return frame


def _median_or_nan(x: np.ndarray) -> float:
    med = float(np.median(x)) if len(x) else np.nan
    return med if np.isfinite(med) else np.nan
