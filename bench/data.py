"""The data layer predictors read: a batch of architectures, and the benchmark interface it is cut from.

It sits below both the harness (``bench.evaluation``, the search loop) and the predictors, so
neither package has to import the other: a predictor is a scikit-learn estimator whose ``X`` is an
:class:`ArchBatch`. The batch encodes itself on demand (one batch serves predictors that read
different encodings) and indexes like an array, so scikit-learn's cross-validation can split it.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
from scipy.stats import norm, rankdata

from bench.errors import UsageError
from bench.idindex import IdIndex
from bench.spaces import SearchSpace

#: the pseudo-encoding that stacks a batch's side features (parameters, FLOPs, zero-cost proxies)
EXTRA = "extra"


def side_feature_column(values: np.ndarray) -> np.ndarray:
    """A whole table's side feature with infinities made finite, so every model can read it.

    A log-scale proxy is ``-inf`` where a network's output is identically zero (an NB201 cell with no
    path from input to output: zen-score is the log of zero). ``-inf`` becomes one range below the
    smallest finite value and ``+inf`` one range above the largest, from the whole table (never from a
    training batch, so train and test rows get the same value); the order is kept, which is what ranks
    and trees read. NaN (not measured) stays NaN.
    """
    v = np.asarray(values, dtype=np.float64)
    inf = np.isinf(v)
    if not inf.any():
        return v
    finite = v[np.isfinite(v)]
    lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    step = max(hi - lo, 1.0)
    return np.where(inf, np.where(v > 0, hi + step, lo - step), v)


@runtime_checkable
class BenchmarkData(Protocol):
    """What a batch is built from: :class:`bench.Benchmark` (a single or a joined store) has it."""

    @property
    def space(self) -> SearchSpace: ...

    @property
    def codes(self) -> np.ndarray: ...

    def rows_of_ids(self, ids: np.ndarray) -> np.ndarray: ...

    def labels(self, metric: str) -> np.ndarray: ...


@dataclass(eq=False)
class ArchBatch:
    """Architectures of one space as code rows, plus per-architecture side features.

    This is the ``archs`` (scikit-learn's ``X``) of every predictor's ``fit(archs, y)`` and
    ``predict(archs)``. ``extra`` holds features known *before* training an architecture (parameter
    counts, FLOPs, zero-cost proxies); the evaluation harness never puts the target or any accuracy
    label there. ``batch[index]`` with an integer array, a boolean mask or a slice is the sub-batch
    of those rows (what cross-validation splitters do).
    """

    space: SearchSpace
    codes: np.ndarray
    ids: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.codes)

    @property
    def shape(self) -> tuple[int]:
        """``(n_architectures,)``: scikit-learn counts samples and splits by it."""
        return (len(self.codes),)

    def __getitem__(self, index: Any) -> ArchBatch:
        if isinstance(index, tuple) and index[1:] == (Ellipsis,) * (len(index) - 1):
            index = index[0]  # scikit-learn indexes arrays as ``X[rows, ...]``
        if isinstance(index, slice):
            return self.subset(np.arange(len(self))[index])
        rows = np.asarray(index)
        if rows.ndim != 1 or not (rows.dtype == bool or np.issubdtype(rows.dtype, np.integer) or rows.size == 0):
            raise TypeError("index an ArchBatch with a 1-d array of row positions, a boolean mask or a slice")
        if rows.dtype == bool:
            if len(rows) != len(self):
                raise IndexError(f"boolean mask of length {len(rows)} for a batch of {len(self)} architectures")
            rows = np.flatnonzero(rows)
        return self.subset(rows.astype(np.int64))

    def encode(self, kind: str) -> Any:
        """The space's encoding ``kind`` (or :data:`EXTRA`), computed once per batch."""
        if kind not in self._cache:
            if kind == EXTRA:
                if not self.extra:
                    raise ValueError("this benchmark offers no side features (parameters, FLOPs, zero-cost proxies)")
                self._cache[kind] = np.column_stack([self.extra[k] for k in sorted(self.extra)]).astype(np.float32)
            else:
                self.space.check_encoding(kind)
                self._cache[kind] = self.space.encode(self.codes, kind)
        return self._cache[kind]

    def subset(self, index: np.ndarray) -> ArchBatch:
        """The architectures at row positions ``index`` (a new batch; encodings are recomputed)."""
        index = np.asarray(index)
        return ArchBatch(self.space, self.codes[index], self.ids[index], {k: v[index] for k, v in self.extra.items()})

    @classmethod
    def from_benchmark(cls, bm: BenchmarkData, ids: np.ndarray,
                       extra_metrics: list[str] | tuple[str, ...] = ()) -> ArchBatch:
        """A batch of stored architectures with the named side-feature metrics attached."""
        rows = bm.rows_of_ids(ids)
        return cls(bm.space, bm.codes[rows], np.asarray(ids, dtype=np.int64),
                   {m: side_feature_column(bm.labels(m))[rows] for m in extra_metrics})


def missing_encodings(wanted: tuple[str, ...] | list[str], offered: tuple[str, ...] | list[str],
                      has_extra: bool) -> list[str]:
    """The encodings of ``wanted`` a benchmark cannot give (``offered`` by its space, :data:`EXTRA`
    only where it has side features)."""
    return [e for e in wanted if (not has_extra if e == EXTRA else e not in offered)]


def column_scale(x: np.ndarray, min_spread: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(mean, spread) of each column for ``(x - mean) / spread``; a column whose spread is at most
    ``min_spread`` (constant, or numerically so) keeps scale 1 instead of dividing by ~0."""
    spread = x.std(axis=0)
    return x.mean(axis=0), np.where(spread > min_spread, spread, 1.0)


@dataclass(frozen=True, eq=False)
class SourceTables:
    """Labels of the source tables for every architecture of the space, looked up by id.

    ``values`` is (n_ids, n_sources) aligned with the ascending ``ids``; ``names`` say what each
    column is (``nb201-latency/help:latency_gold_6240``); ``archs`` (optional) are those
    architectures, for pretraining on the sources. A predictor may read any of it.
    """

    names: tuple[str, ...]
    ids: np.ndarray
    values: np.ndarray
    archs: ArchBatch | None = None
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.values.shape != (len(self.ids), len(self.names)):
            expected = (len(self.ids), len(self.names))
            raise ValueError(f"source values have shape {self.values.shape}, expected {expected}")
        if len(self.ids) > 1 and not np.all(np.diff(self.ids) > 0):
            raise ValueError("source ids must be ascending and unique")

    def of(self, ids: np.ndarray) -> np.ndarray:
        """(len(ids), n_sources) source labels of these architectures."""
        return self.values[self._rows(ids)]

    def standardized(self, ids: np.ndarray) -> np.ndarray:
        """Source labels scaled by each column's mean and spread over the whole source table."""
        if "mu" not in self._cache:
            self._cache["mu"], self._cache["sd"] = column_scale(self.values)
        return (self.of(ids) - self._cache["mu"]) / self._cache["sd"]

    def normal_scores(self, ids: np.ndarray) -> np.ndarray:
        """Each source column as rank-based normal scores over the whole table (robust to outliers)."""
        if "normal" not in self._cache:
            ranks = np.apply_along_axis(rankdata, 0, self.values)
            self._cache["normal"] = norm.ppf((ranks - 0.5) / len(self.values))
        return self._cache["normal"][self._rows(ids)]

    def _rows(self, ids: np.ndarray) -> np.ndarray:
        if "index" not in self._cache:
            self._cache["index"] = IdIndex(self.ids)
        rows = self._cache["index"].rows(ids)
        if (rows < 0).any():
            raise UsageError("an architecture has no source labels (not in the source tables)")
        return rows


def accepts_sources(predictor: Any) -> bool:
    """Whether ``predictor.fit`` takes the documented ``sources`` keyword."""
    return "sources" in inspect.signature(predictor.fit).parameters


def fit_on_task(predictor: Any, archs: ArchBatch, y: np.ndarray, sources: SourceTables | None) -> Any:
    """``predictor.fit`` with the source tables where it takes them (a transfer predictor), without
    them otherwise (any ordinary predictor or plug-in); returns what ``fit`` returns."""
    return predictor.fit(archs, y, sources=sources) if accepts_sources(predictor) else predictor.fit(archs, y)
