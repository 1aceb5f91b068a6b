"""Predictors are scikit-learn estimators: parameters, clone, cross-validation and grid search on an
ArchBatch of a real benchmark; becoming estimators changed neither their predictions nor the config
hashes of the committed leaderboards."""

from __future__ import annotations

import glob
import io
import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score

import bench
from bench.data import ArchBatch
from bench.errors import UsageError
from bench.evaluation import PredictorConfig, plan_units
from bench.metrics import sklearn_scorer
from bench.predictor_registry import PREDICTORS, encodings_of, get_predictor

ROOT = Path(__file__).resolve().parents[1]
#: the last commit before predictors became scikit-learn estimators (what the boards were run with)
REFERENCE_COMMIT = "c17cf39ecf27f80ed56490f7e1cc1287ee17b29c"

#: fits on a 60-architecture slice of NAS-Bench-Graph cora, written for the old and the new API alike
PREDICTIONS_SCRIPT = """
import sys
import numpy as np
import bench
from bench.protocol import FrozenSplits
from predictors import ArchBatch, get_predictor

CONFIGS = {
    "xgb": {"n_estimators": 40}, "linear": {}, "mlp": {"epochs": 12}, "gin": {"epochs": 6},
    "ensemble": {"members": ("linear", "xgb"), "member_params": {"xgb": {"n_estimators": 20}}},
    "stack": {"members": ("linear", "xgb"), "member_params": {"xgb": {"n_estimators": 20}}},
}
bm = bench.load("nasbench-graph/cora")
splits = FrozenSplits(bm)
train, test = splits.train_ids(60, 0), splits.test_ids[:150]
out = {}
for name, params in CONFIGS.items():
    model = get_predictor(name, seed=1, **params).fit(ArchBatch.from_benchmark(bm, train), bm.query(train, "valid_acc"))
    out[name] = model.predict(ArchBatch.from_benchmark(bm, test))
"""


def _leaderboard_configs() -> pd.DataFrame:
    frames = [pd.read_csv(f) for f in glob.glob(str(ROOT / "leaderboards" / "**" / "*.csv"), recursive=True)]
    rows = pd.concat([f[["predictor", "config_hash", "params"]] for f in frames if {"predictor", "params"} <= set(f)])
    return rows.drop_duplicates(["predictor", "config_hash"])


def test_committed_leaderboard_config_hashes_are_unchanged():
    configs = _leaderboard_configs()
    assert len(configs) >= 15 and set(configs.predictor) >= {"xgb", "gin", "ensemble", "stack", "linear"}
    for row in configs.itertuples():
        resolved = PredictorConfig.resolve(row.predictor, json.loads(row.params))
        assert resolved.config_hash == row.config_hash, (row.predictor, row.params)


def _reference_code(tmp_path: Path) -> Path:
    """The reference commit's ``bench`` and ``predictors`` (skip where the history is not there)."""
    try:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", REFERENCE_COMMIT, "bench", "predictors"],
                                 capture_output=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        pytest.skip(f"no git history with {REFERENCE_COMMIT[:12]} (a shallow or exported checkout)")
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tmp_path / "reference", filter="data")
    return tmp_path / "reference"


def test_predictions_equal_those_of_the_code_before_the_estimator_api(data_dir, tmp_path):
    bench.load("nasbench-graph/cora")  # built once here, not in the subprocess
    reference = _reference_code(tmp_path)
    save = "\nnp.savez(sys.argv[1], **out)\n"
    subprocess.run([sys.executable, "-c", PREDICTIONS_SCRIPT + save, str(tmp_path / "old.npz")], check=True,
                   timeout=600, env={**os.environ, "PYTHONPATH": str(reference)}, cwd=tmp_path)
    old = np.load(tmp_path / "old.npz")
    here: dict = {}
    exec(PREDICTIONS_SCRIPT, here)  # noqa: S102 - the same script with this checkout's code
    new = here["out"]
    assert sorted(old.files) == sorted(new) == ["ensemble", "gin", "linear", "mlp", "stack", "xgb"]
    for name in old.files:
        assert np.array_equal(old[name], new[name]), name
        assert np.std(new[name]) > 0, name  # a real prediction, not a constant


@pytest.mark.parametrize("name", sorted(PREDICTORS))
def test_every_predictor_clones_and_sets_parameters(name):
    model = get_predictor(name, seed=4)
    params = model.get_params(deep=False)
    twin = clone(model)
    assert twin is not model and twin.get_params(deep=False) == params and params["seed"] == 4
    assert twin.set_params(seed=9) is twin and twin.seed == 9 and model.seed == 4
    with pytest.raises(ValueError, match="Invalid parameter"):
        model.set_params(no_such_parameter=1)


def test_ensemble_members_are_nested_parameters():
    model = get_predictor("ensemble", members=("linear", "xgb"))
    deep = model.get_params()
    assert deep["xgb__max_depth"] == 5 and deep["linear__target"] == "standard" and "xgb__seed" not in deep
    model.set_params(xgb__max_depth=3, linear__target="rank")
    assert model.member_params == {"xgb": {"max_depth": 3}, "linear": {"target": "rank"}}
    assert clone(model).get_params()["xgb__max_depth"] == 3
    with pytest.raises(TypeError):
        model.set_params(xgb__no_such_parameter=1)
    # an estimator as a member: its parameters are nested too, and set_params reaches it
    held = model.set_params(xgb=get_predictor("xgb", n_estimators=20))
    assert held.get_params()["xgb__n_estimators"] == 20
    held.set_params(xgb__n_estimators=30)
    assert held.members[1][1].n_estimators == 30 and held.get_params()["xgb__n_estimators"] == 30


def test_encodings_follow_each_instances_parameters():
    assert encodings_of(get_predictor("xgb")) == ("onehot", "adjacency")
    assert encodings_of(get_predictor("xgb", features="path")) == ("path",)
    assert encodings_of(get_predictor("gin")) == ("adjacency",)
    assert encodings_of(get_predictor("ensemble", members=("linear", "bananas"))) == ("onehot", "path")
    assert encodings_of(get_predictor("random")) == ()


def test_the_harness_refuses_a_configuration_its_benchmark_cannot_feed(data_dir):
    bm = bench.load("nb201-analog/cifar10")  # built from its PyPI package, so no ../shared needed
    assert not [m for m in bm.metrics if m in ("params", "flops") or m.startswith("zc_")]
    # the class reads one-hot, but this configuration also reads side features nb201 does not have
    side = PredictorConfig.resolve("xgb", {"features": "onehot+extra"})
    with pytest.raises(UsageError, match="side features"):
        plan_units(["nb201-analog/cifar10"], ["digital_acc"], [side], train_sizes=[10], seeds=1)
    with pytest.raises(UsageError, match="bad feature spec"):
        plan_units(["nb201-analog/cifar10"], ["digital_acc"], [PredictorConfig.resolve("mlp", {"features": "oneht"})],
                   train_sizes=[10], seeds=1)


@pytest.fixture(scope="module")
def cora_slice(data_dir) -> tuple[ArchBatch, np.ndarray]:
    bm = bench.load("nasbench-graph/cora")
    ids = bm.sample(90, seed=0)
    return ArchBatch.from_benchmark(bm, ids), bm.query(ids, "valid_acc")


def test_cross_val_score_on_an_arch_batch(cora_slice):
    archs, y = cora_slice
    folds = KFold(3, shuffle=True, random_state=0)
    taus = cross_val_score(get_predictor("xgb", n_estimators=40), archs, y, cv=folds, scoring=sklearn_scorer())
    assert taus.shape == (3,) and np.all(taus > 0.1)  # xgb ranks cora's architectures from 60 of them
    r2 = cross_val_score(get_predictor("linear"), archs, y, cv=folds)  # the default score: R^2
    assert np.isfinite(r2).all() and not np.allclose(r2, taus)
    assert archs[np.array([3, 1])].ids.tolist() == archs.ids[[3, 1]].tolist()
    assert len(archs[archs.ids % 2 == 0]) == int((archs.ids % 2 == 0).sum())
    with pytest.raises(TypeError):
        archs[1.5]


def test_grid_search_tunes_a_member_of_an_ensemble(cora_slice):
    archs, y = cora_slice
    model = get_predictor("ensemble", members=("linear", "xgb"), member_params={"xgb": {"n_estimators": 20}})
    search = GridSearchCV(model, {"xgb__max_depth": [1, 4]}, cv=KFold(2, shuffle=True, random_state=0),
                          scoring=sklearn_scorer()).fit(archs, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.isfinite(scores).all() and scores[0] != scores[1]
    best = search.best_estimator_
    assert best.member_params["xgb"] == {"n_estimators": 20, "max_depth": search.best_params_["xgb__max_depth"]}
    assert best.predict(archs).shape == y.shape
    assert model.member_params == {"xgb": {"n_estimators": 20}}  # the search cloned, it did not change the template
