"""Networks of NB201 and NAS-Bench-Graph: every op builds and runs; sizes equal the published labels."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import bench
from bench.errors import UsageError
from bench.networks.base import count_params
from bench.networks.flops import count_flops
from bench.networks.nasbench_graph import GraphDataset, GraphNetwork, NasBenchGraphBuilder
from bench.spaces import get_space
from bench.spaces.nasbench_graph import GNN_OPS

TINY_GRAPH = GraphDataset(nodes=30, edges=90, features=5, classes=3, hidden=8, pre=0, post=1)


def test_nb201_every_op_runs_and_keeps_shapes() -> None:
    space = get_space("nb201")
    builder = space.network_builder("imagenet16-120")
    code = space.parse("|none~0|+|skip_connect~0|nor_conv_1x1~1|+|nor_conv_3x3~0|avg_pool_3x3~1|none~2|")
    with torch.no_grad():
        out = builder.build(code)(*builder.inputs(2))
    assert out.shape == (2, 120)


def test_nb201_params_and_flops_equal_naslib(shared_data) -> None:
    records = json.loads((shared_data / "naslib_zc" / "zc_nasbench201.json").read_text())["cifar10"]
    space = get_space("nb201")
    builder = space.network_builder("cifar10-valid")
    for key in list(records)[:4]:
        code = space.from_naslib(np.array([json.loads(key.replace("(", "[").replace(")", "]"))]))[0]
        net = builder.build(code)
        assert count_params(net) / 1e6 == pytest.approx(records[key]["params"]["score"], abs=1e-9)
        # a constant 1,088 FLOPs apart (0.001 %), whatever the cell
        assert count_flops(net, builder.inputs(1)) == pytest.approx(records[key]["flops"]["score"], abs=1.2e-3)


@pytest.mark.parametrize("op", GNN_OPS[:-1])
def test_graph_every_op_runs(op: str) -> None:
    builder = NasBenchGraphBuilder("cora")
    builder.data = TINY_GRAPH
    for link in ((0, 0, 0, 0), (0, 1, 2, 3)):
        net = GraphNetwork(link, (op, "skip", op, "fc"), TINY_GRAPH).eval()
        with torch.no_grad():
            out = net(*builder.inputs(2))
        assert out.shape == (60, 3)


def test_graph_params_equal_stored_label(data_dir) -> None:
    b = bench.load("nasbench-graph/cora")
    ids = b.sample(12, seed=3)
    builder = b.space.network_builder("cora")
    ours = [count_params(builder.build(c)) / 1e6 for c in b.space.from_ids(np.asarray(ids))]
    np.testing.assert_allclose(ours, b.query(ids, "params"), rtol=0, atol=1e-9)


def test_space_without_builder_refuses() -> None:
    with pytest.raises(UsageError, match="no network builder"):
        get_space("sequence", choices=[["a", "b"]]).network_builder("x")
    with pytest.raises(UsageError, match="no NB201 network"):
        get_space("nb201").network_builder("help")
