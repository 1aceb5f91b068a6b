"""Figures: distinguishable series, legends off the data, labels apart, P@5 % in the unit its axis names,
Pareto fronts summarized over all seeds."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from bench.leaderboard import _labels, board_figure
from bench.plotstyle import series_styles
from bench.search.multi_objective import attainment_surfaces

matplotlib.use("Agg")
BOARD = Path(__file__).resolve().parents[1] / "leaderboards" / "nasbench-graph" / "cora" / "valid_acc.csv"


def test_attainment_surfaces_by_hand() -> None:
    a = np.array([[1.0, 3.0], [2.0, 1.0]])  # (first objective, second objective), minimized
    b = np.array([[0.0, 4.0]])
    t, (median, worst) = attainment_surfaces([a, b], (0.5, 1.0))
    np.testing.assert_array_equal(t, [1.0, 3.0, 4.0])
    np.testing.assert_array_equal(median, [2.0, 1.0, 0.0])  # what one of the two runs attains
    np.testing.assert_array_equal(worst, [np.inf, np.inf, 1.0])  # what both attain


def test_fourteen_series_get_distinct_styles() -> None:
    names = [f"p{i}" for i in range(14)]
    styles = series_styles(["random", *names], baseline="random")
    keys = {(s["color"], s["marker"]) for s in styles.values()}
    assert len(keys) == 15 and styles["random"]["linestyle"] == "--"
    assert len({s["marker"] for n, s in styles.items() if n != "random"}) == 14


def _overlap(a, b) -> bool:  # type: ignore[no-untyped-def]
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_board_figure_keeps_legend_and_labels_clear_and_plots_percent() -> None:
    board = pd.read_csv(BOARD)
    assert _labels(board).nunique() >= 12  # a board with 12+ predictors
    fig = board_figure(board)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (legend,) = fig.legends
    box = legend.get_window_extent(renderer)
    assert len(legend.get_texts()) >= 12 and not _overlap(box, fig._suptitle.get_window_extent(renderer))
    for ax in fig.axes:
        assert not _overlap(box, ax.get_window_extent(renderer))  # the legend covers no data area
        ticks = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]
        assert all(not _overlap(p, q) for i, p in enumerate(ticks) for q in ticks[i + 1:])
    right = fig.axes[1]
    assert "%" in right.get_ylabel() and "(%)" in right.get_ylabel()
    xgb = board[(board["predictor"] == "xgb")].sort_values("train_size")["precision_top5_mean"].to_numpy()
    line = next(ln for ln in right.get_lines() if ln.get_label() == "xgb")
    np.testing.assert_allclose(line.get_ydata(), 100 * xgb)  # drawn in % as the axis says


def test_pareto_figure_summarizes_every_seed(data_dir, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import bench
    from bench.search.analysis import selected_front
    from bench.search.plots import pareto_figure
    from bench.search.problem import SearchProblem
    from bench.search.runner import run_search

    problem = SearchProblem.from_benchmark(bench.load("nasbench-graph/cora"))
    exp = run_search("nasbench-graph/cora", ["rs", "mo"], budget=40, seeds=3, results_dir=tmp_path, progress=False,
                     problem=problem)
    fig = pareto_figure(problem, exp.groups)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    (ax,) = fig.axes
    (legend,) = fig.legends
    assert not _overlap(legend.get_window_extent(renderer), ax.get_window_extent(renderer))
    mo = exp.groups[1]
    signs = problem.report_signs
    fronts = [-(r.reported[selected_front(r, mo.config.signs)] * signs) for r in mo.runs]
    t, (median,) = attainment_surfaces(fronts, (0.5,))
    line = next(ln for ln in ax.get_lines() if ln.get_label().startswith("mo (median of 3 runs"))
    np.testing.assert_allclose(line.get_xdata(), -t * signs[1])
    expected = np.where(np.isfinite(median), -median * signs[0], np.nan)
    np.testing.assert_allclose(line.get_ydata(), expected)
    later = set(fronts[1][:, 1]) | set(fronts[2][:, 1])  # points only later seeds found are on the plot
    assert later - set(fronts[0][:, 1]) and later <= set(t)
