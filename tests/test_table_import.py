"""``archbench import table CARD.yaml``: round trips in every space on slices of real benchmarks,
seed reduction, and one-line errors that name the card key or the table row and column."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import bench
from bench.cli import main
from bench.importers.catalog import import_source
from bench.importers.help_latency import FBNET_BLOCKS
from bench.importers.table import CardError
from bench.spaces.graph import GraphSpace
from bench.spaces.nasbench_graph import GNN_OPS


def write_card(folder: Path, table: str, **card) -> Path:
    card.setdefault("file", table)
    path = folder / "card.yaml"
    path.write_text(yaml.safe_dump(card, sort_keys=False))
    return path


def label(unit: str = "accuracy (%)", split: str = "valid", epochs: int | None = 200, how: str = "mean", **kw) -> dict:
    return {"unit": unit, "split": split, "epochs": epochs, "seed_reduction": how, "higher_is_better": True, **kw}


@pytest.fixture(scope="module")
def help_fbnet(shared_data, tmp_path_factory) -> bench.Benchmark:
    root = tmp_path_factory.mktemp("help")
    import_source("help", shared_data / "help_latency" / "raw", root, only=["fbnet-latency/help"])
    return bench.load("fbnet-latency/help", root)


# ---- round trips ----------------------------------------------------------------------------------
def test_nb201_table_reduces_seeds_and_accepts_strings_or_indices(shared_data, tmp_path):
    src = pd.read_csv(shared_data / "nb201_landscapes" / "cifar10_avg.csv").iloc[:40]
    # two "seed" rows per cell: the valid and the test accuracy; half the rows name the cell by index
    rows = pd.concat([
        pd.DataFrame({"arch": src["arch_str"], "acc": src["valid-accuracy"], "t": src["train-per-time"]}),
        pd.DataFrame({"arch": src["index"].astype(str), "acc": src["test-accuracy"], "t": np.nan}),
    ])
    rows.to_csv(tmp_path / "t.csv", index=False)
    card = write_card(tmp_path, "t.csv", name="mine/nb201", space="nb201", architecture={"column": "arch"},
                      labels={"acc": label(), "time": label("s", "train", 200, "max", column="t", missing="skip")})
    import_source("table", card, tmp_path / "data")
    b = bench.load("mine/nb201", tmp_path / "data")
    assert np.array_equal(b.ids, np.sort(src["index"].to_numpy()))
    order = np.argsort(src["index"].to_numpy())
    expected = ((src["valid-accuracy"] + src["test-accuracy"]) / 2).to_numpy()[order]
    assert np.allclose(b.labels("acc"), expected, rtol=0, atol=1e-12)
    assert np.array_equal(b.labels("time"), src["train-per-time"].to_numpy()[order])  # NaN rows skipped
    assert b.metric_info("acc").seed_reduction == "mean of 2 rows per architecture"
    assert b.metric_info("time").seed_reduction == "max of 1 row per architecture; 40 missing values skipped"
    assert b.query([src["arch_str"].iloc[3]], "acc")[0] == pytest.approx(expected[np.argsort(order)][3])
    assert b.iso_class is not None and (tmp_path / "data" / "mine" / "nb201.md").is_file()


def test_nasbench_graph_table_merges_non_canonical_strings(data_dir, tmp_path):
    cora = bench.load("nasbench-graph/cora", progress=False)
    rng = np.random.default_rng(0)
    strings = []
    while len(strings) < 120:
        link = [int(rng.integers(0, i + 1)) for i in range(4)]
        ops = [GNN_OPS[int(o)] for o in rng.integers(0, len(GNN_OPS), 4)]
        if set(ops) != {"skip"}:
            strings.append(f"link={','.join(map(str, link))} ops={','.join(ops)}")
    strings += strings[:30]  # repeated rows of the same raw string
    values = cora.query(strings, "valid_acc")
    pd.DataFrame({"arch": strings, "acc": values}).to_csv(tmp_path / "g.csv", index=False)
    card = write_card(tmp_path, "g.csv", name="mine/nbg", space="nasbench-graph", architecture={"column": "arch"},
                      labels={"valid_acc": label("accuracy (fraction)", how="median", column="acc")})
    import_source("table", card, tmp_path / "data")
    b = bench.load("mine/nbg", tmp_path / "data")
    canonical = np.unique(cora.to_ids(strings))
    assert np.array_equal(b.ids, canonical) and len(b) < len(set(strings))  # isomorphs merged
    assert np.array_equal(b.query(strings, "valid_acc"), values)
    assert np.array_equal(b.labels("valid_acc"), cora.query(canonical, "valid_acc"))


def test_sequence_table_round_trip_with_json_and_plain_strings(help_fbnet, tmp_path):
    ids = help_fbnet.sample(80, seed=1)
    strings = help_fbnet.space.to_strings(help_fbnet.codes[help_fbnet.rows(ids)])
    archs = [json.dumps(s.split()) if i % 2 else s for i, s in enumerate(strings)]  # both forms
    lat = help_fbnet.query(ids, "latency_pixel3")
    lines = [json.dumps({"arch": a, "lat": float(v)}) for a, v in zip(archs, lat, strict=True)]  # exact floats
    (tmp_path / "s.jsonl").write_text("\n".join(lines))
    labels = {"latency_pixel3": label("ms", "none", None, "first", higher_is_better=False, column="lat")}
    card = write_card(tmp_path, "s.jsonl", name="mine/fbnet", space="sequence", architecture={"column": "arch"},
                      space_config={"choices": [list(FBNET_BLOCKS)] * 22}, labels=labels)
    import_source("table", card, tmp_path / "data")
    b = bench.load("mine/fbnet", tmp_path / "data")
    assert np.array_equal(b.ids, np.sort(ids))  # same space config -> the same hashed ids as HELP's benchmark
    assert np.array_equal(b.query(strings, "latency_pixel3"), lat)
    assert b.metric_info("latency_pixel3").epochs is None and not b.metric_info("latency_pixel3").higher_is_better
    # without space_config the choices are the tokens seen at each position
    card = write_card(tmp_path, "s.jsonl", name="mine/fbnet2", space="sequence", architecture={"column": "arch"},
                      labels=labels)
    import_source("table", card, tmp_path / "data")
    inferred = bench.load("mine/fbnet2", tmp_path / "data")
    assert inferred.space.choices[0] == tuple(sorted({s.split()[0] for s in strings}))
    assert np.array_equal(inferred.query(strings, "latency_pixel3"), lat)


def test_graph_table_merges_isomorphic_cells_like_the_naslib_import(shared_data, tmp_path):
    table = json.loads((shared_data / "naslib_zc" / "zc_nasbench101.json").read_text())["nasbench101"]["cifar10"]
    names = ("input", "output", "maxpool3x3", "conv1x1-bn-relu", "conv3x3-bn-relu")
    rows = []
    for key, rec in table.items():
        tup = json.loads(key.replace("(", "[").replace(")", "]"))
        adj = np.asarray(tup[:49]).reshape(7, 7).tolist()
        rows.append({"adjacency": json.dumps(adj), "ops": json.dumps([names[o] for o in tup[49:]]),
                     "val": rec["val_accuracy"]})
    pd.DataFrame(rows).to_csv(tmp_path / "nb101.csv", index=False)
    card = write_card(tmp_path, "nb101.csv", name="mine/nb101", space="graph", space_config=GraphSpace.nb101().config(),
                      architecture={"adjacency": "adjacency", "ops": "ops"},
                      labels={"val_acc": label(epochs=108, column="val")})
    import_source("table", card, tmp_path / "data")
    import_source("naslib-zc", shared_data / "naslib_zc" / "zc_nasbench101.json", tmp_path / "data")
    mine, naslib = bench.load("mine/nb101", tmp_path / "data"), bench.load("naslib-zc/nb101-cifar10", tmp_path / "data")
    assert np.array_equal(mine.ids, naslib.ids) and len(mine) == 292
    assert np.allclose(mine.labels("val_acc"), naslib.labels("val_acc"), rtol=1e-12)
    assert mine.metric_info("val_acc").seed_reduction.startswith("mean of 1-55 rows per architecture")
    # a query with the adjacency/ops of any listed spec (even unpruned) finds its cell
    first = rows[0]
    arch = {"adjacency": json.loads(first["adjacency"]), "ops": json.loads(first["ops"])}
    assert mine.query([arch], "val_acc")[0] == naslib.query([arch], "val_acc")[0]


def test_graph_table_with_real_lists_in_jsonl(tmp_path):
    rows = [{"adj": [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], "ops": ["input", "a", "b", "output"],
             "v": 1.0},
            {"adj": [[0, 1, 1, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 0, 0]], "ops": ["input", "b", "a", "output"],
             "v": 3.0}]
    (tmp_path / "g.jsonl").write_text("\n".join(json.dumps(r) for r in rows))
    card = write_card(tmp_path, "g.jsonl", name="mine/g", space="graph",
                      architecture={"adjacency": "adj", "ops": "ops"},
                      labels={"v": label("score", "test", None, "max")})
    import_source("table", card, tmp_path / "data")
    b = bench.load("mine/g", tmp_path / "data")
    assert len(b) == 1 and b.labels("v")[0] == 3.0  # the two rows are one cell (a and b swapped)
    assert b.metric_info("v").seed_reduction == "max of 2 rows per architecture"


def test_parquet_table(tmp_path):
    pytest.importorskip("pyarrow")
    pd.DataFrame({"arch": ["a b", "b a", "a b"], "y": [1.0, 2.0, 3.0]}).to_parquet(tmp_path / "t.parquet")
    card = write_card(tmp_path, "t.parquet", name="mine/pq", space="sequence", architecture={"column": "arch"},
                      labels={"y": label("score", "none", None, "min")})
    import_source("table", card, tmp_path / "data")
    assert sorted(bench.load("mine/pq", tmp_path / "data").labels("y")) == [1.0, 2.0]


def test_evaluate_round_trip_on_an_imported_table(help_fbnet, tmp_path):
    from bench.evaluation import PredictorConfig, ResultStore, evaluate, plan_units

    ids = help_fbnet.sample(400, seed=2)
    strings = help_fbnet.space.to_strings(help_fbnet.codes[help_fbnet.rows(ids)])
    pd.DataFrame({"arch": strings, "lat": help_fbnet.query(ids, "latency_gold_6240")}).to_csv(tmp_path / "f.csv",
                                                                                               index=False)
    card = write_card(tmp_path, "f.csv", name="mine/lat", space="sequence", architecture={"column": "arch"},
                      space_config={"choices": [list(FBNET_BLOCKS)] * 22},
                      labels={"latency": label("ms", "none", None, "first", column="lat")})
    import_source("table", card, tmp_path / "data")
    plugin = tmp_path / "ridge.py"
    plugin.write_text(textwrap.dedent('''
        import numpy as np
        from predictors.base import Predictor

        class Ridge(Predictor):
            name = "ridge"
            encoding = "onehot"

            def __init__(self, seed: int = 0):
                self.seed = seed

            def fit(self, archs, y):
                x = np.c_[archs.encode("onehot"), np.ones(len(y))]
                self.w_ = np.linalg.solve(x.T @ x + np.eye(x.shape[1]), x.T @ y)
                return self

            def predict(self, archs):
                return np.c_[archs.encode("onehot"), np.ones(len(archs))] @ self.w_
    '''))
    units = plan_units(["mine/lat"], ["latency"], [PredictorConfig.resolve(f"{plugin}:Ridge")], [200], 1,
                       data_dir=tmp_path / "data")
    report = evaluate(units, tmp_path / "results", data_dir=tmp_path / "data", progress=False)
    assert not report.failed and len(report.ran) == 1
    rows = ResultStore(tmp_path / "results").rows()
    assert len(rows) == 1 and rows[0]["kendall_tau"] > 0.5  # latency is nearly additive over blocks


# ---- errors name the card key or the table row and column -----------------------------------------
def _import_error(tmp_path: Path, csv: str, **card) -> str:
    (tmp_path / "t.csv").write_text(textwrap.dedent(csv).lstrip())
    path = write_card(tmp_path, "t.csv", **card)
    with pytest.raises(CardError) as exc:
        import_source("table", path, tmp_path / "data")
    assert "\n" not in str(exc.value)
    assert not (tmp_path / "data").exists()  # nothing written
    return str(exc.value)


GRAPH = {"name": "e/g", "space": "graph", "architecture": {"adjacency": "adj", "ops": "ops"}}
GRAPH_CSV = '''
    adj,ops,v
    "[[0,1],[0,0]]","[""input"",""output""]",1
    "[[0,1,0],[0,0,1],[0,0,0]]","[""input"",""conv"",""output""]",2
    "[[0,1,0],[0,0,1],[0,0,0]","[""input"",""conv"",""output""]",3
'''


def test_error_bad_json_in_adjacency_names_row_and_column(tmp_path):
    msg = _import_error(tmp_path, GRAPH_CSV, **GRAPH, labels={"v": label()})
    assert "row 3, column 'adj'" in msg and "not valid JSON" in msg


def test_error_unknown_op_names_row_and_column(tmp_path):
    csv = GRAPH_CSV.replace('"[[0,1,0],[0,0,1],[0,0,0]",', '"[[0,1,0],[0,0,1],[0,0,0]]",').replace(
        'conv"",""output""]",3', 'pool"",""output""]",3')
    msg = _import_error(tmp_path, csv, **GRAPH, space_config={"ops": ["conv"], "max_nodes": 3},
                        labels={"v": label()})
    assert "row 3, column 'ops'" in msg and "unknown op 'pool'" in msg


def test_error_missing_unit_names_the_card_key(tmp_path):
    bad = label()
    del bad["unit"]
    msg = _import_error(tmp_path, "arch,v\n|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,1\n", name="e/n",
                        space="nb201", architecture={"column": "arch"}, labels={"v": bad})
    assert "labels.v.unit is missing" in msg


def test_error_missing_column_and_bad_values(tmp_path):
    nb = {"name": "e/n", "space": "nb201", "architecture": {"column": "arch"}}
    cell = "|none~0|+|none~0|none~1|+|none~0|none~1|none~2|"
    csv = f"arch,v\n{cell},1\n{cell.replace('none~2', 'nonx~2')},2\n"
    msg = _import_error(tmp_path, csv, **nb, labels={"v": label(column="acc")})
    assert "column 'acc' (card labels.v.column) not found" in msg and "columns: arch, v" in msg
    msg = _import_error(tmp_path, csv, **nb, labels={"v": label()})
    assert "row 2, column 'arch'" in msg and "unknown op 'nonx'" in msg
    csv = "arch,v\n|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,high\n"
    msg = _import_error(tmp_path, csv, **nb, labels={"v": label()})
    assert "row 1, column 'v'" in msg and "'high' is not a number" in msg
    msg = _import_error(tmp_path, csv, **nb, labels={"v": label(split="validation")})
    assert "labels.v.split" in msg
    msg = _import_error(tmp_path, csv, **nb, labels={"v": label(how="average")})
    assert "labels.v.seed_reduction" in msg and "mean" in msg
    msg = _import_error(tmp_path, csv, **{**nb, "space": "nb202"}, labels={"v": label()})
    assert "space 'nb202'" in msg


def test_error_sequence_lengths_and_yaml(tmp_path):
    msg = _import_error(tmp_path, 'arch,v\n"a b",1\n"a b c",2\n', name="e/s", space="sequence",
                        architecture={"column": "arch"}, labels={"v": label()})
    assert "row 2, column 'arch'" in msg and "3 choices" in msg
    (tmp_path / "bad.yaml").write_text("name: e/s\nlabels: [unclosed\n")
    with pytest.raises(CardError, match="not valid YAML at line"):
        import_source("table", tmp_path / "bad.yaml", tmp_path / "data")


def test_cli_card_error_is_one_line_exit_2(tmp_path, capsys):
    (tmp_path / "t.csv").write_text("arch,v\nx,1\n")
    card = write_card(tmp_path, "t.csv", name="e/s", space="sequence", architecture={"column": "arch"},
                      labels={"v": {"unit": "s", "split": "none", "epochs": None, "seed_reduction": "mean"}})
    assert main(["--data-dir", str(tmp_path / "d"), "import", "table", str(card)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "labels.v.higher_is_better" in err
    assert not (tmp_path / "d").exists()


# ---- equivalence classes --------------------------------------------------------------------------
NB201_TOKENS = ("none", "skip", "conv1x1", "conv3x3", "avgpool")


def nb201_cells(shared_data: Path) -> pd.DataFrame:
    """NB201 CIFAR-10 (cifar10-valid) joined with the index: id, class representative, 6 op tokens, accuracy."""
    acc = pd.read_csv(shared_data / "nb201_landscapes" / "cifar10_avg.csv", usecols=["index", "valid-accuracy"])
    idx = pd.read_csv(shared_data / "nb201_index" / "nb201_arch_index.csv", dtype={"op_codes": str})
    cells = idx.merge(acc, left_on="arch_idx", right_on="index")
    cells["tokens"] = [" ".join(NB201_TOKENS[int(c)] for c in code) for code in cells["op_codes"]]
    return cells.rename(columns={"valid-accuracy": "acc", "rep_arch_idx": "cls"})


def class_slice(shared_data: Path, n_classes: int) -> pd.DataFrame:
    """Every cell of the first ``n_classes`` NB201 classes that have more than one member."""
    cells = nb201_cells(shared_data)
    sizes = cells.groupby("cls").size()
    keep = sizes[sizes > 1].index[:n_classes]
    return cells[cells["cls"].isin(keep)].reset_index(drop=True)


def test_equivalence_classes_keep_each_class_on_one_side_and_answer_for_every_member(shared_data, tmp_path):
    from bench.protocol import FrozenSplits

    cells = class_slice(shared_data, 150)
    cells[["tokens", "cls", "acc"]].to_csv(tmp_path / "t.csv", index=False)
    common = {"space": "sequence", "architecture": {"column": "tokens"}, "labels": {"acc": label(column="acc")}}
    for name, extra in (("plain", {}), ("classes", {"equivalence_class": {"column": "cls"}}),
                        ("pooled", {"equivalence_class": {"column": "cls", "labels": "pooled"}})):
        card = write_card(tmp_path, "t.csv", name=f"mine/{name}", **common, **extra)
        import_source("table", card, tmp_path / "data")
    plain, classes, pooled = (bench.load(f"mine/{n}", tmp_path / "data") for n in ("plain", "classes", "pooled"))
    ids = plain.to_ids(cells["tokens"].tolist())  # each cell's sequence id
    cls_of = dict(zip(ids.tolist(), cells["cls"], strict=True))
    rep = pd.Series(ids).groupby(cells["cls"].to_numpy()).min()  # the lowest id of each class
    assert len(classes) == len(cells) and classes.iso_class is not None
    assert np.array_equal(classes.iso_class, rep.loc[[cls_of[i] for i in classes.ids]].to_numpy())

    def straddling(bm: bench.Benchmark) -> int:
        splits = FrozenSplits(bm)
        test = {cls_of[i] for i in splits.test_ids.tolist()}
        train = {cls_of[i] for i in splits.train_order(0).tolist()}
        return len(test & train)

    assert straddling(plain) > 0  # without the column isomorphs sit on both sides
    assert straddling(classes) == straddling(pooled) == 0
    splits = FrozenSplits(classes)
    assert len(splits.pool) == len(rep) and set(splits.pool.tolist()) == set(rep.tolist())
    # a non-representative member answers with its class's labels: the representative's row, or all rows pooled
    member = cells[(ids != rep.loc[cells["cls"]].to_numpy())].iloc[0]
    rep_row = cells[ids == rep.loc[member["cls"]]].iloc[0]
    assert member["acc"] != rep_row["acc"]
    assert classes.query([member["tokens"]], "acc")[0] == rep_row["acc"]
    assert plain.query([member["tokens"]], "acc")[0] == member["acc"]
    mean = cells.loc[cells["cls"] == member["cls"], "acc"].mean()
    assert pooled.query([member["tokens"]], "acc")[0] == pytest.approx(mean, abs=1e-12)
    info = classes.metric_info("acc").seed_reduction
    assert "stores its representative's value" in info and "column 'cls'" in info
    assert "equivalence class" in pooled.metric_info("acc").seed_reduction
    assert "150 equivalence classes" in (tmp_path / "data" / "mine" / "classes.md").read_text()


def test_equivalence_class_errors(shared_data, tmp_path):
    cells = class_slice(shared_data, 3)
    rows = cells[["tokens", "cls", "acc"]].copy()
    rows.loc[len(rows)] = [rows["tokens"].iloc[0], 999999, 1.0]  # the same cell named in another class
    csv = rows.to_csv(index=False)
    seq = {"name": "e/s", "space": "sequence", "architecture": {"column": "tokens"}, "labels": {"acc": label()}}
    msg = _import_error(tmp_path, csv, **seq, equivalence_class={"column": "cls"})
    assert f"rows 1 and {len(rows)} are the same architecture but name classes" in msg and "'999999'" in msg
    msg = _import_error(tmp_path, csv, **seq, equivalence_class={"column": "cls", "labels": "average"})
    assert "equivalence_class.labels is 'average'" in msg and "pooled" in msg
    nb = {**seq, "space": "nb201", "architecture": {"column": "arch_str"}}
    msg = _import_error(tmp_path, cells[["arch_str", "cls", "acc"]].to_csv(index=False), **nb,
                        equivalence_class={"column": "cls"})
    assert "equivalence_class applies to sequence and graph spaces" in msg


def test_nb201_table_of_class_representatives_answers_for_isomorphic_cells(shared_data, tmp_path, capsys):
    cells = nb201_cells(shared_data)
    reps = cells[cells["arch_idx"] == cells["cls"]].iloc[:300]
    reps[["arch_str", "acc"]].to_csv(tmp_path / "t.csv", index=False)
    card = write_card(tmp_path, "t.csv", name="mine/reps", space="nb201", architecture={"column": "arch_str"},
                      labels={"acc": label()})
    import_source("table", card, tmp_path / "data")
    b = bench.load("mine/reps", tmp_path / "data")
    members = cells[cells["cls"].isin(reps["arch_idx"]) & (cells["arch_idx"] != cells["cls"])].iloc[:50]
    expected = reps.set_index("arch_idx").loc[members["cls"], "acc"].to_numpy()
    assert np.array_equal(b.query(members["arch_idx"].to_numpy(), "acc"), expected)
    assert np.array_equal(b.query(members["arch_str"].tolist(), "acc"), expected)
    outside = int(cells.loc[~cells["cls"].isin(reps["arch_idx"]), "arch_idx"].iloc[0])
    with pytest.raises(bench.InvalidArchitecture, match=f"not in mine/reps \\(first: id {outside}"):
        b.query([outside], "acc")
    member = members.iloc[0]
    assert main(["--data-dir", str(tmp_path / "data"), "query", "mine/reps", member["arch_str"]]) == 0
    out = capsys.readouterr().out.splitlines()
    fields = out[1].split("\t")  # input, canonical id, architecture, labels
    assert fields[0] == member["arch_str"] and fields[1] == str(member["cls"])
    assert float(fields[-1]) == pytest.approx(expected[0])


# ---- imports: missing values, directions, duplicate keys, epochs per row, space_config ----------------
def landscape_rows(shared_data: Path, n: int = 60) -> pd.DataFrame:
    """NB201 rows with two "seeds" per cell for the first n/2 cells (valid and test accuracy)."""
    src = pd.read_csv(shared_data / "nb201_landscapes" / "cifar10_avg.csv").iloc[: n // 2]
    return pd.concat([pd.DataFrame({"arch": src["arch_str"], "acc": src["valid-accuracy"]}),
                      pd.DataFrame({"arch": src["arch_str"], "acc": src["test-accuracy"]})], ignore_index=True)


def test_missing_labels_refused_unless_skipped_and_counted_everywhere(shared_data, tmp_path, capsys):
    rows = landscape_rows(shared_data)
    rows.loc[[3, 40, 41], "acc"] = np.nan
    rows.iloc[:35].to_csv(tmp_path / "t.csv", index=False)  # cells 5..29 have one row, 0..4 two
    nb = {"name": "mine/nan", "space": "nb201", "architecture": {"column": "arch"}}
    msg = _import_error(tmp_path, rows.iloc[:35].to_csv(index=False), **nb, labels={"acc": label()})
    assert "row 4, column 'acc': missing value (1 in this column)" in msg and "missing: skip" in msg
    rows.to_csv(tmp_path / "t.csv", index=False)
    card = write_card(tmp_path, "t.csv", **nb, missing="skip", labels={"acc": label()})
    assert main(["--data-dir", str(tmp_path / "data"), "import", "table", str(card)]) == 0
    assert "3 missing values skipped" in capsys.readouterr().out
    b = bench.load("mine/nan", tmp_path / "data")
    said = b.metric_info("acc").seed_reduction
    assert said == "mean of 1-2 rows per architecture (median 2); 3 missing values skipped"
    assert main(["--data-dir", str(tmp_path / "data"), "info", "mine/nan"]) == 0
    assert "3 missing values skipped" in capsys.readouterr().out
    assert "3 missing label values skipped" in (tmp_path / "data" / "mine" / "nan.md").read_text()
    # a label-level missing: error overrides the card's skip
    (tmp_path / "again").mkdir()
    msg = _import_error(tmp_path / "again", rows.to_csv(index=False), **nb, missing="skip",
                        labels={"acc": label(missing="error")})
    assert "row 4, column 'acc'" in msg


def test_seed_reduction_says_exactly_what_happened(shared_data, tmp_path):
    rows = landscape_rows(shared_data).iloc[:45]  # 15 cells with two rows, 15 with one
    rows.to_csv(tmp_path / "t.csv", index=False)
    card = write_card(tmp_path, "t.csv", name="mine/r", space="nb201", architecture={"column": "arch"},
                      labels={"acc": label(how="median")})
    import_source("table", card, tmp_path / "data")
    said = bench.load("mine/r", tmp_path / "data").metric_info("acc").seed_reduction
    assert said == "median of 1-2 rows per architecture (median 1)"  # nothing missing, nothing claimed


def test_contradictory_direction_and_duplicate_keys_refused(tmp_path):
    csv = "arch,v\n|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,1\n"
    nb = {"name": "e/n", "space": "nb201", "architecture": {"column": "arch"}}
    msg = _import_error(tmp_path, csv, **nb, labels={"v": label(direction="minimize")})
    assert "labels.v: higher_is_better: true contradicts direction: minimize" in msg
    (tmp_path / "t.csv").write_text(csv)
    card = write_card(tmp_path, "t.csv", **nb, labels={"v": label(direction="maximize")})  # agreeing is fine
    import_source("table", card, tmp_path / "data")
    text = card.read_text().replace("  v:\n", "  v:\n    unit: ms\n", 1)
    (tmp_path / "dup.yaml").write_text(text)
    with pytest.raises(CardError) as exc:
        import_source("table", tmp_path / "dup.yaml", tmp_path / "data2")
    line = text.splitlines().index("    unit: accuracy (%)") + 1
    assert f"line {line}: key 'unit' given twice in one mapping (first at line " in str(exc.value)


def test_epochs_per_row_from_a_column(shared_data, tmp_path):
    rows = landscape_rows(shared_data)
    rows["ep"] = np.where(np.arange(len(rows)) % 30 < 10, 12, 200)  # cells 0-9 trained 12 epochs, the rest 200
    rows.to_csv(tmp_path / "t.csv", index=False)
    nb = {"name": "mine/ep", "space": "nb201", "architecture": {"column": "arch"}}
    card = write_card(tmp_path, "t.csv", **nb, labels={"acc": label(epochs={"column": "ep"})})
    import_source("table", card, tmp_path / "data")
    b = bench.load("mine/ep", tmp_path / "data")
    info = b.metric_info("acc")
    assert info.epochs is None and info.epochs_detail == "per architecture: 12-200 (column 'ep'; label acc_epochs)"
    assert "epochs per architecture: 12-200" in info.describe()
    first = rows["arch"].iloc[:30]
    assert np.array_equal(b.query(first.tolist(), "acc_epochs"), np.where(np.arange(30) < 10, 12.0, 200.0))
    assert "12-200" in (tmp_path / "data" / "mine" / "ep.md").read_text()
    # one value per row, rows of one architecture agree, and a constant column is a plain integer
    (tmp_path / "bad").mkdir()
    bad = rows.copy()
    bad.loc[5, "ep"] = np.nan
    msg = _import_error(tmp_path / "bad", bad.to_csv(index=False), **nb, labels={"acc": label(epochs={"column": "ep"})})
    assert "row 6, column 'ep': no epochs for a row with a labels.acc value" in msg
    bad = rows.copy()
    bad.loc[35, "ep"] = 200
    msg = _import_error(tmp_path / "bad", bad.to_csv(index=False), **nb, labels={"acc": label(epochs={"column": "ep"})})
    assert "rows 6 and 36, column 'ep'" in msg and "12 and 200 epochs" in msg
    rows["ep"] = 200
    rows.to_csv(tmp_path / "t.csv", index=False)
    card = write_card(tmp_path, "t.csv", **{**nb, "name": "mine/ep2"}, labels={"acc": label(epochs={"column": "ep"})})
    import_source("table", card, tmp_path / "data")
    b = bench.load("mine/ep2", tmp_path / "data")
    assert b.metric_info("acc").epochs == 200 and b.metrics == ["acc"]


def test_space_config_keys_checked_and_partial_configs_completed(tmp_path):
    msg = _import_error(tmp_path, GRAPH_CSV.replace('0,0,0]",', '0,0,0]]",'), **GRAPH,
                        space_config={"max_node": 3}, labels={"v": label()})
    assert "space_config.max_node is not a graph setting; valid keys: ops, max_nodes, input_op, output_op, " \
           "max_edges" in msg
    msg = _import_error(tmp_path, 'arch,v\n"a b",1\n', name="e/s", space="sequence", architecture={"column": "arch"},
                        space_config={"choice": [["a"], ["b"]]}, labels={"v": label()})
    assert "space_config.choice is not a sequence setting; valid keys: choices, position_names" in msg
    (tmp_path / "t.csv").write_text(textwrap.dedent(GRAPH_CSV.replace('0,0,0]",', '0,0,0]]",')).lstrip())
    card = write_card(tmp_path, "t.csv", **GRAPH, space_config={"max_edges": 2}, labels={"v": label()})
    import_source("table", card, tmp_path / "data")
    assert bench.load("e/g", tmp_path / "data").space.config() == {
        "ops": ["conv"], "max_nodes": 3, "input_op": "input", "output_op": "output", "max_edges": 2}
