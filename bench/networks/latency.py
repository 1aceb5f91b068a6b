"""Forward latency of many networks on this machine, measured so that load drift does not follow ids.

Networks are built a block at a time; each gets ``warmup`` untimed forwards, then ``repeats`` passes
run over the block in a fresh random order each pass, one timed forward (eval mode, no grad) per
network per pass. Every timing is handed to ``record`` as soon as it exists (the run log), so a killed
run loses at most the forward in flight.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import torch

from bench.networks.base import NetworkBuilder


def pin_threads(threads: int) -> list[int]:
    """Use ``threads`` intra-op threads, pinned to as many CPUs this process may run on; the CPUs used."""
    torch.set_num_threads(threads)
    if not hasattr(os, "sched_setaffinity"):
        return []
    cpus = sorted(os.sched_getaffinity(0))[:threads]
    os.sched_setaffinity(0, cpus)
    return cpus


def _to(inputs: tuple[Any, ...], device: torch.device) -> tuple[Any, ...]:
    return tuple(x.to(device) if isinstance(x, torch.Tensor) else x for x in inputs)


def _timed(model: torch.nn.Module, inputs: tuple[Any, ...], device: torch.device) -> float:
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    model(*inputs)
    if cuda:
        torch.cuda.synchronize(device)
    return (time.perf_counter() - start) * 1e3


def measure(builder: NetworkBuilder, codes: dict[int, np.ndarray], batches: Iterable[int], repeats: int, warmup: int,
            device: str, done: set[tuple[int, int, int]], record: Callable[[dict[str, Any]], None],
            seed: int = 0, block: int = 16, on_step: Callable[[], None] | None = None) -> None:
    """Time every (architecture, batch, pass) not in ``done``; ``record`` gets ``{id, batch, pass, ms}``."""
    dev = torch.device(device)
    rng = np.random.default_rng(seed)
    order = np.array(sorted(codes), dtype=np.int64)
    rng.shuffle(order)
    batches = list(batches)
    generator = torch.Generator().manual_seed(seed)
    inputs = {b: _to(builder.inputs(b, generator), dev) for b in batches}
    for start in range(0, len(order), block):
        ids = [int(i) for i in order[start:start + block]
               if any((int(i), b, r) not in done for b in batches for r in range(repeats))]
        if not ids:
            continue
        models = {i: builder.build(codes[i]).to(dev).eval() for i in ids}
        with torch.inference_mode():
            for b in batches:
                x = inputs[b]
                for i in ids:
                    for _ in range(warmup):
                        models[i](*x)
                for r in range(repeats):
                    for i in rng.permutation(ids).tolist():
                        if (i, b, r) in done:
                            continue
                        record({"id": i, "batch": b, "pass": r, "ms": _timed(models[i], x, dev)})
                        if on_step is not None:
                            on_step()
        del models
