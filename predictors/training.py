"""Shared training pieces: target scaling, flat features, and a full-batch torch regression loop."""

from __future__ import annotations

import numpy as np


class TargetScaler:
    """Standardize the target, after a log when ``log`` is true (or "auto": every value is positive).

    Latency-like labels spread over orders of magnitude and their error is judged relatively, so a
    log scale fits them; accuracies are unaffected in rank by the monotone transform.
    """

    def __init__(self, log: bool | str = "auto") -> None:
        self.log = log

    def fit(self, y: np.ndarray) -> TargetScaler:
        y = np.asarray(y, dtype=np.float64)
        self.use_log_ = bool(np.all(y > 0)) if self.log == "auto" else bool(self.log)
        z = np.log(y) if self.use_log_ else y
        self.mean_, self.std_ = float(z.mean()), float(z.std() or 1.0)
        return self

    def transform(self, y: np.ndarray) -> np.ndarray:
        z = np.log(np.asarray(y, dtype=np.float64)) if self.use_log_ else np.asarray(y, dtype=np.float64)
        return (z - self.mean_) / self.std_

    def inverse(self, z: np.ndarray) -> np.ndarray:
        v = np.asarray(z, dtype=np.float64) * self.std_ + self.mean_
        return np.exp(v) if self.use_log_ else v


def features(archs, encoding: str, use_extra: bool) -> np.ndarray:  # noqa: ANN001 (ArchBatch)
    """The encoding as a float32 matrix, with the batch's side features appended when asked."""
    x = np.asarray(archs.encode(encoding), dtype=np.float32)
    if use_extra and archs.extra:
        x = np.hstack([x, np.log1p(np.abs(archs.encode("extra"))) * np.sign(archs.encode("extra"))])
    return x


def fit_torch(model, forward, y: np.ndarray, *, epochs: int, lr: float, weight_decay: float,  # noqa: ANN001
              seed: int, rank_weight: float = 0.0) -> None:
    """Full-batch Adam on MSE (+ a pairwise logistic ranking term when ``rank_weight`` > 0).

    ``forward()`` returns predictions for every training architecture; training sets here are at
    most a few thousand small graphs, so full batches are both fastest and deterministic.
    """
    import torch

    torch.manual_seed(seed)
    target = torch.as_tensor(y, dtype=torch.float32)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(1, epochs))
    gen = torch.Generator().manual_seed(seed)
    n = len(target)
    model.train()
    for _ in range(epochs):
        opt.zero_grad()
        pred = forward()
        loss = torch.nn.functional.mse_loss(pred, target)
        if rank_weight > 0 and n > 1:
            i = torch.randint(0, n, (min(4 * n, 8192),), generator=gen)
            j = torch.randint(0, n, (len(i),), generator=gen)
            sign = torch.sign(target[i] - target[j])
            loss = loss + rank_weight * torch.nn.functional.softplus(-sign * (pred[i] - pred[j])).mean()
        loss.backward()
        opt.step()
        sched.step()
    model.eval()
