"""Import ``nb201/cifar10-valid``: NAS-Bench-201 / NATS-Bench-TSS, CIFAR-10, 200 epochs, seed mean.

The file is NAS-Landscapes' export of NATS-Bench ``get_more_info(index, "cifar10-valid", hp="200",
is_random=False)``: final-epoch values averaged over the three training seeds. The model is
trained on the 25k-image train half of the CIFAR-10 training set; ``valid`` is the other 25k half
(``x-valid``) and ``test`` the original 10k test set (``ori-test``). Rows are keyed by NB201 index.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from bench.errors import UsageError
from bench.importers.provenance import PublishedFile, VerifiedFile, locate_and_verify, provenance_meta
from bench.spaces.nb201 import N_CELLS, NB201Space
from bench.store import LabelInfo, StoreContents

BENCHMARKS = ("nb201/cifar10-valid",)
PUBLISHED = PublishedFile(
    repo="gabro8a/NAS-Landscapes",
    commit="abd5221948d901f765e3bc61d0175a3c1c52b802",
    path="data/accuracy/cifar10_avg.csv",
    sha256="1fc89edb42c804223ea2f520a3a65b5e10d8c34bc2d1bbca6bc4b4b38a193827",
)
LICENSE = "MIT (gabro8a/NAS-Landscapes); the numbers are NATS-Bench's (Dong et al.), MIT"
CITATION = (
    "Dong, Liu, Musial, Gabrys. NATS-Bench: Benchmarking NAS Algorithms for Architecture Topology and Size. "
    "IEEE TPAMI 2021 (NAS-Bench-201: Dong & Yang, ICLR 2020). Exported by Ochoa & Veerapen, Neural Architecture "
    "Search: A Visual Analysis, PPSN 2022 (gabro8a/NAS-Landscapes)."
)
EPOCHS = 200
SEEDS = "mean of 3 seeds (NATS-Bench is_random=False, averaged by NAS-Landscapes)"
_TRAIN = "trained on the 25k train half of the CIFAR-10 training set (NB201 cifar10-valid)"
_VALID = "x-valid: the other 25k half of the CIFAR-10 training set"
_TEST = "ori-test: the original 10k CIFAR-10 test set"

#: metric -> (CSV column, unit, split, higher_is_better, description)
COLUMNS: dict[str, tuple[str, str, str, bool, str]] = {
    "train_acc": ("train-accuracy", "accuracy (%)", "train", True, f"final-epoch training accuracy; {_TRAIN}"),
    "train_loss": ("train-loss", "cross-entropy loss", "train", False, f"final-epoch training loss; {_TRAIN}"),
    "valid_acc": ("valid-accuracy", "accuracy (%)", "valid", True, f"final-epoch accuracy on {_VALID}; {_TRAIN}"),
    "valid_loss": ("valid-loss", "cross-entropy loss", "valid", False, f"final-epoch loss on {_VALID}; {_TRAIN}"),
    "test_acc": ("test-accuracy", "accuracy (%)", "test", True, f"final-epoch accuracy on {_TEST}; {_TRAIN}"),
    "test_loss": ("test-loss", "cross-entropy loss", "test", False, f"final-epoch loss on {_TEST}; {_TRAIN}"),
    "train_time_per_epoch": ("train-per-time", "s", "train", False,
                             "training time per epoch (NATS-Bench train-per-time = train-all-time / 200)"),
    "train_time": ("train-all-time", "s", "train", False, "training time for all 200 epochs (train-all-time)"),
    "valid_eval_time_per_epoch": ("valid-per-time", "s", "valid", False,
                                  "time of one evaluation on x-valid (valid-all-time / 200)"),
    "valid_eval_time": ("valid-all-time", "s", "valid", False,
                        "evaluation time on x-valid summed over the 200 per-epoch evaluations"),
    "test_eval_time_per_epoch": ("test-per-time", "s", "test", False,
                                 "time of one evaluation on ori-test (test-all-time / 200)"),
    "test_eval_time": ("test-all-time", "s", "test", False,
                       "evaluation time on ori-test summed over the 200 per-epoch evaluations"),
}


def read_table(path: str | os.PathLike[str]) -> pd.DataFrame:
    """The CSV as published, checked for the columns and the 15,625 NB201 indices this importer needs."""
    frame = pd.read_csv(path)
    missing = [c for c in ("index", "arch_str", *(c for c, *_ in COLUMNS.values())) if c not in frame.columns]
    if missing:
        raise UsageError(f"{path}: missing column(s) {', '.join(missing)}")
    if len(frame) != N_CELLS or not np.array_equal(np.sort(frame["index"].to_numpy()), np.arange(N_CELLS)):
        raise UsageError(f"{path}: expected the {N_CELLS} NB201 indices 0..{N_CELLS - 1} once each")
    return frame


def contents_from_frame(frame: pd.DataFrame, files: list[VerifiedFile], name: str = BENCHMARKS[0]) -> StoreContents:
    space = NB201Space()
    frame = frame.sort_values("index", kind="stable")
    ids = frame["index"].to_numpy(dtype=np.int64)
    codes = space.from_ids(ids)
    strings = space.to_strings(codes)
    bad = np.flatnonzero(np.asarray(strings, dtype=object) != frame["arch_str"].to_numpy(dtype=object))
    if len(bad):
        i = int(bad[0])
        raise UsageError(f"row with index {ids[i]}: arch_str {frame['arch_str'].iloc[i]!r} is not NB201 cell {ids[i]} "
                         f"({strings[i]!r})")
    source = PUBLISHED.describe()
    labels = {
        metric: (frame[col].to_numpy(dtype=np.float64), LabelInfo(
            name=metric, unit=unit, split=split, epochs=EPOCHS, seed_reduction=SEEDS, higher_is_better=hib,
            source=f"{source} [{col}]", description=f"CIFAR-10, {desc}",
            extra={"dataset": "cifar10-valid", "protocol": "NB201 cifar10-valid (train 25k / x-valid 25k / ori-test)"},
        ))
        for metric, (col, unit, split, hib, desc) in COLUMNS.items()
    }
    return StoreContents(
        benchmark=name,
        space="nb201",
        space_config=space.config(),
        ids=ids,
        strings=strings,
        codes=codes,
        source_keys=ids.copy(),
        labels=labels,
        meta={
            "source": f"github.com/{PUBLISHED.repo}@{PUBLISHED.commit} {PUBLISHED.path}",
            "source_version": f"git {PUBLISHED.commit}",
            "license": LICENSE,
            "citation": CITATION,
            **provenance_meta(files),
            "dataset": "cifar10-valid",
            "description": "All 15,625 NB201 cells on CIFAR-10 (cifar10-valid protocol), 200 epochs, mean of 3 seeds: "
                           "train/valid/test accuracy and loss, train and evaluation time",
        },
        iso_class=space.iso_class(codes),
    )


def read(
    path: str | os.PathLike[str], allow_unknown: bool = False, only: set[str] | None = None
) -> list[StoreContents]:
    """``path``: ``cifar10_avg.csv`` or a folder holding it (e.g. a NAS-Landscapes checkout)."""
    raw = locate_and_verify(path, PUBLISHED, allow_unknown, relative=PUBLISHED.path)
    return [contents_from_frame(read_table(raw.path), [raw])]
