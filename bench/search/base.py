"""The ask/tell contract every search algorithm implements, and the registry that finds them.

An algorithm is told nothing but the results it asked for. The simulator calls :meth:`setup` once
with a :class:`~bench.search.domain.SearchDomain` (the benchmark's architectures, never their
labels), then alternates :meth:`SearchAlgorithm.ask` (one code row to evaluate) and
:meth:`SearchAlgorithm.tell` (that code row and its selection value). With several simulated
workers, asks and tells interleave in simulated-time order, exactly as on a cluster.

Values are oriented so that *higher is better*: the simulator negates lower-is-better metrics
(latency, error). Single-objective algorithms get a float; multi-objective ones
(``multi_objective = True``) get one value per objective.

Rows instead of codes. An algorithm may also implement ``ask_row()`` (the benchmark row to
evaluate next, or None) and ``tell_row(row, value)``, the same decisions in terms of rows. The
simulator then calls those and never builds or looks up a code row per query, which is most of a
cheap algorithm's per-query cost; :func:`row_methods` decides when they can stand in for
``ask``/``tell`` (a subclass that overrides ``ask`` or ``tell`` only is driven through them).

Randomness. Built-in algorithms draw all their random numbers from a :class:`UniformStream`,
a fixed number of uniforms per ask. That makes a seed's trajectory independent of how the draws
are batched, which is what lets :meth:`SearchAlgorithm.simulate_seeds` run many seeds at once
(vectorized over seeds) and still reproduce the ask/tell path exactly.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from bench.errors import UsageError
from bench.plugins import load_class

if TYPE_CHECKING:
    from bench.search.domain import SearchDomain

#: short name -> "module:Class" of the built-in algorithms (``pg`` takes a predictor: ``pg:xgb``)
REGISTRY: dict[str, str] = {
    "rs": "bench.search.random_search:RandomSearch",
    "rea": "bench.search.evolution:RegularizedEvolution",
    "ls": "bench.search.local_search:LocalSearch",
    "bananas": "bench.search.bananas:Bananas",
    "pg": "bench.search.predictor_guided:PredictorGuidedEvolution",
    "mo": "bench.search.multi_objective:NSGA2",
}


class SearchAlgorithm(ABC):
    """Hyperparameters in ``__init__`` (defaults that work out of the box); state built in :meth:`setup`.

    Subclasses set ``name``; they take ``seed`` and are deterministic for a given seed.
    """

    name: ClassVar[str] = ""
    #: True when :meth:`tell` takes one value per objective (multi-objective search)
    multi_objective: ClassVar[bool] = False

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def setup(self, domain: SearchDomain, n_objectives: int = 1) -> None:
        """Called once before the first ask: the architectures to search over."""
        self.domain = domain
        self.n_objectives = n_objectives
        self.rng = np.random.default_rng(self.seed)

    @abstractmethod
    def ask(self) -> np.ndarray | None:
        """One architecture to evaluate next (a code row), or None when there is nothing left to try."""

    @abstractmethod
    def tell(self, code: np.ndarray, value: float | np.ndarray) -> None:
        """The result of an asked architecture (the same code row ``ask`` returned), higher is better."""

    # ---- optional vectorized path ---------------------------------------------------------------
    #: set by algorithms that implement :meth:`simulate_seeds`
    supports_seed_batch: ClassVar[bool] = False

    @classmethod
    def simulate_seeds(
        cls, domain: SearchDomain, values: np.ndarray, seeds: list[int], n_queries: int, params: dict[str, Any]
    ) -> np.ndarray:
        """Rows queried by one sequential worker, for many seeds at once: ``(len(seeds), n_queries)``.

        ``values[row]`` is the oriented selection value of each architecture. Implementations must
        return exactly what the ask/tell path returns with one worker (the tests check this).
        """
        raise TypeError(f"{cls.__name__} has no seed-batched simulation")

    # ---- introspection ---------------------------------------------------------------------------
    def get_params(self) -> dict[str, Any]:
        """Constructor arguments except ``seed`` (recorded in the run's config hash)."""
        sig = inspect.signature(type(self).__init__)
        return {p: getattr(self, p) for p in sig.parameters if p not in ("self", "seed") and hasattr(self, p)}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"


def row_methods(algorithm: SearchAlgorithm) -> tuple[Any, Any] | None:
    """``(ask_row, tell_row)`` of ``algorithm`` when they may replace its ``ask``/``tell``, else None.

    They may when both exist and each is defined in the class that defines the code-row method it
    replaces, or in a subclass of it: a subclass that overrides ``ask`` or ``tell`` alone keeps the
    behaviour it overrode, and so does an instance whose ``ask`` or ``tell`` was replaced.
    """
    cls = type(algorithm)
    own = getattr(algorithm, "__dict__", {})
    for code_name, row_name in (("ask", "ask_row"), ("tell", "tell_row")):
        if code_name in own and row_name not in own:
            return None
        row_owner, code_owner = _owner(cls, row_name), _owner(cls, code_name)
        if row_owner is None or code_owner is None or not issubclass(row_owner, code_owner):
            return None
    return algorithm.ask_row, algorithm.tell_row


def _owner(cls: type, name: str) -> type | None:
    return next((k for k in cls.__mro__ if name in vars(k)), None)


class UniformStream:
    """``width`` uniforms in [0, 1) per step from one seeded generator, drawn in blocks.

    ``next()`` k times yields the same numbers as ``block(k)``: numpy fills arrays from the bit
    generator in order, so block boundaries never change the stream.
    """

    def __init__(self, seed: int | np.random.SeedSequence, width: int, block: int = 256) -> None:
        self._rng = np.random.default_rng(seed)
        self.width = int(width)
        self._block = int(block)
        self._buf = np.empty((0, self.width))
        self._list: list[list[float]] = []
        self._pos = 0

    def next(self) -> np.ndarray:
        if self._pos == len(self._buf):
            self._refill()
        self._pos += 1
        return self._buf[self._pos - 1]

    def next_list(self) -> list[float]:
        """The same step as :meth:`next`, as Python floats (the same numbers; cheaper to use one at a time)."""
        if self._pos == len(self._buf):
            self._refill()
        self._pos += 1
        return self._list[self._pos - 1]

    def _refill(self) -> None:
        self._buf = self._rng.random((self._block, self.width))
        self._list = self._buf.tolist()
        self._pos = 0

    def block(self, n: int) -> np.ndarray:
        """The next ``n`` steps as an ``(n, width)`` array (only on a fresh stream or after blocks)."""
        if self._pos != len(self._buf):
            raise RuntimeError("block() after next() would reorder the stream")
        return self._rng.random((int(n), self.width))


def uniform_index(u: np.ndarray | float, m: np.ndarray | int) -> np.ndarray:
    """Uniform integers in ``[0, m)`` from uniforms ``u`` (floor, clamped against rounding)."""
    m = np.asarray(m, dtype=np.int64)
    return np.minimum((np.asarray(u) * m).astype(np.int64), m - 1)


def uniform_int(u: float, m: int) -> int:
    """:func:`uniform_index` of one Python float and int: the same double product, truncated alike."""
    k = int(u * m)
    return k if k < m else m - 1


# ---- registry ------------------------------------------------------------------------------------
def split_spec(spec: str) -> tuple[str, str | None]:
    """``"pg:xgb"`` -> ("pg", "xgb"); ``"path/file.py:Class"`` and ``"pkg.mod:Class"`` stay whole."""
    head, sep, arg = spec.partition(":")
    if sep and head in REGISTRY:
        return head, arg
    return spec, None


def load_algorithm_class(spec: str) -> type[SearchAlgorithm]:
    """An algorithm class from a registry name, ``package.module:Class`` or ``path/to/file.py:Class``."""
    return load_class(spec, REGISTRY, "search algorithm", ("ask", "tell"))


def make_algorithm(spec: str, seed: int = 0, **params: Any) -> SearchAlgorithm:
    """Instantiate ``spec`` (``"rea"``, ``"pg:xgb"``, ``"file.py:Class"``) with hyperparameters."""
    name, arg = split_spec(spec)
    cls = load_algorithm_class(name)
    if arg is not None:
        params = {"predictor": arg, **params}
    try:
        return cls(seed=seed, **params)
    except TypeError as exc:
        raise UsageError(f"bad parameters for search algorithm {spec!r}: {exc}") from None
