"""The statistical tests behind every verdict: "is the synthetic data worse than real data is?".

Pure numpy/scipy. Each verdict of the audit compares a synthetic figure with what real data
scores on the same figure (the reference) and asks, at a stated level, whether the synthetic
figure is worse by more than a margin that matters in practice. The building blocks:

- ``clopper_pearson``: exact binomial confidence bounds (Clopper & Pearson 1934), as
  ``statsmodels.stats.proportion.proportion_confint(method="beta")``.
- ``excess_rate_p_value``: one-sided p-value of "rate 1 exceeds rate 0 by more than a margin"
  for two independent binomial samples: Fisher's exact test (``scipy.stats.fisher_exact``,
  ``alternative="greater"``) when the margin is 0, else the Agresti–Caffo adjusted Wald test
  (one success and one failure added to each sample) shifted by the margin.
- ``detectable_rate_change``: the smallest rate change such a test sees with 95% power.
- ``log_ratio_p_value``: one-sided p-value of "share 1 / share 0 lies beyond a ratio band"
  (delta-method standard error of the log ratio, with +½ continuity on the counts).
- ``homogeneity_p_value``: Pearson's χ² test that two count vectors come from one distribution
  (``scipy.stats.chi2_contingency`` without correction), sparse cells merged first so that no
  expected count is below 5 (Cochran's rule), which keeps the χ² tail honest.
- ``expected_null_tvd``: the mean TVD between two samples of the given sizes drawn from one
  distribution (multinomial Monte Carlo): what real data scores against itself.
- ``holm``: Holm's (1979) step-down adjustment, family-wise error control across every column,
  pair or group a verdict judges (as ``statsmodels.stats.multitest.multipletests(method="holm")``).
- ``subset_sum_p_value``: the Monte Carlo permutation p-value of a sum over a random subset of
  units (the training rows drawn from train ∪ holdout), the split test of exact copies.
- ``empirical_epsilon``: ln(TPR lower bound / FPR upper bound) of a membership attack at a
  threshold, with Clopper–Pearson bounds (Carlini et al. 2022; Jagielski et al. 2020), the
  lower bound on the ε of any differentially private generator consistent with the attack.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import stats

#: Cochran's rule: a χ² cell's expected count should be at least this.
MIN_EXPECTED = 5.0


def clopper_pearson(successes: int, trials: int, confidence: float) -> tuple[float, float]:
    """Exact one-sided bounds (lower, upper) of a binomial rate, each at ``confidence``.

    lower = Beta⁻¹(1 − c; k, n − k + 1) (0 when k = 0), upper = Beta⁻¹(c; k + 1, n − k) (1 when
    k = n). Two one-sided bounds at c form a two-sided interval at 2c − 1.

    >>> [round(b, 4) for b in clopper_pearson(5, 100, 0.975)]
    [0.0164, 0.1128]
    """
    if trials <= 0:
        return 0.0, 1.0
    tail = 1.0 - confidence
    lower = 0.0 if successes <= 0 else float(stats.beta.ppf(tail, successes, trials - successes + 1))
    upper = 1.0 if successes >= trials else float(stats.beta.ppf(confidence, successes + 1, trials - successes))
    return lower, upper


def excess_rate_p_value(k1: int, n1: int, k0: int, n0: int, margin: float = 0.0) -> float:
    """One-sided p-value of H1: p1 − p0 > ``margin`` (H0: p1 − p0 ≤ margin), samples independent.

    margin 0: Fisher's exact test on [[k1, n1 − k1], [k0, n0 − k0]], alternative "greater".
    margin > 0: z = (p̃1 − p̃0 − margin) / √(p̃1(1 − p̃1)/ñ1 + p̃0(1 − p̃0)/ñ0) with p̃ = (k + 1)/(n + 2)
    (Agresti & Caffo 2000), p = 1 − Φ(z).
    """
    if n1 <= 0 or n0 <= 0:
        return 1.0
    if margin == 0.0:
        return float(stats.fisher_exact([[k1, n1 - k1], [k0, n0 - k0]], alternative="greater").pvalue)
    p1, p0 = (k1 + 1) / (n1 + 2), (k0 + 1) / (n0 + 2)
    se = np.sqrt(p1 * (1 - p1) / (n1 + 2) + p0 * (1 - p0) / (n0 + 2))
    return float(stats.norm.sf((p1 - p0 - margin) / se))


def rate_change_p_value(k1: int, n1: int, k0: int, n0: int, margin: float) -> float:
    """Two-sided version of ``excess_rate_p_value``: H1 |p1 − p0| > margin.

    Twice the smaller of the two one-sided p-values (rate 1 above rate 0, and below it: the same
    test on the negatives), capped at 1.
    """
    up = excess_rate_p_value(k1, n1, k0, n0, margin)
    down = excess_rate_p_value(n1 - k1, n1, n0 - k0, n0, margin)
    return float(min(1.0, 2.0 * min(up, down)))


def detectable_rate_change(
    rate: float, n1: int, n0: int, level: float, margin: float = 0.0, power: float = 0.95
) -> float:
    """About the smallest |p1 − p0| a two-sided rate test at ``level`` finds with ``power``.

    Δ = margin + (z₁₋level/2 + z_power) · √(p(1 − p)(1/n1 + 1/n0)) at p = ``rate`` (normal
    approximation, both samples at the reference rate); capped at 1. How small a distortion of
    a group's outcomes the sizes at hand let the audit see.

    >>> round(detectable_rate_change(0.2, 400, 1200, 0.01), 3)
    0.097
    """
    if n1 <= 0 or n0 <= 0:
        return 1.0
    spread = np.sqrt(max(rate * (1.0 - rate), 0.0) * (1.0 / n1 + 1.0 / n0))
    z = stats.norm.ppf(1.0 - level / 2.0) + stats.norm.ppf(power)
    return float(min(1.0, margin + z * spread))


def log_ratio_p_value(k1: int, n1: int, k0: int, n0: int, low: float, high: float) -> float:
    """Two-sided p-value of H1: share1 / share0 lies outside [``low``, ``high``] (low < 1 < high).

    log r = ln((k1 + ½)/(n1 + ½)) − ln((k0 + ½)/(n0 + ½)), SE² = (1 − s1)/(k1 + ½) + (1 − s0)/(k0 + ½)
    (delta method); z = (ln low − log r) / SE below the band or (log r − ln high) / SE above it,
    p = min(1, 2(1 − Φ(z))) in the observed direction.
    """
    if n1 <= 0 or n0 <= 0:
        return 1.0
    s1, s0 = (k1 + 0.5) / (n1 + 0.5), (k0 + 0.5) / (n0 + 0.5)
    log_ratio = np.log(s1) - np.log(s0)
    se = np.sqrt((1 - s1) / (k1 + 0.5) + (1 - s0) / (k0 + 0.5))
    excess = np.log(low) - log_ratio if log_ratio < 0 else log_ratio - np.log(high)
    return float(min(1.0, 2.0 * stats.norm.sf(excess / se)))


def homogeneity_p_value(counts_a: np.ndarray, counts_b: np.ndarray) -> float:
    """Pearson χ² p-value that two count vectors over the same cells share one distribution.

    Cells are merged, smallest pooled count first, into one "rest" cell until every expected
    count is at least ``MIN_EXPECTED`` (or two cells are left); empty cells are dropped. 1.0 when
    fewer than two cells or an empty side remain.
    """
    a, b = np.asarray(counts_a, dtype=np.float64), np.asarray(counts_b, dtype=np.float64)
    n_a, n_b = a.sum(), b.sum()
    if n_a <= 0 or n_b <= 0:
        return 1.0
    pooled = a + b
    keep = pooled > 0
    a, b, pooled = a[keep], b[keep], pooled[keep]
    # A cell's expected count on the smaller side is its pooled count × that side's share.
    smaller = min(n_a, n_b) / (n_a + n_b)
    order = np.argsort(pooled, kind="stable")
    n_rare = int((pooled[order] * smaller < MIN_EXPECTED).sum())
    while 0 < n_rare < pooled.size and pooled[order[:n_rare]].sum() * smaller < MIN_EXPECTED:
        n_rare += 1
    if n_rare > 1:
        merged, kept = order[:n_rare], order[n_rare:]
        a = np.r_[a[kept], a[merged].sum()]
        b = np.r_[b[kept], b[merged].sum()]
    if a.size < 2:
        return 1.0
    return float(stats.chi2_contingency(np.vstack([a, b]), correction=False).pvalue)


def expected_null_tvd(
    probabilities: np.ndarray, n_a: int, n_b: int, rng: np.random.Generator, draws: int = 40
) -> float:
    """Mean TVD between two samples of sizes ``n_a`` and ``n_b`` drawn from ``probabilities``.

    E[½ Σ_i |X_i/n_a − Y_i/n_b|] with X ~ Mult(n_a, p), Y ~ Mult(n_b, p): the TVD two real samples
    of these sizes show by chance alone. By linearity each cell counts on its own, X_i ~ Bin(n_a,
    p_i): a cell with min(n_a, n_b)·p_i(1 − p_i) ≥ 25 by the normal mean absolute deviation
    σ_i √(2/π), σ_i² = p_i(1 − p_i)(1/n_a + 1/n_b); smaller cells by ``draws`` binomial draws.
    """
    p = np.asarray(probabilities, dtype=np.float64)
    total = p.sum()
    if n_a <= 0 or n_b <= 0 or total <= 0:
        return 0.0
    p = p[p > 0] / total
    spread = p * (1.0 - p)
    large = spread * min(n_a, n_b) >= 25.0
    expected = float(np.sum(np.sqrt(spread[large] * (1.0 / n_a + 1.0 / n_b)) * np.sqrt(2.0 / np.pi)))
    small = p[~large]
    if small.size:
        x = rng.binomial(n_a, small, size=(draws, small.size)) / n_a
        y = rng.binomial(n_b, small, size=(draws, small.size)) / n_b
        expected += float(np.abs(x - y).sum(axis=1).mean())
    return 0.5 * expected


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-adjusted p-values, in the input order: reject where adjusted p < α.

    >>> holm([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    p = np.asarray(p_values, dtype=np.float64)
    if p.size == 0:
        return []
    order = np.argsort(p, kind="stable")
    scaled = np.maximum.accumulate((p.size - np.arange(p.size)) * p[order])
    adjusted = np.empty_like(p)
    adjusted[order] = np.minimum(scaled, 1.0)
    return [float(round(v, 15)) for v in adjusted]


def empirical_epsilon(
    true_positives: int, members: int, false_positives: int, non_members: int, confidence: float
) -> float:
    """ln(TPR lower bound / FPR upper bound), both Clopper–Pearson at ``confidence`` (one-sided).

    Positive when the attack's TPR at this threshold is above its FPR beyond sampling error;
    ``-inf`` when TPR's lower bound is 0.
    """
    tpr_low = clopper_pearson(true_positives, members, confidence)[0]
    fpr_high = clopper_pearson(false_positives, non_members, confidence)[1]
    return float(np.log(tpr_low / fpr_high)) if tpr_low > 0 else float("-inf")


def format_p(p: float) -> str:
    """A p-value as a reviewer reads it: ``p < 0.001`` or ``p = 0.034``."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def subset_sum_p_value(
    values: np.ndarray,
    population: int,
    drawn: int,
    observed: float | np.ndarray,
    permutations: int,
    rng: np.random.Generator,
) -> float:
    """One-sided Monte Carlo p-value of a sum over a uniformly random subset of units.

    ``population`` units carry a value, ``values`` the non-zero ones (the rest are 0); a subset
    of ``drawn`` units is chosen uniformly without replacement and T = the sum of its values.
    Returns (1 + #{T_b ≥ observed}) / (B + 1) over B = ``permutations`` draws, the permutation
    p-value that is valid at any B (Phipson & Smyth 2010). Sums within 10⁻¹² (relative) of
    ``observed`` count as equal, so rounding never makes a result look more extreme than it is.
    How the subsets are drawn (``_random_subset_sums``) depends on the units, never on the result.
    Where ``subset_sum_tail_bound`` is already at most ``SHORTCUT_BOUND`` (a leak far beyond any
    doubt, with thousands of units to draw) that bound is the p-value and nothing is drawn: a
    valid p-value itself, and choosing it adds at most ``SHORTCUT_BOUND`` to any level.

    With ``values`` of shape (units, K) and K ``observed`` sums — K statistics on the same
    units, e.g. one per threshold — the test is the min-p scan over them: each statistic's
    p-value among the B + 1 sums (observed included), the smallest of the K, against the same
    minimum in each draw (Westfall & Young 1993), ties broken by the next smallest (``_at_most``).
    Exact like the single test, and it pays for trying K statistics only with their dependence,
    not a Bonferroni factor K.

    Three units of value 1 among 9, 6 drawn: P(T ≥ 3) = C(6, 3) / C(9, 3) = 0.238.

    >>> round(subset_sum_p_value(np.ones(3), 9, 6, 3.0, 9999, np.random.default_rng(0)), 2)
    0.24
    """
    matrix = np.asarray(values, dtype=np.float64)
    matrix = matrix.reshape(len(matrix), -1)
    targets = np.atleast_1d(np.asarray(observed, dtype=np.float64))
    n_values = len(matrix)
    if n_values == 0 or drawn <= 0:
        return 1.0
    if n_values > population or drawn > population:
        raise ValueError("values and drawn must not exceed the population")
    if targets.shape != (matrix.shape[1],):
        raise ValueError("observed must hold one sum per column of values")
    bound = subset_sum_tail_bound(matrix, population, drawn, targets)
    if bound <= SHORTCUT_BOUND:
        return bound
    sums = np.vstack([targets[None, :], _random_subset_sums(matrix, population, drawn, permutations, rng)])
    # Each sum's p-value among all B + 1 (ties within rounding count as at least as large).
    p_values = np.empty_like(sums)
    for column in range(sums.shape[1]):
        ordered = np.sort(sums[:, column])
        thresholds = sums[:, column] - 1e-12 * np.abs(sums[:, column])
        p_values[:, column] = (len(ordered) - np.searchsorted(ordered, thresholds, side="left")) / len(ordered)
    return float((1 + np.sum(_at_most(np.sort(p_values, axis=1)))) / (permutations + 1))


def _at_most(ranked: np.ndarray) -> np.ndarray:
    """Which draws (rows 1 on) are at least as extreme as the observed row 0: a smaller smallest
    p-value, ties broken by the next smallest and so on (rows sorted ascending).

    Each row's p-values are its ranks among the B + 1 sums, so where the observed sum tops one
    statistic only, every other statistic's top draw ties the observed minimum 1 / (B + 1): with
    ties counted as extreme, K statistics could not give a p-value below about K / (B + 1).
    Comparing the rest of the row breaks those ties the same way for every row, observed or
    drawn, so the rows stay exchangeable under the null and the p-value exact.
    """
    observed = ranked[0]
    below = np.zeros(len(ranked) - 1, dtype=bool)
    tied = np.ones(len(ranked) - 1, dtype=bool)
    for column in range(ranked.shape[1]):
        values = ranked[1:, column]
        below |= tied & (values < observed[column])
        tied &= values == observed[column]
    return below | tied


#: ``subset_sum_p_value`` answers with ``subset_sum_tail_bound`` without drawing when it is below this.
SHORTCUT_BOUND = 1e-6


def subset_sum_tail_bound(values: np.ndarray, population: int, drawn: int, observed: np.ndarray) -> float:
    """A bound on the p-value of ``subset_sum_p_value``, from Bernstein's inequality.

    Per statistic j, with μ_j, σ²_j the mean and variance of its values over all ``population``
    units (zeros included) and b_j the largest deviation of a unit from μ_j, for s = observed_j −
    drawn · μ_j > 0:

        P(T_j ≥ observed_j) ≤ exp(−s² / (2 (drawn · σ²_j + b_j · s / 3)))

    Bernstein's bound for a sum of ``drawn`` independent draws with replacement, which holds
    without replacement too: every convex function of the sum has a smaller mean then (Hoeffding
    1963, Theorem 4), and the bound is a Chernoff bound. Over K statistics, K times the smallest
    (Bonferroni); 1 where no statistic lies above its mean.

    >>> subset_sum_tail_bound(np.ones((3, 1)), 9, 6, np.array([1.0]))
    1.0
    """
    total = values.sum(axis=0)
    mean = total / population
    variance = np.maximum((values**2).sum(axis=0) / population - mean**2, 0.0)
    deviation = np.maximum(np.abs(values - mean).max(axis=0), mean)  # the zero units deviate by the mean
    excess = observed - drawn * mean
    above = excess > 0
    if not above.any():
        return 1.0
    s = excess[above]
    exponent = -(s**2) / (2 * (drawn * variance[above] + deviation[above] * s / 3))
    return float(min(1.0, len(observed) * np.exp(exponent.min())))


#: ``_random_subset_sums`` counts draws per distinct unit value when there are at most this many.
_FEW_PATTERNS = 64
#: ... and draws random sort keys for all units of a draw at once when there are at most this many.
_FEW_UNITS = 512
#: Random keys per block of the second way (float64: 32 MiB).
_KEY_BUDGET = 1 << 22


def _random_subset_sums(
    matrix: np.ndarray, population: int, drawn: int, permutations: int, rng: np.random.Generator
) -> np.ndarray:
    """The sums (permutations × K) of the rows of ``matrix`` that fall in uniformly random
    ``drawn``-subsets of ``population`` units (the units beyond the rows are 0).

    Three exact ways to the same distribution, the cheapest the units allow. Few distinct rows
    (success flags): the counts per distinct row (zeros as one more) of a random subset are one
    multivariate hypergeometric draw. Otherwise the number k of non-zero units drawn is
    Hypergeometric(rows, population − rows, drawn), then a uniform k-subset of the rows: for few
    rows the k smallest of uniform random keys, a block of draws at a time; else one permutation
    per draw.
    """
    n_values = len(matrix)
    patterns, counts = np.unique(matrix, axis=0, return_counts=True)
    if len(patterns) <= _FEW_PATTERNS:
        colours = np.r_[counts, population - n_values]
        return rng.multivariate_hypergeometric(colours, drawn, size=permutations)[:, :-1] @ patterns
    taken = rng.hypergeometric(n_values, population - n_values, drawn, size=permutations)
    sums = np.zeros((permutations, matrix.shape[1]))
    if n_values <= _FEW_UNITS:
        block = max(1, _KEY_BUDGET // n_values)
        for start in range(0, permutations, block):
            k = taken[start : start + block]
            keys = rng.random((len(k), n_values))
            kth = np.sort(keys, axis=1)[np.arange(len(k)), np.maximum(k - 1, 0)]
            chosen = (keys <= kth[:, None]) & (k[:, None] > 0)
            sums[start : start + block] = chosen @ matrix
        return sums
    for b, k in enumerate(taken):
        if k:
            sums[b] = matrix[rng.permutation(n_values)[:k]].sum(axis=0)
    return sums
