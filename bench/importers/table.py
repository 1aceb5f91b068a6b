"""``archbench import table CARD.yaml``: a user's own benchmark, described by a YAML card, no code.

The card names a CSV, Parquet or JSONL table (path relative to the card), the search space, the
architecture column(s) and every label with its unit, split, epochs, seed reduction and direction::

    name: mybench/cifar10                 # family/dataset
    file: results.csv                     # .csv, .parquet, .jsonl (or format: csv|parquet|jsonl)
    space: sequence                       # nb201 | nasbench-graph | sequence | graph
    space_config:                         # the space's constructor arguments (optional, see below)
      choices: [[conv3, conv5, skip], [conv3, conv5, skip]]
    architecture: {column: arch}          # graph: {adjacency: adj_column, ops: ops_column}
    labels:
      valid_acc:
        column: val_acc                   # default: the label's name
        unit: accuracy (%)
        split: valid                      # train | valid | test | none
        epochs: 200                       # an integer, {column: COLUMN} (per row), or null when not recorded
        seed_reduction: mean              # mean | median | max | min | first (over rows of one architecture)
        higher_is_better: true            # or direction: maximize | minimize (both given must agree)
        missing: skip                     # optional: skip empty/NaN cells (default: refuse the table)
        description: top-1 on the held-out 10k images   # optional; also extra: {...}
    missing: skip                         # optional: the default for every label
    equivalence_class: {column: cls}      # optional (sequence, graph): cells that are one network
    license: CC-BY-4.0                    # optional metadata, recorded in the store and dataset card
    citation: Doe et al. 2025
    source: https://example.org/mybench
    source_version: v1.0
    description: what the benchmark is
    builder: model.py:build              # sequence/graph: f(arch string) -> torch module, for archbench measure

Architecture columns: ``nb201`` takes NB201 strings or NB201 indices; ``nasbench-graph`` its
``link=... ops=...`` strings or its ids (for both, a cell of digits is an id); ``sequence`` a JSON
list of tokens or a space-separated string; ``graph`` an adjacency column holding a JSON list of
lists and an ops column holding a JSON list of op names (JSONL/Parquet may hold real lists).
Without ``space_config``, a ``sequence`` space takes as choices the tokens seen at each position
(sorted, numbers numerically) and a ``graph`` space the ops seen (sorted) with ``max_nodes`` = the
largest graph and no edge bound: give the config to describe a larger space than the table covers
(keys the card leaves out are inferred; an unknown key is refused with the valid ones).

Rows are grouped by canonical id, so repeated seeds, non-canonical ``nasbench-graph`` strings and
isomorphic ``graph`` cells become one architecture whose labels are reduced as each label's
``seed_reduction`` says; the stored ``seed_reduction`` states the statistic, how many rows went into
it and how many missing cells were skipped. An empty or NaN label cell is refused unless the label
(or the card) says ``missing: skip``, so a broken export never imports silently. An
``equivalence_class`` column groups cells the space cannot see are equal
(:mod:`bench.importers.equivalence`). Any problem is a one-line error naming the card key, or the
table row (counted from 1, header excluded) and column; duplicate YAML keys are refused with their
line.
"""

from __future__ import annotations

import inspect
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from bench.errors import UsageError
from bench.importers.equivalence import MODES, ClassConflict, Classes, resolve
from bench.importers.rows import REDUCTIONS, RowGroups, describe_reduction
from bench.spaces import SPACE_NAMES, InvalidArchitecture, SearchSpace, get_space
from bench.spaces.graph import GraphSpace
from bench.spaces.nasbench_graph import NasBenchGraphSpace
from bench.spaces.nb201 import NB201Space
from bench.spaces.sequence import SequenceSpace
from bench.store import SPLITS, LabelInfo, StoreContents, sha256_file

BENCHMARKS: tuple[str, ...] = ()
FORMATS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
CARD_KEYS = {"name", "file", "format", "space", "space_config", "architecture", "labels", "license", "citation",
             "source", "source_version", "description", "dataset", "missing", "equivalence_class", "builder"}
LABEL_KEYS = {"column", "unit", "split", "epochs", "seed_reduction", "higher_is_better", "direction", "description",
              "extra", "missing"}
DIRECTIONS = {"maximize": True, "max": True, "higher": True, "minimize": False, "min": False, "lower": False}
#: what to do with an empty or NaN label cell: refuse the table (default) or skip the cell
MISSING = ("error", "skip")
SPACE_CLASSES: dict[str, type[SearchSpace]] = {"nb201": NB201Space, "nasbench-graph": NasBenchGraphSpace,
                                               "sequence": SequenceSpace, "graph": GraphSpace}
#: spaces whose cards may declare an equivalence-class column (nb201 knows its classes; nasbench-graph merges them)
CLASS_SPACES = ("sequence", "graph")


class CardError(UsageError):
    """A malformed card or table; the message names the card key or the table row and column."""


@dataclass(frozen=True)
class LabelSpec:
    """One card label, checked: where its values come from and what is stored about them."""

    column: str
    how: str
    missing: str
    epochs_column: str | None
    fields: dict[str, Any]


# ---- the card -------------------------------------------------------------------------------------
class DuplicateKey(yaml.YAMLError):
    """A key given twice in one mapping (plain YAML keeps the last one silently)."""

    def __init__(self, key: Any, line: int, first: int) -> None:
        super().__init__(f"line {line}: key {key!r} given twice in one mapping (first at line {first})")


class CardLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses duplicate mapping keys, naming the key and both lines."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark.line + 1)
            except TypeError:  # an unhashable key: the base class reports it
                continue
            if first != key_node.start_mark.line + 1:
                raise DuplicateKey(key, key_node.start_mark.line + 1, first)
        return super().construct_mapping(node, deep=deep)


def read_card(path: str | os.PathLike[str]) -> dict[str, Any]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"card {path} not found")
    try:
        card = yaml.load(path.read_text(), Loader=CardLoader)  # noqa: S506 - a SafeLoader subclass
    except DuplicateKey as exc:
        raise CardError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise CardError(f"{path}: not valid YAML{where} ({getattr(exc, 'problem', None) or exc})") from None
    if not isinstance(card, dict):
        raise CardError(f"{path}: a card is a YAML mapping (name:, file:, space:, architecture:, labels:)")
    unknown = sorted(set(card) - CARD_KEYS)
    if unknown:
        raise CardError(f"{path}: unknown key {unknown[0]!r}; known: {', '.join(sorted(CARD_KEYS))}")
    for key in ("name", "file", "space", "architecture", "labels"):
        if key not in card or card[key] in (None, ""):
            raise CardError(f"{path}: missing required key {key!r}")
    if card["space"] not in SPACE_NAMES:
        raise CardError(f"{path}: space {card['space']!r} is not one of {', '.join(SPACE_NAMES)}")
    if not isinstance(card["labels"], dict) or not card["labels"]:
        raise CardError(f"{path}: labels must map each label name to its unit, split, epochs, ...")
    if card.get("missing", "error") not in MISSING:
        raise CardError(f"{path}: missing is {card['missing']!r}; use skip (skip empty/NaN label cells) or error")
    return card


def _epochs(where: str, epochs: Any) -> tuple[int | None, str | None]:
    """(fixed epochs, or the column that gives them per row) of ``labels.<name>.epochs``."""
    if isinstance(epochs, dict):
        if set(epochs) != {"column"} or not isinstance(epochs["column"], str) or not epochs["column"]:
            raise CardError(f"{where}.epochs is {epochs!r}; for epochs that vary by row give {{column: COLUMN}}")
        return None, epochs["column"]
    if epochs is not None and (isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0):
        raise CardError(f"{where}.epochs is {epochs!r}; give a non-negative integer, {{column: COLUMN}} (per row) or "
                        "null (not recorded)")
    return epochs, None


def _direction(where: str, spec: dict[str, Any]) -> bool:
    """higher_is_better from ``higher_is_better`` and/or ``direction``; both given must agree."""
    hib = None
    if "higher_is_better" in spec:
        hib = spec["higher_is_better"]
        if not isinstance(hib, bool):
            raise CardError(f"{where}.higher_is_better is {hib!r}; use true or false")
    if "direction" in spec:
        if str(spec["direction"]) not in DIRECTIONS:
            raise CardError(f"{where}.direction is {spec['direction']!r}; use maximize or minimize")
        said = DIRECTIONS[str(spec["direction"])]
        if hib is not None and hib != said:
            raise CardError(f"{where}: higher_is_better: {str(hib).lower()} contradicts direction: "
                            f"{spec['direction']}; give one of them")
        hib = said
    if hib is None:
        raise CardError(f"{where}.higher_is_better (or direction: maximize|minimize) is missing")
    return hib


def _label_info(card_path: Path, name: str, spec: Any, missing: str = "error") -> LabelSpec:
    """One card label checked, with errors naming ``labels.<name>.<key>``; ``missing`` is the card's default."""
    where = f"{card_path}: labels.{name}"
    if not isinstance(spec, dict):
        raise CardError(f"{where} must be a mapping with unit, split, epochs, seed_reduction and direction")
    unknown = sorted(set(spec) - LABEL_KEYS)
    if unknown:
        raise CardError(f"{where}: unknown key {unknown[0]!r}; known: {', '.join(sorted(LABEL_KEYS))}")
    if not str(name).replace("_", "").replace("-", "").isalnum():
        raise CardError(f"{where}: label names use letters, digits, '_' and '-' only")
    for key in ("unit", "split", "epochs", "seed_reduction"):
        if key not in spec or (key != "epochs" and spec[key] in (None, "")):
            raise CardError(f"{where}.{key} is missing (every label states unit, split, epochs, seed_reduction and "
                            "direction)")
    if spec["split"] not in SPLITS:
        raise CardError(f"{where}.split is {spec['split']!r}; use one of {', '.join(SPLITS)}")
    epochs, epochs_column = _epochs(where, spec["epochs"])
    how = str(spec["seed_reduction"])
    if how not in REDUCTIONS:
        raise CardError(f"{where}.seed_reduction is {how!r}; use one of {', '.join(REDUCTIONS)}")
    hib = _direction(where, spec)
    extra = spec.get("extra") or {}
    if not isinstance(extra, dict):
        raise CardError(f"{where}.extra must be a mapping")
    policy = spec.get("missing", missing)
    if policy not in MISSING:
        raise CardError(f"{where}.missing is {policy!r}; use skip (skip empty/NaN cells) or error")
    fields = {"unit": str(spec["unit"]), "split": spec["split"], "epochs": epochs, "higher_is_better": hib,
              "description": str(spec.get("description") or ""), "extra": extra}
    return LabelSpec(str(spec.get("column", name)), how, policy, epochs_column, fields)


# ---- the table ------------------------------------------------------------------------------------
def read_table(card_path: Path, card: dict[str, Any]) -> tuple[Path, pd.DataFrame]:
    path = (card_path.parent / str(card["file"])).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"{card_path}: file {card['file']!r} not found (looked for {path})")
    fmt = card.get("format") or FORMATS.get(path.suffix.lower())
    if fmt not in ("csv", "parquet", "jsonl"):
        raise CardError(f"{card_path}: cannot tell the format of {path.name}; add format: csv|parquet|jsonl")
    try:
        if fmt == "csv":
            frame = pd.read_csv(path)
        elif fmt == "jsonl":
            frame = pd.read_json(path, lines=True, dtype=False)
        else:
            frame = pd.read_parquet(path)
    except ImportError as exc:
        raise CardError(f"reading {path.name} needs an optional package: {exc}") from None
    except (ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise CardError(f"{path}: cannot read it as {fmt} ({str(exc).splitlines()[0]})") from None
    if frame.empty:
        raise CardError(f"{path}: the table has no rows")
    return path, frame


def _column(frame: pd.DataFrame, table: Path, column: str, key: str) -> pd.Series:
    if column not in frame.columns:
        cols = ", ".join(map(str, frame.columns[:20]))
        raise CardError(f"{table}: column {column!r} (card {key}) not found; columns: {cols}")
    return frame[column]


def _where(table: Path, row: int, column: str) -> str:
    return f"{table}: row {row + 1}, column {column!r}"


def _json_value(value: Any, table: Path, row: int, column: str, what: str) -> Any:
    """A cell holding JSON text or an already-parsed list (JSONL/Parquet)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [v.tolist() if isinstance(v, np.ndarray) else v for v in value]
    if not isinstance(value, str):
        raise CardError(f"{_where(table, row, column)}: expected {what}, got {value!r}")
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise CardError(f"{_where(table, row, column)}: not valid JSON ({exc.msg} at char {exc.pos}); expected "
                        f"{what}") from None


def _numeric_sorted(tokens: set[str]) -> list[str]:
    def key(t: str) -> tuple[int, float, str]:
        try:
            return (0, float(t), t)
        except ValueError:
            return (1, 0.0, t)

    return sorted(tokens, key=key)


def _sequence_tokens(value: Any, table: Path, row: int, column: str) -> list[str]:
    if isinstance(value, str) and not value.strip().startswith("["):
        return value.split()
    tokens = _json_value(value, table, row, column, "a JSON list of choices or a space-separated string")
    if not isinstance(tokens, list):
        raise CardError(f"{_where(table, row, column)}: expected a JSON list of choices")
    return [t if isinstance(t, str) else json.dumps(t) for t in tokens]


def _graph_cell(adj: Any, ops: Any, table: Path, row: int, columns: tuple[str, str]) -> tuple[list, list]:
    matrix = _json_value(adj, table, row, columns[0], "a JSON list of lists (the adjacency matrix)")
    if not isinstance(matrix, list) or not all(isinstance(r, list) for r in matrix):
        raise CardError(f"{_where(table, row, columns[0])}: expected a JSON list of lists (the adjacency matrix)")
    names = _json_value(ops, table, row, columns[1], "a JSON list of op names")
    if not isinstance(names, list) or not all(isinstance(o, str) for o in names):
        raise CardError(f"{_where(table, row, columns[1])}: expected a JSON list of op names")
    return matrix, names


def _architectures(card_path: Path, card: dict[str, Any], table: Path, frame: pd.DataFrame
                   ) -> tuple[SearchSpace, np.ndarray, list[str]]:
    """The space, one canonical code row per table row, and each row's architecture as written."""
    arch = card["architecture"]
    space_name = card["space"]
    config = card.get("space_config")
    if config is not None and not isinstance(config, dict):
        raise CardError(f"{card_path}: space_config must be a mapping of the space's constructor arguments")
    config = _check_config_keys(card_path, space_name, config or {})
    if space_name == "graph":
        if not isinstance(arch, dict) or not {"adjacency", "ops"} <= set(arch):
            raise CardError(f"{card_path}: architecture for a graph space is {{adjacency: COLUMN, ops: COLUMN}}")
        columns = (str(arch["adjacency"]), str(arch["ops"]))
        adj = _column(frame, table, columns[0], "architecture.adjacency")
        ops = _column(frame, table, columns[1], "architecture.ops")
        raw = [json.dumps(list(_graph_cell(a, o, table, i, columns)), separators=(",", ":"))
               for i, (a, o) in enumerate(zip(adj, ops, strict=True))]
        cells = [json.loads(r) for r in raw]
        if "ops" not in config:
            config["ops"] = sorted({op for _, names in cells for op in names[1:-1]})
        if "max_nodes" not in config:
            config["max_nodes"] = max(len(m) for m, _ in cells)
        space = _space(card_path, space_name, config)
        known_ops = set(getattr(space, "ops", ()))
        index: dict[str, np.ndarray] = {}
        codes = []
        for i, (matrix, names) in enumerate(cells):
            bad = next((o for o in names[1:-1] if o not in known_ops), None)
            if bad is not None:
                raise CardError(f"{_where(table, i, columns[1])}: unknown op {bad!r}; valid: {', '.join(space.ops)}")
            if raw[i] not in index:
                try:
                    index[raw[i]] = space.from_matrix(matrix, names)
                except InvalidArchitecture as exc:
                    raise CardError(f"{table}: row {i + 1}, columns {columns[0]!r}/{columns[1]!r}: {exc}") from None
            codes.append(index[raw[i]])
        return space, np.stack(codes), raw
    if not isinstance(arch, dict) or "column" not in arch:
        raise CardError(f"{card_path}: architecture is {{column: COLUMN}} for a {space_name} space")
    column = str(arch["column"])
    values = _column(frame, table, column, "architecture.column").tolist()
    if space_name == "sequence":
        tokens = [_sequence_tokens(v, table, i, column) for i, v in enumerate(values)]
        if "choices" not in config:
            lengths = {len(t) for t in tokens}
            if len(lengths) != 1:
                i = next(i for i, t in enumerate(tokens) if len(t) != len(tokens[0]))
                raise CardError(f"{_where(table, i, column)}: {len(tokens[i])} choices where row 1 has "
                                f"{len(tokens[0])}; every architecture has one choice per position")
            width = lengths.pop()
            config["choices"] = [_numeric_sorted({t[p] for t in tokens}) for p in range(width)]
        values = [" ".join(t) for t in tokens]
    space = _space(card_path, space_name, config)
    parsed: dict[Any, np.ndarray] = {}
    rows = []
    ids_allowed = space_name in ("nb201", "nasbench-graph")
    for i, v in enumerate(values):
        if isinstance(v, str) and ids_allowed and v.strip().isdigit():
            key: Any = int(v)  # an id written as text, e.g. the NB201 index in a mixed column
        elif isinstance(v, str):
            key = v
        elif isinstance(v, (int, np.integer)) or (isinstance(v, float) and v.is_integer()):
            key = int(v)  # an id, e.g. the NB201 index
        elif v is None or (isinstance(v, float) and np.isnan(v)):
            raise CardError(f"{_where(table, i, column)}: the architecture is missing")
        else:
            raise CardError(f"{_where(table, i, column)}: {v!r} is not an architecture string or id")
        if key not in parsed:
            try:
                parsed[key] = space.canonicalize(space.to_codes([key]))[0]
            except (InvalidArchitecture, TypeError, ValueError) as exc:
                raise CardError(f"{_where(table, i, column)}: {str(exc).splitlines()[0]}") from None
        rows.append(parsed[key])
    return space, np.stack(rows), [str(v) for v in values]


def config_keys(space_name: str) -> tuple[str, ...]:
    """The ``space_config`` keys a space accepts: its constructor's named arguments."""
    params = inspect.signature(SPACE_CLASSES[space_name].__init__).parameters.values()
    return tuple(p.name for p in params if p.name != "self" and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


def _check_config_keys(card_path: Path, space_name: str, config: dict[str, Any]) -> dict[str, Any]:
    valid = config_keys(space_name)
    unknown = sorted(map(str, set(config) - set(valid)))
    if unknown:
        known = ", ".join(valid) if valid else f"none (the {space_name} space takes no space_config)"
        raise CardError(f"{card_path}: space_config.{unknown[0]} is not a {space_name} setting; valid keys: {known}")
    return dict(config)


def _space(card_path: Path, name: str, config: dict[str, Any]) -> SearchSpace:
    try:
        return get_space(name, **config)
    except (TypeError, ValueError) as exc:
        raise CardError(f"{card_path}: space_config for {name}: {exc}") from None


def _label_specs(card_path: Path, card: dict[str, Any], table: Path, frame: pd.DataFrame) -> dict[str, LabelSpec]:
    """Every card label checked (keys, values, columns present) before any row is parsed."""
    specs = {}
    for name, spec in card["labels"].items():
        checked = _label_info(card_path, str(name), spec, card.get("missing", "error"))
        _column(frame, table, checked.column, f"labels.{name}.column")
        if checked.epochs_column is not None:
            _column(frame, table, checked.epochs_column, f"labels.{name}.epochs.column")
            if f"{name}_epochs" in card["labels"]:
                raise CardError(f"{card_path}: labels.{name}_epochs clashes with the label that stores the per-"
                                f"architecture epochs of labels.{name}; rename it")
        specs[str(name)] = checked
    return specs


def _classes(card_path: Path, card: dict[str, Any], table: Path, frame: pd.DataFrame, row_ids: np.ndarray,
             groups: RowGroups) -> Classes | None:
    """The card's ``equivalence_class`` resolved over the table, or None."""
    spec = card.get("equivalence_class")
    if spec is None:
        return None
    if card["space"] not in CLASS_SPACES:
        raise CardError(f"{card_path}: equivalence_class applies to {' and '.join(CLASS_SPACES)} spaces; the "
                        f"{card['space']} space knows its own isomorphism classes")
    if not isinstance(spec, dict) or "column" not in spec or set(spec) - {"column", "labels"}:
        raise CardError(f"{card_path}: equivalence_class is {{column: COLUMN}} (optional labels: "
                        f"{' | '.join(MODES)})")
    mode = spec.get("labels", MODES[0])
    if mode not in MODES:
        raise CardError(f"{card_path}: equivalence_class.labels is {mode!r}; use one of {', '.join(MODES)}")
    column = str(spec["column"])
    names = []
    for i, v in enumerate(_column(frame, table, column, "equivalence_class.column").tolist()):
        if v is None or (isinstance(v, float) and np.isnan(v)) or (isinstance(v, str) and not v.strip()):
            raise CardError(f"{_where(table, i, column)}: the equivalence class is missing")
        names.append(str(int(v)) if isinstance(v, float) and v.is_integer() else str(v))
    try:
        return resolve(names, row_ids, groups, column, mode)
    except ClassConflict as exc:
        raise CardError(f"{table}: column {column!r}: {exc}") from None


def _numbers(frame: pd.DataFrame, table: Path, column: str) -> np.ndarray:
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64)
    bad = np.flatnonzero(np.isnan(values) & raw.notna().to_numpy())
    if len(bad):
        i = int(bad[0])
        raise CardError(f"{_where(table, i, column)}: {raw.iloc[i]!r} is not a number")
    return values


def _epochs_per_group(name: str, spec: LabelSpec, table: Path, frame: pd.DataFrame, present: np.ndarray,
                      groups: RowGroups, rows: np.ndarray) -> np.ndarray:
    """Each group's epochs from the label's epochs column: every row with a value states them, and the
    rows reduced into one value agree (one training budget per stored value)."""
    column = str(spec.epochs_column)
    epochs = _numbers(frame, table, column)[rows]
    lacking = np.flatnonzero(present & np.isnan(epochs))
    if len(lacking):
        raise CardError(f"{_where(table, int(rows[lacking[0]]), column)}: no epochs for a row with a "
                        f"labels.{name} value (every label states its epochs)")
    bad = np.flatnonzero(present & ((epochs < 0) | (epochs != np.round(epochs))))
    if len(bad):
        raise CardError(f"{_where(table, int(rows[bad[0]]), column)}: epochs {epochs[bad[0]]!r} is not a "
                        "non-negative integer")
    used = np.where(present, epochs, np.nan)
    lo, hi = groups.reduce(used, "min"), groups.reduce(used, "max")
    split = np.flatnonzero(lo != hi)
    if len(split):
        members = np.flatnonzero((groups.inverse.ravel() == split[0]) & present)
        a = next(int(i) for i in members if used[i] == lo[split[0]])
        b = next(int(i) for i in members if used[i] == hi[split[0]])
        raise CardError(f"{table}: rows {int(rows[a]) + 1} and {int(rows[b]) + 1}, column {column!r}: one "
                        f"architecture's labels.{name} values were trained for {int(lo[split[0]])} and "
                        f"{int(hi[split[0]])} epochs; a stored value reduces rows of one training budget")
    return lo


def _labels(specs: dict[str, LabelSpec], table: Path, frame: pd.DataFrame, groups: RowGroups,
            row_ids: np.ndarray, classes: Classes | None) -> tuple[dict[str, tuple[np.ndarray, LabelInfo]], int]:
    """Every label reduced per architecture (per class, spread to its members), and the missing cells skipped."""
    if classes is None:
        rows, keys, target = np.arange(len(row_ids)), np.asarray(row_ids), groups.ids
    else:
        mask, keys = classes.reduction_rows(row_ids)
        rows, target = np.flatnonzero(mask), classes.iso_class
    reduce_groups = RowGroups(keys)
    at = np.searchsorted(reduce_groups.ids, target)
    per = "architecture" if classes is None or classes.mode == "representative" else "equivalence class"
    out: dict[str, tuple[np.ndarray, LabelInfo]] = {}
    skipped_total = 0
    for name, spec in specs.items():
        values = _numbers(frame, table, spec.column)
        missing = np.flatnonzero(np.isnan(values))
        if len(missing) and spec.missing != "skip":
            raise CardError(f"{_where(table, int(missing[0]), spec.column)}: missing value ({len(missing)} in this "
                            f"column); add 'missing: skip' to labels.{name} (or the card) to skip missing cells")
        values = values[rows]
        present = reduce_groups.present(values)
        skipped = int(np.isnan(values).sum())
        skipped_total += skipped
        said = describe_reduction(spec.how, present, "rows", skipped, int((present == 0).sum()), per)
        if classes is not None and classes.mode == "representative":
            said += f"; each member of an equivalence class (column {classes.column!r}) stores its representative's"
            said += " value"
        elif classes is not None:
            said += f" (column {classes.column!r}: all members' rows), stored for each member"
        fields = dict(spec.fields)
        if spec.epochs_column is not None:
            epochs = _epochs_per_group(name, spec, table, frame, ~np.isnan(values), reduce_groups, rows)[at]
            known = epochs[np.isfinite(epochs)]
            if known.size and known.min() == known.max():
                fields["epochs"] = int(known[0])
            else:
                span = f"{int(known.min())}-{int(known.max())}" if known.size else "none recorded"
                fields["epochs_detail"] = (f"per architecture: {span} (column {spec.epochs_column!r}; label "
                                           f"{name}_epochs)")
                out[f"{name}_epochs"] = (epochs, LabelInfo(
                    name=f"{name}_epochs", unit="epochs", split="none", epochs=None, seed_reduction=said,
                    higher_is_better=True, source=f"{table.name} [{spec.epochs_column}]",
                    description=f"training epochs behind each architecture's {name} value (not a target)"))
        out[name] = (reduce_groups.reduce(values, spec.how)[at], LabelInfo(
            name=name, seed_reduction=said, source=f"{table.name} [{spec.column}]", **fields))
    return out, skipped_total


def _builder(card_path: Path, card: dict[str, Any]) -> dict[str, str]:
    """``builder: file.py:function`` (path relative to the card) for ``archbench measure``; sequence/graph only."""
    spec = card.get("builder")
    if spec is None:
        return {}
    target, sep, function = str(spec).rpartition(":")
    if card["space"] not in ("sequence", "graph"):
        raise CardError(f"{card_path}: builder is for sequence and graph spaces; {card['space']} has its own networks")
    if not sep or not target or not function:
        raise CardError(f"{card_path}: builder is {spec!r}; give file.py:function or package.module:function")
    if target.endswith(".py"):
        target = str((card_path.parent / target).resolve())
    return {"network_builder": f"{target}:{function}"}


def read(
    path: str | os.PathLike[str], allow_unknown: bool = False, only: set[str] | None = None
) -> list[StoreContents]:
    """``path``: the YAML card. ``allow_unknown`` has no effect (a user's table has no published checksum)."""
    card_path = Path(path).expanduser()
    card = read_card(card_path)
    table, frame = read_table(card_path, card)
    specs = _label_specs(card_path, card, table, frame)
    space, codes, raw = _architectures(card_path, card, table, frame)
    row_ids = space.to_ids(codes)
    groups = RowGroups(row_ids)
    classes = _classes(card_path, card, table, frame, row_ids, groups)
    labels, skipped = _labels(specs, table, frame, groups, row_ids, classes)
    codes = codes[groups.first_row]
    stated = "not stated in the card"
    meta = {
        "source": str(card.get("source") or f"user table {table.name}"),
        "source_version": str(card.get("source_version") or f"sha256 {sha256_file(table)[:16]}"),
        "license": str(card.get("license") or stated),
        "citation": str(card.get("citation") or stated),
        "raw_sha256": {table.name: sha256_file(table), card_path.name: sha256_file(card_path)},
        "raw_checksum_status": "user table: no published checksum to verify against (sha256 recorded)",
        "description": str(card.get("description") or f"imported from {table.name} with {card_path.name}"),
        "dataset": str(card.get("dataset") or str(card["name"]).split("/")[-1]),
        "import_card": card_path.read_text(),
        "note_rows": f"{groups.n_rows} table rows, {len(groups.ids)} architectures after grouping by canonical id",
        **_builder(card_path, card),
    }
    if any(spec.missing == "skip" for spec in specs.values()):
        meta["missing_skipped"] = skipped
        meta["note_missing"] = f"{skipped} missing label value{'s' if skipped != 1 else ''} skipped (missing: skip)"
    if classes is not None:
        meta["note_equivalence_classes"] = classes.describe()
    iso = space.iso_class(codes) if space.name == "nb201" else None
    return [StoreContents(
        benchmark=str(card["name"]), space=space.name, space_config=space.config(), ids=groups.ids,
        strings=space.to_strings(codes), codes=codes,
        source_keys=np.asarray([raw[i].encode() for i in groups.first_row], dtype=bytes), labels=labels, meta=meta,
        iso_class=classes.iso_class if classes is not None else iso,
    )]
