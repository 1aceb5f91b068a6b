"""The results directory: per unit, its predictions (``.npz``) then its row (``.json``), each written atomically.

Layout::

    <results>/<family>/<dataset>/<target>/<predictor>@<config hash>/n<size>_s<seed>.npz
        test_ids, y_true, y_pred, train_ids (draw order) [, y_<test metric>]
    <results>/<family>/<dataset>/<target>/<predictor>@<config hash>/n<size>_s<seed>.json
        the row: identity, split hashes, every metric, timings, versions
    <results>/.../n<size>_s<seed>.claim
        while a run works on the unit: who (see :mod:`bench.claims`)

A row exists only once its predictions do, so re-running skips units whose row is present with the
same split hash (resume) and an interrupted run loses at most the units in flight. Only the process
that planned a run writes here (workers return their results), so workers need no shared file
system. Every number in a row can be recomputed from its ``.npz`` (:func:`recompute_metrics`).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.atomic import atomic_path, atomic_write_text
from bench.errors import UsageError
from bench.evaluation.run import RESULT_FORMAT
from bench.evaluation.units import Unit, _jsonable
from bench.metrics import ALL_METRICS, RANKING_METRICS, ranking_metrics, score_predictions


def pack_predictions(arrays: dict[str, np.ndarray]) -> bytes:
    """A unit's arrays as compressed ``.npz`` bytes (done where the unit ran: compressing cost a cheap
    unit's client 22 ms, more than its fit)."""
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    return buf.getvalue()


class ResultStore:
    """The results directory: per unit, ``<relpath>.npz`` (predictions) then ``<relpath>.json`` (row)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def row_path(self, unit: Unit) -> Path:
        return self.root / unit.relpath.with_suffix(".json")

    def claim_path(self, unit: Unit) -> Path:
        """Where a run records that it works on ``unit`` (:mod:`bench.claims`)."""
        return self.root / unit.relpath.with_suffix(".claim")

    def finished(self, unit: Unit) -> bool:
        """True when the unit's row exists with the current format and split hash and its predictions exist."""
        path = self.row_path(unit)
        try:
            row = json.loads(path.read_text())
        except (OSError, ValueError):
            return False
        return (row.get("result_format") == RESULT_FORMAT and row.get("split_hash") == unit.split_hash
                and (path.parent / str(row.get("predictions"))).is_file())

    def write(self, unit: Unit, row: dict[str, Any], arrays: dict[str, np.ndarray]) -> Path:
        return self.write_packed(unit, row, pack_predictions(arrays))

    def write_packed(self, unit: Unit, row: dict[str, Any], data: bytes) -> Path:
        """Store a unit from its row and its :func:`pack_predictions` bytes: predictions first, the row last."""
        row_path = self.row_path(unit)
        npz_path = row_path.with_suffix(".npz")
        with atomic_path(npz_path) as tmp:
            tmp.write_bytes(data)
        row = {**row, "unit": unit.relpath.as_posix(), "predictions": npz_path.name,
               "predictions_sha256": hashlib.sha256(data).hexdigest()}
        atomic_write_text(row_path, json.dumps(_jsonable(row), indent=1, sort_keys=False) + "\n")
        return row_path

    def rows(self) -> list[dict[str, Any]]:
        """Every stored row (current format), in path order."""
        out = []
        if not self.root.is_dir():
            return out
        for path in sorted(self.root.rglob("n*_s*.json")):
            try:
                row = json.loads(path.read_text())
            except ValueError:
                print(f"archbench: warning: skipping unreadable result row {path}", file=sys.stderr)
                continue
            if row.get("result_format") == RESULT_FORMAT:
                out.append(row)
        return out

    def frame(self) -> pd.DataFrame:
        """Stored rows as a DataFrame (metric columns numeric, NaN where a value is undefined).

        Were a unit stored twice (e.g. under a renamed folder), its most recently finished row counts.
        """
        frame = pd.DataFrame(self.rows())
        if frame.empty:
            return frame
        # one row per unit, even if a unit was stored twice under different folder names
        key = ["benchmark", "target", "config_hash", "train_size", "seed"]
        frame = (frame.sort_values(["finished_at", "unit"], kind="stable").drop_duplicates(key, keep="last")
                 .sort_values("unit", kind="stable").reset_index(drop=True))
        numeric = [c for c in frame.columns if c in ALL_METRICS or c.endswith("_seconds")
                   or c.removeprefix("test_metric_") in RANKING_METRICS]
        for c in numeric:
            frame[c] = pd.to_numeric(frame[c], errors="coerce")
        return frame

    def predictions(self, row: dict[str, Any] | pd.Series) -> dict[str, np.ndarray]:
        """The arrays stored with a row, checked against the row's sha256."""
        path = (self.root / str(row["unit"])).with_suffix(".npz")
        data = path.read_bytes()
        if hashlib.sha256(data).hexdigest() != row["predictions_sha256"]:
            raise UsageError(f"{path} does not match the sha256 recorded in its row; re-run that unit")
        with np.load(io.BytesIO(data)) as npz:
            return {k: npz[k] for k in npz.files}


def recompute_metrics(row: dict[str, Any] | pd.Series, arrays: dict[str, np.ndarray]) -> dict[str, float]:
    """A row's metrics recomputed from its stored predictions (to audit any number on a board)."""
    hib = bool(row["higher_is_better"])
    out = score_predictions(arrays["y_true"], arrays["y_pred"], hib)
    twin = row.get("test_metric")
    if isinstance(twin, str) and f"y_{twin}" in arrays:
        y = arrays[f"y_{twin}"]
        ok = np.isfinite(y)
        twin_hib = bool(row.get("test_metric_higher_is_better", hib))
        out.update({f"test_metric_{k}": v for k, v in ranking_metrics(y[ok], arrays["y_pred"][ok], twin_hib).items()})
    return out
