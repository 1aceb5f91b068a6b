"""Frozen predictor-evaluation splits, derived only from (benchmark name, purpose, seed).

Every benchmark has one fixed test set (the same for every seed and predictor) and, per seed, a
random order of the remaining architectures whose prefixes are the nested training pools (the 10
training architectures are the first 10 of the 20, and so on). Random streams are seeded from a
sha256 of ``"archbench-protocol-v1|<benchmark>|<purpose>|<seed>"``, never from Python's ``hash()``,
so splits are identical across processes, machines and Python versions; a split's sha256 is stored
with every result so any drift is detected. On spaces with isomorphic duplicates (``iso_class``,
e.g. NAS-Bench-201) only one representative per class takes part, so isomorphs never sit on both
sides. The protocol is described for users in ``datasets/PROTOCOL.md``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from bench.errors import UsageError

PROTOCOL_VERSION = 1
#: the standard nested training-pool sizes
TRAIN_SIZES: tuple[int, ...] = (10, 20, 50, 100, 200, 500, 1000)
#: the test set holds ``min(MAX_TEST_SIZE, round(TEST_FRACTION * pool))`` architectures
MAX_TEST_SIZE = 5000
TEST_FRACTION = 0.25


def derived_seed(benchmark: str, purpose: str, seed: int | None = None) -> int:
    """A 256-bit integer seed for ``np.random.default_rng``, stable across processes and platforms."""
    key = f"archbench-protocol-v{PROTOCOL_VERSION}|{benchmark}|{purpose}|{'' if seed is None else int(seed)}"
    return int.from_bytes(hashlib.sha256(key.encode()).digest(), "big")


def ids_sha256(*arrays: np.ndarray) -> str:
    """sha256 over int64 id arrays, each prefixed by its length (so the boundary between them counts)."""
    h = hashlib.sha256()
    for arr in arrays:
        arr = np.ascontiguousarray(arr, dtype="<i8")
        h.update(len(arr).to_bytes(8, "little"))
        h.update(arr.tobytes())
    return h.hexdigest()


@dataclass(frozen=True, eq=False)
class Split:
    """One (training pool, test set) pair: ``train_ids`` in draw order, ``test_ids`` ascending."""

    benchmark: str
    seed: int
    train_ids: np.ndarray
    test_ids: np.ndarray

    @cached_property
    def hash(self) -> str:
        """sha256 over the sorted test ids and the training ids in draw order."""
        return ids_sha256(self.test_ids, self.train_ids)

    @cached_property
    def test_hash(self) -> str:
        return ids_sha256(self.test_ids)

    def describe(self) -> dict[str, Any]:
        return {"benchmark": self.benchmark, "seed": self.seed, "n_train": len(self.train_ids),
                "n_test": len(self.test_ids), "split_hash": self.hash, "test_hash": self.test_hash}


class FrozenSplits:
    """The frozen splits of one benchmark (anything with ``name``, ``ids`` and ``iso_class``)."""

    def __init__(self, bm: Any) -> None:
        self.benchmark = str(bm.name)
        ids = np.asarray(bm.ids, dtype=np.int64)
        iso = bm.iso_class
        if iso is None:
            self.pool = np.sort(ids)
        else:  # one cell per isomorphism class present: its smallest id (the class id in a full table)
            iso = np.asarray(iso, dtype=np.int64)
            order = np.lexsort((ids, iso))
            first = np.r_[True, iso[order][1:] != iso[order][:-1]]
            self.pool = np.sort(ids[order][first])
        self.uses_iso_classes = iso is not None

    @cached_property
    def test_ids(self) -> np.ndarray:
        n_test = min(MAX_TEST_SIZE, int(round(TEST_FRACTION * len(self.pool))))
        rng = np.random.default_rng(derived_seed(self.benchmark, "test"))
        test = np.sort(self.pool[rng.permutation(len(self.pool))[:n_test]])
        test.setflags(write=False)
        return test

    @cached_property
    def test_hash(self) -> str:
        return ids_sha256(self.test_ids)

    @cached_property
    def _outside_test(self) -> np.ndarray:
        return self.pool[~np.isin(self.pool, self.test_ids, assume_unique=True)]

    @property
    def max_train_size(self) -> int:
        return len(self._outside_test)

    def train_order(self, seed: int) -> np.ndarray:
        """Every non-test pool id, in the seed's draw order; training pools are its prefixes."""
        rng = np.random.default_rng(derived_seed(self.benchmark, "train", seed))
        return self._outside_test[rng.permutation(len(self._outside_test))]

    def check_train_size(self, size: int) -> int:
        size = int(size)
        if size < 1:
            raise UsageError(f"training-set size must be at least 1, got {size}")
        if size > self.max_train_size:
            raise UsageError(f"training-set size {size} exceeds the {self.max_train_size} architectures of "
                             f"{self.benchmark} outside its test set")
        return size

    def standard_train_sizes(self) -> list[int]:
        """The standard sizes (:data:`TRAIN_SIZES`) that fit outside the test set."""
        return [s for s in TRAIN_SIZES if s <= self.max_train_size]

    def train_ids(self, size: int, seed: int) -> np.ndarray:
        return self.train_order(seed)[: self.check_train_size(size)]

    def dev_ids(self, seed: int, size: int | None = None) -> np.ndarray:
        """A development set for choosing hyperparameters and defaults: the *last* ``size`` ids of the
        seed's draw order (default min(5000, 25 % of the non-test pool)), so it is disjoint from the
        test set and from every training pool of up to ``max_train_size - size`` ids. Boards never
        score it; tuning scripts score it instead of the test set."""
        order = self.train_order(seed)
        size = min(MAX_TEST_SIZE, int(round(TEST_FRACTION * len(order)))) if size is None else int(size)
        if not 0 < size < len(order):
            raise UsageError(f"development-set size must be in 1..{len(order) - 1}, got {size}")
        return np.sort(order[-size:])

    def split(self, size: int, seed: int) -> Split:
        return Split(self.benchmark, int(seed), self.train_ids(size, seed), self.test_ids)

    def describe(self) -> dict[str, Any]:
        return {"benchmark": self.benchmark, "protocol_version": PROTOCOL_VERSION, "pool": len(self.pool),
                "iso_class_representatives": self.uses_iso_classes, "n_test": len(self.test_ids),
                "max_train_size": self.max_train_size, "test_hash": self.test_hash}
