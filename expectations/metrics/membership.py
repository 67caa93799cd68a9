"""Membership inference: the attacks' scores, their figures and the near-match test.

Pure numpy/scipy; no Great Expectations or pyspark import. Definitions (DESIGN §4 "Privacy"):

- the distance attack (black box): ``m = min(per_side, attack_sample)`` members, the first m
  rows of the train sample, and m non-members, the first m of the holdout sample
  (``attack_positions``); score = −(d_syn + ε) / (d_ref + ε), the distance to the closest
  synthetic row over the distance to the closest other of the 2m targets (``membership_scores``).
- every attack's figures (``attack_figures``): ROC AUC (0.5 = chance), advantage = max over
  thresholds of TPR − FPR (Yeom et al. 2018; best-threshold balanced accuracy = (1 + advantage) /
  2) and TPR at 1% and 0.1% FPR (Carlini et al. 2022), each with a stratified bootstrap 95%
  interval (``attack_with_intervals``); the true and false positives at those FPRs
  (``low_fpr_counts``) and the advantage's one-sided KS p-value (``advantage_p_value``), which
  the verdict reads.
- the near-match test (``near_match_test``): do the real records a synthetic row sits far closer
  to than any real neighbour lean to train, rare profiles weighing most?
- the rarity attack (``expectations.metrics.rarity``), the second member of the ensemble: the
  same figures and its tail scan (``rarity_figures``). ``strongest_attack`` names the attack
  with the higher TPR at 1% FPR.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import stats

from expectations.metrics.bootstrap import centred_intervals
from expectations.metrics.inference import INFERENCE_TARGETS
from expectations.metrics.neighbours import RATIO_EPSILON
from expectations.metrics.rarity import RarityTargets, closest_match, rarity_scores, reference_rank, tail_scan
from expectations.metrics.significance import subset_sum_p_value

#: False-positive rates at which the attack's true-positive rate is reported.
LOW_FPRS = (0.01, 0.001)


def _tie_blocks(scores: np.ndarray) -> tuple[np.ndarray, int]:
    """Each score's tie block, numbered from the highest score down, and how many blocks."""
    distinct, block = np.unique(-scores, return_inverse=True)
    return block.reshape(-1), distinct.size


def _roc_counts(member_scores: np.ndarray, nonmember_scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """True and false positives at each threshold, one per distinct score from the highest down
    (tied scores move together): the ROC curve's cumulative counts."""
    block, blocks = _tie_blocks(np.r_[member_scores, nonmember_scores])
    members = np.bincount(block[: member_scores.size], minlength=blocks)
    non_members = np.bincount(block[member_scores.size :], minlength=blocks)
    return np.cumsum(members), np.cumsum(non_members)


def _curve_figures(true_positives: np.ndarray, false_positives: np.ndarray, members: int, non_members: int) -> dict:
    """``attack_figures`` from the ROC curve's cumulative counts, one point per threshold."""
    tpr = np.r_[0.0, true_positives / members]
    fpr = np.r_[0.0, false_positives / non_members]
    figures = {"auc": float(np.trapezoid(tpr, fpr)), "advantage": float(np.max(tpr - fpr))}
    for level in LOW_FPRS:
        figures[f"tpr_at_{level:g}_fpr"] = float(tpr[fpr <= level].max())
    return figures


def attack_figures(member_scores: np.ndarray, nonmember_scores: np.ndarray) -> dict[str, float]:
    """ROC AUC, advantage (max TPR − FPR) and TPR at the ``LOW_FPRS`` of a membership score.

    Higher score = "member". The ROC curve has one point per distinct score (tied scores move
    together), as scikit-learn's ``roc_curve(..., drop_intermediate=False)``; AUC is its
    trapezoidal area, which equals ``roc_auc_score`` (ties count half).
    """
    tp, fp = _roc_counts(member_scores, nonmember_scores)
    return _curve_figures(tp, fp, member_scores.size, nonmember_scores.size)


def low_fpr_counts(member_scores: np.ndarray, nonmember_scores: np.ndarray) -> dict[str, dict[str, int]]:
    """At each of ``LOW_FPRS``: the true and false positives of the highest-TPR threshold whose FPR
    is at most the level (tied scores move together), as ``{f"{level:g}": {"tp", "fp"}}``."""
    tp, fp = (np.r_[0, counts] for counts in _roc_counts(member_scores, nonmember_scores))
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


def attack_with_intervals(
    members: np.ndarray, nonmembers: np.ndarray, replicates: int, rng: np.random.Generator
) -> dict[str, Any]:
    """Attack figures and their stratified bootstrap intervals (members and non-members resampled apart).

    A replicate's ROC curve is the original's tie blocks weighed by how often the replicate drew
    their rows (blocks it drew nothing from dropped), so each replicate costs two counts instead of
    a sort, and its figures equal ``attack_figures`` of the resampled scores bit for bit.
    """
    point = attack_figures(members, nonmembers)
    if replicates <= 0:
        return {**point, "intervals": dict.fromkeys(point)}
    block, blocks = _tie_blocks(np.r_[members, nonmembers])
    member_block, nonmember_block = block[: members.size], block[members.size :]
    draws = []
    for _ in range(replicates):
        drawn_members = np.bincount(member_block[rng.integers(0, members.size, members.size)], minlength=blocks)
        drawn_non = np.bincount(nonmember_block[rng.integers(0, nonmembers.size, nonmembers.size)], minlength=blocks)
        present = (drawn_members + drawn_non) > 0
        tp, fp = np.cumsum(drawn_members)[present], np.cumsum(drawn_non)[present]
        draws.append(_curve_figures(tp, fp, members.size, nonmembers.size))
    names = list(point)
    bounds = centred_intervals([point[n] for n in names], np.array([[d[n] for n in names] for d in draws]))
    return {**point, "intervals": dict(zip(names, bounds, strict=True))}


#: Permutations of the near-match test: p-values down to 1 / 10,000, a fifth of the level the
#: membership verdict tests it at by default (α / 5 with the check's α = 0.0025). Its min-p scan
#: over the ``NEAR_RATIOS`` breaks ties in the smallest p-value by the next smallest
#: (``significance.subset_sum_p_value``): counted as extreme, the other ratios' top draws kept a
#: leak seen at one ratio from going below about 4 / (this + 1).
NEAR_PERMUTATIONS = 9_999
#: Closeness ratios of the near-match test: a synthetic row within this share of a real record's
#: distance to its closest other real record. Below ½ that record is the row's unique nearest.
NEAR_RATIOS = (0.05, 0.1, 0.2, 0.4)


def near_match_test(
    codes: np.ndarray,
    to_synthetic: np.ndarray,
    to_reference: np.ndarray,
    members: int,
    permutations: int = NEAR_PERMUTATIONS,
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


def rarity_figures(
    rarity: RarityTargets,
    to_synthetic: np.ndarray,
    n_synthetic: int,
    settings: Mapping[str, int],
    rng: np.random.Generator,
) -> dict[str, Any]:
    """The rarity attack (``expectations.metrics.rarity``): its scores' AUC, advantage and TPR at
    the ``LOW_FPRS`` with bootstrap intervals (as the distance attack), the counts at those FPRs,
    and the tail scan that its verdict reads. ``to_synthetic``: the targets' matches with the
    ``n_synthetic`` synthetic rows; their k-th closest matches with the other targets
    (``reference_rank``, reported as ``reference_rank``) are computed here."""
    rank = reference_rank(rarity.bins.shape[0], n_synthetic)
    to_reference = closest_match(rarity.model, rarity.bins, rarity.bins, exclude_self=True, rank=rank)
    scores = rarity_scores(to_reference, to_synthetic)
    members, nonmembers = scores[: rarity.members], scores[rarity.members :]
    figures = attack_with_intervals(members, nonmembers, int(settings["bootstrap_replicates"]), rng)
    return {
        **figures,
        "members": int(members.size),
        "non_members": int(nonmembers.size),
        "reference_rank": rank,
        "low_fpr": low_fpr_counts(members, nonmembers),
        "scan": tail_scan(members, nonmembers, seed=int(settings["seed"])),
    }


def strongest_attack(attacks: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """The attack with the highest TPR at the first of ``LOW_FPRS`` (then the higher AUC): the
    figure that sees a leak of a few records (Carlini et al. 2022)."""
    key = f"tpr_at_{LOW_FPRS[0]:g}_fpr"
    name = max(attacks, key=lambda a: (attacks[a][key], attacks[a]["auc"]))
    return {"attack": name, key: attacks[name][key], "auc": attacks[name]["auc"]}
