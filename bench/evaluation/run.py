"""Running one unit: fit on the seed's training pool, predict the fixed test set, score, record provenance.

:func:`run_unit` writes nothing: it returns the row and the prediction arrays, so the same function
runs in-process, in a Dask worker on another host (which needs the benchmark files, not the results
directory) or anywhere else, and the caller stores the result. Each process keeps its open
benchmarks and the last few encoded test sets, so consecutive units of one board pay for them once.
"""

from __future__ import annotations

import datetime as _dt
import functools
import os
import platform
import random
import subprocess
import sys
import time
from collections import OrderedDict
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

import bench
from bench.data import ArchBatch
from bench.evaluation.features import paired_test_metric, side_feature_metrics
from bench.evaluation.units import Unit, _instantiate
from bench.metrics import METRICS_VERSION, ranking_metrics, score_predictions
from bench.paths import data_dir as data_dir_path
from bench.predictor_registry import encodings_of, load_predictor_class
from bench.protocol import PROTOCOL_VERSION, FrozenSplits

#: version of the row layout below; rows of another version are re-run, never mixed
RESULT_FORMAT = 1
#: packages whose versions are recorded with every row
VERSIONED_PACKAGES = ("archbench", "numpy", "scipy", "pandas", "scikit-learn", "xgboost", "torch", "torch-geometric")

#: per process: open benchmarks, and the last few test batches (their encodings are computed once)
_BENCHMARKS: dict[tuple[str, str], tuple[bench.Benchmark, FrozenSplits]] = {}
_TEST_BATCHES: OrderedDict[tuple[str, str, tuple[str, ...]], tuple[ArchBatch, np.ndarray]] = OrderedDict()
_TEST_BATCHES_KEPT = 4


def _benchmark(name: str, data_dir: str | None) -> tuple[bench.Benchmark, FrozenSplits]:
    key = (name, str(data_dir_path(data_dir)))  # names may be joins (`a+b`), not single files
    if key not in _BENCHMARKS:
        bm = bench.load(name, data_dir, progress=False)
        _BENCHMARKS[key] = (bm, FrozenSplits(bm))
    return _BENCHMARKS[key]


def _test_batch(
    bm: bench.Benchmark, splits: FrozenSplits, target: str, extra: list[str]
) -> tuple[ArchBatch, np.ndarray]:
    """The test set as a batch, and its labels (architectures with a missing label left out)."""
    key = (str(bm.path), target, tuple(extra))
    if key in _TEST_BATCHES:
        _TEST_BATCHES.move_to_end(key)
    else:
        ids = splits.test_ids
        y = bm.labels(target)[bm.rows_of_ids(ids)]
        keep = np.isfinite(y)
        _TEST_BATCHES[key] = (ArchBatch.from_benchmark(bm, ids[keep], extra), y[keep])
        while len(_TEST_BATCHES) > _TEST_BATCHES_KEPT:
            _TEST_BATCHES.popitem(last=False)
    return _TEST_BATCHES[key]


@functools.cache
def code_revision() -> str | None:
    """The git commit of the ArchBench code that ran (``+dirty`` if ``bench/`` or ``predictors/``
    differ from it), or None outside a git checkout: config hashes cover hyperparameters, and this
    says which code they ran with."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(["git", "-C", str(root), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                              text=True, timeout=10)
        if head.returncode != 0:
            return None
        dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "bench", "predictors"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return head.stdout.strip() + ("+dirty" if dirty else "")


def _versions() -> dict[str, str | None]:
    return dict(_package_versions())


@functools.cache
def _package_versions() -> tuple[tuple[str, str | None], ...]:
    """Once per process: reading package metadata took 130 ms, as long as a cheap unit's fit and scoring."""
    out: dict[str, str | None] = {"python": platform.python_version(), "archbench_git": code_revision()}
    for pkg in VERSIONED_PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return tuple(out.items())


def _seed_globals(seed: int) -> None:
    """Seed the global generators too, for plug-in predictors that use them."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    if "torch" in sys.modules:
        sys.modules["torch"].manual_seed(seed)


def _threads() -> int:
    if "torch" in sys.modules:
        return int(sys.modules["torch"].get_num_threads())
    return int(os.environ.get("OMP_NUM_THREADS", os.cpu_count() or 1))


def _warm_encodings(batch: ArchBatch, encodings: tuple[str, ...]) -> None:
    """Compute the predictor's encodings before the clock starts (cached on the batch)."""
    for encoding in encodings:
        try:
            batch.encode(encoding)
        except Exception:  # noqa: BLE001 - fit/predict raise the same problem with the predictor's context
            pass


def run_unit(unit: Unit, data_dir: str | None = None) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Fit, predict and score one unit; returns (row, prediction arrays). Nothing is written."""
    bm, splits = _benchmark(unit.benchmark, data_dir)
    split = splits.split(unit.train_size, unit.seed)
    if split.hash != unit.split_hash:
        raise RuntimeError(f"split hash differs between processes for {unit.describe()}; the protocol is not stable")
    info = bm.metric_info(unit.target)
    hib = bool(info.higher_is_better)
    extra = side_feature_metrics(bm, unit.target)
    test_batch, y_true = _test_batch(bm, splits, unit.target, extra)
    y_train_all = bm.labels(unit.target)[bm.rows_of_ids(split.train_ids)]
    finite = np.isfinite(y_train_all)
    train_batch = ArchBatch.from_benchmark(bm, split.train_ids[finite], extra)
    y_train = np.array(y_train_all[finite], dtype=np.float64)

    klass = load_predictor_class(unit.predictor.load)
    _seed_globals(unit.seed)
    model = _instantiate(klass, dict(unit.predictor.params), unit.seed)
    encodings = encodings_of(model)
    t0 = time.perf_counter()
    _warm_encodings(train_batch, encodings)
    _warm_encodings(test_batch, encodings)
    encode_seconds = time.perf_counter() - t0

    t0 = time.perf_counter()
    model.fit(train_batch, y_train)
    fit_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    y_pred = np.asarray(model.predict(test_batch), dtype=np.float64).ravel()
    predict_seconds = time.perf_counter() - t0
    who = unit.predictor.name
    if y_pred.shape != y_true.shape:
        raise ValueError(f"{who} returned {y_pred.size} predictions for {y_true.size} test architectures")
    if not np.isfinite(y_pred).all():
        raise ValueError(f"{who} returned {int((~np.isfinite(y_pred)).sum())} non-finite predictions")

    arrays = {"test_ids": test_batch.ids, "y_true": y_true, "y_pred": y_pred, "train_ids": split.train_ids}
    row: dict[str, Any] = {
        "result_format": RESULT_FORMAT,
        "protocol_version": PROTOCOL_VERSION,
        "metrics_version": METRICS_VERSION,
        "benchmark": unit.benchmark,
        "target": unit.target,
        "target_description": info.describe(),
        "higher_is_better": hib,
        "predictor": unit.predictor.name,
        "predictor_spec": unit.predictor.spec,
        "predictor_class": unit.predictor.class_id,
        "predictor_source_sha256": unit.predictor.source_sha256,
        "config_hash": unit.predictor.config_hash,
        "params": unit.predictor.resolved_params,
        "encoding": "+".join(encodings) or None,
        "side_features": extra,
        "train_size": unit.train_size,
        "seed": unit.seed,
        "n_train": int(len(y_train)),
        "n_test": int(len(y_true)),
        "split_hash": split.hash,
        "test_hash": split.test_hash,
        **score_predictions(y_true, y_pred, hib),
    }
    twin = paired_test_metric(bm, unit.target)
    if twin is not None:
        y_twin = bm.labels(twin)[bm.rows_of_ids(test_batch.ids)]
        ok = np.isfinite(y_twin)
        twin_hib = bool(bm.metric_info(twin).higher_is_better)
        scores = ranking_metrics(y_twin[ok], y_pred[ok], twin_hib)
        row["test_metric"] = twin
        row["test_metric_higher_is_better"] = twin_hib
        row.update({f"test_metric_{k}": v for k, v in scores.items()})
        arrays[f"y_{twin}"] = y_twin
    row.update({
        "fit_seconds": fit_seconds,
        "predict_seconds": predict_seconds,
        "encode_seconds": encode_seconds,
        "threads": _threads(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "versions": _versions(),
        "finished_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    })
    return row, arrays
