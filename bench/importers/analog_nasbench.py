"""Build ``nb201-analog/cifar10`` from the ``analog-nasbench`` PyPI package (AnalogNAS-Bench).

The package keys cells by NASLib's op order (``skip, none, conv3x3, conv1x1, avgpool``) over
NASLib's edge list; we convert every key to the NB201 index so it joins with other NB201 data.
The package's own loader imports the removed ``pkg_resources``; we read its pickle with a
restricted unpickler that only admits its two plain record classes.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import io
import os
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from bench.spaces.nb201 import NB201Space
from bench.store import LabelInfo, StoreContents, sha256_file, write_store

CITATION = (
    "Benmeziane, Lammie, Boybat, Rasch, Le Gallo, Tsai, Narayanan, Sebastian, El Maghraoui, Sebastian. "
    "AnalogNAS-Bench: A NAS Benchmark for Analog In-Memory Computing. 2025 (IBM/analog-nas)."
)
SOURCE = "PyPI analog-nasbench (github.com/IBM/analog-nas, analognasbench/), file analognasbench/data.anb"
DRIFT_TIMES = {60: "60s", 3600: "1h", 86400: "1d", 2592000: "30d"}
SCALAR_LABELS = {
    "digital_acc": ("baseline_accuracy", "digital (FP32) model, 200 epochs SGD+cosine"),
    "ptq_acc": ("ptq_accuracy", "post-training quantized digital model"),
    "qat_acc": ("qat_accuracy", "quantization-aware trained model (20 extra epochs)"),
    "noisy_acc": ("noisy_accuracy", "digital model evaluated on simulated AIMC hardware noise"),
    "analog_acc": ("analog_accuracy", "hardware-aware trained model on simulated AIMC hardware"),
}


class _Record:
    """Stand-in for the package's pickled ``Architecture``/``DriftMeasurement`` (plain attributes)."""

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)


class _RestrictedUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module == "analognasbench.data" and name in ("Architecture", "DriftMeasurement"):
            return _Record
        if module == "builtins" and name in ("tuple", "list", "dict", "float", "int"):
            return getattr(__import__("builtins"), name)
        raise pickle.UnpicklingError(f"unexpected object {module}.{name} in analog-nasbench data")


def raw_path() -> Path:
    """The package's data file, located without importing the package (its import fails)."""
    spec = importlib.util.find_spec("analognasbench")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the analog-nasbench package is not installed (pip install analog-nasbench)")
    return Path(list(spec.submodule_search_locations)[0]) / "data.anb"


def read_raw() -> dict[tuple[int, ...], Any]:
    """The package's dict ``{naslib_op_tuple: record}`` without importing the package."""
    return _RestrictedUnpickler(io.BytesIO(raw_path().read_bytes())).load()


def source_columns() -> dict[str, str]:
    """Our metric name -> the package's attribute (``.value``/``.uncertainty`` for drift)."""
    cols = {name: attr for name, (attr, _) in SCALAR_LABELS.items()}
    for model in ("baseline", "analog"):
        ours = "digital" if model == "baseline" else "analog"
        for secs, tag in DRIFT_TIMES.items():
            cols[f"{ours}_drift_{tag}_acc"] = f"{model}_drift_{secs}.value"
            cols[f"{ours}_drift_{tag}_unc"] = f"{model}_drift_{secs}.uncertainty"
    return cols


def _get(record: Any, attr: str) -> float:
    obj = record
    for part in attr.split("."):
        obj = getattr(obj, part)
    return float(obj)


def contents() -> StoreContents:
    raw = read_raw()
    space = NB201Space()
    keys = np.array(list(raw), dtype=np.int16)
    codes = space.from_naslib(keys)
    ids = space.to_ids(codes)
    order = np.argsort(ids)
    ids, codes, keys = ids[order], codes[order], keys[order]
    records = [raw[tuple(int(x) for x in k)] for k in keys]
    common = dict(split="test", epochs=200, seed_reduction="single run (as released)", higher_is_better=True)
    labels: dict[str, tuple[np.ndarray, LabelInfo]] = {}
    for name, attr in source_columns().items():
        values = np.array([_get(r, attr) for r in records])
        if name in SCALAR_LABELS:
            what = SCALAR_LABELS[name][1]
        else:
            model, _, tag, kind = name.split("_")
            who = "digital model" if model == "digital" else "hardware-aware trained model"
            what = f"{who} on AIMC after {tag} of conductance drift"
            if kind == "unc":
                what = "± uncertainty of: " + what
        kw = dict(common)
        unit = "accuracy (%)"
        if name.endswith("_unc"):
            kw.update(higher_is_better=False, seed_reduction="spread over drift simulations (as released)")
            unit = "accuracy (percentage points)"
        if name == "qat_acc":
            kw["epochs"] = 220
        labels[name] = (values, LabelInfo(
            name=name, unit=unit, source=f"{SOURCE} [{attr}]", description=f"CIFAR-10 test accuracy, {what}",
            **kw))  # type: ignore[arg-type]
    version = importlib.metadata.version("analog-nasbench")
    return StoreContents(
        benchmark="nb201-analog/cifar10",
        space="nb201",
        space_config=space.config(),
        ids=ids,
        strings=space.to_strings(codes),
        codes=codes,
        source_keys=np.array(["".join(str(int(x)) for x in k) for k in keys], dtype=bytes),
        labels=labels,
        meta={
            "source": SOURCE,
            "source_version": f"analog-nasbench {version}",
            "license": "Apache-2.0 (IBM/analog-nas repository; the wheel carries no license metadata)",
            "citation": CITATION,
            "raw_sha256": {"data.anb": sha256_file(raw_path())},
            "dataset": "cifar10",
            "description": "All 15,625 NB201 cells on CIFAR-10: digital, quantized, analog-AIMC and drift accuracy",
        },
        iso_class=space.iso_class(codes),
    )


def build(path: str | os.PathLike[str]) -> Path:
    return write_store(path, contents())
