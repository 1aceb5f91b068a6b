"""Intervals and paired tests for leaderboard cells that include test-set sampling.

A board cell is one predictor configuration at one training size over S seeds, all scored on one
fixed test set. The spread over seeds alone misses the luck of that test set (it is shared by every
seed, so it cancels in their spread): on nasbench-graph/cora it is about as large as the seed spread.
So a cell's interval comes from a paired bootstrap over test architectures: the same B resamples of
the test set (:func:`resample_weights`) score every seed of every predictor on the board; each
replicate adds the resample's mean deviation over seeds and, through a t-distributed draw, whatever
spread the seeds show beyond what resampling the test set explains (five seeds are too few to
resample themselves). The interval is the percentile
interval of those replicates, so a skewed metric (RI, regret) gets a skewed interval. Paired tests
use the same replicates of a difference (paired seeds, paired test resamples), with Holm's
correction across the comparisons of one board size.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: bootstrap resamples per board
N_BOOT = 1000
#: two-sided coverage of every interval
LEVEL = 0.95


def _rng(key: str) -> np.random.Generator:
    return np.random.default_rng(int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big"))


def resample_weights(n: int, n_boot: int = N_BOOT, key: str = "") -> np.ndarray:
    """(n_boot, n) float32: how often each of ``n`` test architectures occurs in each resample
    (draws with replacement), seeded by ``key`` so a board is rebuilt bit for bit."""
    draws = _rng(f"archbench-bootstrap|{key}").integers(0, n, size=(n_boot, n))
    offsets = (np.arange(n_boot) * n)[:, None]
    return np.bincount((draws + offsets).ravel(), minlength=n_boot * n).reshape(n_boot, n).astype(np.float32)


def t_draws(dof: int, n_boot: int = N_BOOT, key: str = "") -> np.ndarray:
    """Standard t draws (``dof`` degrees of freedom) that carry the spread over seeds into replicates."""
    return _rng(f"archbench-seeds|{key}|{dof}").standard_t(dof, size=n_boot) if dof > 0 else np.zeros(n_boot)


@dataclass(frozen=True)
class Interval:
    mean: float
    lo: float
    hi: float

    @property
    def half_width(self) -> float:
        return (self.hi - self.lo) / 2


def _replicates(point: np.ndarray, reps: np.ndarray, key: str) -> np.ndarray | None:
    """(B,) replicates of the seed mean.

    A resample moves each seed's value by a part common to every seed (which architectures the test
    set holds: it does not average out over seeds) and a part particular to the seed (how its own
    predictions meet those architectures). The replicate is the seed mean plus the resample's mean
    deviation over seeds (both parts, with their skew; centred, since a resample holds only about two
    thirds of the test set and so biases metrics of the predicted best low) plus a t-scaled draw for
    whatever spread the seeds show beyond their particular part (the training pools' own effect).
    The two add up to the variance of a seed mean on a random test set: common + seeds' variance / S.
    """
    keep = np.isfinite(point) & np.isfinite(reps).all(axis=1)
    if not keep.any():
        return None
    point, reps = point[keep], reps[keep].astype(np.float64)
    s = point.size
    dev = reps - reps.mean(axis=1, keepdims=True)
    shared = dev.mean(axis=0)
    extra = 0.0
    if s > 1:
        var_mean, var_each = float(shared.var()), float(dev.var(axis=1).mean())
        common = max(0.0, (s * var_mean - var_each) / (s - 1))
        particular = max(0.0, var_each - common)
        extra = float(np.sqrt(max(0.0, float(np.var(point, ddof=1)) - particular) / s))
    return point.mean() + shared + t_draws(s - 1, reps.shape[1], key) * extra


def interval(point: Sequence[float] | np.ndarray, reps: np.ndarray, key: str = "",
             bounds: tuple[float, float] = (-np.inf, np.inf)) -> Interval:
    """Mean over seeds of ``point`` (S,) and the percentile interval of its replicates ``reps`` (S, B),
    clipped to the values the metric can take (``bounds``)."""
    point = np.asarray(point, dtype=np.float64)
    r = _replicates(point, np.asarray(reps), key)
    if r is None:
        return Interval(float("nan"), float("nan"), float("nan"))
    alpha = (1 - LEVEL) / 2
    lo, hi = np.clip(np.quantile(r, [alpha, 1 - alpha]), *bounds)
    return Interval(float(np.nanmean(point)), float(lo), float(hi))


def paired_pvalue(point_a: np.ndarray, reps_a: np.ndarray, point_b: np.ndarray, reps_b: np.ndarray,
                  key: str = "") -> float:
    """Two-sided bootstrap p-value that two cells on the same seeds and test set differ in mean.

    Rows of ``point_*`` (S,) and ``reps_*`` (S, B) are the same seeds in the same order. The
    replicates of the difference are paired twice: same test resample, same seed. p = twice the
    smaller tail beyond 0 (at least 1/B); NaN below 2 paired seeds.
    """
    d_point = np.asarray(point_a, dtype=np.float64) - np.asarray(point_b, dtype=np.float64)
    if np.isfinite(d_point).sum() < 2:
        return float("nan")
    if np.all(d_point[np.isfinite(d_point)] == 0) and np.allclose(reps_a, reps_b, equal_nan=True):
        return 1.0
    r = _replicates(d_point, np.asarray(reps_a, dtype=np.float64) - np.asarray(reps_b, dtype=np.float64), key)
    if r is None:
        return float("nan")
    tail = min(np.mean(r <= 0), np.mean(r >= 0))
    return float(min(1.0, max(2 * tail, 1 / r.size)))


def holm(pvalues: Sequence[float] | np.ndarray) -> np.ndarray:
    """Holm's step-down adjustment (family-wise error); NaN entries stay NaN and do not count."""
    p = np.asarray(pvalues, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    order = ok[np.argsort(p[ok], kind="stable")]
    m = order.size
    running = 0.0
    for i, idx in enumerate(order):
        running = max(running, min(1.0, (m - i) * p[idx]))
        out[idx] = running
    return out
