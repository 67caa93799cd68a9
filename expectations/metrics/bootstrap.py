"""Bootstrap intervals for statistics built from counts, by resampling random blocks of rows.

Every fidelity figure is a function of counts (values per level, joint cells per pair, sums for
Pearson). Rows are assigned at random to ``n_blocks`` blocks per side; one bootstrap replicate
draws blocks with replacement (multinomial block weights), so a replicate's counts are
``weights @ block_counts`` — a matrix product instead of re-reading every row. Blocks of
independent rows are themselves independent, so resampling them is a (grouped) nonparametric
bootstrap: the same weights serve every column and pair of a replicate, which keeps the
dependence between columns that a score averaged over columns needs.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class BlockResampler:
    """Random blocks of one side's rows and the bootstrap weights of each replicate."""

    blocks: np.ndarray  # block id of each row
    weights: np.ndarray  # (replicates, n_blocks) multinomial draw counts

    @classmethod
    def draw(cls, n_rows: int, n_blocks: int, replicates: int, rng: np.random.Generator) -> BlockResampler:
        n_blocks = max(1, min(n_blocks, n_rows))
        blocks = rng.permutation(np.arange(n_rows) % n_blocks)
        return cls(blocks, block_weights(n_blocks, replicates, rng))

    @property
    def n_blocks(self) -> int:
        return self.weights.shape[1]

    def block_counts(self, codes: np.ndarray, n_levels: int) -> np.ndarray:
        """(n_blocks, n_levels) counts of each level in each block."""
        flat = np.bincount(self.blocks * n_levels + codes, minlength=self.n_blocks * n_levels)
        return flat.reshape(self.n_blocks, n_levels).astype(np.float32)

    def block_sums(self, values: np.ndarray) -> np.ndarray:
        """(n_blocks, k) sums of the k columns of ``values`` (n_rows, k) in each block."""
        return np.column_stack(
            [np.bincount(self.blocks, weights=values[:, k], minlength=self.n_blocks) for k in range(values.shape[1])]
        )


def block_weights(n_blocks: int, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """(replicates, n_blocks) multinomial counts: how often each block is drawn in each replicate."""
    # float32 holds counts exactly up to 2^24 rows and halves the cost of the matrix products.
    return rng.multinomial(n_blocks, np.full(n_blocks, 1.0 / n_blocks), size=replicates).astype(np.float32)


def tvd_rows(counts_a: np.ndarray, counts_b: np.ndarray) -> np.ndarray:
    """Row-wise TVD of two (replicates, levels) count matrices; a row with no count gives NaN."""
    with np.errstate(invalid="ignore", divide="ignore"):
        shares_a = counts_a / counts_a.sum(axis=1, keepdims=True)
        shares_b = counts_b / counts_b.sum(axis=1, keepdims=True)
    return np.minimum(0.5 * np.abs(shares_a - shares_b).sum(axis=1), 1.0)


def pearson_rows(sums: np.ndarray) -> np.ndarray:
    """Pearson ρ per replicate from (replicates, 6) sums of [1, x, y, x², y², xy] over complete rows."""
    n, sx, sy, sxx, syy, sxy = sums.T
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sy / n
        denominator = np.sqrt((sxx - sx * sx / n) * (syy - sy * sy / n))
        return np.clip(cov / denominator, -1.0, 1.0)


def centred_intervals(
    estimates: Sequence[float | None],
    replicates: np.ndarray,
    level: float = 0.95,
    support: tuple[float, float] = (0.0, 1.0),
) -> list[list[float] | None]:
    """Bootstrap intervals of several estimates' sampling variability, centred on each estimate.

    ``replicates`` is (replicates, k), column j the replicates of ``estimates[j]``; interval j is
    ``[e_j + q_lo − m, e_j + q_hi − m]`` with q the column's tail quantiles and m its median
    (NaN replicates ignored). Resampling two samples makes their TVD larger still (the plug-in
    TVD is biased upward), so the plain percentile interval would sit beside the figure it
    qualifies; centring keeps the spread and leaves the bias to the noise floor. An undefined
    estimate or a column without finite replicates gets None. Bounds are clipped to ``support``,
    the statistic's range (a TVD of 0.004 cannot have a negative lower bound).
    """
    tail = (1.0 - level) / 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: undefined, handled below
        lows, medians, highs = np.nanquantile(replicates, [tail, 0.5, 1.0 - tail], axis=0)
    return [
        None
        if estimate is None or not np.isfinite(median)
        else [float(np.clip(estimate + bound - median, *support)) for bound in (low, high)]
        for estimate, low, median, high in zip(estimates, lows, medians, highs, strict=True)
    ]
