"""NAS-Bench-Graph space: ids identical to the package's ``valid_hash``, parsing, sampling, mutation, encodings.

The ``nas_bench_graph`` package is the reference here only; the space never calls it.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from nas_bench_graph import Arch, gnn_list, gnn_list_proteins, light_read
from scipy.stats import chisquare

from bench.spaces import get_space
from bench.spaces.base import InvalidArchitecture
from bench.spaces.nasbench_graph import (
    ALL_SKIP_ID,
    GNN_OPS,
    LINK_PATTERNS,
    PROTEINS_OPS,
    NasBenchGraphArch,
    NasBenchGraphSpace,
)

FULL_DATASETS = ("cora", "citeseer", "pubmed", "cs", "physics", "photo", "computers", "arxiv")
RAW_LINKS = [(0, a, b, c) for a in range(2) for b in range(3) for c in range(4)]


@pytest.fixture(scope="module")
def space() -> NasBenchGraphSpace:
    return NasBenchGraphSpace()


@pytest.fixture(scope="module")
def proteins() -> NasBenchGraphSpace:
    return NasBenchGraphSpace(list(PROTEINS_OPS))


@pytest.fixture(scope="module")
def raw() -> tuple[np.ndarray, np.ndarray]:
    """Every raw (link, ops) combination but the all-skip ones (157,440 rows) and its reference hash."""
    rows, ref = [], []
    for link in RAW_LINKS:
        for ops in itertools.product(range(len(gnn_list)), repeat=4):
            if all(o == 8 for o in ops):
                continue
            rows.append((*link, *ops))
            ref.append(Arch(list(link), [gnn_list[o] for o in ops]).valid_hash())
    return np.array(rows, dtype=np.int16), np.array(ref, dtype=np.int64)


def test_constants_agree_with_package() -> None:
    assert list(GNN_OPS) == gnn_list
    assert set(PROTEINS_OPS) == set(gnn_list_proteins)
    from nas_bench_graph import link_list

    assert [list(p) for p in LINK_PATTERNS] == link_list


# ---- canonical ids ---------------------------------------------------------------------------------
def test_ids_match_valid_hash_exhaustively(space: NasBenchGraphSpace, raw: tuple[np.ndarray, np.ndarray]) -> None:
    codes, ref = raw
    assert len(codes) == 24 * 9**4 - 24 == 157_440
    np.testing.assert_array_equal(space.to_ids(codes), ref)
    # canonical rows hash to themselves, both here and in the reference
    canon = space.canonicalize(codes)
    np.testing.assert_array_equal(space.to_ids(canon), ref)
    uniq = np.unique(canon, axis=0)
    ref_canon = [Arch([int(v) for v in r[:4]], [gnn_list[o] for o in r[4:]]).valid_hash() for r in uniq]
    np.testing.assert_array_equal(space.to_ids(uniq), ref_canon)


def test_proteins_ids_match_valid_hash(proteins: NasBenchGraphSpace, raw: tuple[np.ndarray, np.ndarray]) -> None:
    codes, ref = raw
    allowed = np.isin(codes[:, 4:], [gnn_list.index(o) for o in gnn_list_proteins]).all(axis=1)
    np.testing.assert_array_equal(proteins.to_ids(codes[allowed]), ref[allowed])


@pytest.mark.parametrize("dataset", FULL_DATASETS)
def test_canonical_set_is_the_benchmark_keys(space: NasBenchGraphSpace, dataset: str) -> None:
    keys = np.array(sorted(light_read(dataset)), dtype=np.int64)
    assert len(keys) == len(space) == 26_206
    np.testing.assert_array_equal(space.ids, keys)


def test_proteins_canonical_set_is_the_benchmark_keys(proteins: NasBenchGraphSpace) -> None:
    keys = np.array(sorted(light_read("proteins")), dtype=np.int64)
    assert len(keys) == len(proteins) == 2_021
    np.testing.assert_array_equal(proteins.ids, keys)
    assert proteins.config() == {"ops": ["gcn", "sage", "arma", "fc", "skip"]}


def test_from_ids_round_trip(space: NasBenchGraphSpace, proteins: NasBenchGraphSpace) -> None:
    for sp in (space, proteins):
        codes = sp.from_ids(sp.ids)
        assert codes.dtype == np.int16 and codes.shape == (len(sp), 8)
        np.testing.assert_array_equal(sp.to_ids(codes), sp.ids)
        np.testing.assert_array_equal(sp.canonicalize(codes), codes)
        np.testing.assert_array_equal(sp.all_codes(), codes)
    # ids and codes agree across op sets
    np.testing.assert_array_equal(space.from_ids(proteins.ids), proteins.from_ids(proteins.ids))


def test_from_ids_rejects_unknown_ids(space: NasBenchGraphSpace, proteins: NasBenchGraphSpace) -> None:
    with pytest.raises(InvalidArchitecture, match=r"id 88888 .*all-skip"):
        space.from_ids(np.array([ALL_SKIP_ID]))
    non_canonical = space.to_ids(np.array([[0, 0, 0, 0, 1, 1, 1, 1]]))[0] + 1000  # gin before gcn: not sorted
    assert not np.isin(non_canonical, space.ids)
    for bad in (non_canonical, -1, 90000, 99999, 9):  # 9: op digit 9 names no op
        with pytest.raises(InvalidArchitecture, match=rf"unknown nasbench-graph id {bad}\b"):
            space.from_ids(np.array([int(space.ids[0]), bad]))
    gat = space.to_ids(np.array([[0, 1, 2, 3, 0, 0, 0, 0]]))[0]
    with pytest.raises(InvalidArchitecture, match=rf"id {gat} for op set \(gcn, sage, arma, fc, skip\)"):
        proteins.from_ids(np.array([gat]))
    with pytest.raises(InvalidArchitecture, match="integers"):
        space.from_ids(np.array([1.5]))
    assert space.from_ids(np.array([], dtype=np.int64)).shape == (0, 8)


# ---- strings and objects ---------------------------------------------------------------------------
def test_strings_round_trip(space: NasBenchGraphSpace, proteins: NasBenchGraphSpace) -> None:
    for sp, step in ((space, 7), (proteins, 1)):
        codes = sp.all_codes()[::step]
        strings = sp.to_strings(codes)
        assert len(set(strings)) == len(strings)
        np.testing.assert_array_equal(np.stack([sp.parse(s) for s in strings]), codes)
        np.testing.assert_array_equal(sp.to_codes(strings[:50]), codes[:50])


def test_parse_examples(space: NasBenchGraphSpace) -> None:
    row = space.parse("link=0,0,1,2 ops=gcn,gat,skip,sage")
    assert row.dtype == np.int16 and row.shape == (8,)
    ref = Arch([0, 0, 1, 2], ["gcn", "gat", "skip", "sage"]).valid_hash()
    assert space.to_ids(row)[0] == ref
    tolerant = space.parse("  link = 0, 0 ,1,2\n  OPS= GCN , gat,skip ,sage  ")
    np.testing.assert_array_equal(tolerant, row)
    # a non-canonical spelling parses to the canonical row (node 4 renumbered to node 3). The package
    # README's "same architecture" spelling link=0,1,1,2 ops=gcn,cheb,gin,fc re-attaches fc under cheb and
    # has a different valid_hash (61327 vs 61237), so it is not used here.
    a = space.parse("link=0,1,2,1 ops=gcn,gin,fc,cheb")
    b = space.parse("link=0,1,1,2 ops=gcn,gin,cheb,fc")
    np.testing.assert_array_equal(a, b)
    assert space.to_strings(a) == ["link=0,1,1,2 ops=gcn,gin,cheb,fc"]
    assert space.to_ids(a)[0] == Arch([0, 1, 2, 1], ["gcn", "gin", "fc", "cheb"]).valid_hash()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("link=0,0,3,2 ops=gcn,gat,skip,sage", r"link\[2\]=3 is out of range 0\.\.2"),
        ("link=1,0,1,2 ops=gcn,gat,skip,sage", r"link\[0\]=1 is out of range 0\.\.0"),
        ("link=0,x,1,2 ops=gcn,gat,skip,sage", r"link\[1\]='x' is not an integer"),
        ("link=0,0,1 ops=gcn,gat,skip,sage", r"expected 4 comma-separated link entries, got '0,0,1'"),
        ("link=0,0,1,2 ops=gcn,gat,skip", r"expected 4 comma-separated ops, got 'gcn,gat,skip'"),
        ("link=0,0,1,2 ops=gcn,gat,skip,sage,fc", r"expected 4 comma-separated ops"),
        ("link=0,0,1,2 ops=gcn,gat,conv,sage", r"unknown op 'conv' at position 2; valid ops: gat, gcn, gin, .*skip"),
        ("link=0,0,1,2 ops=skip,skip,skip,skip", r"all four operations are skip"),
        ("gcn,gat,skip,sage", r"cannot parse .*expected the form 'link=0,0,1,2 ops="),
        ("", r"cannot parse"),
    ],
)
def test_parse_errors(space: NasBenchGraphSpace, text: str, message: str) -> None:
    with pytest.raises(InvalidArchitecture, match=message):
        space.parse(text)


def test_parse_rejects_ops_outside_the_op_set(proteins: NasBenchGraphSpace) -> None:
    with pytest.raises(InvalidArchitecture, match=r"op 'gat' at position 1 is not in this space's op set \(gcn, sage"):
        proteins.parse("link=0,0,1,2 ops=gcn,gat,skip,sage")
    with pytest.raises(InvalidArchitecture, match=r"expected a string"):
        proteins.parse(3)  # type: ignore[arg-type]


def test_arch_object(space: NasBenchGraphSpace) -> None:
    a = space.arch(link=(0, 1, 2, 1), ops=("gcn", "gin", "fc", "cheb"))
    b = space.arch(link=[0, 1, 1, 2], ops=["gcn", "gin", "cheb", "fc"])
    assert isinstance(a, NasBenchGraphArch) and a == b and hash(a) == hash(b)
    assert a.link == (0, 1, 1, 2) and a.ops == ("gcn", "gin", "cheb", "fc")
    assert str(a) == "link=0,1,1,2 ops=gcn,gin,cheb,fc"
    assert a.codes.dtype == np.int16
    np.testing.assert_array_equal(a.codes, space.parse(str(a)))
    assert a.id == space.to_ids(a.codes)[0] == Arch([0, 1, 2, 1], ["gcn", "gin", "fc", "cheb"]).valid_hash()
    assert space.arch(str(a)) == a == space.arch(a.id)
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.link = (0, 0, 0, 0)  # type: ignore[misc]
    np.testing.assert_array_equal(space.to_codes([a, str(b), a.id]), np.stack([a.codes] * 3))
    with pytest.raises(InvalidArchitecture, match=r"link\[3\]='1.5' is not an integer"):
        space.arch(link=(0, 1, 1, 1.5), ops=("gcn", "gin", "cheb", "fc"))
    with pytest.raises(InvalidArchitecture, match="expected 4 link entries and 4 ops, got 4 and 3"):
        space.arch(link=(0, 1, 1, 2), ops=("gcn", "gin", "cheb"))
    with pytest.raises(InvalidArchitecture, match="unknown nasbench-graph id 88888"):
        space.arch(ALL_SKIP_ID)


def test_validate(space: NasBenchGraphSpace, proteins: NasBenchGraphSpace) -> None:
    good = np.array([[0, 0, 1, 2, 1, 0, 8, 4]])
    assert space.validate(good).dtype == np.int16
    cases = [
        (np.array([[0, 0, 1, 2, 1, 0, 8]]), space, r"8 integers per architecture"),
        (np.array([[0, 0, 1, 4, 1, 0, 8, 4]]), space, r"row 0: link\[3\]=4 is out of range 0\.\.3"),
        (np.array([good[0], [0, -1, 0, 0, 1, 1, 1, 1]]), space, r"row 1: link\[1\]=-1 is out of range"),
        (np.array([[0, 0, 1, 2, 1, 9, 8, 4]]), space, r"row 0: op index 9 at position 1 is out of range 0\.\.8"),
        (np.array([[0, 0, 1, 2, 8, 8, 8, 8]]), space, r"row 0: all four operations are skip"),
        (good, proteins, r"row 0: op 'gat' at position 1 is not in this space's op set"),
        (good.astype(float), space, r"must be integers"),
    ]
    for codes, sp, message in cases:
        with pytest.raises(InvalidArchitecture, match=message):
            sp.to_ids(codes)


def test_space_config_and_registry(proteins: NasBenchGraphSpace) -> None:
    rebuilt = get_space("nasbench-graph", **proteins.config())
    assert isinstance(rebuilt, NasBenchGraphSpace) and rebuilt.ops == proteins.ops
    assert get_space("nasbench-graph").config() == {"ops": list(GNN_OPS)}
    # the op set is kept in the package's order whatever order it was given in
    assert NasBenchGraphSpace(["skip", "gcn"]).ops == ("gcn", "skip")
    with pytest.raises(ValueError, match=r"unknown NAS-Bench-Graph ops \['conv'\]"):
        NasBenchGraphSpace(["gcn", "conv"])


# ---- sampling and mutation -------------------------------------------------------------------------
def test_sample(space: NasBenchGraphSpace, proteins: NasBenchGraphSpace) -> None:
    a = space.sample(1000, np.random.default_rng(3))
    np.testing.assert_array_equal(a, space.sample(1000, np.random.default_rng(3)))
    assert a.shape == (1000, 8) and a.dtype == np.int16
    np.testing.assert_array_equal(space.canonicalize(a), a)
    assert np.isin(space.to_ids(a), space.ids).all()
    # uniform over the 2,021 canonical proteins architectures (not over raw combinations)
    ids = proteins.to_ids(proteins.sample(100_000, np.random.default_rng(0)))
    counts = np.bincount(np.searchsorted(proteins.ids, ids), minlength=len(proteins))
    assert (counts > 0).all()
    assert chisquare(counts).pvalue > 1e-3
    assert space.sample(0, np.random.default_rng(0)).shape == (0, 8)


def test_neighbours(space: NasBenchGraphSpace, proteins: NasBenchGraphSpace) -> None:
    rng = np.random.default_rng(1)
    for sp in (space, proteins):
        for code in sp.sample(40, rng):
            nb = sp.neighbours(code)
            own = sp.to_ids(code)[0]
            ids = sp.to_ids(nb)  # validates: all in the op set, none all-skip
            assert nb.dtype == np.int16 and len(nb) > 0
            np.testing.assert_array_equal(sp.canonicalize(nb), nb)
            assert len(np.unique(ids)) == len(ids) and own not in ids
            # every single change of the canonical row itself is included
            direct = []
            for pos in range(8):
                values = range(pos + 1) if pos < 4 else [GNN_OPS.index(o) for o in sp.ops]
                for v in values:
                    row = code.copy()
                    row[pos] = v
                    if pos >= 4 and (row[4:] == 8).all():
                        continue
                    direct.append(row)
            direct_ids = set(sp.to_ids(np.stack(direct)).tolist()) - {own}
            assert direct_ids <= set(ids.tolist())
            # symmetric: a is a neighbour of each of its neighbours
            for other in nb[:: max(1, len(nb) // 5)]:
                assert own in sp.to_ids(sp.neighbours(other))
    # a non-canonical spelling has the same neighbourhood
    np.testing.assert_array_equal(
        space.neighbours(np.array([0, 1, 2, 1, 1, 2, 7, 3])),
        space.neighbours(space.parse("link=0,1,2,1 ops=gcn,gin,fc,cheb")),
    )
    mutated = space.mutate(space.sample(20, rng), rng)
    assert np.isin(space.to_ids(mutated), space.ids).all()


# ---- encodings -------------------------------------------------------------------------------------
def test_onehot(space: NasBenchGraphSpace, proteins: NasBenchGraphSpace, raw: tuple[np.ndarray, np.ndarray]) -> None:
    for sp in (space, proteins):
        enc = sp.encode(sp.all_codes(), "onehot")
        assert enc.dtype == np.float32 and enc.shape == (len(sp), 9 + 4 * len(sp.ops))
        np.testing.assert_array_equal(enc.sum(axis=1), 5)
        assert len(np.unique(enc, axis=0)) == len(sp)
    # raw spellings encode like their canonical form
    codes = raw[0][::97]
    np.testing.assert_array_equal(space.encode(codes, "onehot"), space.encode(space.canonicalize(codes), "onehot"))


def test_adjacency(space: NasBenchGraphSpace) -> None:
    codes = space.all_codes()
    enc = space.encode(codes, "adjacency")
    adj, ops = enc["adjacency"], enc["ops"]
    assert adj.shape == (len(codes), 6, 6) and adj.dtype == np.float32
    assert ops.shape == (len(codes), 6) and np.issubdtype(ops.dtype, np.integer)
    assert np.all(np.tril(adj) == 0)  # forward edges only: a DAG in topological order
    np.testing.assert_array_equal(adj[:, :, 1:5].sum(axis=1), 1)  # every computing node has one input
    has_child = adj[:, 1:5, 1:5].sum(axis=2) > 0
    np.testing.assert_array_equal(adj[:, 1:5, 5], ~has_child)  # exactly the leaves feed the output
    assert (ops[:, 0] == space.node_types.index("input")).all() and (ops[:, 5] == 10).all()
    np.testing.assert_array_equal(np.array(space.ops)[ops[:, 1:5]], np.array(GNN_OPS)[codes[:, 4:]])
    one = space.encode(space.parse("link=0,0,1,2 ops=gcn,gat,gin,sage"), "adjacency")["adjacency"][0]
    edges = {(int(a), int(b)) for a, b in zip(*np.nonzero(one), strict=True)}
    assert edges == {(0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 5)}


def test_path(space: NasBenchGraphSpace, proteins: NasBenchGraphSpace) -> None:
    for sp, width in ((space, 5424), (proteins, 472)):
        codes = sp.all_codes()[:3000]
        enc = sp.encode(codes, "path")
        assert enc.dtype == np.float32 and enc.shape == (len(codes), width) == (len(codes), len(sp.path_names()))
        leaves = (sp.encode(codes, "adjacency")["adjacency"][:, 1:5, 5]).sum(axis=1)
        assert (enc.sum(axis=1) <= leaves).all() and (enc.sum(axis=1) >= 1).all()
    row = space.parse("link=0,1,2,3 ops=gcn,gat,gin,sage")
    names = np.array(space.path_names())
    assert names[space.encode(row, "path")[0] == 1].tolist() == ["gcn>gat>gin>sage"]
    row = space.parse("link=0,0,1,1 ops=gcn,fc,gat,gin")
    assert sorted(names[space.encode(row, "path")[0] == 1]) == ["fc", "gcn>gat", "gcn>gin"]


def test_graph(space: NasBenchGraphSpace, proteins: NasBenchGraphSpace) -> None:
    codes = proteins.all_codes()
    graphs = proteins.encode(codes, "graph")
    adj = proteins.encode(codes, "adjacency")
    assert len(graphs) == len(codes)
    for g, a, t in zip(graphs[::50], adj["adjacency"][::50], adj["ops"][::50], strict=True):
        assert g.num_nodes == 6 and tuple(g.x.shape) == (6, len(proteins.node_types))
        np.testing.assert_array_equal(g.x.argmax(dim=1).numpy(), t)
        assert g.edge_index.dtype.is_floating_point is False
        dense = np.zeros((6, 6), dtype=np.float32)
        dense[g.edge_index[0].numpy(), g.edge_index[1].numpy()] = 1
        np.testing.assert_array_equal(dense, a)
    g = space.encode(space.parse("link=0,0,1,2 ops=gcn,gat,gin,sage"), "graph")[0]
    assert g.x.shape == (6, 11) and g.edge_index.shape == (2, 6)
    with pytest.raises(ValueError, match="unknown encoding 'bag'"):
        space.encode(codes, "bag")
