"""Every NB201 table opened together, in a fresh process: wall time and peak memory.

Run: ``python tests/perf/perf_nb201_open.py [--data-dir DIR] [--shared PATH] [--repeat N]``.

Imports ``nb201/cifar10-valid`` (200 epochs), ``nb201-12ep/{cifar10,cifar100,imagenet16-120}``,
``nb201-latency/help`` (27 settings) from ``../shared/data`` into DIR when they are missing, builds
``nb201-analog/cifar10``, then in a fresh subprocess per repeat: ``import bench``, open all six
benchmarks, read one label of every table and all 27 latency labels, and join them on the NB201
index (``bench.join``), reading one label through the join. Targets: <= 1 s and <= 200 MB peak RSS
(the child's own ``VmHWM``: ``ru_maxrss`` would include this parent's memory, which Linux carries
across fork + exec).
The reference point is the official NB201 API, whose ``NAS-Bench-201-v1_1-096897.pth`` needs about
28 GB of RAM and minutes to load.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import bench
from bench.importers.catalog import import_source
from bench.paths import benchmark_path

TABLES = {
    "nb201/cifar10-valid": "valid_acc",
    "nb201-12ep/cifar10": "valid_acc",
    "nb201-12ep/cifar100": "valid_acc",
    "nb201-12ep/imagenet16-120": "valid_acc",
    "nb201-analog/cifar10": "analog_acc",
    "nb201-latency/help": None,  # every latency_* label
}
TARGET_SECONDS, TARGET_MB = 1.0, 200.0

CHILD = r"""
import json, resource, sys, time


def peak_rss_mb():
    # VmHWM is this process image's own high-water mark; ru_maxrss would include the parent's RSS
    # (Linux carries it across fork + exec)
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


t0 = time.perf_counter()
import bench
t_import = time.perf_counter() - t0
rss_import_mb = peak_rss_mb()
tables, data_dir = json.loads(sys.argv[1]), sys.argv[2]
t1 = time.perf_counter()
opened, values = [], 0
for name, metric in tables.items():
    b = bench.load(name, data_dir, build_missing=False)
    for m in ([metric] if metric else [m for m in b.metrics if m.startswith("latency_")]):
        values += b.labels(m).size
    opened.append(b)
t_open = time.perf_counter() - t1
t2 = time.perf_counter()
joined = bench.join(*[n for n in tables if not n.startswith("nb201-12ep")], data_dir=data_dir)
y = joined.query([6111, 1459], "latency_pixel3")
t_join = time.perf_counter() - t2
print(json.dumps({"import_s": t_import, "open_read_s": t_open, "join_s": t_join, "total_s": time.perf_counter() - t0,
                  "peak_rss_mb": peak_rss_mb(), "rss_after_import_mb": rss_import_mb, "values_read": int(values),
                  "joined_archs": len(joined), "joined_metrics": len(joined.metrics)}))
"""


def prepare(data_dir: Path, shared: Path) -> None:
    """Import the NB201 tables from the shared raw files (and build AnalogNAS) where missing."""
    sources = [("nb201-landscapes", shared / "nb201_landscapes", ["nb201/cifar10-valid"]),
               ("nb201-mini12", shared / "nb201_mini12", [n for n in TABLES if n.startswith("nb201-12ep")]),
               ("help", shared / "help_latency" / "raw", ["nb201-latency/help"])]
    for source, path, names in sources:
        if not all(benchmark_path(n, data_dir).exists() for n in names):
            import_source(source, path, data_dir, only=names, force=True)
    if not benchmark_path("nb201-analog/cifar10", data_dir).exists():
        bench.build("nb201-analog/cifar10", data_dir, progress=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", type=Path, help="data directory (default: a temporary one)")
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[3] / "shared" / "data")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp)
        prepare(data_dir, args.shared)
        sizes = {n: benchmark_path(n, data_dir).stat().st_size / 2**20 for n in TABLES}
        print(f"files: {sum(sizes.values()):.1f} MiB on disk for {len(TABLES)} tables "
              f"({', '.join(f'{n} {s:.1f}' for n, s in sizes.items())})")
        runs = []
        for _ in range(args.repeat):
            out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(TABLES), str(data_dir)],
                                 capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout))
    best = min(runs, key=lambda r: r["total_s"])
    print(f"fresh process, best of {len(runs)}: import bench {best['import_s']:.3f} s; open {len(TABLES)} tables and "
          f"read {best['values_read']:,} values ({len(TABLES) - 1} labels + 27 latency settings) "
          f"{best['open_read_s']:.3f} s; join {best['joined_metrics']} metrics over {best['joined_archs']} cells "
          f"{best['join_s']:.3f} s")
    total = best["open_read_s"] + best["join_s"]
    peak = max(r["peak_rss_mb"] for r in runs)
    verdict = "OK" if total <= TARGET_SECONDS else "MISSED"
    print(f"open + read + join: {total:.3f} s (target <= {TARGET_SECONDS} s) -> {verdict}")
    print(f"whole process incl. interpreter and imports: {best['total_s']:.3f} s")
    print(f"peak RSS (whole process): {peak:.0f} MB (target <= {TARGET_MB:.0f} MB) -> "
          f"{'OK' if peak <= TARGET_MB else 'MISSED'}; {best['rss_after_import_mb']:.0f} MB of it is the interpreter "
          "with numpy/pandas/h5py after `import bench`")
    print("reference: the official NB201 API (NAS-Bench-201-v1_1-096897.pth) needs ~28 GB of RAM and minutes to "
          "load the same cells")


if __name__ == "__main__":
    main()
