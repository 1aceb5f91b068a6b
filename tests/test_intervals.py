"""Bootstrap intervals and paired tests for board cells (bench.intervals)."""

from __future__ import annotations

import numpy as np
import pytest

from bench import intervals as I
from bench.metrics import Resamples


def test_resample_weights_are_seeded_counts_of_draws_with_replacement():
    w = I.resample_weights(50, 200, key="board")
    assert w.shape == (200, 50) and w.dtype == np.float32
    assert np.all(w.sum(axis=1) == 50) and np.all(w >= 0)
    assert np.array_equal(w, I.resample_weights(50, 200, key="board"))
    assert not np.array_equal(w, I.resample_weights(50, 200, key="other"))
    # each architecture appears 1 time per resample on average, as many times as draws give it
    assert w.mean() == pytest.approx(1.0) and 0.3 < (w == 0).mean() < 0.45  # (1 - 1/n)^n ≈ 0.36


def test_holm_matches_hand_computed_adjustment():
    p = [0.01, 0.04, 0.03, np.nan, 0.005]
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> monotone: 0.06
    assert I.holm(p) == pytest.approx([0.03, 0.06, 0.06, np.nan, 0.02], nan_ok=True)


def test_interval_adds_test_set_sampling_to_the_seed_spread():
    rng = np.random.default_rng(0)
    n, seeds = 400, 5
    y = rng.normal(size=n)
    weights = I.resample_weights(n, 1000, key="t")
    exact, boot = Resamples(y), Resamples(y, weights=weights)
    preds = [y + rng.normal(scale=1.0, size=n) for _ in range(seeds)]
    point = np.array([exact.score(p, ["kendall_tau"])["kendall_tau"][0] for p in preds])
    reps = np.stack([boot.score(p, ["kendall_tau"])["kendall_tau"] for p in preds])
    iv = I.interval(point, reps, key="t")
    seed_only = I.interval(point, np.repeat(point[:, None], 1000, axis=1), key="t")
    assert iv.lo < point.mean() < iv.hi
    assert iv.half_width > seed_only.half_width  # the shared test set is a second source of error
    assert I.paired_pvalue(point, reps, point, reps) == 1.0
    worse = [p + rng.normal(scale=3.0, size=n) for p in preds]
    wpoint = np.array([exact.score(p, ["kendall_tau"])["kendall_tau"][0] for p in worse])
    wreps = np.stack([boot.score(p, ["kendall_tau"])["kendall_tau"] for p in worse])
    assert I.paired_pvalue(point, reps, wpoint, wreps) < 0.01


def test_interval_of_a_skewed_metric_is_skewed():
    rng = np.random.default_rng(1)
    point = np.array([0.1, 0.2, 0.15, 0.12, 0.18])
    reps = np.exp(rng.normal(size=(5, 2000))) * 0.1 + point[:, None] - 0.1 * np.exp(0.5)
    iv = I.interval(point, reps, key="s")
    assert iv.hi - iv.mean > iv.mean - iv.lo
