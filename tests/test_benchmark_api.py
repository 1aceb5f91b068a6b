"""The Python API contract that users and later features rely on."""

from __future__ import annotations

import numpy as np
import pytest
import torch_geometric.data
from nas_bench_graph import Arch

import bench


def test_list_benchmarks_has_all_defaults(data_dir):
    names = bench.list_benchmarks()
    for ds in ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv", "proteins"):
        assert f"nasbench-graph/{ds}" in names
    assert "nb201-analog/cifar10" in names


def test_load_query_sample_frame(data_dir):
    b = bench.load("nasbench-graph/cora")
    assert len(b) == 26206 and b.space.name == "nasbench-graph"
    assert set(b.metrics) == {"valid_acc", "test_acc", "latency", "params"}
    ids = b.sample(500, seed=3)
    assert len(np.unique(ids)) == 500 and np.array_equal(ids, b.sample(500, seed=3))
    y = b.query(ids, "valid_acc")
    assert np.array_equal(y, b.labels("valid_acc")[np.searchsorted(b.ids, ids)])
    frame = b.to_frame()
    assert list(frame.columns[:3]) == ["id", "arch", "source_key"] and len(frame) == 26206
    row = frame.set_index("id").loc[int(ids[0])]
    assert row["valid_acc"] == y[0] and row["arch"] == b.strings[int(np.searchsorted(b.ids, ids[0]))]


def test_query_accepts_strings_ids_objects_and_noncanonical_forms(data_dir):
    b = bench.load("nasbench-graph/cora")
    obj = b.space.arch(link=(0, 0, 1, 2), ops=("gcn", "gat", "skip", "sage"))
    s = str(obj)
    by_str, by_obj = b.query([s], "test_acc"), b.query([obj], "test_acc")
    by_id = b.query(b.to_ids([s]), "test_acc")
    assert by_str == by_obj == by_id
    # the same DAG with its nodes listed in another order is the same architecture (as valid_hash says)
    a = b.to_ids(["link=0,0,1,0 ops=gcn,gat,sage,gin"])
    c = b.to_ids(["link=0,0,0,1 ops=gcn,gat,gin,sage"])
    assert a == c == Arch([0, 0, 1, 0], ["gcn", "gat", "sage", "gin"]).valid_hash()


def test_bad_queries_name_the_problem(data_dir):
    b = bench.load("nasbench-graph/cora")
    with pytest.raises(bench.InvalidArchitecture, match="not in nasbench-graph/cora"):
        b.query(np.array([9, 19, 99999999]), "valid_acc")
    with pytest.raises(bench.InvalidArchitecture, match="unknown op"):
        b.query(["link=0,0,1,2 ops=gcn,gat,skip,conv"], "valid_acc")
    with pytest.raises(bench.UnknownMetric, match="did you mean 'valid_acc'"):
        b.labels("valid_accuracy")
    p = bench.load("nasbench-graph/proteins")
    with pytest.raises(bench.InvalidArchitecture):
        p.query(["link=0,0,1,2 ops=gat,gat,gat,gat"], "valid_acc")
    with pytest.raises(bench.UnknownBenchmark, match="did you mean 'nasbench-graph/cora'"):
        bench.load("nasbench-graph/coraa")


def test_metric_info_and_best(data_dir):
    b = bench.load("nasbench-graph/cora")
    info = b.metric_info("latency")
    assert info.unit == "s" and not info.higher_is_better
    best_id, best = b.best("valid_acc")
    assert best == b.labels("valid_acc").max() and b.query([best_id], "valid_acc")[0] == best
    assert b.best("latency")[1] == b.labels("latency").min()


@pytest.mark.parametrize("name", ["nasbench-graph/cora", "nb201-analog/cifar10"])
def test_encodings(name, data_dir):
    b = bench.load(name)
    ids = b.sample(64, seed=0)
    onehot = b.encode(ids, "onehot")
    assert onehot.shape[0] == 64 and onehot.dtype == np.float32
    assert len({r.tobytes() for r in onehot}) == 64  # distinct architectures, distinct encodings
    adj = b.encode(ids, "adjacency")
    assert adj["adjacency"].shape[0] == 64 and adj["ops"].shape[0] == 64
    assert b.encode(ids, "path").shape[0] == 64
    graphs = b.encode(ids[:4], "graph")
    assert len(graphs) == 4 and all(isinstance(g, torch_geometric.data.Data) for g in graphs)
    with pytest.raises(ValueError, match="unknown encoding"):
        b.encode(ids, "bogus")


def test_nb201_iso_class_in_frame(data_dir):
    b = bench.load("nb201-analog/cifar10")
    frame = b.to_frame(["digital_acc"])
    assert frame.iso_class.nunique() == 6466
    assert frame.loc[0, "arch"].startswith("|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|")


# -- bad input at the public boundary: ArchBench errors, never a silent misread ------------------------
@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda b: b.query(True, "valid_acc"), TypeError, "bool"),  # was read as id 1
        (lambda b: b.query([True, 3], "valid_acc"), TypeError, "bool"),
        (lambda b: b.query(b"12", "valid_acc"), TypeError, "bytes"),  # was read as the ids 49, 50
        (lambda b: b.query(np.array([1.7]), "valid_acc"), TypeError, "integers"),
        (lambda b: b.query(3.0, "valid_acc"), TypeError, "integers"),
        (lambda b: b.query(None, "valid_acc"), TypeError, "None"),
        (lambda b: b.query([2**63], "valid_acc"), ValueError, "int64"),
        (lambda b: b.query(-(10**25), "valid_acc"), ValueError, "int64"),
        (lambda b: b.query(np.array([2**64 - 1], dtype=np.uint64), "valid_acc"), ValueError, "int64"),
        (lambda b: b.query([[1, 2], [3]], "valid_acc"), ValueError, "cannot read"),
        (lambda b: b.query([1], 5), TypeError, "metric"),
        (lambda b: b.to_frame(""), KeyError, "no metric ''"),  # returned every metric
        (lambda b: b.to_frame(5), TypeError, "metrics"),
        (lambda b: b.sample(3, replace="no"), TypeError, "True or False"),  # sampled with replacement
        (lambda b: b.sample(2.5), TypeError, "integer"),
        (lambda b: b.sample(-1), ValueError, "at least 0"),
        (lambda b: b.sample(10**12, replace=True), ValueError, "at most"),  # was a MemoryError
        (lambda b: b.sample(3, seed=-1), ValueError, "non-negative"),
        (lambda b: b.sample(3, seed="x"), TypeError, "seed"),
        (lambda b: b.encode(b.ids[:2], None), TypeError, "encoding"),
        (lambda b: b.rows_of_ids("12"), TypeError, "ids"),
        (lambda b: b.metric_info(["valid_acc"]), TypeError, "metric"),
        (lambda b: b.space.parse(12), ValueError, "string"),
        (lambda b: b.space.from_ids(np.array([0.5])), ValueError, "integers"),
        (lambda b: b.space.to_codes(b"abc"), TypeError, "bytes"),
        (lambda b: b.space.to_codes(object()), ValueError, "cannot read"),
        (lambda b: bench.load(b"nasbench-graph/cora"), TypeError, "benchmark name"),
        (lambda b: bench.load("nasbench-graph/cora", verify="yes"), ValueError, "lazy, full"),
        (lambda b: bench.load("nasbench-graph/cora", data_dir=""), ValueError, "must not be empty"),
        (lambda b: bench.load("nasbench-graph/cora", data_dir="/dev/null"), ValueError, "not a directory"),
        (lambda b: bench.load("a/b/c"), KeyError, "unknown benchmark"),
    ],
)
def test_bad_api_input_raises_archbench_errors(call, error, message, data_dir):
    b = bench.load("nasbench-graph/cora")
    with pytest.raises(bench.ArchBenchError, match=message) as info:
        call(b)
    assert isinstance(info.value, error)  # also the builtin it resembles: old `except ValueError` still works


def test_every_public_error_shares_the_base():
    from bench.errors import InvalidType, UsageError

    for cls, builtin in [(bench.InvalidArchitecture, ValueError), (bench.UnknownMetric, KeyError),
                         (bench.UnknownBenchmark, KeyError), (bench.StoreError, RuntimeError),
                         (UsageError, ValueError), (InvalidType, TypeError)]:
        assert issubclass(cls, bench.ArchBenchError) and issubclass(cls, builtin)
    assert str(bench.UnknownMetric("x has no metric 'y'")) == "x has no metric 'y'"  # no KeyError quotes


def test_valid_forms_still_work(data_dir):
    b = bench.load("nasbench-graph/cora")
    ids = b.sample(3, seed=np.int64(1), replace=np.bool_(False))
    assert np.array_equal(b.query(ids, "valid_acc"), b.query(list(map(int, ids)), "valid_acc"))
    assert np.array_equal(b.to_ids(np.asarray(ids, dtype=np.uint32)), ids)
    assert list(b.to_frame("latency").columns) == ["id", "arch", "source_key", "latency"]
    assert list(b.to_frame([]).columns) == ["id", "arch", "source_key"]
    assert b.to_ids([]).shape == (0,)
