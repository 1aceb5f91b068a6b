"""Frozen draws of the transfer track: which k target labels a predictor sees, and the query set.

Two protocols:

* ``archbench``: per seed one random order of the task's pool (seeded from a sha256 of the task
  name, as every ArchBench split is); the k labels are its first k (nested: the 5 are among the
  10, ...), and the query set is everything after the first ``max(KS)`` = 100, the same for every
  k of a seed. Ceiling draws (``k="all"``): a random fifth of the pool is the query set, every
  other architecture is trained on.
* ``help``: HELP's meta-test evaluation (github.com/HayeonLee/HELP ``loader.py``): the sampling
  pool is HELP's first 900 (FBNet: 4,000) architectures, the query set the next 1,000, each
  trimmed to the 10–90 % latency range of the target device; the k = 20 labels are HELP's 10
  reference architectures (``hardware_embedding_index.pt``) plus 10 drawn from the trimmed pool
  (excluding the references, so the 20 are distinct). Ceiling: every architecture outside the
  query positions.

Every draw carries a sha256 of its ids; a task's hash covers every draw of every k and seed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from bench.errors import UsageError
from bench.protocol import derived_seed, ids_sha256
from bench.transfer.tasks import HELP_FOLDERS, TaskData

KS: tuple[int, ...] = (5, 10, 20, 50, 100)
N_SEEDS = 20
CEILING_SEEDS = 3
PROTOCOLS = ("help", "archbench")
#: HELP's 10 reference architectures (``data/<space>/hardware_embedding_index.pt`` at HELP commit
#: 45f70eb), as positions in HELP's architecture order; the test suite re-reads the files
HELP_REFERENCE: dict[str, tuple[int, ...]] = {
    "help-nb201": (11982, 431, 55, 9, 14451, 8636, 9881, 13479, 6196, 1462),
    "help-fbnet": (3328, 3790, 3313, 890, 3052, 2538, 1640, 2514, 457, 2100),
}
#: HELP's sampling-pool size (``--num_meta_train_sample``) and query size (``--num_query``)
HELP_POOL = {"help-nb201": 900, "help-fbnet": 4000}
HELP_QUERY = 1000
HELP_K = 20
HELP_SAMPLED = 10


@dataclass(frozen=True, eq=False)
class Draw:
    """k target labels (``train_ids``, in draw order) and the query set (ascending)."""

    task: str
    protocol: str
    k: int | str
    seed: int
    train_ids: np.ndarray
    query_ids: np.ndarray

    @cached_property
    def hash(self) -> str:
        return ids_sha256(self.query_ids, self.train_ids)


def help_positions(data: TaskData) -> np.ndarray:
    """Architecture ids in HELP's order (position p of HELP's latency lists)."""
    if data.task.board == "help-nb201":
        return np.arange(len(data.benchmark), dtype=np.int64)  # NB201 index = HELP position (importer checks)
    order = np.argsort(np.asarray(data.benchmark.source_keys))  # FBNet rows keep HELP's position as source_key
    return np.asarray(data.benchmark.ids, dtype=np.int64)[order]


def help_trim(ids: np.ndarray, y: np.ndarray) -> np.ndarray:
    """HELP's outlier removal: the architectures between the 10th and 90th percentile of latency,
    by ``int(n*0.1):int(n*0.9)`` of the float32 latencies (HELP reads them into a FloatTensor).
    HELP sorts with numpy's default (unstable) sort; ties at a cut, which only integer-valued phone
    tables have, are broken here by position (stable sort) so the draw is the same on every machine."""
    order = np.argsort(np.asarray(y, dtype=np.float32), kind="stable")
    n = len(ids)
    return ids[order[int(n * 0.1):int(n * 0.9)]]


def help_pool_and_query(data: TaskData) -> tuple[np.ndarray, np.ndarray]:
    """HELP's trimmed sampling pool and trimmed query set (ids, HELP order) for a target device."""
    board = data.task.board
    if board not in HELP_FOLDERS:
        raise UsageError(f"the HELP protocol applies to help-nb201 and help-fbnet, not {board!r}")
    pos = help_positions(data)
    n_pool = HELP_POOL[board]
    pool_ids, query_ids = pos[:n_pool], pos[n_pool:n_pool + HELP_QUERY]
    return help_trim(pool_ids, data.labels_of(pool_ids)), help_trim(query_ids, data.labels_of(query_ids))


def draws(data: TaskData, protocol: str, k: int | str, seeds: range | list[int]) -> list[Draw]:
    """The frozen draws of a task for one k (an int of KS, or ``"all"`` for the ceiling)."""
    name = data.task.name
    out = []
    for seed in seeds:
        if protocol == "archbench":
            if k == "all":
                perm = np.random.default_rng(derived_seed(name, "transfer-ceiling", seed)).permutation(data.pool)
                n_query = len(perm) // 5
                train, query = perm[n_query:], np.sort(perm[:n_query])
            else:
                if k not in KS:
                    raise UsageError(f"k must be one of {KS} or 'all', got {k!r}")
                perm = np.random.default_rng(derived_seed(name, "transfer-draw", seed)).permutation(data.pool)
                train, query = perm[:k], np.sort(perm[max(KS):])
        elif protocol == "help":
            pool, query = help_pool_and_query(data)
            ref = help_positions(data)[list(HELP_REFERENCE[data.task.board])]
            query = np.sort(query)
            if k == "all":
                pos = help_positions(data)
                n_pool = HELP_POOL[data.task.board]
                train = np.setdiff1d(data.pool, pos[n_pool:n_pool + HELP_QUERY])
            elif k == HELP_K:
                rng = np.random.default_rng(derived_seed(name, "transfer-help", seed))
                train = np.concatenate([ref, rng.choice(np.setdiff1d(pool, ref), HELP_SAMPLED, replace=False)])
            else:
                raise UsageError(f"HELP's protocol has k = {HELP_K} (10 reference + 10 sampled) or 'all'")
        else:
            raise UsageError(f"unknown protocol {protocol!r}; known: {', '.join(PROTOCOLS)}")
        out.append(Draw(name, protocol, k, int(seed), np.asarray(train, dtype=np.int64), query.astype(np.int64)))
    return out


def protocol_ks(protocol: str) -> tuple[int, ...]:
    return (HELP_K,) if protocol == "help" else KS


def task_hash(data: TaskData, protocol: str) -> str:
    """sha256 over every frozen draw of a task under a protocol (all k, all seeds, the ceiling)."""
    h = hashlib.sha256()
    for k in (*protocol_ks(protocol), "all"):
        seeds = range(CEILING_SEEDS if k == "all" and protocol == "archbench" else
                      1 if k == "all" else N_SEEDS)
        for d in draws(data, protocol, k, seeds):
            h.update(d.hash.encode())
    return h.hexdigest()


def ceiling_seeds(protocol: str) -> range:
    return range(CEILING_SEEDS if protocol == "archbench" else 1)
