"""``archbench measure latency|proxies``: time networks or compute zero-cost proxies on this machine and
write the result as a benchmark table that joins with the accuracy tables (see :mod:`bench.measure`)."""

from __future__ import annotations

import argparse
from functools import partial

import numpy as np

import bench
from bench.commands._args import csv_ints, csv_list, int_range, nonempty
from bench.errors import UsageError
from bench.measure import (
    RunLog,
    check_name,
    log_path,
    machine,
    representatives,
    select_ids,
    write_table,
)
from bench.store import LabelInfo

PROXY_UNITS = {
    "synflow": ("log of the synflow sum", True, "natural log of sum |w * dR/dw| (BN bypassed, |w|, all-ones input)"),
    "zen": ("zen-score (log scale)", True,
            "Zen-score on Gaussian input, Gaussian weights; -inf (log of 0) where the output is identically zero"),
    "params": ("M parameters", False, "trainable parameters in millions"),
    "flops": ("MFLOPs per sample", False, "forward FLOPs per sample in millions (NB201/NASLib convention)"),
    "nwot": ("log-determinant", True, "NASWOT on Gaussian input (not real images)"),
    "jacov": ("score", True, "Jacobian covariance on Gaussian input (not real images)"),
    "snip": ("score", True, "SNIP on Gaussian input with random labels (not real data)"),
    "grad_norm": ("score", True, "gradient norm on Gaussian input with random labels (not real data)"),
}


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--benchmark", required=True, type=nonempty, help="the benchmark whose architectures to measure")
    p.add_argument("--archs", type=_archs, help="N (a seeded sample) or 'all' (default)")
    p.add_argument("--ids", metavar="FILE", help="measure the architectures (ids or strings) listed one per line "
                   "(default: those --archs picks)")
    p.add_argument("--name", required=True, help="family/dataset of the table to write")
    p.add_argument("--dataset", help="dataset whose network sizes to use (default: the benchmark's)")
    p.add_argument("--seed", type=int_range(0, 2**31 - 1), default=0,
                   help="sampling, weights and input seed (default 0)")
    p.add_argument("--threads", type=int_range(1, 1024), default=1,
                   help="torch threads, pinned to as many CPUs (default 1)")
    p.add_argument("--per-class", action="store_true",
                   help="measure one cell per isomorphism class and give its value to every cell of the class "
                   "(default only for proxies that ignore dead branches: synflow, snip, grad_norm; NB201 cells "
                   "that differ on dead branches are larger networks, so parameters, FLOPs and latency are then "
                   "the representative's, as the table says)")
    p.add_argument("--restart", action="store_true", help="discard an unfinished run of this name")
    p.add_argument("--force", action="store_true", help="replace an existing table of this name")


def _archs(text: str) -> str:
    """``--archs``: 'all' or a positive count, checked before any benchmark is built."""
    if text.strip() == "all":
        return "all"
    if not text.strip().isdigit() or not 1 <= int(text) <= 10**9:
        raise argparse.ArgumentTypeError(f"--archs takes a positive number (at most 10^9) or 'all', got {text!r}")
    return text.strip()


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("measure", help="measure latency or zero-cost proxies of a benchmark's networks here")
    msub = p.add_subparsers(dest="measure_command", required=True, parser_class=type(p))
    lat = msub.add_parser("latency", help="forward latency (eval, no grad) per batch size, median of R runs")
    _common(lat)
    lat.add_argument("--batch", type=csv_ints(1, 65536), default=[1], help="comma-separated batch sizes (default 1)")
    lat.add_argument("--device", default="cpu", help="cpu or cuda[:N] (default cpu)")
    lat.add_argument("--repeats", type=int_range(1, 100_000), default=10,
                     help="timed runs per architecture and batch (default 10)")
    lat.add_argument("--warmup", type=int_range(0, 100_000), default=3, help="untimed runs first (default 3)")
    lat.set_defaults(func=cmd_latency)
    prox = msub.add_parser("proxies", help="data-free zero-cost proxies (synflow, zen, params, flops, ...)")
    _common(prox)
    prox.add_argument("--proxies", type=csv_list, default=["synflow", "zen", "params", "flops"],
                      help="comma-separated: synflow, zen, params, flops; nwot, jacov, snip, grad_norm on "
                           "Gaussian data (stored as zc_<proxy>_gauss)")
    prox.add_argument("--batch", type=int_range(1, 65536), default=None,
                      help="samples of Gaussian input for zen and the data-dependent proxies (default: zen 16, "
                      "nwot/jacov/snip/grad_norm 64)")
    prox.add_argument("--jobs", type=int_range(1, 256), default=1,
                      help="worker processes of one thread each, architectures spread over them (default 1); "
                      "values do not depend on it")
    prox.set_defaults(func=cmd_proxies)


def _prepare(args: argparse.Namespace, kind: str,
             per_class: bool) -> tuple[bench.Benchmark, np.ndarray, np.ndarray, np.ndarray]:
    if args.threads < 1:
        raise UsageError(f"--threads must be at least 1, got {args.threads}")
    if "+" in args.benchmark:
        raise UsageError("measure one benchmark at a time (no '+' joins)")
    b = bench.load(args.benchmark, args.data_dir)
    check_name(args.name, [args.benchmark])
    from bench.paths import benchmark_path

    if benchmark_path(args.name, args.data_dir).exists() and not args.force:
        raise UsageError(f"{args.name} exists; pass --force to replace it")
    ids = select_ids(b, args.archs, args.ids, args.seed)
    reps, rep_of = representatives(b, ids, per_class)
    return b, ids, reps, rep_of


def _progress(total: int, done: int, what: str):  # noqa: ANN202 -- a tqdm bar
    from tqdm import tqdm

    return tqdm(total=total, initial=done, desc=what, unit="run", smoothing=0.05, dynamic_ncols=True)


def _spread_note(rep_count: int, ids: np.ndarray, rep_of: np.ndarray) -> str:
    if not np.array_equal(rep_of, ids):
        return (f"{rep_count} isomorphism-class representatives measured; each of the {len(ids)} cells takes its "
                "class representative's value (the smallest id of the class)")
    return f"{len(ids)} architectures measured, each on its own network"


def cmd_latency(args: argparse.Namespace) -> int:
    batches = sorted(set(args.batch))
    if args.repeats < 1 or args.warmup < 0:
        raise UsageError("--repeats must be at least 1 and --warmup at least 0")
    if not (args.device == "cpu" or args.device.startswith("cuda")):
        raise UsageError(f"--device is cpu or cuda[:N], got {args.device!r}")
    b, ids, reps, rep_of = _prepare(args, "latency", args.per_class)
    import torch

    from bench.networks import latency
    from bench.networks.plugin import builder_for

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise UsageError("--device cuda: torch sees no CUDA device here")
    builder = builder_for(b, args.dataset)
    cpus = latency.pin_threads(args.threads)
    header = {"kind": "latency", "benchmark": args.benchmark, "ids": [int(i) for i in reps], "batches": batches,
              "repeats": args.repeats, "warmup": args.warmup, "device": args.device, "threads": args.threads,
              "seed": args.seed, "network": builder.describe()}
    log = RunLog(log_path(args.name, "latency", args.data_dir), header, args.restart)
    done = {(r["id"], r["batch"], r["pass"]) for r in log.records}
    codes = dict(zip(reps.tolist(), b.space.from_ids(reps), strict=True))
    total = len(reps) * len(batches) * args.repeats
    bar = _progress(total, len(done), f"latency {args.benchmark}")
    try:
        latency.measure(builder, codes, batches, args.repeats, args.warmup, args.device, done, log.append,
                        seed=args.seed, on_step=lambda: bar.update(1))
    finally:
        bar.close()
        log.close()
    records = RunLog(log.path, header).records
    times = np.full((len(reps), len(batches), args.repeats), np.nan)
    index = {int(r): k for k, r in enumerate(reps)}
    for r in records:
        times[index[r["id"]], batches.index(r["batch"]), r["pass"]] = r["ms"]
    from scipy.stats import spearmanr

    labels = {}
    rows = np.searchsorted(reps, rep_of)
    info = machine(args.threads, args.device)
    info["cpus_used"] = cpus or info.get("cpus_used")
    for j, batch in enumerate(batches):
        t = times[:, j, :]
        median = np.median(t, axis=1)
        q75, q25 = np.percentile(t, [75, 25], axis=1)
        extra = {"batch": batch, "device": args.device, "threads": args.threads, "spread": f"latency_b{batch}_iqr",
                 "measured": _spread_note(len(reps), ids, rep_of)}
        labels[f"latency_b{batch}"] = (median[rows], LabelInfo(
            name=f"latency_b{batch}", unit="ms", split="none", epochs=None,
            seed_reduction=f"median of {args.repeats} runs", higher_is_better=False,
            source="archbench measure latency", extra=extra,
            description=f"forward latency at batch {batch} (eval mode, no grad) on {info.get('gpu', info['cpu'])}"))
        labels[f"latency_b{batch}_iqr"] = ((q75 - q25)[rows], LabelInfo(
            name=f"latency_b{batch}_iqr", unit="ms", split="none", epochs=None,
            seed_reduction=f"interquartile range of {args.repeats} runs", higher_is_better=False,
            source="archbench measure latency", extra={"batch": batch},
            description=f"spread of latency_b{batch} over its runs"))
        if args.repeats >= 2 and len(reps) >= 3:
            rho = spearmanr(np.median(t[:, 0::2], axis=1), np.median(t[:, 1::2], axis=1))[0]
            print(f"batch {batch}: median {np.median(median):.3f} ms; Spearman between even and odd passes "
                  f"{rho:.3f} over {len(reps)} networks (near 1 on a quiet machine)")
    path = _write(args, b, ids, labels, "latency", f"latency on this machine: {builder.describe()}", info,
                  header, len(reps), log)
    print(f"{args.name}\twritten\t{len(ids)} architectures\t{path}")
    return 0


def _write(args: argparse.Namespace, b: bench.Benchmark, ids: np.ndarray, labels: dict, kind: str, description: str,
           info: dict, header: dict, n_reps: int, log: object) -> object:
    """Write the measured table with its machine and settings, then drop the finished run's log."""
    meta = {"source": f"archbench measure {kind} of {args.benchmark}", "source_version": info["torch"],
            "description": description, "machine": info,
            "measure_settings": header | {"ids": f"{n_reps} architectures measured"}}
    path = write_table(b, args.name, ids, labels, meta, args.data_dir)
    log.path.unlink()
    return path


def _builder_of(benchmark: str, data_dir: str | None, dataset: str | None):  # noqa: ANN202 -- a NetworkBuilder
    """A worker process's own builder (plug-in builders load user code, which does not pickle)."""
    from bench.networks.plugin import builder_for

    return builder_for(bench.load(benchmark, data_dir), dataset)


def cmd_proxies(args: argparse.Namespace) -> int:
    from bench.networks.proxies import CLASS_INVARIANT, PROXIES, column

    proxies = list(dict.fromkeys(args.proxies))
    unknown = [p for p in proxies if p not in PROXIES]
    if not proxies or unknown:
        raise UsageError(f"unknown proxy {unknown[0] if unknown else args.proxies!r}; choose from {', '.join(PROXIES)}")
    b, ids, reps, rep_of = _prepare(args, "proxies", args.per_class or all(p in CLASS_INVARIANT for p in proxies))
    from bench.networks import proxies as zc
    from bench.networks.latency import pin_threads
    from bench.networks.plugin import builder_for

    builder = builder_for(b, args.dataset)
    pin_threads(args.threads)
    batches = {p: zc.batch_of(p, args.batch) for p in proxies if zc.batch_of(p, args.batch) is not None}
    header = {"kind": "proxies", "benchmark": args.benchmark, "ids": [int(i) for i in reps], "proxies": proxies,
              "batch": batches, "seed": args.seed, "threads": args.threads, "network": builder.describe(),
              "flush_denormal": True}
    log = RunLog(log_path(args.name, "proxies", args.data_dir), header, args.restart)
    done = {r["id"] for r in log.records}
    codes = dict(zip(reps.tolist(), b.space.from_ids(reps), strict=True))
    bar = _progress(len(reps), len(done), f"proxies {args.benchmark}")
    try:
        zc.run(builder, codes, proxies, args.seed, args.batch, done, log.append, on_step=lambda: bar.update(1),
               jobs=args.jobs, make_builder=partial(_builder_of, args.benchmark, args.data_dir, args.dataset))
    finally:
        bar.close()
        log.close()
    records = {r["id"]: r for r in RunLog(log.path, header).records}
    rows = [records[int(i)] for i in rep_of]
    labels = {}
    for p in proxies:
        unit, higher, what = PROXY_UNITS[p]
        name = column(p)
        reduction = "deterministic" if p in ("params", "flops") else f"one run (seed {args.seed})"
        labels[name] = (np.array([r["values"][p] for r in rows], dtype=np.float64), LabelInfo(
            name=name, unit=unit, split="none", epochs=None, seed_reduction=reduction, higher_is_better=higher,
            source="archbench measure proxies", description=f"{what}; untrained network",
            extra={"measured": _spread_note(len(reps), ids, rep_of),
                   **({"batch": batches[p]} if p in batches else {})}))
        labels[f"{name}_time"] = (np.array([r["seconds"][p] for r in rows], dtype=np.float64), LabelInfo(
            name=f"{name}_time", unit="s", split="none", epochs=None, seed_reduction="one run",
            higher_is_better=False, source="archbench measure proxies",
            description=f"seconds to compute {name} on this machine (not a predictor feature)"))
        secs = np.mean([r["seconds"][p] for r in records.values()])
        cpu = [r["cpu_seconds"][p] for r in records.values() if "cpu_seconds" in r]
        print(f"{p}: {secs:.3f} s per architecture" + (f" ({np.mean(cpu):.3f} s of CPU)" if cpu else ""))
    info = machine(args.threads, "cpu")
    path = _write(args, b, ids, labels, "proxies", f"zero-cost proxies computed here: {builder.describe()}", info,
                  header, len(reps), log)
    print(f"{args.name}\twritten\t{len(ids)} architectures ({_spread_note(len(reps), ids, rep_of)})\t{path}")
    return 0
