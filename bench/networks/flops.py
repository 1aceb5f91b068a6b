"""FLOPs per sample as NB201/NASLib publish them, counted by forward hooks on the layers that run.

The convention (recovered from NASLib's ``flops`` column of the NB201 cells, which it matches to
within 1,088 FLOPs per network, a constant): a convolution or linear layer counts its
multiply-accumulates (plus one per output for a conv bias; linear biases are free), ReLU one per
output element, BatchNorm two per element (one without affine parameters), average/max pooling its
kernel area per output element, global average pooling one per input element. Additions and
skip connections are free. Dense transforms inside torch-geometric layers count as linear layers
(message passing itself is not counted). Reported in millions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn


def _conv(m: nn.Conv2d, x: torch.Tensor, out: torch.Tensor) -> float:
    kh, kw = m.kernel_size
    positions = out.numel() // out.shape[1]
    flops = kh * kw * m.in_channels * m.out_channels // m.groups * positions
    return float(flops + (out.numel() if m.bias is not None else 0))


def _linear(m: nn.Module, x: torch.Tensor, out: torch.Tensor) -> float:
    return float(x.numel() * out.shape[-1])


def _pool(m: nn.Module, x: torch.Tensor, out: torch.Tensor) -> float:
    k = m.kernel_size
    area = k * k if isinstance(k, int) else k[0] * k[1]
    return float(out.numel() * area)


def _batchnorm(m: nn.Module, x: torch.Tensor, out: torch.Tensor) -> float:
    return float(x.numel() * (2 if m.affine else 1))


def _counters() -> dict[type, Callable[[Any, torch.Tensor, torch.Tensor], float]]:
    counters: dict[type, Callable[[Any, torch.Tensor, torch.Tensor], float]] = {
        nn.Conv2d: _conv, nn.Linear: _linear, nn.ReLU: lambda m, x, o: float(o.numel()),
        nn.BatchNorm1d: _batchnorm, nn.BatchNorm2d: _batchnorm, nn.AvgPool2d: _pool, nn.MaxPool2d: _pool,
        nn.AdaptiveAvgPool2d: lambda m, x, o: float(x.numel()),
    }
    from torch_geometric.nn.dense.linear import Linear as PygLinear

    counters[PygLinear] = _linear
    return counters


@torch.no_grad()
def count_flops(model: nn.Module, inputs: tuple[Any, ...], samples: int = 1) -> float:
    """MFLOPs per sample of one forward pass on ``inputs`` (which hold ``samples`` samples)."""
    counters = _counters()
    total = [0.0]

    def hook(m: nn.Module, args: tuple[Any, ...], out: Any) -> None:
        x = args[0] if args and isinstance(args[0], torch.Tensor) else out
        total[0] += counters[type(m)](m, x, out)

    handles = [m.register_forward_hook(hook) for m in model.modules() if type(m) in counters]
    try:
        model(*inputs)
    finally:
        for h in handles:
            h.remove()
    return total[0] / samples / 1e6
