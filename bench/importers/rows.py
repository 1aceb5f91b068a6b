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

    def reduce(self, values: np.ndarray, how: str) -> np.ndarray:
        """One value per group (aligned with :attr:`ids`)."""
        if how not in REDUCTIONS:
            raise ValueError(f"unknown reduction {how!r}; choose from {', '.join(REDUCTIONS)}")
        values = np.asarray(values, dtype=np.float64)
        if not self.has_repeats:
            return values[self.first_row]
        series = pd.Series(values).groupby(self.inverse, sort=True)
        return series.agg(REDUCTIONS[how]).to_numpy(dtype=np.float64)


def describe_reduction(how: str, counts: np.ndarray, what: str = "rows") -> str:
    """e.g. ``mean of 3 rows per architecture`` or ``mean of 1-5 rows per architecture (median 2)``."""
    lo, hi = int(counts.min()), int(counts.max())
    if hi == 1:
        return f"single {what[:-1] if what.endswith('s') else what} per architecture (as given)"
    if lo == hi:
        return f"{how} of {lo} {what} per architecture"
    return (f"{how} of {lo}-{hi} {what} per architecture (median {int(np.median(counts))}; missing values "
            "skipped)")
