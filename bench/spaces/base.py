"""The search-space contract every space implements.

An architecture lives in three interchangeable forms:

* ``codes`` -- a compact row of small integers (``int8``/``int16``), the form used on every hot path.
  Batches are 2-D arrays ``(n, space.code_length)``; nothing per-architecture is a Python object.
* ``string`` -- the canonical human-readable string (what users type and what the store keeps).
* ``id`` -- the canonical integer id (``int64``); isomorphic architectures share one id where the
  space defines isomorphism that way (NAS-Bench-Graph), otherwise each cell has its own id and
  ``iso_class`` maps it to its class (NAS-Bench-201).

Spaces also offer a small frozen *object* form (``space.arch(...)``) for users who prefer attributes.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from bench.errors import ArchBenchError, InvalidArchitecture, UsageError
from bench.validate import id_array, is_int

if TYPE_CHECKING:
    from bench.networks.base import NetworkBuilder

ENCODINGS = ("onehot", "adjacency", "path", "graph")

#: methods that take user input; every space's versions are wrapped by :func:`_boundary`
BOUNDARY_METHODS = ("parse", "to_codes", "from_ids", "to_ids", "to_strings", "validate", "canonicalize")

_F = TypeVar("_F", bound=Callable[..., Any])


def _boundary(method: _F) -> _F:
    """Let only ArchBench errors escape a public conversion: whatever a space's own checks miss (a
    numpy ``ValueError`` on a ragged list, a ``TypeError`` on an unhashable token, an
    ``OverflowError`` on a huge int) becomes an InvalidArchitecture naming the input."""
    if getattr(method, "_boundary", False):
        return method

    @functools.wraps(method)
    def wrapper(self: SearchSpace, value: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, value, *args, **kwargs)
        except ArchBenchError:
            raise
        except (TypeError, ValueError, OverflowError, IndexError, KeyError, MemoryError) as exc:
            text = repr(value)
            text = text if len(text) <= 60 else text[:57] + "..."
            raise InvalidArchitecture(
                f"cannot read {text} as {self.name} architecture(s): {type(exc).__name__}: {exc}"
            ) from exc

    wrapper._boundary = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


class SearchSpace(ABC):
    """A discrete NAS search space with a canonical form, sampling, mutation and encodings."""

    #: short registry name, e.g. ``"nasbench-graph"`` or ``"nb201"``
    name: str = ""
    #: number of integer positions in ``codes``
    code_length: int = 0
    #: encodings offered by :meth:`encode`
    encodings: tuple[str, ...] = ENCODINGS

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for name in BOUNDARY_METHODS:
            if name in cls.__dict__ and not getattr(cls.__dict__[name], "__isabstractmethod__", False):
                setattr(cls, name, _boundary(cls.__dict__[name]))

    # ---- parsing and conversions -------------------------------------------------------------
    @abstractmethod
    def parse(self, text: str) -> np.ndarray:
        """Parse one architecture string into its (canonical) code row; raise InvalidArchitecture."""

    @abstractmethod
    def to_strings(self, codes: np.ndarray) -> list[str]:
        """Canonical strings for a batch of code rows."""

    @abstractmethod
    def to_ids(self, codes: np.ndarray) -> np.ndarray:
        """Canonical ids (``int64``) for a batch of code rows (vectorized)."""

    @abstractmethod
    def from_ids(self, ids: np.ndarray) -> np.ndarray:
        """Code rows for a batch of canonical ids; raise InvalidArchitecture on an unknown id."""

    @abstractmethod
    def validate(self, codes: np.ndarray) -> np.ndarray:
        """Return ``codes`` as a checked 2-D integer array; raise InvalidArchitecture if any is invalid."""

    def canonicalize(self, codes: np.ndarray) -> np.ndarray:
        """Canonical code rows (identity for spaces whose every code is its own canonical form)."""
        return self.validate(codes)

    def iso_class(self, codes: np.ndarray) -> np.ndarray:
        """Id of the isomorphism-class representative of each row (default: the id itself)."""
        return self.to_ids(self.canonicalize(codes))

    # ---- object form ----------------------------------------------------------------------------
    def arch(self, *args: Any, **kwargs: Any) -> Any:
        """Build the space's small frozen architecture object (see each space)."""
        raise TypeError(f"{self.name} has no object form")

    def to_codes(self, archs: Any) -> np.ndarray:
        """Codes for strings, ids, architecture objects, or a code array (any mix in a list)."""
        if isinstance(archs, np.ndarray) and archs.ndim == 2:
            return self.validate(archs)
        ids = id_array(archs)  # refuses bools, bytes, floats and ids beyond int64
        if ids is not None:
            return self.from_ids(ids)
        if isinstance(archs, str) or hasattr(archs, "codes"):
            archs = [archs]
        if isinstance(archs, np.ndarray) and archs.ndim == 0:
            archs = [archs.item()]
        if not isinstance(archs, (list, tuple, np.ndarray)) and not hasattr(archs, "__iter__"):
            raise InvalidArchitecture(f"cannot read {archs!r:.60} as {self.name} architecture(s)")
        rows = []
        for a in archs:
            if isinstance(a, np.ndarray) and a.ndim == 0:
                a = a.item()
            if isinstance(a, str):
                rows.append(self.parse(a))
            elif is_int(a):
                rows.append(self.from_ids(id_array(a))[0])
            elif hasattr(a, "codes"):
                rows.append(np.asarray(a.codes))
            else:
                raise InvalidArchitecture(f"cannot read {a!r} as a {self.name} architecture")
        if not rows:
            return np.zeros((0, self.code_length), dtype=np.int16)
        return self.validate(np.stack(rows))

    # ---- sampling and mutation ------------------------------------------------------------------
    @abstractmethod
    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` architectures drawn uniformly from the space (code rows, canonical)."""

    @abstractmethod
    def neighbours(self, code: np.ndarray) -> np.ndarray:
        """All single-mutation neighbours of one architecture (canonical, deduplicated, self excluded)."""

    def mutate(self, codes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """One uniformly chosen neighbour per row."""
        codes = self.validate(codes)
        out = np.empty_like(codes)
        for i, row in enumerate(codes):
            nb = self.neighbours(row)
            out[i] = nb[rng.integers(len(nb))]
        return out

    # ---- encodings ------------------------------------------------------------------------------
    @abstractmethod
    def encode(self, codes: np.ndarray, kind: str) -> Any:
        """Encode a batch: ``onehot``/``path`` -> float32 ``(n, f)``; ``adjacency`` -> dict of arrays
        ``{"adjacency": (n, v, v), "ops": (n, v)}``; ``graph`` -> list of ``torch_geometric.data.Data``.
        """

    def check_encoding(self, kind: str) -> None:
        if kind not in self.encodings:
            raise UsageError(f"unknown encoding {kind!r} for {self.name}; choose from {', '.join(self.encodings)}")

    # ---- networks -------------------------------------------------------------------------------
    def network_builder(self, dataset: str) -> NetworkBuilder:
        """The builder of this space's PyTorch networks for ``dataset`` (``bench.networks``), which latency
        and zero-cost measurements run; spaces without networks refuse with a UsageError."""
        raise UsageError(f"the {self.name} space has no network builder; an imported table can name one with "
                         "'builder: file.py:function' in its card")

    def config(self) -> dict[str, Any]:
        """JSON-able constructor arguments, stored in benchmark files so a space can be rebuilt."""
        return {}


def as_code_array(codes: np.ndarray | Sequence[Sequence[int]], width: int, name: str) -> np.ndarray:
    """A 2-D int16 view of ``codes`` with ``width`` columns, or InvalidArchitecture."""
    arr = np.asarray(codes)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != width:
        raise InvalidArchitecture(f"{name} codes must have {width} integers per architecture, got shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise InvalidArchitecture(f"{name} codes must be integers, got {arr.dtype}")
    return arr.astype(np.int16, copy=False)
