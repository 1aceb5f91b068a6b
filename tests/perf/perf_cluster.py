"""Dask execution overhead and scaling for ``archbench evaluate`` (figures printed, nothing asserted).

Run: ``python tests/perf/perf_cluster.py [--units 200] [--rounds 3] [--workers 1,2,4,8] [--pause 0.5]``.

1. **Overhead**: a grid of cheap units (the ``params`` baseline on nasbench-graph/cora, 200 units
   by default) serially in this process, then on a LocalCluster of 2 workers (each warmed by one
   unit first, as the serial process is). Prints the per-unit overhead of the cluster path as CPU
   time (client + workers minus serial: robust on a shared machine; also without the CPU spent
   inside the units' own work, which grows when processes share cores) and as wall time,
   ``(wall_2 - wall_serial / 2) * 2 / units`` (target <= 20 ms), and the wall ratio
   ``wall_2 / wall_serial`` with and without the cluster's start-up (target <= 0.6 on 2 cores),
   with a CPU-based estimate of it and the load average beside. Beside it the peer that bounds any
   scheduler on these cores: the same units' own work in a bare 2-process pool, split in halves,
   nothing claimed or written. Serial, cluster and pool alternate ``--rounds`` times; medians.
   On a machine other jobs load, wall figures swing with their CPU and disk use (fsync).
2. **Scaling**: CPU-light units (a ridge fit that first waits ``--pause`` seconds, as units waiting
   on I/O or a remote service would) on LocalClusters of 1, 2, 4 and 8 workers, each worker warmed by
   one unit first: units per second and the speed-up over 1 worker (near-linear is the target), and a
   check that every worker count stores identical rows apart from timings. A unit's own work is about
   50 ms of CPU, so with the default 0.5 s pause 8 workers need half of one core; at ``--pause 0.2``
   they need more than one, and the 2 cores, not Dask, bend the curve.
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


def _reset_work() -> None:
    import bench.evaluation.execute as ex

    ex._perf_work[0] = 0.0


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


def _pool_warm(unit) -> None:
    _warm(unit)


def _pool_work(unit) -> tuple:
    from bench.evaluation.execute import run_and_pack  # a pool process: the plain function

    return run_and_pack(unit)


def _bare_pool(units: list, pool) -> float:
    """Wall seconds of the units' own work (``run_and_pack``) on a bare pool of 2 warmed processes,
    halves handed out once, nothing claimed or written: the floor for any 2-process scheduler here."""
    t0 = time.perf_counter()
    pool.map(_pool_work, units, chunksize=-(-len(units) // 2))
    return time.perf_counter() - t0


def overhead(n_units: int, rounds: int, tmp: Path) -> None:
    """Serial, LocalCluster(2) and a bare 2-process pool, alternated ``rounds`` times (this machine's
    speed swings by half between minutes: one round of each says little), medians reported."""
    import multiprocessing as mp

    units = grid(PredictorConfig.resolve("params"), n_units)
    evaluate(units[:1], tmp / "warm", progress=False)  # open the benchmark and encode the test set once
    _count_work()
    t0 = time.perf_counter()
    pool = mp.get_context("spawn").Pool(2, initializer=_pool_warm, initargs=(units[0],))
    pool.map(time.sleep, [0.5, 0.5], chunksize=1)  # both processes started and warmed
    figures: dict[str, list[float]] = {k: [] for k in ("serial", "wall", "pool", "serial_cpu", "serial_work",
                                                         "client_cpu", "worker_cpu", "cluster_work")}
    with open_client(2) as client:
        client.run(_warm, units[0])  # every worker as warm as the serial process
        client.run(_count_work)
        started = time.perf_counter() - t0
        for r in range(rounds):
            _reset_work()
            c0, t0 = _cpu_seconds(), time.perf_counter()
            evaluate(units, tmp / f"serial{r}", progress=False)
            figures["serial"].append(time.perf_counter() - t0)
            figures["serial_cpu"].append(_cpu_seconds() - c0)
            figures["serial_work"].append(_work_seconds())
            client.run(_reset_work)
            w0, c0, t1 = client.run(_cpu_seconds), _cpu_seconds(), time.perf_counter()
            report = evaluate(units, tmp / f"two{r}", client=client, progress=False)
            figures["wall"].append(time.perf_counter() - t1)
            figures["client_cpu"].append(_cpu_seconds() - c0)
            w1 = client.run(_cpu_seconds)
            figures["worker_cpu"].append(sum(w1[k] - w0[k] for k in w0))
            figures["cluster_work"].append(sum(client.run(_work_seconds).values()))
            assert len(report.ran) == n_units and not report.failed
            figures["pool"].append(_bare_pool(units, pool))
        load_cluster = _load()
    pool.terminate()
    _stop_counting()
    med = {k: float(np.median(v)) for k, v in figures.items()}
    serial, wall = med["serial"], med["wall"]
    serial_cpu, serial_work, client_cpu = med["serial_cpu"], med["serial_work"], med["client_cpu"]
    worker_cpu, cluster_work = med["worker_cpu"], med["cluster_work"]
    per_unit = (wall - serial / 2) * 2 / n_units
    cpu_overhead = (client_cpu + worker_cpu - serial_cpu) / n_units
    print(f"overhead: {n_units} units of 'params' on {BM}; serial, LocalCluster(2) and a bare 2-process pool "
          f"alternated {rounds} times, medians")
    print(f"  serial in-process        {serial:7.2f} s  ({serial / n_units * 1e3:.1f} ms/unit wall, "
          f"{serial_cpu / n_units * 1e3:.1f} ms/unit CPU)")
    print(f"  LocalCluster(2)          {wall:7.2f} s  + {started:.1f} s to start and warm the cluster; CPU per unit "
          f"{client_cpu / n_units * 1e3:.1f} ms client (scheduler, writes) + "
          f"{worker_cpu / n_units * 1e3:.1f} ms workers")
    print(f"  per-unit overhead, CPU   {cpu_overhead * 1e3:7.1f} ms   (cluster CPU - serial CPU; target <= 20 ms)")
    own = ((client_cpu + worker_cpu - cluster_work) - (serial_cpu - serial_work)) / n_units
    print(f"  ... without unit work    {own * 1e3:7.1f} ms   (the same, less each side's CPU inside run_and_pack: "
          f"{serial_work / n_units * 1e3:.1f} ms/unit serially, {cluster_work / n_units * 1e3:.1f} ms/unit on the "
          "workers, where two processes share the cores)")
    print(f"  per-unit overhead, wall  {per_unit * 1e3:7.1f} ms   ((wall_2 - wall_serial / 2) * 2 / units)")
    ratios = [w / s for w, s in zip(figures["wall"], figures["serial"], strict=True)]
    floors = [p / s for p, s in zip(figures["pool"], figures["serial"], strict=True)]
    print(f"  wall ratio               {np.median(ratios):7.3f}    without start-up, median of rounds "
          f"{', '.join(f'{x:.2f}' for x in ratios)} (target <= 0.6; {load_cluster} at the end)")
    print(f"  bare 2-process pool      {np.median(floors):7.3f}    the units' own work alone in two halves, nothing "
          f"claimed or written (rounds {', '.join(f'{x:.2f}' for x in floors)}): the floor for any scheduler on "
          "these cores")
    cpu_ratio = (client_cpu + worker_cpu) / 2 / serial_cpu
    print(f"  CPU-based ratio          {cpu_ratio:7.2f}     (cluster CPU / 2 cores / serial CPU: the wall ratio on 2 "
          "otherwise idle cores if the work spreads evenly; target <= 0.6)")
    print(f"  ... unit work at serial  {(serial_cpu + own * n_units) / 2 / serial_cpu:7.2f}     (the same with the "
          "units' own work at its serial CPU cost)")
    print(f"  wall ratio               {(wall + started) / serial:7.2f}     with start-up")
    same = all(identical(rows(tmp / "serial0"), rows(tmp / f"two{r}")) for r in range(rounds))
    print(f"  rows identical to serial {same}")


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
            # every worker warm before the clock starts (imports, the benchmark opened, the test set encoded:
            # about a second of CPU each, which 8 workers would otherwise pay together on 2 cores), so the
            # curve is the steady throughput a long grid sees
            client.run(_warm, units[0])
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
    ap.add_argument("--rounds", type=int, default=3, help="serial / cluster / pool alternations (medians reported)")
    ap.add_argument("--workers", default="1,2,4,8")
    ap.add_argument("--pause", type=float, default=0.5)
    ap.add_argument("--per-worker", type=int, default=10, help="CPU-light units per worker of the largest cluster")
    ap.add_argument("--skip-overhead", action="store_true")
    args = ap.parse_args()
    load = os.getloadavg()[0]
    print(f"{os.cpu_count()} CPUs, load average {load:.1f} before the run (other work distorts every figure)\n")
    with tempfile.TemporaryDirectory() as tmp:
        if not args.skip_overhead:
            overhead(args.units, args.rounds, Path(tmp))
        scaling([int(w) for w in args.workers.split(",")], args.pause, args.per_worker, Path(tmp))


if __name__ == "__main__":
    main()
