"""The NAS-Bench-201 network of a cell (Dong & Yang, ICLR 2020), as the benchmark trained it.

Stem 3x3 conv (16 channels) + BN; three stages of five cells at 16, 32, 64 channels with a stride-2
ResNet basic block between stages; head BN-ReLU-global average pool-linear. Cell edges carry
``none`` (zeros), ``skip_connect``, ReLU-Conv1x1-BN, ReLU-Conv3x3-BN or 3x3 average pooling; cell
BNs are affine with running statistics, as in the benchmark's ``InferCell`` (zero-cost-nas builds its
proxy network without affine cell BNs, which is 0.4 % fewer parameters). Parameter counts and FLOPs
equal the benchmark's published ``params``/``flops`` (NASLib's zero-cost files copy them), see
``tests/test_networks.py``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from bench.networks.base import NetworkBuilder
from bench.spaces.nb201 import EDGES, OPS

#: dataset -> (classes, input side); the benchmark's CIFAR-10 "valid" and "test" tables share a network
DATASETS: dict[str, tuple[int, int]] = {"cifar10": (10, 32), "cifar100": (100, 32), "imagenet16-120": (120, 16)}
STEM_CHANNELS = 16
CELLS_PER_STAGE = 5


def dataset_key(dataset: str) -> str:
    """``cifar10-valid`` and ``cifar10`` name one network; the error lists what exists."""
    key = dataset.lower().removesuffix("-valid").removesuffix("-test")
    if key not in DATASETS:
        raise ValueError(f"no NB201 network for dataset {dataset!r}; known: {', '.join(DATASETS)}")
    return key


class ReLUConvBN(nn.Sequential):
    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=kernel // 2, bias=False),
            nn.BatchNorm2d(c_out),
        )


class Zero(nn.Module):
    """The ``none`` op: zeros of the input's shape (kept as an op so latency counts it as NB201 does)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.mul(0.0)


def make_op(name: str, channels: int) -> nn.Module:
    if name == "none":
        return Zero()
    if name == "skip_connect":
        return nn.Identity()
    if name == "nor_conv_1x1":
        return ReLUConvBN(channels, channels, 1, 1)
    if name == "nor_conv_3x3":
        return ReLUConvBN(channels, channels, 3, 1)
    if name == "avg_pool_3x3":
        return nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)
    raise ValueError(f"unknown NB201 op {name!r}")


class Cell(nn.Module):
    """Node j sums its incoming edges' ops over nodes 0..j-1; the cell outputs node 3."""

    def __init__(self, ops: tuple[str, ...], channels: int) -> None:
        super().__init__()
        self.edges = nn.ModuleList(make_op(op, channels) for op in ops)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for j in range(1, 4):
            nodes.append(sum(self.edges[e](nodes[s]) for e, (s, t) in enumerate(EDGES) if t == j))
        return nodes[3]


class ResidualReduction(nn.Module):
    """The stride-2 ResNet basic block between stages; the shortcut is avg-pool then a 1x1 conv."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1)
        self.shortcut = nn.Sequential(nn.AvgPool2d(2, stride=2), nn.Conv2d(c_in, c_out, 1, bias=False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


class NB201Network(nn.Module):
    """The full NB201 network; :meth:`features` stops before global pooling (what zen-score reads)."""

    def __init__(self, ops: tuple[str, ...], num_classes: int, channels: int = STEM_CHANNELS,
                 cells_per_stage: int = CELLS_PER_STAGE) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))
        layers: list[nn.Module] = []
        c = channels
        for stage in range(3):
            if stage:
                layers.append(ResidualReduction(c, 2 * c))
                c *= 2
            layers.extend(Cell(ops, c) for _ in range(cells_per_stage))
        self.cells = nn.Sequential(*layers)
        self.head = nn.Sequential(nn.BatchNorm2d(c), nn.ReLU(inplace=False))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.cells(self.stem(x)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.pool(self.features(x)).flatten(1))


class NB201Builder(NetworkBuilder):
    """NB201 networks for one dataset (CIFAR-10, CIFAR-100 or ImageNet16-120 sizes)."""

    def __init__(self, dataset: str = "cifar10") -> None:
        self.dataset = dataset_key(dataset)
        self.classes, self.side = DATASETS[self.dataset]

    def build(self, code: np.ndarray) -> NB201Network:
        ops = tuple(OPS[int(c)] for c in np.asarray(code).reshape(-1))
        return NB201Network(ops, self.classes).eval()

    def inputs(self, batch: int, generator: torch.Generator | None = None) -> tuple[Any, ...]:
        return (torch.randn(batch, 3, self.side, self.side, generator=generator),)

    @property
    def num_outputs(self) -> int:
        return self.classes

    def describe(self) -> str:
        return (f"NB201 network ({self.dataset}: {self.classes} classes, 3x{self.side}x{self.side} input), "
                "16-32-64 channels, 5 cells per stage")
