"""Run thousands of bad ``archbench`` invocations in-process and count how each one ends.

Every invocation is invalid by construction (one or two bad values in an otherwise cheap, valid
command), so the only right answer is exit 2 with one line on stderr and nothing on stdout. Counted:
tracebacks (an exception other than SystemExit escapes ``bench.cli.main``), hangs (no answer within
``--timeout`` seconds, caught with SIGALRM), wrong successes (exit 0), and multi-line errors (more
than one stderr line, or stdout output, before the error). Targets: 0 / 0 / 0 / 0.

    python tests/perf/fuzz_cli.py                    # >= 2,000 invocations, a few minutes on 2 cores
    python tests/perf/fuzz_cli.py --n 300 --seed 1   # a quicker sample

Benchmarks are read from ``$ARCHBENCH_DATA`` (nasbench-graph/cora and nb201-analog/cifar10 are built
there first if missing); every command runs in a temporary working directory.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import os
import random
import signal
import sys
import tempfile
import traceback
from pathlib import Path

CORA = "nasbench-graph/cora"
NB201 = "nb201-analog/cifar10"


class Hang(Exception):
    pass


def bad_values(tmp: Path) -> dict[str, list[str]]:
    """Classes of bad values, each invalid wherever the option of its class is used."""
    a_file = tmp / "a_file.txt"
    a_file.write_text("x")
    return {
        # counts that must be >= 1 (seeds, jobs, threads, workers)
        "count": ["0", "-1", "-5", "abc", "", " ", "1.5", "1e3", "inf", "nan", "1,2", "²", "1_000", "0x10",
                  "1000000000000", "99999999", "9" * 25, "-" + "9" * 25, str(10**30), "\x00", "1 2"],
        "first_seed": ["-1", "abc", "", " ", "1.5", "inf", "9" * 25, str(10**30), "²"],
        "budget": ["inf", "-inf", "nan", "1e309", "-1e309", "0", "-5", "", " ", "abc", "1,2", "1e400", "1.5",
                   "10000001", "1e13", "-0"],
        "float_list": ["", " ", ",", "1,,2", ",1", "1,", "inf", "nan", "1e309", "-1", "0", "a", "1, ,2", "1;2"],
        "name_list": ["", " ", ",", "random,,xgb", ",random", "random,", " , ", "\t", f"{CORA},nope/x",
                      "random,bogus", "valid_acc,bogus", "random,random"],
        "size_list": ["", " ", ",", "10,,20", "0", "-10", "abc", "1.5", "10,inf", "9" * 25, "1e3", "²"],
        "directory": ["", " ", "/dev/null", "/dev/null/sub", str(a_file), str(a_file / "below"), "\x00x"],
        "benchmark": ["", " ", "nope/x", "a/b/c", "../x", "x", "/", "nasbench-graph/", "+", "nasbench-graph/cora+",
                      "nasbench-graph/coar", "\x00", "nasbench-graph/../cora", "..", "nb201/nope"],
        "arch_nb201": ["-" + "9" * 25, "9" * 25, "-1", "15625", "1.5", "", " ", "|none~0|", "²", "\udcff",
                       "|none~0|+|none~0|none~1|+|none~0|none~1|conv~2|", "0x10", "nan"],
        "arch": ["-" + "9" * 25, "9" * 25, "-1", "19", "1.5", "²", "", " ", "link=0,0,9,2 ops=gcn,gat,skip,sage",
                 "link=", "\udcff", "true", "0x10", "[1,2]", '{"adjacency": 1}', "nan", "inf",
                 "link=0,0,1,2 ops=gcn,gat,skip,conv"],
        "metric": ["", " ", "bogus", "valid", "\x00"],
        "algorithms": ["", " ", ",", "rs,,rea", "rs,rs", "bogus", "pg:bogus", "nofile.py:X", "rs,"],
        "set": ["", "x", "rs.", "rs.=1", "bogus.k=1", "rs.1x=2", "rs.nope=1"],
        "card": [],  # filled by card_files()
    }


def card_files(tmp: Path) -> list[str]:
    """Card paths that no import can accept: binary, empty, garbage YAML, a directory, a device."""
    out = []
    rng = random.Random(0)
    for i, data in enumerate([
        bytes(rng.randrange(256) for _ in range(512)), b"", b"\xff\xfe\x00\x00", b"name: [unclosed",
        b"- a\n- b\n", b"name: x/y\n", b"\x00" * 64, b"key: value\nkey: other\n", b"name: 5\ntable: t.csv\n",
        "name: a/b\ntable: \u00e9.csv\n".encode("latin-1"), b"!!python/object:os.system ls\n",
    ]):
        p = tmp / f"card{i}.yaml"
        p.write_bytes(data)
        out.append(str(p))
    out += [str(tmp), "/dev/null", str(tmp / "missing.yaml"), ""]
    return out


def invocations(tmp: Path, n: int, seed: int) -> tuple[list[list[str]], list[list[str]]]:
    """(controls, bad invocations): the valid base commands, which must succeed (else every bad
    variant would fail for the wrong reason), and every (command, option, bad value), then random
    pairs of bad values up to ``n``."""
    v = bad_values(tmp)
    v["card"] = card_files(tmp)
    res, out = str(tmp / "res"), str(tmp / "out")
    search = ["search", f"--benchmark={CORA}", "--algorithms=rs", "--budget=10", "--seeds=1", "--no-plots",
              "--no-progress", f"--results-dir={res}", f"--out={out}"]
    evaluate = ["evaluate", f"--benchmark={CORA}", "--target=valid_acc", "--predictors=random", "--train-sizes=10",
                "--seeds=1", "--no-progress", f"--results-dir={res}"]
    templates: list[tuple[list[str], dict[str, str]]] = [
        (search, {"--budget": "budget", "--seeds": "count", "--workers": "count", "--first-seed": "first_seed",
                  "--checkpoints": "float_list", "--results-dir": "directory", "--out": "directory",
                  "--benchmark": "benchmark", "--algorithms": "algorithms", "--objective": "metric",
                  "--report": "metric", "--cost": "metric", "--set": "set", "--data-dir": "directory"}),
        (evaluate, {"--seeds": "count", "--jobs": "count", "--threads": "count", "--train-sizes": "size_list",
                    "--predictors": "name_list", "--target": "name_list", "--benchmark": "benchmark",
                    "--results-dir": "directory", "--data-dir": "directory", "--set": "set"}),
        (["leaderboard", "build", f"--results-dir={res}", f"--out={out}"],
         {"--results-dir": "directory", "--out": "directory", "--benchmark": "name_list"}),
        (["query", CORA, "12345"],
         {"ARCH": "arch", "--metric": "metric", "NAME": "benchmark", "--data-dir": "directory"}),
        (["query", NB201, "0"], {"ARCH": "arch_nb201", "--metric": "metric"}),
        (["info", CORA], {"NAME": "benchmark", "--data-dir": "directory"}),
        (["datasets", "build", CORA], {"NAME": "benchmark", "--data-dir": "directory"}),
        (["datasets", "build", CORA, NB201], {"NAME2": "benchmark"}),  # nothing is built before the bad name
        (["import", "table", "CARD", "--name", "fuzz/x"], {"CARD": "card", "--data-dir": "directory"}),
        (["list"], {"--data-dir": "directory"}),
    ]

    def apply(base: list[str], opt: str, value: str) -> list[str]:
        """``base`` with ``opt`` set to ``value`` (options as ``--opt=value``, so '-1' is not read as an option)."""
        argv = list(base)
        if opt in ("ARCH", "NAME", "NAME2", "CARD"):
            argv[{"ARCH": 2, "NAME": 2 if argv[0] == "datasets" else 1, "NAME2": 3, "CARD": 2}[opt]] = value
            return argv
        keep = [a for a in argv if not a.startswith(opt + "=")] if opt != "--set" else argv
        return [*keep, f"{opt}={value}"]

    controls = [base for base, _ in templates if "CARD" not in base]
    calls = []
    for base, options in templates:
        for opt, cls in options.items():
            for value in v[cls]:
                calls.append(apply(base, opt, value))
    rng = random.Random(seed)
    while len(calls) < n:
        base, options = rng.choice(templates)
        argv = base
        for opt in rng.sample(sorted(options), k=min(2, len(options))):
            argv = apply(argv, opt, rng.choice(v[options[opt]]))
        calls.append(argv)
    return controls, calls


def run_one(argv: list[str], timeout: int) -> tuple[str, str, str]:
    """(outcome, stdout, stderr) of one in-process call; outcome is ok/error/traceback/hang/..."""
    from bench.cli import main

    out, err = io.StringIO(), io.StringIO()

    def alarm(signum: int, frame: object) -> None:
        raise Hang()

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(timeout)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(argv)
            except SystemExit as exc:
                rc = exc.code if isinstance(exc.code, int) else 2
    except Hang:
        return "hang", out.getvalue(), err.getvalue()
    except BaseException:
        return "traceback", out.getvalue(), traceback.format_exc(limit=-3)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    lines = [ln for ln in err.getvalue().splitlines() if ln.strip()]
    if rc == 0:
        return "wrong success", out.getvalue(), err.getvalue()
    if rc != 2:
        return f"exit {rc}", out.getvalue(), err.getvalue()
    if len(lines) != 1 or out.getvalue().strip() or "\r" in err.getvalue():
        return "multi-line error", out.getvalue(), err.getvalue()
    return "ok", out.getvalue(), err.getvalue()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="at least this many invocations (default 2000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=int, default=20, help="seconds before a call counts as a hang")
    parser.add_argument("--examples", type=int, default=3, help="examples shown per failure kind")
    opts = parser.parse_args()

    import bench

    for name in (CORA, NB201):
        bench.load(name, progress=False).close()  # build outside the timed calls
    counts: collections.Counter[str] = collections.Counter()
    examples: dict[str, list[str]] = collections.defaultdict(list)
    with tempfile.TemporaryDirectory(prefix="archbench-fuzz-") as tmp:
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            controls, calls = invocations(Path(tmp), opts.n, opts.seed)
            for argv in controls:
                outcome, out, err = run_one(argv, opts.timeout)
                if outcome != "wrong success":  # here exit 0 is the right answer
                    print(f"control failed: archbench {' '.join(argv)}: {outcome}: {err.strip()[-300:]}")
                    return 1
            print(f"{len(controls)} valid base commands succeed; now their bad variants", file=sys.stderr)
            for i, argv in enumerate(calls):
                outcome, out, err = run_one(argv, opts.timeout)
                counts[outcome] += 1
                if outcome != "ok" and len(examples[outcome]) < opts.examples:
                    shown = (err or out).strip().replace("\n", " | ")[-400:]
                    examples[outcome].append(f"archbench {' '.join(map(repr, argv))}\n      -> {shown}")
                if (i + 1) % 500 == 0:
                    print(f"  {i + 1}/{len(calls)} ...", file=sys.stderr)
        finally:
            os.chdir(cwd)
    total = sum(counts.values())
    print(f"total {total}: tracebacks {counts['traceback']}, hangs {counts['hang']}, "
          f"wrong successes {counts['wrong success']}, multi-line errors {counts['multi-line error']}, "
          f"other exit codes {sum(c for k, c in counts.items() if k.startswith('exit'))}, "
          f"one-line exit-2 errors {counts['ok']}")
    for kind, lines in examples.items():
        print(f"{kind}:")
        for line in lines:
            print(f"  {line}")
    return 0 if counts["ok"] == total else 1


if __name__ == "__main__":
    sys.exit(main())
