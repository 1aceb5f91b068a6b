"""Every registered predictor learns on real data, is deterministic, and plugs in like a user's own."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from scipy.special import ndtri
from scipy.stats import kendalltau

import bench
from bench.errors import UsageError
from bench.protocol import FrozenSplits
from predictors import REGISTRY, ArchBatch, get_predictor, load_predictor_class
from predictors.base import constructor_defaults
from predictors.features import dag_features, feature_matrix
from predictors.targets import TargetTransform

# short training for the test slices (the defaults train longer)
FAST: dict[str, dict] = {
    "gcn": {"epochs": 40}, "gin": {"epochs": 30}, "gat": {"epochs": 30}, "mlp": {"epochs": 30},
    "bananas": {"epochs": 25, "n_members": 2}, "xgb": {"n_estimators": 150}, "rf": {"n_estimators": 100},
    "ensemble": {"members": ("xgb", "mlp"), "member_params": {"xgb": {"n_estimators": 150}, "mlp": {"epochs": 30}}},
    "stack": {"members": ("xgb", "mlp"), "member_params": {"xgb": {"n_estimators": 150}, "mlp": {"epochs": 30}}},
}
LEARNERS = ["xgb", "rf", "mlp", "bananas", "gp", "gcn", "gin", "gat", "ensemble", "stack"]
BASELINES = ["random", "params", "zero_cost"]


def slice_of(name: str, target: str, n_train: int = 300, n_test: int = 1000):
    bm = bench.load(name)
    splits = FrozenSplits(bm)
    tr, te = splits.train_ids(n_train, 0), splits.test_ids[:n_test]
    extra = [m for m in ("params",) if m in bm.metrics]
    return (ArchBatch.from_benchmark(bm, tr, extra), bm.query(tr, target),
            ArchBatch.from_benchmark(bm, te, extra), bm.query(te, target))


def tau(a: np.ndarray, b: np.ndarray) -> float:
    return float(kendalltau(a, b).statistic)


@pytest.fixture(scope="module")
def citeseer(data_dir):
    return slice_of("nasbench-graph/citeseer", "valid_acc")


@pytest.fixture(scope="module")
def nb201(data_dir):
    return slice_of("nb201-analog/cifar10", "digital_acc", n_train=200, n_test=500)


def test_registry_lists_every_family():
    assert set(LEARNERS) | set(BASELINES) <= set(REGISTRY)
    for name in REGISTRY:
        cls = load_predictor_class(name)
        assert cls.name == name and all(isinstance(e, str) for e in cls().encodings())


@pytest.mark.parametrize("name", LEARNERS)
def test_learners_beat_random_on_real_data(name, citeseer):
    tr, y, te, yt = citeseer
    pred = get_predictor(name, seed=0, **FAST.get(name, {})).fit(tr, y).predict(te)
    assert pred.shape == yt.shape and np.isfinite(pred).all()
    assert tau(pred, yt) > 0.3, name
    assert abs(tau(get_predictor("random", seed=0).fit(tr, y).predict(te), yt)) < 0.1


@pytest.mark.parametrize("name", ["random", "xgb", "rf", "gin", "mlp", "bananas", "gp", "stack"])
def test_deterministic_for_a_seed(name, citeseer):
    tr, y, te, _ = citeseer
    first = get_predictor(name, seed=3, **FAST.get(name, {})).fit(tr, y)
    a = first.predict(te)
    b = get_predictor(name, seed=3, **FAST.get(name, {})).fit(tr, y).predict(te)
    assert np.array_equal(a, b)
    assert np.array_equal(a, first.predict(te))  # predicting again changes nothing


def test_seeds_differ_and_random_ignores_batch_order(citeseer):
    tr, y, te, _ = citeseer
    a = get_predictor("gin", seed=0, epochs=5).fit(tr, y).predict(te)
    b = get_predictor("gin", seed=1, epochs=5).fit(tr, y).predict(te)
    assert not np.array_equal(a, b)
    rnd = get_predictor("random", seed=5).fit(tr, y)
    order = np.arange(len(te))[::-1]
    assert np.array_equal(rnd.predict(te)[order], rnd.predict(te.subset(order)))


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_get_params_returns_the_constructor_arguments(name):
    cls = load_predictor_class(name)
    defaults = {k: p.default for k, p in inspect.signature(cls.__init__).parameters.items()
                if k != "self" and p.kind is not p.VAR_KEYWORD}
    assert cls().get_params(deep=False) == constructor_defaults(cls)
    assert defaults.items() <= cls().get_params(deep=False).items()
    assert cls(seed=7).get_params()["seed"] == 7


def test_a_subclass_changing_one_default_reports_every_parameter():
    gin, gcn = get_predictor("gin").get_params(), get_predictor("gcn").get_params()
    assert gin["hidden"] == 48 and gcn["hidden"] == 64
    assert set(gin) == set(gcn) and {k: v for k, v in gin.items() if k != "hidden"} == {
        k: v for k, v in gcn.items() if k != "hidden"}
    assert get_predictor("gin", layers=2, hidden=32).get_params()["layers"] == 2


def test_torch_predictors_leave_global_torch_state_alone(citeseer):
    import torch

    tr, y, _, _ = citeseer
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    threads = torch.get_num_threads()
    get_predictor("gin", seed=0, epochs=2, n_threads=1).fit(tr, y)
    assert torch.equal(torch.rand(3), expected) and torch.get_num_threads() == threads
    assert not torch.are_deterministic_algorithms_enabled()


def test_params_baseline_ranks_by_parameter_count(citeseer):
    tr, y, te, _ = citeseer
    model = get_predictor("params").fit(tr, y)
    pred = model.predict(te)
    order = np.argsort(model.sign_ * te.extra["params"], kind="stable")
    assert (np.diff(pred[order]) >= 0).all()  # exactly the parameter-count ranking
    assert abs(tau(pred, te.extra["params"])) > 0.99  # (targets equal to ~1e-16 merge a few neighbours)
    # the direction comes from the training data: reversing the target reverses the ranking
    flipped = get_predictor("params").fit(tr, -y).predict(te)
    assert tau(pred, flipped) < -0.99
    assert np.mean((pred >= y.min()) & (pred <= y.max())) > 0.95  # answers on the target's scale


def test_zero_cost_picks_the_informative_proxy_on_training_data(citeseer):
    tr, y, te, yt = citeseer
    rng = np.random.default_rng(0)

    def with_proxies(batch: ArchBatch, target: np.ndarray) -> ArchBatch:
        noise = rng.standard_normal((2, len(batch)))
        extra = {"noise": noise[0], "neg_signal": -target + 1e-4 * noise[1]}
        return ArchBatch(batch.space, batch.codes, batch.ids, extra)

    model = get_predictor("zero_cost").fit(with_proxies(tr, y), y)
    assert (model.feature_, model.sign_) == ("neg_signal", -1)
    assert tau(model.predict(with_proxies(te, yt)), yt) > 0.95
    named = get_predictor("zero_cost", proxy="noise", sign=1).fit(with_proxies(tr, y), y)
    assert (named.feature_, named.sign_) == ("noise", 1)


def test_side_feature_baselines_say_what_is_missing(citeseer):
    tr, y, _, _ = citeseer
    bare = ArchBatch(tr.space, tr.codes, tr.ids)
    with pytest.raises(ValueError, match="zero-cost"):
        get_predictor("zero_cost").fit(bare, y)
    with pytest.raises(ValueError, match="no side feature 'synflow'"):
        get_predictor("zero_cost", proxy="synflow").fit(tr, y)
    with pytest.raises(ValueError, match="'params' or 'flops'"):
        get_predictor("params").fit(bare, y)


def test_xgb_tunes_on_training_data_only(citeseer):
    from predictors.trees import XGB_TUNING_GRID

    tr, y, te, yt = citeseer
    model = get_predictor("xgb", tune=True, cv_folds=2).fit(tr, y)
    assert model.chosen_ in [dict(g) for g in XGB_TUNING_GRID] and len(model.cv_scores_) == len(XGB_TUNING_GRID)
    assert max(model.cv_scores_) > 0.3 and tau(model.predict(te), yt) > 0.4


def test_latency_predictions_land_within_ten_percent(data_dir):
    tr, y, te, yt = slice_of("nasbench-graph/cs", "latency", n_train=500)
    pred = get_predictor("xgb", seed=0).fit(tr, y).predict(te)
    assert np.mean(np.abs(pred - yt) <= 0.1 * yt) > 0.85


def test_additive_model_learns_latency_but_not_accuracy_interactions(citeseer, data_dir):
    tr, y, te, yt = slice_of("nasbench-graph/cora", "latency", n_train=500)
    pred = get_predictor("linear").fit(tr, y).predict(te)
    assert np.mean(np.abs(pred - yt) <= 0.1 * yt) > 0.75
    tr, y, te, yt = citeseer  # accuracy is far from additive in the ops: it ranks, but weakly
    linear = tau(get_predictor("linear").fit(tr, y).predict(te), yt)
    assert 0.1 < linear < tau(get_predictor("xgb").fit(tr, y).predict(te), yt)


@pytest.mark.parametrize("name", ["gcn", "gin", "gat", "gp", "xgb"])
def test_graph_and_feature_predictors_work_on_nb201(name, nb201):
    tr, y, te, yt = nb201
    pred = get_predictor(name, seed=0, **FAST.get(name, {})).fit(tr, y).predict(te)
    assert tau(pred, yt) > 0.35, name


@pytest.mark.parametrize("name", ["bananas", "gp"])
def test_predict_with_std(name, citeseer):
    tr, y, te, _ = citeseer
    model = get_predictor(name, seed=0, **FAST.get(name, {})).fit(tr, y)
    mean, std = model.predict_with_std(te)
    assert mean.shape == std.shape == (len(te),)
    assert np.allclose(mean, model.predict(te)) and (std >= 0).all() and std.max() > 0


def test_rank_target_transform_is_monotone_and_invertible():
    y = np.array([0.5, 0.1, 0.1, 0.9, 0.7, 0.3])
    t = TargetTransform("rank").fit(y)
    assert np.allclose(t.inverse(t.train_z), y)
    assert t.train_z[1] == t.train_z[2] == pytest.approx(ndtri((1.5 - 0.5) / 6))  # ties share the average rank
    assert t.train_z[3] == pytest.approx(ndtri(5.5 / 6))
    z = np.linspace(-5, 5, 101)  # beyond the training range: strictly increasing, no ties, bounded
    assert (np.diff(t.inverse(z)) > 0).all() and 0.1 - 0.2 < t.inverse(z).min() and t.inverse(z).max() < 0.9 + 0.2
    assert (np.diff(t.transform(np.linspace(-1, 2, 50))) > 0).all()
    with pytest.raises(ValueError, match="positive"):
        TargetTransform("log").fit(np.array([1.0, -1.0]))


def test_dag_features_of_a_hand_made_graph():
    # input(0) -> a(1) -> b(2) -> output(4); input -> a(3) -> output; types: 0 input, 1 output, 2 a, 3 b
    adj = np.zeros((1, 5, 5))
    for u, w in [(0, 1), (1, 2), (2, 4), (0, 3), (3, 4)]:
        adj[0, u, w] = 1
    f = dag_features(adj, np.array([[0, 2, 3, 2, 1]]), n_types=4)[0]
    count, presence, after_input, before_output = f[0:4], f[4:8], f[8:12], f[12:16]
    assert count.tolist() == [1, 1, 2, 1] and presence.tolist() == [1, 1, 1, 1]
    assert after_input.tolist() == [0, 0, 2, 0] and before_output.tolist() == [0, 0, 1, 1]
    edge_types = f[16:32].reshape(4, 4)
    assert edge_types[0, 2] == 2 and edge_types[2, 3] == 1 and edge_types[3, 1] == 1 and edge_types[2, 1] == 1
    most, least, total = f[-18:-14], f[-14:-10], f[-10:-6]
    assert most.tolist() == [1, 1, 1, 1] and least.tolist() == [1, 1, 1, 0] and total.tolist() == [2, 2, 2, 1]
    assert f[-6:].tolist() == [2, 3, 2, 2, 2, 5]  # paths, longest/shortest (edges), read input, feed output, nodes


def test_dag_features_count_groups_of_node_types_as_channels():
    """A group of types is one more channel: same counts and path extremes, plus the mean per path;
    the per-type features are unchanged by it."""
    adj = np.zeros((1, 5, 5))
    for u, w in [(0, 1), (1, 2), (2, 4), (0, 3), (3, 4)]:
        adj[0, u, w] = 1
    ops = np.array([[0, 2, 3, 2, 1]])
    plain = dag_features(adj, ops, n_types=4)[0]
    groups = np.array([[0], [0], [1], [1]])  # a and b together
    f = dag_features(adj, ops, n_types=4, groups=groups)[0]
    assert f[-1] == 1.5  # 2 and 1 group nodes on the two input->output paths
    most, least, total = f[-22:-17], f[-17:-12], f[-12:-7]
    assert (most[4], least[4], total[4]) == (2, 1, 3)
    assert f[4] == 3 and f[9] == 1  # count and presence of the group
    group_columns = [4, 9, 14, 19, 36 + 20 + 4, 36 + 25 + 4, 36 + 30 + 4, len(f) - 1]  # 20 + 16 edge + 20 depth
    assert np.array_equal(np.delete(f, group_columns), plain)


def test_message_passing_depth_features_match_the_nasbench_graph_codes(citeseer):
    """On real NAS-Bench-Graph architectures the group channel's path maximum / minimum is the number
    of message-passing layers on the deepest / shallowest branch, computed here from the link and op
    rows directly (every computing node reads exactly one earlier node)."""
    from bench.spaces.nasbench_graph import GNN_OPS, MESSAGE_PASSING_OPS
    from predictors.features import graph_features

    tr = citeseer[0]
    codes = np.asarray(tr.codes)
    link, ops = codes[:, :4], codes[:, 4:]
    mp = np.isin(np.array(GNN_OPS), MESSAGE_PASSING_OPS)[ops]
    depth = np.zeros((len(codes), 5))
    for i in range(4):
        depth[:, i + 1] = depth[np.arange(len(codes)), link[:, i]] + mp[:, i]
    leaf = np.ones((len(codes), 5), dtype=bool)
    leaf[:, 0] = False
    for i in range(4):
        leaf[np.arange(len(codes)), link[:, i]] = False
    f = graph_features(tr)
    n_channels = len(tr.space.node_types) + 1
    most = f[:, -3 * n_channels - 7 : -2 * n_channels - 7][:, -1]
    least = f[:, -2 * n_channels - 7 : -n_channels - 7][:, -1]
    assert np.array_equal(most, np.where(leaf, depth, -1).max(axis=1))
    assert np.array_equal(least, np.where(leaf, depth, 99).min(axis=1))
    assert len(set(most.tolist())) >= 4  # real variety: 0 (fc/skip only) to 4 message-passing layers


def test_graph_features_ignore_nb201_ops_that_carry_no_signal():
    from bench.spaces import get_space
    from predictors.features import graph_features

    space = get_space("nb201")
    cells = ["|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|nor_conv_1x1~2|",  # one chain
             "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|",  # cut off: the conv is dead
             "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|nor_conv_3x3~0|nor_conv_3x3~1|nor_conv_3x3~2|"]
    codes = np.stack([space.parse(c) for c in cells])
    f = graph_features(ArchBatch(space, codes, np.arange(3)))
    paths, longest, nodes = f[:, -7], f[:, -6], f[:, -2]  # the scalars, then the mean convs per path
    assert paths.tolist() == [1, 0, 4] and nodes.tolist() == [5, 0, 8]
    assert f[:, -1].tolist() == [2, 0, 2]  # convs per live path: 2; none; (1 + 2 + 2 + 3) / 4
    assert longest[0] == 4 and longest[2] == 4  # input -> 3 op nodes -> output
    conv3 = space.node_types.index("nor_conv_3x3")
    assert f[0, conv3] == 1 and f[1, conv3] == 0 and f[2, conv3] == 6  # count block: only live nodes


def test_feature_matrix_is_consistent_between_batches(citeseer):
    tr, _, te, _ = citeseer
    a = feature_matrix(tr, "onehot+graf+extra")
    b = feature_matrix(te.subset(np.arange(10)), "onehot+graf+extra")
    assert a.shape[1] == b.shape[1] and a.dtype == np.float32
    with pytest.raises(ValueError, match="bad feature spec"):
        feature_matrix(tr, "onehot+nonsense")


def test_plugin_predictor_from_a_file(tmp_path, citeseer):
    path = tmp_path / "my_pred.py"
    path.write_text(
        "import numpy as np\n"
        "class Ridge:\n"
        "    encoding = 'onehot'\n"
        "    def __init__(self, seed=0, alpha=1.0):\n"
        "        self.seed, self.alpha = seed, alpha\n"
        "    def fit(self, archs, y):\n"
        "        x = archs.encode('onehot')\n"
        "        self.w = np.linalg.solve(x.T @ x + self.alpha * np.eye(x.shape[1]), x.T @ (y - y.mean()))\n"
        "        self.b = y.mean()\n"
        "        return self\n"
        "    def predict(self, archs):\n"
        "        return archs.encode('onehot') @ self.w + self.b\n"
    )
    tr, y, te, yt = citeseer
    ridge = tau(get_predictor(f"{path}:Ridge", alpha=2.0).fit(tr, y).predict(te), yt)
    assert ridge > 0.15
    ensemble = get_predictor("ensemble", members=("xgb", f"{path}:Ridge"), member_params={"xgb": {"n_estimators": 50}})
    assert tau(ensemble.fit(tr, y).predict(te), yt) > ridge
    with pytest.raises(UsageError, match="has no class 'Nope'"):
        get_predictor(f"{path}:Nope")
    with pytest.raises(UsageError, match="does not exist"):
        get_predictor(f"{tmp_path / 'missing.py'}:Ridge")
    with pytest.raises(UsageError, match="did you mean 'xgb'"):
        get_predictor("xgbb")


@pytest.mark.parametrize("space_name", ["nasbench-graph", "nb201", "sequence", "graph"])
def test_gnn_graphs_are_the_graph_encoding_where_no_op_is_inert(space_name):
    """The GNNs collate the ``adjacency`` DAGs in one pass; without inert ops that is exactly the
    PyG batch of the space's ``graph`` encoding (same nodes, types and edges)."""
    from torch_geometric.data import Batch
    from torch_geometric.utils import to_undirected

    from bench.spaces import get_space
    from bench.spaces.graph import GraphSpace
    from bench.spaces.sequence import SequenceSpace
    from predictors.gnn import GraphTensors

    space = {"sequence": lambda: SequenceSpace([["a", "b", "c"], ["x", "y"], ["a", "z", "q"]]),
             "graph": lambda: GraphSpace(["conv3x3", "conv1x1", "maxpool"], max_nodes=7, max_edges=9),
             }.get(space_name, lambda: get_space(space_name))()
    codes = space.sample(200, np.random.default_rng(1))
    if space_name == "nb201":  # cells without none: nothing to prune
        codes = codes[(codes != space.node_types.index("none") - 2).all(axis=1)]
    archs = ArchBatch(space, codes, np.arange(len(codes)))
    graphs, both_ways = GraphTensors(archs), GraphTensors(archs, both_ways=True)
    batch = Batch.from_data_list(space.encode(codes, "graph"))
    assert graphs.n_graphs == len(codes) > 10
    assert np.array_equal(graphs.x.numpy(), batch.x.numpy())
    assert np.array_equal(graphs.node_graph.numpy(), batch.batch.numpy())
    assert np.array_equal(graphs.edge_index.numpy(), batch.edge_index.numpy())
    undirected = to_undirected(batch.edge_index, num_nodes=len(batch.x))
    assert np.array_equal(both_ways.edge_index.numpy(), undirected.numpy())


def test_gnn_graphs_drop_nb201_ops_that_carry_no_signal():
    from bench.spaces import get_space
    from predictors.gnn import GraphTensors

    space = get_space("nb201")
    cells = ["|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|nor_conv_1x1~2|",  # one chain
             "|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|"]  # cut off: only input and output stay
    codes = np.stack([space.parse(c) for c in cells])
    graphs = GraphTensors(ArchBatch(space, codes, np.arange(2)))
    types = [space.node_types[t] for t in graphs.x.argmax(dim=1).tolist()]
    assert graphs.node_graph.tolist() == [0, 0, 0, 0, 0, 1, 1]
    assert types == ["input", "nor_conv_3x3", "skip_connect", "nor_conv_1x1", "output", "input", "output"]
    # the chain input -> conv3 -> skip -> conv1 -> output; the cut-off cell has no edges
    assert graphs.edge_index.t().tolist() == [[0, 1], [1, 2], [2, 3], [3, 4]]


def test_gin_layers_tell_inputs_from_consumers():
    """A chain and its mirror image (same node types, reversed edges) get different embeddings; with
    undirected edges they would be the same graph."""
    import torch

    from predictors.gnn import directional_gin

    x = torch.eye(3)  # node types a, b, c
    forward = torch.tensor([[0, 1], [1, 2]])  # a -> b -> c
    torch.manual_seed(0)
    stack = directional_gin()(3, 8, 2)
    h_forward, h_mirror = stack(x, forward), stack(x, forward.flip(0))
    assert h_forward.shape == (3, 8) and h_forward.abs().sum() > 0
    assert not torch.allclose(h_forward.sum(0), h_mirror.sum(0))


def test_stacking_weights_solve_nonnegative_least_squares():
    from predictors.ensemble import stacking_weights

    z = np.linspace(-1.5, 1.5, 40)
    noise = np.random.default_rng(0).normal(size=40)
    assert np.allclose(stacking_weights(np.stack([z, noise]), z), [1.0, 0.0])
    assert np.allclose(stacking_weights(np.stack([z, 2 * z]), 3 * z).sum(), 1.0)
    assert np.allclose(stacking_weights(np.stack([-z, -z]), z), [0.5, 0.5])  # nothing helps: equal weights


def test_stack_learns_on_training_data_to_ignore_a_useless_member(citeseer):
    """Out-of-fold predictions show that ``random`` carries no signal: its weight goes to ~0, so the
    stack ranks like XGBoost, while the equal-weight ensemble of the same two members is worse."""
    tr, y, te, yt = citeseer
    members = {"members": ("xgb", "random"), "member_params": {"xgb": {"n_estimators": 150}}}
    stack = get_predictor("stack", seed=0, **members).fit(tr, y)
    assert stack.weights_[1] < 0.1 and stack.out_of_fold_.shape == (2, len(y))
    xgb = tau(get_predictor("xgb", seed=0, n_estimators=150).fit(tr, y).predict(te), yt)
    equal = tau(get_predictor("ensemble", seed=0, **members).fit(tr, y).predict(te), yt)
    assert tau(stack.predict(te), yt) > max(equal + 0.05, xgb - 0.02)
    with pytest.raises(ValueError, match="at least 2 folds"):
        get_predictor("stack", folds=1, **members).fit(tr, y)


def test_random_rankings_are_independent_per_seed_and_training_size(citeseer):
    """Each (seed, size) cell of a board gets its own ranking: a seed's pools of 10 and 20 share none."""
    from scipy.stats import kendalltau

    tr, y, te, _ = citeseer
    small = get_predictor("random", seed=5).fit(tr.subset(np.arange(10)), y[:10]).predict(te)
    large = get_predictor("random", seed=5).fit(tr.subset(np.arange(20)), y[:20]).predict(te)
    other_seed = get_predictor("random", seed=6).fit(tr.subset(np.arange(20)), y[:20]).predict(te)
    assert abs(kendalltau(small, large)[0]) < 0.05 and abs(kendalltau(large, other_seed)[0]) < 0.05
    again = get_predictor("random", seed=5).fit(tr.subset(np.arange(20)), y[:20]).predict(te)
    assert np.array_equal(large, again)
