"""The predictor contract (scikit-learn style) and the architecture batch predictors consume.

A predictor declares the encoding it reads (one of its space's encodings, or ``"extra"`` for side
features such as parameter counts or zero-cost proxies); the harness hands it an :class:`ArchBatch`
and the batch encodes itself on demand, so one batch serves predictors with different encodings.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from bench.spaces import SearchSpace


@dataclass(eq=False)
class ArchBatch:
    """Architectures of one space as code rows, plus per-architecture side features.

    ``extra`` holds features known *before* training an architecture (parameter counts, FLOPs,
    zero-cost proxies); the evaluation harness never puts the target or any accuracy label there.
    """

    space: SearchSpace
    codes: np.ndarray
    ids: np.ndarray
    extra: dict[str, np.ndarray] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.codes)

    def encode(self, kind: str) -> Any:
        """The space's encoding (cached per batch)."""
        if kind not in self._cache:
            if kind == "extra":
                if not self.extra:
                    raise ValueError("this benchmark offers no side features (parameters, FLOPs, zero-cost proxies)")
                self._cache[kind] = np.column_stack([self.extra[k] for k in sorted(self.extra)]).astype(np.float32)
            else:
                self.space.check_encoding(kind)
                self._cache[kind] = self.space.encode(self.codes, kind)
        return self._cache[kind]

    def subset(self, index: np.ndarray) -> ArchBatch:
        index = np.asarray(index)
        return ArchBatch(self.space, self.codes[index], self.ids[index], {k: v[index] for k, v in self.extra.items()})

    @classmethod
    def from_benchmark(cls, bm: Any, ids: np.ndarray, extra_metrics: list[str] | tuple[str, ...] = ()) -> ArchBatch:
        """A batch of stored architectures with the named side-feature metrics attached."""
        rows = bm.rows_of_ids(ids)
        return cls(bm.space, bm.codes[rows], np.asarray(ids, dtype=np.int64),
                   {m: bm.labels(m)[rows] for m in extra_metrics})


class Predictor(ABC):
    """Hyperparameters in ``__init__`` (with defaults that work out of the box), ``fit`` returns self.

    Subclasses set ``name`` (registry name) and ``encoding`` (what :meth:`ArchBatch.encode` they read),
    accept ``seed`` and are deterministic for a given seed.
    """

    name: ClassVar[str] = ""
    encoding: ClassVar[str] = "onehot"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    @abstractmethod
    def fit(self, archs: ArchBatch, y: np.ndarray) -> Predictor:
        """Train on architectures and their target values."""

    @abstractmethod
    def predict(self, archs: ArchBatch) -> np.ndarray:
        """Predicted target values, one per architecture (float64)."""

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments (for the config hash recorded with every result): the named
        parameters of ``__init__`` and, where it passes ``**params`` on, of its bases' ``__init__``
        (so a subclass that only changes a default need not repeat the whole signature)."""
        return {p: getattr(self, p) for p in constructor_defaults(type(self)) if hasattr(self, p)}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


def constructor_defaults(cls: type) -> dict[str, Any]:
    """Named constructor parameters of ``cls`` and their defaults, following ``**params`` up the
    class hierarchy; a subclass's default wins."""
    found: dict[str, Any] = {}
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        for p in params:
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                found.setdefault(p.name, p.default)
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return found
