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
from dataclasses import dataclass

import numpy as np

from expectations.metrics.parallel import map_parts, row_parts
from expectations.metrics.progress import Ticker

#: Keeps a distance ratio defined (0 / 0 = 1); distances of the encoding are O(0.01–1).
RATIO_EPSILON = 1e-6
#: Rows per block of the float32 distance matrix, at most: 1,024 × 20,000 float32 distances ≈ 80 MB.
_ROW_BLOCK = 1_024
#: float32 distances a block may hold (64 MiB); with many ``others`` the block has fewer rows
#: (``_block_rows``), so a few targets against a million synthetic rows do not make a 4 GB block.
_BLOCK_ENTRIES = 1 << 24


def _block_rows(others: int) -> int:
    """Rows per block against ``others`` columns: ``_ROW_BLOCK``, fewer when that would exceed
    ``_BLOCK_ENTRIES`` (at least one)."""
    return max(1, min(_ROW_BLOCK, _BLOCK_ENTRIES // max(others, 1)))


#: Candidate pairs re-measured in float64 at a time: 8,192 pairs × ~100 columns ≈ 6.5 MB, which
#: stays in cache through the gather, the transpose and the column sums (measured on Adult's
#: codes: 1,024 pairs 0.7 ms, 8,192 pairs 9 ms; gathering columns of a transposed matrix
#: instead, 5 ms and 37 ms).
_PAIR_CHUNK = 8_192
#: Unit roundoff of float32.
_FLOAT32_UNIT = 2.0**-24
#: Seed of ``distinct_rows``' hash multipliers (any fixed value: the result does not depend on it).
_ROW_HASH_SEED = 0x0D15_71AC7


def nearest_neighbours(
    rows: np.ndarray,
    others: np.ndarray,
    bounds: Sequence[int] | None = None,
    exclude: np.ndarray | None = None,
    reverse: bool = False,
    threads: int | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Exact Euclidean nearest-neighbour distances between two encoded row sets.

    ``others`` is split into groups at ``bounds`` (contiguous ranges, default one group). Returns
    (n_groups, len(rows)) distances from every row to its closest ``others`` row of each group
    and, with ``reverse``, every ``others`` row's distance to its closest row. ``exclude[i]`` is
    an ``others`` position row ``i`` must not match (itself, when both sets hold the same rows).
    A row with nothing to match (empty group, or only itself) gets ``inf``. The rows are searched
    in up to ``threads`` parts at once (default ``expectations.metrics.parallel.search_threads()``).

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
    re-measure (~n·2⁻⁵³·S) is far inside the slack. The reverse direction applies the same margin
    to each ``others`` row's final float32 minimum over all blocks, recomputing the product only
    for the blocks that come within it (``_reverse_candidates``): the bound holds for any
    summation order, so the recomputed value of the true nearest pair passes it too.

    Because the result is the exact minimum over all pairs, it does not depend on how the rows or
    ``others`` are split: the minimum over any partition of the rows (Spark partitions, Arrow
    batches, this function's blocks) equals the minimum over all of them, and an exact copy reads
    0 rather than float32 rounding noise. Memory stays bounded by the block (``_block_rows`` rows ×
    len(others)), the pair chunk (``_PAIR_CHUNK``) and, with ``reverse``, the columns noted per
    block (the blocks that lower an ``others`` row's running minimum, or come within the margin of
    it: about ln(blocks) + 1 per row when the rows come in random order, every block at worst).
    """
    prepared_rows, prepared_others = _Side.of_rows(rows), _Side.of_others(others)
    bounds = list(bounds) if bounds is not None else [0, prepared_others.size]
    groups = [(low, high) for low, high in zip(bounds[:-1], bounds[1:], strict=True)]
    forward = np.full((len(groups), prepared_rows.size), np.inf)
    if prepared_rows.size == 0 or prepared_others.size == 0:
        return forward, np.full(prepared_others.size, np.inf) if reverse else None
    parts = row_parts(prepared_rows.size, threads, _ROW_BLOCK)

    ticker = Ticker("nearest-neighbour search", prepared_rows.size)

    def search(start: int, stop: int) -> np.ndarray | None:
        return _search_rows(prepared_rows, start, stop, prepared_others, groups, forward, exclude, reverse, ticker)

    backwards = map_parts(search, parts)
    return forward, np.minimum.reduce(backwards) if reverse else None


def distinct_rows(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(distinct, inverse, counts): the distinct rows of a 2-D array, ``matrix == distinct[inverse]``
    row for row, and how many rows hold each; as ``np.unique(matrix, axis=0, return_inverse=True,
    return_counts=True)`` but in an order of its own (by a row hash).

    np.unique on axis 0 sorts the rows as byte strings, about 0.15 s for 32,561 rows of 64 codes;
    a 64-bit hash of each row's bytes (a seeded multiply-and-add, wrapping) sorts as integers in
    a few milliseconds. Rows with equal hashes are checked equal, and a collision falls back to
    np.unique, so the result is exact. (0.0 and −0.0 count as different rows: both lie at the
    same distance from everything, so splitting them never changes a search.)

    >>> distinct, inverse, counts = distinct_rows(np.array([[1.0, 2.0], [0.5, 0.0], [1.0, 2.0]]))
    >>> distinct[inverse].tolist(), sorted(counts.tolist())
    ([[1.0, 2.0], [0.5, 0.0], [1.0, 2.0]], [1, 2])
    """
    values = np.ascontiguousarray(matrix)
    if values.ndim != 2 or len(values) == 0 or values.shape[1] == 0 or values.dtype.hasobject:
        distinct, inverse, counts = np.unique(values, axis=0, return_inverse=True, return_counts=True)
        return distinct, inverse.reshape(-1), counts
    raw = values.view(np.uint8).reshape(len(values), -1)
    padded = np.zeros((len(raw), -(-raw.shape[1] // 8) * 8), dtype=np.uint8)
    padded[:, : raw.shape[1]] = raw
    words = padded.view(np.uint64)
    multipliers = np.random.default_rng(_ROW_HASH_SEED).integers(1, 2**63, words.shape[1], dtype=np.uint64) * 2 + 1
    with np.errstate(over="ignore"):
        keys = (words * multipliers).sum(axis=1, dtype=np.uint64)
    _, first, inverse, counts = np.unique(keys, return_index=True, return_inverse=True, return_counts=True)
    distinct = values[first]
    if not np.array_equal(distinct[inverse].view(np.uint8), values.view(np.uint8)):
        distinct, inverse, counts = np.unique(values, axis=0, return_inverse=True, return_counts=True)
    return distinct, inverse.reshape(-1), counts


def nearest_other(rows: np.ndarray, threads: int | None = None) -> np.ndarray:
    """Each row's exact distance to its closest *other* row of the same set (0 when it repeats;
    inf for a single row): ``nearest_neighbours(rows, rows, exclude=np.arange(len(rows)))``,
    searched over the distinct rows only. On coarse columns thousands of rows share a profile, and
    every one of their exact ties would be re-measured (4,000 targets of 808 profiles: 0.25 s
    against 0.01 s)."""
    distinct, inverse, counts = distinct_rows(rows)
    (other,), _ = nearest_neighbours(distinct, distinct, exclude=np.arange(len(distinct)), threads=threads)
    return np.where(counts[inverse] > 1, 0.0, other[inverse])


@dataclass(frozen=True)
class _Side:
    """One side of the float32 filter (``nearest_neighbours`` docstring), prepared once and shared
    by every block and thread: the augmented float32 vectors (rows [x, |x|², 1]; others, transposed,
    [−2o, 1, |o|²]), the float64 squared norms, the float64 values (n × width, C order) for the
    exact re-measure, and the margin per unit of |r|² + |o|² (2E / S)."""

    augmented: np.ndarray
    norms: np.ndarray
    values: np.ndarray
    relative_margin: float

    @property
    def size(self) -> int:
        return len(self.norms)

    @classmethod
    def of_rows(cls, rows: np.ndarray) -> _Side:
        return cls._of(rows, others=False)

    @classmethod
    def of_others(cls, others: np.ndarray) -> _Side:
        return cls._of(others, others=True)

    @classmethod
    def _of(cls, matrix: np.ndarray, others: bool) -> _Side:
        values = np.ascontiguousarray(matrix, dtype=np.float64)
        norms = np.einsum("ij,ij->i", values, values)
        ones = np.ones((len(values), 1))
        if others:
            augmented = np.ascontiguousarray(np.hstack([-2.0 * values, ones, norms[:, None]]).astype(np.float32).T)
        else:
            augmented = np.hstack([values, norms[:, None], ones]).astype(np.float32)
        return cls(augmented, norms, values, _relative_margin(values.shape[1] + 2))


class _Scratch:
    """Reused buffers for a block's distance matrix and its filter mask. A fresh 100 MB array per
    block is fresh pages every time, and page faults serialise threads on the process's memory map."""

    def __init__(self) -> None:
        self._values = np.empty(0, dtype=np.float32)
        self._mask = np.empty(0, dtype=bool)

    def product(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """left @ right (float32) in the reused buffer."""
        shape = (left.shape[0], right.shape[1])
        if self._values.size < shape[0] * shape[1]:
            self._values = np.empty(shape[0] * shape[1], dtype=np.float32)
        return np.matmul(left, right, out=self._values[: shape[0] * shape[1]].reshape(shape))

    def at_most(self, values: np.ndarray, limit: np.ndarray) -> np.ndarray:
        """values <= limit (broadcast) in the reused mask buffer."""
        if self._mask.size < values.size:
            self._mask = np.empty(values.size, dtype=bool)
        return np.less_equal(values, limit, out=self._mask[: values.size].reshape(values.shape))


def _relative_margin(terms: int) -> float:
    """2E / S for a dot product of ``terms`` float32 terms (``nearest_neighbours`` docstring)."""
    gamma = terms * _FLOAT32_UNIT / (1.0 - terms * _FLOAT32_UNIT)
    return 2.0 * (2.0 * gamma * (1.0 + 3.0 * _FLOAT32_UNIT) + 6.0 * _FLOAT32_UNIT)


def _search_rows(
    rows: _Side,
    start: int,
    stop: int,
    others: _Side,
    groups: Sequence[tuple[int, int]],
    forward: np.ndarray,
    exclude: np.ndarray | None,
    reverse: bool,
    ticker: Ticker,
) -> np.ndarray | None:
    """``nearest_neighbours`` for the rows [start, stop): fills their ``forward`` columns and
    returns the ``others`` rows' distances to their closest row of the range (with ``reverse``)."""
    relative_margin = rows.relative_margin
    # Reverse direction: a running float32 minimum per ``others`` row over the blocks seen so far,
    # and the (block's first and last row, columns, block minima) where a column's block minimum
    # came within the margin of its running minimum: only those blocks can hold its candidates.
    running = np.full(others.size, np.inf)
    column_margin = relative_margin * (rows.norms[start:stop].max() + others.norms)
    reverse_events: list[tuple[int, int, np.ndarray, np.ndarray]] = []
    scratch = _Scratch()
    step = _block_rows(others.size)
    for first in range(start, stop, step):
        last = min(first + step, stop)
        ticker.advance(last - first)
        block_rows = np.arange(last - first)
        for group, (low, high) in enumerate(groups):
            if high == low:
                continue
            # One product per group: a contiguous block makes the row-wise argmin/min fast.
            squared = scratch.product(rows.augmented[first:last], others.augmented[:, low:high])
            if exclude is not None:
                inside = (exclude[first:last] >= low) & (exclude[first:last] < high)
                squared[block_rows[inside], exclude[first:last][inside] - low] = np.inf
            _forward_block(
                squared,
                first,
                low,
                relative_margin * (rows.norms[first:last] + others.norms[low:high].max()),
                forward[group],
                rows.values,
                others.values,
                exclude,
            )
            if reverse:
                block_min = squared.min(axis=0)
                np.minimum(running[low:high], block_min, out=running[low:high])
                limit = _round_up_float32(running[low:high] + column_margin[low:high])
                columns = np.flatnonzero(block_min <= limit)
                reverse_events.append((first, last, low + columns, block_min[columns]))
    if not reverse:
        return None
    return _reverse_candidates(rows, others, running, column_margin, reverse_events, exclude)


def _reverse_candidates(
    rows: _Side,
    others: _Side,
    running: np.ndarray,
    column_margin: np.ndarray,
    events: Sequence[tuple[int, int, np.ndarray, np.ndarray]],
    exclude: np.ndarray | None,
) -> np.ndarray:
    """The ``others`` rows' exact distances to their closest row of the range, from the float32
    minima of ``_search_rows``.

    Once every block is seen, the final float32 minimum of each column bounds its candidates: only
    the blocks whose minimum lies within the margin of it (mostly one per column; an earlier
    running minimum that a later block beat is dropped unmeasured) are multiplied again for those
    columns, and their pairs within the margin re-measured. Exact: any summation order of the
    float32 product errs by at most E (``nearest_neighbours`` docstring), so the true nearest
    pair's block passes the final limit and the pair passes it again when recomputed.
    """
    backward = np.full(others.size, np.inf)
    limit = _round_up_float32(running + column_margin)
    for first, last, columns, minima in events:
        columns = columns[minima <= limit[columns]]
        if columns.size == 0:
            continue
        squared = rows.augmented[first:last] @ np.take(others.augmented, columns, axis=1)
        row, column = _pairs(squared <= limit[columns])
        row, column = _drop_excluded(first + row, columns[column], exclude)
        np.minimum.at(backward, column, pair_distances(rows.values, others.values, row, column))
    return backward


def nearest_ties(
    rows: np.ndarray, others: np.ndarray, threads: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's exact nearest distance among ``others`` and every ``others`` row at exactly that distance.

    The same float32 filter and float64 re-measure as ``nearest_neighbours`` (so the distances
    are exact and do not depend on how either set is split), keeping all candidates whose exact
    distance equals the row's minimum: on data with repeated profiles a row's nearest neighbour
    is often many rows at once. Returns (best, pair_row, pair_other): ``best[i]`` the distance
    (inf when ``others`` is empty), and the tied pairs listed row by row. ``threads`` as in
    ``nearest_neighbours``.
    """
    prepared_rows, prepared_others = _Side.of_rows(rows), _Side.of_others(others)
    best = np.full(prepared_rows.size, np.inf)
    if prepared_rows.size == 0 or prepared_others.size == 0:
        return best, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)

    ticker = Ticker("nearest-neighbour search (ties)", prepared_rows.size)

    def search(start: int, stop: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
        return _ties_of_rows(prepared_rows, start, stop, prepared_others, best, ticker)

    found = map_parts(search, row_parts(prepared_rows.size, threads, _ROW_BLOCK))
    return (
        best,
        np.concatenate([block for part_rows, _ in found for block in part_rows]),
        np.concatenate([block for _, part_others in found for block in part_others]),
    )


def _ties_of_rows(
    rows: _Side, start: int, stop: int, others: _Side, best: np.ndarray, ticker: Ticker
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """``nearest_ties`` for the rows [start, stop): fills their ``best`` and returns their tied
    pairs, block by block."""
    found_rows, found_others = [], []
    scratch = _Scratch()
    step = _block_rows(others.size)
    for first in range(start, stop, step):
        last = min(first + step, stop)
        ticker.advance(last - first)
        squared = scratch.product(rows.augmented[first:last], others.augmented)
        least = squared.min(axis=1).astype(np.float64)
        limit = _round_up_float32(least + rows.relative_margin * (rows.norms[first:last] + others.norms.max()))
        row, column = _pairs(scratch.at_most(squared, limit[:, None]))
        distances = pair_distances(rows.values, others.values, first + row, column)
        head = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
        minima = np.minimum.reduceat(distances, head)
        best[first + row[head]] = minima
        keep = distances == np.repeat(minima, np.diff(np.r_[head, row.size]))
        found_rows.append(first + row[keep])
        found_others.append(column[keep])
    return found_rows, found_others


def _forward_block(
    squared: np.ndarray,
    start: int,
    low: int,
    margin: np.ndarray,
    best: np.ndarray,
    row_values: np.ndarray,
    other_values: np.ndarray,
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
    _lower(best, row, pair_distances(row_values, other_values, row, column))
    ambiguous = np.flatnonzero(second <= limit)
    if ambiguous.size:
        row, column = _pairs(squared[ambiguous] <= limit[ambiguous, None])
        row, column = _drop_excluded(start + ambiguous[row], low + column, exclude)
        _lower(best, row, pair_distances(row_values, other_values, row, column))


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


def pair_distances(row_values: np.ndarray, other_values: np.ndarray, row: np.ndarray, column: np.ndarray) -> np.ndarray:
    """Exact distances sqrt(Σ_k (r_k − o_k)²) of the pairs (row[i], column[i]), in float64.

    ``row_values`` and ``other_values`` are the (n × width) float64 matrices. The squares are
    added one column at a time in column order, so a pair's distance is the same float64 whatever
    other pairs are measured with it (a vectorised sum may change its order with the batch).
    """
    out = np.empty(row.size)
    for begin in range(0, row.size, _PAIR_CHUNK):
        end = min(begin + _PAIR_CHUNK, row.size)
        # Whole rows gather fast; the transposed copy makes each column's squares contiguous.
        difference = np.ascontiguousarray((row_values[row[begin:end]] - other_values[column[begin:end]]).T)
        np.multiply(difference, difference, out=difference)
        total = difference[0].copy() if len(difference) else np.zeros(end - begin)
        for squares in difference[1:]:
            total += squares
        out[begin:end] = np.sqrt(total)
    return out
