"""A search task on one benchmark: what algorithms select on, what is reported, what a query costs.

Selection (``objective``) and reporting (``report``) are separate metrics: algorithms are told the
validation metric only, while results report the test metric of the architecture selected so far.
Both are looked up once as arrays aligned with the domain's rows. A multi-objective task adds
metrics after the first (accuracy x latency); single-objective algorithms are told only the first.

Query cost is the benchmark's training time where it has one (``train_time_total``, or a per-epoch
time times its recorded epochs); otherwise every query costs one unit and budgets are in queries.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from bench.errors import UsageError
from bench.search.domain import SearchDomain

#: training-time labels looked for, in order, when the cost is "auto"
TOTAL_TIME_METRICS = ("train_time_total", "train_time", "training_time", "time_total")
PER_EPOCH_TIME_METRICS = ("train_time_per_epoch", "time_per_epoch", "epoch_time")
#: second objectives looked for, in order, when a multi-objective task does not name one
COST_OBJECTIVES = ("latency", "params", "flops")


@dataclass
class SearchProblem:
    """Labels of one benchmark arranged for search: oriented selection values, report values, costs."""

    benchmark: str
    domain: SearchDomain
    objective: tuple[str, ...]
    report: tuple[str, ...]
    #: +1 where higher is better, -1 where lower is better, per objective (values are multiplied by it)
    signs: np.ndarray
    report_signs: np.ndarray
    #: ``(n, k)`` selection values oriented higher-is-better; never handed to an algorithm wholesale
    values: np.ndarray
    #: ``(n, k)`` report values in their own units and direction
    reported: np.ndarray
    #: seconds per query (``(n,)``), or None when the benchmark has no training-time label
    cost: np.ndarray | None
    cost_label: str
    units: dict[str, str] = field(default_factory=dict)
    content_sha256: str = ""

    @classmethod
    def from_benchmark(
        cls, bm: Any, objective: str | None = None, report: str | None = None, cost: str | None = "auto",
        mo_metric: str | None = None, domain: SearchDomain | None = None,
    ) -> SearchProblem:
        """Resolve metric names (defaults: the validation and test accuracy) and the query cost."""
        objective = objective or _default_metric(bm, "valid", "objective")
        report = report or _default_metric(bm, "test", "report")
        objectives, reports = [objective], [report]
        second = mo_metric if mo_metric is not None else next(
            (m for m in COST_OBJECTIVES if m in bm.metrics and m not in (objective, report)), None)
        if second:
            _check_metric(bm, second, "multi-objective metric")
            if second in (objective, report):
                raise UsageError(f"the multi-objective metric {second!r} must differ from the objective and report")
            objectives.append(second)
            reports.append(second)
        for m in (objective, report):
            _check_metric(bm, m, "metric")
        infos = [bm.metric_info(m) for m in objectives]
        rinfos = [bm.metric_info(m) for m in reports]
        signs = np.array([1.0 if i.higher_is_better else -1.0 for i in infos])
        report_signs = np.array([1.0 if i.higher_is_better else -1.0 for i in rinfos])
        values = np.column_stack([np.asarray(bm.labels(m), dtype=np.float64) for m in objectives]) * signs
        reported = np.column_stack([np.asarray(bm.labels(m), dtype=np.float64) for m in reports])
        if np.isnan(values[:, 0]).any() or np.isnan(reported[:, 0]).any():
            raise UsageError(f"{bm.name}: {objective!r} or {report!r} has missing values; search needs complete labels")
        cost_arr, cost_label = _resolve_cost(bm, cost)
        units = {m: bm.metric_info(m).unit for m in {*objectives, *reports}}
        return cls(
            benchmark=bm.name, domain=domain or SearchDomain.from_benchmark(bm, objective), objective=tuple(objectives),
            report=tuple(reports), signs=signs, report_signs=report_signs, values=values, reported=reported,
            cost=cost_arr, cost_label=cost_label, units=units,
            content_sha256=str(bm.attrs.get("content_sha256", "")),
        )

    @property
    def has_cost(self) -> bool:
        return self.cost is not None

    @property
    def multi_objective(self) -> bool:
        return len(self.objective) > 1

    def query_cost(self, rows: np.ndarray) -> np.ndarray:
        """Simulated seconds of each query (one unit per query without a training-time label)."""
        rows = np.asarray(rows, dtype=np.int64)
        return np.ones(rows.shape) if self.cost is None else self.cost[rows]

    @property
    def time_unit(self) -> str:
        return "s" if self.has_cost else "evaluations"

    def describe_budget(self) -> str:
        if self.has_cost:
            return f"query cost = {self.cost_label} (simulated seconds)"
        return "budget in queries: the benchmark has no training-time label, so simulated time is not reported"

    @cached_property
    def report_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-report-metric minimum and maximum over the benchmark (for normalized hypervolumes)."""
        return self.reported.min(axis=0), self.reported.max(axis=0)

    @property
    def optimum(self) -> float:
        """Best report value in the benchmark (the reference for regret)."""
        y = self.reported[:, 0]
        return float(y.max() if self.report_signs[0] > 0 else y.min())

    @property
    def random_arch_mean(self) -> float:
        """Mean report value of a uniformly random architecture of the benchmark."""
        return float(self.reported[:, 0].mean())

    @property
    def objective_optimum(self) -> float:
        """Best oriented selection value: the incumbent an exhaustive search would end with."""
        return float(self.values[:, 0].max())


def _default_metric(bm: Any, split: str, role: str) -> str:
    preferred = f"{split}_acc"
    if preferred in bm.metrics:
        return preferred
    cands = [m for m in bm.metrics if bm.metric_info(m).split == split and bm.labels(m).ndim == 1
             and bm.metric_info(m).higher_is_better]
    if len(cands) == 1:
        return cands[0]
    raise UsageError(
        f"{bm.name} has {f'several {split}-split metrics {cands}' if cands else f'no {split}-split metric'} "
        f"to use as the {role}; "
        f"pass --{role} METRIC (metrics: {', '.join(bm.metrics)})"
    )


def _check_metric(bm: Any, metric: str, what: str) -> None:
    if metric not in bm.metrics:
        raise UsageError(f"{bm.name} has no {what} {metric!r}; metrics: {', '.join(bm.metrics)}")
    if bm.labels(metric).ndim != 1:
        raise UsageError(f"{bm.name}: {metric!r} is not a scalar label per architecture")


def _resolve_cost(bm: Any, cost: str | None) -> tuple[np.ndarray | None, str]:
    """(seconds per architecture, description) from a metric name, "auto", or None/"none"."""
    if cost is None or cost == "none":
        return None, "none"
    if cost == "auto":
        total = next((m for m in TOTAL_TIME_METRICS if m in bm.metrics), None)
        if total is not None:
            return _seconds(bm, total), total
        per_epoch = next((m for m in PER_EPOCH_TIME_METRICS if m in bm.metrics), None)
        if per_epoch is not None and bm.metric_info(per_epoch).epochs:
            epochs = int(bm.metric_info(per_epoch).epochs)
            return _seconds(bm, per_epoch) * epochs, f"{per_epoch} x {epochs} epochs"
        return None, "none"
    _check_metric(bm, cost, "cost metric")
    return _seconds(bm, cost), cost


def _seconds(bm: Any, metric: str) -> np.ndarray:
    info = bm.metric_info(metric)
    scale = {"s": 1.0, "sec": 1.0, "seconds": 1.0, "ms": 1e-3, "min": 60.0, "h": 3600.0}.get(info.unit.split()[0])
    if scale is None:
        raise UsageError(f"{bm.name}: cost metric {metric!r} has unit {info.unit!r}, not a time")
    y = np.asarray(bm.labels(metric), dtype=np.float64) * scale
    if not np.isfinite(y).all() or (y < 0).any():
        raise UsageError(f"{bm.name}: cost metric {metric!r} has missing or negative values")
    return y
