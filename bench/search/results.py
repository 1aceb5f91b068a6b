"""Search trajectories on disk: one file per (benchmark, algorithm, config, seed), written atomically.

Layout::

    <results dir>/<benchmark>/<algorithm label>-<config hash>/config.json
    <results dir>/<benchmark>/<algorithm label>-<config hash>/seed-0007.npz

The config hash covers everything that changes a trajectory: the benchmark file's content checksum,
the algorithm (and the checksum of a user's plug-in file), its hyperparameters, the objective,
report and cost metrics, the budget and the number of workers. A run that finished is never
recomputed; an interrupted experiment resumes with the seeds that have no file yet. Each file is
complete or absent (``bench.atomic``), never half-written.

A run file stores, in the order results were told: the architecture ids, the objective values
told (in the metric's own units), the report values (for analysis only; never told), start and
finish times in simulated seconds (or evaluation slots) and the worker, plus the optimizer's real
overhead in seconds.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from bench.atomic import atomic_path, atomic_write_text
from bench.search.problem import SearchProblem
from bench.search.simulator import RunLog

RESULTS_VERSION = 1


@dataclass(frozen=True)
class RunConfig:
    """Everything that determines a trajectory except the seed."""

    benchmark: str
    content_sha256: str
    algorithm: str
    algorithm_source: str
    params: dict[str, Any]
    objective: tuple[str, ...]
    report: tuple[str, ...]
    signs: tuple[float, ...]
    report_signs: tuple[float, ...]
    cost: str
    budget: float
    budget_unit: str
    workers: int
    label: str = ""
    version: int = RESULTS_VERSION
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True, default=repr, indent=1)

    @property
    def key(self) -> str:
        """12-hex-digit hash of the config (label excluded: renaming a run does not rerun it)."""
        d = asdict(self)
        d.pop("label")
        text = json.dumps(d, sort_keys=True, default=repr)
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    @property
    def name(self) -> str:
        return self.label or self.algorithm

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        d = json.loads(text)
        for k in ("objective", "report", "signs", "report_signs"):
            d[k] = tuple(d[k])
        return cls(**d)


def make_config(problem: SearchProblem, algorithm: str, algorithm_source: str, params: dict[str, Any],
                budget: float, budget_unit: str, workers: int, label: str = "") -> RunConfig:
    return RunConfig(
        benchmark=problem.benchmark, content_sha256=problem.content_sha256, algorithm=algorithm,
        algorithm_source=algorithm_source, params=dict(params), objective=problem.objective, report=problem.report,
        signs=tuple(float(s) for s in problem.signs), report_signs=tuple(float(s) for s in problem.report_signs),
        cost=problem.cost_label, budget=float(budget), budget_unit=budget_unit, workers=int(workers),
        label=label or algorithm,
    )


@dataclass
class SearchRun:
    """One stored trajectory (arrays in tell order)."""

    seed: int
    arch_id: np.ndarray
    objective: np.ndarray  # (n, k) in the metrics' own units
    reported: np.ndarray  # (n, k) in the report metrics' own units
    start: np.ndarray
    finish: np.ndarray
    worker: np.ndarray
    overhead_s: float

    def __len__(self) -> int:
        return len(self.arch_id)


def run_from_log(problem: SearchProblem, seed: int, log: RunLog) -> SearchRun:
    rows = log.rows
    return SearchRun(
        seed=int(seed), arch_id=problem.domain.ids[rows], objective=problem.values[rows] * problem.signs,
        reported=problem.reported[rows], start=log.start, finish=log.finish, worker=log.worker,
        overhead_s=float(log.overhead_s),
    )


def _safe(text: str) -> str:
    """A folder name for an algorithm label (a plug-in ``dir/file.py:Class`` becomes ``file.Class``)."""
    if ".py:" in text:
        path, _, rest = text.partition(".py:")
        text = f"{Path(path).name}.{rest}"
    return re.sub(r"[^A-Za-z0-9_.=+-]+", "-", text).strip("-")[:60] or "algorithm"


class RunStore:
    """Trajectories under one results directory."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def run_dir(self, config: RunConfig) -> Path:
        return self.root / config.benchmark / f"{_safe(config.name)}-{config.key}"

    def seed_path(self, config: RunConfig, seed: int) -> Path:
        return self.run_dir(config) / f"seed-{int(seed):04d}.npz"

    def has(self, config: RunConfig, seed: int) -> bool:
        return self.seed_path(config, seed).is_file()

    def missing(self, config: RunConfig, seeds: list[int]) -> list[int]:
        return [s for s in seeds if not self.has(config, s)]

    def save(self, config: RunConfig, run: SearchRun) -> Path:
        cfg_path = self.run_dir(config) / "config.json"
        if not cfg_path.is_file():
            atomic_write_text(cfg_path, config.to_json() + "\n")
        path = self.seed_path(config, run.seed)
        with atomic_path(path) as tmp, open(tmp, "wb") as fh:
            np.savez(fh, arch_id=run.arch_id, objective=run.objective, reported=run.reported, start=run.start,
                     finish=run.finish, worker=run.worker, overhead_s=np.float64(run.overhead_s),
                     seed=np.int64(run.seed))
        return path

    def load(self, config: RunConfig, seeds: list[int] | None = None) -> list[SearchRun]:
        """Stored runs of ``config`` (all seeds found, or exactly ``seeds``), ordered by seed."""
        folder = self.run_dir(config)
        paths = (sorted(folder.glob("seed-*.npz")) if seeds is None
                 else [self.seed_path(config, s) for s in seeds])
        return [load_run(p) for p in paths]

    def configs(self, benchmark: str) -> list[RunConfig]:
        """Every config stored for a benchmark."""
        folder = self.root / benchmark
        return [RunConfig.from_json(p.read_text()) for p in sorted(folder.glob("*/config.json"))]


def load_run(path: str | Path) -> SearchRun:
    with np.load(path) as z:
        return SearchRun(
            seed=int(z["seed"]), arch_id=z["arch_id"], objective=z["objective"], reported=z["reported"],
            start=z["start"], finish=z["finish"], worker=z["worker"], overhead_s=float(z["overhead_s"]),
        )
