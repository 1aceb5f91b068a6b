"""What a predictor may read besides the architecture: the one "known before training" rule.

Evaluation (the side features a predictor gets on a board) and search (the side features a
:class:`~bench.search.domain.SearchDomain` hands to predictor-guided algorithms) both call
:func:`side_feature_metrics`, so a metric is a legitimate input in both or in neither.
"""

from __future__ import annotations

from typing import Any

#: side-feature metrics a predictor may read (besides ``zc_*`` zero-cost proxies): known before training
SIDE_FEATURE_METRICS = ("params", "flops")


def known_before_training(bm: Any, metric: str) -> bool:
    """Whether ``metric`` is known before an architecture is trained (a label's own flag wins).

    A label's ``extra["known_before_training"]`` decides where present; otherwise parameter counts,
    FLOPs and ``zc_*`` zero-cost proxy scores qualify. Accuracy labels never do, nor do the proxies'
    compute times (``zc_*_time``): they measure the machine that ran the proxy, not the architecture.
    Measured latency is not known before training in this sense: it is a label to predict.
    """
    known = bm.metric_info(metric).extra.get("known_before_training")
    if known is None:
        known = metric in SIDE_FEATURE_METRICS or (metric.startswith("zc_") and not metric.endswith("_time"))
    return bool(known) and "acc" not in metric and bm.labels(metric).ndim == 1


def side_feature_metrics(bm: Any, target: str | None = None) -> list[str]:
    """Metrics that are legitimate predictor inputs for ``target``: known before training, never the target."""
    return sorted(m for m in bm.metrics if m != target and known_before_training(bm, m))


def paired_test_metric(bm: Any, target: str) -> str | None:
    """The test-split twin of a validation target (``valid_acc`` or ``val_acc`` -> ``test_acc``), if stored."""
    for prefix in ("valid_", "val_"):
        if target.startswith(prefix):
            twin = "test_" + target[len(prefix):]
            if twin in bm.metrics and bm.metric_info(twin).split == "test" and bm.labels(twin).ndim == 1:
                return twin
    return None
