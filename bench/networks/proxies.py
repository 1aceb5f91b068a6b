"""Zero-cost proxies that need no dataset, as zero-cost-nas and NASLib define them.

* ``synflow`` -- BNs bypassed, absolute weights, double precision, all-ones input of one sample:
  the sum over conv/linear weights of ``|w * dR/dw|`` with ``R`` the sum of the outputs. Stored as its
  natural log, as NASLib's NB201 file stores it (the raw sum reaches 1e20 and more).
* ``zen`` -- Zen-score: Gaussian weights, BN in training mode, Gaussian input and a 0.01-scaled
  Gaussian perturbation; log of the mean L1 change of the pre-pooling features plus the log BN scales.
* ``params`` (millions), ``flops`` (millions per sample, :mod:`bench.networks.flops`).
* ``nwot``, ``jacov``, ``snip``, ``grad_norm`` need images and labels in their papers; here they get
  Gaussian inputs and uniformly random labels, and are stored as ``zc_<proxy>_gauss`` so nobody
  mistakes them for real-data values.

Every proxy gets its own freshly built network (``build()``), so none sees another's weight changes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from bench.networks.base import NetworkBuilder, count_params
from bench.networks.flops import count_flops

#: proxies that need no data at all, and those computed on Gaussian data with random labels
DATA_FREE = ("synflow", "zen", "params", "flops")
GAUSSIAN = ("nwot", "jacov", "snip", "grad_norm")
PROXIES = DATA_FREE + GAUSSIAN
#: rows (samples or graph nodes) the kernel-based proxies use at most
MAX_ROWS = 512
_NORMS = (nn.BatchNorm1d, nn.BatchNorm2d)


def column(proxy: str) -> str:
    """The table column of a proxy: ``params``/``flops`` as is, ``zc_<p>``, ``zc_<p>_gauss`` on fake data."""
    if proxy in ("params", "flops"):
        return proxy
    return f"zc_{proxy}_gauss" if proxy in GAUSSIAN else f"zc_{proxy}"


def _weighted_layers(model: nn.Module) -> list[nn.Module]:
    """Layers whose weights the proxies score: convolutions and linear maps (incl. inside GNN layers)."""
    from torch_geometric.nn.dense.linear import Linear as PygLinear

    kinds = (nn.Conv2d, nn.Linear, PygLinear)
    return [m for m in model.modules() if isinstance(m, kinds) and isinstance(getattr(m, "weight", None), nn.Parameter)]


def _bypass_norms(model: nn.Module) -> None:
    for m in model.modules():
        if isinstance(m, _NORMS):
            m.forward = lambda x: x  # type: ignore[method-assign]


def _features(model: nn.Module, inputs: tuple[Any, ...]) -> torch.Tensor:
    features = getattr(model, "features", None)
    return features(*inputs) if callable(features) else model(*inputs)


def synflow(builder: NetworkBuilder, code: np.ndarray, generator: torch.Generator) -> float:
    model = builder.build(code).double()
    _bypass_norms(model)
    with torch.no_grad():
        for p in model.parameters():
            p.abs_()
    inputs = tuple(x.double().fill_(1.0) if x.is_floating_point() else x for x in builder.inputs(1, generator))
    model(*inputs).sum().backward()
    with torch.no_grad():
        total = sum(float((m.weight * m.weight.grad).abs().sum()) for m in _weighted_layers(model)
                    if m.weight.grad is not None)
    return float(np.log(total)) if total > 0 else 0.0


def zen(builder: NetworkBuilder, code: np.ndarray, generator: torch.Generator, batch: int = 16,
        mixup: float = 1e-2) -> float:
    model = builder.build(code).train()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, _NORMS) and m.affine:
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        for m in _weighted_layers(model):
            m.weight.normal_(generator=generator)
            if getattr(m, "bias", None) is not None:
                m.bias.zero_()
        x = builder.inputs(batch, generator)
        noise = torch.randn(x[0].shape, generator=generator)
        mixed = (x[0] + mixup * noise, *x[1:])
        delta = (_features(model, x) - _features(model, mixed)).abs()
        per_sample = delta.flatten(1).sum(1) if delta.dim() > 2 else delta.sum(1)
        score = torch.log(per_sample.mean())
        for m in model.modules():
            if isinstance(m, _NORMS) and m.running_var is not None:
                score = score + torch.log(torch.sqrt(m.running_var.mean()))
    return float(score)


def _gaussian_batch(builder: NetworkBuilder, batch: int, generator: torch.Generator
                    ) -> tuple[tuple[Any, ...], torch.Tensor]:
    inputs = builder.inputs(batch, generator)
    labels = torch.randint(0, builder.num_outputs, (builder.samples(inputs),), generator=generator)
    return inputs, labels


def _loss_grads(builder: NetworkBuilder, code: np.ndarray, generator: torch.Generator, batch: int) -> nn.Module:
    model = builder.build(code).train()
    inputs, labels = _gaussian_batch(builder, batch, generator)
    F.cross_entropy(model(*inputs), labels).backward()
    return model


def snip(builder: NetworkBuilder, code: np.ndarray, generator: torch.Generator, batch: int = 64) -> float:
    model = _loss_grads(builder, code, generator, batch)
    return float(sum(float((m.weight * m.weight.grad).abs().sum()) for m in _weighted_layers(model)
                     if m.weight.grad is not None))


def grad_norm(builder: NetworkBuilder, code: np.ndarray, generator: torch.Generator, batch: int = 64) -> float:
    model = _loss_grads(builder, code, generator, batch)
    return float(sum(float(m.weight.grad.norm()) for m in _weighted_layers(model) if m.weight.grad is not None))


def nwot(builder: NetworkBuilder, code: np.ndarray, generator: torch.Generator, batch: int = 64) -> float:
    """NASWOT: log-determinant of the Hamming-similarity kernel of the ReLU activation patterns."""
    model = builder.build(code).train()
    inputs, _ = _gaussian_batch(builder, batch, generator)
    rows = min(builder.samples(inputs), MAX_ROWS)
    kernel = torch.zeros(rows, rows, dtype=torch.float64)

    def hook(m: nn.Module, args: tuple[torch.Tensor, ...], out: torch.Tensor) -> None:
        codes = (args[0].detach()[:rows].reshape(rows, -1) > 0).double()
        kernel.add_(codes @ codes.t() + (1 - codes) @ (1 - codes).t())

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.ReLU)]
    try:
        with torch.no_grad():
            model(*inputs)
    finally:
        for h in handles:
            h.remove()
    return float(torch.linalg.slogdet(kernel).logabsdet)


def jacov(builder: NetworkBuilder, code: np.ndarray, generator: torch.Generator, batch: int = 64) -> float:
    """Jacobian covariance: how decorrelated the input Jacobians of different samples are."""
    model = builder.build(code).train()
    inputs, _ = _gaussian_batch(builder, batch, generator)
    x = inputs[0].clone().requires_grad_(True)
    model(x, *inputs[1:]).sum().backward()
    rows = min(builder.samples(inputs), MAX_ROWS)
    jac = x.grad[:rows].reshape(rows, -1).double()
    corr = torch.nan_to_num(torch.corrcoef(jac))
    eig = torch.linalg.eigvalsh(corr)
    k = 1e-5
    return float(-torch.sum(torch.log(eig + k) + 1.0 / (eig + k)))


def params(builder: NetworkBuilder, code: np.ndarray, generator: torch.Generator) -> float:
    return count_params(builder.build(code)) / 1e6


def flops(builder: NetworkBuilder, code: np.ndarray, generator: torch.Generator) -> float:
    inputs = builder.inputs(1, generator)
    return count_flops(builder.build(code), inputs, builder.samples(inputs))


FUNCTIONS: dict[str, Callable[..., float]] = {
    "synflow": synflow, "zen": zen, "params": params, "flops": flops,
    "nwot": nwot, "jacov": jacov, "snip": snip, "grad_norm": grad_norm,
}


def compute(proxy: str, builder: NetworkBuilder, code: np.ndarray, seed: int, batch: int = 64) -> float:
    """One proxy of one architecture; ``seed`` fixes the weights, inputs and labels it sees."""
    torch.manual_seed(seed)  # layer initialisation draws from the global generator
    generator = torch.Generator().manual_seed(seed)
    fn = FUNCTIONS[proxy]
    if proxy in GAUSSIAN or proxy == "zen":
        return fn(builder, code, generator, batch=batch)
    return fn(builder, code, generator)


def arch_seed(seed: int, arch_id: int) -> int:
    """A per-architecture seed, so a resumed run computes what an uninterrupted one would have."""
    return (int(seed) * 1_000_003 + int(arch_id)) % (2**63)


def run(builder: NetworkBuilder, codes: dict[int, np.ndarray], proxies: Iterable[str], seed: int, batch: int,
        done: set[int], record: Callable[[dict[str, Any]], None], on_step: Callable[[], None] | None = None) -> None:
    """Every proxy of every architecture not in ``done``; ``record`` gets ``{id, values, seconds}``."""
    proxies = list(proxies)
    for arch_id in sorted(codes):
        if arch_id in done:
            continue
        values, seconds = {}, {}
        for proxy in proxies:
            start = time.perf_counter()
            values[proxy] = compute(proxy, builder, codes[arch_id], arch_seed(seed, arch_id), batch)
            seconds[proxy] = time.perf_counter() - start
        record({"id": int(arch_id), "values": values, "seconds": seconds})
        if on_step is not None:
            on_step()
