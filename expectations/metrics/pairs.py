"""Column-pair trend measures: correlation similarity and contingency similarity.

Pure numpy; no Great Expectations import.
"""

from __future__ import annotations

import numpy as np

from expectations.metrics.distributions import tvd_from_counts

# Above this many possible joint cells, index only the cells that occur: a dense index would
# allocate (and bootstrap) mostly empty cells.
_DENSE_JOINT_LIMIT = 4_096


def pearson(x: np.ndarray, y: np.ndarray) -> float | None:
    """Pearson correlation on the rows where both values are present; ``None`` if undefined.

    Rows with a NaN on either side are dropped (as SDMetrics ``CorrelationSimilarity`` does);
    a constant column or fewer than two rows leaves the coefficient undefined.
    """
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    if x.size < 2:
        return None
    dx, dy = x - x.mean(), y - y.mean()
    denominator = np.sqrt((dx * dx).sum() * (dy * dy).sum())
    if denominator == 0:
        return None
    return float(np.clip((dx * dy).sum() / denominator, -1.0, 1.0))


def correlation_similarity(rho_real: float | None, rho_other: float | None) -> float | None:
    """Correlation similarity 1 − |ρ_real − ρ_other| / 2, as SDMetrics ``CorrelationSimilarity``.

    In [0, 1]; 1 when both coefficients agree. ``None`` when either coefficient is undefined.
    """
    if rho_real is None or rho_other is None:
        return None
    return 1.0 - abs(rho_real - rho_other) / 2.0


def joint_codes(codes_a: list[np.ndarray], codes_b: list[np.ndarray], levels_b: int) -> tuple[list[np.ndarray], int]:
    """Codes of the joint levels (a, b) for several sides, over one shared cell index.

    ``codes_a[i]`` and ``codes_b[i]`` are the coded columns of side ``i``. Returns one cell-code
    array per side and the number of cells, the same index for every side so that their counts
    compare directly.
    """
    joint = [a * levels_b + b for a, b in zip(codes_a, codes_b, strict=True)]
    n_cells = max((int(j.max()) + 1 for j in joint if j.size), default=0)
    if n_cells <= _DENSE_JOINT_LIMIT:
        return joint, n_cells
    cells, inverse = np.unique(np.concatenate(joint), return_inverse=True)
    bounds = np.cumsum([0] + [j.size for j in joint])
    return [inverse[bounds[i] : bounds[i + 1]] for i in range(len(joint))], int(cells.size)


def joint_counts(codes_a: list[np.ndarray], codes_b: list[np.ndarray], levels_b: int) -> list[np.ndarray]:
    """Counts of the joint levels (a, b) per side, over the shared cells of ``joint_codes``."""
    joint, n_cells = joint_codes(codes_a, codes_b, levels_b)
    return [np.bincount(j, minlength=n_cells) for j in joint]


def contingency_similarity(counts_real: np.ndarray, counts_other: np.ndarray) -> float:
    """Contingency similarity 1 − TVD of two joint (binned) distributions.

    As SDMetrics ``ContingencySimilarity``, but the cells come from the real-data levels of both
    columns (numeric columns on real-quantile bins, missing as its own level), never from bins
    fitted on each dataset separately.
    """
    return 1.0 - tvd_from_counts(counts_real, counts_other)
