"""Simulated wall-clock for NAS on tabular benchmarks: N asynchronous workers as an event queue.

Each worker asks the algorithm for an architecture, "trains" it for the benchmark's training time
(the query cost) and tells the result at the simulated moment it finishes, then immediately asks
again. Pending evaluations sit in a heap keyed by ``(finish_time, submission order)``, so results
are told in finish-time order (ties: first submitted first) and simulated time only ever advances
by popping the next finish -- no elapsed time is added twice (compare Syne Tune issue #195, where
time was double-counted and runs stopped early).

Budgets:

* ``queries``: exactly ``budget`` evaluations are started and all are told (no evaluation is
  wasted; the run ends when the last one finishes);
* ``seconds``: workers start evaluations while the simulated clock is below ``budget``; results
  finishing after ``budget`` are never told (they would arrive too late).

The real seconds spent inside ``ask`` and ``tell`` (optimizer overhead) are measured separately
and never mixed into simulated time.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass

import numpy as np

from bench.errors import UsageError
from bench.search.base import SearchAlgorithm, row_methods
from bench.search.problem import SearchProblem

BUDGET_UNITS = ("queries", "seconds")


@dataclass
class RunLog:
    """One search run, in the order results were told to the algorithm."""

    rows: np.ndarray
    start: np.ndarray
    finish: np.ndarray
    worker: np.ndarray
    #: real seconds spent in the algorithm's ask and tell calls (the optimizer overhead)
    overhead_s: float

    def __len__(self) -> int:
        return len(self.rows)


def check_budget(problem: SearchProblem, budget: float, budget_unit: str, workers: int) -> None:
    """Refuse budgets the benchmark cannot honour, with a message that says why."""
    if budget_unit not in BUDGET_UNITS:
        raise UsageError(f"budget unit must be one of {', '.join(BUDGET_UNITS)}, got {budget_unit!r}")
    if not budget > 0:
        raise UsageError(f"the budget must be positive, got {budget}")
    if workers < 1:
        raise UsageError(f"need at least one worker, got {workers}")
    if budget_unit == "queries" and float(budget) != int(budget):
        raise UsageError(f"a query budget must be a whole number, got {budget}")
    if budget_unit == "seconds":
        if not problem.has_cost:
            raise UsageError(f"{problem.benchmark} has no training-time label; give the budget in queries")
        if (problem.cost <= 0).any():
            raise UsageError(f"{problem.benchmark}: {problem.cost_label} has non-positive query costs")


def simulate(problem: SearchProblem, algorithm: SearchAlgorithm, budget: float, budget_unit: str = "queries",
             workers: int = 1) -> RunLog:
    """Run ``algorithm`` on ``problem`` with ``workers`` asynchronous simulated workers.

    Algorithms with ``ask_row``/``tell_row`` (:func:`~bench.search.base.row_methods`) are driven
    through them; any other through ``ask``/``tell`` with code rows. Per query the loop does no
    numpy work of its own: values and costs are read through memoryviews as Python floats, the
    same numbers ``float(array[row])`` gives.
    """
    check_budget(problem, budget, budget_unit, workers)
    domain = problem.domain
    multi = bool(getattr(algorithm, "multi_objective", False))
    if multi and not problem.multi_objective:
        raise UsageError(f"{type(algorithm).__name__} is multi-objective but {problem.benchmark} has no second "
                         "objective (latency, params or flops); pass one explicitly")
    values = problem.values
    value_of = None if multi else memoryview(np.ascontiguousarray(values[:, 0], dtype=np.float64))
    cost = memoryview(np.ascontiguousarray(problem.query_cost(np.arange(len(domain))), dtype=np.float64))
    by_queries = budget_unit == "queries"
    max_queries = int(budget) if by_queries else 0

    overhead = 0.0
    clock = time.perf_counter
    setup = getattr(algorithm, "setup", None)
    if callable(setup):
        t0 = clock()
        setup(domain, len(problem.objective) if multi else 1)
        overhead += clock() - t0
    by_row = row_methods(algorithm)
    if by_row is not None:
        ask_row, tell_row = by_row
    else:
        ask, tell, row_of = algorithm.ask, algorithm.tell, domain.row

    heap: list[tuple[float, int, int, float, int, np.ndarray | None]] = []
    push, pop = heapq.heappush, heapq.heappop
    seq = 0
    idle: list[int] = []
    rows: list[int] = []
    starts: list[float] = []
    finishes: list[float] = []
    told_by: list[int] = []

    def submit(worker: int, now: float) -> float:
        """Ask for the worker's next evaluation and queue its finish; returns the seconds spent asking."""
        nonlocal seq
        t0 = clock()
        if by_row is not None:
            row = ask_row()
            spent = clock() - t0
            code = None
            if row is None:
                idle.append(worker)  # nothing left to propose right now: the worker waits for the next result
                return spent
        else:
            code = ask()
            spent = clock() - t0
            if code is None:
                idle.append(worker)
                return spent
            code = np.asarray(code)
            row = row_of(code)
        push(heap, (now + cost[row], seq, worker, now, row, code))
        seq += 1
        return spent

    for w in range(workers):
        if (seq >= max_queries) if by_queries else False:
            break
        overhead += submit(w, 0.0)
    while heap:
        finish, _, worker, start, row, code = pop(heap)
        if not by_queries and finish > budget:
            break  # every other pending evaluation finishes later still
        value = values[row].copy() if multi else value_of[row]
        t0 = clock()
        if by_row is not None:
            tell_row(row, value)
        else:
            tell(code, value)
        overhead += clock() - t0
        rows.append(row)
        starts.append(start)
        finishes.append(finish)
        told_by.append(worker)
        if idle:
            waiting, idle[:] = [worker, *idle], []
        else:
            waiting = (worker,)
        for w in waiting:
            if (seq < max_queries) if by_queries else (finish < budget):
                overhead += submit(w, finish)
    return RunLog(
        rows=np.asarray(rows, dtype=np.int64), start=np.asarray(starts, dtype=np.float64),
        finish=np.asarray(finishes, dtype=np.float64), worker=np.asarray(told_by, dtype=np.int32),
        overhead_s=overhead,
    )


def sequential_logs(problem: SearchProblem, rows: np.ndarray, budget: float, budget_unit: str,
                    overhead_s: float) -> list[RunLog]:
    """RunLogs of one sequential worker from the rows it queried (the seed-batched path).

    With one worker each evaluation starts when the previous one finishes, so finish times are the
    cumulative costs; under a time budget only evaluations finishing by ``budget`` are told.
    """
    logs = []
    for r in rows:
        r = r[r >= 0]
        finish = np.cumsum(problem.query_cost(r))
        if budget_unit == "seconds":
            n = int(np.searchsorted(finish, budget, side="right"))
            r, finish = r[:n], finish[:n]
        start = finish - problem.query_cost(r)
        logs.append(RunLog(rows=r.astype(np.int64), start=start, finish=finish,
                           worker=np.zeros(len(r), dtype=np.int32), overhead_s=overhead_s))
    return logs


def simulate_seed_batch(problem: SearchProblem, cls: type[SearchAlgorithm], params: dict, seeds: list[int],
                        budget: float, budget_unit: str) -> list[RunLog]:
    """All ``seeds`` of a sequential (one-worker) run at once via ``cls.simulate_seeds``.

    Under a time budget the number of queries is not known in advance; built-in batched algorithms
    never look at the budget, so a longer run is a prefix-extension of a shorter one and the query
    count is doubled until every seed has run past the budget.
    """
    check_budget(problem, budget, budget_unit, 1)
    values = problem.values[:, 0]
    n_arch = len(problem.domain)
    t0 = time.perf_counter()
    if budget_unit == "queries":
        rows = cls.simulate_seeds(problem.domain, values, list(seeds), int(budget), params)
    else:
        cost = problem.query_cost(np.arange(n_arch))
        n = int(min(np.ceil(1.5 * budget / cost.mean()) + 10, 10 * n_arch))
        while True:
            rows = cls.simulate_seeds(problem.domain, values, list(seeds), n, params)
            spent = np.where(rows >= 0, cost[np.maximum(rows, 0)], 0.0).sum(axis=1)
            exhausted = (rows < 0).any(axis=1) | (rows.shape[1] < n)
            if ((spent > budget) | exhausted).all():
                break
            if n >= 10 * n_arch:
                raise UsageError(f"a {budget:g} s budget allows more than {n} queries on {problem.benchmark}; "
                                 "give a query budget instead")
            n = min(2 * n, 10 * n_arch)
    overhead = (time.perf_counter() - t0) / max(len(seeds), 1)
    return sequential_logs(problem, rows, budget, budget_unit, overhead)
