"""Cross-benchmark ranks: average ranks, Friedman, Nemenyi CD, comparison selection, the built page."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bench.ranking import (
    average_ranks,
    build_rank_summary,
    cliques,
    critical_difference,
    friedman,
    nemenyi_q,
    predictor_scores,
    rank_blocks,
    select_comparisons,
)

REPO = Path(__file__).resolve().parents[1]


def test_average_ranks_with_ties_match_hand_computed_values():
    scores = pd.DataFrame({"a": [0.9, 0.5, 0.7], "b": [0.9, 0.6, 0.1], "c": [0.1, 0.6, 0.8]})
    # block 0: a, b tie for first -> 1.5, 1.5, 3; block 1: b, c tie -> 3, 1.5, 1.5; block 2: c, a, b -> 2, 3, 1
    assert rank_blocks(scores).to_numpy().tolist() == [[1.5, 1.5, 3.0], [3.0, 1.5, 1.5], [2.0, 3.0, 1.0]]
    avg = average_ranks(scores)
    assert avg.to_dict() == pytest.approx({"a": 6.5 / 3, "b": 2.0, "c": 5.5 / 3})
    assert average_ranks(scores, higher_is_better=False).to_dict() == pytest.approx({"a": 5.5 / 3, "b": 2.0,
                                                                                     "c": 6.5 / 3})
    with pytest.raises(ValueError):
        rank_blocks(scores.where(scores > 0.2))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_friedman_equals_scipy_with_and_without_ties(seed):
    rng = np.random.default_rng(seed)
    raw = rng.normal(size=(10, 4)) + np.array([0.0, 0.3, 0.6, 0.9])
    for scores in (raw, np.round(raw, 0)):  # rounding makes ties within blocks
        frame = pd.DataFrame(scores, columns=list("abcd"))
        test = friedman(rank_blocks(frame))
        chi2, p = stats.friedmanchisquare(*scores.T)
        assert test.chi2 == pytest.approx(chi2, rel=1e-12)
        assert test.p == pytest.approx(p, rel=1e-9)
        n, k = scores.shape
        f = (n - 1) * chi2 / (n * (k - 1) - chi2)  # Iman–Davenport
        assert test.f == pytest.approx(f, rel=1e-12)
        assert test.p_f == pytest.approx(stats.f.sf(f, k - 1, (k - 1) * (n - 1)), rel=1e-9)


def test_friedman_degenerate_cases():
    assert math.isnan(friedman(pd.DataFrame([[1.0, 2.0]])).chi2)  # one block
    assert math.isnan(friedman(pd.DataFrame([[1.5, 1.5], [1.5, 1.5]])).chi2)  # every block tied
    perfect = friedman(pd.DataFrame([[1.0, 2.0, 3.0]] * 2))  # complete agreement: F is infinite
    assert perfect.chi2 == pytest.approx(4.0) and perfect.f == math.inf and perfect.p_f == 0.0


def test_critical_difference_is_demsar_value():
    assert nemenyi_q(4) == pytest.approx(2.569, abs=5e-4)
    assert critical_difference(4, 10) == pytest.approx(2.569 * math.sqrt(4 * 5 / (6 * 10)), abs=5e-4)
    # Demšar (2006), Table 5(a), alpha = 0.05
    for k, q in {2: 1.960, 3: 2.343, 5: 2.728, 10: 3.164}.items():
        assert nemenyi_q(k) == pytest.approx(q, abs=1e-3)


def test_cliques_are_maximal_runs_within_cd():
    avg = pd.Series({"a": 1.0, "b": 1.5, "c": 2.4, "d": 3.9})
    assert cliques(avg, 1.0) == [["a", "b"], ["b", "c"]]
    assert cliques(avg, 5.0) == [["a", "b", "c", "d"]]
    assert cliques(avg, 0.1) == []


def test_select_comparisons_rules():
    boards = {f"x{i}": "abc" for i in range(6)} | {f"y{i}": "abcd" for i in range(3)} | {"z": "abcde"}
    presence = pd.DataFrame([[m in ms for m in "abcde"] for ms in boards.values()], index=list(boards),
                            columns=list("abcde"))
    found = {name: (methods, blocks) for name, methods, blocks in select_comparisons(presence, min_boards=4)}
    assert list(found) == ["common = majority", "widest"]
    assert found["common = majority"] == (["a", "b", "c"], list(boards))
    assert found["widest"] == (["a", "b", "c", "d"], ["y0", "y1", "y2", "z"])
    assert [n for n, _, _ in select_comparisons(presence, min_boards=20)] == ["common = majority"]


def test_predictor_configs_are_not_chosen_by_test_score(tmp_path):
    def board(name, rows):
        return Path(name), pd.DataFrame([{"benchmark": name, "target": "acc", "train_size": 10, "predictor": p,
                                          "config_hash": h, "params": f'{{"proxy": "{v}"}}', "higher_is_better": True,
                                          "kendall_tau_mean": t} for p, h, v, t in rows])
    long = predictor_scores([board("s/a", [("zc", "h1", "auto", 0.2), ("zc", "h2", "nwot", 0.5)]),
                             board("s/b", [("zc", "h1", "auto", 0.3)])])
    got = {(r.block, r.method): r.score for r in long.itertuples()}
    # "auto" is on more boards: it keeps the name; the better-scoring "nwot" is a method of its own
    assert got == {("s/a/acc", "zc"): 0.2, ("s/a/acc", "zc[proxy=nwot]"): 0.5, ("s/b/acc", "zc"): 0.3}


def _copy_board_csvs(dst: Path, under: str = "") -> Path:
    """The committed board and search CSVs under ``leaderboards/<under>`` (what the summary reads),
    copied so the repository is never written."""
    src = REPO / "leaderboards"
    for csv in (src / under).rglob("*.csv"):
        if "ranks" in csv.relative_to(src).parts:
            continue
        target = dst / csv.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(csv, target)
    return dst


needs_boards = pytest.mark.skipif(not (REPO / "leaderboards" / "nasbench-graph").is_dir(),
                                  reason="no committed boards")


@pytest.mark.slow
@needs_boards
def test_build_rank_summary_on_committed_boards(tmp_path):
    out = _copy_board_csvs(tmp_path / "leaderboards")
    written = build_rank_summary(out)
    folder = out / "ranks"
    for name in ("predictors.csv", "search.csv", "blocks.csv", "README.md", "predictors_n100.png",
                 "predictors_n1000.png", "search.png"):
        assert folder / name in written and (folder / name).stat().st_size > 0, name
    assert (folder / "predictors_n1000.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    pred = pd.read_csv(folder / "predictors.csv")
    assert {100, 1000} <= set(pred["train_size"])

    def methods(size: int, rule: str) -> set[str]:
        rows = pred[(pred["train_size"] == size) & pred["comparison"].str.split(" = ").map(lambda r: rule in r)]
        assert rows["n_boards"].nunique() == 1 and len(rows) == rows["k"].iloc[0]
        return set(rows["predictor"])

    assert {"random", "xgb", "linear"} <= methods(100, "common")
    assert {"ensemble", "xgb", "rf", "mlp", "gin", "gcn", "gat", "gp", "random"} <= methods(1000, "widest")
    assert {"ensemble", "bananas", "gin"} <= methods(100, "widest")
    for _, rows in pred.groupby(["train_size", "comparison"]):
        assert rows["avg_rank"].sum() == pytest.approx(rows["k"].iloc[0] * (rows["k"].iloc[0] + 1) / 2)
        assert rows["friedman_p"].between(0, 1).all()
        assert (rows["avg_rank"].iloc[0] == rows["avg_rank"].min()) and rows["place"].tolist() == list(
            range(1, len(rows) + 1))

    search = pd.read_csv(folder / "search.csv")
    assert {"rs", "rea", "ls"} <= set(search["algorithm"])
    assert search.loc[search["algorithm"] == "rea", "nas_bench_suite_rank"].iloc[0] == 2.36

    page = (folder / "README.md").read_text()
    assert "NAS-Bench-Suite" in page and "(predictors_n100.png)" in page and "(search.png)" in page
    assert "## Predictors" in page and "### n = 1000" in page



@pytest.mark.slow
@needs_boards
def test_rebuild_is_identical_and_drops_stale_diagrams(tmp_path):
    out = _copy_board_csvs(tmp_path / "lb", "nasbench-graph")
    _copy_board_csvs(out, "search/nasbench-graph")
    build_rank_summary(out)
    folder = out / "ranks"
    stale = folder / "predictors_n7.png"
    stale.write_bytes(b"old")
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p != stale}
    assert "predictors_n1000.png" in before and "search.png" in before
    build_rank_summary(out, boards=None, search_dir=out / "search")
    assert not stale.exists()
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
