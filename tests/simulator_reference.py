"""Reference runs of the event-queue simulator, stored so that speed work cannot change results.

``python tests/simulator_reference.py`` rewrites ``tests/data/simulator_reference.json`` from the
code as it is; it was written by the event-queue simulator *before* it was optimised (the plain
ask/tell loop, numpy per query), and :mod:`tests.test_simulator` checks that today's code gives the
same rows, start and finish times and workers, bit for bit. Regenerate it only on purpose, when a
change of results is intended.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np

import bench
from bench.search import SearchProblem, simulate
from bench.search.base import make_algorithm

PATH = Path(__file__).parent / "data" / "simulator_reference.json"
BENCHMARK = "nasbench-graph/cora"
#: (algorithm, seed, workers, budget, budget unit); costs are uniform(1, 100) from seed 7
CASES = [
    ("rs", 0, 1, 150, "queries"),
    ("rs", 3, 4, 3000.0, "seconds"),
    ("rea", 0, 1, 150, "queries"),
    ("rea", 1, 3, 150, "queries"),
    ("rea", 2, 5, 2500.0, "seconds"),
    ("ls", 0, 1, 150, "queries"),
    ("ls", 4, 3, 3000.0, "seconds"),
    ("mo", 0, 2, 80, "queries"),
]


def problem() -> SearchProblem:
    base = SearchProblem.from_benchmark(bench.load(BENCHMARK))
    cost = np.random.default_rng(7).uniform(1.0, 100.0, len(base.domain))
    return dataclasses.replace(base, cost=cost, cost_label="test cost")


def case_key(case: tuple) -> str:
    return f"{case[0]}/seed{case[1]}/w{case[2]}/{case[3]}{case[4][0]}"


def run_case(prob: SearchProblem, case: tuple, by_code: bool = False) -> dict[str, list]:
    """One reference run; ``by_code`` drives the algorithm through ask/tell even where it has row methods."""
    name, seed, workers, budget, unit = case
    algorithm = make_algorithm(name, seed=seed)
    if by_code:
        cls = type(algorithm)
        algorithm.__class__ = type(f"ByCode{cls.__name__}", (cls,), {"ask": cls.ask, "tell": cls.tell})
    log = simulate(prob, algorithm, budget, unit, workers=workers)
    return {"rows": log.rows.tolist(), "start": log.start.tolist(), "finish": log.finish.tolist(),
            "worker": log.worker.tolist()}


def main() -> None:
    prob = problem()
    PATH.parent.mkdir(exist_ok=True)
    out = {case_key(c): run_case(prob, c) for c in CASES}
    PATH.write_text(json.dumps(out, separators=(",", ":")) + "\n")
    print(f"wrote {PATH} ({len(out)} runs)")


if __name__ == "__main__":
    main()
