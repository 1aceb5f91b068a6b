"""Transfer-task definitions: which tables are sources, which is the target, and how they load.

A task is frozen by its definition (target and source columns) plus the draws of
:mod:`bench.transfer.protocol`; every board of ``leaderboards/transfer/<board>/`` holds the tasks
of one family (``help-nb201``, ``help-fbnet``, ``nbg-cross-dataset``, ``nb201-cross-fidelity``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache, cached_property

import numpy as np

import bench
from bench.data import ArchBatch, SourceTables
from bench.errors import UsageError
from bench.idindex import IdIndex
from bench.importers.help_latency import HELP_ROLES
from bench.protocol import FrozenSplits

#: NAS-Bench-Graph datasets over the full space (proteins covers 2,021 of 26,206 architectures,
#: so it can be neither a complete source nor a comparable target)
NBG_DATASETS: tuple[str, ...] = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv")
NB201_12EP: tuple[str, ...] = ("cifar10", "cifar100", "imagenet16-120")
#: HELP's device-split names per board, in the order HELP's tables print them
HELP_FOLDERS = {"help-nb201": ("nasbench201", "nb201-latency/help"), "help-fbnet": ("fbnet", "fbnet-latency/help")}
BOARDS: tuple[str, ...] = ("help-nb201", "help-fbnet", "nbg-cross-dataset", "nb201-cross-fidelity")


@dataclass(frozen=True)
class TransferTask:
    """One target table, its sources, and its kind (``latency`` adds the within-10 % metric)."""

    board: str
    target: str
    target_benchmark: str
    target_metric: str
    sources: tuple[tuple[str, str], ...]
    kind: str
    #: benchmark whose architectures form the pool when the target covers only some of them
    #: (a user's measured table); labels of unmeasured architectures are NaN and never drawn
    universe: str | None = None

    @property
    def name(self) -> str:
        return f"{self.board}/{self.target}"

    def describe(self) -> dict[str, object]:
        return {"task": self.name, "target": f"{self.target_benchmark}:{self.target_metric}",
                "sources": [f"{b}:{m}" for b, m in self.sources], "kind": self.kind}


def help_roles(board: str) -> dict[str, str]:
    """HELP's meta-train / meta-valid / meta-test role of every device setting of a HELP board."""
    return HELP_ROLES[HELP_FOLDERS[board][0]]


def help_task(board: str, device: str) -> TransferTask:
    """Target = one HELP device setting; sources = HELP's meta-train and meta-valid settings but it."""
    folder, benchmark = HELP_FOLDERS[board]
    roles = HELP_ROLES[folder]
    settings = sorted(m[len("latency_"):] for m in bench.load(benchmark).metrics if m.startswith("latency_"))
    if device not in settings:
        raise UsageError(f"unknown device {device!r} for {board}; known: {', '.join(settings)}")
    known = ("meta-train", "meta-valid")
    sources = tuple((benchmark, f"latency_{d}") for d in roles if roles[d] in known and d != device)
    return TransferTask(board, device, benchmark, f"latency_{device}", sources, "latency")


def nbg_task(dataset: str) -> TransferTask:
    if dataset not in NBG_DATASETS:
        raise UsageError(f"unknown NAS-Bench-Graph dataset {dataset!r}; known: {', '.join(NBG_DATASETS)}")
    sources = tuple((f"nasbench-graph/{d}", "valid_acc") for d in NBG_DATASETS if d != dataset)
    return TransferTask("nbg-cross-dataset", dataset, f"nasbench-graph/{dataset}", "valid_acc", sources, "accuracy")


def fidelity_task() -> TransferTask:
    sources = tuple((f"nb201-12ep/{d}", m) for d in NB201_12EP for m in ("valid_acc", "test_acc"))
    return TransferTask("nb201-cross-fidelity", "cifar10-valid", "nb201/cifar10-valid", "valid_acc", sources,
                        "accuracy")


def targets(board: str, protocol: str) -> tuple[str, ...]:
    """The targets a board evaluates under a protocol (HELP's protocol: HELP's meta-test devices)."""
    if board in HELP_FOLDERS:
        roles = help_roles(board)
        if protocol == "help":
            return tuple(d for d in roles if roles[d] == "meta-test")
        benchmark = HELP_FOLDERS[board][1]
        return tuple(sorted(m[len("latency_"):] for m in bench.load(benchmark).metrics if m.startswith("latency_")))
    if protocol == "help":
        raise UsageError(f"board {board!r} has no HELP protocol (only help-nb201 and help-fbnet do)")
    if board == "nbg-cross-dataset":
        return NBG_DATASETS
    if board == "nb201-cross-fidelity":
        return ("cifar10-valid",)
    raise UsageError(f"unknown transfer board {board!r}; known: {', '.join(BOARDS)}")


def get_task(board: str, target: str) -> TransferTask:
    if board in HELP_FOLDERS:
        return help_task(board, target)
    if board == "nbg-cross-dataset":
        return nbg_task(target)
    if board == "nb201-cross-fidelity":
        if target != "cifar10-valid":
            raise UsageError("nb201-cross-fidelity has one target: cifar10-valid")
        return fidelity_task()
    raise UsageError(f"unknown transfer board {board!r}; known: {', '.join(BOARDS)}")


@dataclass(frozen=True, eq=False)
class TaskData:
    """A task's loaded tables. ``y`` (the target labels) stays with the harness: predictors only
    ever get the k labels of a draw (:func:`bench.transfer.run.fit_predict`)."""

    task: TransferTask
    benchmark: bench.Benchmark
    pool: np.ndarray
    y: np.ndarray
    sources: SourceTables
    side: dict[str, np.ndarray]

    @cached_property
    def _index(self) -> IdIndex:
        return IdIndex(self.pool)

    def _rows(self, ids: np.ndarray) -> np.ndarray:
        rows = self._index.rows(ids)
        if (rows < 0).any():
            raise UsageError(f"an architecture is not in the pool of task {self.task.name}")
        return rows

    def labels_of(self, ids: np.ndarray) -> np.ndarray:
        return self.y[self._rows(ids)]

    def batch(self, ids: np.ndarray) -> ArchBatch:
        """Architectures with side features (FLOPs / parameters) only, never a label of the target."""
        rows = self._rows(ids)
        b = ArchBatch.from_benchmark(self.benchmark, ids)
        b.extra.update({k: v[rows] for k, v in self.side.items()})
        return b


def nb201_flops(codes: np.ndarray, ops: tuple[str, ...]) -> np.ndarray:
    """Multiply-accumulates of an NB201 CIFAR network's cells, up to a constant for the fixed parts.

    Every stage has H·W·C² = 262,144 (32²·16², 16²·32², 8²·64²) and 5 cells, so a 3x3 convolution
    costs 9 units, a 1x1 convolution 1 and a 3x3 average pool 9/C of the stage; the stem and
    reduction blocks are the same in every cell and drop out of any ranking.
    """
    unit = {"nor_conv_3x3": 9.0, "nor_conv_1x1": 1.0}
    pool_cost = 9.0 * (1 / 16 + 1 / 32 + 1 / 64) / 3
    cost = np.array([unit.get(op, pool_cost if op == "avg_pool_3x3" else 0.0) for op in ops])
    return cost[np.asarray(codes, dtype=np.int64)].sum(axis=1) * 3 * 5 * 262_144


def own_machine_task(benchmark: str, metric: str) -> TransferTask:
    """A user's latency table (e.g. written by ``archbench measure latency``) as the target; HELP's 27
    NB201 device settings as the sources."""
    bm = bench.load(benchmark)
    if bm.space.name != "nb201":
        raise UsageError(f"{benchmark} is not an NB201 table; the own-machine task transfers from HELP's NB201 tables")
    if metric not in bm.metrics:
        raise UsageError(f"{benchmark} has no metric {metric!r}; it has {', '.join(bm.metrics)}")
    help_bm = "nb201-latency/help"
    sources = tuple((help_bm, m) for m in bench.load(help_bm).metrics if m.startswith("latency_"))
    return TransferTask("own-machine", benchmark.replace("/", "_"), benchmark, metric, sources, "latency", help_bm)


def load_task(board: str, target: str) -> TaskData:
    """A board's task, loaded (cached per process)."""
    return load(get_task(board, target))


@cache
def load(task: TransferTask) -> TaskData:
    """Load a task's target and source tables, aligned on the target's architecture ids.

    The pool is every architecture with a finite target and finite source labels; on accuracy
    tasks over NB201 it holds one cell per isomorphism class (as the predictor splits do), so two
    isomorphs never sit on both sides of a draw.
    """
    target = bench.load(task.target_benchmark)
    bm = bench.load(task.universe) if task.universe else target
    ids = FrozenSplits(bm).pool if task.kind == "accuracy" else np.sort(np.asarray(bm.ids, dtype=np.int64))
    if task.universe:
        y = np.full(len(ids), np.nan)
        measured = np.intersect1d(ids, np.asarray(target.ids, dtype=np.int64))
        y[np.searchsorted(ids, measured)] = target.query(measured, task.target_metric)
    else:
        y = bm.query(ids, task.target_metric).astype(np.float64)
    cols = [bench.load(b).query(ids, m).astype(np.float64) for b, m in task.sources]
    values = np.column_stack(cols)
    keep = (np.isfinite(y) | (task.universe is not None)) & np.isfinite(values).all(axis=1)
    ids, y, values = ids[keep], y[keep], values[keep]
    side: dict[str, np.ndarray] = {}
    if bm.space.name == "nb201":
        side["flops"] = nb201_flops(bm.codes[bm.rows_of_ids(ids)], tuple(bm.space.ops))
    elif "params" in bm.metrics:
        side["params"] = bm.query(ids, "params").astype(np.float64)
    names = tuple(f"{b}:{m}" for b, m in task.sources)
    data = TaskData(task, bm, ids, y, SourceTables(names, ids, values), side)
    # the sources' architectures (side features only, no label) let a predictor pretrain on them
    return replace(data, sources=replace(data.sources, archs=data.batch(ids)))
