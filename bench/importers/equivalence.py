"""Equivalence classes declared by an imported table: cells that are one network written differently.

A ``sequence`` or ``graph`` card may name a column holding each row's class (``equivalence_class:
{column: COLUMN}``), for isomorphisms the space cannot see (e.g. NB201-shaped cells encoded as six
tokens). Each class's representative is its lowest canonical id in the table, and every member stores
it as ``iso_class`` -- the array NB201 benchmarks already store -- so the frozen splits
(:mod:`bench.protocol`) take only the representative and no class straddles a split, and every member
stores the class's labels, so a query for any member answers with them. The class's labels are the
representative's own rows reduced (``labels: representative``, the NB201 convention) or the rows of
all members pooled (``labels: pooled``), each label with its ``seed_reduction``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bench.importers.rows import RowGroups

#: how a class's labels are formed from its members' rows
MODES = ("representative", "pooled")


class ClassConflict(ValueError):
    """Two rows of one architecture name different classes (``rows`` are 0-based table rows)."""

    def __init__(self, rows: tuple[int, int], classes: tuple[str, str]) -> None:
        super().__init__(f"rows {rows[0] + 1} and {rows[1] + 1} are the same architecture but name classes "
                         f"{classes[0]!r} and {classes[1]!r}")
        self.rows = rows
        self.classes = classes


@dataclass(frozen=True)
class Classes:
    """The classes of a table: per architecture (aligned with ``RowGroups.ids``) and per row."""

    column: str
    mode: str
    iso_class: np.ndarray  # per architecture: its class representative's id
    row_rep: np.ndarray  # per table row: its class representative's id
    n_classes: int

    def reduction_rows(self, row_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(mask of the rows whose values form the class labels, the group key of each such row)."""
        if self.mode == "pooled":
            return np.ones(len(row_ids), dtype=bool), self.row_rep
        mask = np.asarray(row_ids) == self.row_rep
        return mask, self.row_rep[mask]

    def describe(self) -> str:
        how = ("the representative's own rows" if self.mode == "representative"
               else "the rows of every member pooled")
        return (f"{self.n_classes} equivalence classes (column {self.column!r}); representative = lowest id of "
                f"each class, stored as iso_class; every member stores its class's labels ({how})")


def resolve(names: Sequence[str], row_ids: np.ndarray, groups: RowGroups, column: str, mode: str) -> Classes:
    """Classes from one class name per table row; the rows of one architecture must agree."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    row_class, uniques = pd.factorize(pd.Series(list(names), dtype=object), sort=False)
    arch_class = row_class[groups.first_row]
    bad = np.flatnonzero(row_class != arch_class[groups.inverse.ravel()])
    if len(bad):
        i = int(bad[0])
        first = int(groups.first_row[groups.inverse.ravel()[i]])
        raise ClassConflict((first, i), (str(uniques[row_class[first]]), str(uniques[row_class[i]])))
    rep = np.full(len(uniques), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(rep, arch_class, groups.ids)
    iso = rep[arch_class]
    return Classes(column=column, mode=mode, iso_class=iso, row_rep=iso[groups.inverse.ravel()],
                   n_classes=len(uniques))
