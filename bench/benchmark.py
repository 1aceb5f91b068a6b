"""A loaded tabular benchmark: aligned architecture and label arrays, batched look-ups, encodings."""

from __future__ import annotations

import difflib
import json
import os
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from bench.errors import InvalidType, KeyedError, UsageError
from bench.idindex import IdIndex
from bench.spaces import InvalidArchitecture, SearchSpace, get_space
from bench.store import BenchmarkStore, LabelInfo, StoreFile
from bench.validate import check_bool, check_ids, check_int, check_str, id_array, is_int

if TYPE_CHECKING:
    import pandas as pd

#: most ids one ``sample(..., replace=True)`` call draws (8 bytes each): a typo must not exhaust memory
MAX_SAMPLE = 100_000_000


class UnknownMetric(KeyedError):
    """A metric the benchmark does not store; the message lists the closest names."""


class Benchmark:
    """One benchmark file, opened lazily: arrays are read (and checksum-verified) on first use.

    Rows are ordered by canonical id. ``query`` accepts canonical strings, ids, the space's
    architecture objects, or a 2-D code array, and is vectorized for id and code batches.
    """

    def __init__(self, store: BenchmarkStore, name: str) -> None:
        self._store = store
        self.name = name
        self.path = store.path
        attrs = store.attrs
        self.attrs: dict[str, Any] = attrs
        self._n = int(attrs["n_archs"])
        self.metrics: list[str] = store.label_names()

    # -- basics -----------------------------------------------------------------------------------
    def __len__(self) -> int:
        return self._n

    def __repr__(self) -> str:
        return f"Benchmark({self.name!r}, {self._n} architectures, metrics={self.metrics})"

    def __enter__(self) -> Benchmark:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._store.close()

    @cached_property
    def space(self) -> SearchSpace:
        return get_space(str(self.attrs["space"]), **json.loads(self.attrs["space_config"]))

    @property
    def ids(self) -> np.ndarray:
        """Canonical ids of the stored architectures (ascending; row order of every label)."""
        return self._store.read("archs/id")

    @property
    def codes(self) -> np.ndarray:
        return self._store.read("archs/codes")

    @cached_property
    def strings(self) -> list[str]:
        return [s.decode() for s in self._store.read("archs/string")]

    @cached_property
    def source_keys(self) -> np.ndarray:
        keys = self._store.read("archs/source_key")
        return keys.astype(str) if keys.dtype.kind == "S" else keys

    @property
    def iso_class(self) -> np.ndarray | None:
        """Isomorphism-class representative id per row, where the space has isomorphic duplicates."""
        return self._store.read("archs/iso_class") if self._store.has("archs/iso_class") else None

    # -- labels -----------------------------------------------------------------------------------
    def _check_metric(self, metric: str) -> None:
        if not isinstance(metric, str):
            raise InvalidType(f"a metric is a name (str), got {type(metric).__name__} {metric!r:.60}")
        if metric not in self.metrics:
            close = difflib.get_close_matches(metric, self.metrics, n=3, cutoff=0.4)
            hint = f"did you mean {' or '.join(map(repr, close))}?" if close else f"known: {', '.join(self.metrics)}"
            raise UnknownMetric(f"{self.name} has no metric {metric!r}; {hint}")

    def metric_info(self, metric: str) -> LabelInfo:
        """Unit, split, epochs, seed reduction, direction and source of a label."""
        self._check_metric(metric)
        return self._store.label_info(metric)

    def labels(self, metric: str) -> np.ndarray:
        """The label array aligned with :attr:`ids` (read-only)."""
        self._check_metric(metric)
        return self._store.read(f"labels/{metric}")

    def best(self, metric: str) -> tuple[int, float]:
        """(id, value) of the best architecture for ``metric`` in its own direction."""
        y = self.labels(metric)
        i = int(np.nanargmax(y) if self.metric_info(metric).higher_is_better else np.nanargmin(y))
        return int(self.ids[i]), float(y[i])

    # -- look-ups ---------------------------------------------------------------------------------
    @cached_property
    def _index(self) -> IdIndex:
        return IdIndex(self.ids)

    def rows_of_ids(self, ids: np.ndarray) -> np.ndarray:
        """Row indices of canonical ids (vectorized); InvalidArchitecture names any missing id."""
        ids = check_ids(ids)
        rows = self._index.rows(ids)
        missing = rows < 0
        if missing.any() and self.iso_class is not None:
            rows[missing] = self._isomorphic_rows(ids[missing])
            missing = rows < 0
        if missing.any():
            bad = ids[missing]
            raise InvalidArchitecture(
                f"{int(missing.sum())} architecture(s) not in {self.name} (first: id {int(bad[0])}"
                f"{self._describe_id(int(bad[0]))})"
            )
        return rows

    @cached_property
    def _class_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """(stored class ids ascending, the row of each class's lowest stored id)."""
        classes, first = np.unique(np.asarray(self.iso_class, dtype=np.int64), return_index=True)
        return classes, first.astype(np.int32)

    def _isomorphic_rows(self, ids: np.ndarray) -> np.ndarray:
        """Rows answering ids the table lacks through their isomorphism class (-1 where none does).

        A table that stores one cell per class (or some members) answers for every isomorphic cell
        with the lowest stored id of the cell's class, the cell the frozen splits use; the class is
        the space's (NB201: ``to_unique_str``). Cells no stored class holds stay missing.
        """
        try:
            cls = self.space.iso_class(self.space.from_ids(ids))
        except (InvalidArchitecture, ValueError):
            return np.full(len(ids), -1, dtype=np.int32)
        classes, first = self._class_rows
        at = np.minimum(np.searchsorted(classes, cls), len(classes) - 1)
        return np.where(classes[at] == cls, first[at], -1).astype(np.int32)

    def _describe_id(self, arch_id: int) -> str:
        try:
            return f", {self.space.to_strings(self.space.from_ids(np.array([arch_id])))[0]!r}"
        except (InvalidArchitecture, ValueError):
            return ", not an id of this space"

    def to_ids(self, archs: Any) -> np.ndarray:
        """Canonical ids for strings, ids, architecture objects or code rows."""
        ids = id_array(archs)  # refuses bools, bytes, floats and ids beyond int64
        if ids is not None:
            return ids
        codes = self.space.to_codes(archs)
        return self.space.to_ids(self.space.canonicalize(codes))

    def rows(self, archs: Any) -> np.ndarray:
        return self.rows_of_ids(self.to_ids(archs))

    def query(self, archs: Any, metric: str) -> np.ndarray:
        """Labels of ``metric`` for a batch of architectures (any accepted form)."""
        y = self.labels(metric)
        return y[self.rows(archs)]

    def sample(self, n: int, seed: int | np.random.Generator | None = None, replace: bool = False) -> np.ndarray:
        """Ids of ``n`` stored architectures drawn uniformly (without replacement by default)."""
        replace = check_bool(replace, "replace")
        n = check_int(n, "n", minimum=0, maximum=MAX_SAMPLE if replace else None)
        if not replace and n > self._n:
            raise UsageError(f"cannot sample {n} distinct architectures from {self.name} ({self._n} stored)")
        if not (seed is None or isinstance(seed, np.random.Generator) or is_int(seed)):
            raise InvalidType(f"seed must be None, an integer or a numpy Generator, got {type(seed).__name__}")
        if is_int(seed) and seed < 0:
            raise UsageError(f"seed must be non-negative, got {seed}")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        return self.ids[rng.choice(self._n, size=n, replace=replace)]

    def encode(self, archs: Any, kind: str) -> Any:
        """The space's encoding ``kind`` (onehot, adjacency, path, graph) of a batch."""
        self.space.check_encoding(check_str(kind, "encoding"))
        return self.space.encode(self.codes[self.rows(archs)], kind)

    # -- views ------------------------------------------------------------------------------------
    def to_frame(self, metrics: list[str] | None = None) -> pd.DataFrame:
        """One row per architecture: ``id``, ``arch``, ``source_key`` and one column per metric in
        ``metrics`` (a name or a list of names; None: all; ``""`` or an unknown name is refused)."""
        import pandas as pd  # imported here: pandas costs ~0.5 s and most uses never need it

        if isinstance(metrics, str):
            metrics = [metrics]
        elif metrics is None:
            metrics = self.metrics
        elif not isinstance(metrics, (list, tuple)):
            raise InvalidType(f"metrics must be None, a metric name or a list of names, got {type(metrics).__name__}")
        for m in metrics:
            self._check_metric(m)
        frame = pd.DataFrame({"id": self.ids, "arch": self.strings, "source_key": self.source_keys})
        for m in metrics:
            y = self.labels(m)
            if y.ndim == 1:
                frame[m] = y
            else:
                for j in range(y.shape[1]):
                    frame[f"{m}[{j}]"] = y[:, j]
        if self.iso_class is not None:
            frame["iso_class"] = self.iso_class
        return frame

    def card(self) -> dict[str, Any]:
        """Metadata and per-metric descriptions, as shown by ``archbench info``."""
        keys = ("space", "source", "source_version", "license", "citation", "raw_sha256", "content_sha256",
                "format_version", "description")
        return {
            "name": self.name,
            "architectures": self._n,
            "file": str(self.path),
            **{k: self.attrs[k] for k in keys if k in self.attrs},
            "metrics": {m: self.metric_info(m) for m in self.metrics},
        }


def open_benchmark(path: str | os.PathLike[str], name: str, verify: str = "lazy", hint: str = "") -> Benchmark:
    """Open a store file as a Benchmark; ``hint`` says how to rebuild it if it is refused."""
    hint = hint or f"rebuild it with `archbench datasets build {name} --force`"
    return Benchmark(StoreFile(path, rebuild_hint=hint, verify=verify), name)
