"""Store integrity on a real benchmark file: checksums, versions, shapes, atomic writes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

import bench
from bench.importers import nasbench_graph
from bench.store import FORMAT_VERSION, StoreError, StoreFile, read_contents, write_store


@pytest.fixture()
def cora_copy(tmp_path, data_dir):
    src = bench.load("nasbench-graph/cora").path
    dst = tmp_path / "nasbench-graph" / "cora.h5"
    dst.parent.mkdir()
    shutil.copy(src, dst)
    return dst


def test_file_attributes_describe_the_source(data_dir):
    b = bench.load("nasbench-graph/cora")
    a = b.attrs
    assert a["format_version"] == FORMAT_VERSION
    assert a["space"] == "nasbench-graph"
    assert "nas-bench-graph" in a["source_version"]
    assert "Apache" in a["license"] and "NAS-Bench-Graph" in a["citation"]
    raw = nasbench_graph.raw_path("cora")
    assert raw.name in a["raw_sha256"] and len(a["content_sha256"]) == 64


def test_every_label_states_unit_split_epochs_seeds_direction(data_dir):
    for name in ("nasbench-graph/cora", "nb201-analog/cifar10"):
        b = bench.load(name)
        for m in b.metrics:
            info = b.metric_info(m)
            assert info.unit and info.split in ("train", "valid", "test", "none")
            assert info.seed_reduction and info.source
            assert info.epochs is None or info.epochs > 0
            if info.epochs is None:
                assert "not recorded" in info.description or info.split == "none"


def test_tampered_label_is_refused_with_rebuild_hint(cora_copy):
    with h5py.File(cora_copy, "r+") as f:
        ds = f["labels/valid_acc"]
        ds[0] = ds[0] + 0.01
    sf = StoreFile(cora_copy, rebuild_hint="rebuild it with X")  # attributes still agree ...
    with pytest.raises(StoreError, match="checksum mismatch in labels/valid_acc.*rebuild it with X"):
        sf.read("labels/valid_acc")  # ... but the bytes do not
    with pytest.raises(StoreError, match="checksum mismatch"):
        StoreFile(cora_copy, verify="full")


def test_edited_metadata_and_wrong_version_are_refused(cora_copy, tmp_path):
    other, third = tmp_path / "v.h5", tmp_path / "m.h5"
    shutil.copy(cora_copy, other)
    shutil.copy(cora_copy, third)
    with h5py.File(cora_copy, "r+") as f:  # silently changing a unit in the manifest must not pass
        f.attrs["manifest"] = f.attrs["manifest"].replace('"unit":"s"', '"unit":"ms"')
    with pytest.raises(StoreError, match="content checksum mismatch"):
        StoreFile(cora_copy)
    with h5py.File(third, "r+") as f:  # nor in the per-array mirror that h5 tools show
        f["labels/latency"].attrs["unit"] = "ms"
    sf = StoreFile(third)
    assert sf.label_info("latency").unit == "s"
    with pytest.raises(StoreError, match="metadata of labels/latency differs"):
        sf.read("labels/latency")
    with h5py.File(other, "r+") as f:
        f.attrs["format_version"] = 99
    with pytest.raises(StoreError, match="format version 99"):
        StoreFile(other)


def test_wrong_shape_and_truncated_file_are_refused(cora_copy, tmp_path):
    with h5py.File(cora_copy, "r+") as f:
        del f["labels/params"]
        f.create_dataset("labels/params", data=np.zeros(10))
    with pytest.raises(StoreError, match="labels/params has shape"):
        StoreFile(cora_copy).read("labels/params")
    half = tmp_path / "half.h5"
    half.write_bytes(bench.load("nasbench-graph/citeseer").path.read_bytes()[:5000])
    with pytest.raises(StoreError, match="not a readable benchmark file"):
        StoreFile(half)


def test_load_refuses_corrupt_default_with_build_command(cora_copy, tmp_path):
    with h5py.File(cora_copy, "r+") as f:
        f.attrs["manifest"] = f.attrs["manifest"].replace("Apache", "MIT")
    with pytest.raises(StoreError, match="archbench datasets build nasbench-graph/cora --force"):
        bench.load("nasbench-graph/cora", data_dir=tmp_path)


def test_round_trip_and_atomic_write(tmp_path, data_dir):
    contents = read_contents(bench.load("nasbench-graph/pubmed").path)
    out = tmp_path / "x" / "pubmed.h5"
    write_store(out, contents)
    again = read_contents(out)
    assert np.array_equal(again.ids, contents.ids)
    for m, (y, info) in contents.labels.items():
        assert np.array_equal(again.labels[m][0], y) and again.labels[m][1] == info
    # a failing write leaves the old file intact and no temp file behind
    before = out.read_bytes()
    contents.labels["valid_acc"] = (contents.labels["valid_acc"][0][:5], contents.labels["valid_acc"][1])
    with pytest.raises(ValueError, match="valid_acc"):
        write_store(out, contents)
    assert out.read_bytes() == before
    assert [p.name for p in out.parent.iterdir()] == ["pubmed.h5"]


def _flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :]


_DAMAGE = {
    "empty": lambda d: b"",
    "truncated header": lambda d: d[:100],
    "truncated at half": lambda d: d[: len(d) // 2],
    "truncated end": lambda d: d[:-1],
    "flipped superblock byte": lambda d: _flip(d, 9),
    "flipped header byte": lambda d: _flip(d, 873),  # an HDF5 attribute header: h5py RuntimeError before
    "flipped heap byte": lambda d: _flip(d, 1940),  # an HDF5 heap: OSError reading an attribute before
    "flipped manifest byte": lambda d: _flip(d, d.find(b'{"datasets"')),  # UnicodeEncodeError before
    "flipped manifest text": lambda d: _flip(d, d.find(b'{"datasets"') + 500),
    "flipped array byte": lambda d: _flip(d, len(d) - 5000),
    "random bytes": lambda d: np.random.default_rng(0).integers(0, 256, len(d), dtype=np.uint8).tobytes(),
}


@pytest.mark.parametrize("damage", sorted(_DAMAGE))
def test_damaged_file_is_refused_with_the_rebuild_hint_or_reads_intact(damage, cora_copy, tmp_path, capsys):
    from bench.cli import main

    intact = bench.load("nasbench-graph/cora")
    cora_copy.write_bytes(_DAMAGE[damage](cora_copy.read_bytes()))
    try:
        b = bench.load("nasbench-graph/cora", data_dir=tmp_path, build_missing=False)
        for key in b._store.dataset_keys():  # bytes outside every array and the manifest may change harmlessly
            assert np.array_equal(b._store.read(key), intact._store.read(key))
    except StoreError as exc:
        assert "archbench datasets build nasbench-graph/cora --force" in str(exc)
    assert main(["info", "nasbench-graph/cora", "--data-dir", str(tmp_path)]) in (0, 2)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) <= 1 and all("--force" in line for line in err)


def test_directory_in_place_of_the_file_keeps_the_hint(cora_copy, tmp_path):
    cora_copy.unlink()
    cora_copy.mkdir()
    with pytest.raises(StoreError, match="not a regular file.*datasets build nasbench-graph/cora --force"):
        bench.load("nasbench-graph/cora", data_dir=tmp_path)


def test_writes_synced_together_appear_at_the_end_in_order(tmp_path):
    from bench.atomic import atomic_write_text, synced_together

    a, b = tmp_path / "a.npz", tmp_path / "a.json"
    atomic_write_text(b, "old row\n")
    with synced_together():
        atomic_write_text(a, "predictions\n")
        atomic_write_text(b, "new row\n")
        # nothing renamed yet: the old row is still the one a reader sees
        assert not a.exists() and b.read_text() == "old row\n"
    assert a.read_text() == "predictions\n" and b.read_text() == "new row\n"
    assert a.stat().st_mtime_ns <= b.stat().st_mtime_ns  # predictions renamed first, the row last
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json", "a.npz"]


def test_a_write_that_fails_in_a_group_leaves_the_finished_ones_whole(tmp_path):
    from bench.atomic import atomic_path, atomic_write_text, synced_together

    with pytest.raises(OSError, match="disk full"), synced_together():
        atomic_write_text(tmp_path / "done.txt", "whole\n")
        with atomic_path(tmp_path / "half.txt") as tmp:
            tmp.write_text("hal")
            raise OSError("disk full")
    assert (tmp_path / "done.txt").read_text() == "whole\n"
    assert [p.name for p in tmp_path.iterdir()] == ["done.txt"]  # no half file, no temp file


def test_a_group_across_two_file_systems_lands_on_both(tmp_path):
    import tempfile

    from bench.atomic import atomic_write_text, synced_together

    if not os.path.isdir("/dev/shm") or os.stat("/dev/shm").st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs /dev/shm on a file system other than the temporary directory's")
    with tempfile.TemporaryDirectory(dir="/dev/shm") as shm:
        a, b = tmp_path / "a.txt", Path(shm) / "b.txt"
        with synced_together():
            atomic_write_text(a, "on disk\n")
            atomic_write_text(b, "in memory\n")
        assert a.read_text() == "on disk\n" and b.read_text() == "in memory\n"
        assert os.listdir(shm) == ["b.txt"] and os.listdir(tmp_path) == ["a.txt"]
