"""Exact nearest-neighbour search on the shared distance encoding.

Pure numpy. ``nearest_neighbours`` gives each row's exact distance to its closest row of each
group of ``others`` (and the reverse direction); ``nearest_ties`` every ``others`` row at a
row's exact nearest distance. Both filter with a float32 matrix product and re-measure the
candidates in float64 in a fixed column order (``pair_distances``), so a distance does not
depend on how the rows are split: minima over Spark partitions or Arrow batches equal the
minimum over all rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Keeps a distance ratio defined (0 / 0 = 1); distances of the encoding are O(0.01–1).
RATIO_EPSILON = 1e-6
#: Rows per block of the float32 distance matrix: 1,024 × 20,000 float32 distances ≈ 80 MB.
_ROW_BLOCK = 1_024
#: Candidate pairs re-measured in float64 at a time: 65,536 pairs × ~100 columns ≈ 50 MB.
_PAIR_CHUNK = 65_536
#: Unit roundoff of float32.
_FLOAT32_UNIT = 2.0**-24


def nearest_neighbours(
    rows: np.ndarray,
    others: np.ndarray,
    bounds: Sequence[int] | None = None,
    exclude: np.ndarray | None = None,
    reverse: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Exact Euclidean nearest-neighbour distances between two encoded row sets.

    ``others`` is split into groups at ``bounds`` (contiguous ranges, default one group). Returns
    (n_groups, len(rows)) distances from every row to its closest ``others`` row of each group
    and, with ``reverse``, every ``others`` row's distance to its closest row. ``exclude[i]`` is
    an ``others`` position row ``i`` must not match (itself, when both sets hold the same rows).
    A row with nothing to match (empty group, or only itself) gets ``inf``.

    Every pair is compared. A float32 matrix product per block of rows on augmented vectors,
    s(r, o) = [r, |r|², 1] · [−2o, 1, |o|²] = |r − o|², only *filters*: every pair whose s is
    within a margin of the float32 minimum is re-measured exactly, d = sqrt(Σ_k (r_k − o_k)²) in
    float64 with the terms added in column order (``pair_distances``), and the smallest d wins.
    The margin is a rigorous bound on the float32 error, so the true nearest pair is always
    re-measured. With n = width + 2 terms and u = 2⁻²⁴, for S = |r|² + |o|²:

    - rounding the inputs to float32 moves |r − o|² by at most ≈ 4u·S (|δ| ≤ u(|r| + |o|));
    - rounding |r|² and |o|² to float32 adds at most u·S;
    - the float32 dot product, in any summation order (BLAS blocking, FMA), errs by at most
      γ_n Σ_k |x_k y_k| ≤ γ_n · 2S(1 + 2u) with γ_n = nu / (1 − nu) (Higham, Thm 3.5);

    so |s − |r − o|²| ≤ E = (2γ_n(1 + 3u) + 6u)·S (≈ 2(n + 3)·u·S, about a hundred float32
    ulps of S for ~100 columns). The true nearest pair (value d*²) has s ≤ d*² + E ≤ s_min + 2E,
    hence the margin 2E, with S taken at the largest norms involved; the float64 rounding of the
    re-measure (~n·2⁻⁵³·S) is far inside the slack.

    Because the result is the exact minimum over all pairs, it does not depend on how the rows or
    ``others`` are split: the minimum over any partition of the rows (Spark partitions, Arrow
    batches, this function's blocks) equals the minimum over all of them, and an exact copy reads
    0 rather than float32 rounding noise. Memory stays bounded by the block (``_ROW_BLOCK`` rows ×
    len(others)) and the pair chunk (``_PAIR_CHUNK``).
    """
    rows64 = np.asarray(rows, dtype=np.float64)
    others64 = np.asarray(others, dtype=np.float64)
    bounds = list(bounds) if bounds is not None else [0, len(others64)]
    groups = [(low, high) for low, high in zip(bounds[:-1], bounds[1:], strict=True)]
    forward = np.full((len(groups), len(rows64)), np.inf)
    backward = np.full(len(others64), np.inf) if reverse else None
    if len(rows64) == 0 or len(others64) == 0:
        return forward, backward

    augmented_rows, augmented_others, relative_margin, row_norms, other_norms = _augmented(rows64, others64)
    # Reverse direction: a running float32 minimum per ``others`` row over the blocks seen so far.
    running = np.full(len(others64), np.inf)
    column_margin = relative_margin * (row_norms.max() + other_norms)
    rows_t = np.ascontiguousarray(rows64.T)
    others_t = np.ascontiguousarray(others64.T)

    for start in range(0, len(rows64), _ROW_BLOCK):
        stop = min(start + _ROW_BLOCK, len(rows64))
        block_rows = np.arange(stop - start)
        for group, (low, high) in enumerate(groups):
            if high == low:
                continue
            # One product per group: a contiguous block makes the row-wise argmin/min fast.
            squared = augmented_rows[start:stop] @ augmented_others[:, low:high]
            if exclude is not None:
                inside = (exclude[start:stop] >= low) & (exclude[start:stop] < high)
                squared[block_rows[inside], exclude[start:stop][inside] - low] = np.inf
            _forward_block(
                squared,
                start,
                low,
                relative_margin * (row_norms[start:stop] + other_norms[low:high].max()),
                forward[group],
                rows_t,
                others_t,
                exclude,
            )
            if reverse:
                block_min = squared.min(axis=0)
                np.minimum(running[low:high], block_min, out=running[low:high])
                limit = _round_up_float32(running[low:high] + column_margin[low:high])
                # Only columns whose block minimum is within the margin of their running minimum
                # can hold a candidate; after the first blocks these are few.
                columns = np.flatnonzero(block_min <= limit)
                if columns.size:
                    row, column = _pairs(squared[:, columns] <= limit[columns])
                    row, column = _drop_excluded(start + row, low + columns[column], exclude)
                    np.minimum.at(backward, column, pair_distances(rows_t, others_t, row, column))
    return forward, backward


def _augmented(
    rows64: np.ndarray, others64: np.ndarray
) -> tuple[np.ndarray, np.ndarray, float, np.ndarray, np.ndarray]:
    """The float32 filter's inputs (``nearest_neighbours`` docstring): augmented rows, augmented
    others transposed, the margin per unit of |r|² + |o|² (2E / S), and the squared norms."""
    row_norms = np.einsum("ij,ij->i", rows64, rows64)
    other_norms = np.einsum("ij,ij->i", others64, others64)
    augmented_rows = np.hstack([rows64, row_norms[:, None], np.ones((len(rows64), 1))]).astype(np.float32)
    augmented_others = np.ascontiguousarray(
        np.hstack([-2.0 * others64, np.ones((len(others64), 1)), other_norms[:, None]]).astype(np.float32).T
    )
    terms = augmented_rows.shape[1]
    gamma = terms * _FLOAT32_UNIT / (1.0 - terms * _FLOAT32_UNIT)
    relative_margin = 2.0 * (2.0 * gamma * (1.0 + 3.0 * _FLOAT32_UNIT) + 6.0 * _FLOAT32_UNIT)
    return augmented_rows, augmented_others, relative_margin, row_norms, other_norms


def nearest_ties(rows: np.ndarray, others: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's exact nearest distance among ``others`` and every ``others`` row at exactly that distance.

    The same float32 filter and float64 re-measure as ``nearest_neighbours`` (so the distances
    are exact and do not depend on how either set is split), keeping all candidates whose exact
    distance equals the row's minimum: on data with repeated profiles a row's nearest neighbour
    is often many rows at once. Returns (best, pair_row, pair_other): ``best[i]`` the distance
    (inf when ``others`` is empty), and the tied pairs listed row by row.
    """
    rows64 = np.asarray(rows, dtype=np.float64)
    others64 = np.asarray(others, dtype=np.float64)
    best = np.full(len(rows64), np.inf)
    if len(rows64) == 0 or len(others64) == 0:
        return best, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    augmented_rows, augmented_others, relative_margin, row_norms, other_norms = _augmented(rows64, others64)
    rows_t, others_t = np.ascontiguousarray(rows64.T), np.ascontiguousarray(others64.T)
    found_rows, found_others = [], []
    for start in range(0, len(rows64), _ROW_BLOCK):
        stop = min(start + _ROW_BLOCK, len(rows64))
        squared = augmented_rows[start:stop] @ augmented_others
        least = squared.min(axis=1).astype(np.float64)
        limit = _round_up_float32(least + relative_margin * (row_norms[start:stop] + other_norms.max()))
        row, column = _pairs(squared <= limit[:, None])
        distances = pair_distances(rows_t, others_t, start + row, column)
        first = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        minima = np.minimum.reduceat(distances, first)
        best[start + row[first]] = minima
        keep = distances == np.repeat(minima, np.diff(np.r_[first, row.size]))
        found_rows.append(start + row[keep])
        found_others.append(column[keep])
    return best, np.concatenate(found_rows), np.concatenate(found_others)


def _forward_block(
    squared: np.ndarray,
    start: int,
    low: int,
    margin: np.ndarray,
    best: np.ndarray,
    rows_t: np.ndarray,
    others_t: np.ndarray,
    exclude: np.ndarray | None,
) -> None:
    """Lower ``best`` (per row) to the exact distance of each block row's candidates.

    Candidates: the float32 nearest of each row, and every other pair within ``margin`` of it.
    Others exist only where the second-smallest value is within the margin, so the full
    comparison runs on those (few) rows only.
    """
    block_rows = np.arange(len(squared))
    nearest = squared.argmin(axis=1)
    least = squared[block_rows, nearest]
    limit = _round_up_float32(least.astype(np.float64) + margin)
    squared[block_rows, nearest] = np.inf
    second = squared.min(axis=1)
    squared[block_rows, nearest] = least
    row, column = _drop_excluded(start + block_rows, low + nearest, exclude)
    _lower(best, row, pair_distances(rows_t, others_t, row, column))
    ambiguous = np.flatnonzero(second <= limit)
    if ambiguous.size:
        row, column = _pairs(squared[ambiguous] <= limit[ambiguous, None])
        row, column = _drop_excluded(start + ambiguous[row], low + column, exclude)
        _lower(best, row, pair_distances(rows_t, others_t, row, column))


def _pairs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, column) of the True entries, row by row (``np.flatnonzero`` is far faster than 2-D ``nonzero``)."""
    row, column = np.divmod(np.flatnonzero(mask), mask.shape[1])
    return row, column


def _lower(best: np.ndarray, row: np.ndarray, distances: np.ndarray) -> None:
    """best[row[i]] = min(best[row[i]], distances[i]) for pairs listed row by row (as np.nonzero lists them)."""
    if row.size:
        first = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        best[row[first]] = np.minimum(best[row[first]], np.minimum.reduceat(distances, first))


def _round_up_float32(values: np.ndarray) -> np.ndarray:
    """The smallest float32 ≥ each float64 value, so a float32 comparison never drops a candidate."""
    rounded = values.astype(np.float32)
    low = rounded.astype(np.float64) < values
    rounded[low] = np.nextafter(rounded[low], np.float32(np.inf))
    return rounded


def _drop_excluded(row: np.ndarray, column: np.ndarray, exclude: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Remove the excluded pairs: their inf passes the filter when a row has nothing else (limit inf)."""
    if exclude is None or row.size == 0:
        return row, column
    keep = exclude[row] != column
    return row[keep], column[keep]


def pair_distances(rows_t: np.ndarray, others_t: np.ndarray, row: np.ndarray, column: np.ndarray) -> np.ndarray:
    """Exact distances sqrt(Σ_k (r_k − o_k)²) of the pairs (row[i], column[i]), in float64.

    ``rows_t`` and ``others_t`` are the transposed (width × n) float64 matrices. The squares are
    added one column at a time in column order, so a pair's distance is the same float64 whatever
    other pairs are measured with it (a vectorised sum may change its order with the batch).
    """
    out = np.empty(row.size)
    for begin in range(0, row.size, _PAIR_CHUNK):
        end = min(begin + _PAIR_CHUNK, row.size)
        difference = rows_t[:, row[begin:end]] - others_t[:, column[begin:end]]
        np.multiply(difference, difference, out=difference)
        total = difference[0].copy() if len(difference) else np.zeros(end - begin)
        for squares in difference[1:]:
            total += squares
        out[begin:end] = np.sqrt(total)
    return out
