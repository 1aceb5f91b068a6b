"""The search leaderboard of one benchmark: ``summary.csv``, a Markdown table and anytime plots.

Every file is written atomically. The Markdown states how selection and reporting were done and
whether the budget is in queries (benchmarks without a training-time label) or simulated seconds.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bench.atomic import atomic_write_text

if TYPE_CHECKING:
    from bench.search.runner import SearchExperiment


def _fmt(x: float, digits: int = 4) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "n/a"
    return f"{x:.{digits}f}"


def markdown_table(exp: SearchExperiment) -> str:
    """The summary as a Markdown document (title, protocol, table, figure links)."""
    p, s = exp.problem, exp.summary
    unit = p.units.get(p.report[0], "")
    budget = f"{exp.budget:g} {'queries' if exp.budget_unit == 'queries' else 'simulated seconds'}"
    lines = [
        f"# Search leaderboard: {p.benchmark}",
        "",
        f"- Selection by `{p.objective[0]}` (what algorithms are told); reported: `{p.report[0]}` ({unit}) of the "
        "architecture selected so far (ties keep the first one found).",
        f"- Budget: {budget} per run, {exp.workers} worker(s); {p.describe_budget()}. Smaller budgets are read off "
        "the same runs (algorithms never see the budget, so a run's first part is the shorter run).",
        f"- Benchmark best `{p.report[0]}` = {_fmt(p.optimum)}; mean random architecture = {_fmt(p.random_arch_mean)}.",
        "- Mean over seeds with 95 % Student-t confidence half-widths; RI = 100 (a - r) / r.",
    ]
    if exp.command:
        lines.append(f"- Command: `{exp.command}`")
    budget_col = "budget (queries)" if exp.budget_unit == "queries" else "budget (s)"
    cols = ["algorithm", budget_col, "n_seeds", f"final {p.report[0]}", "final regret", "regret AUC",
            "RI vs random arch (%)", "RI vs RS (%)", "reached optimum", "queries to optimum (median)"]
    if p.has_cost:
        cols += ["sim. time (s)"]
    cols += ["overhead (s/run)"]
    mo = "hypervolume_mean" in s.columns
    if mo:
        cols += ["hypervolume", "HV / true HV"]
    lines += ["", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in s.iterrows():
        cells = [
            f"`{r['algorithm']}`", f"{r['budget']:g}", str(int(r["n_seeds"])),
            f"{_fmt(r['final_test_mean'])} ± {_fmt(r['final_test_ci95'])}",
            f"{_fmt(r['final_regret_mean'])} ± {_fmt(r['final_regret_ci95'])}",
            _fmt(r["regret_auc_mean"]), f"{_fmt(r['ri_random_arch_mean'], 2)} ± {_fmt(r['ri_random_arch_ci95'], 2)}",
            _fmt(r["ri_random_search_mean"], 2), f"{100 * r['reached_optimum_frac']:.0f} %",
            _fmt(r["queries_to_optimum_median"], 0),
        ]
        if p.has_cost:
            cells.append(_fmt(r["sim_time_mean"], 0))
        cells.append(_fmt(r["overhead_s_mean"], 4))
        if mo:
            cells += [f"{_fmt(r['hypervolume_mean'])} ± {_fmt(r['hypervolume_ci95'])}",
                      _fmt(r["hypervolume_ratio_mean"])]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "![anytime vs queries](anytime_queries.png)"]
    if p.has_cost:
        lines.append("![anytime vs simulated time](anytime_time.png)")
    if exp.multi_objective_algorithms:
        lines.append("![Pareto fronts](pareto.png)")
    return "\n".join(lines) + "\n"


def write_search_leaderboard(exp: SearchExperiment, out_root: Path, plots: bool = True) -> list[Path]:
    """Write the leaderboard files of ``exp`` under ``out_root/<benchmark>/``; returns their paths."""
    folder = out_root / exp.problem.benchmark
    written = [atomic_write_text(folder / "summary.csv", _csv(exp.summary)),
               atomic_write_text(folder / "summary.md", markdown_table(exp))]
    if plots:
        from bench.search.plots import plot_anytime, plot_pareto

        written.append(plot_anytime(exp.problem, exp.groups, folder / "anytime_queries.png", "queries"))
        if exp.problem.has_cost:
            budget = exp.budget if exp.budget_unit == "seconds" else None
            written.append(plot_anytime(exp.problem, exp.groups, folder / "anytime_time.png", "time", budget))
        if exp.multi_objective_algorithms:
            written.append(plot_pareto(exp.problem, exp.groups, folder / "pareto.png"))
    return written


def _csv(frame: pd.DataFrame) -> str:
    return frame.to_csv(index=False, float_format="%.6g")
