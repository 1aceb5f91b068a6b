"""Predictor-quality metrics on a test set, and their summaries over seeds.

Direction matters for the search-oriented metrics: ``higher_is_better`` says which end of the target
is "best" (accuracy: high; latency: low). Conventions:

* ``precision_top5`` / ``precision_top1``: with ``k = max(1, round(f * n))`` for f = 5 % / 1 %, the
  fraction of the predicted best ``k`` test architectures that are among the true best ``k``, where
  the true best ``k`` include every architecture tied with the k-th best value (ties in the
  predictions are broken by test-set order, i.e. ascending id).
* ``regret``: |best true value − true value of the predicted-best architecture|, in target units.
* ``ri`` (relative improvement, Yang et al., "NAS evaluation is frustratingly hard"):
  ``100 × (y[predicted best] − mean(y)) / mean(y)`` when higher is better and
  ``100 × (mean(y) − y[predicted best]) / mean(y)`` when lower is better, so a positive RI always
  means the predicted-best architecture beats an average random test architecture.
* ``mape``: mean absolute percentage error in %, over test architectures with a non-zero target.
* ``within_10pct``: fraction of predictions within ±10 % of the true value (|ŷ − y| ≤ 0.1 |y|).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
from scipy import stats

#: metrics that only use the order of the predictions (also reported against a paired test metric)
RANKING_METRICS = ("kendall_tau", "spearman", "precision_top5", "precision_top1", "regret", "ri")
#: every metric :func:`score_predictions` returns
ALL_METRICS = ("kendall_tau", "spearman", "pearson", "mae", "rmse", "mape", "within_10pct",
               "precision_top5", "precision_top1", "regret", "ri")
#: metrics where smaller is better (for ranking predictors)
LOWER_IS_BETTER_METRICS = frozenset({"mae", "rmse", "mape", "regret"})


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


def mae(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(np.abs(y_pred - y_true)))


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.sqrt(np.mean((y_pred - y_true) ** 2)))


def mape(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Mean absolute percentage error (%) over non-zero targets; NaN if every target is zero."""
    y_true, y_pred = _pair(y_true, y_pred)
    nz = y_true != 0
    if not nz.any():
        return float("nan")
    return float(100.0 * np.mean(np.abs(y_pred[nz] - y_true[nz]) / np.abs(y_true[nz])))


def within_fraction(y_true: np.ndarray, y_pred: np.ndarray, tolerance: float = 0.10) -> float:
    """Fraction of predictions with |ŷ − y| ≤ tolerance·|y| (±10 % by default)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return float(np.mean(np.abs(y_pred - y_true) <= tolerance * np.abs(y_true)))


def _best_first(values: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """Indices from best to worst; stable, so ties keep test-set order."""
    return np.argsort(-values if higher_is_better else values, kind="stable")


def precision_at_top(y_true: np.ndarray, y_pred: np.ndarray, fraction: float, higher_is_better: bool = True) -> float:
    """Fraction of the predicted top k (k = max(1, round(fraction·n))) that are in the true top k.

    The true top k includes every architecture tied with the k-th best true value, so how ties in
    the labels happen to be ordered never costs a predictor precision.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    k = max(1, int(round(fraction * y_true.size)))
    kth = y_true[_best_first(y_true, higher_is_better)[k - 1]]
    in_true_top = y_true >= kth if higher_is_better else y_true <= kth
    pred_top = _best_first(y_pred, higher_is_better)[:k]
    return float(np.count_nonzero(in_true_top[pred_top]) / k)


def predicted_best(y_pred: np.ndarray, higher_is_better: bool = True) -> int:
    """Index of the architecture the predictor ranks first (first one on ties)."""
    y_pred = np.asarray(y_pred, dtype=np.float64)
    return int(np.argmax(y_pred) if higher_is_better else np.argmin(y_pred))


def regret(y_true: np.ndarray, y_pred: np.ndarray, higher_is_better: bool = True) -> float:
    """How much worse (in target units) the predicted-best test architecture is than the true best."""
    y_true, y_pred = _pair(y_true, y_pred)
    chosen = y_true[predicted_best(y_pred, higher_is_better)]
    return float(np.max(y_true) - chosen if higher_is_better else chosen - np.min(y_true))


def relative_improvement(y_true: np.ndarray, y_pred: np.ndarray, higher_is_better: bool = True) -> float:
    """RI in %: how much the predicted-best architecture beats the mean random test architecture."""
    y_true, y_pred = _pair(y_true, y_pred)
    chosen = y_true[predicted_best(y_pred, higher_is_better)]
    mean = float(np.mean(y_true))
    if mean == 0:
        return float("nan")
    gain = chosen - mean if higher_is_better else mean - chosen
    return float(100.0 * gain / abs(mean))


def ranking_metrics(y_true: np.ndarray, y_pred: np.ndarray, higher_is_better: bool = True) -> dict[str, float]:
    """The order-only metrics (:data:`RANKING_METRICS`)."""
    return {
        "kendall_tau": kendall_tau(y_true, y_pred),
        "spearman": spearman(y_true, y_pred),
        "precision_top5": precision_at_top(y_true, y_pred, 0.05, higher_is_better),
        "precision_top1": precision_at_top(y_true, y_pred, 0.01, higher_is_better),
        "regret": regret(y_true, y_pred, higher_is_better),
        "ri": relative_improvement(y_true, y_pred, higher_is_better),
    }


def score_predictions(y_true: np.ndarray, y_pred: np.ndarray, higher_is_better: bool = True) -> dict[str, float]:
    """Every metric of :data:`ALL_METRICS` for one set of test predictions."""
    out = ranking_metrics(y_true, y_pred, higher_is_better)
    out.update(pearson=pearson(y_true, y_pred), mae=mae(y_true, y_pred), rmse=rmse(y_true, y_pred),
               mape=mape(y_true, y_pred), within_10pct=within_fraction(y_true, y_pred, 0.10))
    return {m: out[m] for m in ALL_METRICS}


def mean_ci95(values: Sequence[float] | np.ndarray) -> tuple[float, float]:
    """(mean, half-width of the 95 % t-interval) over seeds, ignoring NaN; half-width NaN below 2 values."""
    v = np.asarray(values, dtype=np.float64)
    v = v[~np.isnan(v)]
    if v.size == 0:
        return float("nan"), float("nan")
    mean = float(v.mean())
    if v.size < 2:
        return mean, float("nan")
    sem = float(v.std(ddof=1)) / np.sqrt(v.size)
    return mean, float(stats.t.ppf(0.975, v.size - 1) * sem)


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
