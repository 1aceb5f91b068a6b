"""The archbench CLI, run as a user would (subprocess), including bad input."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run(*args: str, data_dir) -> subprocess.CompletedProcess:
    env = {**os.environ, "ARCHBENCH_DATA": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "bench.cli", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def test_list_one_benchmark_per_line_name_first(data_dir):
    out = run("list", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    names = [line.split("\t")[0] for line in out.stdout.splitlines()]
    assert "nasbench-graph/cora" in names and "nb201-analog/cifar10" in names
    assert len(names) == len(set(names))


def test_info_shows_units_and_splits(data_dir):
    out = run("info", "nasbench-graph/cora", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert "26206 architectures" in out.stdout
    assert "valid_acc" in out.stdout and "split=valid" in out.stdout and "mean of 3 seeds" in out.stdout
    assert "latency" in out.stdout and "lower is better" in out.stdout


def test_query_by_string_and_id(data_dir):
    out = run("query", "nasbench-graph/cora", "link=0,0,1,2 ops=gcn,gat,skip,sage", "--metric", "valid_acc",
              data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    header, row = out.stdout.splitlines()
    assert header == "id\tarch\tvalid_acc"
    arch_id = row.split("\t")[0]
    again = run("query", "nasbench-graph/cora", arch_id, "--metric", "valid_acc", data_dir=data_dir)
    assert again.stdout.splitlines()[1] == row


@pytest.mark.parametrize(
    "args, message",
    [
        (("info", "nasbench-graph/coar"), "did you mean 'nasbench-graph/cora'"),
        (("query", "nasbench-graph/cora", "link=0,0,9,2 ops=gcn,gat,skip,sage"), "link"),
        (("query", "nasbench-graph/cora", "link=0,0,1,2 ops=gcn,gat,skip,conv3"), "unknown op"),
        (("query", "nasbench-graph/cora", "19"), "not in nasbench-graph/cora"),
        (("query", "nasbench-graph/cora", "12345", "--metric", "acc"), "no metric 'acc'"),
        (("datasets", "build", "nb201/nope"), "unknown benchmark"),
        (("bogus",), "invalid choice"),
    ],
)
def test_bad_input_one_line_exit_2(args, message, data_dir):
    out = run(*args, data_dir=data_dir)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], out.stderr
    assert "Traceback" not in out.stderr


def test_datasets_build_reports_and_skips_built(data_dir):
    out = run("datasets", "build", "nasbench-graph/cora", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert "nasbench-graph/cora" in out.stdout


def test_datasets_build_rebuilds_a_damaged_file(data_dir):
    path = data_dir / "nasbench-graph" / "photo.h5"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not an hdf5 file")
    out = run("datasets", "build", "nasbench-graph/photo", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert "rebuilding" in out.stdout and "26206 architectures" in out.stdout
    assert run("info", "nasbench-graph/photo", data_dir=data_dir).returncode == 0
