"""One-column distribution measures: column kinds, real-quantile bins, TVD and KS.

Pure numpy/pandas; no Great Expectations import. Every side of an audit (real, synthetic,
holdout) is coded on levels fitted on the **real** column, so two datasets are always
compared on the same bins (never per-dataset bins, the SDMetrics pair-trend fault described in
``reference/anchors.md`` §1).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

ColumnKind = Literal["numeric", "categorical"]

#: Label of the level that holds missing values, in every coded column.
MISSING_LEVEL = "(missing)"


def column_kind(real: pd.Series) -> ColumnKind:
    """Kind of an audit column, decided by the real column's dtype.

    Numbers and datetimes are ``"numeric"`` (binned, KS-tested); booleans, strings and
    everything else are ``"categorical"``.
    """
    dtype = real.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "categorical"
    if pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return "numeric"
    return "categorical"


def as_float(values: pd.Series) -> np.ndarray:
    """Numeric column as float64 with NaN for missing; datetimes become epoch nanoseconds."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = values.astype("int64").to_numpy(dtype=np.float64)
        out[values.isna().to_numpy()] = np.nan
        return out
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def quantile_edges(real: np.ndarray, n_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """Bin boundaries at the ``n_bins``-quantiles of the real values, duplicates merged.

    The quantiles q_0 = min, …, q_n = max are taken at probabilities 0, 1/n, …, 1 and merged
    where equal. Bins are right-closed, ``(−∞, q_0], (q_0, q_1], …, (q_{k−1}, +∞)`` over the
    merged list, so a spike at the minimum (zeros of a capital-gain column) keeps a bin of its
    own and values outside the real range fall into the end bins.

    Parameters
    ----------
    real : real values with missing removed.
    n_bins : number of quantile intervals asked for (>= 1).

    Returns
    -------
    (boundaries, positions): the boundaries used to code values (the merged quantiles without
    the maximum) and, per bin, the quantile probability at which it ends (for value-free bin
    labels such as ``p05–p10``).
    """
    ordered = np.sort(real)
    return quantile_edges_from(ordered.size, n_bins, lambda ranks: ordered[ranks])


def quantile_edges_from(
    n: int, n_bins: int, order_statistics: Callable[[np.ndarray], np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """``quantile_edges`` of ``n`` values known through their order statistics.

    ``order_statistics(ranks)`` returns the values at the given 0-based ranks of the sorted
    values: an array index on pandas, a lookup in a distinct-value table on Spark, so both
    engines bin on the same boundaries.
    """
    if n_bins < 1:
        raise ValueError(f"n_bins must be at least 1, got {n_bins}")
    if n == 0:
        return np.empty(0), np.array([1.0])
    probs = np.linspace(0.0, 1.0, n_bins + 1)
    quantiles = linear_quantiles(n, probs, order_statistics)
    merged = np.unique(quantiles)
    # The last probability at which each merged quantile occurs is where its bin ends.
    positions = probs[np.searchsorted(quantiles, merged, side="right") - 1]
    return merged[:-1], positions


def _quantile_positions(n: int, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """numpy's linear-method virtual indexes, their floors, and the two ranks each quantile reads."""
    virtual = (n - 1) * np.asarray(probs, dtype=np.float64)
    previous = np.floor(virtual)
    following = previous + 1
    # numpy takes the last value for h ≥ n − 1 (and then γ no longer matters: a = b).
    top = virtual >= n - 1
    previous[top] = following[top] = n - 1
    previous[virtual < 0] = following[virtual < 0] = 0
    return virtual, previous, previous.astype(np.int64), following.astype(np.int64)


def quantile_ranks(n: int, n_bins: int) -> np.ndarray:
    """The 0-based ranks whose values ``quantile_edges_from(n, n_bins, ...)`` reads, sorted."""
    _, _, previous_rank, following_rank = _quantile_positions(n, np.linspace(0.0, 1.0, n_bins + 1))
    return np.unique(np.concatenate([previous_rank, following_rank]))


def linear_quantiles(n: int, probs: np.ndarray, order_statistics: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """Quantiles of ``n`` sorted values by numpy's default (``method="linear"``), bit for bit.

    Virtual index h = (n − 1)·p between ranks ⌊h⌋ and ⌊h⌋ + 1, interpolated as numpy's
    ``_lerp`` does (a + (b − a)·γ, or b − (b − a)·(1 − γ) for γ ≥ ½); ``order_statistics``
    supplies the values at the ranks asked for.
    """
    virtual, previous, previous_rank, following_rank = _quantile_positions(n, probs)
    ranks = np.unique(np.concatenate([previous_rank, following_rank]))
    values = np.asarray(order_statistics(ranks), dtype=np.float64)
    a = values[np.searchsorted(ranks, previous_rank)]
    b = values[np.searchsorted(ranks, following_rank)]
    gamma = virtual - previous
    difference = b - a
    return np.where(gamma >= 0.5, b - difference * (1 - gamma), a + difference * gamma)


def bin_codes(values: np.ndarray, boundaries: np.ndarray) -> np.ndarray:
    """Code numeric values into the right-closed bins of ``quantile_edges``.

    Code i holds the values in ``(b_{i−1}, b_i]``; NaN gets the extra code
    ``len(boundaries) + 1`` (missing is its own bin).
    """
    codes = np.searchsorted(boundaries, values, side="left").astype(np.int64)
    codes[np.isnan(values)] = boundaries.size + 1
    return codes


def tvd_from_counts(counts_a: np.ndarray, counts_b: np.ndarray) -> float:
    """Total variation distance between two count vectors over the same levels.

    TVD = ½ Σ_v |p_a(v) − p_b(v)| with p = counts / total. In [0, 1]; 0 for equal shares.
    Raises ``ValueError`` when either side has no observations.
    """
    total_a, total_b = counts_a.sum(), counts_b.sum()
    if total_a == 0 or total_b == 0:
        raise ValueError("cannot compare distributions: one side has no rows")
    # Rounding can carry the sum a hair past 1 for disjoint supports; TVD is at most 1.
    return float(min(0.5 * np.abs(counts_a / total_a - counts_b / total_b).sum(), 1.0))


def tvd(real: pd.Series, synthetic: pd.Series) -> float:
    """Categorical total variation distance, missing counted as its own value.

    TVD = ½ Σ_v |p_real(v) − p_syn(v)| over the union of values of both columns. On columns
    without missing values it equals ``1 − sdmetrics.single_column.TVComplement`` (which drops
    NaN before counting).
    """
    codes, _ = pd.factorize(pd.concat([real, synthetic], ignore_index=True), use_na_sentinel=False)
    n_levels = int(codes.max()) + 1 if codes.size else 0
    counts_real = np.bincount(codes[: len(real)], minlength=n_levels)
    counts_syn = np.bincount(codes[len(real) :], minlength=n_levels)
    return tvd_from_counts(counts_real, counts_syn)


def ks_statistic(real: np.ndarray, synthetic: np.ndarray) -> float | None:
    """Two-sample Kolmogorov–Smirnov statistic D = sup_x |F_real(x) − F_syn(x)|.

    Missing values (NaN) are dropped first. Equals ``scipy.stats.ks_2samp(real, synthetic)
    .statistic`` (the same empirical-CDF difference at every observed value), without the
    p-value work. ``None`` when a side has no values.
    """
    a = np.sort(real[~np.isnan(real)])
    b = np.sort(synthetic[~np.isnan(synthetic)])
    if a.size == 0 or b.size == 0:
        return None
    points = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, points, side="right") / a.size
    cdf_b = np.searchsorted(b, points, side="right") / b.size
    return float(np.max(np.abs(cdf_a - cdf_b)))


@dataclass(frozen=True)
class CodedColumn:
    """One audit column coded on levels fitted on the real side.

    ``codes`` maps side label → int64 codes in ``[0, n_levels)``; ``levels`` are value-free
    labels for numeric bins (``p00–p05``) and the category for categoricals;
    ``numeric`` maps side label → float values (numeric columns only, for KS and Pearson).
    """

    name: str
    kind: ColumnKind
    levels: list[str]
    codes: dict[str, np.ndarray]
    numeric: dict[str, np.ndarray] | None
    missing_code: int | None

    @property
    def n_levels(self) -> int:
        return len(self.levels)

    def counts(self, side: str) -> np.ndarray:
        return np.bincount(self.codes[side], minlength=self.n_levels)

    def missing_share(self, side: str) -> float:
        """Share of ``side``'s rows that are missing in this column."""
        codes = self.codes[side]
        if self.missing_code is None or codes.size == 0:
            return 0.0
        return float(np.count_nonzero(codes == self.missing_code) / codes.size)


def bin_labels(positions: np.ndarray) -> list[str]:
    """Value-free labels: the quantile range of the real column that each bin covers."""
    pct = np.round(positions * 100).astype(int)
    first = f"≤ p{pct[0]:02d}" if pct[0] > 0 else "min"
    return [first, *(f"p{lo:02d}–p{hi:02d}" for lo, hi in zip(pct[:-1], pct[1:], strict=True))]


def code_column(name: str, sides: dict[str, pd.Series], real_side: str, n_bins: int) -> CodedColumn:
    """Code one column of every side on levels fitted on ``sides[real_side]``.

    Numeric: real-quantile bins (``quantile_edges``) plus a missing bin. Categorical: the union
    of the values seen on any side, missing as its own level.
    """
    kind = column_kind(sides[real_side])
    labels = list(sides)
    if kind == "numeric":
        numeric = {side: as_float(values) for side, values in sides.items()}
        real = numeric[real_side]
        boundaries, positions = quantile_edges(real[~np.isnan(real)], n_bins)
        codes = {side: bin_codes(values, boundaries) for side, values in numeric.items()}
        levels = [*bin_labels(positions), MISSING_LEVEL]
        return CodedColumn(name, kind, levels, codes, numeric, missing_code=len(levels) - 1)
    shared = _shared_categories(sides)
    if shared is not None:
        # Category dtype (as the audit batch stores it): the codes are already there.
        missing_code = len(shared)
        codes = {
            side: np.where(values.cat.codes < 0, missing_code, values.cat.codes).astype(np.int64)
            for side, values in sides.items()
        }
        return CodedColumn(name, kind, [*map(str, shared), MISSING_LEVEL], codes, None, missing_code)
    stacked = pd.concat([sides[side] for side in labels], ignore_index=True)
    all_codes, uniques = pd.factorize(stacked, use_na_sentinel=False)
    bounds = np.cumsum([0] + [len(sides[side]) for side in labels])
    codes = {side: all_codes[bounds[i] : bounds[i + 1]].astype(np.int64) for i, side in enumerate(labels)}
    missing = [i for i, value in enumerate(uniques) if pd.isna(value)]
    levels = [MISSING_LEVEL if pd.isna(value) else str(value) for value in uniques]
    return CodedColumn(name, kind, levels, codes, None, missing_code=missing[0] if missing else None)


def _shared_categories(sides: dict[str, pd.Series]) -> pd.Index | None:
    """The categories when every side is a pandas categorical over the same categories."""
    dtypes = [values.dtype for values in sides.values()]
    if not all(isinstance(d, pd.CategoricalDtype) for d in dtypes):
        return None
    first = dtypes[0].categories
    return first if all(d.categories.equals(first) for d in dtypes[1:]) else None
