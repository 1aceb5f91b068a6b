"""Search spaces, looked up by name; each space lives in its own module."""

from __future__ import annotations

from typing import Any

from bench.errors import UsageError
from bench.spaces.base import ENCODINGS, InvalidArchitecture, SearchSpace

__all__ = ["ENCODINGS", "InvalidArchitecture", "SearchSpace", "get_space", "SPACE_NAMES"]

SPACE_NAMES = ("nasbench-graph", "nb201", "sequence", "graph")


def get_space(name: str, **config: Any) -> SearchSpace:
    """Instantiate a space by registry name with the config stored beside a benchmark."""
    if name == "nasbench-graph":
        from bench.spaces.nasbench_graph import NasBenchGraphSpace

        return NasBenchGraphSpace(**config)
    if name == "nb201":
        from bench.spaces.nb201 import NB201Space

        return NB201Space(**config)
    if name == "sequence":
        from bench.spaces.sequence import SequenceSpace

        return SequenceSpace(**config)
    if name == "graph":
        from bench.spaces.graph import GraphSpace

        return GraphSpace(**config)
    raise UsageError(f"unknown search space {name!r}; known: {', '.join(SPACE_NAMES)}")
