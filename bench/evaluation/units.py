"""Planning: predictor configurations (resolved once to a config hash) and the units of a grid.

A *unit* is (benchmark, target, predictor configuration, training-set size, seed). Everything here
runs in the planning process, before any work starts, so unknown names, sizes and predictors that a
benchmark cannot feed are UsageErrors with nothing written.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import bench
from bench.data import EXTRA
from bench.errors import UsageError
from bench.evaluation.features import side_feature_metrics
from bench.predictor_registry import PREDICTORS as REGISTRY
from bench.predictor_registry import encodings_of, load_predictor_class
from bench.protocol import FrozenSplits

_SAFE_NAME = re.compile(r"[^A-Za-z0-9_.+@-]")


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

    @functools.cached_property
    def relpath(self) -> Path:
        """Path of the unit's files, without suffix, relative to the results directory (asked for
        several times per unit by the claim and the store)."""
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
