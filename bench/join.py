"""Join benchmarks of one search space on the canonical architecture id.

NB201 labels come from several sources (200-epoch accuracy, 12-epoch accuracy, HELP latency,
AnalogNAS, NASLib zero-cost proxies); they all key cells by the NB201 index, so a join needs no
string matching. ``bench.join("nb201/cifar10-valid", "nb201-latency/help")`` (or
``bench.load("nb201/cifar10-valid+nb201-latency/help")``) returns an ordinary
:class:`~bench.benchmark.Benchmark` over the **inner join**: the architectures present in every
input, in ascending id order, with the metrics of all inputs. Nothing is copied to disk; each
array is read from its own file (checksum-verified as usual) and row-selected on first use.

Metric names must be unique across the inputs; pass ``prefixes`` (one per input, ``None`` to keep
names) to resolve clashes, e.g. ``prefixes=[None, "ep12_"]``. Each joined metric's
``LabelInfo.extra["benchmark"]`` names the benchmark it came from; units, splits and epochs are
those of the source, never merged.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.benchmark import Benchmark
from bench.errors import UsageError
from bench.store import LabelInfo, StoreFile

#: separator of joined names in ``bench.load("a+b")``
JOIN_SEPARATOR = "+"


class JoinedStore:
    """Read-only :class:`~bench.store.BenchmarkStore` over the inner join of stores."""

    def __init__(self, stores: Sequence[StoreFile], names: Sequence[str], prefixes: Sequence[str | None]) -> None:
        if len(stores) < 2:
            raise UsageError("a join needs at least two benchmarks")
        self._stores = list(stores)
        self._names = list(names)
        first = stores[0].attrs
        for store, name in zip(stores[1:], names[1:], strict=True):
            a = store.attrs
            if (a["space"], json.loads(a["space_config"])) != (first["space"], json.loads(first["space_config"])):
                raise UsageError(f"cannot join {names[0]} (space {first['space']}) with {name} (space {a['space']}, "
                                 "or another configuration): joins need one search space")
        self._labels: dict[str, tuple[int, str]] = {}
        for i, (store, prefix) in enumerate(zip(stores, prefixes, strict=True)):
            for metric in store.label_names():
                joined = f"{prefix or ''}{metric}"
                if joined in self._labels:
                    other = names[self._labels[joined][0]]
                    raise UsageError(f"metric {joined!r} is in both {other} and {names[i]}; use bench.join(..., "
                                     "prefixes=[None, 'b_']) (one prefix per benchmark) to keep both")
                self._labels[joined] = (i, metric)
        ids = [s.read("archs/id") for s in stores]
        common = ids[0]
        for other in ids[1:]:
            common = np.intersect1d(common, other, assume_unique=True)
        self._rows = [np.searchsorted(i, common) for i in ids]
        self._ids = common
        self._cache: dict[str, np.ndarray] = {"archs/id": common}
        common.setflags(write=False)
        self.path: Path = stores[0].path
        self.paths = [s.path for s in stores]
        self._attrs = self._joined_attrs([s.attrs for s in stores], [len(i) for i in ids])

    def _joined_attrs(self, attrs: list[dict[str, Any]], sizes: list[int]) -> dict[str, Any]:
        def joined(key: str) -> str:
            return " + ".join(f"[{n}] {a.get(key, '')}" for n, a in zip(self._names, attrs, strict=True))

        raw: dict[str, Any] = {}
        for n, a in zip(self._names, attrs, strict=True):
            raw[n] = json.loads(a.get("raw_sha256", "{}"))
        parts = ", ".join(f"{n} ({k})" for n, k in zip(self._names, sizes, strict=True))
        return {
            **attrs[0],
            "benchmark": JOIN_SEPARATOR.join(self._names),
            "n_archs": len(self._ids),
            "source": joined("source"),
            "source_version": joined("source_version"),
            "license": joined("license"),
            "citation": joined("citation"),
            "raw_sha256": json.dumps(raw, sort_keys=True),
            "content_sha256": " + ".join(str(a["content_sha256"]) for a in attrs),
            "description": f"inner join on canonical id of {parts}: {len(self._ids)} architectures in all of them",
        }

    # -- the StoreFile interface used by Benchmark ------------------------------------------------
    @property
    def attrs(self) -> dict[str, Any]:
        return dict(self._attrs)

    def has(self, key: str) -> bool:
        if key.startswith("labels/"):
            return key[len("labels/"):] in self._labels
        return any(s.has(key) for s in self._stores)

    def read(self, key: str) -> np.ndarray:
        arr = self._cache.get(key)
        if arr is None:
            if key.startswith("labels/"):
                i, metric = self._labels[key[len("labels/"):]]
                arr = self._stores[i].read(f"labels/{metric}")[self._rows[i]]
            else:
                i = next(k for k, s in enumerate(self._stores) if s.has(key))
                arr = self._stores[i].read(key)[self._rows[i]]
            arr.setflags(write=False)
            self._cache[key] = arr
        return arr

    def label_names(self) -> list[str]:
        return list(self._labels)

    def label_info(self, name: str) -> LabelInfo:
        i, metric = self._labels[name]
        info = self._stores[i].label_info(metric)
        return dataclasses.replace(info, name=name, extra={**info.extra, "benchmark": self._names[i]})

    def close(self) -> None:
        for s in self._stores:
            s.close()


def join(
    *names: str, prefixes: Sequence[str | None] | None = None, data_dir: str | os.PathLike[str] | None = None,
    verify: str = "lazy",
) -> Benchmark:
    """Inner join of benchmarks of one space on canonical id, as one read-only :class:`Benchmark`."""
    from bench.loading import load  # load opens joined names through this function

    if len(names) == 1 and JOIN_SEPARATOR in names[0]:
        names = tuple(names[0].split(JOIN_SEPARATOR))
    if len(names) < 2:
        raise UsageError("join needs at least two benchmark names")
    if prefixes is None:
        prefixes = [None] * len(names)
    if len(prefixes) != len(names):
        raise UsageError(f"prefixes has {len(prefixes)} entries for {len(names)} benchmarks")
    opened = []
    try:
        for n in names:
            opened.append(load(n, data_dir, verify=verify))
        store = JoinedStore([b._store for b in opened], list(names), list(prefixes))
    except BaseException:
        for b in opened:
            b.close()
        raise
    return Benchmark(store, JOIN_SEPARATOR.join(names))
