"""GraphSpace on the real NASLib NB101 keys: parsing, isomorphism dedup, encodings, sampling, mutation."""

from __future__ import annotations

import ast
import json
from collections import Counter, defaultdict

import numpy as np
import pytest
from scipy.stats import chisquare

from bench.benchmark import Benchmark
from bench.spaces import InvalidArchitecture, get_space
from bench.spaces.graph import NB101_OPS, GraphSpace, nb101_hash
from bench.store import LabelInfo, StoreContents, StoreFile, write_store

CONV3, CONV1, POOL = NB101_OPS


@pytest.fixture(scope="module")
def space() -> GraphSpace:
    return GraphSpace(["conv3x3-bn-relu", "conv1x1-bn-relu", "maxpool3x3"], max_nodes=7, max_edges=9)


@pytest.fixture(scope="module")
def nb101(shared_data) -> dict[str, dict]:
    data = json.loads((shared_data / "naslib_zc" / "zc_nasbench101.json").read_text())
    return data["nasbench101"]["cifar10"]


@pytest.fixture(scope="module")
def raw_specs(nb101) -> list[tuple[np.ndarray, list[int]]]:
    """(7x7 matrix, 7 NASLib op labels) of every key: 49 adjacency entries then 7 op codes."""
    specs = []
    for key in nb101:
        values = ast.literal_eval(key)
        specs.append((np.array(values[:49]).reshape(7, 7), list(values[49:])))
    return specs


@pytest.fixture(scope="module")
def nb101_codes(space, raw_specs) -> np.ndarray:
    return np.stack([space.from_nb101(m, ops) for m, ops in raw_specs])


def random_topological_relabel(matrix: np.ndarray, ops: list, rng: np.random.Generator) -> tuple[np.ndarray, list]:
    """The same DAG with interior nodes renumbered in a random topological order (input/output fixed)."""
    n = len(ops)
    order, placed, left = [0], {0}, set(range(1, n - 1))
    while left:
        ready = sorted(v for v in left if all(u in placed for u in np.flatnonzero(matrix[:, v])))
        v = ready[rng.integers(len(ready))]
        order.append(v)
        placed.add(v)
        left.remove(v)
    order.append(n - 1)
    return matrix[np.ix_(order, order)], [ops[i] for i in order]


def spec(adjacency: list[list[int]], ops: list[str]) -> str:
    return json.dumps({"adjacency": adjacency, "ops": ops})


# ---- real NB101 keys ------------------------------------------------------------------------------
def test_nb101_keys_deduplicate_to_isomorphism_classes(space, nb101, nb101_codes):
    ids = space.to_ids(nb101_codes)
    n_ids = len(np.unique(ids))
    # NASLib's keys are raw 7-node specs; pruning + isomorphism leaves 292 distinct cells of 500
    print(f"NB101 zero-cost keys: {len(ids)}, distinct canonical graphs (ids): {n_ids}")
    assert len(ids) == 500
    # the WL hash (ids) and the exact canonical rows split the keys identically
    assert n_ids == len(np.unique(nb101_codes, axis=0))
    rows_of = defaultdict(set)
    for i, row in zip(ids.tolist(), map(bytes, nb101_codes), strict=True):
        rows_of[i].add(row)
    assert all(len(r) == 1 for r in rows_of.values())
    # keys that share an id describe one network: parameter counts agree in almost every group (NASLib
    # counted the pruned-away nodes of a few raw specs: 3 of 48 groups differ by < 0.3 %)
    params = defaultdict(set)
    for i, rec in zip(ids.tolist(), nb101.values(), strict=True):
        params[i].add(round(rec["params"], 6))
    groups = [p for i, p in params.items() if (ids == i).sum() > 1]
    agree = sum(len(p) == 1 for p in groups)
    assert len(groups) > 40 and agree >= 0.9 * len(groups)
    # the trivial input->output cell is the largest class
    trivial = space.parse(spec([[0, 1], [0, 0]], ["input", "output"]))
    assert Counter(ids.tolist()).most_common(1)[0] == (int(space.to_ids(trivial)[0]), 55)


def test_random_topological_renumbering_keeps_ids(space, raw_specs, nb101_codes):
    rng = np.random.default_rng(0)
    ids = space.to_ids(nb101_codes)
    changed = 0
    permuted = []
    for matrix, ops in raw_specs:
        m2, ops2 = random_topological_relabel(matrix, ops, rng)
        changed += not np.array_equal(m2, matrix) or ops2 != ops
        permuted.append(space.from_nb101(m2, ops2))
    assert changed > 300
    permuted = np.stack(permuted)
    np.testing.assert_array_equal(permuted, nb101_codes)
    np.testing.assert_array_equal(space.to_ids(permuted), ids)


def test_strings_round_trip(space, nb101_codes):
    strings = space.to_strings(nb101_codes)
    np.testing.assert_array_equal(space.to_codes(strings), nb101_codes)
    assert space.to_strings(space.to_codes(strings)) == strings
    obj = json.loads(strings[0])
    assert set(obj) == {"adjacency", "ops"} and obj["ops"][0] == "input" and obj["ops"][-1] == "output"
    assert " " not in strings[0]


def test_nb101_documentation_example_is_isomorphic_to_its_stored_form(space):
    """The NB101 colab queries an Inception-like cell and gets back its stored (renumbered) module."""
    queried = space.from_matrix(
        [[0, 1, 1, 1, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 1, 0, 0],
         [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
        ["input", CONV1, CONV3, CONV3, CONV3, POOL, "output"],
    )
    stored = space.from_matrix(
        [[0, 1, 1, 1, 1, 0, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 1],
         [0, 0, 0, 0, 0, 1, 0], [0, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 0, 0]],
        ["input", CONV3, CONV1, POOL, CONV3, CONV3, "output"],
    )
    np.testing.assert_array_equal(queried, stored)
    assert space.fingerprints(queried) == space.fingerprints(stored)
    assert len(space.fingerprints(queried)[0]) == 32


def test_fingerprint_is_nb101_hash_module_of_the_pruned_graph(space):
    matrix = np.array([[0, 1, 1, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]])
    with pytest.raises(InvalidArchitecture, match="no path"):
        space.from_matrix(matrix, ["input", CONV3, POOL, "output"])
    matrix[1, 3] = 1  # now 0->1->3 is a path and node 2 dangles
    row = space.from_matrix(matrix, ["input", CONV3, POOL, "output"])
    pruned = np.array([[0, 1, 0], [0, 0, 1], [0, 0, 0]])
    assert space.fingerprints(row)[0] == nb101_hash(pruned, [-1, 0, -2])[0]
    assert int(space.to_ids(row)[0]) == int(nb101_hash(pruned, [-1, 0, -2])[0][:16], 16) & (2**63 - 1)


# ---- identity rules ---------------------------------------------------------------------------------
def test_isomorphism_pruning_and_ops_decide_identity(space):
    base = spec(
        [[0, 1, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]],
        ["input", CONV3, POOL, CONV1, "output"],
    )
    swapped = spec(  # branches listed in the other order
        [[0, 1, 1, 0, 0], [0, 0, 0, 0, 1], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]],
        ["input", POOL, CONV3, CONV1, "output"],
    )
    dangling = spec(  # an extra conv node fed by the input but feeding nothing
        [[0, 1, 1, 0, 1, 0], [0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 1],
         [0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]],
        ["input", CONV3, POOL, CONV1, CONV3, "output"],
    )
    other_op = spec(
        [[0, 1, 1, 0, 0], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]],
        ["input", CONV3, POOL, CONV3, "output"],
    )
    extra_edge = spec(
        [[0, 1, 1, 0, 1], [0, 0, 0, 1, 0], [0, 0, 0, 0, 1], [0, 0, 0, 0, 1], [0, 0, 0, 0, 0]],
        ["input", CONV3, POOL, CONV1, "output"],
    )
    ids = space.to_ids(space.to_codes([base, swapped, dangling, other_op, extra_edge]))
    assert ids[0] == ids[1] == ids[2]
    assert len({ids[0], ids[3], ids[4]}) == 3
    assert space.iso_class(space.to_codes([base, swapped])).tolist() == [ids[0], ids[0]]


def _parallel_chains(k: int, length: int) -> tuple[np.ndarray, list[str]]:
    """``k`` identical chains a->b->a... between input and output, plus one cross edge."""
    n = 2 + k * length
    matrix, ops = np.zeros((n, n), dtype=int), ["input"]
    node = 1
    for _ in range(k):
        prev = 0
        for step in range(length):
            matrix[prev, node] = 1
            ops.append("ab"[step % 2])
            prev, node = node, node + 1
        matrix[prev, n - 1] = 1
    matrix[1, 2 + length] = 1  # first chain's head also feeds the second chain's second node
    return matrix, ops + ["output"]


@pytest.mark.parametrize(("k", "length", "max_nodes"), [(3, 2, 8), (8, 3, 26)])
def test_symmetric_graphs_have_one_canonical_row(k, length, max_nodes):
    """Interchangeable parallel chains: exhaustive ties (<= 9 nodes) and symmetry pruning (26 nodes)."""
    sp = GraphSpace(["a", "b"], max_nodes=max_nodes)
    matrix, ops = _parallel_chains(k, length)
    rng = np.random.default_rng(4)
    rows = {sp.from_matrix(*random_topological_relabel(matrix, ops, rng)).tobytes() for _ in range(12)}
    assert len(rows) == 1
    other = matrix.copy()
    other[1, 2 + length], other[1, 3 + length] = 0, 1  # the cross edge now skips a node: not isomorphic
    if length > 2:
        assert sp.from_matrix(other, ops).tobytes() not in rows


def test_from_ids_cannot_invert_hashes(space, nb101_codes):
    with pytest.raises(InvalidArchitecture, match="hashes .* cannot be turned back"):
        space.from_ids(space.to_ids(nb101_codes[:2]))


# ---- parsing errors -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{nope", "cannot read .* as JSON"),
        ('{"adjacency": [[0, 1], [0, 0]]}', "JSON object"),
        (spec([[0, 1], [0, 0]], ["input", "output"])[:-1] + ', "x": 1}', "unexpected key"),
        (spec([[0, 1, 0], [0, 0]], ["input", "output"]), "adjacency row 0 has 3 entries; a 2-node matrix needs 2"),
        (spec([[0, 2], [0, 0]], ["input", "output"]), r"adjacency\[0\]\[1\] = 2 must be 0 or 1"),
        (spec([[0, 1, 0], [0, 0, 1], [1, 0, 0]], ["input", CONV3, "output"]), r"adjacency\[2\]\[0\] = 1 is on or"),
        (spec([[1, 1], [0, 0]], ["input", "output"]), r"adjacency\[0\]\[0\] = 1 is on or below the diagonal"),
        (spec([[0, 1], [0, 0]], ["input", CONV3, "output"]), "3 ops for a 2-node adjacency matrix"),
        (spec([[0, 1], [0, 0]], [CONV3, "output"]), r"ops\[0\] is 'conv3x3-bn-relu'; the first node must be 'input'"),
        (spec([[0, 1], [0, 0]], ["input", CONV3]), r"ops\[1\] is 'conv3x3-bn-relu'; the last node must be 'output'"),
        (spec([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "conv5", "output"]), r"ops\[1\] is 'conv5'.*valid: conv3x3"),
        (spec([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", "input", "output"]), r"ops\[1\] is 'input'.*only the first"),
        (spec([[0] * 8 for _ in range(8)], ["input"] + [CONV3] * 6 + ["output"]), "8 nodes; max_nodes is 7"),
        (spec([[0, 1, 0], [0, 0, 0], [0, 0, 0]], ["input", CONV3, "output"]), r"no path from the input \(node 0\)"),
        (
            spec([[0] * (i + 1) + [1] * (6 - i) for i in range(7)], ["input"] + [CONV3] * 5 + ["output"]),
            "21 edges after pruning .* max_edges is 9",
        ),
    ],
)
def test_parse_errors_name_the_entry(space, text, message):
    with pytest.raises(InvalidArchitecture, match=message):
        space.parse(text)


def test_validate_names_row_and_slot(space, nb101_codes):
    good = nb101_codes[:3].copy()
    bad = good.copy()
    bad[1, 0] = 3
    with pytest.raises(InvalidArchitecture, match=r"graph row 1: adjacency\[0\]\[1\] = 3"):
        space.validate(bad)
    small = space.parse(spec([[0, 1, 0], [0, 0, 1], [0, 0, 0]], ["input", CONV3, "output"]))
    holed = small.copy()
    holed[21 + 4] = 2  # an op in slot 4 after unused slot 3
    with pytest.raises(InvalidArchitecture, match="slot 3 is unused"):
        space.validate(holed)
    touching = small.copy()
    touching[5] = 1  # edge 0->6 while the graph has 3 nodes
    with pytest.raises(InvalidArchitecture, match="edge 0->6 .* touches unused node slot 6"):
        space.validate(touching)
    assert space.is_valid(np.stack([good[0], bad[1], holed, touching, good[2]])).tolist() == [
        True, False, False, False, True
    ]


def test_from_nb101_accepts_names_and_flat_keys(space, raw_specs, nb101_codes):
    matrix, labels = raw_specs[7]
    names = [["input", "output", POOL, CONV1, CONV3][o] for o in labels]
    np.testing.assert_array_equal(space.from_nb101(matrix.ravel().tolist(), names), nb101_codes[7])
    with pytest.raises(InvalidArchitecture, match="square number"):
        space.from_nb101(list(range(48)), names)
    with pytest.raises(InvalidArchitecture, match="build it with GraphSpace.nb101"):
        GraphSpace(["conv3x3", "conv1x1", "pool"], 7).from_nb101(matrix, labels)
    assert GraphSpace.nb101().config() == space.config()


def test_arch_object_and_dict_input(space, nb101_codes):
    text = space.to_strings(nb101_codes[3:4])[0]
    arch = space.arch(text)
    assert str(arch) == text and arch.id == int(space.to_ids(nb101_codes[3:4])[0])
    assert arch.n_nodes == len(json.loads(text)["ops"])
    assert arch.n_edges == sum(map(sum, json.loads(text)["adjacency"]))
    assert space.arch(adjacency=arch.adjacency, ops=arch.ops) == arch
    as_dict = json.loads(text)
    np.testing.assert_array_equal(space.to_codes(as_dict), nb101_codes[3:4])
    np.testing.assert_array_equal(space.to_codes([as_dict, arch, text]), nb101_codes[[3, 3, 3]])


def test_config_rebuilds_an_equal_space(space, nb101_codes):
    rebuilt = get_space("graph", **json.loads(json.dumps(space.config())))
    np.testing.assert_array_equal(rebuilt.to_ids(nb101_codes), space.to_ids(nb101_codes))


# ---- encodings -----------------------------------------------------------------------------------
def _brute_force_paths(space: GraphSpace, row: np.ndarray) -> set[tuple[str, ...]]:
    arch = space.arch(space.to_strings(row)[0])
    adj, n = np.array(arch.adjacency), arch.n_nodes
    out: set[tuple[str, ...]] = set()

    def walk(v: int, ops: tuple[str, ...]) -> None:
        if v == n - 1:
            out.add(ops)
            return
        for w in np.flatnonzero(adj[v]):
            walk(int(w), ops + ((arch.ops[w],) if w != n - 1 else ()))

    walk(0, ())
    return out


def test_encodings(space, nb101_codes):
    codes = nb101_codes[:60]
    onehot = space.encode(codes, "onehot")
    assert onehot.shape == (60, 21 + 5 * 3) and onehot.dtype == np.float32
    adj = space.encode(codes, "adjacency")
    assert adj["adjacency"].shape == (60, 7, 7) and adj["ops"].shape == (60, 7)
    n_nodes = (codes[:, 21:] >= 0).sum(axis=1)
    assert (adj["ops"][:, 0] == 0).all() and (adj["ops"][:, 6] == 1).all()  # output always in the last slot
    assert ((adj["ops"] == space.pad_type).sum(axis=1) == 7 - n_nodes).all()
    np.testing.assert_array_equal(adj["adjacency"].sum(axis=(1, 2)), onehot[:, :21].sum(axis=1))
    np.testing.assert_array_equal(onehot[:, 21:].sum(axis=1), n_nodes - 2)
    assert (np.triu(adj["adjacency"], 1) == adj["adjacency"]).all()
    path = space.encode(codes, "path")
    names = space.path_names()
    assert path.shape == (60, 364) == (60, space.path_width) and len(names) == 364
    for i in range(60):
        found = {tuple(names[j].split(">")[1:-1]) for j in np.flatnonzero(path[i])}
        assert found == _brute_force_paths(space, codes[i : i + 1])
    graphs = space.encode(codes, "graph")
    assert [g.num_nodes for g in graphs] == n_nodes.tolist()
    assert [g.edge_index.shape[1] for g in graphs] == onehot[:, :21].sum(axis=1).astype(int).tolist()
    assert graphs[0].x.shape[1] == len(space.node_types) == 5
    assert all((g.edge_index[0] < g.edge_index[1]).all() for g in graphs)


def test_encodings_ignore_node_numbering(space, raw_specs):
    rng = np.random.default_rng(9)
    rows, permuted = [], []
    for matrix, ops in raw_specs[:80]:
        rows.append(space.from_nb101(matrix, ops))
        permuted.append(space.from_nb101(*random_topological_relabel(matrix, ops, rng)))
    for kind in ("onehot", "path"):
        np.testing.assert_array_equal(space.encode(np.stack(rows), kind), space.encode(np.stack(permuted), kind))


def test_path_encoding_is_dropped_when_too_wide():
    wide = GraphSpace([f"op{i}" for i in range(8)], max_nodes=12)
    assert "path" not in wide.encodings and "graph" in wide.encodings
    with pytest.raises(ValueError, match="unknown encoding 'path'"):
        wide.encode(wide.sample(2, np.random.default_rng(0)), "path")


# ---- sampling and mutation ---------------------------------------------------------------------
def test_sampling_matches_nb101_random_specs(space, nb101_codes):
    a = space.sample(3000, np.random.default_rng(21))
    np.testing.assert_array_equal(a, space.sample(3000, np.random.default_rng(21)))
    np.testing.assert_array_equal(space.canonicalize(a), a)
    edges = a[:, :21].sum(axis=1)
    assert edges.max() <= 9
    # NASLib drew its keys with NB101's random_spec; the pruned sizes follow the same distribution
    sizes = lambda c: np.bincount(np.minimum((c[:, 21:] >= 0).sum(axis=1), 6), minlength=7)[2:]  # noqa: E731
    ours, theirs = sizes(a), sizes(nb101_codes)
    assert chisquare(theirs, ours / ours.sum() * theirs.sum()).pvalue > 1e-3


def test_neighbours_are_valid_canonical_and_distinct(space, nb101_codes):
    for row in nb101_codes[:25]:
        nb = space.neighbours(row)
        assert len(nb) > 0
        np.testing.assert_array_equal(space.canonicalize(nb), nb)
        assert len(np.unique(nb, axis=0)) == len(nb) and not (nb == row).all(axis=1).any()
    trivial = space.parse(spec([[0, 1], [0, 0]], ["input", "output"]))
    grown = space.to_strings(space.neighbours(trivial))
    assert sorted(grown) == sorted(
        spec([[0, 1, 1], [0, 0, 1], [0, 0, 0]], ["input", op, "output"]).replace(" ", "") for op in NB101_OPS
    )


def test_mutate_draws_neighbours(space, nb101_codes):
    codes = nb101_codes[:40]
    out = space.mutate(codes, np.random.default_rng(3))
    np.testing.assert_array_equal(out, space.mutate(codes, np.random.default_rng(3)))
    for row, new in zip(codes, out, strict=True):
        assert any((new == nb).all() for nb in space.neighbours(row))


# ---- store round trip ---------------------------------------------------------------------------
def test_benchmark_round_trip(tmp_path, space, nb101, raw_specs, nb101_codes):
    ids = space.to_ids(nb101_codes)
    uniq, first = np.unique(ids, return_index=True)
    acc = np.array([rec["val_accuracy"] for rec in nb101.values()])
    info = LabelInfo("val_accuracy", "%", "valid", 108, "one random seed (NASLib query)", True, "NASLib")
    contents = StoreContents(
        benchmark="test/nb101-zc",
        space="graph",
        space_config=space.config(),
        ids=uniq,
        strings=space.to_strings(nb101_codes[first]),
        codes=nb101_codes[first],
        source_keys=np.asarray(list(nb101), dtype="S")[first],
        labels={"val_accuracy": (acc[first], info)},
        meta={"source": "NASLib", "source_version": "-", "license": "Apache-2.0", "citation": "-", "raw_sha256": "-"},
    )
    path = write_store(tmp_path / "nb101.h5", contents)
    rng = np.random.default_rng(1)
    with Benchmark(StoreFile(path), "test/nb101-zc") as b:
        assert isinstance(b.space, GraphSpace) and len(b) == len(uniq)
        picks = first[[0, 10, 100]]
        queries = []
        for i in picks:
            m, ops = random_topological_relabel(*raw_specs[i], rng)
            names = [["input", "output", POOL, CONV1, CONV3][o] for o in ops]
            queries.append({"adjacency": m.tolist(), "ops": names})
        np.testing.assert_allclose(b.query(queries, "val_accuracy"), acc[picks])
        assert b.encode(queries, "path").shape == (3, 364)
        absent = next(r for r in space.sample(50, rng) if int(space.to_ids(r)[0]) not in set(uniq.tolist()))
        with pytest.raises(InvalidArchitecture, match="not in test/nb101-zc"):
            b.query(space.to_strings(absent), "val_accuracy")
