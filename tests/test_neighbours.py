"""The exact search's helpers for repeated rows: ``distinct_rows`` and ``nearest_other``."""

from __future__ import annotations

import numpy as np
import pytest

import expectations.metrics.neighbours as neighbours
from expectations.metrics.neighbours import distinct_rows, nearest_neighbours, nearest_other, pair_distances


def _as_set(rows: np.ndarray) -> set[bytes]:
    return {row.tobytes() for row in np.ascontiguousarray(rows)}


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("shape", [(0, 3), (1, 3), (6, 1), (500, 7)])
def test_distinct_rows_are_numpys_unique_rows(shape: tuple[int, int], dtype: type) -> None:
    rows = np.random.default_rng(3).integers(0, 3, shape).astype(dtype)
    distinct, inverse, counts = distinct_rows(rows)
    reference, reference_counts = np.unique(rows, axis=0, return_counts=True)
    assert np.array_equal(distinct[inverse], rows)
    assert _as_set(distinct) == _as_set(reference) and len(distinct) == len(reference)
    assert sorted(counts.tolist()) == sorted(reference_counts.tolist())
    assert counts.sum() == len(rows)


def test_distinct_rows_fall_back_to_numpy_on_a_hash_collision() -> None:
    # Two different rows of two 64-bit words whose hashes (Σ word × multiplier, wrapping) agree:
    # w' = (w1 + m2, w2 − m1) adds m1·m2 − m2·m1 = 0.
    m1, m2 = (np.random.default_rng(neighbours._ROW_HASH_SEED).integers(1, 2**63, 2, dtype=np.uint64) * 2 + 1).tolist()
    w = np.array([[10**12, 3 * 10**12]], dtype=np.uint64)
    other = np.array([[(10**12 + m2) % 2**64, (3 * 10**12 - m1) % 2**64]], dtype=np.uint64)
    rows = np.vstack([w, other, w]).view(np.float64)
    with np.errstate(over="ignore"):
        hashes = (rows.view(np.uint64) * np.array([m1, m2], dtype=np.uint64)).sum(axis=1, dtype=np.uint64)
    assert hashes[0] == hashes[1]  # the collision is real
    distinct, inverse, counts = distinct_rows(rows)
    assert len(distinct) == 2 and sorted(counts.tolist()) == [1, 2]
    assert np.array_equal(distinct[inverse].view(np.uint64), rows.view(np.uint64))


@pytest.mark.parametrize("rows_shape, levels", [((400, 5), 2), ((400, 5), 50), ((1, 4), 3), ((0, 4), 3)])
def test_nearest_other_equals_the_search_with_itself_excluded(rows_shape: tuple[int, int], levels: int) -> None:
    rows = np.random.default_rng(7).integers(0, levels, rows_shape).astype(np.float32) / levels
    (expected,), _ = nearest_neighbours(rows, rows, exclude=np.arange(len(rows)))
    got = nearest_other(rows)
    assert np.array_equal(got, expected)
    if levels == 2:  # 32 profiles among 400 rows: every row repeats
        assert (got == 0).all()


@pytest.mark.parametrize("same_set", [False, True])
def test_the_reverse_direction_over_many_blocks_is_the_pairwise_minimum(
    monkeypatch: pytest.MonkeyPatch, same_set: bool
) -> None:
    """Blocks of 7 rows, so most columns' early minima are beaten later and dropped unmeasured
    (``_reverse_candidates``): each ``others`` row's distance still equals the smallest of its
    exact pair distances, bit for bit, the excluded pairs left out."""
    rng = np.random.default_rng(5)
    rows = rng.integers(0, 4, (300, 6)).astype(np.float32) / 3  # many exact ties
    others = rows if same_set else rng.integers(0, 4, (200, 6)).astype(np.float32) / 3
    exclude = np.arange(len(rows)) if same_set else None
    monkeypatch.setattr(neighbours, "_BLOCK_ENTRIES", 7 * len(others))
    assert neighbours._block_rows(len(others)) == 7
    _, backward = nearest_neighbours(rows, others, [0, 120, len(others)], exclude=exclude, reverse=True)
    row, column = np.divmod(np.arange(len(rows) * len(others)), len(others))
    values = (rows.astype(np.float64), others.astype(np.float64))
    pairwise = pair_distances(*values, row, column).reshape(len(rows), len(others))
    if same_set:
        np.fill_diagonal(pairwise, np.inf)
    assert np.array_equal(backward, pairwise.min(axis=0))
