"""Which benchmarks exist: the defaults built from PyPI packages, plus any file in the data directory."""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.errors import KeyedError
from bench.paths import benchmark_path, data_dir


class UnknownBenchmark(KeyedError):
    """A benchmark name that is neither a default nor a built file; the message suggests the closest."""


@dataclass(frozen=True)
class DefaultBenchmark:
    name: str
    description: str
    build: Callable[[Path], Path]


def _nasbench_graph(dataset: str) -> Callable[[Path], Path]:
    def build(path: Path) -> Path:
        from bench.importers import nasbench_graph

        return nasbench_graph.build(dataset, path)

    return build


def _analog(path: Path) -> Path:
    from bench.importers import analog_nasbench

    return analog_nasbench.build(path)


NASBENCH_GRAPH_DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins")

DEFAULTS: dict[str, DefaultBenchmark] = {
    **{
        f"nasbench-graph/{ds}": DefaultBenchmark(
            f"nasbench-graph/{ds}", f"NAS-Bench-Graph, {ds}: valid/test accuracy, latency, params", _nasbench_graph(ds)
        )
        for ds in NASBENCH_GRAPH_DATASETS
    },
    "nb201-analog/cifar10": DefaultBenchmark(
        "nb201-analog/cifar10", "AnalogNAS-Bench: NB201 cells on CIFAR-10, digital/quantized/analog/drift accuracy",
        _analog,
    ),
}

DEFAULT_BENCHMARK = "nasbench-graph/cora"


def built_benchmarks(override: str | os.PathLike[str] | None = None) -> list[str]:
    """Names of all benchmark files present in the data directory (defaults and imported)."""
    root = data_dir(override)
    if not root.is_dir():
        return []
    return sorted(f"{p.parent.name}/{p.stem}" for p in root.glob("*/*.h5"))


def list_benchmarks(override: str | os.PathLike[str] | None = None) -> list[str]:
    """Every benchmark a user can load: the defaults (built on first use) and imported files."""
    return sorted(set(DEFAULTS) | set(built_benchmarks(override)))


def resolve(name: str, override: str | os.PathLike[str] | None = None) -> Path:
    """The file path for ``name``; UnknownBenchmark (with the closest names) if it cannot exist."""
    known = list_benchmarks(override)
    if name in known:
        return benchmark_path(name, override)
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else f"; known: {', '.join(known)}"
    raise UnknownBenchmark(f"unknown benchmark {name!r}{hint}")


def build_default(name: str, override: str | os.PathLike[str] | None = None) -> Path:
    """(Re)build a default benchmark from its PyPI package into the data directory."""
    if name not in DEFAULTS:
        resolve(name, override)  # raises with suggestions when unknown
        raise UnknownBenchmark(f"{name!r} is an imported benchmark; re-import it with `archbench import`")
    return DEFAULTS[name].build(benchmark_path(name, override))
