"""``--format table|csv|json`` for the commands that print results, and how tables show numbers.

``table`` is for reading (numbers as the evaluate boards show them: whole numbers without
decimals, the rest to 3 decimals); ``csv`` and ``json`` are for scripts and keep full precision
(JSON: a list of records, missing values as ``null``).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

FORMATS = ("table", "csv", "json")


def add_format_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="table",
                        help="table (for reading), csv or json (for scripts; full precision)")


def format_number(value: Any, digits: int = 3) -> str:
    """A number as the evaluate boards print it: ``200``, ``0.871``, ``–`` for a missing value."""
    if value is None or isinstance(value, (bool, np.bool_)):
        return "–" if value is None else str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    x = float(value)
    if not math.isfinite(x):
        return "–"
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:.{digits}f}"


def _plain(value: Any) -> Any:
    """JSON-ready scalars: numpy types unwrapped, NaN and infinities as null."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def to_json(data: Any) -> str:
    return json.dumps(_plain(data), indent=2, ensure_ascii=False, allow_nan=False)


def emit(frame: pd.DataFrame, fmt: str, table: Callable[[], str] | None = None) -> None:
    """Print ``frame`` in ``fmt``; ``table`` renders the table format (default: aligned columns with
    :func:`format_number`)."""
    if fmt == "csv":
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
    elif fmt == "json":
        print(to_json(frame.astype(object).to_dict(orient="records")))
    else:
        print(table() if table is not None else text_table(frame))


def text_table(frame: pd.DataFrame) -> str:
    """Aligned columns, numbers by :func:`format_number` (right-aligned), text left-aligned."""
    shown = {c: [format_number(v) if _is_number(v) else str(v) for v in frame[c]] for c in frame.columns}
    numeric = {c: frame[c].map(_is_number).all() and len(frame) > 0 for c in frame.columns}
    widths = {c: max([len(str(c)), *map(len, shown[c])]) for c in frame.columns}

    def line(cells: dict[str, str]) -> str:
        return "  ".join(cells[c].rjust(widths[c]) if numeric[c] else cells[c].ljust(widths[c])
                         for c in frame.columns).rstrip()

    rows = [line({c: str(c) for c in frame.columns})]
    rows += [line({c: shown[c][i] for c in frame.columns}) for i in range(len(frame))]
    return "\n".join(rows)


def _is_number(value: Any) -> bool:
    return value is None or (isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_)))
