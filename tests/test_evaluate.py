"""Evaluation harness, stored results, resume, leaderboards and the CLI, on a real benchmark slice."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bench
from bench.cli import main
from bench.errors import UsageError
from bench.evaluation import (
    PredictorConfig,
    ResultStore,
    code_revision,
    evaluate,
    paired_test_metric,
    plan_units,
    recompute_metrics,
    side_feature_metrics,
)
from bench.leaderboard import build_leaderboards
from bench.protocol import FrozenSplits
from predictors import REGISTRY

BM = "nasbench-graph/cora"

PLUGIN = textwrap.dedent('''
    """Plug-in predictors for the tests: a ridge regression on the one-hot encoding, a seeded noise
    baseline, and variants that fail or get interrupted while a marker file exists."""
    import os

    import numpy as np

    from predictors.base import Predictor


    class Ridge(Predictor):
        name = "ridge"
        encoding = "onehot"

        def __init__(self, alpha: float = 1.0, seed: int = 0):
            self.alpha = alpha
            self.seed = seed

        def _x(self, archs):
            x = archs.encode("onehot").astype(float)
            return np.c_[x, np.ones(len(x))]

        def fit(self, archs, y):
            x = self._x(archs)
            self.w_ = np.linalg.solve(x.T @ x + self.alpha * np.eye(x.shape[1]), x.T @ y)
            return self

        def predict(self, archs):
            return self._x(archs) @ self.w_


    class Noise(Predictor):
        name = "noise"
        encoding = "onehot"

        def fit(self, archs, y):
            return self

        def predict(self, archs):
            return np.random.default_rng(self.seed).random(len(archs))


    class SideFeatures(Predictor):
        """Least squares on the side features (parameter counts here); checks it gets nothing else."""
        name = "side"
        encoding = "extra"

        def fit(self, archs, y):
            assert sorted(archs.extra) == ["params"]
            x = np.c_[archs.encode("extra"), np.ones(len(archs))]
            self.w_ = np.linalg.lstsq(x, y, rcond=None)[0]
            return self

        def predict(self, archs):
            return np.c_[archs.encode("extra"), np.ones(len(archs))] @ self.w_


    class Flaky(Ridge):
        """Raises on seed 1 while the marker exists; gets interrupted (Ctrl-C) at size 50 likewise."""
        name = "flaky"

        def __init__(self, marker: str = "", alpha: float = 1.0, seed: int = 0):
            super().__init__(alpha, seed)
            self.marker = marker

        def fit(self, archs, y):
            if os.path.exists(self.marker):
                if len(y) == 50:
                    raise KeyboardInterrupt
                if self.seed == 1:
                    raise RuntimeError("diverged on seed 1")
            return super().fit(archs, y)
''')


@pytest.fixture(scope="module")
def plugin(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("plugin") / "my_predictors.py"
    path.write_text(PLUGIN)
    return path


@pytest.fixture(scope="module")
def cora(data_dir):
    return bench.load(BM, progress=False)


def _baseline(plugin: Path) -> PredictorConfig:
    return PredictorConfig.resolve("random") if "random" in REGISTRY else PredictorConfig.resolve(f"{plugin}:Noise")


@pytest.fixture(scope="module")
def results(tmp_path_factory, plugin, cora):
    """A small real run: ridge, the random baseline (and xgb where registered), 2 sizes x 3 seeds."""
    root = tmp_path_factory.mktemp("results")
    configs = [PredictorConfig.resolve(f"{plugin}:Ridge"), _baseline(plugin)]
    if "xgb" in REGISTRY:
        configs.append(PredictorConfig.resolve("xgb"))
    units = plan_units([BM], ["valid_acc"], configs, [20, 200], 3)
    report = evaluate(units, root, progress=False)
    assert not report.failed and len(report.ran) == len(units) == 6 * len(configs)
    return root, units


def test_side_features_and_test_twin(cora):
    assert side_feature_metrics(cora, "valid_acc") == ["params"]
    assert side_feature_metrics(cora, "params") == []  # never the target itself
    assert paired_test_metric(cora, "valid_acc") == "test_acc"
    assert paired_test_metric(cora, "latency") is None


def test_side_features_reach_predictors_and_missing_ones_are_refused(plugin, tmp_path, data_dir):
    side = PredictorConfig.resolve(f"{plugin}:SideFeatures")
    with pytest.raises(UsageError, match="offers none for target 'params'"):
        plan_units([BM], ["params"], [side], [10], 1)
    with pytest.raises(UsageError, match="nb201-analog/cifar10 offers none"):
        plan_units(["nb201-analog/cifar10"], ["digital_acc"], [side], [10], 1)
    report = evaluate(plan_units([BM], ["latency"], [side], [100], 1), tmp_path, progress=False)
    assert not report.failed
    store = ResultStore(tmp_path)
    row = store.frame().iloc[0]
    ids = store.predictions(row)["test_ids"]
    cora = bench.load(BM, progress=False)
    # the predictions are an increasing affine map of the parameter counts, so they rank the same
    expected = stats.kendalltau(cora.query(ids, "latency"), cora.query(ids, "params")).statistic
    assert row["kendall_tau"] == pytest.approx(expected, abs=1e-9) and row["side_features"] == ["params"]


def test_rows_follow_the_protocol_and_recompute_exactly(results, cora):
    root, units = results
    store = ResultStore(root)
    rows = store.frame()
    assert len(rows) == len(units)
    splits = FrozenSplits(cora)
    for _, row in rows.iterrows():
        split = splits.split(row["train_size"], row["seed"])
        assert row["split_hash"] == split.hash and row["test_hash"] == split.test_hash
        arrays = store.predictions(row)
        np.testing.assert_array_equal(arrays["train_ids"], split.train_ids)
        np.testing.assert_array_equal(arrays["test_ids"], split.test_ids)
        np.testing.assert_array_equal(arrays["y_true"], cora.query(split.test_ids, "valid_acc"))
        np.testing.assert_array_equal(arrays["y_test_acc"], cora.query(split.test_ids, "test_acc"))
        for metric, value in recompute_metrics(row, arrays).items():
            assert (math.isnan(value) and math.isnan(row[metric])) or value == row[metric], metric
        assert row["n_train"] == row["train_size"] and row["n_test"] == 5000
        assert row["versions"]["numpy"] == np.__version__ and row["fit_seconds"] >= 0
        assert row["versions"]["archbench_git"] == code_revision()  # which code ran, beside the config hash
    by = rows.groupby(["predictor", "train_size"])["kendall_tau"].mean()
    base = "random" if "random" in REGISTRY else "noise"
    assert by[("ridge", 200)] > by[(base, 200)] + 0.2  # the harness reports learning where there is some
    assert by[("ridge", 200)] > by[("ridge", 20)]
    assert rows["test_metric"].eq("test_acc").all()


def test_rerun_skips_everything(results):
    root, units = results
    report = evaluate(units, root, progress=False)
    assert len(report.skipped) == len(units) and not report.ran


def test_config_hash_covers_params_and_plugin_source(plugin, tmp_path):
    a = PredictorConfig.resolve(f"{plugin}:Ridge")
    assert a.resolved_params == {"alpha": 1.0} and a.name == "ridge"
    assert PredictorConfig.resolve(f"{plugin}:Ridge", {"alpha": 1.0}).config_hash == a.config_hash  # defaults count
    assert PredictorConfig.resolve(f"{plugin}:Ridge", {"alpha": 2.0}).config_hash != a.config_hash
    copy = tmp_path / plugin.name
    copy.write_text(plugin.read_text() + "\n# edited\n")
    assert PredictorConfig.resolve(f"{copy}:Ridge").config_hash != a.config_hash


def test_config_hash_ignores_the_last_bit_of_computed_floats():
    """``linear``'s default penalty grid comes from ``np.logspace``, whose last bit differs across NumPy
    builds (316.2277660168379 vs 316.22776601683796 seen here); the hash must not."""
    grid = [float(a) for a in np.logspace(-4, 3, 15)]
    nudged = [float(np.nextafter(a, np.inf)) for a in grid]
    default = PredictorConfig.resolve("linear")
    assert PredictorConfig.resolve("linear", {"alphas": grid}).config_hash == default.config_hash
    assert PredictorConfig.resolve("linear", {"alphas": nudged}).config_hash == default.config_hash
    assert PredictorConfig.resolve("linear", {"alphas": grid[:-1]}).config_hash != default.config_hash
    assert PredictorConfig.resolve("linear", {"alphas": nudged}).resolved_params["alphas"] == nudged  # rows: all bits


def test_failed_and_interrupted_units_resume(plugin, tmp_path, data_dir):
    marker = tmp_path / "fail"
    marker.touch()
    flaky = PredictorConfig.resolve(f"{plugin}:Flaky", {"marker": str(marker)})
    root = tmp_path / "res"
    units = plan_units([BM], ["valid_acc"], [flaky], [10, 20, 50], 2)  # order: size-major, seeds 0, 1
    with pytest.raises(KeyboardInterrupt):  # seed 1 fails at 10 and 20, then Ctrl-C at 50
        evaluate(units, root, progress=False)
    written = sorted(p.name for p in root.rglob("*") if p.is_file())
    assert written == ["n00010_s000.json", "n00010_s000.npz", "n00020_s000.json", "n00020_s000.npz"]
    stamps = {p: p.stat().st_mtime_ns for p in root.rglob("*.json")}
    marker.unlink()
    report = evaluate(units, root, progress=False)
    assert len(report.skipped) == 2 and len(report.ran) == 4 and not report.failed
    assert all(p.stat().st_mtime_ns == t for p, t in stamps.items())  # finished rows untouched
    assert len(ResultStore(root).frame()) == 6


def test_cli_reports_failed_units_and_exits_1(plugin, tmp_path, capsys, data_dir):
    marker = tmp_path / "fail"
    marker.touch()
    argv = ["evaluate", "--benchmark", BM, "--target", "valid_acc", "--predictor", f"{plugin}:Flaky",
            "--set", f"{plugin}:Flaky.marker=\"{marker}\"", "--train-sizes", "10", "--seeds", "2",
            "--results-dir", str(tmp_path / "res"), "--no-progress"]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "1 unit(s) failed (first: nasbench-graph/cora valid_acc flaky n=10 seed=1: RuntimeError: diverged" in err
    marker.unlink()
    assert main(argv) == 0
    assert "1 unit(s) run, 1 already stored, 0 failed" in capsys.readouterr().err


def test_parallel_jobs_give_the_same_predictions(results, plugin, tmp_path):
    root, units = results
    ridge = [u for u in units if u.predictor.name == "ridge" and u.seed < 2]
    report = evaluate(ridge, tmp_path, jobs=2, progress=False)
    assert len(report.ran) == len(ridge)
    serial, parallel = ResultStore(root), ResultStore(tmp_path)
    for _, row in parallel.frame().iterrows():
        np.testing.assert_array_equal(parallel.predictions(row)["y_pred"], serial.predictions(row)["y_pred"])
        assert row["threads"] == 1


def test_leaderboard_files_are_complete_and_deterministic(results, tmp_path):
    root, _ = results
    boards = build_leaderboards(root, tmp_path / "lb")
    assert len(boards) == 1
    b = boards[0]
    assert b.csv == tmp_path / "lb" / "nasbench-graph" / "cora" / "valid_acc.csv"
    board = pd.read_csv(b.csv)
    required = ["predictor", "train_size", "n_seeds", "kendall_tau_mean", "kendall_tau_ci95", "spearman_mean",
                "precision_top5_mean", "ri_mean", "fit_seconds_mean", "p_vs_random", "test_metric_kendall_tau_mean",
                "split_hashes", "config_hash", "test_hash"]
    assert set(required) <= set(board.columns)
    assert (board["n_seeds"] == 3).all() and set(board["train_size"]) == {20, 200}
    ridge = board[(board["predictor"] == "ridge") & (board["train_size"] == 200)].iloc[0]
    assert ridge["rank"] == 1 or "xgb" in REGISTRY
    if "random" in REGISTRY:  # 3 seeds: a paired t-test with 2 degrees of freedom, so a loose bound
        rnd = board[(board["predictor"] == "random") & (board["train_size"] == 200)].iloc[0]
        assert ridge["kendall_tau_mean"] > rnd["kendall_tau_mean"] + 0.2
        assert ridge["p_vs_random"] < 0.1
    assert b.png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and b.png.stat().st_size > 10_000
    text = b.markdown.read_text()
    assert "| ridge |" in text and "τ on test_acc" in text and "valid_acc.png" in text
    index = (tmp_path / "lb" / "README.md").read_text()
    assert "nasbench-graph/cora/valid_acc.md" in index
    page, index_page = b.csv.with_suffix(".html"), tmp_path / "lb" / "index.html"
    assert 'href="nasbench-graph/cora/valid_acc.html"' in index_page.read_text()
    first = {p: p.read_bytes() for p in (b.csv, b.markdown, b.png, page, index_page)}
    build_leaderboards(root, tmp_path / "lb")
    assert all(p.read_bytes() == data for p, data in first.items())


def test_board_pages_render_the_csv_as_markdown_and_html(results, tmp_path):
    """Markdown and HTML are two renderings of the stored CSV: every table cell of one is in the other,
    and a board CSV put beside the boards later (built elsewhere) gets its pages and an index line."""
    from html.parser import HTMLParser

    root, _ = results
    out = tmp_path / "lb"
    (b,) = build_leaderboards(root, out)

    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.cells: list[str] = []
            self.open = False

            self.board = False  # the board's own tables (the page also lists configurations, the card)

        def handle_starttag(self, tag: str, attrs: list) -> None:
            if tag == "section":
                self.board = ("class", "board") in attrs
            if tag in ("td", "th") and self.board:  # inline markup (<strong>, <code>) inside a cell keeps it open
                self.open = True
                self.cells.append("")

        def handle_endtag(self, tag: str) -> None:
            if tag in ("td", "th"):
                self.open = False
            if tag == "section":
                self.board = False

        def handle_data(self, data: str) -> None:
            if self.open:
                self.cells[-1] += data

    parser = Cells()
    parser.feed(b.csv.with_suffix(".html").read_text())
    md_cells = [c.strip().replace("**", "") for line in b.markdown.read_text().splitlines()
                if line.startswith("| ") for c in line.strip("|").split(" | ")]
    assert parser.cells == md_cells and "ridge" in parser.cells
    board = pd.read_csv(b.csv)
    tau = board.loc[(board["predictor"] == "ridge") & (board["train_size"] == 200), "kendall_tau_mean"].iloc[0]
    assert any(c.startswith(f"{tau:.3f} ± ") for c in parser.cells)
    elsewhere = out / "other" / "bench" / "latency.csv"
    elsewhere.parent.mkdir(parents=True)
    board.assign(benchmark="other/bench", target="latency").to_csv(elsewhere, index=False)
    build_leaderboards(root, out)
    assert elsewhere.with_suffix(".html").is_file() and "# other/bench · latency" in elsewhere.with_suffix(
        ".md").read_text()
    assert 'href="other/bench/latency.html"' in (out / "index.html").read_text()
    mine = out / "notes" / "my_table.csv"  # a CSV of one's own beside the boards is left alone
    mine.parent.mkdir()
    board[["benchmark", "target", "rank", "kendall_tau_mean"]].to_csv(mine, index=False)
    build_leaderboards(root, out)
    assert not mine.with_suffix(".md").exists() and "notes/" not in (out / "README.md").read_text()


def test_cli_evaluate_and_leaderboard_build(plugin, tmp_path, capsys, data_dir):
    res, lb = tmp_path / "res", tmp_path / "lb"
    rc = main(["evaluate", "--benchmark", BM, "--target", "latency", "--predictor", f"{plugin}:Ridge",
               "--predictor", f"{plugin}:Noise", "--set", f"{plugin}:Ridge.alpha=0.5", "--train-sizes", "10,30",
               "--seeds", "2", "--results-dir", str(res), "--no-progress"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    assert "# nasbench-graph/cora · latency" in out.out and "±10 %" in out.out and "8 unit(s) run" in out.err
    rows = ResultStore(res).frame()
    assert len(rows) == 8 and all(f == ["params"] for f in rows["side_features"])
    assert rows.loc[rows["predictor"] == "ridge", "params"].map(lambda p: p["alpha"]).eq(0.5).all()
    assert main(["leaderboard", "build", "--results-dir", str(res), "--out", str(lb)]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines()[0].startswith("nasbench-graph: 1 board(s); best τ at the largest size: ")
    assert (lb / "nasbench-graph" / "cora" / "latency.png").is_file() and (lb / "index.html").is_file()
    assert "## All metrics at n = 30" in (lb / "nasbench-graph" / "cora" / "latency.md").read_text()
    board = pd.read_csv(lb / "nasbench-graph" / "cora" / "latency.csv")
    best = board[board["train_size"] == 30].sort_values("within_10pct_mean").iloc[-1]
    index = (lb / "README.md").read_text()  # latency boards: the best fraction within +-10 % is indexed too
    assert f"| {best['predictor']} ({best['within_10pct_mean']:.3f}) |" in index


def test_board_names_configs_of_one_predictor_by_the_params_that_differ(plugin, tmp_path, capsys, data_dir):
    res, lb = tmp_path / "res", tmp_path / "lb"
    for alpha in ("0.5", "50"):
        assert main(["evaluate", "--benchmark", BM, "--target", "valid_acc", "--predictor", f"{plugin}:Ridge",
                     "--set", f"{plugin}:Ridge.alpha={alpha}", "--train-sizes", "20", "--seeds", "2",
                     "--results-dir", str(res), "--no-progress"]) == 0
    assert main(["leaderboard", "build", "--results-dir", str(res), "--out", str(lb)]) == 0
    capsys.readouterr()
    text = (lb / "nasbench-graph" / "cora" / "valid_acc.md").read_text()
    assert "| ridge[alpha=0.5] |" in text and "| ridge[alpha=50] |" in text
    board = pd.read_csv(lb / "nasbench-graph" / "cora" / "valid_acc.csv")
    assert sorted(json.loads(p)["alpha"] for p in board["params"]) == [0.5, 50]
    # --target builds only the boards of that target; one with no results is refused in one line
    only = tmp_path / "only"
    assert main(["leaderboard", "build", "--results-dir", str(res), "--out", str(only), "--target", "valid_acc"]) == 0
    assert (only / "nasbench-graph" / "cora" / "valid_acc.csv").is_file()
    capsys.readouterr()
    assert main(["leaderboard", "build", "--results-dir", str(res), "--out", str(tmp_path / "none"),
                 "--target", "latency"]) == 2
    err = capsys.readouterr().err
    assert "no results for target(s) latency" in err and err.count("\n") == 1
    assert not (tmp_path / "none" / "nasbench-graph").exists()


def test_cli_quick_mode_defaults(plugin, tmp_path, capsys, monkeypatch, data_dir):
    from bench.commands import predict

    # stand-ins registered under the quick names, so this checks the plumbing, not the real models
    stand_ins = {"random": f"{plugin}:Noise", "xgb": f"{plugin}:Ridge"}
    monkeypatch.setattr("bench.predictor_registry.PREDICTORS", stand_ins)
    monkeypatch.setattr("bench.evaluation.units.REGISTRY", stand_ins)
    rc = main(["evaluate", "--benchmark", BM, "--quick", "--train-sizes", "10,20", "--jobs", "1",
               "--results-dir", str(tmp_path), "--no-progress"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    rows = ResultStore(tmp_path).frame()
    assert set(rows["predictor"]) == {"random", "xgb"} and set(rows["target"]) == {"valid_acc"}
    assert sorted(set(rows["seed"])) == list(range(predict.QUICK_SEEDS)) and set(rows["train_size"]) == {10, 20}
    assert "| xgb |" in out.out and "τ on test_acc" in out.out


@pytest.mark.parametrize(
    "args, message",
    [
        (["--predictors", "no_such_predictor"], "unknown predictor 'no_such_predictor'"),
        (["--target", "valid_accuracy"], "no metric 'valid_accuracy'"),
        (["--train-sizes", "10,21207"], "training-set size 21207 exceeds"),
        (["--benchmark", "nasbench-graph/coraa"], "did you mean 'nasbench-graph/cora'"),
        (["--predictor", "missing/file.py:Model"], "does not exist"),
        (["--set", "ridge=3"], "PREDICTOR.PARAM=VALUE"),
        (["--seeds", "0"], "at least 1"),
    ],
)
def test_cli_bad_input_one_line_exit_2(args, message, plugin, tmp_path, capsys, data_dir):
    base = {"--benchmark": BM, "--target": "valid_acc", "--predictor": f"{plugin}:Ridge"}
    for key, value in zip(args[::2], args[1::2], strict=True):
        base[key] = value
    argv = ["evaluate", *[x for kv in base.items() for x in kv], "--results-dir", str(tmp_path / "res")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0], err
    assert not (tmp_path / "res").exists()  # nothing half-written


def test_cli_failure_exit_codes_in_a_real_process(plugin, tmp_path, data_dir):
    env = {**os.environ, "ARCHBENCH_DATA": str(data_dir)}
    cmd = [sys.executable, "-m", "bench.cli", "evaluate", "--benchmark", BM, "--target", "valid_acc",
           "--results-dir", str(tmp_path)]
    bad = subprocess.run([*cmd, "--predictors", "nope"], capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr
    empty = subprocess.run([*cmd[:-2], "--results-dir", str(tmp_path / "none")], capture_output=True, text=True,
                           env=env, timeout=120)
    assert empty.returncode == 2 and "give --predictors" in empty.stderr


def test_a_joined_benchmarks_board_is_one_folder_beside_its_first_table(tmp_path):
    """A board of ``a/b+c/d`` sits at ``<out>/a/b+c-d`` (one family, one dataset folder, as the site reads
    them), not three levels deep under ``a/b+c``."""
    from bench.leaderboard import board_folder

    folder = board_folder(tmp_path, "nb201/cifar10-valid+zc/nb201-cifar10")
    assert folder == tmp_path / "nb201" / "cifar10-valid+zc-nb201-cifar10"
    assert board_folder(tmp_path, "nasbench-graph/cora") == tmp_path / "nasbench-graph" / "cora"
