"""The one id -> row look-up: dense and sorted paths agree, missing ids map to -1."""

from __future__ import annotations

import numpy as np
import pytest

from bench.idindex import DENSE_ID_LIMIT, IdIndex


@pytest.mark.parametrize("offset", [0, DENSE_ID_LIMIT * 4], ids=["dense", "sorted-search"])
def test_rows_of_ids_in_any_order_with_missing_ids(offset: int) -> None:
    rng = np.random.default_rng(0)
    ids = rng.choice(10_000, size=500, replace=False).astype(np.int64) + offset  # unsorted column
    index = IdIndex(ids)
    assert (index._dense is None) == (offset > 0)
    asked = np.concatenate([ids[::-1], [offset - 1, offset + 10_000, -5, ids.max() + 1]])
    rows = index.rows(asked)
    assert rows.dtype == np.int64
    np.testing.assert_array_equal(rows[:500], np.arange(500)[::-1])
    assert (rows[500:] == -1).all()
    np.testing.assert_array_equal(ids[rows[:500]], asked[:500])
    assert index.rows(ids.reshape(20, 25)).shape == (20, 25)


def test_an_empty_column_answers_minus_one() -> None:
    np.testing.assert_array_equal(IdIndex(np.array([], dtype=np.int64)).rows(np.array([0, 3])), [-1, -1])
