"""The rarity attack: does a synthetic row agree with a training record more closely, and on rarer
values, than the record's own real neighbours do?

A member of the membership-attack ensemble (``expectations.metrics.membership``). The distance attack
measures closeness on the shared encoding's linear scale, where one unit of a coarse column (a
year of education on a 13-year range) weighs as much as the gap to a natural neighbour, and
agreeing on a rare value weighs no more than on a common one; a near-copy then hides among the
natural neighbours (measured: ``bench/README.md``). This attack weighs agreement by its rarity.

Definitions. The targets are T real records (members from train, non-members from the holdout),
encoded by the shared ``DistanceEncoder``; every mass below is a share of the T targets, so the
attack needs nothing but the targets' codes (on Spark: nothing beyond the bounded sample). For a
target r and another encoded row x, per audit column j the *between-mass*

    B_j(r, x) = #{targets t : t_j lies between r_j and x_j, both included} / T    (numeric)
    B_j(r, x) = #{targets t : t_j = r_j} / T if x_j = r_j, else 1                (categorical)

A numeric value missing on both sides counts like a categorical agreement on "missing", missing
on one side only like a disagreement (B = 1). A value of x that no target holds counts as the
nearest value a target holds (``RarityModel.bins``). Then

    match(r, X)   = min over x in X of  Σ_j log B_j(r, x)       (≤ 0; lower = closer and rarer)
    match_k(r, X) = the k-th smallest of those sums
    rarity(r)     = match_k(r, targets other than r) − match(r, synthetic rows),
                    k = max(1, round((T − 1) / n_synthetic))              (``reference_rank``)

and a high rarity singles r out ("member"). Π_j B_j(r, x) is the mass, under the product of the
targets' marginals, of the box that r and x span in rank space, so −match is the log of a
nearest-neighbour density estimate up to the sample size, and the rarity is the log ratio of the
synthetic data's density at r to the real data's. The k-th closest of T − 1 real rows spans, in
expectation, the mass 1 / n_synthetic of the closest of n_synthetic rows, so the real side is
measured at the synthetic side's scale; and a k-th nearest-neighbour estimate varies less than a
nearest one, so when the synthetic set is smaller than the targets the noise of the real side no
longer hides copies (the calibration harness at 2,000 training rows, k = 3: the rarity scan
fails on 5% near-copies of the simulated population in 16 of 20 audits against 15 of 20 with
k = 1, on 2% exact copies of Adult in 10 against 7; README "Calibration"). With more synthetic
rows than targets k = 1 and the sizes only shift every target alike:
the density-ratio idea of DOMIAS (van Breugel et al. 2023, "Membership Inference Attacks against
Synthetic Data through Overfitting Detection"), with nearest-neighbour densities in rank space
instead of a fitted density model. −log B_j of an agreement is the Fellegi–Sunter agreement
weight of record linkage (Fellegi & Sunter 1969): agreeing on a rare value is strong evidence.

The test (``tail_scan``): M_k = the members whose rarity exceeds the k-th highest non-member's,
the true positives at k − 1 false positives, for k in ``RARITY_LEVELS``. Under "the generator did
not see train" the targets' member / non-member labels are exchangeable, so a permutation of the
labels gives the exact null of every M_k; the scan takes the smallest hypergeometric tail
probability over the levels and calibrates that minimum by the same permutations (Westfall &
Young 1993), so no level is chosen in advance and none is paid for with a Bonferroni factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse, stats

from expectations.metrics.encoding import DistanceEncoder
from expectations.metrics.parallel import map_parts, row_parts

#: Targets of the attack, members and non-members together: it compares every target with every
#: synthetic row, so this bounds its cost (T × n_synthetic × columns additions).
RARITY_TARGETS = 3_000
#: The scan's levels: k − 1 false positives allowed (M_k, see the module docstring).
RARITY_LEVELS = (1, 2, 4, 8, 16, 32, 64)
#: Permutations behind the scan's p-value (its resolution is 1 / (this + 1)): a fifth of the level
#: the membership verdict tests it at by default (α / 5 with the check's α = 0.0025).
RARITY_PERMUTATIONS = 9_999
#: float32 entries a block of per-target lookup tables may hold (64 MiB): bounds memory at any width.
_TABLE_BUDGET = 1 << 24
#: Targets and other rows per step of the sums. A step is one sparse product, one-hot rows of the
#: other rows' bins times the targets' stacked lookup tables (``closest_match``): scipy adds each
#: table row in C in one fused pass, where a numpy gather then add per column made three passes
#: and a call per column (Adult, 3,000 targets × 32,561 synthetic rows × 15 columns, two threads:
#: about 0.5 s against 1.0–1.3 s for the gather at 512 × 256).
_TARGET_BLOCK, _OTHER_BLOCK = 512, 1_024


def rarity_sizes(n_real: int, per_side: int) -> tuple[int, int]:
    """(members, non-members) of the attack: up to half of ``RARITY_TARGETS`` non-members from the
    holdout sample (``per_side`` rows), and members from train filling the rest.

    More members than non-members when the holdout is small: every member the generator copied
    is one more chance to see it, while the non-members only need to set the tail.
    """
    non_members = min(per_side, RARITY_TARGETS // 2)
    return min(n_real, RARITY_TARGETS - non_members), non_members


@dataclass(frozen=True)
class RarityModel:
    """The targets' per-column values and counts, from which every between-mass follows.

    Per audit column: ``numeric[j]``; ``values[j]``, the distinct values the targets hold
    (numeric: ascending code positions; categorical: the one-hot index); ``counts[j]``, how many
    targets hold each, with one more entry for a missing number (numeric columns); ``targets`` = T.
    """

    blocks: tuple[slice, ...]
    numeric: tuple[bool, ...]
    values: tuple[np.ndarray, ...]
    counts: tuple[np.ndarray, ...]
    targets: int

    @classmethod
    def fit(cls, encoder: DistanceEncoder, target_codes: np.ndarray) -> RarityModel:
        """Fit on the targets' codes (``encoder.transform`` of the T targets)."""
        blocks, numeric, values, counts = [], [], [], []
        for name in encoder.columns:
            block = encoder.block(name)
            column = target_codes[:, block]
            if name in encoder.numeric:
                missing = column[:, 1] > 0.5
                distinct, count = np.unique(column[~missing, 0], return_counts=True)
                values.append(distinct)
                counts.append(np.r_[count, int(missing.sum())])
            else:
                count = np.bincount(np.argmax(column, axis=1), minlength=column.shape[1])
                values.append(np.arange(column.shape[1]))
                counts.append(count)
            blocks.append(block)
            numeric.append(name in encoder.numeric)
        return cls(tuple(blocks), tuple(numeric), tuple(values), tuple(counts), len(target_codes))

    def bins(self, codes: np.ndarray) -> np.ndarray:
        """Each row's bin per column (int32, rows × columns): a numeric value's nearest target value
        (ties to the lower), a missing number the extra last bin; a category its one-hot index."""
        out = np.empty((len(codes), len(self.blocks)), dtype=np.int32)
        for j, block in enumerate(self.blocks):
            column = codes[:, block]
            if self.numeric[j]:
                distinct = self.values[j].astype(np.float64)
                midpoints = (distinct[1:] + distinct[:-1]) / 2
                out[:, j] = np.searchsorted(midpoints, column[:, 0].astype(np.float64), side="left")
                out[column[:, 1] > 0.5, j] = distinct.size
            else:
                out[:, j] = np.argmax(column, axis=1)
        return out

    def log_tables(self, target_bins: np.ndarray) -> list[np.ndarray]:
        """Per column, the float32 table L[k, t] = log B_j(target t, a row in bin k), bins × targets."""
        # A between-count is at least 1 (the target itself); entry 0 is never read.
        log_share = np.log(np.maximum(np.arange(self.targets + 1), 1) / self.targets)
        tables = []
        for j, count in enumerate(self.counts):
            own = target_bins[:, j]
            if self.numeric[j]:
                present = count[:-1]
                cumulative = np.r_[0, np.cumsum(present)]
                missing = own == present.size
                # A missing target's column is overwritten below; any present bin serves meanwhile.
                anchor = np.where(missing, 0, own)[None, :]
                k = np.arange(present.size)[:, None]
                low, high = np.minimum(k, anchor), np.maximum(k, anchor)
                between = np.full((present.size + 1, own.size), self.targets, dtype=np.int64)
                between[:-1] = cumulative[high + 1] - cumulative[low]
                between[:, missing] = self.targets
                between[-1, missing] = count[-1]
            else:
                between = np.full((count.size, own.size), self.targets, dtype=np.int64)
                between[own, np.arange(own.size)] = count[own]
            tables.append(log_share[between].astype(np.float32))
        return tables


@dataclass(frozen=True)
class RarityTargets:
    """The attack's targets: the fitted ``RarityModel``, each target's bins, and how many of them
    (the first) are members; the rest are non-members."""

    model: RarityModel
    bins: np.ndarray
    members: int

    @classmethod
    def fit(cls, encoder: DistanceEncoder, member_codes: np.ndarray, nonmember_codes: np.ndarray) -> RarityTargets:
        codes = np.vstack([member_codes, nonmember_codes])
        model = RarityModel.fit(encoder, codes)
        return cls(model, model.bins(codes), len(member_codes))


def reference_rank(n_targets: int, n_synthetic: int) -> int:
    """k of the rarity's real side (module docstring): max(1, round((T − 1) / n_synthetic)).

    >>> reference_rank(3_000, 1_000), reference_rank(3_000, 2_000), reference_rank(3_000, 50_000)
    (3, 1, 1)
    """
    return max(1, round((n_targets - 1) / max(n_synthetic, 1)))


def closest_match(
    model: RarityModel,
    target_bins: np.ndarray,
    other_bins: np.ndarray,
    exclude_self: bool = False,
    threads: int | None = None,
    rank: int = 1,
) -> np.ndarray:
    """match_k(t, others) for every target t (float64): the ``rank``-th smallest over the other rows
    of Σ_j log B_j (``rank`` 1: the minimum, match(t, others)).

    ``exclude_self``: ``other_bins`` are the targets themselves, and a target is not matched with
    itself. The terms are added in column order in float32, one pair at a time, so a target's
    result does not depend on how the others are split (Spark partitions): the minimum over parts
    equals the minimum over all, and so does the k-th smallest of the parts' k smallest. Fewer
    than ``rank`` other rows: +inf. The target blocks run in up to ``threads`` threads (default
    ``expectations.metrics.parallel.search_threads()``).
    """
    if rank < 1:
        raise ValueError(f"rank must be at least 1, got {rank}")
    n_targets, columns = target_bins.shape
    best = np.full(n_targets, np.inf)
    if n_targets == 0 or len(other_bins) == 0 or columns == 0:
        return best
    sizes = np.array([c.size for c in model.counts], dtype=np.int64)  # rows of each column's table
    step = max(1, min(_TARGET_BLOCK, _TABLE_BUDGET // int(sizes.sum())))
    blocks = [(start, min(n_targets, start + step)) for start in range(0, n_targets, step)]
    one_hot = [
        _one_hot(other_bins[first : first + _OTHER_BLOCK], sizes) for first in range(0, len(other_bins), _OTHER_BLOCK)
    ]

    def match_block(start: int, stop: int) -> None:
        tables = np.vstack(model.log_tables(target_bins[start:stop]))
        kept = np.full((rank, stop - start), np.inf, dtype=np.float32)  # the rank smallest sums so far
        for index, rows in enumerate(one_hot):
            total = rows @ tables
            if exclude_self:
                first = index * _OTHER_BLOCK
                own = np.arange(max(first, start), min(first + rows.shape[0], stop))
                total[own - first, own - start] = np.inf
            if rank == 1:
                np.minimum(kept[0], total.min(axis=0), out=kept[0])
            else:
                kept = np.partition(np.vstack([kept, total]), rank - 1, axis=0)[:rank]
        best[start:stop] = kept[0] if rank == 1 else kept.max(axis=0)

    # The target blocks are independent: contiguous runs of them go to the threads.
    runs = row_parts(len(blocks), threads, 1)
    map_parts(lambda first, last: [match_block(*block) for block in blocks[first:last]], runs)
    return best


def _one_hot(bins: np.ndarray, sizes: np.ndarray) -> sparse.csr_matrix:
    """Rows of ``bins`` as a float32 CSR matrix over the stacked tables' rows (column j's bin k at
    column sizes[:j].sum() + k), ones in column order.

    ``one_hot @ stacked tables`` is then Σ_j L_j[bin_j] with the terms added in column order in
    float32 (scipy's CSR-times-dense product accumulates each row's entries in index order from
    0, and 1 × L is exact), the order ``closest_match`` promises.
    """
    n, columns = bins.shape
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    indices = (bins + offsets).ravel()
    indptr = np.arange(0, n * columns + 1, columns)
    return sparse.csr_matrix((np.ones(n * columns, dtype=np.float32), indices, indptr), shape=(n, int(sizes.sum())))


def rarity_scores(to_reference: np.ndarray, to_synthetic: np.ndarray) -> np.ndarray:
    """rarity = match(targets other than r) − match(synthetic rows), higher = "member"."""
    return to_reference - to_synthetic


def _members_above(ordered_scores: np.ndarray, arrangements: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """M_k per level (columns) for each label arrangement (rows: True = member, over the scores
    in descending order; an arrangement may stop once it holds the highest level's non-member)."""
    # first[i]: where the tie block of ordered_scores[i] starts (units strictly above it).
    first = np.searchsorted(-ordered_scores, -ordered_scores, side="left")
    non_before = np.zeros((len(arrangements), arrangements.shape[1] + 1), dtype=np.int32)
    np.cumsum(~arrangements, axis=1, dtype=np.int32, out=non_before[:, 1:])
    out = np.empty((len(arrangements), levels.size), dtype=np.int64)
    rows = np.arange(len(arrangements))
    for index, k in enumerate(levels):
        kth = (non_before[:, 1:] < k).sum(axis=1)  # position of the k-th non-member
        above = first[kth]
        out[:, index] = above - non_before[rows, above]
    return out


def _random_top_labels(members: int, total: int, depth: int, permutations: int, rng: np.random.Generator) -> np.ndarray:
    """The labels (True = member) of uniformly random arrangements of ``members`` members among
    ``total`` units, one row per arrangement, as far as the last row's ``depth``-th non-member.

    M_k for k ≤ ``depth`` reads no further, so only the top of each arrangement is drawn, unit
    by unit: the next unit is a member with probability (members left) / (units left), the
    sequential form of a uniform permutation (exact). A permutation of all ``total`` labels per
    arrangement cost about 0.15 ms (3,000 targets); the top, some 130 units when the sides are
    even, costs a hundredth of that.
    """
    left = np.full(permutations, members, dtype=np.int64)
    non_members_seen = np.zeros(permutations, dtype=np.int64)
    top: list[np.ndarray] = []
    for position in range(total):
        member = rng.random(permutations) * (total - position) < left
        left -= member
        non_members_seen += ~member
        top.append(member)
        if non_members_seen.min() >= depth:
            break
    return np.column_stack(top)


def tail_scan(
    member_scores: np.ndarray,
    nonmember_scores: np.ndarray,
    permutations: int = RARITY_PERMUTATIONS,
    seed: int = 0,
) -> dict[str, object]:
    """The rarity attack's test: min-p scan of M_k over ``RARITY_LEVELS`` (module docstring).

    M_k = members with a score strictly above the k-th highest non-member score (ties never count
    for the members), for the levels k ≤ the non-members. A level's statistic is the tail
    probability P(M_k ≥ m) = P(at most k − 1 non-members among the first m + k − 1 of a random
    order) = HypergeomCDF(k − 1; N, n_non, m + k − 1) (exact for untied scores, a scan statistic
    either way); the smallest over the levels is compared with its value under ``permutations``
    random relabellings (seeded by ``seed``): p = (1 + #{min_b ≤ min_obs}) / (B + 1), exact.

    Returns p_value, permutations and per level k: false_positives (k − 1), fpr ((k − 1) / n_non),
    true_positives (M_k) and tpr (M_k / n_members).

    >>> scan = tail_scan(np.r_[np.full(30, 9.0), np.zeros(970)], np.zeros(1000), 199)
    >>> scan["levels"][0]["true_positives"], scan["p_value"] < 0.01
    (30, True)
    """
    members, non_members = int(member_scores.size), int(nonmember_scores.size)
    levels = np.array([k for k in RARITY_LEVELS if k <= non_members], dtype=np.int64)
    if members == 0 or levels.size == 0:
        return {"p_value": 1.0, "permutations": permutations, "levels": []}
    scores = np.r_[member_scores, nonmember_scores].astype(np.float64)
    order = np.argsort(-scores, kind="stable")
    ordered = scores[order]
    observed = np.zeros(scores.size, dtype=bool)
    observed[:members] = True
    rng = np.random.default_rng([seed, 0x72617265])
    null = _random_top_labels(members, scores.size, int(levels[-1]), permutations, rng)
    counts = np.vstack([_members_above(ordered, observed[None, order], levels), _members_above(ordered, null, levels)])
    tails = np.empty(counts.shape)
    for index, k in enumerate(levels):
        # Few distinct counts occur: evaluate the tail once for each.
        values, inverse = np.unique(counts[:, index], return_inverse=True)
        tails[:, index] = stats.hypergeom.cdf(k - 1, scores.size, non_members, values + k - 1)[inverse]
    smallest = tails.min(axis=1)
    p_value = float((1 + np.sum(smallest[1:] <= smallest[0] * (1 + 1e-12))) / (permutations + 1))
    return {
        "p_value": p_value,
        "permutations": permutations,
        "levels": [
            {
                "false_positives": int(k - 1),
                "fpr": float((k - 1) / non_members),
                "true_positives": int(m),
                "tpr": float(m / members),
            }
            for k, m in zip(levels, counts[0], strict=True)
        ],
    }
