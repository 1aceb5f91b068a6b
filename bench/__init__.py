"""ArchBench: standardized tabular NAS benchmarks with honest labels, fast look-ups and frozen protocols.

>>> import bench
>>> b = bench.load("nasbench-graph/cora")       # built from the PyPI package on first use
>>> b.query(b.sample(5, seed=0), "valid_acc")
"""

from __future__ import annotations

from bench.benchmark import Benchmark, UnknownMetric
from bench.data import ArchBatch
from bench.errors import ArchBenchError
from bench.join import join
from bench.loading import build, load
from bench.pyg import torch_geometric_dataset
from bench.registry import DEFAULT_BENCHMARK, DEFAULTS, UnknownBenchmark, list_benchmarks
from bench.spaces import InvalidArchitecture, get_space
from bench.store import LabelInfo, StoreError

__version__ = "0.1.0"

__all__ = [
    "ArchBatch",
    "ArchBenchError",
    "Benchmark",
    "DEFAULTS",
    "DEFAULT_BENCHMARK",
    "InvalidArchitecture",
    "LabelInfo",
    "StoreError",
    "torch_geometric_dataset",
    "UnknownBenchmark",
    "UnknownMetric",
    "build",
    "get_space",
    "join",
    "list_benchmarks",
    "load",
]
