"""Where built benchmark files live: ``--data-dir`` > ``$ARCHBENCH_DATA`` > the per-user cache."""

from __future__ import annotations

import os
from pathlib import Path

from bench.errors import UsageError
from bench.validate import check_dir, check_str


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The data directory (not created here)."""
    if override is not None:
        return check_dir(override, "data directory")
    env = os.environ.get("ARCHBENCH_DATA")
    if env:
        return Path(env).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "archbench"


def benchmark_path(name: str, override: str | os.PathLike[str] | None = None) -> Path:
    """``<data dir>/<family>/<dataset>.h5`` for a benchmark named ``family/dataset``."""
    check_str(name, "benchmark name")
    family, _, dataset = name.partition("/")
    if not family or not dataset or "/" in dataset or ".." in name:
        raise UsageError(f"benchmark names look like 'family/dataset', got {name!r}")
    return data_dir(override) / family / f"{dataset}.h5"
