"""The simulated-time engine: accounting pins, tell order, budgets, overhead, batched == event path."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest

import bench
from bench.errors import UsageError
from bench.search import SearchAlgorithm, SearchProblem, UniformStream, simulate, simulate_seed_batch
from bench.search.base import row_methods
from bench.search.evolution import RegularizedEvolution
from bench.search.neighbours import build_neighbour_table
from bench.search.random_search import RandomSearch


@pytest.fixture(scope="module")
def cora(data_dir) -> SearchProblem:
    return SearchProblem.from_benchmark(bench.load("nasbench-graph/cora"))


def with_costs(problem: SearchProblem, cost: np.ndarray) -> SearchProblem:
    return dataclasses.replace(problem, cost=np.asarray(cost, dtype=np.float64), cost_label="test cost")


class Scripted(SearchAlgorithm):
    """Asks rows 0, 1, 2, ... in order and records every ask and tell."""

    name = "scripted"

    def __init__(self, seed: int = 0, sleep: float = 0.0) -> None:
        super().__init__(seed)
        self.sleep = sleep

    def setup(self, domain, n_objectives=1):
        super().setup(domain, n_objectives)
        self.events: list[tuple[str, int, float | None]] = []
        self.next_row = 0

    def ask(self):
        time.sleep(self.sleep)
        row = self.next_row
        self.next_row += 1
        self.events.append(("ask", row, None))
        return self.domain.codes[row]

    def tell(self, code, value):
        self.events.append(("tell", int(self.domain.rows(code)[0]), value))


def test_two_workers_hand_computed_schedule(cora):
    cost = np.ones(len(cora.domain))
    cost[:6] = [3, 1, 1, 5, 1, 1]
    problem = with_costs(cora, cost)
    algo = Scripted()
    log = simulate(problem, algo, budget=6, workers=2)
    # w0: r0 [0,3] r4 [3,4] r5 [4,5]; w1: r1 [0,1] r2 [1,2] r3 [2,7]
    assert log.rows.tolist() == [1, 2, 0, 4, 5, 3]
    assert log.finish.tolist() == [1, 2, 3, 4, 5, 7]
    assert log.start.tolist() == [0, 1, 0, 3, 4, 2]
    assert log.worker.tolist() == [1, 1, 0, 0, 0, 1]
    # a finishing worker tells, then asks at once; the first asks are one per worker
    kinds = [(e[0], e[1]) for e in algo.events]
    assert kinds == [("ask", 0), ("ask", 1), ("tell", 1), ("ask", 2), ("tell", 2), ("ask", 3), ("tell", 0),
                     ("ask", 4), ("tell", 4), ("ask", 5), ("tell", 5), ("tell", 3)]
    told = [e for e in algo.events if e[0] == "tell"]
    assert [v for *_, v in told] == pytest.approx(cora.values[[1, 2, 0, 4, 5, 3], 0].tolist())


def test_time_budget_tells_only_results_that_finish_in_time(cora):
    cost = np.ones(len(cora.domain))
    cost[:6] = [3, 1, 1, 5, 1, 1]
    problem = with_costs(cora, cost)
    log = simulate(problem, Scripted(), budget=4.5, budget_unit="seconds", workers=2)
    assert log.rows.tolist() == [1, 2, 0, 4]  # r5 (finishes at 5) and r3 (at 7) come too late
    assert log.finish.max() <= 4.5


@pytest.mark.parametrize("workers", [1, 2, 4, 8])
def test_equal_costs_n_workers_finish_n_times_sooner(cora, workers):
    problem = with_costs(cora, np.full(len(cora.domain), 10.0))
    log = simulate(problem, RandomSearch(seed=3), budget=64, workers=workers)
    assert len(log) == 64
    assert log.finish[-1] == pytest.approx(64 * 10.0 / workers)  # total time = sum of costs / N
    assert np.bincount(log.worker, minlength=workers).tolist() == [64 // workers] * workers


def test_random_costs_no_double_counting_and_finish_order(cora):
    rng = np.random.default_rng(0)
    cost = rng.uniform(1.0, 100.0, len(cora.domain))
    problem = with_costs(cora, cost)
    log = simulate(problem, RegularizedEvolution(seed=1), budget=300, workers=5)
    assert len(log) == 300
    assert np.all(np.diff(log.finish) >= 0)  # tells follow finish times
    assert np.allclose(log.finish - log.start, cost[log.rows])  # each evaluation counted once, at its cost
    for w in range(5):  # a worker's evaluations are back to back: no idle gap, no overlap
        mine = log.worker == w
        assert log.start[mine][0] == 0.0
        assert np.allclose(log.start[mine][1:], log.finish[mine][:-1])
        assert log.finish[mine][-1] == pytest.approx(cost[log.rows[mine]].sum())
    assert log.finish[-1] == pytest.approx(max(cost[log.rows[log.worker == w]].sum() for w in range(5)))


def test_one_worker_time_is_the_sum_of_costs(cora):
    rng = np.random.default_rng(1)
    problem = with_costs(cora, rng.uniform(5.0, 50.0, len(cora.domain)))
    log = simulate(problem, RandomSearch(seed=0), budget=200)
    assert np.allclose(log.finish, np.cumsum(problem.cost[log.rows]))
    assert np.array_equal(log.start[1:], log.finish[:-1])


def test_optimizer_overhead_is_real_seconds_apart_from_simulated_time(cora):
    problem = with_costs(cora, np.full(len(cora.domain), 2.0))
    log = simulate(problem, Scripted(sleep=0.01), budget=6)
    assert log.overhead_s >= 0.06
    assert log.finish[-1] == pytest.approx(12.0)


def test_uniform_stream_blocks_do_not_change_the_stream():
    a = UniformStream(7, 3, block=5)
    steps = np.stack([a.next() for _ in range(23)])
    assert np.array_equal(steps, UniformStream(7, 3).block(23))


@pytest.mark.parametrize("cls", [RandomSearch, RegularizedEvolution])
def test_seed_batched_path_equals_event_path(cora, cls):
    seeds = [0, 1, 5, 17]
    batched = simulate_seed_batch(cora, cls, {}, seeds, 300, "queries")
    for seed, log in zip(seeds, batched, strict=True):
        ref = simulate(cora, cls(seed=seed), 300)
        assert np.array_equal(ref.rows, log.rows)
    rng = np.random.default_rng(2)
    timed = with_costs(cora, rng.uniform(10.0, 90.0, len(cora.domain)))
    batched = simulate_seed_batch(timed, cls, {}, seeds, 5000.0, "seconds")
    for seed, log in zip(seeds, batched, strict=True):
        ref = simulate(timed, cls(seed=seed), 5000.0, "seconds")
        assert np.array_equal(ref.rows, log.rows) and np.allclose(ref.finish, log.finish)


def test_random_search_exhausts_a_small_benchmark_without_repeats(data_dir):
    problem = SearchProblem.from_benchmark(bench.load("nasbench-graph/proteins"))
    n = len(problem.domain)
    for workers in (1, 3):
        log = simulate(problem, RandomSearch(seed=0), budget=n + 50, workers=workers)
        assert len(log) == n and len(np.unique(log.rows)) == n
    [log] = simulate_seed_batch(problem, RandomSearch, {}, [0], n + 50, "queries")
    assert np.array_equal(np.sort(log.rows), np.arange(n))


def test_budgets_the_benchmark_cannot_honour_are_refused(cora):
    with pytest.raises(UsageError, match="no training-time label"):
        simulate(cora, RandomSearch(), 100.0, "seconds")
    with pytest.raises(UsageError, match="positive"):
        simulate(cora, RandomSearch(), 0)
    with pytest.raises(UsageError, match="whole number"):
        simulate(cora, RandomSearch(), 10.5)


@pytest.mark.parametrize("name", ["nasbench-graph/cora", "nasbench-graph/proteins", "nb201-analog/cifar10"])
def test_neighbour_table_is_the_space_neighbour_relation(data_dir, name):
    bm = bench.load(name)
    domain = SearchProblem.from_benchmark(bm, objective=bm.metrics[0], report=bm.metrics[0]).domain
    table = domain.neighbour_table
    generic = build_neighbour_table(_Generic(bm.space), bm.codes[:300], lambda ids: domain.rows_of_ids(ids, False))
    rng = np.random.default_rng(0)
    for row in rng.choice(300, 40, replace=False):
        expected = np.sort(domain.rows_of_ids(bm.space.to_ids(bm.space.neighbours(bm.codes[row]))))
        assert np.array_equal(table.of(row), expected)
        assert np.array_equal(generic.of(row), expected)  # the per-architecture fallback agrees
    nb = table.indices
    src = np.repeat(np.arange(len(domain)), table.degree)
    assert not np.any(src == nb)
    key = src * len(domain) + nb  # symmetric: b is a neighbour of a iff a is a neighbour of b
    assert np.array_equal(np.sort(key), np.sort(nb * len(domain) + src))


class _Generic:
    """A space wrapper whose name has no vectorized builder, to exercise the generic path."""

    def __init__(self, space):
        self._space = space
        self.name = "generic-wrapper"

    def __getattr__(self, attr):
        return getattr(self._space, attr)


@pytest.mark.parametrize("by_code", [False, True], ids=["row-methods", "ask-tell"])
def test_runs_equal_the_stored_reference_of_the_plain_event_loop(data_dir, by_code):
    """Rows, start/finish times and workers of multi-worker runs (rs, rea, ls, mo; query and time
    budgets) equal, bit for bit, those the plain ask/tell event loop produced before it was optimised,
    whether the simulator drives the algorithm by rows (``ask_row``/``tell_row``) or by code rows."""
    import json

    import simulator_reference as ref

    expected = json.loads(ref.PATH.read_text())
    prob = ref.problem()
    for case in ref.CASES:
        key = ref.case_key(case)
        assert ref.run_case(prob, case, by_code) == expected[key], key


def test_row_methods_stand_in_only_where_ask_and_tell_are_not_overridden_below_them():
    class Logged(RegularizedEvolution):  # overrides ask only: must be driven through ask/tell
        def ask(self):
            return super().ask()

    class RowsToo(Logged):
        def ask_row(self):
            return super().ask_row()

    assert row_methods(RegularizedEvolution()) is not None and row_methods(RandomSearch()) is not None
    assert row_methods(Logged()) is None
    assert row_methods(RowsToo()) is not None
    assert row_methods(Scripted()) is None  # no row methods at all
    spied = RegularizedEvolution()
    spied.tell = lambda code, value: None  # an instance whose tell was replaced
    assert row_methods(spied) is None


def test_stream_steps_as_lists_equal_the_array_steps():
    a, b = UniformStream(3, 4, block=7), UniformStream(3, 4, block=7)
    for _ in range(30):
        assert b.next_list() == a.next().tolist()
