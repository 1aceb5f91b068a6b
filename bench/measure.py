"""Measurement runs on the user's machine: which architectures, a resumable run log, and the table written.

``archbench measure latency|proxies`` measure each selected architecture (NB201: each isomorphism-class
representative once, the other cells of its class share its values) and write an ordinary benchmark
table in the source benchmark's space, so it joins with the accuracy tables on canonical id. Progress
goes to an append-only JSON-lines log beside the table, flushed and fsynced record by record: a run
killed with ``kill -9`` loses at most the measurement in flight and resumes where it stopped.
"""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from bench.atomic import atomic_write_text
from bench.benchmark import Benchmark
from bench.errors import UsageError
from bench.paths import benchmark_path
from bench.store import LabelInfo, StoreContents, write_store


def select_ids(b: Benchmark, archs: str | None, ids_file: str | None, seed: int) -> np.ndarray:
    """Canonical ids to measure: ``--ids FILE`` (one id or architecture string per line), ``--archs N``
    (a seeded sample) or ``--archs all``; sorted and unique."""
    if ids_file is not None:
        path = Path(ids_file)
        if not path.is_file():
            raise UsageError(f"--ids file {ids_file!r} does not exist")
        lines = [s.strip() for s in path.read_text().splitlines() if s.strip() and not s.startswith("#")]
        if not lines:
            raise UsageError(f"--ids file {ids_file!r} names no architecture")
        wanted = [int(s) if s.isdigit() else s for s in lines]
        ids = np.concatenate([b.to_ids([a]) for a in wanted])  # one at a time, so an error names the bad one
        b.rows_of_ids(ids)  # refuse architectures the benchmark does not hold
        return np.unique(ids)
    if archs is None or archs == "all":
        return np.asarray(b.ids, dtype=np.int64)
    if not archs.isdigit() or int(archs) < 1:
        raise UsageError(f"--archs takes a positive number or 'all', got {archs!r}")
    return np.sort(np.asarray(b.sample(min(int(archs), len(b)), seed=seed), dtype=np.int64))


def representatives(b: Benchmark, ids: np.ndarray, per_class: bool) -> tuple[np.ndarray, np.ndarray]:
    """(unique ids to measure, the id whose value each id takes).

    ``per_class``: one cell per isomorphism class (its smallest id) serves the class. NB201's classes
    (its ``to_unique_str``) merge cells that differ only on dead branches, which compute the same
    function but are physically larger networks, so only quantities that ignore dead branches may be
    served this way; otherwise every id is measured.
    """
    ids = np.asarray(ids, dtype=np.int64)
    if not per_class:
        return np.unique(ids), ids
    rep = np.asarray(b.space.iso_class(b.space.from_ids(ids)), dtype=np.int64)
    return np.unique(rep), rep


class RunLog:
    """Append-only JSON-lines record of finished measurements; the first line holds the run's settings."""

    def __init__(self, path: Path, header: dict[str, Any], restart: bool = False) -> None:
        self.path = path
        self.records: list[dict[str, Any]] = []
        if path.exists() and not restart:
            lines = path.read_text().split("\n")
            try:
                stored = json.loads(lines[0])["header"]
            except (ValueError, KeyError, TypeError):
                raise UsageError(f"{path} is not a measurement log; delete it or pass --restart") from None
            if stored != header:
                changed = sorted(k for k in set(stored) | set(header) if stored.get(k) != header.get(k))
                raise UsageError(f"{path} holds a run with other settings ({', '.join(changed)}); repeat them to "
                                 "resume, or pass --restart to start over")
            complete = []
            for line in lines[1:]:
                try:
                    self.records.append(json.loads(line))
                    complete.append(line)
                except ValueError:
                    break  # the line in flight when the run was killed
            atomic_write_text(path, "\n".join([lines[0], *complete]) + "\n")
        else:
            atomic_write_text(path, json.dumps({"header": header}, sort_keys=True) + "\n")
        self._fh = open(path, "a")  # noqa: SIM115 -- held for the run, closed by close()

    def append(self, record: dict[str, Any]) -> None:
        self._fh.write(json.dumps(record) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        self._fh.close()


def log_path(name: str, kind: str, data_dir: str | None) -> Path:
    table = benchmark_path(name, data_dir)
    return table.parent / f".{table.stem}.{kind}.log.jsonl"


def machine(threads: int | None, device: str) -> dict[str, Any]:
    """What ran the measurement: CPU model, threads, torch version and build, device."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {
        "cpu": cpu, "cpu_count": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
        "torch": torch.__version__, "torch_git": torch.version.git_version, "torch_cuda": torch.version.cuda,
        "torch_threads": threads if threads is not None else torch.get_num_threads(), "device": device,
    }
    if hasattr(os, "sched_getaffinity"):
        info["cpus_used"] = sorted(os.sched_getaffinity(0))
    if device.startswith("cuda"):
        info["gpu"] = torch.cuda.get_device_name(torch.device(device))
    return info


def write_table(source: Benchmark, name: str, ids: np.ndarray, labels: dict[str, tuple[np.ndarray, LabelInfo]],
                meta: dict[str, Any], data_dir: str | None) -> Path:
    """The measured table, in the source's space so it joins on canonical id; written atomically."""
    rows = source.rows_of_ids(ids)
    codes = np.asarray(source.codes)[rows]
    space = source.space
    contents = StoreContents(
        benchmark=name, space=space.name, space_config=space.config(), ids=ids,
        strings=[source.strings[r] for r in rows], codes=codes,
        source_keys=np.asarray([str(i).encode() for i in ids], dtype=bytes), labels=labels,
        meta={"license": "measured on this machine by the user", "citation": "none (own measurement)",
              "raw_sha256": {}, "dataset": name.split("/")[-1], **meta},
        iso_class=space.iso_class(codes) if space.name == "nb201" else None,
    )
    return write_store(benchmark_path(name, data_dir), contents)


def check_name(name: str, sources: Iterable[str]) -> str:
    family, _, dataset = name.partition("/")
    if not family or not dataset or "/" in dataset or ".." in name or "+" in name:
        raise UsageError(f"--name takes family/dataset, got {name!r}")
    if name in sources:
        raise UsageError(f"--name {name!r} is the benchmark being measured; choose a new name")
    return name
