"""Grids and searches on a real Dask LocalCluster: claims, killed workers and clients, determinism."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from bench.claims import Claims
from bench.cli import main
from bench.evaluation import PredictorConfig, ResultStore, evaluate, plan_units

distributed = pytest.importorskip("distributed")

BM = "nasbench-graph/cora"
ROOT = Path(__file__).resolve().parents[1]
#: row fields that may differ between runs of one unit (when and where it ran, how long it took)
VOLATILE = {"fit_seconds", "predict_seconds", "encode_seconds", "finished_at", "threads", "machine", "versions",
            "params", "config_hash", "unit", "predictions", "predictions_sha256", "predictor_spec"}

PLUGIN = textwrap.dedent('''
    """A ridge regression that, given a ``trace`` folder, records each fit (pid, size, seed), waits
    for ``<trace>/go`` and pauses, so a test can see which process runs what and act meanwhile."""
    import os
    import time

    import numpy as np

    from predictors.base import Predictor


    class SlowRidge(Predictor):
        name = "slowridge"
        encoding = "onehot"

        def __init__(self, alpha: float = 1.0, trace: str = "", pause: float = 0.0, seed: int = 0):
            self.alpha, self.trace, self.pause, self.seed = alpha, trace, pause, seed

        def _x(self, archs):
            x = archs.encode("onehot").astype(float)
            return np.c_[x, np.ones(len(x))]

        def fit(self, archs, y):
            if self.alpha < 0:
                raise ValueError(f"alpha must be >= 0, got {self.alpha}")
            if self.trace:
                open(os.path.join(self.trace, f"fit-{os.getpid()}-{len(y)}-{self.seed}-{time.time_ns()}"), "w").close()
                deadline = time.time() + 120
                while not os.path.exists(os.path.join(self.trace, "go")) and time.time() < deadline:
                    time.sleep(0.02)
                time.sleep(self.pause)
            x = self._x(archs)
            self.w_ = np.linalg.solve(x.T @ x + self.alpha * np.eye(x.shape[1]), x.T @ y)
            return self

        def predict(self, archs):
            return self._x(archs) @ self.w_
''')


@pytest.fixture(scope="module")
def plugin(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plugin") / "slow_predictors.py"
    path.write_text(PLUGIN)
    return path


@pytest.fixture(scope="module")
def client(data_dir):
    """A real LocalCluster: two worker processes, one thread each, on 127.0.0.1."""
    from bench.cluster import open_client

    with open_client(2) as cl:
        yield cl


@pytest.fixture(scope="module")
def serial(plugin, tmp_path_factory, data_dir):
    """The reference: 2 sizes x 2 seeds of the plug-in ridge, in this process."""
    root = tmp_path_factory.mktemp("serial")
    units = plan_units([BM], ["valid_acc"], [PredictorConfig.resolve(f"{plugin}:SlowRidge")], [10, 30], 2)
    assert not evaluate(units, root, progress=False).failed
    return _by_unit(root)


def _by_unit(root: Path) -> dict[tuple[int, int], tuple[dict, np.ndarray]]:
    """(train size, seed) -> (row without volatile fields, predictions); each unit stored exactly once."""
    store = ResultStore(root)
    rows = store.rows()
    keys = [(r["train_size"], r["seed"]) for r in rows]
    assert len(keys) == len(set(keys)), "a unit stored twice"
    return {(r["train_size"], r["seed"]): ({k: v for k, v in r.items() if k not in VOLATILE},
                                           store.predictions(r)["y_pred"]) for r in rows}


def _same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert a[key][0] == b[key][0], key
        np.testing.assert_array_equal(a[key][1], b[key][1])


def _fits(trace: Path) -> list[list[str]]:
    return [p.name.split("-")[1:] for p in trace.glob("fit-*")]


def test_a_killed_worker_costs_a_rerun_not_a_row(plugin, client, serial, tmp_path):
    """SIGKILL the worker process running a unit: the scheduler re-runs it on a (restarted) worker,
    every row is stored once, and the numbers equal the serial run's."""
    trace = tmp_path / "trace"
    trace.mkdir()
    (trace / "go").touch()
    slow = PredictorConfig.resolve(f"{plugin}:SlowRidge", {"trace": str(trace), "pause": 1.5})
    units = plan_units([BM], ["valid_acc"], [slow], [10, 30], 2)
    killed: list[int] = []

    def kill_first_worker() -> None:
        deadline = time.time() + 120
        while not killed and time.time() < deadline:
            fits = _fits(trace)
            if fits:
                pid = int(fits[0][0])
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.05)

    killer = threading.Thread(target=kill_first_worker)
    killer.start()
    report = evaluate(units, tmp_path / "res", client=client, progress=False)
    killer.join()
    assert killed and killed[0] != os.getpid()
    assert not report.failed and len(report.ran) == len(units)
    fits = _fits(trace)
    assert len(fits) > len(units)  # the killed unit ran again
    _same(_by_unit(tmp_path / "res"), serial)
    assert not list((tmp_path / "res").rglob("*.claim*"))


@pytest.mark.slow
def test_cheap_units_go_several_to_a_task_and_a_killed_batch_runs_again(plugin, client, tmp_path, monkeypatch):
    """Once units prove cheap they are batched (fewer Dask tasks than units); SIGKILL a worker in the
    middle of a batch: the batch runs again elsewhere, every row is stored once and equals the serial one."""
    from distributed import get_task_stream

    from bench.cluster import _DaskRunner

    monkeypatch.setattr(_DaskRunner, "TASK_SECONDS", 3.0)  # units of ~0.15 s would go ~20 to a task
    trace = tmp_path / "trace"
    trace.mkdir()
    (trace / "go").touch()
    units = plan_units([BM], ["valid_acc"], [PredictorConfig.resolve(f"{plugin}:SlowRidge", {"trace": str(trace),
                                                                                            "pause": 0.1})], [10], 60)
    reference = plan_units([BM], ["valid_acc"], [PredictorConfig.resolve(f"{plugin}:SlowRidge")], [10], 60)
    assert not evaluate(reference, tmp_path / "serial", progress=False).failed
    killed: list[int] = []

    def kill_a_worker_mid_batch() -> None:
        deadline = time.time() + 120
        while not killed and time.time() < deadline:
            fits = sorted(_fits(trace), key=lambda f: int(f[3]))
            if len(fits) >= 12:  # past the first single-unit tasks: batches run now
                pid = int(fits[-1][0])
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            time.sleep(0.02)

    killer = threading.Thread(target=kill_a_worker_mid_batch)
    killer.start()
    with get_task_stream(client) as tasks:
        report = evaluate(units, tmp_path / "res", client=client, progress=False)
    killer.join()
    assert killed and not report.failed and len(report.ran) == len(units)
    batches = [t for t in tasks.data if str(t["key"]).startswith("_guarded_batch")]
    assert len(batches) < 0.75 * len(units)  # several units to a task (fewer towards the end)
    assert len(_fits(trace)) > len(units)  # the killed batch ran again
    _same(_by_unit(tmp_path / "res"), _by_unit(tmp_path / "serial"))
    assert not list((tmp_path / "res").rglob("*.claim*"))


def test_local_cluster_workers_run_with_the_quieter_settings(client):
    """--jobs N starts workers that wake each 1 s, not each 20 ms (an idle worker cost 5 % of a core,
    which a grid of cheap units paid per unit)."""
    import dask

    from bench.cluster import LOCAL_CLUSTER_CONFIG

    for key, value in LOCAL_CLUSTER_CONFIG.items():
        assert set(client.run(dask.config.get, key).values()) == {value}, key
    assert dask.config.get("distributed.admin.tick.interval") == "1s"  # the scheduler's process too


def test_a_unit_that_raises_on_a_worker_is_reported_and_the_others_go_on(plugin, client, tmp_path):
    good = PredictorConfig.resolve(f"{plugin}:SlowRidge")
    bad = PredictorConfig.resolve(f"{plugin}:SlowRidge", {"alpha": -1.0})
    units = plan_units([BM], ["valid_acc"], [bad, good], [10], 2)
    report = evaluate(units, tmp_path, client=client, progress=False)
    assert len(report.ran) == 2 and len(report.failed) == 2
    assert all(why == "ValueError: alpha must be >= 0, got -1.0" for _, why in report.failed)
    assert {r["config_hash"] for r in ResultStore(tmp_path).rows()} == {good.config_hash}
    assert not list(tmp_path.rglob("*.claim*"))  # a failed unit's claim is released: a re-run retries it


@pytest.mark.slow
def test_one_and_two_workers_and_serial_give_identical_rows(plugin, client, serial, tmp_path):
    units = plan_units([BM], ["valid_acc"], [PredictorConfig.resolve(f"{plugin}:SlowRidge")], [10, 30], 2)
    one = evaluate(units, tmp_path / "one", threads=1, progress=False)  # a LocalCluster of one worker
    two = evaluate(units, tmp_path / "two", client=client, progress=False)
    assert len(one.ran) == len(two.ran) == len(units)
    _same(_by_unit(tmp_path / "one"), serial)
    _same(_by_unit(tmp_path / "two"), serial)
    assert {r["threads"] for r in ResultStore(tmp_path / "two").rows()} == {1}


def _cli(plugin: Path, results: Path, trace: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "bench.cli", "evaluate", "--benchmark", BM, "--target", "valid_acc",
            "--predictor", f"{plugin}:SlowRidge", "--set", f"{plugin}:SlowRidge.trace={json.dumps(str(trace))}",
            *extra, "--results-dir", str(results), "--no-progress", "--no-table"]


def _env(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "ARCHBENCH_DATA": str(data_dir), "PYTHONPATH": str(ROOT)}


def _stats(stderr: str) -> tuple[int, int, int]:
    """(run, already stored, stored by another run) from the CLI's last line."""
    import re

    m = re.search(r"(\d+) unit\(s\) run, (\d+) already stored(?:, (\d+) stored by another run)?", stderr)
    assert m, stderr
    return int(m[1]), int(m[2]), int(m[3] or 0)


@pytest.mark.slow
def test_two_concurrent_runs_split_the_grid(plugin, tmp_path, data_dir):
    """Two processes on one results directory: every unit computed once, by one of them, both working."""
    trace = tmp_path / "trace"
    trace.mkdir()
    cmd = _cli(plugin, tmp_path / "res", trace, "--train-sizes", "10,20", "--seeds", "4")
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(data_dir))
             for _ in range(2)]
    try:
        deadline = time.time() + 180
        while len({pid for pid, *_ in _fits(trace)}) < 2 and time.time() < deadline:  # both hold a unit
            assert all(p.poll() is None for p in procs), [p.communicate() for p in procs]
            time.sleep(0.05)
        (trace / "go").touch()
        outs = [p.communicate(timeout=300) for p in procs]
    finally:
        for p in procs:
            p.kill()
    assert [p.returncode for p in procs] == [0, 0], outs
    stats = [_stats(err) for _, err in outs]
    assert sum(ran for ran, _, _ in stats) == 8 and all(ran >= 1 for ran, _, _ in stats), stats
    assert len(_fits(trace)) == 8  # no unit fitted twice
    assert len(ResultStore(tmp_path / "res").rows()) == 8
    assert not list((tmp_path / "res").rglob("*.claim*"))


@pytest.mark.slow
def test_a_killed_client_resumes_and_takes_its_claims_back(plugin, tmp_path, data_dir):
    trace = tmp_path / "trace"
    trace.mkdir()
    (trace / "go").touch()
    cmd = _cli(plugin, tmp_path / "res", trace, "--train-sizes", "10,20,30", "--seeds", "2", "--jobs", "2",
               "--set", f"{plugin}:SlowRidge.pause=0.5")
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env(data_dir),
                            start_new_session=True)
    try:
        deadline = time.time() + 180
        while not list((tmp_path / "res").rglob("n*.json")) and time.time() < deadline:
            assert proc.poll() is None
            time.sleep(0.05)
        os.killpg(proc.pid, signal.SIGKILL)  # the client, its LocalCluster and its workers
        proc.wait()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    stored = len(ResultStore(tmp_path / "res").rows())
    assert 1 <= stored < 6
    assert list((tmp_path / "res").rglob("*.claim"))  # the killed run's claims are left behind...
    again = subprocess.run(cmd, capture_output=True, text=True, env=_env(data_dir), timeout=300)
    assert again.returncode == 0, again.stderr
    ran, skipped, _ = _stats(again.stderr)
    assert skipped == stored and ran == 6 - stored  # ...and taken back at once: their owner is dead
    assert len(ResultStore(tmp_path / "res").rows()) == 6
    assert not list((tmp_path / "res").rglob("*.claim*"))


def test_claims_of_live_and_dead_owners(tmp_path):
    path = tmp_path / "u.claim"
    with Claims(timeout=60) as mine, Claims(timeout=60) as other:
        assert mine.acquire(path) and mine.holds(path)
        assert not other.acquire(path)  # live owner, fresh heartbeat
        mine.release(path)
        assert not path.exists() and other.acquire(path)
    assert not path.exists()  # released on exit

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    host = Claims().host
    path.write_text(json.dumps({"host": host, "pid": int(dead.stdout), "token": "gone"}))
    with Claims(timeout=60) as mine:
        assert mine.acquire(path)  # its owner on this host is no longer running
    path.write_text(json.dumps({"host": "elsewhere", "pid": 1, "token": "far"}))
    with Claims(timeout=60) as mine:
        assert not mine.acquire(path)  # another host, heartbeat fresh
        old = time.time() - 61
        os.utime(path, (old, old))
        assert mine.acquire(path)  # no heartbeat for longer than the timeout
        assert json.loads(path.read_text())["token"] == mine.token


def test_the_heartbeat_keeps_a_claim_fresh(tmp_path):
    path = tmp_path / "u.claim"
    with Claims(timeout=0.4) as mine:
        assert mine.acquire(path)
        time.sleep(1.0)
        age = time.time() - path.stat().st_mtime
        assert age < 0.4
        assert not Claims(timeout=0.4).is_stale(path)


def test_search_runs_fan_out_with_identical_trajectories(client, tmp_path, data_dir):
    from bench.search import run_search

    kw = {"budget": 40, "seeds": 3, "progress": False}
    local = run_search(BM, ["ls", "rea"], results_dir=tmp_path / "serial", **kw)
    spread = run_search(BM, ["ls", "rea"], results_dir=tmp_path / "dask", client=client, **kw)
    for a, b in zip(local.groups, spread.groups, strict=True):
        np.testing.assert_array_equal(a.report, b.report)
    ls_runs = sorted((tmp_path / "dask").rglob("seed-*.npz"))
    assert len(ls_runs) == 6 and not list((tmp_path / "dask").rglob("*.claim*"))


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--scheduler", "localhost"], "tcp://HOST:PORT"),
        (["--scheduler", "udp://h:1"], "tcp://HOST:PORT"),
        (["--tls-cert", "c.pem"], "give --scheduler too"),
        (["--jobs", "2", "--scheduler", "tcp://127.0.0.1:8786"], "not both"),
        (["--scheduler", "tls://127.0.0.1:8786", "--tls-ca-file", "nope.pem", "--tls-cert", "nope.pem"],
         "is not a file"),
        (["--scheduler", "tcp://127.0.0.1:8786", "--threads", "2"], "OMP_NUM_THREADS"),
        (["search", "--scheduler", "h:x"], "tcp://HOST:PORT"),
        (["search", "--jobs", "0"], "at least 1"),
        (["search", "--jobs", "2", "--scheduler", "tcp://127.0.0.1:8786"], "not both"),
    ],
)
def test_cluster_options_bad_input_one_line_exit_2(argv, message, capsys, tmp_path, data_dir):
    if argv[0] == "search":
        cmd = ["search", "--benchmark", BM, "--budget", "10", "--results-dir", str(tmp_path / "res"), *argv[1:]]
    else:
        cmd = ["evaluate", "--benchmark", BM, "--target", "valid_acc", "--predictors", "params", "--seeds", "1",
               "--train-sizes", "10", "--results-dir", str(tmp_path / "res"), *argv]
    rc = main(cmd)
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2 and len(err) == 1 and message in err[0], err
    assert not (tmp_path / "res").exists()
