"""Importers of public raw files: every stored label equals its source value, checksums are enforced,
units/splits/epochs are stated, and NB201 tables join on the NB201 index."""

from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.stats

import bench
from bench.cli import main
from bench.errors import UsageError
from bench.importers import help_latency, naslib_zc, nb201_landscapes, nb201_mini12
from bench.importers.catalog import import_source
from bench.importers.provenance import ChecksumMismatch
from bench.spaces.nb201 import NB201Space

NASLIB_SUBSET = ["naslib-zc/nb101-cifar10", "naslib-zc/nb201-cifar10", "naslib-zc/nb201-cifar100",
                 "naslib-zc/nb201-imagenet16-120", "naslib-zc/nb301-cifar10", "naslib-zc/tnb101-micro-room_layout",
                 "naslib-zc/tnb101-micro-autoencoder", "naslib-zc/tnb101-macro-class_scene",
                 "naslib-zc/tnb101-macro-jigsaw"]


@pytest.fixture(scope="module")
def imported(shared_data, tmp_path_factory) -> Path:
    """A data directory with every public source imported from ../shared/data (a NASLib subset)."""
    root = tmp_path_factory.mktemp("imported")
    import_source("nb201-landscapes", shared_data / "nb201_landscapes", root)
    import_source("nb201-mini12", shared_data / "nb201_mini12" / "mini-bench-arch-cell-accs.pd", root)
    import_source("help", shared_data / "help_latency" / "raw", root)
    import_source("naslib-zc", shared_data / "naslib_zc", root, only=NASLIB_SUBSET)
    return root


def _pt(path: Path):
    with zipfile.ZipFile(path) as z:
        return pickle.loads(z.read(next(n for n in z.namelist() if n.endswith("data.pkl"))))


# ---- NB201, 200 epochs ----------------------------------------------------------------------------
def test_nb201_200_epoch_labels_equal_the_csv(imported, shared_data):
    raw = pd.read_csv(shared_data / "nb201_landscapes" / "cifar10_avg.csv").sort_values("index")
    b = bench.load("nb201/cifar10-valid", imported)
    assert np.array_equal(b.ids, raw["index"].to_numpy()) and len(b) == 15625
    assert b.strings == raw["arch_str"].tolist()
    assert set(b.metrics) == set(nb201_landscapes.COLUMNS) and len(b.metrics) == 12
    for metric, (column, *_) in nb201_landscapes.COLUMNS.items():
        assert np.array_equal(b.labels(metric), raw[column].to_numpy()), metric
    assert len(np.unique(b.iso_class)) == 6466


def test_nb201_200_epoch_optima(imported):
    b = bench.load("nb201/cifar10-valid", imported)
    arch, value = b.best("valid_acc")
    assert (arch, round(value, 2)) == (6111, 91.61)
    arch, value = b.best("test_acc")
    assert (arch, round(value, 2)) == (1459, 91.52)
    assert b.best("train_time")[1] == b.labels("train_time").min()  # lower is better for times


def test_nb201_200_epoch_labels_say_split_epochs_seeds_unit(imported):
    b = bench.load("nb201/cifar10-valid", imported)
    for m in b.metrics:
        info = b.metric_info(m)
        assert info.epochs == 200 and "3 seeds" in info.seed_reduction
        assert info.split == m.split("_")[0]
        assert info.unit == {"acc": "accuracy (%)", "loss": "cross-entropy loss"}.get(m.split("_")[-1], "s")
    assert "x-valid" in b.metric_info("valid_acc").description
    assert "25k train half" in b.metric_info("valid_acc").description
    assert "ori-test" in b.metric_info("test_acc").description
    assert not b.metric_info("valid_loss").higher_is_better and b.metric_info("valid_acc").higher_is_better
    assert np.allclose(b.labels("train_time"), 200 * b.labels("train_time_per_epoch"), rtol=1e-6)


# ---- NB201, 12 epochs -----------------------------------------------------------------------------
def test_nb201_12_epoch_labels_equal_the_pickle_and_say_12_epochs(imported, shared_data):
    raw = pd.read_pickle(shared_data / "nb201_mini12" / "mini-bench-arch-cell-accs.pd").sort_values("arch")
    for name, metrics in nb201_mini12.DATASETS.items():
        b = bench.load(name, imported)
        assert np.array_equal(b.ids, raw["arch"].to_numpy()) and b.strings == raw["cellstr"].tolist()
        assert set(b.metrics) == {"valid_acc", "test_acc"}
        for metric, (column, split, _) in metrics.items():
            info = b.metric_info(metric)
            assert np.array_equal(b.labels(metric), raw[column].to_numpy()), (name, metric)
            assert info.epochs == 12 and info.split == split and "12-epoch" in info.description
    c10 = bench.load("nb201-12ep/cifar10", imported)
    assert round(c10.best("test_acc")[1], 2) == 89.16  # the 200-epoch cifar10 maximum would be 94.37
    assert "trained on all 50k" in c10.metric_info("test_acc").description
    assert "25k" in c10.metric_info("valid_acc").description


def test_12_and_200_epoch_labels_never_mix(imported):
    with pytest.raises(UsageError, match="in both"):
        bench.load("nb201/cifar10-valid+nb201-12ep/cifar10", imported)
    j = bench.join("nb201/cifar10-valid", "nb201-12ep/cifar10", prefixes=[None, "ep12_"], data_dir=imported)
    assert j.metric_info("ep12_valid_acc").epochs == 12 and j.metric_info("valid_acc").epochs == 200
    rho = scipy.stats.spearmanr(j.labels("valid_acc"), j.labels("ep12_valid_acc")).statistic
    assert 0.8 < rho < 0.99  # related but different fidelities


# ---- HELP latency ---------------------------------------------------------------------------------
def test_help_nb201_latency_equals_the_raw_lists(imported, shared_data):
    raw = shared_data / "help_latency" / "raw" / "nasbench201"
    b = bench.load("nb201-latency/help", imported)
    assert np.array_equal(b.ids, np.arange(15625)) and len(b.metrics) == 27
    index = _pt(raw / "str_arch2idx.pt")
    assert [index[s] for s in b.strings] == b.ids.tolist()
    for setting in help_latency.settings("nasbench201"):
        assert np.array_equal(b.labels(f"latency_{setting}"), np.asarray(_pt(raw / "latency" / f"{setting}.pt")))


def test_help_fbnet_and_ofa_latency_equal_the_raw_lists(imported, shared_data):
    raw = shared_data / "help_latency" / "raw"
    fb = bench.load("fbnet-latency/help", imported)
    archs = _pt(raw / "fbnet" / "metainfo.pt")["arch"]
    rows = fb.source_keys.astype(int)  # position in HELP's architecture list
    assert len(fb) == 5000 and fb.space.code_length == 22 and list(fb.space.counts) == [9] * 22
    assert np.array_equal(fb.codes, np.asarray([archs[r]["op_idx_list"] for r in rows]))
    assert fb.strings[0] == " ".join(archs[rows[0]]["arch_str"])
    for setting in help_latency.settings("fbnet"):
        values = np.asarray(_pt(raw / "fbnet" / "latency" / f"{setting}.pt"))
        assert np.array_equal(fb.labels(f"latency_{setting}"), values[rows])
    ofa = bench.load("ofa-latency/help", imported)
    archs = _pt(raw / "ofa" / "ofa_archs.pt")["arch"]
    rows = ofa.source_keys.astype(int)
    assert len(ofa) == 5000 and len(ofa.metrics) == 12
    for r, s in zip(rows[:50], ofa.strings[:50], strict=True):
        a = archs[r]
        assert s.split() == [str(int(v)) for v in [*a["ks"], *a["e"], *a["d"], a["r"]]]
    for setting in help_latency.settings("ofa"):
        values = np.asarray(_pt(raw / "ofa" / "latency" / f"{setting}.pt"))
        assert np.array_equal(ofa.labels(f"latency_{setting}"), values[rows])
    # a string round-trips through the generic sequence space to the same row
    assert np.array_equal(ofa.query([ofa.strings[7]], "latency_v100_1"), ofa.labels("latency_v100_1")[[7]])


def test_help_device_metadata(imported):
    kinds = set()
    for name, batches in (("nb201-latency/help", {1, 32, 256}), ("fbnet-latency/help", {1, 32, 64}),
                          ("ofa-latency/help", {1, 32, 64})):
        b = bench.load(name, imported)
        for m in b.metrics:
            info = b.metric_info(m)
            extra = info.extra
            assert info.unit == "ms" and info.split == "none" and not info.higher_is_better
            assert m == f"latency_{extra['setting']}" and extra["device"] and extra["kind"] in help_latency.KINDS
            if extra["kind"] == "gpu":
                assert extra["batch_size"] in batches and m.endswith(f"_{extra['batch_size']}")
            else:
                assert extra["batch_size"] is None and "not stated" in info.description
            kinds.add(extra["kind"])
        assert "measured itself" in b.attrs["note_provenance"]
    assert kinds == {"gpu", "cpu", "mobile", "asic", "fpga"}
    b = bench.load("nb201-latency/help", imported)
    assert b.metric_info("latency_pixel3").extra["device"] == "Google Pixel 3"
    extra = b.metric_info("latency_titan_rtx_256").extra
    assert (extra["device"], extra["kind"], extra["batch_size"]) == ("NVIDIA Titan RTX", "gpu", 256)


# HELP README Table 4: latency in ms of the NB201 cells MetaD2A + HELP found on each device
HELP_README_TABLE4 = [
    ("|nor_conv_3x3~0|+|none~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_1x1~1|none~2|", "titan_rtx_256", 17.8),
    ("|skip_connect~0|+|nor_conv_3x3~0|none~1|+|skip_connect~0|nor_conv_1x1~1|skip_connect~2|", "gold_6226", 8.0),
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|", "pixel2", 25.0),
    ("|nor_conv_3x3~0|+|nor_conv_1x1~0|none~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_1x1~2|", "eyeriss", 3.9),
    ("|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|", "fpga", 7.4),
]


def test_help_latency_unit_is_milliseconds(imported):
    b = bench.load("nb201-latency/help", imported)
    for arch, setting, ms in HELP_README_TABLE4:
        assert b.query([arch], f"latency_{setting}")[0] == pytest.approx(ms, abs=0.05), setting


# ---- NASLib zero-cost -----------------------------------------------------------------------------
def _naslib(shared_data: Path, file: str) -> dict:
    return json.loads((shared_data / "naslib_zc" / naslib_zc.FILES[file].name).read_text())


def _scores(records: list[dict], proxy: str) -> np.ndarray:
    """Source scores with NASLib's failure markers (-1e8, -inf) as NaN, as the importer stores them."""
    v = np.array([r[proxy]["score"] if isinstance(r[proxy], dict) else r[proxy] for r in records], dtype=float)
    return np.where((v == -1e8) | np.isinf(v), np.nan, v)


def test_naslib_nb201_labels_equal_the_json(imported, shared_data):
    data = _naslib(shared_data, "nb201")
    space = NB201Space()
    for task, dataset in (("cifar10", "cifar10"), ("cifar100", "cifar100"), ("ImageNet16-120", "imagenet16-120")):
        b = bench.load(f"naslib-zc/nb201-{dataset}", imported)
        table = data[task]
        assert len(b) == len(table)
        keys = [tuple(int(d) for d in k) for k in b.source_keys]
        ids = space.to_ids(space.from_naslib(np.asarray(keys)))
        assert np.array_equal(ids, b.ids)
        records = [table[str(k)] for k in keys]
        assert np.array_equal(b.labels("val_acc"), [r["val_accuracy"] for r in records])
        for proxy in naslib_zc.PROXIES:
            assert np.array_equal(b.labels(f"zc_{proxy}"), _scores(records, proxy), equal_nan=True), proxy
            assert np.array_equal(b.labels(f"zc_{proxy}_time"), [r[proxy]["time"] for r in records]), proxy
            assert b.metric_info(f"zc_{proxy}").split == "none" and b.metric_info(f"zc_{proxy}_time").unit == "s"
        assert np.array_equal(b.labels("params"), b.labels("zc_params"))
        assert b.metric_info("params").unit == "M parameters" and b.metric_info("flops").unit == "MFLOPs"
        assert b.metric_info("val_acc").epochs == 200 and b.metric_info("val_acc").unit == "accuracy (%)"
        assert len(b.metrics) == 3 + 2 * 12
        assert b.metric_info("zc_nwot").extra["failed_computations"] == 1 and np.isnan(b.labels("zc_nwot")).sum() == 1


def test_naslib_nb201_joins_the_200_epoch_table(imported):
    j = bench.join("nb201/cifar10-valid", "naslib-zc/nb201-cifar10", prefixes=[None, "naslib_"], data_dir=imported)
    assert len(j) == 724  # inner join: the NASLib subset
    rho = scipy.stats.spearmanr(j.labels("valid_acc"), j.labels("naslib_val_acc")).statistic
    assert rho > 0.99


def test_zero_cost_scores_are_predictor_features_but_their_compute_times_are_not(imported):
    from bench.evaluation import side_feature_metrics

    b = bench.load("naslib-zc/nb201-cifar10", imported)
    features = side_feature_metrics(b, "val_acc")
    assert {"zc_synflow", "zc_nwot", "params", "flops"} <= set(features)
    assert "val_acc" not in features and not [m for m in features if m.endswith("_time")]
    assert "zc_synflow_time" in b.metrics  # stored, just not a feature


def test_additive_latency_model_fits_nb201_gpu_latency(imported):
    from bench.protocol import FrozenSplits
    from predictors import ArchBatch, get_predictor

    b = bench.load("nb201-latency/help", imported)
    splits = FrozenSplits(b)
    tr, te = splits.train_ids(200, 0), splits.test_ids
    y, yt = b.query(tr, "latency_titan_rtx_256"), b.query(te, "latency_titan_rtx_256")
    pred = get_predictor("linear").fit(ArchBatch.from_benchmark(b, tr), y).predict(ArchBatch.from_benchmark(b, te))
    assert np.mean(np.abs(pred - yt) <= 0.1 * yt) > 0.95  # per-op costs add up on a GPU at batch 256


def test_naslib_nb101_merges_specs_of_one_cell(imported, shared_data):
    table = _naslib(shared_data, "nb101")["nasbench101"]["cifar10"]
    b = bench.load("naslib-zc/nb101-cifar10", imported)
    counts = b.labels("naslib_entries")
    assert counts.sum() == len(table) == 500 and len(b) == 292
    from bench.spaces.graph import GraphSpace

    space = GraphSpace.nb101()
    ids = {}
    for key, rec in table.items():
        tup = json.loads(key.replace("(", "[").replace(")", "]"))
        ids.setdefault(int(space.to_ids(space.from_nb101(tup[:49], tup[49:]))[0]), []).append(rec)
    assert sorted(ids) == b.ids.tolist()
    for row, arch in enumerate(b.ids):
        recs = ids[int(arch)]
        assert b.labels("val_acc")[row] == pytest.approx(np.mean([r["val_accuracy"] for r in recs]), rel=1e-12)
        assert b.labels("zc_synflow")[row] == pytest.approx(np.mean([r["synflow"] for r in recs]), rel=1e-12)
        assert b.labels("zc_jacov")[row] == pytest.approx(np.nanmean(_scores(recs, "jacov")), rel=1e-12)
    assert "zc_nwot" not in b.metrics and "zc_synflow_time" not in b.metrics  # NB101 file: no nwot, no times
    assert b.metric_info("val_acc").epochs == 108 and "NASLib entries" in b.metric_info("val_acc").seed_reduction


def test_naslib_nb301_and_tnb101_labels_and_units(imported, shared_data):
    for file, task, name in (("nb301", "cifar10", "nb301-cifar10"), ("tnb101-micro", "room_layout",
                             "tnb101-micro-room_layout"), ("tnb101-micro", "autoencoder", "tnb101-micro-autoencoder"),
                             ("tnb101-macro", "class_scene", "tnb101-macro-class_scene"),
                             ("tnb101-macro", "jigsaw", "tnb101-macro-jigsaw")):
        table = _naslib(shared_data, file)[task]
        b = bench.load(f"naslib-zc/{name}", imported)
        keys = b.source_keys.tolist()
        if file == "nb301":
            records = [table[k] for k in keys]
        else:  # source keys are TNB's own strings; rebuild NASLib's tuple from the codes
            records = [table[str(tuple(int(c) for c in row))] for row in b.codes]
        assert len(b) == len(table)
        assert np.array_equal(b.labels("val_acc"), [r["val_accuracy"] for r in records])
        for proxy in naslib_zc.PROXIES:
            if f"zc_{proxy}" in b.metrics:
                assert np.array_equal(b.labels(f"zc_{proxy}"), _scores(records, proxy), equal_nan=True)
            elif proxy in records[0]:  # left out only when NASLib failed on every architecture
                assert np.isnan(_scores(records, proxy)).all() and proxy in b.attrs["note_proxies"]
        assert ("zc_synflow" in b.metrics) == (file == "nb301")  # TNB files have no synflow
    info = bench.load("naslib-zc/tnb101-micro-room_layout", imported).metric_info("val_acc")
    assert info.unit == "negative L2 loss" and info.higher_is_better
    assert bench.load("naslib-zc/tnb101-micro-room_layout", imported).labels("val_acc").max() < 0
    assert bench.load("naslib-zc/tnb101-micro-autoencoder", imported).metric_info("val_acc").unit == "SSIM"
    assert bench.load("naslib-zc/tnb101-macro-jigsaw", imported).metric_info("val_acc").unit == "accuracy (%)"
    macro = bench.load("naslib-zc/tnb101-macro-class_scene", imported)
    assert all(k.startswith("64-") and k.endswith("-basic") for k in macro.source_keys)


# ---- joins ----------------------------------------------------------------------------------------
def test_join_values_equal_each_source(imported):
    j = bench.load("nb201/cifar10-valid+nb201-latency/help", imported)
    acc = bench.load("nb201/cifar10-valid", imported)
    lat = bench.load("nb201-latency/help", imported)
    assert len(j) == 15625 and set(j.metrics) == set(acc.metrics) | set(lat.metrics)
    for index in (6111, 1459):
        assert j.query([index], "valid_acc")[0] == acc.query([index], "valid_acc")[0]
        assert j.query([index], "test_acc")[0] == acc.query([index], "test_acc")[0]
        assert j.query([index], "latency_pixel3")[0] == lat.query([index], "latency_pixel3")[0]
    assert j.best("valid_acc")[0] == 6111
    assert np.array_equal(j.labels("latency_fpga"), lat.labels("latency_fpga"))
    assert j.metric_info("latency_fpga").extra["benchmark"] == "nb201-latency/help"
    assert j.metric_info("valid_acc").epochs == 200
    assert np.array_equal(j.iso_class, acc.iso_class)


def test_join_refuses_different_spaces(imported):
    with pytest.raises(UsageError, match="one search space"):
        bench.join("nb201/cifar10-valid", "fbnet-latency/help", data_dir=imported)


# ---- checksums and the command line ---------------------------------------------------------------
def test_checksum_mismatch_is_refused(shared_data, tmp_path):
    bad = tmp_path / "cifar10_avg.csv"
    shutil.copyfile(shared_data / "nb201_landscapes" / "cifar10_avg.csv", bad)
    bad.write_bytes(bad.read_bytes().replace(b"91.60666665", b"99.60666665"))
    with pytest.raises(ChecksumMismatch, match="expected 1fc89edb42c80422.*--allow-unknown-checksum"):
        import_source("nb201-landscapes", bad, tmp_path / "data")
    assert not (tmp_path / "data" / "nb201").exists()
    import_source("nb201-landscapes", bad, tmp_path / "data", allow_unknown_checksum=True)
    b = bench.load("nb201/cifar10-valid", tmp_path / "data")
    assert b.attrs["raw_checksum_status"].startswith("UNVERIFIED") and round(b.best("valid_acc")[1], 2) == 99.61


def test_altered_pickle_is_never_unpickled(shared_data, tmp_path):
    bad = tmp_path / "mini-bench-arch-cell-accs.pd"
    shutil.copyfile(shared_data / "nb201_mini12" / "mini-bench-arch-cell-accs.pd", bad)
    with bad.open("ab") as f:
        f.write(b"\0")
    with pytest.raises(ChecksumMismatch, match="never unpickled"):
        import_source("nb201-mini12", bad, tmp_path, allow_unknown_checksum=True)


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bench.cli", *args], capture_output=True, text=True, timeout=120)


def test_cli_import_writes_store_and_card_and_refuses_overwrite(shared_data, tmp_path, capsys):
    src = str(shared_data / "help_latency" / "raw")
    args = ["--data-dir", str(tmp_path), "import", "help", src, "--only", "ofa-latency/help", "--name", "hw/ofa"]
    out = _cli(*args)  # as a user runs it
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("hw/ofa\timported\t5000 architectures\t12 metrics")
    card = (tmp_path / "hw" / "ofa.md").read_text()
    assert "latency_v100_64" in card and "| ms |" in card and "measured itself" in card
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--force" in err and len(err.strip().splitlines()) == 1
    assert main(["--data-dir", str(tmp_path), "list"]) == 0
    assert any(line.startswith("hw/ofa\tbuilt") for line in capsys.readouterr().out.splitlines())


@pytest.mark.parametrize("args, message", [
    (("import", "nb201-landscapes", "/nonexistent/cifar10_avg.csv"), "does not exist"),
    (("import", "help", "/nonexistent"), "does not exist"),
    (("import", "nb201-mini12", "{tmp}"), "not found"),
    (("import", "naslib-zc", "{tmp}", "--only", "naslib-zc/nb999"), "no benchmark"),
    (("import", "table", "/nonexistent/card.yaml"), "not found"),
    (("import", "help", "{tmp}", "--name", "a/b/c"), "no HELP data"),
])
def test_cli_import_bad_input_one_line_exit_2(args, message, tmp_path, capsys):
    assert main(["--data-dir", str(tmp_path), *(a.format(tmp=tmp_path) for a in args)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err
