"""SequenceSpace on the real HELP FBNet/OFA tables: parsing, ids, encodings, sampling, mutation, store."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chisquare

from bench.benchmark import Benchmark
from bench.spaces import InvalidArchitecture, get_space
from bench.spaces.sequence import ALL_CODES_LIMIT, SequenceSpace, hash_rows
from bench.store import LabelInfo, StoreContents, StoreFile, write_store


@pytest.fixture(scope="module")
def fbnet(shared_data) -> pd.DataFrame:
    return pd.read_csv(shared_data / "help_latency" / "fbnet_latency.csv")


@pytest.fixture(scope="module")
def fbnet_blocks(fbnet) -> list[str]:
    """The 9 FBNet block names in HELP's index order, derived from the (op_idx_list, block_str) pairs."""
    names: dict[int, set[str]] = {}
    for idx, blocks in zip(fbnet["op_idx_list"], fbnet["block_str"], strict=True):
        for i, b in zip(idx.split(), blocks.split(), strict=True):
            names.setdefault(int(i), set()).add(b)
    assert all(len(v) == 1 for v in names.values()), "an FBNet index maps to more than one block name"
    assert sorted(names) == list(range(len(names)))
    return [next(iter(names[i])) for i in range(len(names))]


@pytest.fixture(scope="module")
def fbnet_space(fbnet_blocks) -> SequenceSpace:
    return SequenceSpace.uniform(22, fbnet_blocks, position_names=[f"layer{i}" for i in range(22)])


@pytest.fixture
def small() -> SequenceSpace:
    return SequenceSpace([["a", "b", "c"], ["x", "y"], ["a", "z", "q", "r"]], ["first", "second", "third"])


# ---- real data -----------------------------------------------------------------------------------
def test_fbnet_blocks_parse_to_help_indices(fbnet, fbnet_blocks, fbnet_space):
    assert len(fbnet_blocks) == 9 and "skip" in fbnet_blocks
    codes = np.stack([fbnet_space.parse(s) for s in fbnet["block_str"]])
    expected = np.array([[int(v) for v in s.split()] for s in fbnet["op_idx_list"]], dtype=np.int16)
    assert codes.dtype == np.int16 and codes.shape == (len(fbnet), 22)
    np.testing.assert_array_equal(codes, expected)
    # the canonical string is exactly HELP's block_str
    assert fbnet_space.to_strings(codes) == fbnet["block_str"].tolist()


def test_fbnet_ids_are_stable_63_bit_hashes(fbnet, fbnet_space):
    assert fbnet_space.size == 9**22 and fbnet_space.hashed_ids
    codes = fbnet_space.to_codes(fbnet["block_str"].tolist())
    ids = fbnet_space.to_ids(codes)
    assert ids.dtype == np.int64 and (ids >= 0).all()
    n_distinct_rows = len(np.unique(codes, axis=0))
    assert len(np.unique(ids)) == n_distinct_rows
    # the documented formula: BLAKE2b-64 of the little-endian int16 row, little-endian, top bit cleared
    row = codes[17].astype("<i2").tobytes()
    assert ids[17] == int.from_bytes(hashlib.blake2b(row, digest_size=8).digest(), "little") & (2**63 - 1)
    np.testing.assert_array_equal(hash_rows(codes[::-1])[::-1], ids)
    with pytest.raises(InvalidArchitecture, match="hashes"):
        fbnet_space.from_ids(ids[:3])


def test_ofa_heterogeneous_positions(shared_data):
    ofa = pd.read_csv(shared_data / "help_latency" / "ofa_latency.csv")
    ks_e_d = {c: sorted({t for s in ofa[c] for t in s.split()}) for c in ("ks", "e", "d")}
    resolutions = sorted(ofa["r"].unique().tolist())
    choices = [ks_e_d["ks"]] * 20 + [ks_e_d["e"]] * 20 + [ks_e_d["d"]] * 5 + [resolutions]
    names = [f"ks{i}" for i in range(20)] + [f"e{i}" for i in range(20)] + [f"d{i}" for i in range(5)] + ["r"]
    space = SequenceSpace(choices, names)
    assert space.hashed_ids and space.config()["choices"][-1] == [str(r) for r in resolutions]
    strings = (ofa["ks"] + " " + ofa["e"] + " " + ofa["d"] + " " + ofa["r"].astype(str)).tolist()
    codes = space.to_codes(strings)
    tokens = [s.split() for s in space.to_strings(codes)]
    assert [t[45] for t in tokens] == ofa["r"].astype(str).tolist()
    assert [" ".join(t[:20]) for t in tokens] == ofa["ks"].tolist()
    # a JSON list with numbers reads the same as the string
    first = json.dumps([int(t) for t in strings[0].split()])
    np.testing.assert_array_equal(space.parse(first), codes[0])
    with pytest.raises(InvalidArchitecture, match=r"position 45 \('r'\): unknown choice '999'"):
        space.parse(" ".join(strings[0].split()[:45] + ["999"]))


def test_fbnet_benchmark_round_trip(tmp_path, fbnet, fbnet_space):
    part = fbnet.iloc[:300]
    codes = fbnet_space.to_codes(part["block_str"].tolist())
    ids = fbnet_space.to_ids(codes)
    order = np.argsort(ids)
    info = LabelInfo("latency_pixel3", "ms", "test", None, "single measurement", False, "HELP")
    contents = StoreContents(
        benchmark="test/fbnet",
        space="sequence",
        space_config=fbnet_space.config(),
        ids=ids[order],
        strings=fbnet_space.to_strings(codes[order]),
        codes=codes[order],
        source_keys=part["idx"].to_numpy()[order],
        labels={"latency_pixel3": (part["pixel3"].to_numpy()[order], info)},
        meta={"source": "HELP", "source_version": "test", "license": "MIT", "citation": "-", "raw_sha256": "-"},
    )
    path = write_store(tmp_path / "fbnet.h5", contents)
    with Benchmark(StoreFile(path), "test/fbnet") as b:
        assert isinstance(b.space, SequenceSpace) and b.space.choices == fbnet_space.choices
        some = part.iloc[[5, 100, 250]]
        np.testing.assert_allclose(b.query(some["block_str"].tolist(), "latency_pixel3"), some["pixel3"])
        as_lists = [s.split() for s in some["block_str"]]
        np.testing.assert_allclose(b.query(as_lists, "latency_pixel3"), some["pixel3"])
        assert b.encode(some["block_str"].tolist(), "onehot").shape == (3, 22 * 9)


# ---- parsing and errors --------------------------------------------------------------------------
def test_parse_forms_agree(small):
    expected = np.array([1, 0, 3], dtype=np.int16)
    for form in ("b x r", "  b\tx  r ", '["b", "x", "r"]', ["b", "x", "r"], ("b", "x", "r")):
        np.testing.assert_array_equal(small.parse(form), expected)
    arch = small.arch("b x r")
    assert str(arch) == "b x r" and arch.codes == (1, 0, 3) and arch.id == int(small.to_ids(expected)[0])
    assert small.arch(arch.id) == arch
    np.testing.assert_array_equal(small.to_codes([arch, "a y a"]), [[1, 0, 3], [0, 1, 0]])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("b x", r"expected 3 choices \(one per position\), got 2"),
        ("b x r a", "expected 3 choices .* got 4"),
        ("b w r", r"position 1 \('second'\): unknown choice 'w'; valid: x, y"),
        ('["b", "x"', "cannot read .* as a JSON list"),
        ('["b", null, "r"]', r"position 1 \('second'\): token None is not a string"),
        ("x", "got 1 .*list of token strings is read as a batch"),
    ],
)
def test_parse_errors_name_the_position(small, text, message):
    with pytest.raises(InvalidArchitecture, match=message):
        small.parse(text)


def test_validate_names_row_and_position(small):
    with pytest.raises(InvalidArchitecture, match=r"row 1: position 2 \('third'\) has choice index 4; valid 0..3"):
        small.validate(np.array([[0, 0, 0], [0, 1, 4]]))
    with pytest.raises(InvalidArchitecture, match="3 integers"):
        small.validate(np.zeros((2, 4), dtype=int))


@pytest.mark.parametrize(
    ("choices", "message"),
    [
        ([], "non-empty"),
        ([["a", "a"]], "twice"),
        ([["a b"]], "whitespace"),
        ([[]], "no choices"),
        ([["[x"]], "JSON list"),
        (["abc"], "must be a list of tokens"),
    ],
)
def test_bad_constructor_arguments(choices, message):
    with pytest.raises(ValueError, match=message):
        SequenceSpace(choices)


# ---- ids --------------------------------------------------------------------------------------
def test_dense_ids_enumerate_the_space(small):
    assert not small.hashed_ids and small.size == 24
    codes = small.all_codes()
    np.testing.assert_array_equal(small.to_ids(codes), np.arange(24))
    np.testing.assert_array_equal(small.from_ids(np.arange(24)), codes)
    assert len(np.unique(codes, axis=0)) == 24
    # first position most significant
    np.testing.assert_array_equal(codes[8], [1, 0, 0])
    with pytest.raises(InvalidArchitecture, match="valid ids are 0..23"):
        small.from_ids(np.array([24]))
    with pytest.raises(ValueError, match="enumerates at most"):
        SequenceSpace.uniform(12, list("abcdefgh")).all_codes()
    assert 8**12 > ALL_CODES_LIMIT


def test_config_rebuilds_an_equal_space(fbnet_space):
    rebuilt = get_space("sequence", **json.loads(json.dumps(fbnet_space.config())))
    codes = fbnet_space.sample(50, np.random.default_rng(3))
    np.testing.assert_array_equal(rebuilt.to_ids(codes), fbnet_space.to_ids(codes))
    assert rebuilt.position_names == fbnet_space.position_names


# ---- encodings -----------------------------------------------------------------------------------
def test_encodings(fbnet_space, fbnet_blocks):
    codes = fbnet_space.sample(40, np.random.default_rng(0))
    onehot = fbnet_space.encode(codes, "onehot")
    assert onehot.shape == (40, 22 * 9) and onehot.dtype == np.float32
    np.testing.assert_array_equal(onehot.reshape(40, 22, 9).argmax(axis=2), codes)
    np.testing.assert_array_equal(onehot.sum(axis=1), 22)
    np.testing.assert_array_equal(fbnet_space.encode(codes, "path"), onehot)
    adj = fbnet_space.encode(codes, "adjacency")
    assert adj["adjacency"].shape == (40, 24, 24) and adj["ops"].shape == (40, 24)
    np.testing.assert_array_equal(adj["adjacency"][0], np.eye(24, k=1))
    types = np.asarray(fbnet_space.node_types)
    assert (types[adj["ops"][:, 0]] == "input").all() and (types[adj["ops"][:, -1]] == "output").all()
    np.testing.assert_array_equal(types[adj["ops"][:, 1:-1]], np.asarray(fbnet_blocks)[codes])
    graphs = fbnet_space.encode(codes[:3], "graph")
    assert len(graphs) == 3 and graphs[0].num_nodes == 24
    assert graphs[0].x.shape == (24, len(fbnet_space.node_types))
    np.testing.assert_array_equal(graphs[1].x.numpy().argmax(axis=1), adj["ops"][1])
    assert graphs[0].edge_index.tolist() == [list(range(23)), list(range(1, 24))]
    with pytest.raises(ValueError, match="unknown encoding"):
        fbnet_space.encode(codes, "bogus")


def test_shared_tokens_share_a_node_type():
    space = SequenceSpace([["3", "5"], ["3", "6"]])
    assert space.vocabulary == ("3", "5", "6")
    ops = space.encode(np.array([[0, 0]]), "adjacency")["ops"][0]
    assert ops[1] == ops[2] == space.node_types.index("3")


# ---- sampling and mutation ---------------------------------------------------------------------
def test_sampling_is_uniform_and_deterministic(fbnet_space):
    a = fbnet_space.sample(9000, np.random.default_rng(11))
    b = fbnet_space.sample(9000, np.random.default_rng(11))
    np.testing.assert_array_equal(a, b)
    fbnet_space.validate(a)
    counts = np.stack([np.bincount(a[:, i], minlength=9) for i in range(22)])
    assert chisquare(counts.ravel()).pvalue > 1e-4
    assert not np.array_equal(a, fbnet_space.sample(9000, np.random.default_rng(12)))


def test_neighbours_change_exactly_one_position(small, fbnet_space):
    row = np.array([1, 0, 3], dtype=np.int16)
    nb = small.neighbours(row)
    assert len(nb) == (3 - 1) + (2 - 1) + (4 - 1)
    assert ((nb != row).sum(axis=1) == 1).all() and len(np.unique(nb, axis=0)) == len(nb)
    small.validate(nb)
    big = fbnet_space.neighbours(fbnet_space.sample(1, np.random.default_rng(0))[0])
    assert big.shape == (22 * 8, 22)


def test_mutate_is_a_valid_neighbour(fbnet_space, small):
    codes = fbnet_space.sample(500, np.random.default_rng(1))
    out = fbnet_space.mutate(codes, np.random.default_rng(2))
    assert ((out != codes).sum(axis=1) == 1).all()
    fbnet_space.validate(out)
    np.testing.assert_array_equal(out, fbnet_space.mutate(codes, np.random.default_rng(2)))
    # positions are drawn in proportion to their alternatives: with one choice, never mutated
    fixed = SequenceSpace([["only"], ["a", "b"]])
    moved = fixed.mutate(np.zeros((50, 2), dtype=np.int16), np.random.default_rng(0))
    assert (moved[:, 0] == 0).all() and (moved[:, 1] == 1).all()
    row = small.parse("a x a")
    seen = {tuple(r) for r in small.mutate(np.repeat(row[None], 400, axis=0), np.random.default_rng(5))}
    assert seen == {tuple(r) for r in small.neighbours(row)}
