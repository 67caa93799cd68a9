"""Search threads (``expectations.metrics.parallel``): a figure does not depend on how many threads
computed it, and the setting is read and refused as documented."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from expectations.metrics.encoding import DistanceEncoder
from expectations.metrics.neighbours import nearest_neighbours, nearest_ties
from expectations.metrics.parallel import THREADS_VARIABLE, row_parts, search_threads, use_search_threads
from expectations.metrics.rarity import RarityModel, closest_match


def _codes(seed: int, n: int, width: int = 12) -> np.ndarray:
    """Rounded values: many exact ties, so the margin's extra candidates are exercised."""
    return np.random.default_rng(seed).integers(0, 4, (n, width)) / 3.0


@pytest.mark.parametrize("threads", [2, 3])
def test_neighbours_are_bit_identical_on_any_number_of_threads(threads: int) -> None:
    rows, others = _codes(0, 5_000), _codes(1, 3_000)
    bounds = [0, 1_000, 1_000, 3_000]  # an empty group too
    assert len(row_parts(len(rows), threads, 1_024)) == threads  # the search really is split
    one = nearest_neighbours(rows, others, bounds, reverse=True, threads=1)
    many = nearest_neighbours(rows, others, bounds, reverse=True, threads=threads)
    assert np.array_equal(one[0], many[0]) and np.array_equal(one[1], many[1])
    own_one, _ = nearest_neighbours(rows, rows, exclude=np.arange(len(rows)), threads=1)
    own_many, _ = nearest_neighbours(rows, rows, exclude=np.arange(len(rows)), threads=threads)
    assert np.array_equal(own_one, own_many)
    ties_one = nearest_ties(rows, others, threads=1)
    ties_many = nearest_ties(rows, others, threads=threads)
    assert all(np.array_equal(a, b) for a, b in zip(ties_one, ties_many, strict=True))
    assert ties_one[1].size > len(rows)  # rows with several nearest rows at once


def test_blocks_bounded_by_entries_give_the_same_neighbours(monkeypatch: pytest.MonkeyPatch) -> None:
    """With many ``others`` a block holds fewer rows (``_block_rows``): the results do not change."""
    from expectations.metrics import neighbours

    rows, others = _codes(3, 700), _codes(4, 2_500)
    bounds = [0, 900, 2_500]
    whole = nearest_neighbours(rows, others, bounds, reverse=True, threads=1)
    ties = nearest_ties(rows, others, threads=1)
    monkeypatch.setattr(neighbours, "_BLOCK_ENTRIES", 7 * 2_500 + 3)  # 7 rows a block
    assert neighbours._block_rows(2_500) == 7
    small = nearest_neighbours(rows, others, bounds, reverse=True, threads=2)
    assert np.array_equal(whole[0], small[0]) and np.array_equal(whole[1], small[1])
    assert all(np.array_equal(a, b) for a, b in zip(ties, nearest_ties(rows, others, threads=2), strict=True))
    assert neighbours._block_rows(10**9) == 1


def test_rarity_matches_are_bit_identical_on_any_number_of_threads() -> None:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"x": rng.integers(0, 50, 1_600), "c": rng.choice(list("abcde"), 1_600)})
    encoder = DistanceEncoder.fit(frame, ["x", "c"])
    codes = encoder.transform(frame)
    model = RarityModel.fit(encoder, codes[:1_300])
    targets, others = model.bins(codes[:1_300]), model.bins(codes[1_300:])
    for exclude_self, against in ((False, others), (True, targets)):
        one = closest_match(model, targets, against, exclude_self=exclude_self, threads=1)
        many = closest_match(model, targets, against, exclude_self=exclude_self, threads=3)
        assert np.array_equal(one, many)


def test_row_parts_cover_the_rows_once_and_respect_the_minimum() -> None:
    parts = row_parts(10_001, 4, 1_000)
    assert parts[0][0] == 0 and parts[-1][1] == 10_001 and len(parts) == 4
    assert all(a[1] == b[0] for a, b in zip(parts, parts[1:], strict=False))
    assert row_parts(1_500, 4, 1_000) == [(0, 1_500)]  # too few rows for a second thread
    assert row_parts(0, 4, 1_000) == [(0, 0)]


def test_search_threads_come_from_the_variable_else_the_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(THREADS_VARIABLE, "1")  # recorded, so the teardown restores the variable's state
    monkeypatch.delenv(THREADS_VARIABLE)
    assert search_threads() >= 1
    use_search_threads(3)
    assert search_threads() == 3
    for bad in ("0", "-2", "two"):
        monkeypatch.setenv(THREADS_VARIABLE, bad)
        with pytest.raises(ValueError, match=THREADS_VARIABLE):
            search_threads()
