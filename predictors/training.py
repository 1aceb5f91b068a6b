"""Shared torch training for the neural predictors (GNNs, MLP, BANANAS).

Everything runs inside :func:`torch_session`, which seeds a forked RNG (the caller's global torch
RNG is left untouched), applies the thread count and turns on deterministic algorithms, restoring
all three afterwards. Training is minibatch Adam with cosine learning-rate decay on the transformed
target, with an optional pairwise logistic ranking term: rank correlation is what predictors are
judged on, and the ranking term spends capacity on ordering close architectures correctly rather
than on fitting outliers.

The neural predictors default to one thread (``n_threads=1``): their tensors are small, and
OpenMP threads spin-wait when the cores are shared, which can make a multi-threaded fit several
times slower than a single-threaded one. Parallelise over fits (``archbench evaluate --jobs``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np


@contextmanager
def torch_session(seed: int, n_threads: int | None = None) -> Iterator[None]:
    """Seeded, deterministic, thread-limited torch for the duration of a fit or predict."""
    import torch

    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    warn_only = torch.is_deterministic_algorithms_warn_only_enabled()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        if n_threads:
            torch.set_num_threads(int(n_threads))
        torch.use_deterministic_algorithms(True, warn_only=True)
        try:
            yield
        finally:
            torch.set_num_threads(threads)
            torch.use_deterministic_algorithms(deterministic, warn_only=warn_only)


def pairwise_logistic_loss(pred: Any, target: Any) -> Any:
    """Mean ``log(1 + exp(-s (p_i - p_j)))`` over ordered pairs with ``s = sign(y_i - y_j) != 0``."""
    import torch
    import torch.nn.functional as F

    sign = torch.sign(target[:, None] - target[None, :])
    diff = pred[:, None] - pred[None, :]
    mask = sign != 0
    if not bool(mask.any()):
        return pred.sum() * 0.0
    return F.softplus(-sign[mask] * diff[mask]).mean()


def train_regressor(
    model: Any,
    forward: Callable[[Any], Any],
    z: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    weight_decay: float,
    rank_weight: float,
    seed: int,
) -> list[float]:
    """Fit ``model`` so that ``forward(index_tensor)`` predicts ``z[index]``; returns per-epoch losses.

    ``forward`` builds the inputs of the selected training examples itself, so one loop serves
    vector and graph models alike.
    """
    import torch
    import torch.nn.functional as F

    target = torch.as_tensor(np.asarray(z, dtype=np.float32))
    n = len(target)
    batch_size = max(2, min(int(batch_size), n))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(1, int(epochs)))
    generator = torch.Generator().manual_seed(int(seed))
    history = []
    model.train()
    for _ in range(int(epochs)):
        order = torch.randperm(n, generator=generator)
        total = 0.0
        for start in range(0, n, batch_size):
            index = order[start : start + batch_size]
            if len(index) < 2 and n >= 2:  # a lone leftover example: no pairs, noisy step
                continue
            pred = forward(index)
            loss = F.mse_loss(pred, target[index])
            if rank_weight > 0:
                loss = loss + rank_weight * pairwise_logistic_loss(pred, target[index])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * len(index)
        scheduler.step()
        history.append(total / n)
    model.eval()
    return history


def predict_in_chunks(forward: Callable[[Any], Any], n: int, chunk: int = 4096) -> np.ndarray:
    """``forward(index)`` over ``0..n-1`` in chunks without gradients, as float64."""
    import torch

    out = []
    with torch.no_grad():
        for start in range(0, n, chunk):
            out.append(forward(torch.arange(start, min(n, start + chunk))).double().numpy())
    return np.concatenate(out) if out else np.zeros(0)
