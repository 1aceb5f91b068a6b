"""Predictor metrics against hand-computed cases and scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from bench import metrics as M


def test_kendall_tau_hand_computed_and_tau_b_with_ties():
    # 6 pairs, one discordant (the 2 and 3 swap): (5 - 1) / 6
    assert M.kendall_tau([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(4 / 6)
    # tau-b with a tie in y_pred: n0 = 6, n1 = 0, n2 = 1 tied pair, concordant 5, discordant 0
    assert M.kendall_tau([1, 2, 3, 4], [1, 2, 2, 4]) == pytest.approx(5 / math.sqrt(6 * 5))
    assert M.kendall_tau([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert math.isnan(M.kendall_tau([1, 2, 3], [5, 5, 5]))  # constant prediction: undefined, not 0


def test_correlations_match_scipy_on_random_data():
    rng = np.random.default_rng(0)
    y = rng.normal(size=300)
    p = y + rng.normal(scale=2.0, size=300)
    p[::7] = p[0]  # ties
    assert M.kendall_tau(y, p) == pytest.approx(stats.kendalltau(y, p).statistic, abs=1e-12)
    assert M.spearman(y, p) == pytest.approx(stats.spearmanr(y, p).statistic, abs=1e-12)
    assert M.pearson(y, p) == pytest.approx(stats.pearsonr(y, p).statistic, abs=1e-12)


def test_spearman_hand_computed():
    # ranks of y: 1..5; ranks of p: 2,1,4,3,5 -> sum d^2 = 4 -> 1 - 6*4/(5*24) = 0.8
    assert M.spearman([1, 2, 3, 4, 5], [20, 10, 40, 30, 50]) == pytest.approx(0.8)


def test_error_metrics_hand_computed():
    y = np.array([10.0, 20.0, 40.0])
    p = np.array([11.0, 15.0, 40.0])
    assert M.mae(y, p) == pytest.approx(2.0)
    assert M.rmse(y, p) == pytest.approx(math.sqrt(26 / 3))
    assert M.mape(y, p) == pytest.approx(100 * (0.1 + 0.25 + 0.0) / 3)
    assert M.within_fraction(y, p) == pytest.approx(2 / 3)  # 1 <= 1.0 counts as within, 5 > 2.0 does not
    assert M.within_fraction(y, p, tolerance=0.25) == pytest.approx(1.0)
    # a zero target is left out of MAPE, not turned into infinity
    assert M.mape([0.0, 10.0], [1.0, 12.0]) == pytest.approx(20.0)
    assert math.isnan(M.mape([0.0, 0.0], [1.0, 2.0]))


def test_precision_at_top_respects_direction():
    y = np.arange(100, dtype=float)  # true top-5 (higher is better): 95..99
    p = y.copy()
    p[[95, 96]] = -1.0  # two of the true top 5 predicted worst
    p[[0, 1]] = 1000.0  # two bad ones predicted best
    assert M.precision_at_top(y, p, 0.05, higher_is_better=True) == pytest.approx(3 / 5)
    assert M.precision_at_top(y, p, 0.01, higher_is_better=True) == pytest.approx(0.0)  # k=1: 99 vs {0 or 1}
    # lower is better: the true top 5 are 0..4; predicted lowest are 95, 96, 2, 3, 4
    assert M.precision_at_top(y, p, 0.05, higher_is_better=False) == pytest.approx(3 / 5)
    assert M.precision_at_top(y, y, 0.05) == 1.0
    assert M.precision_at_top([1.0, 2.0, 3.0], [3.0, 2.0, 1.0], 0.01) == 0.0  # k is at least 1


def test_precision_at_top_counts_label_ties_as_top():
    y = np.array([5.0, 9.0, 9.0, 1.0, 7.0, 9.0, 3.0, 2.0, 0.0, 4.0])  # three tie for the best value
    k1 = np.zeros(10)
    k1[5] = 1.0  # picks the third of the tied best: a hit, whatever order the tie is in
    assert M.precision_at_top(y, k1, 0.1) == 1.0
    p = -np.arange(10.0)  # predicted top 2 = indices 0, 1 -> only index 1 is a true top-2 (value 9)
    assert M.precision_at_top(y, p, 0.2) == pytest.approx(0.5)
    # lower is better: the true top 2 are index 8 (0.0) and index 3 (1.0)
    assert M.precision_at_top(y, y, 0.2, higher_is_better=False) == 1.0
    assert M.precision_at_top(y, -y, 0.2, higher_is_better=False) == 0.0


def test_regret_and_relative_improvement_hand_computed():
    y = np.array([0.5, 0.9, 0.8])
    p = np.array([0.1, 0.2, 0.3])  # predicted best: index 2 (true 0.8)
    assert M.regret(y, p) == pytest.approx(0.1)
    assert M.relative_improvement(y, p) == pytest.approx(100 * (0.8 - 2.2 / 3) / (2.2 / 3))
    # latency (lower is better): predicted best is the smallest prediction, index 1 (true 2)
    lat = np.array([1.0, 2.0, 6.0])
    pl = np.array([3.0, 1.0, 2.0])
    assert M.regret(lat, pl, higher_is_better=False) == pytest.approx(1.0)
    assert M.relative_improvement(lat, pl, higher_is_better=False) == pytest.approx(100 * (3 - 2) / 3)
    # a perfect predictor picks the true best: zero regret, RI = best vs mean
    assert M.regret(y, y) == 0.0
    assert M.relative_improvement(lat, lat, higher_is_better=False) == pytest.approx(100 * 2 / 3)


def test_score_predictions_returns_every_metric():
    rng = np.random.default_rng(1)
    y = rng.uniform(0.5, 0.9, 500)
    out = M.score_predictions(y, y + rng.normal(scale=0.01, size=500))
    assert list(out) == list(M.ALL_METRICS)
    assert out["kendall_tau"] > 0.8 and out["precision_top5"] > 0.3 and out["within_10pct"] > 0.9
    assert set(M.ranking_metrics(y, y)) == set(M.RANKING_METRICS)
    with pytest.raises(ValueError, match="500 values"):
        M.score_predictions(y, y[:-1])


def test_mean_ci95_is_the_t_interval():
    mean, half = M.mean_ci95([1.0, 2.0, 3.0])
    assert mean == 2.0
    assert half == pytest.approx(4.302652729911275 / math.sqrt(3))  # t(0.975, 2) * s / sqrt(n), s = 1
    lo, hi = stats.t.interval(0.95, 4, loc=np.mean([0.1, 0.3, 0.2, 0.5, 0.4]),
                              scale=stats.sem([0.1, 0.3, 0.2, 0.5, 0.4]))
    assert M.mean_ci95([0.1, 0.3, 0.2, 0.5, 0.4])[1] == pytest.approx((hi - lo) / 2)
    assert math.isnan(M.mean_ci95([0.7])[1]) and M.mean_ci95([0.7])[0] == 0.7
    assert M.mean_ci95([1.0, float("nan"), 3.0])[0] == 2.0


def test_paired_pvalues_match_scipy():
    a = np.array([0.41, 0.45, 0.39, 0.48, 0.44])
    b = np.array([0.02, -0.01, 0.03, 0.00, 0.01])
    assert M.paired_pvalue(a, b, "t") == pytest.approx(stats.ttest_rel(a, b).pvalue)
    assert M.paired_pvalue(a, b, "wilcoxon") == pytest.approx(0.0625)  # 5 positive differences, exact
    c = b + np.array([0.01, -0.02, 0.015, -0.005, 0.0])
    assert M.paired_pvalue(c, b, "t") == pytest.approx(stats.ttest_rel(c, b).pvalue)
    assert M.paired_pvalue(a, a) == 1.0
    assert math.isnan(M.paired_pvalue([0.3], [0.1]))
    assert M.paired_pvalue([0.4, np.nan, 0.5, 0.45], [0.0, 0.1, 0.02, 0.01]) == pytest.approx(
        stats.ttest_rel([0.4, 0.5, 0.45], [0.0, 0.02, 0.01]).pvalue)
    with pytest.raises(ValueError, match="unknown paired test"):
        M.paired_pvalue(a, b, "sign")


def test_selection_metrics_take_the_expectation_over_tied_predictions():
    y = np.array([0.9, 0.1, 0.5, 0.3])
    flat = np.zeros(4)  # every architecture tied: the pick is a uniformly random one
    assert M.relative_improvement(y, flat) == pytest.approx(0.0)
    assert M.regret(y, flat) == pytest.approx(0.9 - y.mean())
    # the two best predictions tie (ids 1 and 2): the expected pick is their mean true value
    p = np.array([0.0, 1.0, 1.0, 0.5])
    assert M.regret(y, p) == pytest.approx(0.9 - 0.3)
    assert M.relative_improvement(y, p) == pytest.approx(100 * (0.3 - y.mean()) / y.mean())
    # precision@k with a tie across the k-th place: k=2 over 4 ties -> 2 of 4 drawn, each a hit w.p. 1/2
    y8 = np.arange(8.0)
    p8 = np.array([0, 0, 0, 0, 1, 1, 1, 1], dtype=float)  # ids 4..7 tie for the top; true top-2 = 6, 7
    assert M.precision_at_top(y8, p8, 0.25) == pytest.approx(0.5)
    assert M.precision_at_top(y8, np.zeros(8), 0.25) == pytest.approx(M.precision_chance(y8, 0.25))
    # the chance level counts label ties: three labels tie for the best, k = 1 -> 3 of 10
    y10 = np.array([5.0, 9.0, 9.0, 1.0, 7.0, 9.0, 3.0, 2.0, 0.0, 4.0])
    assert M.precision_chance(y10, 0.1) == pytest.approx(0.3)
    assert M.precision_at_top(y10, np.zeros(10), 0.1) == pytest.approx(0.3)


def test_concordance_counts_match_brute_force_with_ties():
    rng = np.random.default_rng(3)
    for n in (1, 2, 9, 64, 257):
        x = rng.integers(0, 6, n).astype(float)
        y = rng.integers(0, 4, n).astype(float)
        brute = (np.sign(x[:, None] - x[None, :]) * np.sign(y[:, None] - y[None, :])).sum(axis=1)
        assert np.array_equal(M._concordance(x, y), brute)


def test_weighted_resamples_equal_the_metrics_of_the_expanded_test_set():
    rng = np.random.default_rng(4)
    n = 300
    y = np.round(rng.normal(size=n), 1)
    p = np.round(y + rng.normal(size=n), 1)  # ties in both
    weights = np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(4)]).astype(np.float32)
    for hib in (True, False):
        point = M.score_resamples(y, p, hib)
        exact = M.score_predictions(y, p, hib)
        for m in M.ALL_METRICS:  # a row of ones is the test set itself, tau-b equal to scipy's
            assert point[m][0] == pytest.approx(exact[m], rel=1e-9, abs=1e-12), m
        reps = M.score_resamples(y, p, hib, weights)
        for b in range(len(weights)):
            idx = np.repeat(np.arange(n), weights[b].astype(int))
            expanded = M.score_predictions(y[idx], p[idx], hib)
            for m in M.ALL_METRICS:
                tol = 0.01 if m == "kendall_tau" else 1e-5  # tau to first order in the weights
                assert reps[m][b] == pytest.approx(expanded[m], rel=1e-5, abs=tol), (m, b)  # float32 counts
