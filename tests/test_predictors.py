"""Every registered predictor learns on real data, is deterministic, and plugs in like a user's own."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import kendalltau

import bench
from bench.errors import UsageError
from bench.protocol import FrozenSplits
from predictors import REGISTRY, ArchBatch, get_predictor

FAST = {"epochs": 100}  # GNN/MLP epochs for the test slice (defaults train longer)
SMALL = {"gcn": FAST, "gin": FAST, "gat": FAST, "mlp": FAST, "bananas": {"epochs": 60, "n_members": 3},
         "xgb": {"n_estimators": 150}, "rf": {"n_estimators": 100}}


def slice_of(name: str, target: str, n_train: int = 300, n_test: int = 1000):
    bm = bench.load(name)
    splits = FrozenSplits(bm)
    tr, te = splits.train_ids(n_train, 0), splits.test_ids[:n_test]
    extra = [m for m in ("params",) if m in bm.metrics]
    return (ArchBatch.from_benchmark(bm, tr, extra), bm.query(tr, target),
            ArchBatch.from_benchmark(bm, te, extra), bm.query(te, target))


@pytest.fixture(scope="module")
def citeseer(data_dir):
    return slice_of("nasbench-graph/citeseer", "valid_acc")


LEARNERS = ["xgb", "rf", "mlp", "bananas", "gp", "gcn", "gin", "gat"]


def test_registry_lists_every_family():
    assert set(LEARNERS) | {"random", "params", "zero_cost"} <= set(REGISTRY)


@pytest.mark.parametrize("name", LEARNERS)
def test_learners_beat_random_on_real_data(name, citeseer):
    tr, y, te, yt = citeseer
    tau = kendalltau(get_predictor(name, seed=0, **SMALL.get(name, {})).fit(tr, y).predict(te), yt).statistic
    tau_random = kendalltau(get_predictor("random", seed=0).fit(tr, y).predict(te), yt).statistic
    assert abs(tau_random) < 0.1
    assert tau > 0.2 and tau - tau_random > 0.2, f"{name}: tau {tau:.3f} vs random {tau_random:.3f}"


@pytest.mark.parametrize("name", ["xgb", "gin", "bananas"])
def test_deterministic_for_a_seed(name, citeseer):
    tr, y, te, _ = citeseer
    a = get_predictor(name, seed=3, **SMALL.get(name, {})).fit(tr, y).predict(te)
    b = get_predictor(name, seed=3, **SMALL.get(name, {})).fit(tr, y).predict(te)
    assert np.array_equal(a, b)


def test_params_baseline_and_get_params(citeseer):
    tr, y, te, yt = citeseer
    p = get_predictor("params", seed=0)
    assert p.get_params() == {"seed": 0, "feature": "params"}
    assert get_predictor("xgb", seed=1, max_depth=3).get_params()["max_depth"] == 3
    pred = p.fit(tr, y).predict(te)
    assert kendalltau(pred, te.extra["params"]).statistic in (pytest.approx(1.0), pytest.approx(-1.0))


def test_latency_predictions_are_in_seconds_and_close(data_dir):
    tr, y, te, yt = slice_of("nasbench-graph/cora", "latency", n_train=500)
    pred = get_predictor("xgb", seed=0).fit(tr, y).predict(te)
    within = np.mean(np.abs(pred - yt) <= 0.1 * yt)
    assert within > 0.5 and np.median(pred) == pytest.approx(np.median(yt), rel=0.2)


def test_gnns_and_gp_work_on_nb201(data_dir):
    tr, y, te, yt = slice_of("nb201-analog/cifar10", "digital_acc", n_train=200, n_test=500)
    for name in ("gin", "gp"):
        pred = get_predictor(name, seed=0, **SMALL.get(name, {})).fit(tr, y).predict(te)
        assert kendalltau(pred, yt).statistic > 0.3, name


def test_zero_cost_needs_proxies(citeseer):
    tr, y, _, _ = citeseer
    with pytest.raises(ValueError, match="zero-cost"):
        get_predictor("zero_cost").fit(tr, y)


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
    pred = get_predictor(f"{path}:Ridge", alpha=2.0).fit(tr, y).predict(te)
    assert kendalltau(pred, yt).statistic > 0.15
    with pytest.raises(UsageError, match="has no class 'Nope'"):
        get_predictor(f"{path}:Nope")
    with pytest.raises(UsageError, match="does not exist"):
        get_predictor(f"{tmp_path / 'missing.py'}:Ridge")
    with pytest.raises(UsageError, match="did you mean 'xgb'"):
        get_predictor("xgbb")
