"""``archbench import SOURCE PATH``: turn a public raw file, or your own table (``table CARD.yaml``),
into a benchmark in the data directory."""

from __future__ import annotations

import argparse

from bench.commands._args import nonempty
from bench.errors import UsageError
from bench.importers.catalog import SOURCES, import_source


def register(sub: argparse._SubParsersAction) -> None:
    lines = [f"  {name:<17} {what}" for name, (_, what) in SOURCES.items()]
    p = sub.add_parser(
        "import", help="import a public raw file or your own table (see README, 'Importing more benchmarks')",
        description="Import a benchmark into the data directory. Sources:\n" + "\n".join(lines),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("source", choices=list(SOURCES), metavar="SOURCE", help=", ".join(SOURCES))
    p.add_argument("path", metavar="PATH", type=nonempty,
                   help="the raw file, a folder holding it, or (table) the YAML card")
    p.add_argument("--name", type=nonempty, help="family/dataset for a single benchmark, or a family for all of them "
                   "(default: the source's own names)")
    p.add_argument("--only", action="append", type=nonempty, metavar="BENCHMARK",
                   help="import only this benchmark (repeatable; default: every benchmark the source holds)")
    p.add_argument("--force", action="store_true", help="replace benchmarks that already exist")
    p.add_argument("--allow-unknown-checksum", action="store_true",
                   help="import a file whose sha256 is not the published one (recorded as unverified)")
    p.set_defaults(func=cmd_import)


def cmd_import(args: argparse.Namespace) -> int:
    import bench

    try:
        paths = import_source(
            args.source, args.path, args.data_dir, name=args.name, only=args.only, force=args.force,
            allow_unknown_checksum=args.allow_unknown_checksum,
        )
    except UnicodeDecodeError as exc:  # a binary file where a card or table (text) was expected
        raise UsageError(f"{args.path} (or a file its card names) is not UTF-8 text: {exc.reason} at byte "
                         f"{exc.start}") from None
    for path in paths:
        name = f"{path.parent.name}/{path.stem}"
        b = bench.load(name, args.data_dir, verify="full")
        skipped = f"\t{b.attrs['missing_skipped']} missing values skipped" if "missing_skipped" in b.attrs else ""
        print(f"{name}\timported\t{len(b)} architectures\t{len(b.metrics)} metrics{skipped}\t{path}")
        b.close()
    return 0
