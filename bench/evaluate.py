"""Evaluate predictors on frozen splits: one stored result row, with its predictions, per unit.

A *unit* is (benchmark, target, predictor configuration, training-set size, seed). Running it fits
the predictor on the seed's nested training pool, predicts the benchmark's fixed test set, times
both, and scores the predictions (:mod:`bench.metrics`). Each finished unit is written to the
results directory as two files, the predictions first and the row last, both atomically::

    <results>/<family>/<dataset>/<target>/<predictor>@<config hash>/n<size>_s<seed>.npz
        test_ids, y_true, y_pred, train_ids (draw order) [, y_<test metric>]
    <results>/<family>/<dataset>/<target>/<predictor>@<config hash>/n<size>_s<seed>.json
        the row: identity, split hashes, every metric, timings, versions

so a row exists only once its predictions do, re-running skips units whose row is present with the
same split hash (resume), parallel workers never touch the same file, and an interrupted run loses
at most the units in flight. Every number in a row can be recomputed from its ``.npz``.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import inspect
import io
import json
import math
import multiprocessing
import os
import platform
import random
import re
import subprocess
import sys
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import bench
from bench.atomic import atomic_path, atomic_write_text
from bench.data import EXTRA, ArchBatch
from bench.errors import UsageError
from bench.metrics import ALL_METRICS, METRICS_VERSION, RANKING_METRICS, ranking_metrics, score_predictions
from bench.paths import data_dir as data_dir_path
from bench.predictor_registry import PREDICTORS as REGISTRY
from bench.predictor_registry import encodings_of, load_predictor_class
from bench.protocol import PROTOCOL_VERSION, FrozenSplits

#: version of the row layout below; rows of another version are re-run, never mixed
RESULT_FORMAT = 1
#: side-feature metrics a predictor may read (besides ``zc_*`` zero-cost proxies): known before training
SIDE_FEATURE_METRICS = ("params", "flops")
#: packages whose versions are recorded with every row
VERSIONED_PACKAGES = ("archbench", "numpy", "scipy", "pandas", "scikit-learn", "xgboost", "torch", "torch-geometric")

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.+@-]")


# -- what a benchmark offers a predictor ------------------------------------------------------------
def side_feature_metrics(bm: bench.Benchmark, target: str) -> list[str]:
    """Metrics that are legitimate predictor inputs for ``target``: known before training.

    A label's ``extra["known_before_training"]`` decides where present; otherwise parameter counts,
    FLOPs and ``zc_*`` zero-cost proxy scores qualify. The target and accuracy labels never do, nor
    do the proxies' compute times (``zc_*_time``): they measure the machine that ran the proxy, not
    the architecture.
    """
    out = []
    for m in bm.metrics:
        info = bm.metric_info(m)
        known = info.extra.get("known_before_training")
        if known is None:
            known = m in SIDE_FEATURE_METRICS or (m.startswith("zc_") and not m.endswith("_time"))
        if known and m != target and "acc" not in m and bm.labels(m).ndim == 1:
            out.append(m)
    return sorted(out)


def paired_test_metric(bm: bench.Benchmark, target: str) -> str | None:
    """The test-split twin of a validation target (``valid_acc`` or ``val_acc`` -> ``test_acc``), if stored."""
    for prefix in ("valid_", "val_"):
        if target.startswith(prefix):
            twin = "test_" + target[len(prefix):]
            if twin in bm.metrics and bm.metric_info(twin).split == "test" and bm.labels(twin).ndim == 1:
                return twin
    return None


# -- predictor configurations -----------------------------------------------------------------------
def _jsonable(value: Any, float_digits: int | None = None) -> Any:
    """``value`` as plain JSON types; with ``float_digits``, floats rounded to that many significant
    digits (for hashing: a default computed at import time, e.g. ``np.logspace``, can differ in its
    last bit across NumPy builds and must not change a config hash)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v, float_digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v, float_digits) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, float) and float_digits is not None:
        return float(f"{value:.{float_digits}g}")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if callable(getattr(value, "get_params", None)) and not isinstance(value, type):  # an ensemble's member
        klass = f"{type(value).__module__}:{type(value).__qualname__}"
        return {"class": klass, "params": _jsonable(_constructor_params(value), float_digits)}
    return repr(value)


def _constructor_params(instance: Any) -> dict[str, Any]:
    """An instance's own hyperparameters: scikit-learn's ``get_params(deep=False)`` (a nested
    ``member__param`` would change the config hash), or a plug-in's ``get_params()``."""
    try:
        return dict(instance.get_params(deep=False))
    except TypeError:
        return dict(instance.get_params())


def _instantiate(cls: type, params: dict[str, Any], seed: int) -> Any:
    sig = inspect.signature(cls)
    takes_seed = "seed" in sig.parameters or any(p.kind is p.VAR_KEYWORD for p in sig.parameters.values())
    return cls(**params, seed=seed) if takes_seed else cls(**params)


@dataclass
class PredictorConfig:
    """A predictor and its hyperparameters, resolved once (in the main process) to a config hash.

    ``spec`` is what the user gave (registry name, ``module:Class`` or ``path/to/file.py:Class``);
    ``load`` is how a worker imports it (a plug-in file's absolute path). The config hash covers the
    class, every constructor argument except ``seed`` (defaults included) and, for a plug-in file,
    the file's sha256, so editing a plug-in never reuses its stale results.
    """

    spec: str
    name: str
    load: str
    params: dict[str, Any]
    resolved_params: dict[str, Any]
    class_id: str
    source_sha256: str | None
    config_hash: str

    @classmethod
    def resolve(cls, spec: str, params: dict[str, Any] | None = None) -> PredictorConfig:
        params = dict(params or {})
        klass = load_predictor_class(spec)  # UsageError for unknown names and broken files
        target = REGISTRY.get(spec, spec)
        module_path, _, class_name = target.rpartition(":")
        source_sha = None
        if module_path.endswith(".py"):
            path = Path(module_path).resolve()
            load = f"{path}:{class_name}"
            class_id = f"{path.name}:{class_name}"
            source_sha = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            load = target
            class_id = f"{klass.__module__}:{klass.__qualname__}"
        try:
            instance = _instantiate(klass, params, seed=0)
        except TypeError as exc:
            raise UsageError(f"predictor {spec!r} does not accept these hyperparameters: {exc}") from None
        resolved = _constructor_params(instance) if callable(getattr(instance, "get_params", None)) else dict(params)
        resolved.pop("seed", None)
        resolved = _jsonable(resolved)
        ident = {"class": class_id, "params": _jsonable(resolved, float_digits=12), "source_sha256": source_sha}
        config_hash = hashlib.sha256(json.dumps(ident, sort_keys=True).encode()).hexdigest()[:12]
        name = spec if spec in REGISTRY else (getattr(klass, "name", "") or klass.__name__)
        return cls(spec, str(name), load, params, resolved, class_id, source_sha, config_hash)

    @property
    def label(self) -> str:
        return f"{self.name}@{self.config_hash}"


@dataclass
class Unit:
    """One evaluation: fit ``predictor`` on ``train_size`` architectures of ``seed``'s pool, predict the test set."""

    benchmark: str
    target: str
    predictor: PredictorConfig
    train_size: int
    seed: int
    split_hash: str

    @property
    def relpath(self) -> Path:
        """Path of the unit's files, without suffix, relative to the results directory."""
        pred = _SAFE_NAME.sub("_", self.predictor.label)
        return Path(*self.benchmark.split("/"), self.target, pred, f"n{self.train_size:05d}_s{self.seed:03d}")

    def describe(self) -> str:
        return f"{self.benchmark} {self.target} {self.predictor.name} n={self.train_size} seed={self.seed}"


def _check_applicable(pred: PredictorConfig, bm: bench.Benchmark, target: str, extra: list[str]) -> None:
    """Refuse, before anything runs, a predictor whose encodings (as its parameters set them) the
    benchmark cannot give."""
    model = _instantiate(load_predictor_class(pred.load), dict(pred.params), 0)
    try:
        encodings = encodings_of(model)
    except ValueError as exc:
        raise UsageError(f"predictor {pred.name!r}: {exc}") from None
    for encoding in encodings:
        if encoding == EXTRA:
            if not extra:
                raise UsageError(f"predictor {pred.name!r} reads side features (params, FLOPs, zero-cost proxies) "
                                 f"but {bm.name} offers none for target {target!r}")
        elif encoding not in bm.space.encodings:
            raise UsageError(f"predictor {pred.name!r} reads the {encoding!r} encoding, which {bm.name} does not "
                             f"offer ({', '.join(bm.space.encodings)})")


def plan_units(
    benchmarks: Sequence[str],
    targets: Sequence[str],
    predictors: Sequence[PredictorConfig],
    train_sizes: Sequence[int] | None = None,
    seeds: int | Sequence[int] = 5,
    data_dir: str | os.PathLike[str] | None = None,
) -> list[Unit]:
    """Every unit of the cross product, validated up front (unknown names and sizes are UsageErrors).

    ``train_sizes=None`` takes the standard sizes that fit the benchmark; ``seeds`` is a count
    (seeds 0..N-1) or explicit seeds.
    """
    seed_list = list(range(seeds)) if isinstance(seeds, int) else sorted({int(s) for s in seeds})
    if not seed_list or min(seed_list) < 0:
        raise UsageError("give at least one seed (seeds are non-negative integers)")
    if not predictors:
        raise UsageError("give at least one predictor")
    units: list[Unit] = []
    for name in benchmarks:
        bm = bench.load(name, data_dir, progress=False)
        splits = FrozenSplits(bm)
        sizes = sorted({int(s) for s in train_sizes}) if train_sizes else splits.standard_train_sizes()
        for size in sizes:
            splits.check_train_size(size)
        hashes = {(s, seed): splits.split(s, seed).hash for s in sizes for seed in seed_list}
        for target in targets:
            bm.metric_info(target)  # UnknownMetric with the closest names
            if bm.labels(target).ndim != 1:
                raise UsageError(f"{name} metric {target!r} is not one value per architecture; pick a scalar metric")
            extra = side_feature_metrics(bm, target)
            for pred in predictors:
                _check_applicable(pred, bm, target, extra)
                for size in sizes:
                    for seed in seed_list:
                        units.append(Unit(name, target, pred, int(size), seed, hashes[(size, seed)]))
    return units


# -- running one unit (in a worker process or in-process) -------------------------------------------
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
    root = Path(__file__).resolve().parent.parent
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
    out: dict[str, str | None] = {"python": platform.python_version(), "archbench_git": code_revision()}
    for pkg in VERSIONED_PACKAGES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = None
    return out


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


# -- the results directory ----------------------------------------------------------------------------
class ResultStore:
    """The results directory: per unit, ``<relpath>.npz`` (predictions) then ``<relpath>.json`` (row)."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def row_path(self, unit: Unit) -> Path:
        return self.root / unit.relpath.with_suffix(".json")

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
        row_path = self.row_path(unit)
        npz_path = row_path.with_suffix(".npz")
        buf = io.BytesIO()
        np.savez_compressed(buf, **arrays)
        data = buf.getvalue()
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


# -- running many units -------------------------------------------------------------------------------
@dataclass
class EvaluationReport:
    """What a call to :func:`evaluate` did."""

    ran: list[Unit] = field(default_factory=list)
    skipped: list[Unit] = field(default_factory=list)
    failed: list[tuple[Unit, str]] = field(default_factory=list)
    wall_seconds: float = 0.0


def _run_and_store(unit: Unit, results_dir: str, data_dir: str | None) -> dict[str, Any] | str:
    """Worker entry: run and write one unit; a failure comes back as a one-line message."""
    try:
        row, arrays = run_unit(unit, data_dir)
        ResultStore(results_dir).write(unit, row, arrays)
    except Exception as exc:  # noqa: BLE001 - one predictor's failure must not stop the others
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
    return {k: row[k] for k in ("kendall_tau", "fit_seconds")}


def _limit_threads(threads: int) -> None:
    """Worker initializer: ``threads`` OpenMP/BLAS/torch threads per process (set before they load).

    Oversubscribed OpenMP spins: on a busy 2-core machine an XGBoost fit that takes 0.3 s on one
    thread took 32 s on two, so the thread count is part of every recorded timing.
    """
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = str(threads)


def evaluate(
    units: Iterable[Unit],
    results_dir: str | os.PathLike[str] = "results",
    *,
    jobs: int = 1,
    threads: int | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
) -> EvaluationReport:
    """Run every unfinished unit, writing each as it finishes; skips units already stored.

    Units run in ``jobs`` spawned worker processes with ``threads`` threads each (default 1 when
    ``jobs > 1``); ``jobs=1`` without ``threads`` runs in this process with its thread settings.
    A unit that raises is reported in the returned report and the others go on.
    """
    from tqdm import tqdm

    started = time.perf_counter()
    store = ResultStore(results_dir)
    report = EvaluationReport()
    todo: list[Unit] = []
    for unit in units:
        (report.skipped if store.finished(unit) else todo).append(unit)
    ddir = None if data_dir is None else str(data_dir)
    bar = tqdm(total=len(todo), desc="evaluate", unit="unit", file=sys.stderr, disable=not progress, dynamic_ncols=True)
    if report.skipped and progress:
        tqdm.write(f"skipping {len(report.skipped)} finished unit(s) in {store.root}", file=sys.stderr)

    def done(unit: Unit, outcome: dict[str, Any] | str) -> None:
        if isinstance(outcome, str):
            report.failed.append((unit, outcome))
            tqdm.write(f"archbench: warning: {unit.describe()} failed: {outcome}", file=sys.stderr)
        else:
            report.ran.append(unit)
            bar.set_postfix_str(f"{unit.predictor.name} n={unit.train_size} tau={outcome['kendall_tau']:.3f}")
        bar.update(1)

    try:
        if jobs > 1 and threads is None:
            threads = 1
        if threads is None or not todo:
            for unit in todo:
                done(unit, _run_and_store(unit, str(results_dir), ddir))
        else:
            # board by board (workers keep a few test batches encoded), largest training sets first
            boards = {key: i for i, key in enumerate(dict.fromkeys((u.benchmark, u.target) for u in todo))}
            todo.sort(key=lambda u: (boards[(u.benchmark, u.target)], -u.train_size))
            ctx = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=ctx, initializer=_limit_threads,
                                     initargs=(threads,)) as pool:
                futures = {pool.submit(_run_and_store, u, str(results_dir), ddir): u for u in todo}
                try:
                    for fut in as_completed(futures):
                        done(futures[fut], fut.result())
                except BaseException:
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise
    finally:
        bar.close()
        report.wall_seconds = time.perf_counter() - started
    return report
