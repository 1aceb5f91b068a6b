"""The on-disk benchmark store: one HDF5 file per benchmark (layout in ``datasets/FORMAT.md``).

Architectures and labels are plain aligned arrays; metadata sits in HDF5 attributes beside them.
Every dataset carries its own sha256 and the file carries a content checksum over all of them and
over the metadata, so a truncated, edited or stale file is refused instead of silently read.
Files are written under a temporary name and renamed, so a crash never leaves half a file.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import h5py
import numpy as np

from bench.atomic import atomic_path
from bench.errors import ArchBenchError

FORMAT_VERSION = 1
SPLITS = ("train", "valid", "test", "none")
REQUIRED_FILE_ATTRS = (
    "format_version",
    "benchmark",
    "space",
    "space_config",
    "source",
    "source_version",
    "license",
    "citation",
    "raw_sha256",
    "content_sha256",
)


class StoreError(ArchBenchError, RuntimeError):
    """A benchmark file that cannot be trusted; the message says how to rebuild it."""


@dataclass(frozen=True)
class LabelInfo:
    """What a label array means: every label states its split, epochs, seed reduction and unit."""

    name: str
    unit: str
    split: str
    epochs: int | None
    seed_reduction: str
    higher_is_better: bool
    source: str
    description: str = ""
    axes: tuple[str, ...] = ("arch",)
    extra: Mapping[str, Any] = field(default_factory=dict)
    #: epochs that vary by architecture (``epochs`` is then None), e.g. "per architecture: 12-200 (column 'ep'; ..."
    epochs_detail: str = ""

    def __post_init__(self) -> None:
        if self.split not in SPLITS:
            raise ValueError(f"label {self.name!r}: split must be one of {SPLITS}, got {self.split!r}")
        if not self.unit:
            raise ValueError(f"label {self.name!r}: unit is required")
        if self.axes[:1] != ("arch",):
            raise ValueError(f"label {self.name!r}: the first axis must be 'arch'")

    def to_attrs(self) -> dict[str, Any]:
        d = asdict(self)
        d["epochs"] = -1 if self.epochs is None else int(self.epochs)
        d["axes"] = json.dumps(list(self.axes))
        d["extra"] = json.dumps(dict(self.extra), sort_keys=True)
        d.pop("name")
        if not self.epochs_detail:  # absent unless used, so other stores keep their bytes and checksums
            d.pop("epochs_detail")
        return d

    @classmethod
    def from_attrs(cls, name: str, attrs: Mapping[str, Any]) -> LabelInfo:
        epochs = int(attrs["epochs"])
        return cls(
            name=name,
            unit=str(attrs["unit"]),
            split=str(attrs["split"]),
            epochs=None if epochs < 0 else epochs,
            seed_reduction=str(attrs["seed_reduction"]),
            higher_is_better=bool(attrs["higher_is_better"]),
            source=str(attrs["source"]),
            description=str(attrs.get("description", "")),
            axes=tuple(json.loads(attrs.get("axes", '["arch"]'))),
            extra=json.loads(attrs.get("extra", "{}")),
            epochs_detail=str(attrs.get("epochs_detail", "")),
        )

    def describe(self) -> str:
        if self.epochs_detail:
            epochs = f"epochs {self.epochs_detail}"
        elif self.epochs is None:
            epochs = "epochs n/a" if self.split == "none" else "epochs not recorded by the source"
        else:
            epochs = f"{self.epochs} epochs"
        direction = "higher is better" if self.higher_is_better else "lower is better"
        return f"{self.unit}; split={self.split}; {epochs}; {self.seed_reduction}; {direction}"


@dataclass
class StoreContents:
    """Everything a benchmark file holds, in memory (what importers produce)."""

    benchmark: str
    space: str
    space_config: dict[str, Any]
    ids: np.ndarray
    strings: list[str] | np.ndarray
    codes: np.ndarray
    source_keys: np.ndarray
    labels: dict[str, tuple[np.ndarray, LabelInfo]]
    meta: dict[str, Any]
    iso_class: np.ndarray | None = None


def sha256_file(path: str | os.PathLike[str], chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


def array_sha256(arr: np.ndarray) -> str:
    """Checksum of an array's dtype, shape and bytes (independent of HDF5 chunking/compression)."""
    arr = np.ascontiguousarray(arr)
    h = hashlib.sha256()
    h.update(arr.dtype.str.encode())
    h.update(repr(arr.shape).encode())
    h.update(arr.tobytes())
    return h.hexdigest()


def _attr_value(v: Any) -> Any:
    """An HDF5 attribute as a plain Python value (NumPy scalars unwrapped, bytes decoded)."""
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, bytes):
        return v.decode()
    return v


#: what h5py, json and str raise on damaged bytes (an HDF5 heap, a non-UTF-8 attribute, a bad shape)
_DAMAGE = (OSError, RuntimeError, ValueError, KeyError, TypeError, UnicodeError, IndexError, OverflowError,
           MemoryError)


def _one_line(exc: BaseException) -> str:
    """An exception as one short line (HDF5 messages span lines and carry timestamps)."""
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:197] + "..."


def _manifest_json(manifest: Mapping[str, Any]) -> str:
    return json.dumps(manifest, sort_keys=True, separators=(",", ":"))


def write_store(path: str | os.PathLike[str], contents: StoreContents) -> Path:
    """Write a benchmark file atomically (temp file in the same directory, fsync, rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    n = len(contents.ids)
    order_ok = n == len(contents.strings) == len(contents.codes) == len(contents.source_keys)
    if not order_ok:
        raise ValueError("architecture arrays must all have one entry per architecture")
    ids = np.asarray(contents.ids, dtype=np.int64)
    if len(np.unique(ids)) != n:
        raise ValueError(f"{contents.benchmark}: architecture ids are not unique")
    arrays: dict[str, tuple[np.ndarray, dict[str, Any]]] = {
        "archs/id": (ids, {}),
        "archs/string": (np.asarray([s.encode() for s in contents.strings], dtype=bytes), {}),
        "archs/codes": (np.asarray(contents.codes, dtype=np.int16), {}),
        "archs/source_key": (np.asarray(contents.source_keys), {}),
    }
    if contents.iso_class is not None:
        arrays["archs/iso_class"] = (np.asarray(contents.iso_class, dtype=np.int64), {})
    for name, (values, info) in contents.labels.items():
        values = np.asarray(values, dtype=np.float64)
        if values.shape[0] != n or values.ndim != len(info.axes):
            raise ValueError(f"label {name!r} has shape {values.shape}, expected ({n}, ...) with axes {info.axes}")
        arrays[f"labels/{name}"] = (values, info.to_attrs())
    meta = {
        "format_version": FORMAT_VERSION,
        "benchmark": contents.benchmark,
        "space": contents.space,
        "space_config": json.dumps(contents.space_config, sort_keys=True),
        "n_archs": n,
        **{k: (json.dumps(v, sort_keys=True) if isinstance(v, (dict, list)) else v) for k, v in contents.meta.items()},
    }
    for required in ("source", "source_version", "license", "citation", "raw_sha256"):
        if required not in meta:
            raise ValueError(f"{contents.benchmark}: metadata {required!r} is required")
    datasets = {
        key: {"sha256": array_sha256(arr), "shape": list(arr.shape), "attrs": attrs}
        for key, (arr, attrs) in arrays.items()
    }
    manifest_text = _manifest_json({"meta": meta, "datasets": datasets})
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        # per-array attributes mirror the manifest for h5 tools; the reader trusts the checksummed
        # manifest and refuses an array whose mirror disagrees with it
        f.attrs["format_version"] = FORMAT_VERSION
        f.attrs["manifest"] = manifest_text
        f.attrs["content_sha256"] = hashlib.sha256(manifest_text.encode()).hexdigest()
        for key, (arr, attrs) in arrays.items():
            ds = f.create_dataset(key, data=arr)
            ds.attrs["sha256"] = datasets[key]["sha256"]
            for a, v in attrs.items():
                ds.attrs[a] = v
    return path


@runtime_checkable
class BenchmarkStore(Protocol):
    """What :class:`bench.Benchmark` reads from: one file (:class:`StoreFile`) or the inner join of
    several (:class:`bench.join.JoinedStore`)."""

    path: Path

    @property
    def attrs(self) -> dict[str, Any]: ...

    def has(self, key: str) -> bool: ...

    def read(self, key: str) -> np.ndarray: ...

    def label_names(self) -> list[str]: ...

    def label_info(self, name: str) -> LabelInfo: ...

    def close(self) -> None: ...


class StoreFile:
    """A validated, lazily read benchmark file.

    Opening reads one attribute, the manifest (file metadata, every array's shape, checksum and
    label metadata), checks its sha256 against ``content_sha256``, the format version and that
    every array has one row per architecture. Each array's shape, mirrored attributes and bytes are
    checked against the manifest the first time it is read.
    """

    def __init__(self, path: str | os.PathLike[str], rebuild_hint: str = "", verify: str = "lazy") -> None:
        self.path = Path(path)
        self._hint = rebuild_hint or f"delete {self.path} and rebuild it"
        if self.path.exists() and not self.path.is_file():
            raise self._refuse("not a regular file (a directory or device is in its place)")
        try:
            self._file = h5py.File(self.path, "r")
        except (OSError, RuntimeError, ValueError) as exc:
            raise self._refuse(f"not a readable benchmark file ({_one_line(exc)})") from None
        self._cache: dict[str, np.ndarray] = {}
        try:
            self._validate()
        except StoreError:
            self._file.close()
            raise
        except _DAMAGE as exc:  # HDF5 or the manifest is damaged in a way the checks above cannot name
            self._file.close()
            raise self._refuse(f"damaged file ({_one_line(exc)})") from None
        if verify == "full":
            for key in self.dataset_keys():
                self.read(key)

    # -- validation -------------------------------------------------------------------------------
    def _refuse(self, why: str) -> StoreError:
        """A StoreError naming the file and the problem, ending in the rebuild hint."""
        return StoreError(f"{self.path}: {why}; {self._hint}")

    def _validate(self) -> None:
        attrs = self._file.attrs
        if "format_version" not in attrs:
            raise self._refuse("not an ArchBench benchmark file (no format_version)")
        version = int(attrs["format_version"])
        if version != FORMAT_VERSION:
            raise self._refuse(f"format version {version}, this ArchBench reads version {FORMAT_VERSION}")
        if "manifest" not in attrs or "content_sha256" not in attrs:
            raise self._refuse("missing manifest or content checksum")
        text = _attr_value(attrs["manifest"])
        self._content_sha256 = _attr_value(attrs["content_sha256"])
        if not isinstance(text, str) or hashlib.sha256(text.encode()).hexdigest() != self._content_sha256:
            raise self._refuse("content checksum mismatch (the file was modified or is incomplete)")
        manifest = json.loads(text)
        self._meta: dict[str, Any] = manifest["meta"]
        self._datasets: dict[str, dict[str, Any]] = manifest["datasets"]
        missing = [k for k in REQUIRED_FILE_ATTRS if k not in self._meta and k != "content_sha256"]
        if missing:
            raise self._refuse(f"missing metadata {', '.join(missing)}")
        n = int(self._meta["n_archs"])
        for key in ("archs/id", "archs/string", "archs/codes", "archs/source_key"):
            if key not in self._datasets:
                raise self._refuse(f"missing {key}")
        for key, entry in self._datasets.items():
            if entry["shape"][:1] != [n]:
                raise self._refuse(f"{key} has shape {tuple(entry['shape'])}, expected {n} rows")
            axes = json.loads(entry["attrs"].get("axes", '["arch"]'))
            if key.startswith("labels/") and len(axes) != len(entry["shape"]):
                raise self._refuse(f"{key} has {len(entry['shape'])} axes but its metadata names {len(axes)}")
        self._verified: set[str] = set()

    def _check_dataset(self, key: str) -> h5py.Dataset:
        """The dataset at ``key`` after checking its shape and mirrored attributes against the manifest."""
        entry = self._datasets[key]
        ds = self._file.get(key)
        if ds is None:
            raise self._refuse(f"{key} is missing")
        if list(ds.shape) != entry["shape"]:
            raise self._refuse(f"{key} has shape {ds.shape}, the manifest says {tuple(entry['shape'])}")
        mirrored = {a: _attr_value(v) for a, v in ds.attrs.items() if a != "sha256"}
        if mirrored != entry["attrs"]:
            raise self._refuse(f"metadata of {key} differs from the checksummed manifest")
        return ds

    # -- access -----------------------------------------------------------------------------------
    def dataset_keys(self) -> list[str]:
        return list(self._datasets)

    @property
    def attrs(self) -> dict[str, Any]:
        return {**self._meta, "content_sha256": self._content_sha256}

    def has(self, key: str) -> bool:
        return key in self._datasets

    def read(self, key: str) -> np.ndarray:
        """The array at ``key``, read once and checked against its checksum and the manifest."""
        arr = self._cache.get(key)
        if arr is None:
            if key not in self._datasets:
                raise KeyError(key)
            try:
                arr = self._check_dataset(key)[()]
            except StoreError:
                raise
            except _DAMAGE as exc:
                raise self._refuse(f"cannot read {key} ({_one_line(exc)})") from None
            if array_sha256(arr) != self._datasets[key]["sha256"]:
                raise self._refuse(f"checksum mismatch in {key}")
            arr.setflags(write=False)
            self._cache[key] = arr
        return arr

    def label_info(self, name: str) -> LabelInfo:
        return LabelInfo.from_attrs(name, self._datasets[f"labels/{name}"]["attrs"])

    def label_names(self) -> list[str]:
        return sorted(k.split("/", 1)[1] for k in self._datasets if k.startswith("labels/"))

    def close(self) -> None:
        self._file.close()


def read_contents(path: str | os.PathLike[str], names: Iterable[str] | None = None) -> StoreContents:
    """Load a whole store file into memory (for joins and re-writes)."""
    sf = StoreFile(path)
    try:
        attrs = sf.attrs
        wanted = list(names) if names is not None else sf.label_names()
        return StoreContents(
            benchmark=str(attrs["benchmark"]),
            space=str(attrs["space"]),
            space_config=json.loads(attrs["space_config"]),
            ids=sf.read("archs/id").copy(),
            strings=[s.decode() for s in sf.read("archs/string")],
            codes=sf.read("archs/codes").copy(),
            source_keys=sf.read("archs/source_key").copy(),
            labels={n: (sf.read(f"labels/{n}").copy(), sf.label_info(n)) for n in wanted},
            meta={k: v for k, v in attrs.items() if k not in
                  ("format_version", "benchmark", "space", "space_config", "n_archs", "content_sha256")},
            iso_class=sf.read("archs/iso_class").copy() if sf.has("archs/iso_class") else None,
        )
    finally:
        sf.close()
