"""The archbench CLI, run as a user would (subprocess), including bad input."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest


def run(*args: str, data_dir) -> subprocess.CompletedProcess:
    env = {**os.environ, "ARCHBENCH_DATA": str(data_dir)}
    return subprocess.run([sys.executable, "-m", "bench.cli", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def test_list_one_benchmark_per_line_name_first(data_dir):
    out = run("list", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    names = [line.split("\t")[0] for line in out.stdout.splitlines()]
    assert "nasbench-graph/cora" in names and "nb201-analog/cifar10" in names
    assert len(names) == len(set(names))


def test_info_shows_units_and_splits(data_dir):
    out = run("info", "nasbench-graph/cora", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert "26206 architectures" in out.stdout
    assert "valid_acc" in out.stdout and "split=valid" in out.stdout and "mean of 3 seeds" in out.stdout
    assert "latency" in out.stdout and "lower is better" in out.stdout


def test_query_by_string_and_id(data_dir):
    out = run("query", "nasbench-graph/cora", "link=0,0,1,2 ops=gcn,gat,skip,sage", "--metric", "valid_acc",
              data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    header, row = out.stdout.splitlines()
    assert header == "input\tid\tarch\tvalid_acc"
    given, arch_id, canonical, value = row.split("\t")
    assert given == "link=0,0,1,2 ops=gcn,gat,skip,sage" and canonical == "link=0,1,1,2 ops=skip,gat,gcn,sage"
    again = run("query", "nasbench-graph/cora", arch_id, "--metric", "valid_acc", data_dir=data_dir)
    assert again.stdout.splitlines()[1] == "\t".join([arch_id, arch_id, canonical, value])


@pytest.mark.parametrize(
    "args, message",
    [
        (("info", "nasbench-graph/coar"), "did you mean 'nasbench-graph/cora'"),
        (("query", "nasbench-graph/cora", "link=0,0,9,2 ops=gcn,gat,skip,sage"), "link"),
        (("query", "nasbench-graph/cora", "link=0,0,1,2 ops=gcn,gat,skip,conv3"), "unknown op"),
        (("query", "nasbench-graph/cora", "19"), "not in nasbench-graph/cora"),
        (("query", "nasbench-graph/cora", "12345", "--metric", "acc"), "no metric 'acc'"),
        (("datasets", "build", "nb201/nope"), "unknown benchmark"),
        (("bogus",), "invalid choice"),
    ],
)
def test_bad_input_one_line_exit_2(args, message, data_dir):
    out = run(*args, data_dir=data_dir)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], out.stderr
    assert "Traceback" not in out.stderr


def test_datasets_build_reports_and_skips_built(data_dir):
    out = run("datasets", "build", "nasbench-graph/cora", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert "nasbench-graph/cora" in out.stdout


def test_datasets_build_rebuilds_a_damaged_file(data_dir):
    path = data_dir / "nasbench-graph" / "photo.h5"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not an hdf5 file")
    out = run("datasets", "build", "nasbench-graph/photo", data_dir=data_dir)
    assert out.returncode == 0, out.stderr
    assert "rebuilding" in out.stdout and "26206 architectures" in out.stdout
    assert run("info", "nasbench-graph/photo", data_dir=data_dir).returncode == 0


# -- bad invocations (in-process, fast): one line, exit 2, nothing run or written first --------------------
def cli(argv: list[str], capsys) -> tuple[int, str, list[str]]:
    from bench.cli import main

    rc = main(argv)
    out, err = capsys.readouterr()
    return rc, out, [line for line in err.splitlines() if line.strip()]


SEARCH = ["search", "--benchmark", "nasbench-graph/cora", "--algorithms", "rs", "--budget", "10", "--seeds", "1",
          "--no-plots", "--no-progress"]
NO_BUDGET = [a for i, a in enumerate(SEARCH) if "--budget" not in SEARCH[max(i - 1, 0):i + 1]]
EVALUATE = ["evaluate", "--benchmark", "nasbench-graph/cora", "--target", "valid_acc", "--predictors", "random",
            "--train-sizes", "10", "--seeds", "1", "--no-progress"]


@pytest.mark.parametrize(
    "argv, message",
    [
        (["query", "nasbench-graph/cora", "-9999999999999999999999999"], "int64"),
        (["query", "nasbench-graph/cora", "99999999999999999999"], "int64"),
        (["query", "nasbench-graph/cora", "²"], "cannot parse"),
        ([*SEARCH, "--out", "/dev/null"], "not a directory"),
        ([*SEARCH, "--out", ""], "must not be empty"),
        ([*SEARCH, "--results-dir", "/dev/null/x"], "not a directory"),
        (["--data-dir", "/dev/null", "list"], "not a directory"),
        (["info", "nasbench-graph/cora", "--data-dir", ""], "must not be empty"),
        ([*SEARCH[:-4], "--seeds=1000000000000"], "at most 10,000"),
        ([*SEARCH[:-4], "--seeds", str(10**30)], "at most 10,000"),
        ([*EVALUATE[:-3], "--seeds", "99999999"], "at most 1,000"),
        ([*NO_BUDGET, "--budget", "inf"], "finite"),
        ([*NO_BUDGET, "--budget", "1e309"], "finite"),
        ([*NO_BUDGET, "--budget", "nan"], "finite"),
        ([*NO_BUDGET, "--budget=-5"], "must be positive"),
        ([*NO_BUDGET, "--budget", "10.5"], "whole number"),
        ([*NO_BUDGET, "--budget", "1e7"], "at most 1,000,000"),
        ([*SEARCH, "--checkpoints", "1,,2"], "empty item"),
        ([*SEARCH, "--checkpoints", "20"], "exceeds the budget"),
        ([*SEARCH, "--workers", "0"], "at least 1"),
        ([*SEARCH, "--first-seed=-1"], "at least 0"),
        ([*SEARCH, "--algorithms", "rs,,rea"], "empty item"),
        ([*EVALUATE, "--train-sizes", " "], "comma-separated list"),
        ([*EVALUATE, "--predictors", "random,,xgb"], "empty item"),
        ([*EVALUATE, "--jobs", "0"], "at least 1"),
        ([*EVALUATE, "--threads", "-2"], "at least 1"),
        ([*EVALUATE, "--results-dir", ""], "must not be empty"),
        (["leaderboard", "build", "--out", "/dev/null"], "not a directory"),
        (["datasets", "build", "nasbench-graph/cora", "nb201/nope"], "unknown benchmark"),
    ],
)
def test_bad_invocation_is_one_line_exit_2_before_any_work(argv, message, capsys, tmp_path, monkeypatch, data_dir):
    monkeypatch.chdir(tmp_path)
    if argv[0] in ("search", "evaluate") and "--results-dir" not in argv:
        argv = [*argv, "--results-dir", str(tmp_path / "results")]
    rc, out, err = cli(argv, capsys)
    assert rc == 2 and len(err) == 1 and message in err[0], err
    assert out == ""  # nothing printed (nor built, run or written) before the error
    assert not (tmp_path / "results").exists() and list(tmp_path.iterdir()) == []


def test_binary_card_is_one_line(tmp_path, capsys, data_dir):
    card = tmp_path / "card.yaml"
    card.write_bytes(bytes(range(256)) * 4)
    rc, out, err = cli(["import", "table", str(card), "--name", "x/y"], capsys)
    assert rc == 2 and len(err) == 1 and "not UTF-8 text" in err[0]


def test_search_board_defaults_under_the_results_dir(tmp_path, monkeypatch, capsys, data_dir):
    monkeypatch.chdir(tmp_path)  # a run from a checkout must not overwrite its committed leaderboards/search
    rc, out, err = cli([*SEARCH, "--results-dir", "runs"], capsys)
    assert rc == 0, err
    assert (tmp_path / "runs" / "leaderboards" / "nasbench-graph" / "cora" / "summary.csv").is_file()
    assert not (tmp_path / "leaderboards").exists()


# -- a CLI that explains itself ------------------------------------------------------------------------
def _parsers(parser, path=("archbench",)):
    import argparse

    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _parsers(child, (*path, name))


def test_no_command_prints_the_usage_with_every_command(capsys):
    rc, out, err = cli([], capsys)
    assert rc == 2 and out == "" and err[0].startswith("usage: archbench")
    assert all(any(line.strip().startswith(c) for line in err) for c in ("list", "query", "evaluate", "search"))
    rc, _, err = cli(["leaderboard"], capsys)
    assert rc == 2 and err[0].startswith("usage: archbench leaderboard") and any("build" in line for line in err)
    rc, _, err = cli(["lst"], capsys)  # a typo stays one line
    assert rc == 2 and len(err) == 1 and "invalid choice: 'lst'" in err[0]


def test_every_argument_has_help_that_states_its_default():
    import argparse

    from bench.cli import build_parser

    checked = 0
    for path, parser in _parsers(build_parser()):
        formatter = parser._get_formatter()
        for action in parser._actions:
            if action.help is argparse.SUPPRESS or isinstance(action, (argparse._HelpAction,
                                                                       argparse._SubParsersAction)):
                continue
            text = formatter._get_help_string(action) or ""
            where = f"{' '.join(path)} {'/'.join(action.option_strings) or action.dest}"
            assert action.help and action.help.strip(), f"{where} has no help"
            if action.option_strings and not action.required:
                assert "default" in text or "required" in text, f"{where}: {text!r} does not state its default"
            checked += 1
        assert "(default: %(default)s)" not in parser.format_help() and "%(" not in parser.format_help()
    assert checked > 60


def test_query_and_info_formats_for_scripts(capsys, data_dir):
    import csv
    import io
    import json

    rc, out, _ = cli(["query", "nasbench-graph/cora", "12345", "link=0,0,1,2 ops=gcn,gat,skip,sage", "--metric",
                      "valid_acc", "--format", "json"], capsys)
    records = json.loads(out)
    assert rc == 0 and [r["input"] for r in records] == ["12345", "link=0,0,1,2 ops=gcn,gat,skip,sage"]
    assert records[0]["id"] == 12345 and 0 < records[0]["valid_acc"] < 1
    rc, out, _ = cli(["query", "nasbench-graph/cora", "12345", "--metric", "valid_acc", "--format", "csv"], capsys)
    (row,) = csv.DictReader(io.StringIO(out))
    assert float(row["valid_acc"]) == records[0]["valid_acc"]  # csv keeps full precision
    rc, out, _ = cli(["info", "nasbench-graph/cora", "--format", "json"], capsys)
    card = json.loads(out)
    assert card["architectures"] == 26206 and card["metrics"]["valid_acc"]["split"] == "valid"
    assert card["metrics"]["latency"]["higher_is_better"] is False and card["metrics"]["latency"]["min"] > 0
    rc, out, _ = cli(["info", "nasbench-graph/cora", "--format", "csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rc == 0 and {r["name"] for r in rows} == set(card["metrics"]) and rows[0]["axes"] == "arch"


def test_an_option_given_twice_accumulates_or_is_refused(tmp_path, capsys, data_dir):
    import json

    plugin = tmp_path / "mine.py"
    plugin.write_text("from bench.search.random_search import RandomSearch\n\n\n"
                      "class Greedy(RandomSearch):\n    name = 'greedy'\n")
    base = ["search", "--benchmark", "nasbench-graph/cora", "--budget", "10", "--seeds", "1", "--no-plots",
            "--no-progress", "--results-dir", str(tmp_path / "runs")]
    rc, out, err = cli([*base, "--algorithm", f"{plugin}:Greedy", "--algorithms", "rs,rea", "--format", "json"],
                       capsys)
    assert rc == 0, err
    assert [r["algorithm"] for r in json.loads(out)] == [f"{plugin}:Greedy", "rs", "rea"]  # the plug-in is kept
    rc, out, err = cli([*base, "--budget", "20"], capsys)
    assert rc == 2 and len(err) == 1 and "--budget: given twice" in err[0] and out == ""
    rc, out, err = cli([*base, "--algorithms", "rs", "--algorithm", "rs"], capsys)
    assert rc == 2 and len(err) == 1 and "listed twice" in err[0]
    # the table prints numbers as the evaluate boards do: the budget as 10, not 10.0000
    rc, out, err = cli([*base, "--algorithms", "rs"], capsys)
    header, row = out.splitlines()[1:3]
    assert rc == 0 and header.split()[:2] == ["algorithm", "budget"] and row.split()[:2] == ["rs", "10"], out


def test_evaluate_predictors_accumulate_and_the_board_build_prints_one_line_per_family(tmp_path, capsys,
                                                                                       data_dir):
    import json

    results = tmp_path / "results"
    rc, out, err = cli([*EVALUATE, "--predictors", "params", "--train-sizes", "20", "--results-dir", str(results),
                        "--format", "json"], capsys)
    assert rc == 0, err
    rows = json.loads(out)
    assert {r["predictor"] for r in rows} == {"random", "params"} and {r["train_size"] for r in rows} == {10, 20}
    rc, out, err = cli(["leaderboard", "build", "--results-dir", str(results), "--out", str(tmp_path / "boards"),
                        "--bootstrap", "100"], capsys)
    assert rc == 0, err
    lines = out.splitlines()  # one line per family, not a table per board
    assert len(lines) == 1 and lines[0].startswith("nasbench-graph: 1 board(s); best τ at the largest size: ")
