"""argparse types shared by the sub-commands, so every argument is checked before any work starts.

A bad value becomes argparse's one-line ``archbench <cmd>: error: argument --x: ...`` and exit 2;
nothing is built, trained or written first. Upper bounds keep typos (``--seeds 1000000000000``)
from exhausting memory or running for days.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable

from bench.errors import ArchBenchError
from bench.validate import check_dir

_INT = re.compile(r"[+-]?[0-9]+")  # ASCII digits only: int() would also take Unicode digits and '1_000'


def int_range(lo: int, hi: int) -> Callable[[str], int]:
    """An integer in [lo, hi]."""

    def parse(text: str) -> int:
        s = text.strip()
        if not _INT.fullmatch(s):
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}")
        shown = s if len(s) <= 40 else s[:37] + "..."
        v = int(s) if len(s) <= 30 else (hi + 1 if s[0] != "-" else lo - 1)  # 30 digits: out of any range
        if v < lo:
            raise argparse.ArgumentTypeError(f"must be at least {lo:,}, got {shown}")
        if v > hi:
            raise argparse.ArgumentTypeError(f"must be at most {hi:,}, got {shown}")
        return v

    parse.__name__ = "integer"  # argparse names the type in its fallback message
    return parse


def float_range(lo: float, hi: float, lo_inclusive: bool = False) -> Callable[[str], float]:
    """A finite number in (lo, hi] (or [lo, hi] with ``lo_inclusive``); inf, nan and 1e309 are refused."""

    def parse(text: str) -> float:
        try:
            v = float(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(v):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text.strip()}")
        if not (lo <= v if lo_inclusive else lo < v):
            bound = f"at least {lo:g}" if lo_inclusive else ("positive" if lo == 0 else f"above {lo:g}")
            raise argparse.ArgumentTypeError(f"must be {bound}, got {text.strip()}")
        if v > hi:
            raise argparse.ArgumentTypeError(f"must be at most {hi:g}, got {text.strip()}")
        return v

    parse.__name__ = "number"
    return parse


def csv_list(text: str) -> list[str]:
    """Comma-separated non-empty items: ``'a, b'`` -> ['a', 'b']; ``''``, ``' '`` and ``'a,,b'`` are refused."""
    items = [v.strip() for v in text.split(",")]
    if not any(items):
        raise argparse.ArgumentTypeError(f"expected a comma-separated list, got {text!r}")
    if not all(items):
        raise argparse.ArgumentTypeError(f"empty item in the comma-separated list {text!r}")
    if any("\x00" in v for v in items):
        raise argparse.ArgumentTypeError(f"NUL character in {text!r}")
    return items


def csv_ints(lo: int, hi: int) -> Callable[[str], list[int]]:
    """Comma-separated integers, each in [lo, hi]."""
    one = int_range(lo, hi)

    def parse(text: str) -> list[int]:
        return [one(v) for v in csv_list(text)]

    parse.__name__ = "integer list"
    return list_valued(parse)


def csv_floats(lo: float, hi: float) -> Callable[[str], list[float]]:
    """Comma-separated finite numbers, each in (lo, hi]."""
    one = float_range(lo, hi)

    def parse(text: str) -> list[float]:
        return [one(v) for v in csv_list(text)]

    parse.__name__ = "number list"
    return list_valued(parse)


def nonempty(text: str) -> str:
    """A non-blank string without NUL (names, metrics, specs)."""
    if not text.strip() or "\x00" in text:
        raise argparse.ArgumentTypeError(f"expected a non-empty value, got {text!r}")
    return text.strip()


def directory(text: str) -> str:
    """A directory to read or write: not empty (``''`` would mean the current directory), and not
    an existing file or device (``/dev/null``) or below one."""
    try:
        check_dir(text, "directory")
    except ArchBenchError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def list_valued(parse: Callable[[str], object]) -> Callable[[str], object]:
    """Mark an argparse type whose value is a list (or a comma-joined text): an option of this type
    given twice accumulates (``--predictors a --predictors b`` is ``a,b``) instead of keeping the last."""
    parse.list_valued = True  # type: ignore[attr-defined]
    return parse


csv_list = list_valued(csv_list)


class StoreOnce(argparse._StoreAction):
    """argparse's ``store`` that never drops a value silently: an option given twice accumulates if
    its type is :func:`list_valued` and is refused with one line otherwise (``--budget 10 --budget 20``,
    or an alias: ``--algorithm X --algorithms Y`` used to keep only Y)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:
        seen: set[str] = namespace.__dict__.setdefault("_given", set())
        if self.dest in seen:
            earlier = getattr(namespace, self.dest)
            if not getattr(self.type, "list_valued", False):
                names = "/".join(self.option_strings)
                raise argparse.ArgumentError(self, f"given twice ({earlier!r}, then {values!r}); {names} takes "
                                                   "one value")
            if isinstance(earlier, str):
                try:  # re-checked as one list (an item in both is refused)
                    values = self.type(f"{earlier},{values}")  # type: ignore[misc]
                except argparse.ArgumentTypeError as exc:
                    raise argparse.ArgumentError(self, str(exc)) from None
            else:
                values = [*earlier, *values]  # type: ignore[misc]
        seen.add(self.dest)
        setattr(namespace, self.dest, values)


def scheduler_address(text: str) -> str:
    """``--scheduler``: ``tcp://HOST:PORT`` or ``tls://HOST:PORT`` (a bare ``HOST:PORT`` means tcp)."""
    from bench.cluster import check_scheduler_address

    try:
        return check_scheduler_address(text)
    except ArchBenchError:
        raise argparse.ArgumentTypeError(f"expected tcp://HOST:PORT or tls://HOST:PORT, got {text!r}") from None


#: bound that keeps a typo from starting thousands of worker processes
MAX_JOBS = 1_024


def add_cluster_options(p: argparse.ArgumentParser, what: str) -> None:
    """``--jobs``, ``--scheduler`` and the TLS files: where ``what`` runs (README, "Run on a cluster")."""
    g = p.add_argument_group("where it runs (Dask)")
    g.add_argument("--jobs", type=int_range(1, MAX_JOBS), metavar="N",
                   help=f"run {what} on a local Dask cluster of N worker processes, one thread each, listening on "
                        "127.0.0.1 only (default 1: in this process)")
    g.add_argument("--scheduler", type=scheduler_address, metavar="ADDRESS",
                   help=f"run {what} on the running Dask cluster at tcp://HOST:PORT or tls://HOST:PORT")
    g.add_argument("--tls-ca-file", type=nonempty, metavar="PEM", help="CA certificate for a tls:// scheduler")
    g.add_argument("--tls-cert", type=nonempty, metavar="PEM", help="this client's certificate for a tls:// scheduler")
    g.add_argument("--tls-key", type=nonempty, metavar="PEM", help="this client's private key (if not in --tls-cert)")


def cluster_kwargs(args: argparse.Namespace, default_jobs: int = 1) -> dict:
    """``jobs``/``scheduler``/``security`` for :func:`bench.cluster.open_client` from the options above."""
    from bench.cluster import make_security
    from bench.errors import UsageError

    tls = (args.tls_ca_file, args.tls_cert, args.tls_key)
    if args.scheduler is None and any(tls):
        raise UsageError("--tls-ca-file/--tls-cert/--tls-key apply to --scheduler tls://...; give --scheduler too")
    if args.scheduler is not None and args.jobs is not None:
        raise UsageError("give either --jobs (a local cluster) or --scheduler (a running one), not both")
    return {"jobs": args.jobs if args.jobs is not None else default_jobs, "scheduler": args.scheduler,
            "security": make_security(*tls)}
