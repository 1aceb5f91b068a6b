"""Running a grid: every unfinished unit, in this process or on a Dask cluster, each stored as it finishes.

One path for both: :func:`bench.cluster.run_claimed` claims each unit (so two runs on one results
directory split the grid), runs :func:`~bench.evaluation.run.run_unit` in-process or as a Dask task
that returns the row and predictions, and this process writes them (:class:`ResultStore`). A unit
whose worker dies is re-run by the scheduler on another worker; a unit that raises is reported and
the others go on; re-running after any interruption resumes with the units not stored.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from bench.claims import CLAIM_TIMEOUT, Claims
from bench.cluster import open_client, print_dashboard, run_claimed
from bench.evaluation.run import run_unit
from bench.evaluation.store import ResultStore, pack_predictions
from bench.evaluation.units import Unit


def run_and_pack(unit: Unit, data_dir: str | None = None) -> tuple[dict[str, Any], bytes]:
    """A unit's row and its predictions as ``.npz`` bytes: what a worker sends back to be stored."""
    row, arrays = run_unit(unit, data_dir)
    return row, pack_predictions(arrays)


@dataclass
class EvaluationReport:
    """What a call to :func:`evaluate` did."""

    ran: list[Unit] = field(default_factory=list)
    skipped: list[Unit] = field(default_factory=list)
    failed: list[tuple[Unit, str]] = field(default_factory=list)
    #: units another run on the same results directory stored while this one ran
    elsewhere: list[Unit] = field(default_factory=list)
    wall_seconds: float = 0.0


def evaluate(
    units: Iterable[Unit],
    results_dir: str | os.PathLike[str] = "results",
    *,
    jobs: int = 1,
    threads: int | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    progress: bool = True,
    client: Any = None,
    scheduler: str | None = None,
    security: Any = None,
    claim_timeout: float = CLAIM_TIMEOUT,
) -> EvaluationReport:
    """Run every unfinished unit, writing each as it finishes; skips units already stored.

    ``jobs=1`` without ``threads``, ``client`` or ``scheduler`` runs the units in order in this
    process with its thread settings. Otherwise they run as Dask tasks: on ``client`` (a
    ``distributed.Client``, left open), on the cluster at ``scheduler`` (with ``security`` for
    ``tls://``), or on a LocalCluster of ``jobs`` processes with ``threads`` threads each (default 1).
    """
    from tqdm import tqdm

    started = time.perf_counter()
    store = ResultStore(results_dir)
    report = EvaluationReport()
    todo: list[Unit] = []
    for unit in units:
        (report.skipped if store.finished(unit) else todo).append(unit)
    bar = tqdm(total=len(todo), desc="evaluate", unit="unit", file=sys.stderr, disable=not progress, dynamic_ncols=True)
    if report.skipped and progress:
        tqdm.write(f"skipping {len(report.skipped)} finished unit(s) in {store.root}", file=sys.stderr)

    def warn(unit: Unit, why: str) -> None:
        tqdm.write(f"archbench: warning: {unit.describe()} failed: {why}", file=sys.stderr)

    Claims(claim_timeout).sweep(store.claim_path(u) for u in report.skipped)
    try:
        if not todo:
            return report
        if jobs > 1 and threads is None:
            threads = 1
        workers = min(jobs, len(todo))  # no idle processes for a short grid
        with open_client(workers, threads=threads, scheduler=scheduler, security=security, client=client) as cl:
            if cl is not None:
                # board by board (workers keep a few test batches encoded), largest training sets first
                boards = {key: i for i, key in enumerate(dict.fromkeys((u.benchmark, u.target) for u in todo))}
                todo.sort(key=lambda u: (boards[(u.benchmark, u.target)], -u.train_size))
                if progress:
                    print_dashboard(cl)
            done = run_claimed(
                todo, functools.partial(run_and_pack, data_dir=None if data_dir is None else str(data_dir)),
                claim_path=store.claim_path, is_done=store.finished,
                store=lambda u, res: store.write_packed(u, *res),
                client=cl, claim_timeout=claim_timeout, bar=bar, on_error=warn,
                postfix=lambda u, res: f"{u.predictor.name} n={u.train_size} tau={res[0]['kendall_tau']:.3f}",
            )
        report.ran, report.failed, report.elsewhere = done.ran, done.failed, done.elsewhere
    finally:
        bar.close()
        report.wall_seconds = time.perf_counter() - started
    return report
