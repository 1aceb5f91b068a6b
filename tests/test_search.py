"""Search algorithms, results, known numbers, multi-objective fronts and the ``archbench search`` CLI."""

from __future__ import annotations

import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bench
from bench.cli import main
from bench.errors import UsageError
from bench.evaluation.features import side_feature_metrics
from bench.search import (
    SearchProblem,
    hypervolume,
    incumbent_index,
    load_algorithm_class,
    make_algorithm,
    pareto_mask,
    run_search,
    selected_front,
    simulate,
    simulate_seed_batch,
    true_hypervolume,
)
from bench.search.multi_objective import NSGA2
from bench.search.random_search import RandomSearch
from predictors import REGISTRY as PREDICTORS

RECORDER = '''
import numpy as np
from bench.search.base import SearchAlgorithm

class Recorder(SearchAlgorithm):
    """Greedy-ish user algorithm: random asks, records everything it is told."""
    name = "recorder"
    told = []

    def setup(self, domain, n_objectives=1):
        super().setup(domain, n_objectives)
        self.domain_attrs = sorted(vars(domain))

    def ask(self):
        return self.domain.sample(1, self.rng)[0]

    def tell(self, code, value):
        Recorder.told.append((self.domain.ids[self.domain.rows(code)[0]], value, self.domain_attrs))
'''

TREES = '''
import numpy as np
from sklearn.ensemble import ExtraTreesRegressor
from predictors.base import Predictor

class Trees(Predictor):
    name = "trees-test"
    encoding = "onehot"

    def __init__(self, seed=0, n_estimators=16):
        super().__init__(seed)
        self.n_estimators = n_estimators

    def fit(self, archs, y):
        self.model = ExtraTreesRegressor(self.n_estimators, random_state=self.seed).fit(archs.encode("onehot"), y)
        return self

    def predict(self, archs):
        return self.model.predict(archs.encode("onehot"))
'''


@pytest.fixture(scope="module")
def plugins(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("plugins")
    (root / "recorder.py").write_text(textwrap.dedent(RECORDER))
    (root / "trees.py").write_text(textwrap.dedent(TREES))
    return root


@pytest.fixture(scope="module")
def cora(data_dir) -> SearchProblem:
    return SearchProblem.from_benchmark(bench.load("nasbench-graph/cora"))


@pytest.fixture(scope="module")
def nb201(shared_data, data_dir) -> SearchProblem:
    """NB201 CIFAR-10 (cifar10-valid, 200 epochs) imported from the shared NAS-Landscapes CSV."""
    from bench.importers.catalog import import_source

    if "nb201/cifar10-valid" not in bench.list_benchmarks(data_dir):
        import_source("nb201-landscapes", shared_data / "nb201_landscapes" / "cifar10_avg.csv", data_dir)
    return SearchProblem.from_benchmark(bench.load("nb201/cifar10-valid", data_dir), mo_metric="train_time")


def final_reports(exp, q: int) -> dict[str, np.ndarray]:
    return {g.name: g.report[:, q - 1] for g in exp.groups}


# ---- checks against known results ------------------------------------------------------------------
def test_random_search_on_cora_matches_published_numbers(cora):
    from nas_bench_graph import light_read

    raw = light_read("cora")
    independent = float(np.mean([v["perf"] for v in raw.values()]))
    assert independent == pytest.approx(0.7543, abs=5e-5)
    assert cora.random_arch_mean == pytest.approx(independent, abs=1e-9)

    logs = simulate_seed_batch(cora, RandomSearch, {}, list(range(5000)), 100, "queries")
    rep = np.stack([cora.reported[log.rows[incumbent_index(cora.values[log.rows, 0])], 0] for log in logs])
    for q, published in ((10, 0.7956), (50, 0.7982), (100, 0.7992)):
        se = rep[:, q - 1].std(ddof=1) / np.sqrt(len(rep))
        assert abs(rep[:, q - 1].mean() - published) < 4 * se, (q, rep[:, q - 1].mean(), published, se)
    first = rep[:, 0]  # the first sample is a uniform architecture
    assert abs(first.mean() - independent) < 4 * first.std(ddof=1) / np.sqrt(len(first))


def test_rea_beats_random_search_on_nb201_from_100_queries(nb201, tmp_path):
    exp = run_search("nb201/cifar10-valid", ["rs", "rea"], budget=150, seeds=100, results_dir=tmp_path,
                     progress=False, problem=nb201)
    for q in (100, 150):
        reps = final_reports(exp, q)
        assert reps["rea"].mean() > reps["rs"].mean()
        assert stats.ttest_ind(reps["rea"], reps["rs"], equal_var=False).pvalue < 0.01


# ---- every algorithm, both benchmarks ------------------------------------------------------------------
def algorithm_specs(plugins: Path) -> list[tuple[str, dict]]:
    trees = f"{plugins / 'trees.py'}:Trees"
    specs = [("rs", {}), ("rea", {}), ("ls", {"n_init": 5}),
             ("bananas", {"predictor": trees, "n_init": 8, "batch_size": 6, "n_candidates": 40}),
             (f"pg:{trees}", {"population_size": 8, "n_candidates": 40, "batch_size": 6}), ("mo", {})]
    specs += [("bananas", {"predictor": p, "n_init": 8, "batch_size": 6, "n_candidates": 40})
              for p in ("bananas", "gp") if p in PREDICTORS]
    specs += [(f"pg:{p}", {"population_size": 8, "n_candidates": 40}) for p in ("xgb", "mlp") if p in PREDICTORS]
    return specs


@pytest.mark.parametrize("bench_fixture", ["cora", "nb201"])
@pytest.mark.parametrize("workers", [1, 3])
def test_every_algorithm_runs_and_is_told_only_the_objective(request, plugins, bench_fixture, workers):
    problem: SearchProblem = request.getfixturevalue(bench_fixture)
    domain = problem.domain
    for spec, params in algorithm_specs(plugins):
        algo = make_algorithm(spec, seed=1, **params)
        told: list[tuple[int, object]] = []

        def spy(code, value, _told=told, _tell=algo.tell):
            _told.append((domain.rows(code)[0], value))
            _tell(code, value)

        algo.tell = spy
        log = simulate(problem, algo, budget=30, workers=workers)
        assert len(log) == 30, spec
        rows = np.array([r for r, _ in told])
        assert np.array_equal(rows, log.rows), spec  # told in the order the simulator records
        values = np.array([np.atleast_1d(v) for _, v in told])
        k = values.shape[1]
        assert k == (2 if algo.multi_objective else 1)
        assert np.allclose(values, problem.values[rows, :k]), spec  # the selection metric(s), oriented
        assert not np.allclose(values[:, 0], problem.reported[rows, 0] * problem.signs[0]), spec  # never the test
        if spec not in ("rs", "rea"):
            assert len(np.unique(log.rows)) == 30, f"{spec} re-queried an architecture"


def test_plugin_algorithm_sees_no_labels(plugins, cora):
    cls = load_algorithm_class(f"{plugins / 'recorder.py'}:Recorder")
    cls.told.clear()
    log = simulate(cora, cls(seed=0), budget=40, workers=2)
    ids = np.array([i for i, _, _ in cls.told])
    values = np.array([v for _, v, _ in cls.told])
    assert np.array_equal(ids, cora.domain.ids[log.rows])
    bm = bench.load("nasbench-graph/cora")
    assert np.allclose(values, bm.query(ids, "valid_acc"))
    attrs = cls.told[0][2]
    assert "values" not in attrs and "reported" not in attrs
    # side features known before training, by the rule the leaderboards use (latency is a label, not one)
    assert set(cora.domain.extra) == set(side_feature_metrics(bm, "valid_acc")) == {"params"}


def test_unknown_algorithms_and_bad_parameters_say_why(plugins):
    with pytest.raises(UsageError, match="did you mean 'rea'"):
        load_algorithm_class("reaa")
    with pytest.raises(UsageError, match="does not exist"):
        load_algorithm_class("nowhere/algo.py:Algo")
    with pytest.raises(UsageError, match="has no class"):
        load_algorithm_class(f"{plugins / 'recorder.py'}:Missing")
    with pytest.raises(UsageError, match="bad parameters"):
        make_algorithm("rea", population_sizes=3)


# ---- results: storage, resume, summary -------------------------------------------------------------------
def test_resume_after_interruption_reuses_finished_runs(cora, tmp_path):
    seen = []

    def interrupt_after_three(spec, seed):
        seen.append((spec, seed))
        if len(seen) == 3:
            raise KeyboardInterrupt

    kwargs = dict(budget=40, seeds=3, progress=False, problem=cora, fast=False)
    with pytest.raises(KeyboardInterrupt):
        run_search("nasbench-graph/cora", ["rs", "ls"], results_dir=tmp_path / "a", on_run=interrupt_after_three,
                   **kwargs)
    files = sorted((tmp_path / "a").rglob("seed-*.npz"))
    assert len(files) == 3
    stamps = {p: p.stat().st_mtime_ns for p in files}
    assert not list((tmp_path / "a").rglob("*.tmp"))  # nothing half-written
    reran = []
    resumed = run_search("nasbench-graph/cora", ["rs", "ls"], results_dir=tmp_path / "a",
                         on_run=lambda s, k: reran.append((s, k)), **kwargs)
    assert reran == [("ls", 0), ("ls", 1), ("ls", 2)]  # only the runs that never finished
    assert {p: p.stat().st_mtime_ns for p in files} == stamps
    fresh = run_search("nasbench-graph/cora", ["rs", "ls"], results_dir=tmp_path / "b", **kwargs)
    for a, b in zip(resumed.groups, fresh.groups, strict=True):
        assert np.array_equal(a.report, b.report) and np.array_equal(a.seeds, b.seeds)


def test_summary_columns_and_regret(cora, tmp_path):
    exp = run_search("nasbench-graph/cora", ["rs", "rea"], budget=50, seeds=20, results_dir=tmp_path,
                     progress=False, problem=cora)
    s = exp.summary.set_index("algorithm")
    needed = {"budget", "n_seeds", "final_test_mean", "final_test_ci95", "final_regret_mean", "ri_random_arch_mean",
              "regret_auc_mean", "queries_to_optimum_median", "ri_random_search_mean", "hypervolume_mean"}
    assert needed <= set(s.columns)
    rs = exp.groups[0]
    assert s.loc["rs", "final_test_mean"] == pytest.approx(rs.report[:, -1].mean())
    assert s.loc["rs", "final_regret_mean"] == pytest.approx(cora.optimum - rs.report[:, -1].mean())
    assert s.loc["rs", "ri_random_search_mean"] == 0.0
    assert np.all(np.diff(rs.objective_best, axis=1) >= 0)  # the incumbent only improves on the objective
    assert s.loc["rs", "n_seeds"] == 20 and s.loc["rs", "budget"] == 50


def test_checkpoints_equal_runs_with_the_smaller_budget(cora, nb201, tmp_path):
    cols = ["algorithm", "final_test_mean", "final_regret_mean", "regret_auc_mean", "queries_mean"]
    long = run_search("nasbench-graph/cora", ["rs", "rea", "ls"], budget=60, seeds=4, checkpoints=[25],
                      results_dir=tmp_path / "a", progress=False, problem=cora)
    short = run_search("nasbench-graph/cora", ["rs", "rea", "ls"], budget=25, seeds=4, results_dir=tmp_path / "b",
                       progress=False, problem=cora)
    at = long.summary[long.summary["budget"] == 25][cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(at, short.summary[cols])
    timed = dict(budget_unit="seconds", seeds=3, workers=2, progress=False, problem=nb201)
    long = run_search("nb201/cifar10-valid", ["rea", "ls"], budget=40000.0, checkpoints=[15000],
                      results_dir=tmp_path / "c", **timed)
    short = run_search("nb201/cifar10-valid", ["rea", "ls"], budget=15000.0, results_dir=tmp_path / "d", **timed)
    at = long.summary[long.summary["budget"] == 15000][cols].reset_index(drop=True)
    pd.testing.assert_frame_equal(at, short.summary[cols])


def test_regret_vs_time_uses_training_time(nb201, tmp_path):
    exp = run_search("nb201/cifar10-valid", ["rs"], budget=20000.0, budget_unit="seconds", seeds=5,
                     results_dir=tmp_path, progress=False, problem=nb201, workers=2)
    for run in exp.groups[0].runs:
        assert run.finish.max() <= 20000.0
        rows = exp.problem.domain.rows_of_ids(run.arch_id)
        assert np.allclose(run.finish - run.start, bench.load("nb201/cifar10-valid").labels("train_time")[rows])
    assert exp.summary["sim_time_mean"].iloc[0] <= 20000.0


# ---- multi-objective -------------------------------------------------------------------------------------------
def brute_force_front(points: np.ndarray) -> np.ndarray:
    le = (points[None, :, :] <= points[:, None, :]).all(axis=2)
    lt = (points[None, :, :] < points[:, None, :]).any(axis=2)
    return ~(le & lt).any(axis=1)


@pytest.mark.parametrize("d", [2, 3])
def test_pareto_mask_and_hypervolume_match_brute_force(d):
    rng = np.random.default_rng(d)
    pts = rng.integers(0, 8, size=(60, d)).astype(float)  # many ties and duplicates
    assert np.array_equal(pareto_mask(pts), brute_force_front(pts))
    ref = np.full(d, 8.0)
    grid = np.stack(np.meshgrid(*[np.arange(8) + 0.5] * d, indexing="ij"), axis=-1).reshape(-1, d)
    covered = (pts[None, :, :] <= grid[:, None, :]).all(axis=2).any(axis=1)  # unit cells dominated
    assert hypervolume(pts, ref) == pytest.approx(covered.sum())


def test_multi_objective_search_returns_a_front_below_the_true_one(cora, tmp_path):
    exp = run_search("nasbench-graph/cora", ["rs", "mo"], budget=150, seeds=4, results_dir=tmp_path,
                     progress=False, problem=cora)
    true_hv = true_hypervolume(cora)
    assert 0.0 < true_hv <= 1.0
    s = exp.summary.set_index("algorithm")
    assert (s["hypervolume_mean"] <= true_hv + 1e-12).all() and (s["hypervolume_mean"] > 0).all()
    mo = exp.groups[1]
    for run in mo.runs:
        front = selected_front(run, mo.config.signs)
        oriented = -(run.objective * np.asarray(mo.config.signs))
        assert pareto_mask(oriented[front]).all()  # mutually non-dominated
        others = np.setdiff1d(np.arange(len(run)), front)
        dominated = (oriented[front][None, :, :] <= oriented[others][:, None, :]).all(axis=2).any(axis=1)
        assert dominated.all()  # every other evaluated architecture is weakly dominated by the front
    algo = NSGA2(seed=0)
    simulate(cora, algo, budget=60)
    assert len(algo.population) == algo.population_size


# ---- the CLI ------------------------------------------------------------------------------------------------------
def test_cli_search_writes_a_leaderboard(plugins, data_dir, tmp_path, capsys):
    plugin = f"{plugins / 'recorder.py'}:Recorder"
    out = tmp_path / "lb"
    code = main(["search", "--benchmark", "nasbench-graph/cora", "--algorithms", f"rs,rea,{plugin}",
                 "--budget", "25", "--seeds", "3", "--set", "rea.population_size=5", "--results-dir",
                 str(tmp_path / "res"), "--out", str(out), "--no-progress"])
    assert code == 0
    text = capsys.readouterr().out
    assert "budget in queries" in text
    folder = out / "nasbench-graph" / "cora"
    frame = pd.read_csv(folder / "summary.csv")
    assert list(frame["algorithm"]) == ["rs", "rea(population_size=5)", plugin]
    assert (frame["n_seeds"] == 3).all() and (frame["budget"] == 25).all()
    md = (folder / "summary.md").read_text()
    assert "no training-time label" in md and "| `rs` | 25 | 3 |" in md
    assert (folder / "anytime_queries.png").read_bytes()[:4] == b"\x89PNG"
    assert not (folder / "anytime_time.png").exists()  # no simulated time without a training-time label


def test_cli_budget_units_are_the_simulator_units():
    from bench.commands import search as command
    from bench.search import simulator

    assert command.BUDGET_UNITS == simulator.BUDGET_UNITS


@pytest.mark.parametrize("argv, message", [
    (["--benchmark", "nasbench-graph/coraa", "--budget", "10"], "did you mean"),
    (["--benchmark", "nasbench-graph/cora", "--budget", "10", "--algorithms", "rs,nope"], "unknown search algorithm"),
    (["--benchmark", "nasbench-graph/cora", "--budget", "10", "--budget-unit", "seconds"], "training-time"),
    (["--benchmark", "nasbench-graph/cora", "--budget", "0"], "positive"),
    (["--benchmark", "nasbench-graph/cora", "--budget", "10", "--seeds", "0"], "--seeds"),
    (["--benchmark", "nasbench-graph/cora", "--budget", "10", "--algorithms", "rs", "--set", "rea.population_size=4"],
     "ALG.KEY=VALUE"),
    (["--benchmark", "nasbench-graph/cora", "--budget", "10", "--objective", "valid_accc"], "no metric"),
    (["--benchmark", "nasbench-graph/cora", "--budget", "10", "--workers", "0"], "worker"),
    (["--benchmark", "nb201-analog/cifar10", "--budget", "10"], "--objective"),
    (["--benchmark", "nb201-analog/cifar10", "--budget", "10", "--objective", "digital_acc", "--report",
      "analog_acc", "--algorithms", "mo"], "second objective"),
])
def test_cli_bad_input_is_one_line_and_exit_2(data_dir, tmp_path, capsys, argv, message):
    code = main(["search", *argv, "--results-dir", str(tmp_path / "res"), "--out", str(tmp_path / "lb"),
                 "--no-progress"])
    err = capsys.readouterr().err.replace("\r", "\n")  # a first load may show a build progress bar
    assert code == 2
    errors = [line for line in err.splitlines() if line.startswith("archbench:")]
    assert len(errors) == 1 and message in errors[0] and "Traceback" not in err, err
    assert not (tmp_path / "lb").exists() and not (tmp_path / "res").exists()
