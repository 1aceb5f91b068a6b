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
Denormal floats are flushed to zero while proxies run: untrained networks produce them (all-skip NB201
cells under zen), and x86 handles them up to 10x slower; the values they stand for are below 1e-38.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from functools import partial
from multiprocessing import get_context
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
#: proxies that read only what reaches the output: a layer on a dead branch (an NB201 edge into a node that
#: no path carries to the output) gets zero gradient, so it adds nothing. One value per isomorphism class
#: serves every cell of it. Parameters, FLOPs, zen-score (it sums every BN layer's variance), nwot and
#: jacov (every ReLU) also count dead branches, as latency does: those are measured cell by cell.
CLASS_INVARIANT = ("synflow", "snip", "grad_norm")
#: samples of Gaussian input per proxy unless the caller sets one: zen-score as Zen-NAS scores a network
#: (two forward passes of 16), the data-dependent ones as NASLib's zero-cost benchmark batches (64)
DEFAULT_BATCH = {"zen": 16, "nwot": 64, "jacov": 64, "snip": 64, "grad_norm": 64}
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


def _channels_last(model: nn.Module, inputs: tuple[Any, ...]) -> tuple[Any, ...]:
    """Image networks in channels-last layout: oneDNN's float convolutions take ~25 % less CPU on it (same
    values up to float rounding); graph inputs pass unchanged."""
    if not inputs or not isinstance(inputs[0], torch.Tensor) or inputs[0].dim() != 4:
        return inputs
    model.to(memory_format=torch.channels_last)
    return (inputs[0].contiguous(memory_format=torch.channels_last), *inputs[1:])


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
        x = _channels_last(model, x)
        mixed = (x[0] + mixup * noise.to(x[0].device), *x[1:])
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


def batch_of(proxy: str, batch: int | None = None) -> int | None:
    """Samples of Gaussian input ``proxy`` sees (``None`` for those that take no batch)."""
    if proxy not in DEFAULT_BATCH:
        return None
    return DEFAULT_BATCH[proxy] if batch is None else int(batch)


def compute(proxy: str, builder: NetworkBuilder, code: np.ndarray, seed: int, batch: int | None = None) -> float:
    """One proxy of one architecture; ``seed`` fixes the weights, inputs and labels it sees."""
    torch.manual_seed(seed)  # layer initialisation draws from the global generator
    generator = torch.Generator().manual_seed(seed)
    fn = FUNCTIONS[proxy]
    size = batch_of(proxy, batch)
    return fn(builder, code, generator) if size is None else fn(builder, code, generator, batch=size)


def arch_seed(seed: int, arch_id: int) -> int:
    """A per-architecture seed, so a resumed run computes what an uninterrupted one would have."""
    return (int(seed) * 1_000_003 + int(arch_id)) % (2**63)


def measure_one(builder: NetworkBuilder, arch_id: int, code: np.ndarray, proxies: list[str], seed: int,
                batch: int | None) -> dict[str, Any]:
    """Every proxy of one architecture: ``{id, values, seconds}`` (seconds of this process's CPU time
    too, so the cost is comparable when other work shares the machine)."""
    values, seconds, cpu = {}, {}, {}
    for proxy in proxies:
        start, start_cpu = time.perf_counter(), time.process_time()
        values[proxy] = compute(proxy, builder, code, arch_seed(seed, arch_id), batch)
        seconds[proxy] = time.perf_counter() - start
        cpu[proxy] = time.process_time() - start_cpu
    return {"id": int(arch_id), "values": values, "seconds": seconds, "cpu_seconds": cpu}


_WORKER: dict[str, Any] = {}


def _start_worker(make_builder: Callable[[], NetworkBuilder]) -> None:
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    _WORKER["builder"] = make_builder()


def _given(builder: NetworkBuilder) -> NetworkBuilder:
    return builder


def _work(arch_id: int, code: np.ndarray, proxies: list[str], seed: int, batch: int | None) -> dict[str, Any]:
    return measure_one(_WORKER["builder"], arch_id, code, proxies, seed, batch)


def run(builder: NetworkBuilder, codes: dict[int, np.ndarray], proxies: Iterable[str], seed: int,
        batch: int | None, done: set[int], record: Callable[[dict[str, Any]], None],
        on_step: Callable[[], None] | None = None, jobs: int = 1,
        make_builder: Callable[[], NetworkBuilder] | None = None) -> None:
    """Every proxy of every architecture not in ``done``; ``record`` gets each ``{id, values, seconds}``
    in the order they finish. ``jobs > 1`` spreads architectures over worker processes of one thread each
    (``make_builder``, a picklable factory, gives each its builder; default: the pickled ``builder``).
    Per-architecture seeds make the values independent of ``jobs`` and of interruptions."""
    proxies = list(proxies)
    todo = [a for a in sorted(codes) if a not in done]
    if jobs <= 1:
        torch.set_flush_denormal(True)
        try:
            for arch_id in todo:
                record(measure_one(builder, arch_id, codes[arch_id], proxies, seed, batch))
                if on_step is not None:
                    on_step()
        finally:
            torch.set_flush_denormal(False)
        return
    factory = make_builder if make_builder is not None else partial(_given, builder)
    with ProcessPoolExecutor(jobs, mp_context=get_context("spawn"), initializer=_start_worker,
                             initargs=(factory,)) as pool:
        pending: set[Future] = set()
        queue = iter(todo)
        for arch_id in queue:  # keep a few architectures per worker in flight, not the whole list
            pending.add(pool.submit(_work, arch_id, codes[arch_id], proxies, seed, batch))
            if len(pending) >= 4 * jobs:
                break
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                record(future.result())
                if on_step is not None:
                    on_step()
                arch_id = next(queue, None)
                if arch_id is not None:
                    pending.add(pool.submit(_work, arch_id, codes[arch_id], proxies, seed, batch))
