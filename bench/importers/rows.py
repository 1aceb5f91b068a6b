"""Several source rows per architecture (seeds, isomorphic duplicates) reduced to one stored row.

A benchmark stores one row per canonical id. When a source lists an architecture more than once
(repeated seeds in a user's table, or NASLib NB101 specs that prune to the same cell), the rows
are grouped by canonical id and every label is reduced with a named statistic; missing values
(NaN) are skipped and a group whose values are all missing stays NaN. The label's
``seed_reduction`` then says which statistic over how many rows (:func:`describe_reduction`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: statistic name -> pandas groupby aggregation (all skip NaN; ``first`` = first non-missing row in file order)
REDUCTIONS = {"mean": "mean", "median": "median", "max": "max", "min": "min", "first": "first"}


class RowGroups:
    """Rows grouped by canonical id: ``ids`` ascending, ``first_row`` (file order), ``counts``."""

    def __init__(self, ids: np.ndarray) -> None:
        ids = np.asarray(ids, dtype=np.int64)
        self.ids, self.first_row, self.inverse, self.counts = np.unique(
            ids, return_index=True, return_inverse=True, return_counts=True)
        self.n_rows = len(ids)

    @property
    def has_repeats(self) -> bool:
        return bool(len(self.ids) < self.n_rows)

    def present(self, values: np.ndarray) -> np.ndarray:
        """How many non-missing values each group has (aligned with :attr:`ids`)."""
        ok = ~np.isnan(np.asarray(values, dtype=np.float64))
        return np.bincount(self.inverse.ravel(), weights=ok, minlength=len(self.ids)).astype(np.int64)

    def reduce(self, values: np.ndarray, how: str) -> np.ndarray:
        """One value per group (aligned with :attr:`ids`)."""
        if how not in REDUCTIONS:
            raise ValueError(f"unknown reduction {how!r}; choose from {', '.join(REDUCTIONS)}")
        values = np.asarray(values, dtype=np.float64)
        if not self.has_repeats:
            return values[self.first_row]
        series = pd.Series(values).groupby(self.inverse, sort=True)
        return series.agg(REDUCTIONS[how]).to_numpy(dtype=np.float64)


def describe_reduction(how: str, counts: np.ndarray, what: str = "rows", skipped: int = 0, empty: int = 0,
                       per: str = "architecture") -> str:
    """What a reduction did, e.g. ``mean of 3 rows per architecture`` or ``mean of 1-5 rows per
    architecture (median 2); 4 missing values skipped``.

    ``counts`` are the values that went into each group's statistic (missing ones excluded),
    ``skipped`` the missing values left out and ``empty`` the groups left with none (stored as NaN);
    the text claims skipped values only when there were some. ``per`` names a group.
    """
    counts = np.asarray(counts)
    used = counts[counts > 0]
    unit = what[:-1] if what.endswith("s") else what
    if not used.size:
        text = f"no {unit} with a value"
    elif int(used.max()) == 1 and not skipped:
        text = f"single {unit} per {per} (as given)"
    elif int(used.min()) == int(used.max()):
        text = f"{how} of {int(used.min())} {unit if used.min() == 1 else what} per {per}"
    else:
        text = (f"{how} of {int(used.min())}-{int(used.max())} {what} per {per} "
                f"(median {int(np.median(used))})")
    if skipped:
        text += f"; {skipped} missing value{'s' if skipped != 1 else ''} skipped"
    if empty:
        text += f"; {empty} {per}{'s' if empty != 1 else ''} without any value (NaN)"
    return text
