"""Run transfer units and keep one file per unit, so a rerun resumes where it stopped.

A unit is (task, protocol, predictor, k, seed). Its file
``<results>/transfer/<board>/<protocol>/<target>/<predictor>/k<k>-s<seed>.npz`` holds the
predictions on the query set (float64, in the query's ascending id order, as evaluation units
store them) and a JSON record with the draw's hash, the storage format, the metrics (computed from
exactly those stored predictions), timings and, for ``auto``, the candidate chosen. Files are
written atomically; a unit is done when its file holds the current draw's hash and format. Format 1
(no ``format`` field) stored float32 predictions, whose rounding turned nearly equal predictions
into ties (on HELP's eyeriss it moved Spearman by 0.007), so such a file is rerun.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from bench.atomic import atomic_path
from bench.data import fit_on_task
from bench.errors import ArchBenchError, UsageError
from bench.metrics import kendall_tau, spearman, within_fraction
from bench.predictor_registry import ArchPredictor, load_transfer_predictor_class
from bench.transfer.protocol import Draw, ceiling_seeds, draws, protocol_ks
from bench.transfer.tasks import TaskData, load_task, targets

#: the unit file's storage format: 2 = float64 predictions (1, unmarked: float32)
UNIT_FORMAT = 2

#: predictors the CLI runs when none are named (``flops`` only where a FLOPs/params side feature exists)
DEFAULT_PREDICTORS: tuple[str, ...] = ("flops", "best_source", "additive", "source_ridge", "auto")


def default_predictors(board: str) -> tuple[str, ...]:
    """FBNet's table has no FLOPs or parameter count, so its board has no ``flops`` baseline."""
    return tuple(p for p in DEFAULT_PREDICTORS if not (board == "help-fbnet" and p == "flops"))


def load_transfer_predictor(spec: str) -> type:
    """A transfer predictor by name, any ArchBench predictor name, or ``path.py:Class``."""
    return load_transfer_predictor_class(spec)


def predictor_label(spec: str) -> str:
    """A file-safe label: the registry name, or the class name of ``path.py:Class``."""
    label = spec.rpartition(":")[2] if ":" in spec else spec
    return re.sub(r"[^A-Za-z0-9_.-]", "_", label)


def fit_predict(data: TaskData, draw: Draw, predictor: ArchPredictor) -> tuple[np.ndarray, dict[str, Any]]:
    """Fit on the draw's k target labels (plus the source tables, if ``fit`` takes them) and
    predict the query set. The predictor never receives another target label: ``y`` is the k
    labels (read-only) and the query batch carries side features only."""
    y_k = data.labels_of(draw.train_ids).copy()
    y_k.flags.writeable = False
    t0 = time.perf_counter()
    fit_on_task(predictor, data.batch(draw.train_ids), y_k, data.sources)
    t1 = time.perf_counter()
    pred = np.asarray(predictor.predict(data.batch(draw.query_ids)), dtype=np.float64)
    t2 = time.perf_counter()
    if pred.shape != draw.query_ids.shape:
        raise UsageError(f"predictor returned {pred.shape[0] if pred.ndim else 0} predictions for "
                         f"{len(draw.query_ids)} query architectures")
    info = {"fit_s": t1 - t0, "predict_s": t2 - t1}
    if hasattr(predictor, "chosen_"):
        info["chosen"] = predictor.chosen_
    if hasattr(predictor, "source_"):
        info["chosen"] = predictor.source_
    return pred, info


def score(y_true: np.ndarray, pred: np.ndarray, kind: str) -> dict[str, float]:
    out = {"spearman": spearman(y_true, pred), "kendall": kendall_tau(y_true, pred)}
    if kind == "latency":
        out["within_10pct"] = within_fraction(y_true, pred)
    return out


@dataclass(frozen=True)
class Unit:
    board: str
    target: str
    protocol: str
    predictor: str
    k: int | str
    seed: int

    def path(self, results: Path) -> Path:
        return (results / "transfer" / self.board / self.protocol / self.target / predictor_label(self.predictor)
                / f"k{self.k}-s{self.seed}.npz")


def plan(board: str, protocols: Iterable[str], predictors: Iterable[str], targets_: Iterable[str] | None = None,
         ks: Iterable[int] | None = None, n_seeds: int = 20, ceiling: bool = True) -> list[Unit]:
    """Every unit of a board: each protocol's targets x predictors x k x seeds (+ ceiling units)."""
    units = []
    for protocol in protocols:
        names = tuple(targets_) if targets_ else targets(board, protocol)
        allowed = targets(board, protocol)
        for t in names:
            if t not in allowed:
                raise UsageError(f"{t!r} is not a {protocol}-protocol target of {board}; known: {', '.join(allowed)}")
        kk = [k for k in protocol_ks(protocol) if ks is None or k in set(ks)]
        for t in names:
            for p in predictors:
                units += [Unit(board, t, protocol, p, k, s) for k in kk for s in range(n_seeds)]
                if ceiling:
                    units += [Unit(board, t, protocol, p, "all", s) for s in ceiling_seeds(protocol)]
    return units


def run_unit(unit: Unit, results: Path) -> dict[str, Any]:
    """Run one unit and write its file atomically; returns its record."""
    data = load_task(unit.board, unit.target)
    (draw,) = draws(data, unit.protocol, unit.k, [unit.seed])
    predictor = load_transfer_predictor(unit.predictor)(seed=unit.seed)
    try:
        pred, info = fit_predict(data, draw, predictor)
    except ArchBenchError:
        raise
    except Exception as exc:  # a plug-in's failure: one line naming the unit, not a traceback
        raise UsageError(f"predictor {unit.predictor!r} failed on {data.task.name} ({unit.protocol}, k={unit.k}, "
                         f"seed {unit.seed}): {type(exc).__name__}: {' '.join(str(exc).split())}") from None
    metrics = score(data.labels_of(draw.query_ids), pred, data.task.kind)
    record = {
        **data.task.describe(), "board": unit.board, "target_name": unit.target, "protocol": unit.protocol,
        "predictor": unit.predictor, "params": predictor.get_params(), "k": unit.k, "seed": unit.seed,
        "n_train": len(draw.train_ids), "n_query": len(draw.query_ids), "draw_hash": draw.hash,
        "format": UNIT_FORMAT, "metrics": metrics, **info,
    }
    buf = io.BytesIO()
    np.savez(buf, pred=pred, record=np.array(json.dumps(record)))
    with atomic_path(unit.path(results)) as tmp:
        tmp.write_bytes(buf.getvalue())
    return record


def read_record(path: Path) -> dict[str, Any]:
    with np.load(path) as z:
        return json.loads(str(z["record"]))


def in_current_format(record: dict[str, Any]) -> bool:
    """Whether a unit's record was stored in :data:`UNIT_FORMAT` (format 1, unmarked, held float32)."""
    return record.get("format", 1) == UNIT_FORMAT


def read_predictions(path: Path) -> np.ndarray:
    with np.load(path) as z:
        return z["pred"].astype(np.float64)


def is_done(unit: Unit, results: Path) -> bool:
    """A unit is done when its file exists, was made from the draw the protocol gives today and
    stores predictions in the current format (an older file is rerun, never mixed into a board)."""
    path = unit.path(results)
    if not path.is_file():
        return False
    (draw,) = draws(load_task(unit.board, unit.target), unit.protocol, unit.k, [unit.seed])
    record = read_record(path)
    return record.get("draw_hash") == draw.hash and in_current_format(record)


def run(units: list[Unit], results: Path, progress: bool = True) -> Iterator[dict[str, Any]]:
    """Run the units not yet done (finished ones are skipped; a stale draw is rerun), with a progress bar."""
    todo = [u for u in units if not is_done(u, results)]
    for unit in tqdm(todo, desc="transfer units", disable=not progress, unit="unit"):
        yield run_unit(unit, results)
