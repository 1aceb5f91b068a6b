"""A user's own network builder, named in a table's card as ``builder: file.py:function``.

The function takes one canonical architecture string and returns a ``torch.nn.Module`` that also has
``example_inputs(batch) -> tuple`` (the forward arguments for ``batch`` samples, e.g. a Gaussian image
batch); ``features(...)`` is optional (zen-score reads it when present, else the output). The output's
last dimension is the number of classes the data-dependent proxies draw random labels from.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from bench.benchmark import Benchmark
from bench.errors import UsageError
from bench.networks.base import NetworkBuilder
from bench.plugins import load_object
from bench.spaces import SearchSpace


class FunctionBuilder(NetworkBuilder):
    """Wraps a plug-in function ``f(arch: str) -> nn.Module`` with ``example_inputs(batch)``."""

    def __init__(self, spec: str, space: SearchSpace, dataset: str = "") -> None:
        self.spec, self.space, self.dataset = spec, space, dataset
        self.function = load_object(spec, "network builder")
        if not callable(self.function):
            raise UsageError(f"network builder {spec!r} is not a function")
        self._template: nn.Module | None = None
        self._outputs: int | None = None

    def build(self, code: np.ndarray) -> nn.Module:
        arch = self.space.to_strings(np.asarray(code).reshape(1, -1))[0]
        model = self.function(arch)
        if not isinstance(model, nn.Module) or not callable(getattr(model, "example_inputs", None)):
            raise UsageError(f"network builder {self.spec!r} must return a torch.nn.Module with an "
                             f"example_inputs(batch) method; it returned {type(model).__name__} for {arch!r}")
        self._template = model
        return model.eval()

    def inputs(self, batch: int, generator: torch.Generator | None = None) -> tuple[Any, ...]:
        if self._template is None:
            self.build(self._first_code())
        inputs = self._template.example_inputs(batch)  # type: ignore[union-attr]
        return tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)

    def _first_code(self) -> np.ndarray:
        return self.space.sample(1, np.random.default_rng(0))[0]

    @property
    def num_outputs(self) -> int:
        if self._outputs is None:
            model = self._template or self.build(self._first_code())
            with torch.no_grad():
                self._outputs = int(model(*self.inputs(1)).shape[-1])
        return self._outputs

    def describe(self) -> str:
        return f"user network builder {self.spec}"


def builder_for(b: Benchmark, dataset: str | None = None) -> NetworkBuilder:
    """The benchmark's network builder: the card's plug-in if it names one, else its space's own."""
    spec = b.attrs.get("network_builder")
    if spec:
        return FunctionBuilder(str(spec), b.space, dataset or "")
    return b.space.network_builder(dataset or str(b.attrs.get("dataset") or b.name.split("/")[-1]))
