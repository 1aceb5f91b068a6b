"""Transfer track: only the k target labels reach a predictor, HELP's exact sampler, frozen draws,
baselines against hand-computed values, and a plug-in predictor through the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bench
from bench.importers.help_latency import read_pt
from bench.metrics import kendall_tau
from bench.transfer.protocol import HELP_REFERENCE, KS, draws, help_pool_and_query, help_positions, task_hash
from bench.transfer.run import fit_predict
from bench.transfer.tasks import load, load_task, nb201_flops
from predictors import get_predictor
from predictors.base import ArchBatch
from predictors.transfer import (
    AdditivePredictor,
    AutoTransferPredictor,
    BestSourcePredictor,
    BlendPredictor,
    PairBlendPredictor,
    PairSmoothedSourcePredictor,
    RobustAdditivePredictor,
    SmoothedSourcePredictor,
    SourceTables,
    op_counts,
    position_pairs,
    smoothed_sources,
)


@pytest.fixture(scope="module")
def tables(nb201_tables) -> Path:
    """A data directory with the HELP, 12-epoch and 200-epoch NB201 tables."""
    load.cache_clear()
    return nb201_tables


class Recorder:
    """A transfer predictor that records everything it is handed."""

    name = "recorder"

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed

    def fit(self, archs: ArchBatch, y: np.ndarray, sources: SourceTables | None = None) -> Recorder:
        self.fit_ids, self.fit_y, self.fit_extra = archs.ids.copy(), y, dict(archs.extra)
        self.sources = sources
        return self

    def predict(self, archs: ArchBatch) -> np.ndarray:
        self.predict_ids, self.predict_extra = archs.ids.copy(), dict(archs.extra)
        return np.zeros(len(archs))


@pytest.mark.parametrize("board,target,protocol,k", [("help-nb201", "pixel2", "help", 20),
                                                     ("help-nb201", "pixel2", "archbench", 5),
                                                     ("nb201-cross-fidelity", "cifar10-valid", "archbench", 10)])
def test_only_the_k_target_labels_reach_the_predictor(tables, board, target, protocol, k):
    data = load_task(board, target)
    (draw,) = draws(data, protocol, k, [3])
    rec = Recorder()
    fit_predict(data, draw, rec)
    assert np.array_equal(rec.fit_ids, draw.train_ids) and len(rec.fit_ids) == k
    truth = bench.load(data.task.target_benchmark).query(draw.train_ids, data.task.target_metric)
    assert np.array_equal(rec.fit_y, truth)
    with pytest.raises(ValueError):  # read-only: a predictor cannot write labels back
        rec.fit_y[0] = 0.0
    assert np.array_equal(rec.predict_ids, draw.query_ids)
    assert not set(draw.train_ids) & set(draw.query_ids)
    # side features are FLOPs only; the target never appears among them or among the sources
    assert set(rec.fit_extra) <= {"flops", "params"} and set(rec.predict_extra) <= {"flops", "params"}
    target_column = f"{data.task.target_benchmark}:{data.task.target_metric}"
    assert target_column not in rec.sources.names
    full_target = bench.load(data.task.target_benchmark).query(rec.sources.ids, data.task.target_metric)
    for j in range(len(rec.sources.names)):
        assert not np.allclose(rec.sources.values[:, j], full_target)


def test_archbench_draws_are_nested_and_the_query_set_excludes_every_draw(tables):
    data = load_task("help-nb201", "raspi4")
    by_k = {k: draws(data, "archbench", k, [0, 1]) for k in KS}
    for s in (0, 1):
        for small, big in zip(KS, KS[1:], strict=False):
            assert np.array_equal(by_k[small][s].train_ids, by_k[big][s].train_ids[:small])
        query = by_k[5][s].query_ids
        assert all(np.array_equal(query, by_k[k][s].query_ids) for k in KS)
        assert len(query) == len(data.pool) - max(KS) and not set(query) & set(by_k[100][s].train_ids)
    assert by_k[5][0].hash != by_k[5][1].hash
    assert by_k[5][0].hash == draws(data, "archbench", 5, [0])[0].hash  # frozen: a redraw is identical


def test_help_sampler_reproduces_helps_pool_trimming_and_references(tables, shared_data):
    raw = shared_data / "help_latency" / "raw"
    for board, folder, n_pool in (("help-nb201", "nasbench201", 900), ("help-fbnet", "fbnet", 4000)):
        assert list(HELP_REFERENCE[board]) == read_pt(raw / folder / "hardware_embedding_index.pt")
        data = load_task(board, "fpga")
        lat = np.asarray(read_pt(raw / folder / "latency" / "fpga.pt"), dtype=np.float32)
        pos = help_positions(data)
        assert np.allclose(data.labels_of(pos), lat, rtol=1e-6)  # position p holds HELP's architecture p
        # HELP loader.py: idx[np.argsort(lat[idx])[int(n*0.1):int(n*0.9)]] for the pool and the next 1,000
        train_idx, valid_idx = np.arange(n_pool), np.arange(n_pool, n_pool + 1000)
        want_pool = train_idx[np.argsort(lat[train_idx], kind="stable")[int(n_pool * 0.1):int(n_pool * 0.9)]]
        want_query = valid_idx[np.argsort(lat[valid_idx], kind="stable")[100:900]]
        pool, query = help_pool_and_query(data)
        assert np.array_equal(pool, pos[want_pool]) and np.array_equal(query, pos[want_query])
        (draw,) = draws(data, "help", 20, [0])
        assert np.array_equal(draw.train_ids[:10], pos[list(HELP_REFERENCE[board])])
        assert set(draw.train_ids[10:]) <= set(pool) and len(set(draw.train_ids)) == 20
        assert np.array_equal(draw.query_ids, np.sort(query))


def test_task_hashes_are_frozen(tables):
    """The sha256 over every draw, as published in datasets/PROTOCOL.md (transfer track)."""
    protocol_md = (Path(__file__).resolve().parents[1] / "datasets" / "PROTOCOL.md").read_text()
    for board, target, protocol in (("help-nb201", "titan_rtx_256", "help"), ("help-fbnet", "eyeriss", "archbench"),
                                    ("nb201-cross-fidelity", "cifar10-valid", "archbench")):
        digest = task_hash(load_task(board, target), protocol)
        assert f"| {board}/{target} | {protocol} | {digest} |" in protocol_md


def _toy_batch(n: int = 12) -> ArchBatch:
    space = bench.load("nb201-latency/help").space
    codes = space.from_ids(np.arange(0, 15625, 15625 // n)[:n])
    return ArchBatch(space, codes, space.to_ids(codes))


def test_additive_recovers_hand_made_operation_costs(tables):
    archs = _toy_batch(40)
    cost = np.array([0.0, 0.5, 2.0, 7.0, 1.5])  # none, skip, conv1x1, conv3x3, avgpool
    counts = np.stack([np.bincount(c, minlength=5) for c in archs.codes])
    assert np.array_equal(op_counts(archs), counts)
    y = 3.0 + counts @ cost
    pred = AdditivePredictor().fit(archs, y).predict(archs)
    assert np.allclose(pred, y, atol=0.05)


def test_additive_huber_ignores_a_few_corrupted_labels_that_tilt_least_squares(tables):
    archs = _toy_batch(40)
    cost = np.array([0.0, 0.5, 2.0, 7.0, 1.5])
    clean = 3.0 + op_counts(archs) @ cost
    y = clean.copy()
    y[[3, 17, 29]] += 60.0  # three wild timings among 40
    robust = RobustAdditivePredictor().fit(archs, y).predict(archs)
    ols = AdditivePredictor().fit(archs, y).predict(archs)
    good = np.setdiff1d(np.arange(40), [3, 17, 29])
    assert np.abs(robust[good] - clean[good]).max() < 0.1
    assert np.abs(ols[good] - clean[good]).max() > 1.0
    model = RobustAdditivePredictor().fit(archs, y)
    assert model.loo_mse() > 0 and np.isfinite(model.loo_mse())


def _toy_sources(archs: ArchBatch, columns: np.ndarray) -> SourceTables:
    order = np.argsort(archs.ids)
    return SourceTables(tuple(f"s{j}" for j in range(columns.shape[1])), archs.ids[order], columns[order],
                        archs=ArchBatch(archs.space, archs.codes[order], archs.ids[order]))


def test_smoothed_sources_keep_the_additive_part_and_drop_the_noise(tables):
    archs = _toy_batch(200)
    rng = np.random.default_rng(1)
    onehot = np.asarray(archs.encode("onehot"), dtype=np.float64)
    additive = onehot @ rng.uniform(0, 5, onehot.shape[1])
    sources = _toy_sources(archs, np.column_stack([additive + rng.normal(0, 2.0, 200), additive * 3 + 1]))
    smooth = smoothed_sources(sources)
    truth = (additive - additive.mean()) / additive.std()
    rows = sources._rows(archs.ids)
    noisy = sources.standardized(archs.ids)[:, 0]
    assert np.abs(smooth[rows, 0] - truth).mean() < 0.5 * np.abs(noisy - truth).mean()
    assert np.allclose(smooth[rows, 1], truth, atol=1e-3)  # an exactly additive source is kept as is
    # a target that is an affine map of the additive source is predicted on the target's scale
    target = 10.0 + 0.5 * additive
    pred = SmoothedSourcePredictor().fit(archs[:30], target[:30], sources=sources).predict(archs)
    assert np.corrcoef(pred, target)[0, 1] > 0.99 and np.abs(pred - target).mean() < 0.1 * target.std()


def test_order_two_smoothing_keeps_what_two_positions_cost_together(tables):
    archs = _toy_batch(600)
    codes = np.asarray(archs.codes).astype(np.int64)
    onehot = np.asarray(archs.encode("onehot"), dtype=np.float64)
    pairs = position_pairs(onehot.reshape(len(archs), codes.shape[1], -1))
    n_ops = onehot.shape[1] // codes.shape[1]
    assert pairs.shape[1] == onehot.shape[1] + codes.shape[1] * (codes.shape[1] - 1) // 2 * n_ops**2
    # the column of (position 0 holds op a, position 1 holds op b) is one exactly where that is so
    a, b = 3, 2
    both = (codes[:, 0] == a) & (codes[:, 1] == b)
    assert np.array_equal(pairs[:, onehot.shape[1] + a * n_ops + b], both)
    # a source whose cost has an interaction (op 3 at edge 0 costs more when edge 1 is op 2) plus noise
    rng = np.random.default_rng(2)
    additive = onehot @ rng.uniform(0, 5, onehot.shape[1])
    truth = additive + 6.0 * both
    sources = _toy_sources(archs, np.column_stack([truth + rng.normal(0, 1.0, len(archs))]))
    rows = sources._rows(archs.ids)
    target = (truth - truth.mean()) / truth.std()
    first, second = smoothed_sources(sources, 1)[rows, 0], smoothed_sources(sources, 2)[rows, 0]
    assert np.abs(second - target)[both].mean() < 0.5 * np.abs(first - target)[both].mean()
    assert np.abs(second - target).mean() < 0.8 * np.abs(first - target).mean()
    assert np.abs(second - target).mean() < np.abs(sources.standardized(archs.ids)[:, 0] - target).mean()
    with pytest.raises(Exception, match="smoothing order"):
        smoothed_sources(sources, 3)
    nbg = bench.load("nasbench-graph/cora")  # 8 positions with different choices: no pairs table
    graph = ArchBatch(nbg.space, nbg.codes[:50], nbg.ids[:50])
    with pytest.raises(Exception, match="one op list"):
        smoothed_sources(_toy_sources(graph, np.arange(50.0)[:, None]), 2)
    # the predictor reads the order-2 table, and blend_pair is the mean of its two members
    pred = PairSmoothedSourcePredictor().fit(archs[:40], 2.0 + truth[:40], sources=sources).predict(archs)
    assert np.corrcoef(pred, truth)[0, 1] > np.corrcoef(
        SmoothedSourcePredictor().fit(archs[:40], 2.0 + truth[:40], sources=sources).predict(archs), truth)[0, 1]
    members = [RobustAdditivePredictor().fit(archs[:40], truth[:40]).predict(archs), PairSmoothedSourcePredictor()
               .fit(archs[:40], truth[:40], sources=sources).predict(archs)]
    blend = PairBlendPredictor().fit(archs[:40], truth[:40], sources=sources).predict(archs)
    assert np.allclose(blend, np.mean(members, axis=0))


def test_blend_is_the_mean_of_its_members(tables):
    data = load_task("help-nb201", "raspi4")
    (draw,) = draws(data, "help", 20, [0])
    archs, y, query = data.batch(draw.train_ids), data.labels_of(draw.train_ids), data.batch(draw.query_ids)
    blend = BlendPredictor().fit(archs, y, sources=data.sources).predict(query)
    members = [RobustAdditivePredictor().fit(archs, y).predict(query),
               SmoothedSourcePredictor().fit(archs, y, sources=data.sources).predict(query)]
    assert np.allclose(blend, np.mean(members, axis=0))
    assert not np.allclose(members[0], members[1])
    # its leave-one-out error (so `auto` can weigh it) is at most its members' mean one: per held-out
    # architecture, the squared error of a mean is at most the mean of the squared errors (Jensen)
    fitted = BlendPredictor().fit(archs, y, sources=data.sources)
    own = [m.loo_mse() for m in fitted.models_]
    assert 0 < fitted.loo_mse() <= np.mean(own) * (1 + 1e-9) and fitted.loo_mse() < max(own)
    # members are found like any transfer predictor: an ordinary predictor (no sources) blends too
    mixed = BlendPredictor(members=("additive_huber", "linear")).fit(archs, y, sources=data.sources).predict(query)
    linear = get_predictor("linear").fit(archs, y).predict(query)
    assert np.allclose(mixed, (members[0] + linear) / 2)


def test_best_source_picks_the_monotone_table_and_fits_its_line(tables):
    archs = _toy_batch(8)
    rng = np.random.default_rng(0)
    y = rng.normal(size=8)
    values = np.column_stack([rng.normal(size=8), 2.0 * y + 1.0, rng.normal(size=8)])
    order = np.argsort(archs.ids)
    sources = SourceTables(("a", "b", "c"), archs.ids[order], values[order])
    model = BestSourcePredictor().fit(archs, y, sources=sources)
    assert model.source_ == "b"
    assert np.allclose(model.coef_, [0.5, -0.5])  # y = (s - 1) / 2, by hand
    assert np.allclose(model.predict(archs), y)


def test_nb201_flops_by_hand():
    ops = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3")
    codes = np.array([[3] * 6, [2, 0, 0, 0, 0, 0], [1] * 6])
    assert np.array_equal(nb201_flops(codes, ops), [6 * 9 * 15 * 262_144, 15 * 262_144, 0])


def test_auto_chooses_by_leave_one_out_on_the_k_samples_only(tables):
    data = load_task("help-nb201", "titan_rtx_256")
    (draw,) = draws(data, "archbench", 20, [0])
    auto = AutoTransferPredictor().fit(data.batch(draw.train_ids), data.labels_of(draw.train_ids), sources=data.sources)
    assert auto.chosen_ == min(auto.loo_by_candidate_, key=auto.loo_by_candidate_.get)
    # the same choice from the k labels alone: refitting each candidate reproduces its LOO error
    again = AdditivePredictor().fit(data.batch(draw.train_ids), data.labels_of(draw.train_ids))
    assert again.loo_mse() == pytest.approx(auto.loo_by_candidate_["additive"])


PLUGIN = '''
import numpy as np
from predictors.base import Predictor

class MeanOfK(Predictor):
    """An ordinary (source-blind) plug-in: the mean of the k labels plus a FLOPs tie-break."""
    name = "mean_of_k"
    def fit(self, archs, y):
        self.mean_ = float(np.mean(y))
        return self
    def predict(self, archs):
        return self.mean_ + 1e-12 * archs.extra["flops"]
'''


def _cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "ARCHBENCH_DATA": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "bench.cli", *args], capture_output=True, text=True, env=env,
                          timeout=600)


def test_plugin_predictor_runs_through_the_cli_and_resumes(tables, tmp_path):
    plugin = tmp_path / "mine.py"
    plugin.write_text(PLUGIN)
    args = ("transfer", "run", "--board", "nb201-cross-fidelity", "--predictors", f"{plugin}:MeanOfK,additive",
            "--ks", "5", "--seeds", "2", "--no-ceiling", "--results-dir", str(tmp_path / "res"), "--quiet")
    first = _cli(*args, data_dir=tables)
    assert first.returncode == 0, first.stderr
    assert "0 already there, 4 run" in first.stdout
    assert "4 already there, 0 run" in _cli(*args, data_dir=tables).stdout
    built = _cli("transfer", "build", "--results-dir", str(tmp_path / "res"), "--out", str(tmp_path / "lb"),
                 data_dir=tables)
    assert built.returncode == 0, built.stderr
    df = pd.read_csv(tmp_path / "lb" / "nb201-cross-fidelity" / "summary.csv")
    assert {"protocol", "predictor", "k", "device", "spearman_mean", "spearman_ci95"} <= set(df.columns)
    mine = df[(df.predictor.str.endswith("MeanOfK")) & (df.device == "mean")]
    assert len(mine) == 1 and mine.n_seeds.iloc[0] == 2
    assert mine.kendall_mean.iloc[0] > 0.3  # FLOPs ranks 200-epoch accuracy far above chance
    folder = tmp_path / "lb" / "nb201-cross-fidelity"
    for ext in ("md", "png"):
        assert (folder / f"summary.{ext}").stat().st_size > 0
    # --protocol rebuilds that protocol's rows and keeps the board's other rows as they stand
    other = mine.assign(protocol="help", predictor="kept-from-before")
    pd.concat([df, other]).to_csv(folder / "summary.csv", index=False)
    again = _cli("transfer", "build", "--results-dir", str(tmp_path / "res"), "--out", str(tmp_path / "lb"),
                 "--protocol", "archbench", data_dir=tables)
    assert again.returncode == 0, again.stderr
    merged = pd.read_csv(folder / "summary.csv")
    assert merged[merged.protocol == "help"].predictor.tolist() == ["kept-from-before"]
    pd.testing.assert_frame_equal(merged[merged.protocol == "archbench"].reset_index(drop=True), df)
    # the committed CSV alone re-renders the same Markdown (no unit files needed)
    md = (folder / "summary.md").read_text()
    (folder / "summary.md").unlink()
    again = _cli("transfer", "build", "--from-csv", "--out", str(tmp_path / "lb"), data_dir=tables)
    assert again.returncode == 0, again.stderr
    assert (folder / "summary.md").read_text() == md


@pytest.mark.parametrize("args,message", [
    (("transfer", "run", "--board", "help-nb201", "--predictors", "nosuch"), "unknown predictor"),
    (("transfer", "run", "--board", "help-nb201", "--ks", "7"), "k must be among"),
    (("transfer", "run", "--board", "nbg-cross-dataset", "--protocol", "help"), "no HELP protocol"),
    (("transfer", "run", "--board", "help-nb201", "--targets", "gpu9000", "--protocol", "help"), "not a help-protocol"),
])
def test_bad_input_one_line_exit_2(tables, tmp_path, args, message):
    out = _cli(*args, "--results-dir", str(tmp_path), data_dir=tables)
    assert out.returncode == 2 and message in out.stderr and out.stderr.count("\n") == 1, out.stderr
    assert not any(tmp_path.rglob("*.npz"))


def test_a_unit_from_another_draw_is_rerun(tables, tmp_path):
    from bench.transfer.run import Unit, is_done, read_record, run_unit

    unit = Unit("nb201-cross-fidelity", "cifar10-valid", "archbench", "additive", 5, 0)
    run_unit(unit, tmp_path)
    assert is_done(unit, tmp_path)
    other = Unit("nb201-cross-fidelity", "cifar10-valid", "archbench", "additive", 5, 1)
    run_unit(other, tmp_path)
    unit.path(tmp_path).write_bytes(other.path(tmp_path).read_bytes())  # a file made from seed 1's draw
    assert read_record(unit.path(tmp_path))["seed"] == 1 and not is_done(unit, tmp_path)


def test_transfer_registry_names_every_transfer_class() -> None:
    """``bench`` lists the transfer predictors by string (it never imports ``predictors``); the list
    and the classes' own names agree."""
    import sys

    from bench.predictor_registry import TRANSFER_PREDICTORS, load_transfer_predictor_class
    from predictors.transfer import TransferPredictor

    for name in TRANSFER_PREDICTORS:
        cls = load_transfer_predictor_class(name)
        assert issubclass(cls, TransferPredictor) and cls.name == name
    import subprocess

    code = ("import sys, bench.transfer.run, bench.transfer.tasks; "
            "print(any(m.startswith('predictors') for m in sys.modules))")

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"


NEAR_TIES = '''
import numpy as np
from predictors.base import Predictor

class NearTies(Predictor):
    """1 plus a FLOPs term a thousand times finer than float32's resolution at 1."""
    name = "near_ties"
    def fit(self, archs, y):
        return self
    def predict(self, archs):
        flops = np.asarray(archs.extra["flops"], dtype=np.float64)
        return 1.0 + 1e-10 * flops / flops.max()
'''


def test_units_store_and_score_float64_predictions_and_rerun_float32_files(tables, tmp_path):
    """Predictions that differ only below float32 resolution stay distinct in the stored file and its
    metrics (float32 made them one tie, Spearman undefined); a float32 unit file (format 1) is rerun,
    and a board refuses it."""
    from scipy.stats import spearmanr

    from bench.errors import UsageError
    from bench.transfer.board import collect
    from bench.transfer.run import Unit, is_done, read_predictions, read_record, run, run_unit

    plugin = tmp_path / "near.py"
    plugin.write_text(NEAR_TIES)
    unit = Unit("nb201-cross-fidelity", "cifar10-valid", "archbench", f"{plugin}:NearTies", 5, 0)
    record = run_unit(unit, tmp_path)
    data = load_task(unit.board, unit.target)
    (draw,) = draws(data, "archbench", 5, [0])
    flops = data.batch(draw.query_ids).extra["flops"]
    with np.load(unit.path(tmp_path)) as z:
        stored = z["pred"]
    assert stored.dtype == np.float64
    assert len(np.unique(stored)) == len(np.unique(flops)) > 20
    assert len(np.unique(stored.astype(np.float32))) == 1  # what the old format stored: one value
    expected = spearmanr(data.labels_of(draw.query_ids), flops).statistic
    assert record["metrics"]["spearman"] == pytest.approx(expected, abs=1e-12) and expected > 0.3
    assert read_record(unit.path(tmp_path))["format"] == 2 and is_done(unit, tmp_path)
    # the same unit as the old code wrote it: float32 predictions, no format field
    old = {k: v for k, v in record.items() if k != "format"}
    np.savez(unit.path(tmp_path).with_suffix(""), pred=stored.astype(np.float32), record=np.array(json.dumps(old)))
    assert not is_done(unit, tmp_path)
    with pytest.raises(UsageError, match="old unit file"):
        collect(tmp_path, unit.board)
    assert [r["seed"] for r in run([unit], tmp_path, progress=False)] == [0]
    assert read_record(unit.path(tmp_path))["format"] == 2 and is_done(unit, tmp_path)
    np.testing.assert_array_equal(read_predictions(unit.path(tmp_path)), stored)


def test_pretrained_graf_fine_tunes_on_graph_features_and_ranks_the_200_epoch_target(tables):
    from predictors.features import feature_matrix
    from predictors.transfer import PretrainedGrafPredictor, _finetune_features

    data = load_task("nb201-cross-fidelity", "cifar10-valid")
    (draw,) = draws(data, "archbench", 100, [0])
    model = PretrainedGrafPredictor(n_estimators=60, seed=0)
    pred, _ = fit_predict(data, draw, model)
    archs = data.batch(draw.train_ids)
    onehot, graf = np.asarray(archs.encode("onehot")), np.asarray(feature_matrix(archs, "graf"))
    # ridge inputs: one-hot, GRAF, then one pretrained output and one normal score per source table
    assert model.model_.coef_.shape == (onehot.shape[1] + graf.shape[1] + 2 * len(data.sources.names),)
    assert np.array_equal(_finetune_features(archs, "onehot+graf"), np.hstack([onehot, graf]))
    tau = kendall_tau(data.labels_of(draw.query_ids), pred)
    assert tau > 0.75, tau  # 100 labels of the 200-epoch table (from scratch at n = 100: about 0.78)


def test_pretrained_gnn_pretrains_once_per_table_and_averages_its_fine_tuned_readouts(tables):
    from bench.errors import UsageError
    from predictors.transfer import PretrainedGNNPredictor

    data = load_task("nb201-cross-fidelity", "cifar10-valid")
    first, second = draws(data, "archbench", 100, [0, 1])
    model = PretrainedGNNPredictor(hidden=16, epochs=5, n_pretrain=2, seed=0)
    pred, _ = fit_predict(data, first, model)
    n_sources = len(data.sources.names)
    # ridge inputs: mean + sum readout (2 x hidden), one output and one normal score per source table
    assert [m.coef_.shape for m in model.models_] == [(2 * 16 + 2 * n_sources,)] * 2
    pretrained = {k: v for k, v in data.sources._cache.items() if k.startswith("gnn|16|3|5|")}
    assert sorted(pretrained) == ["gnn|16|3|5|0", "gnn|16|3|5|1"]
    embedding, outputs = pretrained["gnn|16|3|5|0"]
    assert embedding.shape == (len(data.pool), 32) and outputs.shape == (len(data.pool), n_sources)
    assert np.allclose(embedding.mean(axis=0), 0, atol=1e-9)
    # the two pretrainings differ, and the prediction is the mean of their fine-tuned readouts
    query = data.batch(first.query_ids)
    parts = [m.predict(model._x(query, s)) for s, m in enumerate(model.models_)]
    assert not np.allclose(parts[0], parts[1])
    np.testing.assert_allclose(pred, model.target_.inverse(np.mean(parts, axis=0)))
    # another draw reuses the cached pretraining (the same arrays, not a retrained network)
    other = PretrainedGNNPredictor(hidden=16, epochs=5, n_pretrain=2, seed=1)
    fit_predict(data, second, other)
    assert data.sources._cache["gnn|16|3|5|0"][0] is embedding
    tau = kendall_tau(data.labels_of(first.query_ids), pred)
    assert tau > 0.7, tau  # five pretraining epochs; the board's 40 give more
    archs, y = data.batch(first.train_ids), data.labels_of(first.train_ids)
    with pytest.raises(UsageError, match="needs source tables"):
        PretrainedGNNPredictor().fit(archs, y)
    with pytest.raises(UsageError, match="n_pretrain >= 1"):
        PretrainedGNNPredictor(n_pretrain=0).fit(archs, y, sources=data.sources)


def test_pretrained_gnn_mix_weighs_the_transferred_readout_against_a_scratch_model_by_cross_validation(tables):
    from bench.errors import UsageError
    from predictors.transfer import PretrainedGNNMixPredictor, PretrainedGNNPredictor

    data = load_task("nb201-cross-fidelity", "cifar10-valid")
    (draw,) = draws(data, "archbench", 50, [2])
    archs, y, query = data.batch(draw.train_ids), data.labels_of(draw.train_ids), data.batch(draw.query_ids)
    small = {"hidden": 16, "epochs": 5, "n_pretrain": 1, "seed": 0}  # shares the cached pretraining above
    mix = PretrainedGNNMixPredictor(**small).fit(archs, y, sources=data.sources)
    assert set(mix.cv_kendall_) == {0.0, 0.25, 0.5, 0.75, 1.0} and mix.weight_ in mix.cv_kendall_
    assert mix.cv_kendall_[mix.weight_] == max(mix.cv_kendall_.values())
    # the prediction is the chosen mix of the two models' normal scores, answered on the label scale
    gnn = PretrainedGNNPredictor(**small).fit(archs, y, sources=data.sources)
    z_gnn = gnn.models_[0].predict(gnn._x(query, 0))
    z_xgb = mix.target_.transform(get_predictor("xgb", seed=0).fit(archs, y).predict(query))
    w = mix.weight_
    np.testing.assert_allclose(mix.predict(query), mix.target_.inverse(w * z_gnn + (1 - w) * z_xgb))
    # a one-point grid is that model alone: weight 1 is pretrained_gnn, weight 0 ranks as XGBoost does
    only_gnn = PretrainedGNNMixPredictor(weights=(1.0,), **small).fit(archs, y, sources=data.sources)
    np.testing.assert_array_equal(only_gnn.predict(query), gnn.predict(query))
    below = PretrainedGNNMixPredictor(min_k=51, **small).fit(archs, y, sources=data.sources)  # k = 50 < 51
    assert below.weight_ == 1.0 and below.cv_kendall_ == {}
    np.testing.assert_array_equal(below.predict(query), gnn.predict(query))
    only_xgb = PretrainedGNNMixPredictor(weights=(0.0,), **small).fit(archs, y, sources=data.sources)
    assert kendall_tau(only_xgb.predict(query), get_predictor("xgb", seed=0).fit(archs, y).predict(query)) > 0.999
    assert kendall_tau(data.labels_of(draw.query_ids), mix.predict(query)) > 0.6
    with pytest.raises(UsageError, match=r"weights must lie in \[0, 1\]"):
        PretrainedGNNMixPredictor(weights=(1.5,), **small).fit(archs, y, sources=data.sources)
    with pytest.raises(UsageError, match="folds >= 2 and max_cv >= 2"):
        PretrainedGNNMixPredictor(folds=1, **small).fit(archs, y, sources=data.sources)
