"""``archbench measure``: tables that join, resume after kill -9, proxies equal hand-computed values."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import bench
from bench.cli import main
from bench.measure import log_path
from bench.networks import proxies
from bench.networks.base import NetworkBuilder

ROOT = Path(__file__).resolve().parents[1]


def _cli(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-m", "bench.cli", *args], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_latency_table_joins_and_resumes_after_kill(data_dir: Path) -> None:
    args = ["measure", "latency", "--benchmark", "nasbench-graph/cora", "--archs", "3", "--repeats", "10",
            "--warmup", "0", "--name", "mycpu/cora"]
    log = log_path("mycpu/cora", "latency", str(data_dir))
    proc = _cli(*args)
    deadline = time.time() + 120
    while time.time() < deadline and (not log.exists() or len(log.read_text().splitlines()) < 6):
        assert proc.poll() is None, proc.communicate()[1]
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = log.read_text().splitlines()
    assert 6 <= len(before) < 1 + 3 * 10, "the run finished before it could be killed"
    proc = _cli(*args)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "Spearman between even and odd passes" in out
    assert not log.exists()
    b = bench.load("nasbench-graph/cora+mycpu/cora")
    assert len(b) == 3 and {"valid_acc", "latency_b1", "latency_b1_iqr"} <= set(b.metrics)
    info = b.metric_info("latency_b1")
    assert (info.unit, info.split, info.epochs, info.seed_reduction) == ("ms", "none", None, "median of 10 runs")
    machine = json.loads(bench.load("mycpu/cora").attrs["machine"])
    assert {"cpu", "torch", "torch_threads", "device"} <= set(machine)


@pytest.mark.parametrize("bad", [["--batch", "0"], ["--archs", "zero"], ["--repeats", "0"], ["--device", "tpu"],
                                 ["--batch", "1,,2"], ["--archs", "0"], ["--archs", "99999999999999999999"],
                                 ["--warmup", "-1"], ["--threads", "0"]])
def test_bad_input_is_one_line_exit_2(data_dir: Path, bad: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    rc = main(["measure", "latency", "--benchmark", "nasbench-graph/cora", "--name", "x/y", *bad])
    assert rc == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_unknown_architecture_and_unknown_proxy(data_dir: Path, tmp_path: Path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("link=0,0,0,0 ops=gcn,gcn,gcn,nope\n")
    assert main(["measure", "latency", "--benchmark", "nasbench-graph/cora", "--ids", str(ids), "--name", "x/y"]) == 2
    bad_proxy = ["--proxies", "magic", "--name", "x/y"]
    assert main(["measure", "proxies", "--benchmark", "nasbench-graph/cora", *bad_proxy]) == 2
    # a blank item is refused, not skipped (it used to start a run over all 26,206 architectures)
    assert main(["measure", "proxies", "--benchmark", "nasbench-graph/cora", "--proxies", "synflow,,zen",
                 "--name", "x/y"]) == 2


class _Tiny(NetworkBuilder):
    """y = w2 * relu(w1 * x) with scalar weights: every proxy can be written down by hand."""

    dataset = "tiny"

    def build(self, code: np.ndarray) -> nn.Module:
        net = nn.Sequential(nn.Linear(1, 1, bias=False), nn.ReLU(), nn.Linear(1, 1, bias=False))
        with torch.no_grad():
            net[0].weight.fill_(-2.0)
            net[2].weight.fill_(3.0)
        return net

    def inputs(self, batch: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, ...]:
        return (torch.ones(batch, 1),)

    @property
    def num_outputs(self) -> int:
        return 1


def test_proxies_equal_hand_computed_values() -> None:
    code = np.zeros(1)
    # synflow on |w|: R = 2 * 3 = 6; |w1 dR/dw1| + |w2 dR/dw2| = 6 + 6
    assert proxies.compute("synflow", _Tiny(), code, seed=0) == pytest.approx(np.log(12.0))
    assert proxies.compute("params", _Tiny(), code, seed=0) == pytest.approx(2e-6)
    # FLOPs: two 1x1 linear maps and one ReLU element
    assert proxies.compute("flops", _Tiny(), code, seed=0) == pytest.approx(3e-6)
    # ReLU input is -2 for every sample: all codes equal, kernel = 1 * ones -> singular, log|det| = -inf
    assert proxies.compute("nwot", _Tiny(), code, seed=0, batch=1) == pytest.approx(0.0)



def test_proxy_workers_give_the_serial_values(data_dir: Path) -> None:
    """Architectures spread over two worker processes get exactly the values of one serial run (per-
    architecture seeds), and every architecture is recorded once."""
    from bench.networks.plugin import builder_for

    b = bench.load("nasbench-graph/cora")
    ids = b.sample(4, seed=3)
    codes = dict(zip(ids.tolist(), b.space.from_ids(ids), strict=True))
    builder = builder_for(b)
    serial: list[dict] = []
    spread: list[dict] = []
    proxies.run(builder, codes, ["synflow", "params"], 7, None, set(), serial.append)
    proxies.run(builder, codes, ["synflow", "params"], 7, None, {int(ids[0])}, spread.append, jobs=2)
    assert sorted(r["id"] for r in spread) == sorted(int(i) for i in ids[1:])
    by_id = {r["id"]: r["values"] for r in serial}
    assert all(r["values"] == by_id[r["id"]] for r in spread)
    assert len({r["values"]["synflow"] for r in serial}) == 4  # the architectures differ, so do their values

MODEL = '''
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, width: int) -> None:
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, width), nn.ReLU(), nn.Linear(width, 3))

    def forward(self, x):
        return self.body(x)

    def example_inputs(self, batch):
        return (torch.randn(batch, 4),)


def build(arch):
    return Net(int(arch.split()[0]))
'''


def test_custom_table_builder_plugin(data_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "model.py").write_text(MODEL)
    (tmp_path / "t.csv").write_text("arch,acc\n8 a,0.5\n16 a,0.6\n32 b,0.7\n")
    (tmp_path / "card.yaml").write_text(
        "name: mine/toy\nfile: t.csv\nspace: sequence\narchitecture: {column: arch}\nbuilder: model.py:build\n"
        "labels:\n  acc: {unit: fraction, split: valid, epochs: 1, seed_reduction: mean, higher_is_better: true}\n")
    assert main(["import", "table", str(tmp_path / "card.yaml")]) == 0
    assert main(["measure", "proxies", "--benchmark", "mine/toy", "--proxies", "params,synflow",
                 "--name", "mine/zc"]) == 0
    b = bench.load("mine/toy+mine/zc")
    expected = [(4 * w + w + w * 3 + 3) / 1e6 for w in (8, 32)]
    np.testing.assert_allclose(b.query(["8 a", "32 b"], "params"), expected)
    # a space without any builder refuses in one line
    (tmp_path / "card2.yaml").write_text((tmp_path / "card.yaml").read_text().replace("mine/toy", "mine/nob")
                                         .replace("builder: model.py:build\n", ""))
    assert main(["import", "table", str(tmp_path / "card2.yaml")]) == 0
    assert main(["measure", "latency", "--benchmark", "mine/nob", "--name", "mine/lat"]) == 2


def test_disconnected_cell_zen_is_minus_inf_and_features_stay_finite(nb201_tables: Path) -> None:
    """An NB201 cell with no path from input to output has identically zero output, so its zen-score is
    log(0) = -inf in the table (the proxy's true value, not changed); predictors reading the table's side
    features get one finite value below every other, the same in every batch, and fit on them."""
    from bench.data import ArchBatch
    from predictors.linear import LinearPredictor

    dead = "|none~0|+|none~0|none~1|+|none~0|none~1|nor_conv_3x3~2|"
    live = ["|nor_conv_3x3~0|+|nor_conv_3x3~0|skip_connect~1|+|none~0|nor_conv_3x3~1|avg_pool_3x3~2|",
            "|avg_pool_3x3~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|"]
    ids_file = nb201_tables / "zen_ids.txt"
    ids_file.write_text("\n".join([dead, *live]) + "\n")
    assert main(["measure", "proxies", "--benchmark", "nb201/cifar10-valid", "--ids", str(ids_file),
                 "--proxies", "zen,params", "--name", "zctest/dead"]) == 0
    bm = bench.load("nb201/cifar10-valid+zctest/dead")
    zen = bm.labels("zc_zen")
    dead_row = int(np.flatnonzero(np.isinf(zen))[0])
    assert np.isneginf(zen).sum() == 1 and np.isfinite(np.delete(zen, dead_row)).all()
    dead_id = bm.ids[dead_row]
    one = ArchBatch.from_benchmark(bm, np.array([dead_id]), ["zc_zen", "params"])
    every = ArchBatch.from_benchmark(bm, bm.ids, ["zc_zen", "params"])
    value = one.extra["zc_zen"][0]
    assert np.isfinite(every.encode("extra")).all() and value == every.extra["zc_zen"][dead_row]
    assert value < np.delete(zen, dead_row).min()
    model = LinearPredictor(features="onehot+extra").fit(every, bm.labels("valid_acc"))
    assert np.isfinite(model.predict(every)).all()


def test_cells_differing_on_dead_branches_are_measured_cell_by_cell(nb201_tables: Path) -> None:
    """NB201's isomorphism classes merge cells that differ only on dead branches: one function, but a
    larger network. Parameters are therefore measured per cell (equal to the cell's own network), and
    only ``--per-class`` serves the class representative's value, saying so in the label."""
    from bench.networks.plugin import builder_for

    b = bench.load("nb201/cifar10-valid")
    cell_id = 8274  # no path to the output carries signal; its class representative (id 10) has 3 dead convs
    (rep_id,) = b.space.iso_class(b.space.from_ids([cell_id]))
    assert rep_id != cell_id
    ids_file = nb201_tables / "dead_ids.txt"
    ids_file.write_text(f"{cell_id}\n")
    for name, flags in (("zctest/cell", []), ("zctest/class", ["--per-class"])):
        assert main(["measure", "proxies", "--benchmark", "nb201/cifar10-valid", "--ids", str(ids_file),
                     "--proxies", "params", "--name", name, *flags]) == 0
    builder = builder_for(b)
    own, rep = (proxies.compute("params", builder, b.space.from_ids([i])[0], seed=0) for i in (cell_id, rep_id))
    assert rep > own + 0.5  # the representative's dead convolutions have weights
    by_cell, by_class = bench.load("zctest/cell"), bench.load("zctest/class")
    assert by_cell.labels("params")[0] == pytest.approx(own) and by_class.labels("params")[0] == pytest.approx(rep)
    assert "own network" in by_cell.metric_info("params").extra["measured"]
    assert "representative" in by_class.metric_info("params").extra["measured"]
