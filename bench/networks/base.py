"""What a space's network builder offers: a torch module per architecture and inputs that need no download.

Measuring latency and computing zero-cost proxies only needs these two things, so a user's own space
plugs in with one function (see :mod:`bench.networks.plugin`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import torch
from torch import nn


class NetworkBuilder(ABC):
    """Builds the network of one architecture (a canonical code row) for one dataset."""

    #: the dataset whose sizes (input shape, classes, graph) the networks take
    dataset: str = ""

    @abstractmethod
    def build(self, code: np.ndarray) -> nn.Module:
        """A freshly initialised network of one architecture, in eval mode on the CPU."""

    @abstractmethod
    def inputs(self, batch: int, generator: torch.Generator | None = None) -> tuple[Any, ...]:
        """Synthetic forward arguments for ``batch`` samples (Gaussian images, a random graph...)."""

    @property
    @abstractmethod
    def num_outputs(self) -> int:
        """Output width (classes), the range of the random labels of data-dependent proxies."""

    def samples(self, inputs: tuple[Any, ...]) -> int:
        """How many samples (rows of the output) ``inputs`` hold."""
        return int(inputs[0].shape[0])

    def describe(self) -> str:
        """One line for table metadata: what network and input each architecture gets."""
        return type(self).__name__


def count_params(model: nn.Module) -> int:
    """Trainable parameters, counted as NB201 and NAS-Bench-Graph count them (every registered parameter)."""
    return int(sum(p.numel() for p in model.parameters()))
