"""Privacy measures: exact copies, distance to closest record and the membership attack.

Pure numpy/pandas; no Great Expectations or pyspark import. Definitions (DESIGN §4 "Privacy",
``reference/anchors.md`` §12):

- exact-copy rate: share of synthetic rows equal, on every audit column, to some training row
  (missing equals missing); beside it the same share for holdout rows (real data repeat
  naturally), both also for copies of training rows that occur once in train, and the training
  rows that repeat another (``CopyCounts``); with a holdout, the split test (``split_test``):
  do the synthetic rows equal training records more than a random split of train ∪ holdout
  explains, rare records weighing most.
- nearest-neighbour distances on the shared encoding (``expectations.metrics.encoding``), exact
  Euclidean distances from one pass over all synthetic rows (``nearest_neighbours``).
- target samples: with a holdout, ``per_side = min(n_train, n_holdout, dcr_sample)`` rows drawn
  without replacement from each (``draw_targets``); without one, ``per_side = min(n_real,
  dcr_sample)`` real rows. Rows are addressed by their position in their side, so any engine that
  numbers the rows the same way draws the same rows.
- membership inference (black box, distance attack): ``m = min(per_side, attack_sample)``
  members, the first m rows of the train sample, and m non-members, the first m of the holdout
  sample; score = −(d_syn + ε) / (d_ref + ε), the distance to the closest synthetic row over the
  distance to the closest other of the 2m targets (``membership_scores``). ROC AUC (0.5 =
  chance), advantage = max over thresholds of TPR − FPR (Yeom et al. 2018; best-threshold
  balanced accuracy = (1 + advantage) / 2) and TPR at 1% and 0.1% FPR (Carlini et al. 2022), each
  with a stratified bootstrap 95% interval; the true and false positives at those FPRs and the
  advantage's one-sided KS p-value, which the verdict reads.
- membership inference (rarity attack, ``expectations.metrics.rarity``): the second member of the
  ensemble, on up to ``RARITY_TARGETS`` targets (``rarity_sizes``: members from the train sample,
  plus ``extra_train`` rows when the holdout is the smaller side; non-members from the holdout
  sample); agreement weighed by its rarity among the targets, against the target's closest real
  neighbour. The same figures as the distance attack, and its tail scan. ``strongest`` names
  the attack with the higher TPR at 1% FPR.
- DCR share: share of synthetic rows closer to the train sample than to the holdout sample,
  ties counting half; 0.5 is ideal (as SDMetrics ``DCROverfittingProtection``'s p, but on one
  shared encoding).
- without a holdout: a real sample S of ``per_side`` rows. Each synthetic row's distance to the
  closest row of S, against each row of S's distance to the closest *other* row of S (itself
  excluded). A row of S measured against S minus itself is like a fresh row measured against a
  sample of |S| − 1 rows, so both distances compare a row with a sample of (almost) the same
  size: like for like, and bounded by ``dcr_sample`` on any engine. ``close_share`` = share of
  synthetic rows at most as far from S as the 5th percentile of S's own distances (≈ 0.05 when
  the generator does not copy).

Every figure is computed by ``privacy_figures`` from engine-neutral statistics (copy counts,
the targets' distances to the synthetic rows, counts of synthetic rows by comparison): the
pandas ``privacy_profile`` below and the Spark ``expectations.spark.privacy`` gather the same
statistics and share that one function, random draws included, so both report the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from expectations.metrics.bootstrap import centred_intervals
from expectations.metrics.distributions import as_float, column_kind
from expectations.metrics.encoding import MISSING_KEY, DistanceEncoder
from expectations.metrics.errors import AuditDataError
from expectations.metrics.inference import (
    INFERENCE_TARGETS,
    INFERENCE_TOLERANCE,
    InferenceTallies,
    check_secrets,
    inference_figures,
    secret_values,
    tallies_by_secret,
)
from expectations.metrics.linkability import LinkTallies, link_split, link_tallies, linkability_figures, split_masks
from expectations.metrics.neighbours import RATIO_EPSILON, nearest_neighbours
from expectations.metrics.rarity import RarityTargets, closest_match, rarity_scores, rarity_sizes, tail_scan
from expectations.metrics.significance import clopper_pearson, excess_rate_p_value, holm, subset_sum_p_value

#: False-positive rates at which the attack's true-positive rate is reported.
LOW_FPRS = (0.01, 0.001)
#: Quantiles of the distances reported without a holdout; the 5th percentile of the real
#: sample's own distances is also the "close" threshold.
DCR_QUANTILES = (0.05, 0.25, 0.5)


def canonical_values(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The audit columns as the values an equality join compares (``row_keys`` hashes them).

    Numbers as float64, so an int 3 in one file and a float 3.0 in another are the same value,
    with one NaN for every missing number and −0.0 as 0.0; everything else as text, a missing
    category as a key no text equals (not the text "nan").
    """
    canonical = {}
    for name in columns:
        if column_kind(frame[name]) == "numeric":
            values = as_float(frame[name])
            # + 0.0 turns −0.0 into 0.0; NaN payloads and signs differ, the hash sees their bits.
            canonical[name] = np.where(np.isnan(values), np.nan, values + 0.0)
        else:
            values = frame[name].astype(object)
            canonical[name] = values.where(values.notna(), MISSING_KEY).map(str).to_numpy()
    return pd.DataFrame(canonical)


def hash_rows(values: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per row of ``canonical_values``, equal for equal rows (missing = missing)."""
    return pd.util.hash_pandas_object(values, index=False).to_numpy()


def row_keys(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """``hash_rows`` of the frame's ``canonical_values``."""
    return hash_rows(canonical_values(frame, columns))


@dataclass(frozen=True)
class MatchedRecords:
    """The real records some synthetic row equals, for the split test (``split_test``).

    The pool is train ∪ holdout (``pool_rows`` rows, the first ``train_rows`` of them train).
    One entry per distinct pool record g that at least one synthetic row equals:
    ``pool_count[g]`` / ``train_count[g]`` / ``synthetic_count[g]`` rows of the pool, of train
    and of the synthetic data equal to it, and ``value_counts[g, j]`` pool rows that share its
    value in column j. Nothing that identifies a record, only counts.
    """

    pool_count: np.ndarray
    train_count: np.ndarray
    synthetic_count: np.ndarray
    value_counts: np.ndarray
    pool_rows: int
    train_rows: int

    def sorted(self) -> MatchedRecords:
        """The same records in one canonical order, so that every engine draws the same permutations."""
        table = np.column_stack([self.pool_count, self.train_count, self.synthetic_count, self.value_counts])
        order = np.lexsort(table.T[::-1]) if len(table) else np.arange(0)
        return MatchedRecords(
            self.pool_count[order],
            self.train_count[order],
            self.synthetic_count[order],
            self.value_counts[order],
            self.pool_rows,
            self.train_rows,
        )


def matched_records(
    pool_values: pd.DataFrame, pool_keys: np.ndarray, train_rows: int, synthetic_keys: np.ndarray
) -> MatchedRecords:
    """``MatchedRecords`` from the pool's ``canonical_values`` and ``row_keys`` (train rows first)."""
    keys, first, inverse, pool_count = np.unique(pool_keys, return_index=True, return_inverse=True, return_counts=True)
    position = np.searchsorted(keys, synthetic_keys)
    position[position >= len(keys)] = 0
    hit = keys[position] == synthetic_keys if len(keys) else np.zeros(len(synthetic_keys), dtype=bool)
    synthetic_count = np.bincount(position[hit], minlength=len(keys))
    matched = np.flatnonzero(synthetic_count)
    train_count = np.bincount(inverse[:train_rows], minlength=len(keys))
    per_value = []
    for name in pool_values.columns:
        codes, _ = pd.factorize(pool_values[name], use_na_sentinel=False)
        per_value.append(np.bincount(codes)[codes][first[matched]])
    value_counts = np.column_stack(per_value) if per_value else np.zeros((len(matched), 0), dtype=np.int64)
    return MatchedRecords(
        pool_count[matched].astype(np.int64),
        train_count[matched].astype(np.int64),
        synthetic_count[matched].astype(np.int64),
        value_counts.astype(np.int64),
        len(pool_keys),
        train_rows,
    )


#: Permutations of the split test: p-values down to 1 / 2,000, below α / 3 at α = 0.01.
SPLIT_PERMUTATIONS = 1_999


def split_test(matched: MatchedRecords, permutations: int = SPLIT_PERMUTATIONS, seed: int = 0) -> dict[str, Any]:
    """Do the synthetic rows equal *training* records more than the train / holdout split explains?

    Under the null hypothesis (the generator never saw which real rows are train: holdout and
    train are a random split of one real sample, and the synthetic data do not depend on it),
    every split of the pool into ``train_rows`` and the rest is equally likely. The statistic
    weighs each matched record g by how surprising a natural match is:

        T = Σ_g w_g · t_g,   w_g = c_g / p̂_g,   p̂_g = max((M_g − 1) / (n − 1), Π_j v_gj / n)

    (c_g synthetic rows equal record g, t_g of its M_g pool rows are train, v_gj pool rows share
    its value in column j, n pool rows): the score statistic of "a share of synthetic rows are
    copies of random training rows" against the record's estimated population frequency — the
    leave-one-out pool frequency for a record that repeats, else the product of its values'
    frequencies (rare profiles weigh most, the common ones real data repeat anyway least). The
    weights depend on the pool, never on which pool rows are train, so the permutation p-value
    (``subset_sum_p_value``, ``permutations`` draws from a generator seeded with ``seed``) is
    exact whatever the data; its power comes from copies of rare records, each of which lands in
    train, where a natural match does only with chance train_rows / n: a copy of a record unique
    in the pool is evidence ln(n / train_rows), so level a needs about ln(a) / ln(train_rows / n)
    of them (15 at a = 0.01 / 3 with train = 2 / 3 of the pool), whatever the natural repeats.

    Returns p_value, statistic / expected (T and its null mean, in units of the largest weight),
    the matched ``records`` and the ``permutations`` drawn.
    """
    matched = matched.sorted()
    n = matched.pool_rows
    if len(matched.pool_count) == 0 or n < 2 or matched.train_rows in (0, n):
        return {"p_value": 1.0, "statistic": 0.0, "expected": 0.0, "records": 0, "permutations": permutations}
    log_model = np.log(matched.value_counts).sum(axis=1) - matched.value_counts.shape[1] * np.log(n)
    with np.errstate(divide="ignore"):  # a record seen once has no leave-one-out frequency: log 0 = −∞
        leave_one_out = np.log(np.maximum(matched.pool_count - 1, 0) / (n - 1))
    log_frequency = np.maximum(leave_one_out, log_model)
    log_weight = np.log(matched.synthetic_count) - log_frequency
    weight = np.exp(log_weight - log_weight.max())
    observed = float(weight @ matched.train_count)
    expected = float(weight @ matched.pool_count) * matched.train_rows / n
    units = np.repeat(weight, matched.pool_count)
    rng = np.random.default_rng([seed, 0x73706C6974])
    p_value = subset_sum_p_value(units, n, matched.train_rows, observed, permutations, rng)
    return {
        "p_value": p_value,
        "statistic": observed,
        "expected": expected,
        "records": int(len(weight)),
        "permutations": permutations,
    }


@dataclass(frozen=True)
class CopyCounts:
    """Exact-copy counts, whichever engine counted them.

    ``synthetic`` / ``holdout``: rows equal to some training row; ``synthetic_unique`` /
    ``holdout_unique``: rows equal to a training row that occurs exactly once in train (a copy of
    a record that is unique in the training data); ``train_repeats``: training rows equal to
    another training row (the reference without a holdout); ``matched``: the records of train ∪
    holdout the synthetic rows equal (``split_test``). Holdout counts and ``matched`` are None
    without a holdout.
    """

    synthetic: int
    synthetic_unique: int
    train_repeats: int
    holdout: int | None = None
    holdout_unique: int | None = None
    matched: MatchedRecords | None = None


def copy_counts(train_keys: np.ndarray, synthetic_keys: np.ndarray, holdout_keys: np.ndarray | None) -> CopyCounts:
    """``CopyCounts`` from the row keys (``row_keys``) of each side (without ``matched``)."""
    keys, multiplicity = np.unique(train_keys, return_counts=True)
    singletons = keys[multiplicity == 1]

    def count(other: np.ndarray) -> tuple[int, int]:
        return int(np.isin(other, keys).sum()), int(np.isin(other, singletons).sum())

    synthetic, synthetic_unique = count(synthetic_keys)
    holdout, holdout_unique = count(holdout_keys) if holdout_keys is not None else (None, None)
    repeats = int(multiplicity[multiplicity > 1].sum())
    return CopyCounts(synthetic, synthetic_unique, repeats, holdout, holdout_unique)


def attack_figures(member_scores: np.ndarray, nonmember_scores: np.ndarray) -> dict[str, float]:
    """ROC AUC, advantage (max TPR − FPR) and TPR at the ``LOW_FPRS`` of a membership score.

    Higher score = "member". The ROC curve has one point per distinct score (tied scores move
    together), as scikit-learn's ``roc_curve(..., drop_intermediate=False)``; AUC is its
    trapezoidal area, which equals ``roc_auc_score`` (ties count half).
    """
    scores = np.r_[member_scores, nonmember_scores]
    is_member = np.r_[np.ones(member_scores.size), np.zeros(nonmember_scores.size)]
    order = np.argsort(-scores, kind="stable")
    ranked = scores[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(ranked)), ranked.size - 1]
    true_positives = np.cumsum(is_member[order])[last_of_tie]
    false_positives = last_of_tie + 1 - true_positives
    tpr = np.r_[0.0, true_positives / member_scores.size]
    fpr = np.r_[0.0, false_positives / nonmember_scores.size]
    figures = {"auc": float(np.trapezoid(tpr, fpr)), "advantage": float(np.max(tpr - fpr))}
    for level in LOW_FPRS:
        figures[f"tpr_at_{level:g}_fpr"] = float(tpr[fpr <= level].max())
    return figures


def low_fpr_counts(member_scores: np.ndarray, nonmember_scores: np.ndarray) -> dict[str, dict[str, int]]:
    """At each of ``LOW_FPRS``: the true and false positives of the highest-TPR threshold whose FPR
    is at most the level (tied scores move together), as ``{f"{level:g}": {"tp", "fp"}}``."""
    scores = np.r_[member_scores, nonmember_scores]
    is_member = np.r_[np.ones(member_scores.size, dtype=np.int64), np.zeros(nonmember_scores.size, dtype=np.int64)]
    order = np.argsort(-scores, kind="stable")
    ranked = scores[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(ranked)), ranked.size - 1]
    tp = np.r_[0, np.cumsum(is_member[order])[last_of_tie]]
    fp = np.r_[0, last_of_tie + 1 - tp[1:]]
    out = {}
    for level in LOW_FPRS:
        allowed = np.flatnonzero(fp <= level * nonmember_scores.size)
        best = allowed[np.argmax(tp[allowed])]
        out[f"{level:g}"] = {"tp": int(tp[best]), "fp": int(fp[best])}
    return out


def membership_scores(to_synthetic: np.ndarray, to_reference: np.ndarray) -> np.ndarray:
    """The attack's score of each target: −(d_syn + ε) / (d_ref + ε), higher = "member".

    d_syn is the target's distance to the closest synthetic row, d_ref its distance to the
    closest *other* target (members and non-members alike): how close real records naturally
    lie around it. A synthetic row much closer than any real neighbour singles the record out; a
    record whose profile repeats in the real data (d_ref = 0) scores −1 even when the synthetic
    data repeat it too, so natural duplicates do not decide. A density-calibrated distance
    attack, as the distance-ratio and DOMIAS (van Breugel et al. 2023) members of the MIDST 2025
    ensembles; ε = ``RATIO_EPSILON`` keeps 0 / 0 at 1.
    """
    return -(to_synthetic + RATIO_EPSILON) / (to_reference + RATIO_EPSILON)


def advantage_p_value(member_scores: np.ndarray, nonmember_scores: np.ndarray) -> float:
    """One-sided two-sample KS p-value of the advantage: members' scores stochastically larger
    (``scipy.stats.ks_2samp(non_members, members, alternative="greater")``; its D⁺ is the advantage)."""
    return float(stats.ks_2samp(nonmember_scores, member_scores, alternative="greater").pvalue)


def _attack_with_intervals(
    members: np.ndarray, nonmembers: np.ndarray, replicates: int, rng: np.random.Generator
) -> dict[str, Any]:
    """Attack figures and their stratified bootstrap intervals (members and non-members resampled apart)."""
    point = attack_figures(members, nonmembers)
    if replicates <= 0:
        return {**point, "intervals": dict.fromkeys(point)}
    draws = [
        attack_figures(
            members[rng.integers(0, members.size, members.size)],
            nonmembers[rng.integers(0, nonmembers.size, nonmembers.size)],
        )
        for _ in range(replicates)
    ]
    names = list(point)
    bounds = centred_intervals([point[n] for n in names], np.array([[d[n] for n in names] for d in draws]))
    return {**point, "intervals": dict(zip(names, bounds, strict=True))}


def _share_interval(
    values: Sequence[float], counts: Sequence[int], replicates: int, rng: np.random.Generator
) -> tuple[float, list[float] | None]:
    """Bootstrap interval of the mean of per-row values in [0, 1], given how many rows hold each value.

    The rows are rebuilt sorted by value (``np.repeat``), so the resampled means depend on the
    counts only, never on the order an engine met the rows in. Returns (mean, interval or None).
    """
    indicator = np.repeat(np.asarray(values, dtype=np.float64), np.asarray(counts, dtype=np.int64))
    mean = float(indicator.mean()) if indicator.size else 0.0
    if replicates <= 0 or indicator.size == 0:
        return mean, None
    draws = np.array([indicator[rng.integers(0, indicator.size, indicator.size)].mean() for _ in range(replicates)])
    return mean, centred_intervals([mean], draws[:, None])[0]


def _quantiles(values: np.ndarray) -> dict[str, float]:
    return {f"p{int(q * 100):02d}": float(np.quantile(values, q)) for q in DCR_QUANTILES}


@dataclass(frozen=True)
class TargetDraw:
    """Positions (0-based, in each side's row order) of the target samples, in draw order.

    ``extra_train``: training rows beyond the train sample that the rarity attack takes as
    members (``rarity_sizes``), none unless the holdout sample is the smaller.
    """

    per_side: int
    train: np.ndarray
    holdout: np.ndarray | None
    extra_train: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))


def draw_targets(n_real: int, n_holdout: int | None, dcr_sample: int, rng: np.random.Generator) -> TargetDraw:
    """Draw the target samples: ``rng.choice(n, per_side, replace=False)`` on train, then on holdout.

    With a holdout (``n_holdout`` > 0) per_side = min(n_real, n_holdout, dcr_sample), else
    min(n_real, dcr_sample) and no holdout draw. With a holdout, when the rarity attack takes
    more members than per_side, ``extra_train`` follows: ``rng.choice`` of that many of the
    training positions not drawn yet (ascending). These are the first calls on ``rng``; the
    bootstrap draws of ``privacy_figures`` follow on the same generator.
    """
    if n_holdout:
        per_side = min(n_real, n_holdout, dcr_sample)
        train = rng.choice(n_real, per_side, replace=False)
        holdout = rng.choice(n_holdout, per_side, replace=False)
        extra = rarity_sizes(n_real, per_side)[0] - per_side
        if extra <= 0:
            return TargetDraw(per_side, train, holdout)
        rest = np.setdiff1d(np.arange(n_real), train, assume_unique=True)
        return TargetDraw(per_side, train, holdout, rng.choice(rest, extra, replace=False))
    per_side = min(n_real, dcr_sample)
    return TargetDraw(per_side, rng.choice(n_real, per_side, replace=False), None)


def rarity_targets(
    encoder: DistanceEncoder, targets: np.ndarray, extra_codes: np.ndarray, per_side: int, n_real: int
) -> RarityTargets:
    """The rarity attack's targets (``rarity_sizes``): members = the first of the train sample,
    then the ``extra_train`` rows (``extra_codes``); non-members = the first of the holdout
    sample. ``targets``: the encoded train then holdout samples (``draw_targets`` order)."""
    members, non_members = rarity_sizes(n_real, per_side)
    drawn = min(per_side, members)
    return RarityTargets.fit(
        encoder, np.vstack([targets[:drawn], extra_codes]), targets[per_side : per_side + non_members]
    )


@dataclass(frozen=True)
class HoldoutDistances:
    """Nearest-neighbour statistics with a holdout.

    ``to_synthetic``: each target's distance to its closest synthetic row, the train sample's
    ``per_side`` rows then the holdout sample's, in draw order. ``closer_to_train``, ``tied``,
    ``closer_to_holdout``: synthetic rows whose distance to the train sample is below, equal to,
    above their distance to the holdout sample. ``rarity``: each rarity-attack target's match
    with the synthetic rows (``expectations.metrics.rarity.closest_match``), when it was asked for.
    """

    to_synthetic: np.ndarray
    closer_to_train: int
    tied: int
    closer_to_holdout: int
    rarity: np.ndarray | None = None


@dataclass(frozen=True)
class RealDistances:
    """Nearest-neighbour statistics without a holdout (real sample S).

    ``own``: each row of S's distance to the closest other row of S, in draw order.
    ``synthetic_quantiles``: the ``DCR_QUANTILES`` of the synthetic rows' distances to S (keys
    p05, p25, p50). ``close``: synthetic rows at distance ≤ ``close_threshold(own)``.
    """

    own: np.ndarray
    synthetic_quantiles: dict[str, float]
    close: int


def holdout_distances(
    synthetic_codes: np.ndarray,
    targets: np.ndarray,
    per_side: int,
    rarity: RarityTargets | None = None,
    threads: int | None = None,
) -> HoldoutDistances:
    """``HoldoutDistances`` of some synthetic rows against the stacked train and holdout samples
    (and, with ``rarity``, the rarity targets' matches with them).

    Over several parts of the synthetic rows, sum the counts and take the elementwise minimum of
    ``to_synthetic`` and ``rarity``: the result equals one call on all the rows (both are exact).
    ``threads``: the searches' threads (``expectations.metrics.parallel``).
    """
    synthetic_to, to_synthetic = nearest_neighbours(
        synthetic_codes, targets, [0, per_side, 2 * per_side], reverse=True, threads=threads
    )
    train, holdout = synthetic_to
    matches = None
    if rarity is not None:
        matches = closest_match(rarity.model, rarity.bins, rarity.model.bins(synthetic_codes), threads=threads)
    return HoldoutDistances(
        to_synthetic,
        int((train < holdout).sum()),
        int((train == holdout).sum()),
        int((train > holdout).sum()),
        matches,
    )


def own_distances(sample_codes: np.ndarray) -> np.ndarray:
    """Each sample row's distance to the closest other row of the sample (itself excluded)."""
    (own,), _ = nearest_neighbours(sample_codes, sample_codes, exclude=np.arange(len(sample_codes)))
    return own


def close_threshold(own: np.ndarray) -> float:
    """The "close" threshold without a holdout: the 5th percentile (numpy linear) of S's own distances."""
    return float(np.quantile(own, DCR_QUANTILES[0]))


def _copy_figures(copies: CopyCounts, sizes: Mapping[str, int | None], seed: int) -> dict[str, Any]:
    """The exact-copy part of the profile: counts and rates per side, and the split test (with a
    holdout) on the records the synthetic rows equal; the copy verdict reads them."""
    n_synthetic, n_real, n_holdout = int(sizes["synthetic"]), int(sizes["real"]), sizes["holdout"]
    figures: dict[str, Any] = {
        "count": copies.synthetic,
        "rate": copies.synthetic / n_synthetic,
        "unique_count": copies.synthetic_unique,
        "unique_rate": copies.synthetic_unique / n_synthetic,
        "train_repeats": copies.train_repeats,
        "train_repeat_rate": copies.train_repeats / n_real,
        "holdout_count": copies.holdout,
        "holdout_rate": None,
        "holdout_unique_count": copies.holdout_unique,
        "holdout_unique_rate": None,
        "synthetic_rows": n_synthetic,
        "holdout_rows": n_holdout,
        "train_rows": n_real,
        "split_test": None,
    }
    if n_holdout and copies.holdout is not None and copies.holdout_unique is not None:
        figures["holdout_rate"] = copies.holdout / n_holdout
        figures["holdout_unique_rate"] = copies.holdout_unique / n_holdout
        if copies.matched is not None:
            figures["split_test"] = split_test(copies.matched, seed=seed)
    return figures


#: Closeness ratios of the near-match test: a synthetic row within this share of a real record's
#: distance to its closest other real record. Below ½ that record is the row's unique nearest.
NEAR_RATIOS = (0.05, 0.1, 0.2, 0.4)


def near_match_test(
    codes: np.ndarray,
    to_synthetic: np.ndarray,
    to_reference: np.ndarray,
    members: int,
    permutations: int = SPLIT_PERMUTATIONS,
    seed: int = 0,
) -> dict[str, Any]:
    """Do the real records that a synthetic row sits unusually close to lean to the training side?

    ``codes``: 2m encoded real records, the first ``members`` from train, the rest from the
    holdout; ``to_synthetic`` / ``to_reference``: each record's distance to the closest synthetic
    row and to the closest other of the 2m. Record j is *near-matched* at ratio ρ when
    to_synthetic_j < ρ · to_reference_j: some synthetic row is far closer to it than any real
    neighbour is (an exact or near copy; for ρ < ½, by the triangle inequality, j is that row's
    unique nearest record). At each ρ of ``NEAR_RATIOS`` the statistic is

        T_ρ = Σ_j w_j · [j near-matched at ρ] · [j is a training record],  w_j = 1 / Π_k f_jk

    (f_jk: the share of the 2m records with record j's code in encoding column k), so rare
    profiles weigh most: a synthetic row that lands on a common real profile is no evidence, one
    on a rare profile is. The 2m records' train / holdout labels are exchangeable when the
    generator did not see train, so the min-p scan over the ρ (``subset_sum_p_value``,
    ``permutations`` draws seeded with ``seed``) is an exact test that needs no chosen ρ.

    Returns p_value, and per ρ the near-matched records and how many of them are training
    records (half, when nothing leaks), in ``by_ratio``.
    """
    n = len(codes)
    ratio = np.full(n, np.inf)
    positive = to_reference > 0
    ratio[positive] = to_synthetic[positive] / to_reference[positive]
    log_frequency = np.zeros(n)
    for column in np.asarray(codes, dtype=np.float64).T:
        values, inverse = np.unique(column, return_inverse=True)
        log_frequency += np.log(np.bincount(inverse, minlength=len(values))[inverse] / n)
    weights = np.zeros((n, len(NEAR_RATIOS)))
    by_ratio = []
    is_member = np.arange(n) < members
    for index, level in enumerate(NEAR_RATIOS):
        near = ratio < level
        if near.any():
            surprise = -log_frequency[near]
            weights[near, index] = np.exp(surprise - surprise.max())
        by_ratio.append({"ratio": level, "records": int(near.sum()), "training_records": int((near & is_member).sum())})
    units = weights.any(axis=1)
    rng = np.random.default_rng([seed, 0x6E656172])
    p_value = subset_sum_p_value(weights[units], n, members, weights[is_member].sum(axis=0), permutations, rng)
    return {"p_value": p_value, "by_ratio": by_ratio, "permutations": permutations}


def attack_positions(per_side: int, attack_sample: int) -> np.ndarray:
    """Positions, among the 2·per_side targets, of the attack's members and non-members: the
    first m = min(per_side, attack_sample) of each (already random) sample, members first."""
    m = min(per_side, attack_sample)
    return np.r_[np.arange(m), per_side + np.arange(m)]


def inference_positions(per_side: int, attack_sample: int) -> np.ndarray:
    """The attribute-inference targets: the first min(m, ``INFERENCE_TARGETS``) of the membership
    attack's members and of its non-members (``attack_positions``), so its cost is bounded."""
    return attack_positions(per_side, min(attack_sample, INFERENCE_TARGETS))


def _attack_part(
    distances: HoldoutDistances,
    target_codes: np.ndarray,
    settings: Mapping[str, int],
    rng: np.random.Generator,
    member_positions: np.ndarray | None = None,
    groups: Mapping[str, np.ndarray] | None = None,
    rarity: RarityTargets | None = None,
) -> dict[str, Any]:
    """The membership attacks: the distance attack on the first m targets of each sample
    (``membership_scores``) and, with ``rarity``, the rarity attack (``rarity_figures``)."""
    per_side = distances.to_synthetic.size // 2
    attack = attack_positions(per_side, int(settings["attack_sample"]))
    m = attack.size // 2
    attack_rows = target_codes[attack]
    attacked_groups = {name: labels[attack] for name, labels in (groups or {}).items()}
    (to_members, to_non_members), _ = nearest_neighbours(
        attack_rows, attack_rows, [0, m, 2 * m], exclude=np.arange(2 * m)
    )
    to_reference = np.minimum(to_members, to_non_members)
    to_synthetic = distances.to_synthetic[attack]
    scores = membership_scores(to_synthetic, to_reference)
    members, nonmembers = scores[:m], scores[m:]
    attack = _attack_with_intervals(members, nonmembers, int(settings["bootstrap_replicates"]), rng)
    ensemble = {}
    if rarity is not None and distances.rarity is not None:
        ensemble["rarity"] = rarity_figures(rarity, distances.rarity, settings, rng)
    return {
        **attack,
        **ensemble,
        "strongest": strongest_attack({"distance": attack, **ensemble}),
        "members": m,
        "non_members": m,
        "balanced_accuracy": (1.0 + attack["advantage"]) / 2.0,
        "low_fpr": low_fpr_counts(members, nonmembers),
        "advantage_p_value": advantage_p_value(members, nonmembers),
        "near_matches": near_match_test(attack_rows, to_synthetic, to_reference, m, seed=int(settings["seed"])),
        "exposure": exposure_figures(to_synthetic, to_non_members, to_reference, scores, m, member_positions),
        "by_group": group_figures(attacked_groups, scores, exposed_targets(to_synthetic, to_non_members), m),
    }


def rarity_figures(
    rarity: RarityTargets, to_synthetic: np.ndarray, settings: Mapping[str, int], rng: np.random.Generator
) -> dict[str, Any]:
    """The rarity attack (``expectations.metrics.rarity``): its scores' AUC, advantage and TPR at
    the ``LOW_FPRS`` with bootstrap intervals (as the distance attack), the counts at those FPRs,
    and the tail scan that its verdict reads. ``to_synthetic``: the targets' matches with the
    synthetic rows; their matches with the other targets are computed here."""
    to_reference = closest_match(rarity.model, rarity.bins, rarity.bins, exclude_self=True)
    scores = rarity_scores(to_reference, to_synthetic)
    members, nonmembers = scores[: rarity.members], scores[rarity.members :]
    figures = _attack_with_intervals(members, nonmembers, int(settings["bootstrap_replicates"]), rng)
    return {
        **figures,
        "members": int(members.size),
        "non_members": int(nonmembers.size),
        "low_fpr": low_fpr_counts(members, nonmembers),
        "scan": tail_scan(members, nonmembers, seed=int(settings["seed"])),
    }


def strongest_attack(attacks: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The attack with the highest TPR at the first of ``LOW_FPRS`` (then the higher AUC): the
    figure that sees a leak of a few records (Carlini et al. 2022)."""
    key = f"tpr_at_{LOW_FPRS[0]:g}_fpr"
    name = max(attacks, key=lambda a: (attacks[a][key], attacks[a]["auc"]))
    return {"attack": name, key: attacks[name][key], "auc": attacks[name]["auc"]}


#: Members and non-members a protected group needs, each, for its membership figures.
MIN_GROUP_TARGETS = 30
#: The label of the categories the encoding merges (beyond its ``top_categories``).
OTHER_GROUP = "(other categories)"


def target_groups(encoder: DistanceEncoder, codes: np.ndarray, attributes: Sequence[str]) -> dict[str, np.ndarray]:
    """Each target's group for every categorical protected attribute, read off its codes.

    The codes one-hot the ``top_categories`` most frequent real values, so the group is the kept
    value whose code is set, or ``OTHER_GROUP`` for the merged rest (missing is a value like any
    other, shown as "missing"). Read from the codes, the groups need no more of a record than the
    attack already holds, on any engine. Numeric attributes are left out.
    """
    groups = {}
    for name in attributes:
        if name not in encoder.categories:
            continue
        kept = [("missing" if value == MISSING_KEY else value) for value in encoder.categories[name]]
        block = codes[:, encoder.block(name)]
        labels = np.array([*kept, OTHER_GROUP], dtype=object)
        groups[name] = labels[np.argmax(block > 0, axis=1)]
    return groups


def group_figures(
    groups: Mapping[str, np.ndarray], scores: np.ndarray, exposed: np.ndarray, members: int
) -> list[dict[str, Any]]:
    """Membership risk per protected group: what no peer reports.

    For each group (of each attribute) with at least ``MIN_GROUP_TARGETS`` members and
    non-members among the attack's targets: the attack's AUC on the group's targets, the share
    of its members and of its non-members exposed (``exposure_figures``), and the one-sided
    Fisher p-value of "its members are exposed more often", Holm-adjusted over every group of
    every attribute (``adjusted_p``). Smaller groups are listed with their counts only.
    """
    is_member = np.arange(scores.size) < members
    rows: list[dict[str, Any]] = []
    for attribute, labels in groups.items():
        for group in sorted(set(labels.tolist())):
            chosen = labels == group
            counts = _exposed_counts(exposed, chosen, is_member)
            judged = counts["members"] >= MIN_GROUP_TARGETS and counts["non_members"] >= MIN_GROUP_TARGETS
            auc = attack_figures(scores[chosen & is_member], scores[chosen & ~is_member])["auc"] if judged else None
            rows.append({"attribute": attribute, "group": group, "judged": judged, "auc": auc, **counts})
    judged_rows = [r for r in rows if r["judged"]]
    for row, adjusted in zip(judged_rows, holm([r["p_value"] for r in judged_rows]), strict=True):
        row["adjusted_p"] = adjusted
    for row in rows:
        row.setdefault("adjusted_p", None)
        if not row["judged"]:
            row["p_value"] = None
    return rows


#: The most isolated share of the targets (farthest from their closest other real record) whose
#: exposure and attack are reported apart: the outliers where risk concentrates.
ISOLATED_SHARE = 0.10
#: How many of the most exposed training records are listed (by row position, never by value).
EXPOSED_LISTED = 20


def exposed_targets(to_synthetic: np.ndarray, to_non_members: np.ndarray) -> np.ndarray:
    """Whether each target is exposed: a synthetic row lies closer to it than any holdout target."""
    return to_synthetic < to_non_members


def _exposed_counts(exposed: np.ndarray, chosen: np.ndarray, is_member: np.ndarray) -> dict[str, Any]:
    """Members and non-members among ``chosen``, how many of each are exposed, the exposure rates
    with exact two-sided 95% (Clopper–Pearson) intervals, and the one-sided Fisher p-value of
    "members are exposed more often"."""
    members, non_members = chosen & is_member, chosen & ~is_member
    k1, n1, k0, n0 = (
        int((exposed & members).sum()),
        int(members.sum()),
        int((exposed & non_members).sum()),
        int(non_members.sum()),
    )
    return {
        "members": n1,
        "non_members": n0,
        "members_exposed": k1,
        "non_members_exposed": k0,
        "member_rate": k1 / n1 if n1 else None,
        "non_member_rate": k0 / n0 if n0 else None,
        "member_interval": list(clopper_pearson(k1, n1, 0.975)) if n1 else None,
        "non_member_interval": list(clopper_pearson(k0, n0, 0.975)) if n0 else None,
        "p_value": excess_rate_p_value(k1, n1, k0, n0),
    }


def exposure_figures(
    to_synthetic: np.ndarray,
    to_non_members: np.ndarray,
    to_reference: np.ndarray,
    scores: np.ndarray,
    members: int,
    member_positions: np.ndarray | None,
) -> dict[str, Any]:
    """The most exposed records: real records a synthetic row lies closer to than any holdout record does.

    Of the 2m attack targets (the first ``members`` train, the rest holdout), record j is
    *exposed* when to_synthetic_j < to_non_members_j, its distance to the closest holdout target
    (itself excluded): the generator put a row nearer to it than any record it never saw lies.
    A holdout record measured against the other m − 1 holdout records is exposed a little more
    easily than a training record against all m, so comparing the two rates errs on the safe
    side. Reported for all targets and for the ``ISOLATED_SHARE`` most isolated (largest
    ``to_reference``, the distance to the closest other target; chosen by value, so whichever are
    members), where the membership AUC is given too: outliers are where memorisation shows first
    (Meeus et al. 2023, "Achilles' heels"). ``listed``: the row positions in the training data
    (``member_positions``, the members' positions in draw order) of up to ``EXPOSED_LISTED``
    exposed training records, the most exposed first (smallest to_synthetic / to_non_members),
    never their values.
    """
    is_member = np.arange(to_synthetic.size) < members
    exposed = exposed_targets(to_synthetic, to_non_members)
    everyone = np.ones(to_synthetic.size, dtype=bool)
    isolated = to_reference >= np.quantile(to_reference, 1.0 - ISOLATED_SHARE)
    isolated_figures = _exposed_counts(exposed, isolated, is_member)
    inside = scores[isolated & is_member], scores[isolated & ~is_member]
    isolated_figures["auc"] = attack_figures(*inside)["auc"] if all(part.size for part in inside) else None
    listed: list[int] = []
    if member_positions is not None:
        candidates = np.flatnonzero(exposed[:members])
        # An exposed target's holdout distance exceeds its synthetic one, so it is positive.
        closeness = to_synthetic[candidates] / to_non_members[candidates]
        order = candidates[np.lexsort((member_positions[candidates], closeness))]
        listed = [int(member_positions[i]) for i in order[:EXPOSED_LISTED]]
    return {
        "all": _exposed_counts(exposed, everyone, is_member),
        "isolated": {**isolated_figures, "share": ISOLATED_SHARE},
        "listed": listed,
    }


def privacy_figures(
    *,
    sizes: Mapping[str, int | None],
    encoding_width: int,
    copies: CopyCounts,
    distances: HoldoutDistances | RealDistances,
    target_codes: np.ndarray | None,
    settings: Mapping[str, int],
    rng: np.random.Generator,
    inference: Mapping[str, InferenceTallies] | None = None,
    train_positions: np.ndarray | None = None,
    groups: Mapping[str, np.ndarray] | None = None,
    rarity: RarityTargets | None = None,
    linkability: tuple[LinkTallies, tuple[list[str], list[str]]] | None = None,
) -> dict[str, Any]:
    """The privacy profile from engine-neutral statistics (see the module docstring for definitions).

    ``sizes``: rows of ``real``, ``synthetic`` and ``holdout`` (None without one); ``copies``:
    ``CopyCounts``; ``distances``: ``HoldoutDistances`` with a holdout, else ``RealDistances``;
    ``target_codes``: the encoded train then holdout samples (``draw_targets`` order; with a
    holdout); ``rng``: the generator right after ``draw_targets`` (bootstrap draws: attack
    intervals, the share interval, then each secret's risk interval); ``inference``: per secret
    column the ``InferenceTallies`` of the inference targets (``inference_positions``; with a
    holdout and secrets named), whose figures (``inference_figures``) form ``inference``;
    ``rarity``: the rarity attack's targets (``rarity_targets``), whose matches with the synthetic
    rows ride in ``distances.rarity`` (with a holdout); ``linkability``: the ``LinkTallies`` of
    the inference targets and the two parties' columns (``link_split``; with a holdout), whose
    figures (``linkability_figures``) form ``linkability``.

    Figures: copy rates = counts / rows of their side; attack scores ``membership_scores`` of the
    first m targets of each sample; DCR share = (closer_to_train + ½ tied) / n_synthetic;
    close_share = close / n_synthetic; score = 1 − advantage with a holdout, else
    1 − max(0, close_share − 0.05) / 0.95 (intervals mapped through the same formulas).
    The verdicts' tests (``expectations.metrics.verdicts.privacy``) read these figures.
    """
    n_synthetic = int(sizes["synthetic"])
    profile: dict[str, Any] = {
        "sample_sizes": dict(sizes),
        "encoding_width": encoding_width,
        "exact_copies": _copy_figures(copies, sizes, int(settings["seed"])),
        "settings": dict(settings),
    }
    replicates = int(settings["bootstrap_replicates"])
    if isinstance(distances, HoldoutDistances):
        if target_codes is None:
            raise ValueError("the membership attack needs the target samples' codes")
        per_side = distances.to_synthetic.size // 2
        attack = _attack_part(distances, target_codes, settings, rng, train_positions, groups, rarity)
        profile["attack"] = attack
        share, interval = _share_interval(
            (0.0, 0.5, 1.0), (distances.closer_to_holdout, distances.tied, distances.closer_to_train), replicates, rng
        )
        profile["dcr_share"] = {
            "share": share,
            "interval": interval,
            "closer_to_train": distances.closer_to_train,
            "tied": distances.tied,
            "closer_to_holdout": distances.closer_to_holdout,
            "train_rows": per_side,
            "holdout_rows": per_side,
            "synthetic_rows": n_synthetic,
        }
        # Attribute inference and linkability share their targets.
        attacked = inference_positions(per_side, int(settings["attack_sample"]))
        if inference is not None:
            profile["inference"] = {
                "secrets": [
                    inference_figures(
                        secret,
                        tallies,
                        target_codes[attacked],
                        attacked.size // 2,
                        replicates,
                        rng,
                        int(settings["seed"]),
                    )
                    for secret, tallies in inference.items()
                ],
                "tolerance": INFERENCE_TOLERANCE,
            }
        if linkability is not None:
            tallies, split = linkability
            profile["linkability"] = linkability_figures(
                tallies, split, target_codes[attacked], attacked.size // 2, replicates, rng, int(settings["seed"])
            )
        profile["score"] = 1.0 - attack["advantage"]
        advantage_bounds = attack["intervals"]["advantage"]
        profile["interval"] = [1.0 - advantage_bounds[1], 1.0 - advantage_bounds[0]] if advantage_bounds else None
        return profile

    close_share, interval = _share_interval(
        (0.0, 1.0), (n_synthetic - distances.close, distances.close), replicates, rng
    )
    profile["dcr_profile"] = {
        "synthetic": dict(distances.synthetic_quantiles),
        "real": _quantiles(distances.own),
        "threshold_p05": close_threshold(distances.own),
        "close_share": close_share,
        "close_count": distances.close,
        "interval": interval,
        "real_rows": distances.own.size,
        "synthetic_rows": n_synthetic,
    }
    profile["score"] = 1.0 - max(0.0, close_share - 0.05) / 0.95
    profile["interval"] = [1.0 - max(0.0, b - 0.05) / 0.95 for b in reversed(interval)] if interval else None
    return profile


def audit_settings(
    attack_sample: int, dcr_sample: int, top_categories: int, bootstrap_replicates: int, seed: int
) -> dict[str, int]:
    """The settings a profile echoes (and ``privacy_figures`` reads)."""
    return {
        "attack_sample": attack_sample,
        "dcr_sample": dcr_sample,
        "top_categories": top_categories,
        "bootstrap_replicates": bootstrap_replicates,
        "seed": seed,
    }


def check_sizes(n_real: int, n_synthetic: int, n_holdout: int | None, dcr_sample: int) -> None:
    """Raise ``AuditDataError`` for inputs no profile can be computed from (both engines call this)."""
    for side, rows in (("real", n_real), ("synthetic", n_synthetic)):
        if rows == 0:
            raise AuditDataError(f"the {side} data has no rows")
    if not n_holdout and min(n_real, dcr_sample) < 2:
        raise AuditDataError(
            "without a holdout the distance check needs a real sample of at least 2 rows (real rows and dcr_sample)"
        )


def privacy_profile(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    *,
    columns: Sequence[str] | None = None,
    attack_sample: int = 5_000,
    dcr_sample: int = 10_000,
    top_categories: int = 20,
    bootstrap_replicates: int = 200,
    seed: int = 0,
    secret_columns: Sequence[str] | None = None,
    protected_attributes: Sequence[str] | None = None,
    link_columns: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Exact copies, DCR share, membership attack (with a holdout) or DCR profile (without one).

    Parameters
    ----------
    real, synthetic : the generator's training data and its output.
    holdout : real rows the generator never saw; needed for the attack and the DCR share.
    columns : audit columns; default every column of ``real`` present in ``synthetic``.
    attack_sample : members and non-members each, at most (m = min(n_train, n_holdout, this)).
    dcr_sample : rows of train and of holdout (each, at most) the synthetic rows are compared
        with for the DCR share; without a holdout, the rows of the real sample S the synthetic
        rows are compared with and whose own neighbour distances (within S) form the reference.
        Every synthetic row is always compared, never sampled.
    top_categories : one-hot categories kept per categorical column (the rest are "other").
    bootstrap_replicates : bootstrap replicates behind the 95% intervals (0: none).
    seed : seed of every sample and bootstrap draw.
    secret_columns : audit columns an attacker who knows the others tries to infer
        (``expectations.metrics.inference``); with a holdout, each gets its ``inference`` figures.
    protected_attributes : with a holdout, the attack's figures per group of each categorical one
        (``attack.by_group``).
    link_columns : the columns one party holds in the linkability attack
        (``expectations.metrics.linkability``; the other holds the rest); default the first half
        of the audit columns. With a holdout and two or more audit columns, ``linkability``.

    Returns
    -------
    dict with ``sample_sizes``, ``exact_copies`` (rate, holdout rate, counts), and either
    ``attack`` (auc, advantage, tpr_at_0.01_fpr, tpr_at_0.001_fpr, intervals, members,
    non_members), ``dcr_share`` (share, interval, rows compared) and, with secrets named,
    ``inference`` (per secret: success rates, risk, interval, p-value), or ``dcr_profile``
    (synthetic and real quantiles, close_share, interval) when there is no holdout; and
    ``score``, the privacy module score: 1 − advantage with a holdout, else
    1 − max(0, close_share − 0.05) / 0.95. Only aggregates (``privacy_figures``).
    """
    if columns is None:
        columns = [c for c in real.columns if c in synthetic.columns]
    if not columns:
        raise AuditDataError("no audit columns: real and synthetic data share no column")
    with_holdout = holdout is not None and len(holdout) > 0
    n_holdout = len(holdout) if with_holdout else None
    check_sizes(len(real), len(synthetic), n_holdout, dcr_sample)
    secrets = check_secrets(columns, secret_columns or ())
    split = link_split(columns, link_columns or ())
    rng = np.random.default_rng(seed)
    reference = pd.concat([real[columns], holdout[columns]], ignore_index=True) if with_holdout else real[columns]
    encoder = DistanceEncoder.fit(reference, columns, top_categories)

    train_values = canonical_values(real, columns)
    train_keys, synthetic_keys = hash_rows(train_values), row_keys(synthetic, columns)
    holdout_keys = matched = None
    if with_holdout:
        holdout_values = canonical_values(holdout, columns)
        holdout_keys = hash_rows(holdout_values)
        pool_values = pd.concat([train_values, holdout_values], ignore_index=True)
        matched = matched_records(pool_values, np.concatenate([train_keys, holdout_keys]), len(real), synthetic_keys)
    copies = replace(copy_counts(train_keys, synthetic_keys, holdout_keys), matched=matched)
    synthetic_codes = encoder.transform(synthetic)
    draw = draw_targets(len(real), n_holdout, dcr_sample, rng)
    train_codes = encoder.transform(real.iloc[draw.train])
    targets = inference = rarity = linkability = None
    if with_holdout:
        targets = np.vstack([train_codes, encoder.transform(holdout.iloc[draw.holdout])])
        extra_codes = encoder.transform(real.iloc[draw.extra_train])
        rarity = rarity_targets(encoder, targets, extra_codes, draw.per_side, len(real))
        distances: HoldoutDistances | RealDistances = holdout_distances(synthetic_codes, targets, draw.per_side, rarity)
        if secrets:
            attack = inference_positions(draw.per_side, attack_sample)
            m = attack.size // 2
            attacked = pd.concat([real.iloc[draw.train[:m]][columns], holdout.iloc[draw.holdout[:m]][columns]])
            inference = tallies_by_secret(
                encoder,
                secrets,
                targets[attack],
                secret_values(attacked, secrets, encoder),
                synthetic_codes,
                secret_values(synthetic, secrets, encoder),
            )
        if split is not None:
            attack = inference_positions(draw.per_side, attack_sample)
            linkability = link_tallies(targets[attack], synthetic_codes, *split_masks(encoder, split)), split
    else:
        own = own_distances(train_codes)
        (synthetic_to_sample,), _ = nearest_neighbours(synthetic_codes, train_codes)
        distances = RealDistances(
            own, _quantiles(synthetic_to_sample), int((synthetic_to_sample <= close_threshold(own)).sum())
        )
    return privacy_figures(
        sizes={"real": len(real), "synthetic": len(synthetic), "holdout": n_holdout},
        encoding_width=encoder.width,
        copies=copies,
        distances=distances,
        target_codes=targets,
        settings=audit_settings(attack_sample, dcr_sample, top_categories, bootstrap_replicates, seed),
        rng=rng,
        inference=inference,
        train_positions=draw.train,
        groups=target_groups(encoder, targets, protected_attributes or ()) if targets is not None else None,
        rarity=rarity,
        linkability=linkability,
    )
