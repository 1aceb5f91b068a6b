"""Property tests: no input makes the CLI or the public API crash (bounded: well under a minute).

CLI: any argv ends in exit 0, or exit 2 with exactly one stderr line (never a traceback).
API: a call either succeeds or raises an ArchBenchError (a clear message, one type to catch).
``tests/perf/fuzz_cli.py`` runs the exhaustive version (2,000+ bad invocations).
"""

from __future__ import annotations

import contextlib
import io
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import bench
from bench.cli import main
from bench.errors import ArchBenchError

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# values that look almost right: numbers at the edges, blanks, list punctuation, paths that are not dirs
_EDGES = ["", " ", "0", "-1", "1e309", "inf", "nan", "1,,2", ",", "9" * 25, "-" + "9" * 25, "1.5", "/dev/null",
          "²", "\udcff", "nasbench-graph/coar", "valid_acc", "rs,rs"]
_values = st.one_of(st.sampled_from(_EDGES), st.text(max_size=12),
                    st.integers(-(10**30), 10**30).map(str), st.floats().map(repr))
# counts are never small valid numbers here, so a generated run stays cheap
_counts = st.one_of(st.integers(max_value=0), st.integers(min_value=10**4 + 1)).map(str) | st.text(
    alphabet="abc.,- e", max_size=6)


@st.composite
def argvs(draw: st.DrawFn, out: str) -> list[str]:
    command = draw(st.sampled_from(["query", "info", "list", "search", "evaluate", "leaderboard", "datasets"]))
    if command == "query":
        return ["query", draw(st.sampled_from(["nasbench-graph/cora", ""]) | _values),
                *draw(st.lists(_values, min_size=1, max_size=3)),
                *draw(st.sampled_from([[], ["--metric", "latency"]]) | _values.map(lambda v: [f"--metric={v}"]))]
    if command == "info":
        return ["info", draw(_values)]
    if command == "list":
        return ["list", f"--data-dir={draw(_values)}"]
    if command == "datasets":
        return ["datasets", "build", "nasbench-graph/cora", draw(_values)]
    if command == "leaderboard":
        opt = draw(st.sampled_from(["--out", "--results-dir", "--benchmark"]))
        return ["leaderboard", "build", f"--results-dir={out}", f"--out={out}/boards", f"{opt}={draw(_values)}"]
    if command == "search":
        base = ["search", "--benchmark=nasbench-graph/cora", "--algorithms=rs", "--budget=10", "--seeds=1",
                "--no-plots", "--no-progress", f"--results-dir={out}"]
        opt = draw(st.sampled_from(["--budget", "--checkpoints", "--objective", "--report", "--cost", "--out",
                                    "--benchmark", "--algorithms", "--set"]))
        counts = draw(st.sampled_from(["--seeds", "--workers", "--first-seed"]))
        return _setting(_setting(base, opt, draw(_values)), counts, draw(_counts))
    base = ["evaluate", "--benchmark=nasbench-graph/cora", "--target=valid_acc", "--predictors=random",
            "--train-sizes=10", "--seeds=1", "--no-progress", f"--results-dir={out}"]
    opt = draw(st.sampled_from(["--benchmark", "--target", "--predictors", "--train-sizes", "--set"]))
    counts = draw(st.sampled_from(["--seeds", "--jobs", "--threads"]))
    return _setting(_setting(base, opt, draw(_values)), counts, draw(_counts))


def _setting(argv: list[str], opt: str, value: str) -> list[str]:
    """``argv`` with ``opt`` set to ``value`` (replacing its value there: an option given twice is refused)."""
    keep = argv if opt == "--set" else [a for a in argv if not a.startswith(opt + "=")]
    return [*keep, f"{opt}={value}"]


@pytest.fixture(scope="module")
def workdir(data_dir, tmp_path_factory):
    bench.load("nasbench-graph/cora").close()
    path = tmp_path_factory.mktemp("fuzz-cwd")
    old = os.getcwd()
    os.chdir(path)  # anything a generated command writes lands here
    yield path
    os.chdir(old)


@FUZZ
@given(data=st.data())
def test_cli_never_crashes(data, workdir):
    argv = data.draw(argvs(str(workdir / "results")))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        rc = main(argv)
    lines = [line for line in err.getvalue().splitlines() if line.strip()]
    assert rc in (0, 2), (argv, err.getvalue())
    if rc == 2:
        assert len(lines) == 1 and lines[0].startswith("archbench"), (argv, err.getvalue())


_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.binary(max_size=4),
    st.text(max_size=20), st.sampled_from(["link=0,0,1,2 ops=gcn,gat,skip,sage", "valid_acc", "onehot", ""]),
    st.complex_numbers(max_magnitude=10),
)
_inputs = st.one_of(
    _scalars, st.lists(_scalars, max_size=4), st.tuples(_scalars, _scalars),
    st.lists(st.lists(st.integers(-3, 9), max_size=9), max_size=3),
    hnp.arrays(st.sampled_from([np.int64, np.uint64, np.int8, np.float64, np.bool_, np.int16]),
               hnp.array_shapes(min_dims=0, max_dims=3, max_side=9)),
)
_CALLS = {
    "query": lambda b, v: b.query(v, "valid_acc"),
    "query metric": lambda b, v: b.query([int(b.ids[0])], v),
    "encode": lambda b, v: b.encode(v, "onehot"),
    "encode kind": lambda b, v: b.encode(b.ids[:2], v),
    "sample": lambda b, v: b.sample(v),
    "sample seed": lambda b, v: b.sample(2, seed=v),
    "sample replace": lambda b, v: b.sample(2, replace=v),
    "metric_info": lambda b, v: b.metric_info(v),
    "to_frame": lambda b, v: b.to_frame(v),
    "rows_of_ids": lambda b, v: b.rows_of_ids(v),
    "to_ids": lambda b, v: b.to_ids(v),
    "parse": lambda b, v: b.space.parse(v),
    "to_codes": lambda b, v: b.space.to_codes(v),
    "from_ids": lambda b, v: b.space.from_ids(v),
    "load": lambda b, v: bench.load(v, build_missing=False),
    "load verify": lambda b, v: bench.load("nasbench-graph/cora", verify=v),
}


@pytest.fixture(scope="module")
def benchmarks(data_dir):
    return [bench.load("nasbench-graph/cora"), bench.load("nb201-analog/cifar10")]


@FUZZ
@given(which=st.sampled_from(sorted(_CALLS)), value=_inputs, second=st.booleans())
def test_api_raises_only_archbench_errors(which, value, second, benchmarks, workdir):
    b = benchmarks[int(second)]
    if which == "sample" and isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value > 10**6:
        value = -1  # a large valid n is a large valid request, not bad input
    with contextlib.suppress(ArchBenchError):
        _CALLS[which](b, value)
