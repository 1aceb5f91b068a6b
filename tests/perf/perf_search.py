"""Search simulation: speed, known results, and a head-to-head with Syne Tune's simulator.

Run: ``python tests/perf/perf_search.py [--syne-seeds 200] [--no-syne] [--no-nb201]``. Prints:

1. REA, 1,000 queries x 100 seeds on ``nasbench-graph/cora`` (target <= 2 s on 2 cores), cold (open the
   benchmark, build the search tables, simulate) and warm; the event-queue path for comparison.
2. Random search on cora, 5,000 runs (without replacement, selection by valid_acc, ties to the first
   sampled) against the published 0.7956 / 0.7982 / 0.7992 after 10 / 50 / 100 queries, and the mean
   random architecture (0.7543) recomputed from the ``nas_bench_graph`` package.
3. REA vs random search on NB201 CIFAR-10 (``nb201/cifar10-valid``, imported from ../shared/data when
   available): REA should win from 100 queries on.
4. Syne Tune (``pip install syne-tune``; benchmark-only) fed the same table: random search over the
   benchmark's rows and REA (population 10, tournament 3) over the raw (link, ops) code positions,
   same budget, one worker. Prints seconds per query, the speed ratio (target >= 100x) and whether
   random search statistics agree within confidence intervals.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time

import numpy as np
from scipy import stats

import bench
from bench.search import SearchProblem, incumbent_index, run_search, simulate, simulate_seed_batch
from bench.search.evolution import RegularizedEvolution
from bench.search.random_search import RandomSearch

PUBLISHED_RS = {10: 0.7956, 50: 0.7982, 100: 0.7992}


def selected_test(problem: SearchProblem, rows: np.ndarray) -> np.ndarray:
    """Test value of the incumbent after each query of one run (selection by the objective, ties first)."""
    return problem.reported[rows[incumbent_index(problem.values[rows, 0])], 0]


def curves(problem: SearchProblem, logs) -> np.ndarray:
    return np.stack([selected_test(problem, log.rows) for log in logs])


def ci(x: np.ndarray) -> tuple[float, float]:
    return float(x.mean()), float(stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / np.sqrt(len(x)))


def section_speed() -> dict[str, float]:
    print("== 1. REA, 1,000 queries x 100 seeds, nasbench-graph/cora ==")
    from bench.search import domain as domain_module

    domain_module._TABLES.clear()
    t0 = time.perf_counter()
    bm = bench.load("nasbench-graph/cora")
    problem = SearchProblem.from_benchmark(bm)
    t1 = time.perf_counter()
    _ = problem.domain.neighbour_table
    t2 = time.perf_counter()
    simulate_seed_batch(problem, RegularizedEvolution, {}, list(range(100)), 1000, "queries")
    t3 = time.perf_counter()
    warm = min(_timed(lambda: simulate_seed_batch(problem, RegularizedEvolution, {}, list(range(100)), 1000,
                                                  "queries")) for _ in range(5))
    event = {}  # (wall, CPU) seconds per query, best of 5 rounds of 3 seeds x 1,000 queries
    for label, workers, by_code in (("1 worker", 1, False), ("4 workers", 4, False), ("1 worker, ask/tell", 1, True)):
        runs = [_clocked(lambda w=workers, c=by_code: [simulate(problem, _rea(s, c), 1000, workers=w)
                                                       for s in range(3)]) for _ in range(5)]
        event[label] = (min(r[0] for r in runs) / 3e3, min(r[1] for r in runs) / 3e3)
    print(f"  open benchmark + labels           {t1 - t0:7.3f} s")
    print(f"  neighbour table (once per process) {t2 - t1:7.3f} s")
    print(f"  simulate 100 seeds (first call)    {t3 - t2:7.3f} s")
    print(f"  cold total                         {t3 - t0:7.3f} s   (target <= 2 s on 2 cores: "
          f"{'OK' if t3 - t0 <= 2 else 'MISSED'})")
    print(f"  warm, best of 5                    {warm:7.3f} s   = {warm / 1e5 * 1e6:.2f} us per query")
    for label, (wall, cpu) in event.items():
        print(f"  event-queue path, REA, {label + ':':20s} {wall * 1e6:5.2f} us per query wall, "
              f"{cpu * 1e6:5.2f} us CPU (x100 seeds x 1,000 queries = {wall * 1e5:.1f} s)")
    print("  (ask/tell: driven by code rows, as an algorithm without ask_row/tell_row is; load average "
          f"{_load()})")
    with tempfile.TemporaryDirectory() as tmp:
        stored = _timed(lambda: run_search("nasbench-graph/cora", ["rea"], 1000, seeds=100, results_dir=tmp,
                                           progress=False, problem=problem))
    print(f"  run_search incl. 100 atomic result files + summary: {stored:.2f} s")
    return {"batch_per_query": warm / 1e5, "event_per_query": event["1 worker"][0],
            "event_cpu_per_query": event["1 worker"][1], "event_code_cpu_per_query": event["1 worker, ask/tell"][1]}


def section_random_search() -> tuple[SearchProblem, np.ndarray]:
    print("\n== 2. Random search on nasbench-graph/cora, 5,000 runs ==")
    from nas_bench_graph import light_read

    problem = SearchProblem.from_benchmark(bench.load("nasbench-graph/cora"))
    raw = light_read("cora")
    package_mean = float(np.mean([v["perf"] for v in raw.values()]))
    print(f"  mean random architecture: package {package_mean:.5f}, ArchBench {problem.random_arch_mean:.5f} "
          f"(published 0.7543)")
    t0 = time.perf_counter()
    rep = curves(problem, simulate_seed_batch(problem, RandomSearch, {}, list(range(5000)), 100, "queries"))
    print(f"  5,000 runs x 100 queries in {time.perf_counter() - t0:.2f} s")
    for q, published in PUBLISHED_RS.items():
        m, h = ci(rep[:, q - 1])
        se = rep[:, q - 1].std(ddof=1) / np.sqrt(len(rep))
        z = (m - published) / se
        print(f"  after {q:3d} queries: {m:.5f} +- {h:.5f} (95% CI; s.e. {se:.5f}); published {published} "
              f"-> z = {z:+.2f} {'OK' if abs(z) < 3 else 'DIFFERS'}")
    return problem, rep


def section_nb201() -> None:
    print("\n== 3. REA vs random search on NB201 CIFAR-10 (nb201/cifar10-valid, 200 epochs) ==")
    try:
        bm = bench.load("nb201/cifar10-valid")
    except Exception:  # not imported yet: import it from the shared data when present
        shared = os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data", "nb201_landscapes")
        if not os.path.isdir(shared):
            print("  skipped: nb201/cifar10-valid is not imported and ../shared/data is absent "
                  "(archbench import nb201-landscapes PATH)")
            return
        from bench.importers.catalog import import_source

        import_source("nb201-landscapes", shared)
        bm = bench.load("nb201/cifar10-valid")
    problem = SearchProblem.from_benchmark(bm)
    seeds = list(range(1000))
    rs = curves(problem, simulate_seed_batch(problem, RandomSearch, {}, seeds, 300, "queries"))
    rea = curves(problem, simulate_seed_batch(problem, RegularizedEvolution, {}, seeds, 300, "queries"))
    print(f"  benchmark best test_acc {problem.optimum:.3f} %, mean random architecture "
          f"{problem.random_arch_mean:.3f} %; 1,000 seeds each")
    for q in (25, 50, 100, 150, 200, 300):
        (mr, hr), (me, he) = ci(rs[:, q - 1]), ci(rea[:, q - 1])
        p = stats.ttest_ind(rea[:, q - 1], rs[:, q - 1], equal_var=False).pvalue
        verdict = "REA better" if me > mr and p < 0.01 else ("REA worse" if me < mr and p < 0.01 else "no difference")
        print(f"  {q:3d} queries: RS {mr:.3f} +- {hr:.3f}  REA {me:.3f} +- {he:.3f}  (Welch p = {p:.1e}: {verdict})")
    budget = 200 * float(np.mean(problem.cost))
    logs = {c.name: simulate_seed_batch(problem, c, {}, seeds[:200], budget, "seconds")
            for c in (RandomSearch, RegularizedEvolution)}
    finals = {k: np.array([selected_test(problem, log.rows)[-1] for log in v]) for k, v in logs.items()}
    print(f"  time budget {budget:.0f} s of train_time (~200 mean-cost queries), 200 seeds: "
          + ", ".join(f"{k} {ci(v)[0]:.3f} +- {ci(v)[1]:.3f}" for k, v in finals.items()))


def _timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _clocked(fn) -> tuple[float, float]:
    """Wall and CPU seconds of ``fn()`` (CPU time: the machine may be shared)."""
    t0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - t0, time.process_time() - c0


def _rea(seed: int, by_code: bool) -> RegularizedEvolution:
    """REA; ``by_code`` hides its row methods, so the simulator drives it through ask/tell."""
    if not by_code:
        return RegularizedEvolution(seed=seed)
    algo = RegularizedEvolution(seed=seed)
    algo.ask, algo.tell = algo.ask, algo.tell  # instance attributes: row_methods() declines
    return algo


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


# ---- Syne Tune --------------------------------------------------------------------------------------------
def _syne_tune_run(blackbox, config_space, scheduler, n_queries: int):
    """One Syne Tune simulation (one worker); returns the finished trials' configs in trial order."""
    from syne_tune import StoppingCriterion, Tuner
    from syne_tune.backend.simulator_backend.simulator_callback import SimulatorCallback
    from syne_tune.blackbox_repository import UserBlackboxBackend

    tuner = Tuner(
        trial_backend=UserBlackboxBackend(blackbox=blackbox, elapsed_time_attr="runtime"),
        scheduler=scheduler, stop_criterion=StoppingCriterion(max_num_trials_finished=n_queries - 1),
        n_workers=1, sleep_time=0, callbacks=[SimulatorCallback()], save_tuner=False,
        results_update_interval=1e9, print_update_interval=1e9,
    )
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        tuner.run()
    frame = tuner.tuning_status.get_dataframe().sort_values("trial_id")
    frame = frame[frame["status"] == "Completed"].head(n_queries)
    return frame


def section_syne_tune(problem: SearchProblem, ab_rs: np.ndarray, speed: dict[str, float], n_seeds: int) -> None:
    print("\n== 4. Syne Tune's simulator on the same table ==")
    try:
        import logging

        import pandas as pd
        import syne_tune
        import syne_tune.config_space as sp
        from syne_tune.blackbox_repository.blackbox_tabular import BlackboxTabular
        from syne_tune.optimizer.baselines import REA
        from syne_tune.optimizer.baselines import RandomSearch as STRandomSearch
    except ImportError as exc:
        print(f"  skipped: Syne Tune cannot be imported here ({type(exc).__name__}: {exc}); "
              "pip install syne-tune huggingface_hub")
        return
    logging.getLogger("syne_tune").setLevel(logging.ERROR)
    os.environ.setdefault("SYNETUNE_FOLDER", tempfile.mkdtemp(prefix="syne-tune-"))
    print(f"  syne-tune {syne_tune.__version__}")
    n = len(problem.domain)
    valid_error = 1.0 - problem.values[:, 0]  # valid_acc is a fraction; Syne Tune minimizes
    test = problem.reported[:, 0]
    fidelity = {"epoch": sp.randint(1, 1)}

    # random search over the benchmark's rows (a constant second column works around Syne Tune's
    # single-hyperparameter index look-up, which fails under pandas 3)
    space = {"row": sp.randint(0, n - 1), "space": 0}
    table = BlackboxTabular(
        hyperparameters=pd.DataFrame({"row": np.arange(n), "space": np.zeros(n, dtype=np.int64)}),
        configuration_space=space, fidelity_space=fidelity, fidelity_values=np.array([1]),
        objectives_evaluations=np.stack([valid_error, test, np.ones(n)], axis=1)[:, None, None, :],
        objectives_names=["metric_valid_error", "metric_test_acc", "runtime"],
    )
    q = 100
    t0 = time.perf_counter()
    st_curves, st_end_times = [], []
    for seed in range(n_seeds):
        np.random.seed(seed)  # Syne Tune's samplers draw from numpy's global generator
        frame = _syne_tune_run(table, space, STRandomSearch(space, metrics=["metric_valid_error"], do_minimize=True,
                                                            random_seed=seed), q)
        st_curves.append(selected_test(problem, frame["row"].to_numpy(dtype=np.int64)))
        st_end_times.append(float(frame["st_tuner_time"].max()))
    st_rs_time = time.perf_counter() - t0
    st = np.stack(st_curves)
    print(f"  random search, {n_seeds} seeds x {q} queries: {st_rs_time:.1f} s = "
          f"{st_rs_time / (n_seeds * q) * 1e3:.2f} ms per query")
    print("  agreement with ArchBench (5,000 runs; Syne Tune samples with replacement, ArchBench without):")
    for k in PUBLISHED_RS:
        (ms, hs), (ma, ha) = ci(st[:, k - 1]), ci(ab_rs[:, k - 1])
        p = stats.ttest_ind(st[:, k - 1], ab_rs[:, k - 1], equal_var=False).pvalue
        print(f"    after {k:3d}: Syne Tune {ms:.4f} +- {hs:.4f}  ArchBench {ma:.4f} +- {ha:.4f}  "
              f"(Welch p = {p:.2f}: {'agree' if p > 0.01 else 'DISAGREE'})")
    print(f"  simulated end time of {q} sequential 1 s evaluations: Syne Tune {np.mean(st_end_times):.1f} s "
          f"(its clock advances in tuner_sleep_time = 5 s steps), ArchBench {float(q):.1f} s")

    # REA over the raw (link, ops) code positions: one code position changes per mutation
    from bench.spaces.nasbench_graph import GNN_OPS, N_NODES

    links = np.array([(0, a, b, c) for a in range(2) for b in range(3) for c in range(4)], dtype=np.int16)
    ops = np.indices((len(GNN_OPS),) * N_NODES).reshape(N_NODES, -1).T.astype(np.int16)
    raw = np.concatenate([np.repeat(links, len(ops), axis=0), np.tile(ops, (len(links), 1))], axis=1)
    all_skip = (raw[:, N_NODES:] == GNN_OPS.index("skip")).all(axis=1)
    rows = np.full(len(raw), -1)
    rows[~all_skip] = problem.domain.rows_of_ids(problem.domain.space.to_ids(raw[~all_skip]))
    names = ["link1", "link2", "link3", "op0", "op1", "op2", "op3"]
    code_space = {"link1": sp.randint(0, 1), "link2": sp.randint(0, 2), "link3": sp.randint(0, 3),
                  **{f"op{j}": sp.randint(0, len(GNN_OPS) - 1) for j in range(N_NODES)}}
    raw_valid_error = np.where(rows >= 0, valid_error[np.maximum(rows, 0)], 1.0)  # all-skip: not a network
    raw_table = BlackboxTabular(
        hyperparameters=pd.DataFrame(raw[:, 1:].astype(np.int64), columns=names), configuration_space=code_space,
        fidelity_space=fidelity, fidelity_values=np.array([1]),
        objectives_evaluations=np.stack([raw_valid_error, rows.astype(float), np.ones(len(raw))],
                                        axis=1)[:, None, None, :],
        objectives_names=["metric_valid_error", "metric_row", "runtime"],
    )
    q, seeds = 1000, 3
    t0, c0 = time.perf_counter(), time.process_time()
    for seed in range(seeds):
        np.random.seed(seed)
        frame = _syne_tune_run(raw_table, code_space, REA(code_space, metric="metric_valid_error", do_minimize=True,
                                                          random_seed=seed, population_size=10, sample_size=3), q)
        assert len(frame) == q
    st_rea = (time.perf_counter() - t0) / (seeds * q)
    st_rea_cpu = (time.process_time() - c0) / (seeds * q)
    print(f"  REA, {seeds} seeds x {q} queries: {st_rea * 1e3:.2f} ms per query wall, {st_rea_cpu * 1e3:.2f} ms CPU "
          f"(100 seeds x 1,000 queries would take ~{st_rea * 1e5 / 60:.0f} min); load average {_load()}")
    batched, event = st_rea / speed["batch_per_query"], st_rea / speed["event_per_query"]
    event_cpu = st_rea_cpu / speed["event_cpu_per_query"]
    print(f"  speed ratio, REA 1,000 queries x 100 seeds: ArchBench batched is {batched:.0f}x faster "
          f"(target >= 100x: {'OK' if batched >= 100 else 'MISSED'})")
    print(f"  event-queue path (1 worker): {event:.0f}x faster by wall, {event_cpu:.0f}x by CPU time "
          f"(target >= 100x: {'OK' if min(event, event_cpu) >= 100 else 'MISSED'}); through ask/tell "
          f"{st_rea_cpu / speed['event_code_cpu_per_query']:.0f}x by CPU time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--syne-seeds", type=int, default=200, help="Syne Tune random-search seeds (default 200)")
    parser.add_argument("--no-syne", action="store_true", help="skip the Syne Tune comparison")
    parser.add_argument("--no-nb201", action="store_true", help="skip section 3 (REA vs random search on NB201)")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, numpy {np.__version__}, {os.cpu_count()} CPU cores\n")
    speed = section_speed()
    problem, rs = section_random_search()
    if not args.no_nb201:
        section_nb201()
    if not args.no_syne:
        section_syne_tune(problem, rs, speed, args.syne_seeds)


if __name__ == "__main__":
    main()
