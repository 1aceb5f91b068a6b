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
                      labels={"acc": label(), "time": label("s", "train", 200, "max", column="t")})
    import_source("table", card, tmp_path / "data")
    b = bench.load("mine/nb201", tmp_path / "data")
    assert np.array_equal(b.ids, np.sort(src["index"].to_numpy()))
    order = np.argsort(src["index"].to_numpy())
    expected = ((src["valid-accuracy"] + src["test-accuracy"]) / 2).to_numpy()[order]
    assert np.allclose(b.labels("acc"), expected, rtol=0, atol=1e-12)
    assert np.array_equal(b.labels("time"), src["train-per-time"].to_numpy()[order])  # NaN rows skipped
    assert b.metric_info("acc").seed_reduction == "mean of 2 rows per architecture"
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
    from bench.evaluate import PredictorConfig, ResultStore, evaluate, plan_units

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
