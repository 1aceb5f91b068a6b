"""Anytime plots (value and regret vs queries and vs simulated time, 95 % bands) and Pareto plots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from bench.atomic import atomic_path
from bench.search.analysis import Trajectories, mean_ci95, selected_front, time_grid
from bench.search.multi_objective import attainment_surfaces, pareto_mask
from bench.search.problem import SearchProblem


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=120, bbox_inches="tight")
    return path


def plot_anytime(problem: SearchProblem, groups: list[Trajectories], path: str | Path, axis: str = "queries",
                 budget: float | None = None) -> Path:
    """Two panels: report value of the incumbent and its regret, mean over seeds with 95 % CI bands."""
    from bench.plotstyle import legend_outside, plain_log_ticks, series_styles

    plt = _pyplot()
    fig, (ax_v, ax_r) = plt.subplots(1, 2, figsize=(13, 4.4), layout="constrained")
    styles = series_styles([g.name for g in groups])
    report, unit = problem.report[0], problem.units.get(problem.report[0], "")
    grid = time_grid(groups, budget, log=True) if axis == "time" else None
    positive = True
    for g in groups:
        if axis == "queries":
            x = np.arange(1, g.report.shape[1] + 1)
            val, reg = g.report, g.regret
        else:
            x = grid
            val, reg = g.at_times(grid, problem, "report"), g.at_times(grid, problem, "regret")
        for ax, y in ((ax_v, val), (ax_r, reg)):
            m, h = mean_ci95(y)
            style = styles[g.name]
            ax.plot(x, m, label=f"{g.name} (n={len(g.runs)})", lw=1.6, color=style["color"],
                    linestyle=style["linestyle"], marker=style["marker"], markersize=4, markevery=0.1)
            ax.fill_between(x, m - np.nan_to_num(h), m + np.nan_to_num(h), color=style["color"], alpha=0.15, lw=0)
            if ax is ax_r and np.isfinite(m).any():
                positive &= bool(np.nanmin(m) > 0)  # log scale when every mean regret is positive
    ax_v.axhline(problem.optimum, color="k", ls=":", lw=1, label="benchmark best")
    ax_v.axhline(problem.random_arch_mean, color="grey", ls="--", lw=1, label="mean random architecture")
    xlabel = ("queries (results told)" if axis == "queries"
              else f"simulated time ({problem.time_unit}, {problem.cost_label})")
    for ax in (ax_v, ax_r):
        ax.set_xlabel(xlabel)
        ax.set_xscale("log")
        plain_log_ticks(ax.xaxis)
        ax.grid(alpha=0.3, which="both")
    ax_v.set_ylabel(f"{report} of incumbent [{unit}]")
    ax_r.set_ylabel(f"regret to best {report} [{unit}]")
    if positive:
        ax_r.set_yscale("log")
        plain_log_ticks(ax_r.yaxis)
    legend_outside(fig)
    fig.suptitle(f"{problem.benchmark}: selection by {problem.objective[0]}, mean and 95% CI over seeds", fontsize=10)
    path = _save(fig, Path(path))
    plt.close(fig)
    return path


def plot_pareto(problem: SearchProblem, groups: list[Trajectories], path: str | Path) -> Path:
    """:func:`pareto_figure` as a PNG."""
    plt = _pyplot()
    fig = pareto_figure(problem, groups)
    path = _save(fig, Path(path))
    plt.close(fig)
    return path


def pareto_figure(problem: SearchProblem, groups: list[Trajectories]) -> Any:
    """The benchmark's true front and, per algorithm, the attainment surfaces of its fronts over all
    seeds (median as a line, 25–75 % as a band) on the report metrics."""
    from bench.plotstyle import legend_outside, plain_log_ticks, series_styles

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8.5, 4.8), layout="constrained")
    rep, signs = problem.reported, problem.report_signs
    minimize = -(rep * signs)
    true = np.flatnonzero(pareto_mask(minimize))
    true = true[np.argsort(rep[true, 1])]
    ax.step(rep[true, 1], rep[true, 0], where="post", color="k", lw=1.2, label="true front")
    styles = series_styles([g.name for g in groups])
    for g in groups:
        if not g.runs:
            continue
        fronts = [-(r.reported[selected_front(r, g.config.signs)] * signs) for r in g.runs]
        t, (low, mid, high) = attainment_surfaces(fronts, (0.25, 0.5, 0.75))
        x = -t * signs[1]
        as_y = lambda v: np.where(np.isfinite(v), -v * signs[0], np.nan)  # noqa: E731 - minimization -> report
        style = styles[g.name]
        ax.plot(x, as_y(mid), drawstyle="steps-post", color=style["color"], linestyle=style["linestyle"], lw=1.4,
                label=f"{g.name} (median of {len(g.runs)} runs, 25–75 % band)")
        ax.fill_between(x, as_y(low), as_y(high), step="post", color=style["color"], alpha=0.15, lw=0)
    ax.set_xlabel(f"{problem.report[1]} [{problem.units.get(problem.report[1], '')}]")
    ax.set_ylabel(f"{problem.report[0]} [{problem.units.get(problem.report[0], '')}]")
    ax.set_xscale("log")
    plain_log_ticks(ax.xaxis)
    ax.grid(alpha=0.3)
    legend_outside(fig)
    fig.suptitle(f"{problem.benchmark}: attainment surfaces of the fronts selected on {', '.join(problem.objective)}",
                 fontsize=10)
    return fig
