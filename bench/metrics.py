"""Predictor-quality metrics on a test set, and their summaries over seeds.

Direction matters for the search-oriented metrics: ``higher_is_better`` says which end of the target
is "best" (accuracy: high; latency: low). Conventions:

* **Ties in the predictions never favour an id.** Every metric that *selects* architectures by their
  prediction (precision@k, regret, RI) takes the exact expectation over the architectures tied on
  the prediction, as if the tie were broken uniformly at random. (Taking the lowest id instead
  biased the ``random`` predictor's RI by +2.3 % on nasbench-graph/cora and −7.7 % on NB201 at n=10.)
* ``precision_top5`` / ``precision_top1``: with ``k = max(1, round(f * n))`` for f = 5 % / 1 %, the
  expected fraction of the predicted best ``k`` test architectures that are among the true best,
  where the true best include every architecture tied with the k-th best value; so the chance level
  (:func:`precision_chance`) is ``|true best| / n``, which exceeds f when labels tie.
* ``regret``: |best true value − true value of the predicted-best architecture|, in target units.
* ``ri`` (relative improvement, Yang et al., "NAS evaluation is frustratingly hard"):
  ``100 × (y[predicted best] − mean(y)) / mean(y)`` when higher is better and
  ``100 × (mean(y) − y[predicted best]) / mean(y)`` when lower is better, so a positive RI always
  means the predicted-best architecture beats an average random test architecture.
* ``mape``: mean absolute percentage error in %, over test architectures with a non-zero target.
* ``within_10pct``: fraction of predictions within ±10 % of the true value (|ŷ − y| ≤ 0.1 |y|).

Every metric is also defined on a *weighted* test set (:func:`score_resamples`): row b of ``weights``
says how often each test architecture occurs in bootstrap resample b, and each metric equals the
metric of the expanded test set (Kendall tau to first order in the weights; exact at weight 1, where
it equals scipy's tau-b). A row of ones is the test set itself, so the point values and the
bootstrap replicates of :mod:`bench.intervals` come from one implementation.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

#: version of the metric definitions (2: selection metrics take the expectation over tied predictions);
#: split definitions have their own version, ``bench.protocol.PROTOCOL_VERSION``
METRICS_VERSION = 2
#: metrics that only use the order of the predictions (also reported against a paired test metric)
RANKING_METRICS = ("kendall_tau", "spearman", "precision_top5", "precision_top1", "regret", "ri")
#: every metric :func:`score_predictions` returns
ALL_METRICS = ("kendall_tau", "spearman", "pearson", "mae", "rmse", "mape", "within_10pct",
               "precision_top5", "precision_top1", "regret", "ri")
#: metrics where smaller is better (for ranking predictors)
LOWER_IS_BETTER_METRICS = frozenset({"mae", "rmse", "mape", "regret"})
#: the values each metric can take (an interval is clipped to them: a regret is never below 0)
METRIC_RANGES = {"kendall_tau": (-1.0, 1.0), "spearman": (-1.0, 1.0), "pearson": (-1.0, 1.0),
                 "precision_top5": (0.0, 1.0), "precision_top1": (0.0, 1.0), "within_10pct": (0.0, 1.0),
                 "regret": (0.0, float("inf")), "mae": (0.0, float("inf")), "rmse": (0.0, float("inf")),
                 "mape": (0.0, float("inf")), "ri": (float("-inf"), float("inf"))}
#: the top fractions behind ``precision_top5`` / ``precision_top1``
TOP_FRACTIONS = {"precision_top5": 0.05, "precision_top1": 0.01}


def _pair(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y_true = np.asarray(y_true, dtype=np.float64).ravel()
    y_pred = np.asarray(y_pred, dtype=np.float64).ravel()
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true has {y_true.size} values, y_pred {y_pred.size}")
    if y_true.size == 0:
        raise ValueError("no test values")
    return y_true, y_pred


def _correlation(fn, y_true: np.ndarray, y_pred: np.ndarray) -> float:
    with warnings.catch_warnings():  # a constant input has no defined correlation: NaN, not a warning
        warnings.simplefilter("ignore")
        return float(fn(y_true, y_pred)[0])


def kendall_tau(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Kendall's tau-b (ties counted as in scipy.stats.kendalltau)."""
    return _correlation(stats.kendalltau, *_pair(y_true, y_pred))


def spearman(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return _correlation(stats.spearmanr, *_pair(y_true, y_pred))


def pearson(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    y_true, y_pred = _pair(y_true, y_pred)
    if y_true.size < 2 or np.ptp(y_true) == 0 or np.ptp(y_pred) == 0:
        return float("nan")
    return _correlation(stats.pearsonr, y_true, y_pred)


def _point(name: str, y_true: np.ndarray, y_pred: np.ndarray, higher_is_better: bool = True) -> float:
    y_true, y_pred = _pair(y_true, y_pred)
    return float(score_resamples(y_true, y_pred, higher_is_better, None, (name,))[name][0])


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return _point("mae", y_true, y_pred)


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return _point("rmse", y_true, y_pred)


def mape(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean absolute percentage error (%) over non-zero targets; NaN if every target is zero."""
    return _point("mape", y_true, y_pred)


def within_fraction(y_true: np.ndarray, y_pred: np.ndarray, tolerance: float = 0.10) -> float:
    """Fraction of predictions with |ŷ − y| ≤ tolerance·|y| (±10 % by default)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(np.abs(y_pred - y_true) <= tolerance * np.abs(y_true)))


def precision_at_top(y_true: np.ndarray, y_pred: np.ndarray, fraction: float, higher_is_better: bool = True) -> float:
    """Expected fraction of the predicted top k (k = max(1, round(fraction·n))) in the true top k.

    The true top k includes every architecture tied with the k-th best true value, so how ties in
    the labels happen to be ordered never costs a predictor precision; ties in the predictions at
    the k-th place are filled by their expectation.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    return float(Resamples(y_true, higher_is_better).precision(y_pred, fraction)[0])


def precision_chance(y_true: np.ndarray, fraction: float, higher_is_better: bool = True) -> float:
    """What a random ranking scores on :func:`precision_at_top` in expectation: |true top| / n."""
    return float(Resamples(y_true, higher_is_better).precision_chance(fraction)[0])


def regret(y_true: np.ndarray, y_pred: np.ndarray, higher_is_better: bool = True) -> float:
    """How much worse (in target units) the predicted-best test architecture is than the true best
    (expected over architectures tied for the best prediction)."""
    return _point("regret", y_true, y_pred, higher_is_better)


def relative_improvement(y_true: np.ndarray, y_pred: np.ndarray, higher_is_better: bool = True) -> float:
    """RI in %: how much the predicted-best architecture beats the mean random test architecture
    (expected over architectures tied for the best prediction)."""
    return _point("ri", y_true, y_pred, higher_is_better)


def _scored(y_true: np.ndarray, y_pred: np.ndarray, higher_is_better: bool, metrics: Sequence[str]) -> dict[str, float]:
    """``metrics`` on the test set itself: Kendall tau from scipy (equal to the weighted one at weight 1;
    tested), the rest from :class:`Resamples`, so tau's concordance counts are not computed twice."""
    y_true, y_pred = _pair(y_true, y_pred)
    rest = [m for m in metrics if m != "kendall_tau"]
    out = {m: float(v[0]) for m, v in score_resamples(y_true, y_pred, higher_is_better, None, rest).items()}
    out["kendall_tau"] = kendall_tau(y_true, y_pred)
    return {m: out[m] for m in metrics}


def ranking_metrics(y_true: np.ndarray, y_pred: np.ndarray, higher_is_better: bool = True) -> dict[str, float]:
    """The order-only metrics (:data:`RANKING_METRICS`)."""
    return _scored(y_true, y_pred, higher_is_better, RANKING_METRICS)


def score_predictions(y_true: np.ndarray, y_pred: np.ndarray, higher_is_better: bool = True) -> dict[str, float]:
    """Every metric of :data:`ALL_METRICS` for one set of test predictions."""
    return _scored(y_true, y_pred, higher_is_better, ALL_METRICS)


# -- weighted test sets (bootstrap resamples) ---------------------------------------------------------
class _Order:
    """Architectures from best to worst by ``values`` and the runs of equal values (ties) in that order."""

    def __init__(self, values: np.ndarray, higher_is_better: bool) -> None:
        self.index = np.argsort(-values if higher_is_better else values, kind="stable")
        v = values[self.index]
        new_run = np.r_[True, v[1:] != v[:-1]]
        self.starts = np.flatnonzero(new_run)
        self.group = np.cumsum(new_run) - 1  # tie group of each sorted position

        self.ends = np.r_[self.starts[1:], values.size] - 1  # last sorted position of each group

    def cumulative(self, sorted_weights: np.ndarray) -> np.ndarray:
        """(B, groups): per resample, the weight of every group up to and including each one, best first.

        A running sum read at the groups' ends (a contiguous pass per resample; ``np.add.reduceat``
        over the same blocks was 8× slower)."""
        return np.cumsum(sorted_weights, axis=1)[:, self.ends]

    def group_sums(self, sorted_weights: np.ndarray) -> np.ndarray:
        """(B, groups): per resample, the summed weight of each tie group, best group first."""
        return _groups_from_cumulative(self.cumulative(sorted_weights))

    def head_group_sums(self, sorted_values: np.ndarray, last_group: int) -> np.ndarray:
        """:meth:`group_sums` of the best groups up to ``last_group`` only: the selection metrics look at
        the top of the order, so the running sum stops there instead of crossing every architecture."""
        ends = self.ends[:last_group + 1]
        return _groups_from_cumulative(np.cumsum(sorted_values[:, :ends[-1] + 1], axis=1)[:, ends])


def _groups_from_cumulative(cum: np.ndarray) -> np.ndarray:
    return np.diff(cum, axis=1, prepend=np.zeros((len(cum), 1), dtype=cum.dtype))


def _first_reaching(cumulative: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Per row, the first column where ``cumulative`` reaches ``k`` (with a little float slack)."""
    return np.argmax(cumulative >= k[:, None] - 1e-9, axis=1)


def _prefix_count_below(keys: np.ndarray, prefix: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Per query q, how many of ``keys[:prefix[q]]`` are below ``value[q]`` (integer keys).

    The prefix splits into dyadic blocks (one per set bit of its length, as in a Fenwick tree); each
    level sorts its blocks once and answers every query with two binary searches: O(n log² n), no loop
    over architectures.
    """
    n = keys.size
    out = np.zeros(prefix.size, dtype=np.int64)
    span = int(keys.max()) + 2 if n else 1
    for level in range(max(1, int(n).bit_length())):
        block = np.arange(n) >> level
        ordered = np.sort(block * span + keys)
        ask = (prefix >> level) & 1 == 1
        blk = (prefix[ask] >> level) - 1
        out[ask] += (np.searchsorted(ordered, blk * span + value[ask])
                     - np.searchsorted(ordered, blk * span))
    return out


def _concordance(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per i, the sum over j of sign(x_i − x_j)·sign(y_i − y_j): concordant minus discordant partners."""
    order = np.argsort(x, kind="stable")
    xs = x[order]
    b = (stats.rankdata(y, method="dense").astype(np.int64) - 1)[order]
    new_run = np.r_[True, xs[1:] != xs[:-1]]
    run = np.cumsum(new_run) - 1
    starts = np.flatnonzero(new_run)
    first = starts[run]  # architectures with a strictly smaller x come before this position
    after = np.r_[starts[1:], xs.size][run]  # ... and those with a strictly larger x from this one on
    below_all = np.cumsum(np.bincount(b, minlength=b.max() + 1))
    less_all = np.r_[0, below_all[:-1]][b]  # #(y_j < y_i) over all j
    greater_all = xs.size - below_all[b]  # #(y_j > y_i)
    lt_before = _prefix_count_below(b, first, b)
    le_before = _prefix_count_below(b, first, b + 1)
    lt_upto = _prefix_count_below(b, after, b)
    le_upto = _prefix_count_below(b, after, b + 1)
    smaller_x = lt_before - (first - le_before)  # sum of sign(y_i - y_j) over x_j < x_i
    larger_x = (less_all - lt_upto) - (greater_all - (after - le_upto))  # ... over x_j > x_i
    out = np.empty(xs.size, dtype=np.float64)
    out[order] = smaller_x - larger_x
    return out


def _tie_sizes(values: np.ndarray) -> np.ndarray:
    """Per architecture, how many share its value (itself included)."""
    _, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    return counts[inverse].astype(np.float64)


def _pearson_from_sums(w: np.ndarray, a: np.ndarray, b: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Weighted Pearson correlation per resample; ``a``/``b`` are (n,) or (B, n)."""
    def wsum(u: np.ndarray) -> np.ndarray:
        return w @ u if u.ndim == 1 else np.einsum("ij,ij->i", w, u)

    ma, mb = wsum(a) / total, wsum(b) / total
    cov = wsum(a * b) / total - ma * mb
    va = np.maximum(wsum(a * a) / total - ma * ma, 0.0)
    vb = np.maximum(wsum(b * b) / total - mb * mb, 0.0)
    scale = np.maximum(1.0, np.abs(ma) * np.abs(mb))
    with np.errstate(invalid="ignore", divide="ignore"):
        r = cov / np.sqrt(va * vb)
    r[(va * vb) <= 1e-24 * scale * scale] = np.nan
    return np.clip(r, -1.0, 1.0)


class _PredictedOrder:
    """A prediction's best-first order and its tie groups' weights per resample (computed on first use)."""

    def __init__(self, resamples: Resamples, y_pred: np.ndarray) -> None:
        self._r, self._y = resamples, y_pred
        self.cache: dict[str, np.ndarray] = {}

    @functools.cached_property
    def order(self) -> _Order:
        return _Order(self._y, self._r.hib)

    @functools.cached_property
    def sorted_w(self) -> np.ndarray:
        return self._r.w[:, self.order.index]

    @functools.cached_property
    def cw(self) -> np.ndarray:
        return self.order.cumulative(self.sorted_w)

    @functools.cached_property
    def gw(self) -> np.ndarray:
        return _groups_from_cumulative(self.cw)


class Resamples:
    """A test set and B weighted copies of it (bootstrap resamples), scored for any prediction.

    ``weights[b, i]`` is how often test architecture i occurs in resample b (None: the test set
    itself). Everything that depends on the labels alone (true ranks, true top sets, the best value)
    is computed once here and reused for every predictor scored on the same test set.
    """

    def __init__(self, y_true: np.ndarray, higher_is_better: bool = True, weights: np.ndarray | None = None) -> None:
        self.y = np.asarray(y_true, dtype=np.float64).ravel()
        if self.y.size == 0:
            raise ValueError("no test values")
        self.hib = bool(higher_is_better)
        w = np.ones((1, self.y.size)) if weights is None else np.asarray(weights)
        # float32 weights (bootstrap counts) halve the memory traffic; the labels follow their precision
        self.w = w if w.dtype == np.float32 else w.astype(np.float64)
        self.yw = self.y.astype(self.w.dtype)
        if self.w.ndim != 2 or self.w.shape[1] != self.y.size:
            raise ValueError(f"weights must be (resamples, {self.y.size})")
        self.total = self.w.sum(axis=1)
        self.rows = np.arange(len(self.w))
        self._cache: dict[str, object] = {}

    def _cached(self, key: str, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    @property
    def truth(self) -> _Order:
        return self._cached("truth", lambda: _Order(self.y, self.hib))

    @staticmethod
    def _ranks(order: _Order, cw: np.ndarray, gw: np.ndarray) -> np.ndarray:
        """(B, n) average ranks, best first, in each expanded resample (ties share a rank)."""
        rank = cw - (gw - 1) / 2
        out = np.empty((len(gw), order.index.size), dtype=gw.dtype)
        out[:, order.index] = rank[:, order.group]
        return out

    def true_ranks(self) -> np.ndarray:
        """Ranks of the labels, best first (the direction cancels in a correlation of two such ranks)."""
        truth = self.truth
        def make() -> np.ndarray:
            cw = truth.cumulative(self.w[:, truth.index])
            return self._ranks(truth, cw, _groups_from_cumulative(cw))
        return self._cached("ranks", make)

    def true_top(self, fraction: float) -> np.ndarray:
        """(B, n) bool: the architectures at least as good as the k-th best of each resample."""
        def make() -> np.ndarray:
            k = np.maximum(1, np.round(fraction * self.total))
            cum = np.cumsum(self.w[:, self.truth.index], axis=1)
            kth = self.y[self.truth.index[_first_reaching(cum, k)]]
            return self.y[None, :] >= kth[:, None] if self.hib else self.y[None, :] <= kth[:, None]
        return self._cached(f"top{fraction}", make)

    def best(self) -> np.ndarray:
        def make() -> np.ndarray:
            present = self.w > 0
            fill = -np.inf if self.hib else np.inf
            masked = np.where(present, self.y, fill)
            return masked.max(axis=1) if self.hib else masked.min(axis=1)
        return self._cached("best", make)

    def precision_chance(self, fraction: float) -> np.ndarray:
        return (self.w * self.true_top(fraction)).sum(axis=1) / self.total

    def precision(self, y_pred: np.ndarray, fraction: float) -> np.ndarray:
        """Expected precision at the top ``fraction`` per resample (see :func:`precision_at_top`)."""
        return self._precision(_PredictedOrder(self, y_pred), fraction)

    def _precision(self, pred: _PredictedOrder, fraction: float) -> np.ndarray:
        k = np.maximum(1, np.round(fraction * self.total))
        gw, cw, r = pred.gw, pred.cw, self.rows
        g = _first_reaching(cw, k)  # the tie group that holds the k-th predicted place
        head = pred.order.ends[int(g.max())] + 1
        top = self.true_top(fraction)[:, pred.order.index[:head]]
        gh = pred.order.head_group_sums(pred.sorted_w[:, :head] * top, int(g.max()))
        hits_above = np.cumsum(gh, axis=1)[r, g] - gh[r, g]
        return (hits_above + (k - (cw[r, g] - gw[r, g])) * gh[r, g] / gw[r, g]) / k

    def _chosen(self, pred: _PredictedOrder) -> np.ndarray:
        """Per resample, the expected label of the best-predicted tie group present in it."""
        if "chosen" not in pred.cache:
            g = np.argmax(pred.gw > 0, axis=1)
            head = pred.order.ends[int(g.max())] + 1
            gy = pred.order.head_group_sums(pred.sorted_w[:, :head] * self.yw[pred.order.index[:head]], int(g.max()))
            pred.cache["chosen"] = gy[self.rows, g] / pred.gw[self.rows, g]
        return pred.cache["chosen"]

    def score(self, y_pred: np.ndarray, metrics: Sequence[str] = ALL_METRICS) -> dict[str, np.ndarray]:
        """Each metric of ``metrics`` on each resample: a (B,) array per metric."""
        y_pred = np.asarray(y_pred, dtype=np.float64).ravel()
        if y_pred.shape != self.y.shape:
            raise ValueError(f"y_true has {self.y.size} values, y_pred {y_pred.size}")
        unknown = set(metrics) - set(ALL_METRICS)
        if unknown:
            raise ValueError(f"unknown metric(s) {sorted(unknown)}; known: {', '.join(ALL_METRICS)}")
        y, w, total = self.y, self.w, self.total
        err = y_pred - y
        out: dict[str, np.ndarray] = {}
        pred = _PredictedOrder(self, y_pred)  # lazy: only selection metrics and Spearman sort
        for m in metrics:
            if m == "kendall_tau":
                out[m] = self._kendall(y_pred)
            elif m == "spearman":
                out[m] = _pearson_from_sums(w, self.true_ranks(), self._ranks(pred.order, pred.cw, pred.gw), total)
            elif m == "pearson":
                out[m] = _pearson_from_sums(w, self.yw, y_pred.astype(w.dtype), total)
            elif m == "mae":
                out[m] = w @ np.abs(err).astype(w.dtype) / total
            elif m == "rmse":
                out[m] = np.sqrt(w @ (err * err).astype(w.dtype) / total)
            elif m == "mape":
                nz = y != 0
                wn = w @ nz.astype(w.dtype)
                rel = np.divide(np.abs(err), np.abs(y), out=np.zeros_like(err), where=nz).astype(w.dtype)
                with np.errstate(invalid="ignore", divide="ignore"):
                    out[m] = np.where(wn == 0, np.nan, 100.0 * (w @ rel) / wn)
            elif m == "within_10pct":
                out[m] = w @ (np.abs(err) <= 0.10 * np.abs(y)).astype(w.dtype) / total
            elif m in TOP_FRACTIONS:
                out[m] = self._precision(pred, TOP_FRACTIONS[m])
            else:  # regret, ri
                chosen = self._chosen(pred)
                if m == "regret":
                    out[m] = self.best() - chosen if self.hib else chosen - self.best()
                else:
                    mean = w @ self.yw / total
                    gain = chosen - mean if self.hib else mean - chosen
                    with np.errstate(invalid="ignore", divide="ignore"):
                        out[m] = np.where(mean == 0, np.nan, 100.0 * gain / np.abs(mean))
        return out

    def _kendall(self, y_pred: np.ndarray) -> np.ndarray:
        """Tau-b per resample: numerator and tie counts to first order in the weights (exact at 1)."""
        h = _concordance(self.y, y_pred)
        tx = self._cached("ties", lambda: _tie_sizes(self.y) - 1)
        ty = _tie_sizes(y_pred) - 1
        dw = self.w - 1.0
        pairs = self.total * (self.total - 1) / 2
        num = h.sum() / 2 + (dw @ h.astype(dw.dtype)).astype(np.float64)
        nx = pairs - (tx.sum() / 2 + (dw @ tx.astype(dw.dtype)).astype(np.float64))
        ny = pairs - (ty.sum() / 2 + (dw @ ty.astype(dw.dtype)).astype(np.float64))
        with np.errstate(invalid="ignore", divide="ignore"):
            tau = num / np.sqrt(nx * ny)
        tau[(nx <= 0) | (ny <= 0)] = np.nan
        return np.clip(tau, -1.0, 1.0)


def score_resamples(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    higher_is_better: bool = True,
    weights: np.ndarray | None = None,
    metrics: Sequence[str] = ALL_METRICS,
) -> dict[str, np.ndarray]:
    """``metrics`` on each weighted copy of the test set (see :class:`Resamples`)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return Resamples(y_true, higher_is_better, weights).score(y_pred, metrics)


# -- over seeds ---------------------------------------------------------------------------------------
def mean_ci95(values: Sequence[float] | np.ndarray, axis: int = 0) -> tuple[Any, Any]:
    """Mean and half-width of the 95 % Student-t interval over seeds along ``axis``, ignoring NaN (half-width
    NaN below two values). Floats for 1-D input, arrays otherwise: boards, search summaries and transfer
    boards all take their seed intervals from here."""
    x = np.asarray(values, dtype=np.float64)
    n = (~np.isnan(x)).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices and fewer than two samples
        mean = np.nanmean(x, axis=axis) if x.size else np.full(np.delete(x.shape, axis), np.nan)
        sd = np.nanstd(x, axis=axis, ddof=1) if x.size else mean
        half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    half = np.where(n >= 2, half, np.nan)
    if np.ndim(mean) == 0:
        return float(mean), float(half)
    return mean, half


def paired_pvalue(a: Sequence[float] | np.ndarray, b: Sequence[float] | np.ndarray, method: str = "t") -> float:
    """Two-sided p-value that paired samples ``a`` and ``b`` (same seeds, same splits) differ.

    ``method="t"``: paired t-test (scipy.stats.ttest_rel); ``"wilcoxon"``: Wilcoxon signed-rank
    (exact for small samples; with 5 seeds its smallest two-sided p-value is 0.0625). Pairs with a
    NaN are dropped; fewer than 2 pairs give NaN; identical samples give 1.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError("paired samples must have the same length")
    keep = ~(np.isnan(a) | np.isnan(b))
    a, b = a[keep], b[keep]
    if a.size < 2:
        return float("nan")
    d = a - b
    if np.all(d == 0):
        return 1.0
    if method == "t":
        if np.ptp(d) == 0:  # a constant non-zero difference: as significant as it gets
            return 0.0
        return float(stats.ttest_rel(a, b).pvalue)
    if method == "wilcoxon":
        return float(stats.wilcoxon(a, b, zero_method="wilcox").pvalue)
    raise ValueError(f"unknown paired test {method!r}; use 't' or 'wilcoxon'")


def sklearn_scorer(metric: str = "kendall_tau", higher_is_better: bool = True) -> Any:
    """A scikit-learn scorer for ``cross_val_score``/``GridSearchCV`` from one metric of
    :data:`ALL_METRICS`, computed as the leaderboards compute it (error metrics come negated, as
    scikit-learn maximises scores); ``higher_is_better`` is the target's direction."""
    from sklearn.metrics import make_scorer

    if metric not in ALL_METRICS:
        raise ValueError(f"unknown metric {metric!r}; choose from {', '.join(ALL_METRICS)}")

    def score(y_true: np.ndarray, y_pred: np.ndarray) -> float:
        return _scored(y_true, y_pred, higher_is_better, (metric,))[metric]

    return make_scorer(score, greater_is_better=metric not in LOWER_IS_BETTER_METRICS)
