"""Dask execution overhead and scaling for ``archbench evaluate`` (figures printed, nothing asserted).

Run: ``python tests/perf/perf_cluster.py [--units 200] [--workers 1,2,4,8] [--pause 0.2]``.

1. **Overhead**: a grid of cheap units (the ``params`` baseline on nasbench-graph/cora, 200 units
   by default) serially in this process, then on a LocalCluster of 2 workers (each warmed by one
   unit first, as the serial process is). Prints the per-unit overhead of the cluster path as CPU
   time (client + workers minus serial: robust on a shared machine; also without the CPU spent
   inside the units' own work, which grows when processes share cores) and as wall time,
   ``(wall_2 - wall_serial / 2) * 2 / units`` (target <= 20 ms), and the wall ratio
   ``wall_2 / wall_serial`` with and without the cluster's start-up (target <= 0.6 on 2 cores),
   with a CPU-based estimate of it and the load average beside. On a machine other jobs load,
   wall figures swing with their CPU and disk use (fsync).
2. **Scaling**: CPU-light units (a ridge fit that first waits ``--pause`` seconds, as units waiting
   on I/O or a remote service would) on LocalClusters of 1, 2, 4 and 8 workers: units per second
   and the speed-up over 1 worker (near-linear is the target), and a check that every worker count
   stores identical rows apart from timings.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

from bench.cluster import open_client
from bench.evaluation import PredictorConfig, ResultStore, evaluate, plan_units

BM = "nasbench-graph/cora"
VOLATILE = {"fit_seconds", "predict_seconds", "encode_seconds", "finished_at", "threads", "machine", "versions"}
PLUGIN = textwrap.dedent('''
    import time

    import numpy as np

    from predictors.base import Predictor


    class PausedRidge(Predictor):
        """A ridge regression on the one-hot encoding that waits ``pause`` seconds first (CPU-light)."""
        name = "paused_ridge"
        encoding = "onehot"

        def __init__(self, pause: float = 0.2, alpha: float = 1.0, seed: int = 0):
            self.pause, self.alpha, self.seed = pause, alpha, seed

        def _x(self, archs):
            x = archs.encode("onehot").astype(float)
            return np.c_[x, np.ones(len(x))]

        def fit(self, archs, y):
            time.sleep(self.pause)
            x = self._x(archs)
            self.w_ = np.linalg.solve(x.T @ x + self.alpha * np.eye(x.shape[1]), x.T @ y)
            return self

        def predict(self, archs):
            return self._x(archs) @ self.w_
''')


def grid(config: PredictorConfig, n_units: int) -> list:
    sizes = [10, 20, 30, 50]
    return plan_units([BM], ["valid_acc"], [config], sizes, -(-n_units // len(sizes)))[:n_units]


def _open_benchmark() -> None:
    from bench.evaluation.run import _benchmark

    _benchmark(BM, None)


def _warm(unit) -> None:
    """Run one unit and drop its result: what the serial process did before its clock started (imports
    of the predictor and scoring modules, the benchmark opened, the test set encoded)."""
    from bench.evaluation.execute import run_and_pack

    run_and_pack(unit)


def _count_work() -> None:
    """Add up, in this process, the thread CPU time of the units' own work (``run_and_pack``), so that
    the overhead can be told apart from the same work costing more CPU on cores other jobs share."""
    import bench.evaluation.execute as ex

    if hasattr(ex, "_perf_work"):
        return
    inner = ex._perf_inner = ex.run_and_pack
    ex._perf_work = [0.0, 0]

    def counted(unit, data_dir=None):
        t = time.thread_time()
        try:
            return inner(unit, data_dir)
        finally:
            ex._perf_work[0] += time.thread_time() - t
            ex._perf_work[1] += 1

    ex.run_and_pack = counted


def _stop_counting() -> None:
    import bench.evaluation.execute as ex

    ex.run_and_pack = ex._perf_inner
    del ex._perf_work, ex._perf_inner


def _work_seconds() -> float:
    import bench.evaluation.execute as ex

    return ex._perf_work[0]


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def rows(root: Path) -> dict:
    store = ResultStore(root)
    out = {}
    for r in store.rows():
        out[r["unit"]] = ({k: v for k, v in r.items() if k not in VOLATILE}, store.predictions(r)["y_pred"])
    return out


def identical(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(a[k][0] == b[k][0] and np.array_equal(a[k][1], b[k][1]) for k in a)


def _cpu_seconds() -> float:
    t = os.times()
    return t.user + t.system


def overhead(n_units: int, tmp: Path) -> None:
    units = grid(PredictorConfig.resolve("params"), n_units)
    evaluate(units[:1], tmp / "warm", progress=False)  # open the benchmark and encode the test set once
    _count_work()
    c0, t0 = _cpu_seconds(), time.perf_counter()
    evaluate(units, tmp / "serial", progress=False)
    serial, serial_cpu = time.perf_counter() - t0, _cpu_seconds() - c0
    serial_work = _work_seconds()
    load_serial = _load()
    t0 = time.perf_counter()
    with open_client(2) as client:
        client.run(_warm, units[0])  # every worker as warm as the serial process
        client.run(_count_work)
        started = time.perf_counter() - t0
        w0, c0, t1 = client.run(_cpu_seconds), _cpu_seconds(), time.perf_counter()
        report = evaluate(units, tmp / "two", client=client, progress=False)
        wall, client_cpu = time.perf_counter() - t1, _cpu_seconds() - c0
        w1 = client.run(_cpu_seconds)
        cluster_work = sum(client.run(_work_seconds).values())
        load_cluster = _load()
    _stop_counting()
    worker_cpu = sum(w1[k] - w0[k] for k in w0)
    assert len(report.ran) == n_units and not report.failed
    per_unit = (wall - serial / 2) * 2 / n_units
    cpu_overhead = (client_cpu + worker_cpu - serial_cpu) / n_units
    print(f"overhead: {n_units} units of 'params' on {BM}")
    print(f"  serial in-process        {serial:7.2f} s  ({serial / n_units * 1e3:.1f} ms/unit wall, "
          f"{serial_cpu / n_units * 1e3:.1f} ms/unit CPU; {load_serial} after it)")
    print(f"  LocalCluster(2)          {wall:7.2f} s  + {started:.1f} s to start and warm the cluster; CPU per unit "
          f"{client_cpu / n_units * 1e3:.1f} ms client (scheduler, writes) + "
          f"{worker_cpu / n_units * 1e3:.1f} ms workers")
    print(f"  per-unit overhead, CPU   {cpu_overhead * 1e3:7.1f} ms   (cluster CPU - serial CPU; target <= 20 ms)")
    own = ((client_cpu + worker_cpu - cluster_work) - (serial_cpu - serial_work)) / n_units
    print(f"  ... without unit work    {own * 1e3:7.1f} ms   (the same, less each side's CPU inside run_and_pack: "
          f"{serial_work / n_units * 1e3:.1f} ms/unit serially, {cluster_work / n_units * 1e3:.1f} ms/unit on the "
          "workers, where two processes share the cores)")
    print(f"  per-unit overhead, wall  {per_unit * 1e3:7.1f} ms   ((wall_2 - wall_serial / 2) * 2 / units)")
    print(f"  wall ratio               {wall / serial:7.2f}     without start-up (target <= 0.6; {load_cluster} "
          "after the cluster run: other jobs share these cores)")
    cpu_ratio = (client_cpu + worker_cpu) / 2 / serial_cpu
    print(f"  CPU-based ratio          {cpu_ratio:7.2f}     (cluster CPU / 2 cores / serial CPU: the wall ratio on 2 "
          "otherwise idle cores if the work spreads evenly; target <= 0.6)")
    print(f"  ... unit work at serial  {(serial_cpu + own * n_units) / 2 / serial_cpu:7.2f}     (the same with the "
          "units' own work at its serial CPU cost)")
    print(f"  wall ratio               {(wall + started) / serial:7.2f}     with start-up")
    print(f"  rows identical to serial {identical(rows(tmp / 'serial'), rows(tmp / 'two'))}")


def scaling(workers: list[int], pause: float, per_worker: int, tmp: Path) -> None:
    plugin = tmp / "paused.py"
    plugin.write_text(PLUGIN)
    n_units = per_worker * max(workers)
    units = grid(PredictorConfig.resolve(f"{plugin}:PausedRidge", {"pause": pause}), n_units)
    print(f"\nscaling: {n_units} CPU-light units (ridge after a {pause:g} s pause) on LocalCluster(N)")
    print(f"  {'workers':>7} {'wall s':>8} {'units/s':>8} {'speed-up':>8} {'ideal':>6}  load average after")
    base = None
    reference = None
    for n in workers:
        with open_client(n, threads=1) as client:  # a cluster even for one worker
            client.run(_open_benchmark)  # every worker opens the benchmark before the clock starts
            t0 = time.perf_counter()
            report = evaluate(units, tmp / f"w{n}", client=client, progress=False)
            wall = time.perf_counter() - t0
        assert len(report.ran) == n_units and not report.failed
        rate = n_units / wall
        base = base or rate / workers[0]
        print(f"  {n:>7} {wall:>8.2f} {rate:>8.2f} {rate / base:>8.2f} {n:>6}  {_load().split(' ', 2)[2]}")
        got = rows(tmp / f"w{n}")
        reference = reference or got
        if not identical(reference, got):
            print(f"  rows on {n} workers differ from rows on {workers[0]}!")
    print(f"  rows identical across {', '.join(map(str, workers))} workers: checked above (no line = identical)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--units", type=int, default=200)
    ap.add_argument("--workers", default="1,2,4,8")
    ap.add_argument("--pause", type=float, default=0.2)
    ap.add_argument("--per-worker", type=int, default=10, help="CPU-light units per worker of the largest cluster")
    ap.add_argument("--skip-overhead", action="store_true")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs, load average {load:.1f} before the run (other work distorts every figure)\n")
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_overhead:
            overhead(args.units, Path(tmp))
        scaling([int(w) for w in args.workers.split(",")], args.pause, args.per_worker, Path(tmp))


if __name__ == "__main__":
    main()
