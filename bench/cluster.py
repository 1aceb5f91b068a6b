"""Where work runs: in this process, or on a Dask cluster; each work item claimed before it runs.

:func:`open_client` gives a ``distributed.Client`` for ``--jobs N`` (a LocalCluster of N worker
processes, one thread each, listening on 127.0.0.1 only), for ``--scheduler ADDRESS`` (a running
cluster, ``tcp://`` or ``tls://`` with a :class:`distributed.security.Security`), or None for the
serial in-process path. :func:`run_claimed` is the one loop both ``archbench evaluate`` and
``archbench search`` use: claim an item (:mod:`bench.claims`), run it (here, or as a Dask task that
returns its result), hand the result to the caller, who stores it atomically, release the claim.

A Dask scheduler runs whatever code its clients send, so a cluster that accepts connections from
other hosts must use TLS (README, "Run on a cluster").
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import pickle
import queue
import sys
import threading
import time
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar

from bench.atomic import synced_together
from bench.claims import CLAIM_TIMEOUT, Claims
from bench.errors import UsageError

T = TypeVar("T")
#: schemes a --scheduler address may use
SCHEDULER_SCHEMES = ("tcp", "tls")
#: seconds to wait for a scheduler before giving up with a one-line error
CONNECT_TIMEOUT = 20
_THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")
#: Dask settings of the LocalCluster ``--jobs N`` starts (its worker processes get them through their
#: nannies). By default Dask wakes every server each 20 ms to check its event loop, samples each
#: worker's stack each 10 ms for the dashboard's profile, polls each worker's memory each 100 ms and
#: its system metrics each 500 ms: 5 % of a core per idle worker and 9 % in the scheduler's process,
#: measured on a 2-core machine, which a grid of cheap units paid per unit. With these, about 1 %
#: each. A blocked event loop is still reported (after ``distributed.admin.tick.limit``, 3 s), the
#: dashboard still profiles (at 100 ms) and memory limits still hold (checked each 0.5 s).
LOCAL_CLUSTER_CONFIG = {
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.worker.profile.interval": "100ms",
    "distributed.worker.memory.monitor-interval": "500ms",
}


def check_scheduler_address(address: str) -> str:
    """``tcp://host:port`` or ``tls://host:port`` (a bare ``host:port`` means tcp)."""
    address = address.strip()
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    host, colon, port = rest.rpartition(":")
    if scheme not in SCHEDULER_SCHEMES or not colon or not host or not port.isdigit():
        raise UsageError(f"--scheduler expects tcp://HOST:PORT or tls://HOST:PORT, got {address!r}")
    return f"{scheme}://{rest}"


def make_security(ca_file: str | None = None, cert: str | None = None, key: str | None = None) -> Any:
    """A ``distributed.security.Security`` for a TLS scheduler from certificate files, or None if none given."""
    if not (ca_file or cert or key):
        return None
    if not (ca_file and cert):
        raise UsageError("TLS needs --tls-ca-file and --tls-cert (and --tls-key unless the key is in the cert file)")
    for opt, path in (("--tls-ca-file", ca_file), ("--tls-cert", cert), ("--tls-key", key)):
        if path and not Path(path).is_file():
            raise UsageError(f"{opt} {path!r} is not a file")
    from distributed.security import Security

    return Security(tls_ca_file=ca_file, tls_client_cert=cert, tls_client_key=key, require_encryption=True)


@contextlib.contextmanager
def open_client(
    jobs: int = 1, *, threads: int | None = None, scheduler: str | None = None, security: Any = None,
    client: Any = None,
) -> Iterator[Any]:
    """The Dask client to run on (closed afterwards unless given), or None for serial in-process work.

    ``jobs > 1`` (or an explicit ``threads``) starts a LocalCluster of ``jobs`` worker processes with
    one task thread each and ``threads`` OpenMP/BLAS/torch threads (default 1): oversubscribed OpenMP
    spins (an XGBoost fit of 0.3 s on one thread took 32 s on two busy cores), and the thread count
    is recorded with every timing.
    """
    if client is not None:
        yield client
        return
    if scheduler is None and jobs <= 1 and threads is None:
        yield None
        return
    from distributed import Client, LocalCluster

    if scheduler is not None:
        address = check_scheduler_address(scheduler)
        if address.startswith("tls://") and security is None:
            security = _security_from_config(address)
        try:
            remote = Client(address, security=security, timeout=CONNECT_TIMEOUT)
        except (OSError, TimeoutError, ValueError, TypeError) as exc:
            raise UsageError(f"cannot connect to the Dask scheduler at {address}: {_one_line(exc)}") from None
        try:
            yield remote
        finally:
            remote.close()
        return
    import dask

    n = str(threads or 1)
    # every listener on 127.0.0.1 (the HTTP server too: Dask's default dashboard address is *:8787)
    with dask.config.set(LOCAL_CLUSTER_CONFIG), \
            LocalCluster(n_workers=int(jobs), threads_per_worker=1, processes=True, host="127.0.0.1",
                         dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR,
                         env={v: n for v in _THREAD_VARS}) as cluster, Client(cluster) as local:
        yield local


def _security_from_config(address: str) -> Any:
    """Dask's own TLS configuration (``distributed.comm.tls.*``, e.g. from ``DASK_DISTRIBUTED__COMM__TLS__...``)."""
    from distributed.security import Security

    sec = Security()
    if not sec.get_connection_args("client").get("ssl_context"):
        raise UsageError(f"{address} is a TLS address: give --tls-ca-file and --tls-cert (and --tls-key), or "
                         "configure distributed.comm.tls in Dask's configuration")
    return sec


def _has_bokeh() -> bool:
    return importlib.util.find_spec("bokeh") is not None


def dashboard_link(client: Any) -> str | None:
    """The Dask dashboard's address, where the scheduler serves one (it needs ``bokeh`` beside the scheduler)."""
    if client is None:
        return None
    try:
        services = client.scheduler_info().get("services", {})
        if "dashboard" not in services or not client.run_on_scheduler(_has_bokeh):
            return None
    except Exception:  # noqa: BLE001 - the dashboard is a convenience; never fail a run over it
        return None
    return client.dashboard_link


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}".rstrip(": ")


def _guarded(work: Callable[..., Any], item: T, *shared: Any) -> tuple[bool, Any]:
    """Run ``work(item)``; an exception comes back as its one-line message (plug-in exception classes
    need not unpickle on the client, and one item's failure must not stop the others)."""
    try:
        return True, work(item, *shared)
    except Exception as exc:  # noqa: BLE001
        return False, _one_line(exc)


def _guarded_batch(work: Callable[..., Any], items: list[T], *shared: Any) -> bytes:
    """One Dask task: :func:`_guarded` for each item in order, with the seconds each took, pickled here:
    Dask then moves one bytes object instead of walking and sizing every nested result (measured:
    1-2 ms less CPU per cheap unit on each side)."""
    out = []
    for item in items:
        t0 = time.perf_counter()
        ok, value = _guarded(work, item, *shared)
        out.append((ok, value, time.perf_counter() - t0))
    try:
        return pickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):  # e.g. a closure: what Dask would send
        import cloudpickle

        return cloudpickle.dumps(out, protocol=pickle.HIGHEST_PROTOCOL)


@dataclass
class ClaimedRun(Generic[T]):
    """What :func:`run_claimed` did with each item."""

    ran: list[T] = field(default_factory=list)
    failed: list[tuple[T, str]] = field(default_factory=list)
    #: items another run (sharing the results directory) stored while this one ran
    elsewhere: list[T] = field(default_factory=list)


def run_claimed(
    items: Sequence[T],
    work: Callable[[T], Any],
    *,
    claim_path: Callable[[T], Path],
    is_done: Callable[[T], bool],
    store: Callable[[T, Any], None],
    client: Any = None,
    claim_timeout: float = CLAIM_TIMEOUT,
    bar: Any = None,
    postfix: Callable[[T, Any], str] | None = None,
    on_error: Callable[[T, str], None] | None = None,
    shared: Any = None,
) -> ClaimedRun[T]:
    """Run ``work`` on every item not done yet, each under a claim; ``store(item, result)`` runs here.

    Serial (``client=None``) items run in order in this process; on a cluster at most two tasks per
    worker thread are in flight, each of one item or, once items turn out to be cheap, of a few
    (:class:`_DaskRunner`), so claims are taken as work is started and concurrent runs interleave.
    Items another live run has claimed are waited for (they count as ``elsewhere`` once stored) or
    taken over when their claim goes stale. ``bar`` is a tqdm bar advanced per item.
    ``shared`` (if not None) is passed as ``work(item, shared)``; on a cluster it is sent to each
    worker once (``Client.scatter``), not with every task.
    """
    out: ClaimedRun[T] = ClaimedRun()
    pending: deque[T] = deque(items)
    waiting: list[T] = []
    poll = min(1.0, claim_timeout / 4)
    extra = () if shared is None else (shared,)
    runner: _Runner = (_SerialRunner(work, extra) if client is None
                       else _DaskRunner(client, work, extra, n_items=len(pending)))
    last_look = time.monotonic()
    last = ""
    # on a cluster, results are stored by one writer thread, as many together as have arrived (one
    # sync for the group, :func:`bench.atomic.synced_together`), so this loop hands out work while
    # files are synced; serially each is stored before the next item starts
    with Claims(claim_timeout) as claims, _GroupWriter(store, claims, claim_path) as writer:
        try:
            while pending or waiting or runner.busy:
                while pending and runner.free():
                    item = pending.popleft()
                    if is_done(item):
                        out.elsewhere.append(item)
                        _advance(bar, runner, out, waiting, last)
                    elif not claims.acquire(claim_path(item)):
                        waiting.append(item)
                    elif is_done(item):  # stored between the look and the claim
                        claims.release(claim_path(item))
                        out.elsewhere.append(item)
                        _advance(bar, runner, out, waiting, last)
                    else:
                        runner.submit(item)
                runner.flush()  # a batch still forming goes out: no more items, or only held ones, now
                finished = runner.next(timeout=poll if waiting else None)
                if finished is not None:
                    item, (ok, value) = finished
                    if ok:
                        if postfix is not None:
                            last = postfix(item, value)
                        if client is None:  # serial: stored before the next item starts
                            writer.store_now(item, value)
                        else:
                            writer.put(item, value)
                    else:
                        claims.release(claim_path(item))
                        out.failed.append((item, value))
                        if on_error is not None:
                            on_error(item, value)
                    _advance(bar, runner, out, waiting, last)
                out.ran.extend(writer.stored())  # a failed write (a full disk) stops the run
                if waiting and (not runner.busy or time.monotonic() - last_look >= poll):
                    if not runner.busy and not pending:
                        time.sleep(poll)  # only other runs' items are left: wait for them
                    last_look = time.monotonic()
                    pending.extend(waiting)  # stored meanwhile -> elsewhere; stale claim -> taken over
                    waiting.clear()
            writer.finish()
            out.ran.extend(writer.stored())
        finally:
            runner.cancel()
    return out


class _GroupWriter(Generic[T]):
    """Stores finished items on one thread, each time all that arrived meanwhile in one
    :func:`~bench.atomic.synced_together` group, then releases their claims (a context manager)."""

    def __init__(self, store: Callable[[T, Any], None], claims: Claims, claim_path: Callable[[T], Path]) -> None:
        self._store, self._claims, self._claim_path = store, claims, claim_path
        self._queue: queue.SimpleQueue[tuple[T, Any] | None] = queue.SimpleQueue()
        self._stored: deque[T] = deque()
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> _GroupWriter[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop()

    def store_now(self, item: T, value: Any) -> None:
        """Store one item in this thread (the serial path) and release its claim."""
        try:
            self._store(item, value)
        finally:
            self._claims.release(self._claim_path(item))
        self._stored.append(item)

    def put(self, item: T, value: Any) -> None:
        """Hand one item to the writer thread (started on first use)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="archbench-store", daemon=True)
            self._thread.start()
        self._queue.put((item, value))

    def stored(self) -> list[T]:
        """Items stored since the last call; raises the writer's error if a write failed."""
        if self._error is not None:
            raise self._error
        out = []
        while self._stored:
            out.append(self._stored.popleft())
        return out

    def finish(self) -> None:
        """Wait until every item handed over is stored."""
        self._stop()
        if self._error is not None:
            raise self._error

    def _stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while True:
            group = [self._queue.get()]
            while not self._queue.empty():
                group.append(self._queue.get())
            stop = group[-1] is None
            group = [g for g in group if g is not None]
            try:
                with synced_together():
                    for item, value in group:
                        self._store(item, value)
            except BaseException as exc:  # noqa: BLE001 - handed to the run's loop, which stops
                self._error = exc
                stop = True
            for item, _ in group:
                self._claims.release(self._claim_path(item))
            if self._error is None:
                self._stored.extend(item for item, _ in group)
            if stop:
                return


def _advance(bar: Any, runner: _Runner, out: ClaimedRun, waiting: list, last: str) -> None:
    """One item more done; the bar shows the rate (items/s) itself, and here what runs, failed, waits."""
    if bar is None:
        return
    state = f"in flight {runner.busy}, failed {len(out.failed)}" + (f", held by another run {len(waiting)}"
                                                                  if waiting else "")
    bar.set_postfix_str(f"{last} | {state}" if last else state, refresh=False)
    bar.update(1)


class _Runner(ABC):
    """Where claimed items run: in this process, or on a Dask cluster."""

    busy = 0

    @abstractmethod
    def free(self) -> bool:
        """Whether another item can be submitted now."""

    @abstractmethod
    def submit(self, item: Any) -> None:
        """Start one item."""

    @abstractmethod
    def next(self, timeout: float | None) -> tuple[Any, tuple[bool, Any]] | None:
        """The next finished item with (ok, result or error), or None after ``timeout``."""

    def flush(self) -> None:  # noqa: B027 -- optional: only a cluster batches items
        """Start the items submitted but not started yet (nothing waits in this process)."""

    def cancel(self) -> None:  # noqa: B027 -- optional: only a cluster has work to call back
        """Drop work not yet started (nothing to drop in this process)."""


class _SerialRunner(_Runner):
    """One item at a time, in this process (Ctrl-C and ``KeyboardInterrupt`` stop it at once)."""

    def __init__(self, work: Callable[..., Any], extra: tuple) -> None:
        self.work, self.extra = work, extra
        self.queued: Any = None
        self.busy = 0

    def free(self) -> bool:
        return not self.busy

    def submit(self, item: Any) -> None:
        self.queued, self.busy = item, 1

    def next(self, timeout: float | None) -> tuple[Any, tuple[bool, Any]] | None:
        if not self.busy:
            return None
        item, self.queued = self.queued, None
        try:
            return item, _guarded(self.work, item, *self.extra)
        finally:
            self.busy = 0


class _DaskRunner(_Runner):
    """Tasks on a Dask cluster, a few per worker thread in flight; a task whose worker dies is re-run
    by the scheduler elsewhere (``distributed.scheduler.allowed-failures`` times).

    Cheap items go several to a task. Each task costs the client, scheduler and worker a few ms of
    CPU (submit, state transitions, a result fetch), as much as a cheap unit's own work, so once the
    first results show what an item takes, items are packed ``TASK_SECONDS / seconds per item`` to a
    task; batches shrink as the work runs out, so workers finish together. An expensive item still
    goes alone. Every item of a batch is claimed before the batch starts and stored as the batch
    returns; a killed worker's batch runs again elsewhere, as a single item would.
    """

    #: tasks in flight per worker thread: enough that a worker never waits for the client's round trip
    #: (tens of ms on a busy machine), few enough that concurrent runs still interleave their claims
    PER_THREAD = 2
    #: seconds of work one task should hold when items are cheap (a task costs a few ms of CPU)
    TASK_SECONDS = 1.0
    MAX_BATCH = 64
    #: recent item durations the batch size is judged from (their median)
    _RECENT = 32

    def __init__(self, client: Any, work: Callable[..., Any], extra: tuple, n_items: int = 0) -> None:
        from distributed import as_completed

        self.client = client
        self.work = work
        self.extra = tuple(client.scatter(x, broadcast=True, hash=False) for x in extra)
        self.inflight: dict[Any, list[Any]] = {}
        self.forming: list[Any] = []
        self.done: deque[tuple[Any, tuple[bool, Any]]] = deque()
        # results arrive in the background; a blocking call per task cost 25 ms on a busy 2-core machine
        self.completed = as_completed(with_results=True, raise_errors=False)
        self.slots = self.PER_THREAD
        self._slots_at = 0.0
        self.unsent = n_items  # items not submitted yet (those stored elsewhere included: a bound)
        self.durations: deque[float] = deque(maxlen=self._RECENT)
        self.tasks = 0

    @property
    def busy(self) -> int:  # type: ignore[override]
        return sum(map(len, self.inflight.values())) + len(self.forming) + len(self.done)

    def free(self) -> bool:
        now = time.monotonic()
        if now - self._slots_at > 2.0:  # workers come and go (adaptive clusters, restarts)
            self.slots = max(self.PER_THREAD, self.PER_THREAD * sum(self.client.nthreads().values()))
            self._slots_at = now
        return len(self.inflight) < self.slots

    def batch_size(self) -> int:
        """Items per task: 1 until durations are known; then ~TASK_SECONDS of work, and never so many
        that fewer than two tasks per slot remain for what is left."""
        if not self.durations:
            return 1
        per_item = sorted(self.durations)[len(self.durations) // 2]
        by_time = int(self.TASK_SECONDS / max(per_item, 1e-4))
        by_balance = -(-max(self.unsent, 1) // (2 * self.slots))
        return max(1, min(by_time, by_balance, self.MAX_BATCH))

    def submit(self, item: Any) -> None:
        self.forming.append(item)
        self.unsent = max(self.unsent - 1, 0)
        if len(self.forming) >= self.batch_size():
            self.flush()

    def flush(self) -> None:
        if not self.forming:
            return
        batch, self.forming = self.forming, []
        fut = self.client.submit(_guarded_batch, self.work, batch, *self.extra, pure=False)
        self.inflight[fut] = batch
        self.completed.add(fut)
        self.tasks += 1

    def next(self, timeout: float | None) -> tuple[Any, tuple[bool, Any]] | None:
        if not self.done and self.inflight:
            if timeout is not None:
                deadline = time.monotonic() + timeout
                while not self.completed.has_ready() and time.monotonic() < deadline:
                    time.sleep(0.01)
            for fut, result in self.completed.next_batch(block=timeout is None or self.completed.has_ready()):
                batch = self.inflight.pop(fut)
                if fut.status == "error":  # e.g. KilledWorker after repeated worker deaths
                    why = (False, _one_line(result[1]))
                    self.done.extend((item, why) for item in batch)
                    continue
                for item, (ok, value, seconds) in zip(batch, pickle.loads(result), strict=True):
                    self.durations.append(seconds)
                    self.done.append((item, (ok, value)))
        return self.done.popleft() if self.done else None

    def cancel(self) -> None:
        self.forming.clear()
        if self.inflight:
            self.client.cancel(list(self.inflight))
            self.inflight.clear()


def print_dashboard(client: Any) -> None:
    """Say where the Dask dashboard is (above a running progress bar), when there is one."""
    link = dashboard_link(client)
    if link:
        from tqdm import tqdm

        tqdm.write(f"Dask dashboard: {link}", file=sys.stderr)
