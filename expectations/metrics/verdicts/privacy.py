"""Privacy verdicts: exact copies beyond the real data's own, membership at low FPR, DCR share.

Each judges a part of ``expectations.metrics.privacy.privacy_profile`` (see its docstring for
the figures) against the reference real data gives:

- exact copies: the synthetic rows' copy rate against the holdout rows' (the share of fresh
  real records that equal a training record anyway), one-sided, excess over ``margin``
  (``excess_rate_p_value``); twice, for copies of any training row and for copies of a training
  row that is unique in train (natural duplicates are mostly common profiles, copied records
  mostly unique ones, so the second sees a small leak through a large natural rate); and, at
  margin 0, the split test (``expectations.metrics.copies.split_test``): are the real records
  the synthetic rows equal training records more often than a random split of train ∪ holdout
  gives, rare records weighing most (exact, by permutation). Bonferroni over the two or three.
  Without a holdout the reference is the training rows' own repeat rate (a
  training row against the other n − 1: the leave-one-out split of the real data, matched in
  size to a synthetic row against n training rows).
- membership: at each of ``LOW_FPRS``, the empirical ε lower bound ln(TPR_lb / FPR_ub) with
  Clopper–Pearson bounds must not exceed ``max_epsilon``; the advantage (max TPR − FPR) must
  not be both above ``max_advantage`` and significant (one-sided KS); and the near-match test
  (``expectations.metrics.membership.near_match_test``: do the real records a synthetic row sits
  far closer to than any real neighbour lean to train, rare profiles weighing most?) must not
  be significant; nor the rarity attack's tail scan (``expectations.metrics.rarity.tail_scan``:
  do more training records than a random relabelling explains match a synthetic row more
  closely, on rarer values, than any of the first holdout records do?). Bonferroni over the
  K = |LOW_FPRS| + 3 sub-tests of the ensemble: each bound at confidence 1 − α / 2K, the KS,
  near-match and rarity tests at α / K.
- attribute inference: per secret column, the permutation scan of
  ``expectations.metrics.inference.inference_figures`` (do the synthetic rows reveal training
  records' secrets more often than holdout records'?) must not be both significant and with a
  risk above ``max_risk``; Bonferroni over the secrets.
- linkability: the same scan on the linkability attack's successes
  (``expectations.metrics.linkability``: do the synthetic rows link the two halves of training
  records more often than of holdout records?), failing when significant with a risk above
  ``max_risk`` in a scanned share.
- DCR share: synthetic rows closer to the train sample than to the holdout sample (ties left
  out) tested one-sided against ``max_share`` (exact binomial).
- too-close share (no holdout): synthetic rows within the 5th percentile of the real sample's
  own neighbour distances, one-sided exact binomial against ``max_share``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats

from expectations.metrics.significance import empirical_epsilon, excess_rate_p_value, format_p
from expectations.metrics.verdicts import Verdict, verdict


def _points(value: float) -> str:
    return f"{100 * value:+.1f} points"


def copy_verdict(copies: dict[str, Any], alpha: float, margin: float) -> Verdict:
    """Exact copies beyond the reference rate, and the split test (see the module docstring)."""
    n_synthetic = copies["synthetic_rows"]
    split = copies.get("split_test")
    if copies["holdout_rate"] is not None:
        n_holdout = copies["holdout_rows"]
        p_values = [
            excess_rate_p_value(copies["count"], n_synthetic, copies["holdout_count"], n_holdout, margin),
            excess_rate_p_value(copies["unique_count"], n_synthetic, copies["holdout_unique_count"], n_holdout, margin),
        ]
        # The split test has no margin: it asks whether any copying shows, so it joins only at margin 0.
        with_split = split is not None and margin == 0
        if with_split:
            p_values.append(split["p_value"])
        p_value = min(1.0, len(p_values) * min(p_values))
        reference, where = copies["holdout_rate"], "in real data (holdout rows equal to a training row)"
        unique = (
            f"; of records unique in train {100 * copies['unique_rate']:.2f}% vs "
            f"{100 * copies['holdout_unique_rate']:.2f}%"
        )
        if with_split and split["records"]:
            unique += (
                f"; split test over the {split['records']:,} real records synthetic rows equal (training "
                f"records more often than a random train / holdout split makes them?) {format_p(split['p_value'])}"
            )
        test = (
            "one-sided Fisher exact test (Agresti–Caffo z with a margin) of the synthetic vs holdout copy rate, "
            "all copies and copies of records unique in train"
            + (
                ", and the split test (permutation of train / holdout labels, rare records weighing most)"
                if with_split
                else ""
            )
            + f"; Bonferroni over the {len(p_values)}"
        )
    else:
        p_value = excess_rate_p_value(
            copies["count"], n_synthetic, copies["train_repeats"], copies["train_rows"], margin
        )
        reference, where = copies["train_repeat_rate"], "in real data (training rows equal to another training row)"
        unique = ""
        test = "one-sided Fisher exact test (Agresti–Caffo z with a margin) of the synthetic copy rate vs train's own"
    excess = copies["rate"] - reference
    passes = p_value >= alpha
    leak = detectable_leak(copies, alpha)
    message = (
        f"copies {100 * copies['rate']:.2f}% of rows vs {100 * reference:.2f}% {where} "
        f"({_points(excess)}, {format_p(p_value)}){unique}"
        + (
            f"; the rate tests miss a leak below about {100 * leak:.1f}% of rows at these sizes"
            if leak is not None
            else ""
        )
    )
    return verdict(
        passes,
        test=test,
        alpha=alpha,
        margin=margin,
        p_value=p_value,
        observed=copies["rate"],
        reference=reference,
        message=message,
        excess=excess,
        detectable_leak=leak,
        split_p_value=None if split is None else split["p_value"],
    )


def membership_verdict(attack: dict[str, Any], alpha: float, max_epsilon: float, max_advantage: float) -> Verdict:
    """TPR at low FPR against FPR (empirical ε), a significant advantage and the near-match test
    (see the module docstring)."""
    levels = attack["low_fpr"]
    near = attack.get("near_matches")
    rarity = attack.get("rarity")
    k = len(levels) + 1 + (near is not None) + (rarity is not None)
    confidence = 1.0 - alpha / (2 * k)
    epsilons = {
        level: empirical_epsilon(c["tp"], attack["members"], c["fp"], attack["non_members"], confidence)
        for level, c in levels.items()
    }
    worst_level = max(epsilons, key=lambda level: epsilons[level])
    epsilon = epsilons[worst_level]
    epsilon_fails = epsilon > max_epsilon
    advantage_fails = attack["advantage"] > max_advantage and attack["advantage_p_value"] < alpha / k
    near_fails = near is not None and near["p_value"] < alpha / k
    rarity_fails = rarity is not None and rarity["scan"]["p_value"] < alpha / k
    counts = levels[worst_level]
    tpr, fpr = counts["tp"] / attack["members"], counts["fp"] / attack["non_members"]
    eps_text = "ε lower bound −∞" if epsilon == float("-inf") else f"ε lower bound {epsilon:.2f}"
    message = (
        f"TPR {100 * tpr:.1f}% at FPR {100 * fpr:.2f}% (level {float(worst_level):.1%}; {eps_text}, "
        f"limit {max_epsilon:g}); advantage {attack['advantage']:.3f} (limit {max_advantage:g}, "
        f"KS {format_p(attack['advantage_p_value'])})"
        + (_near_text(near) if near is not None else "")
        + (_rarity_text(rarity) if rarity is not None else "")
    )
    return verdict(
        not (epsilon_fails or advantage_fails or near_fails or rarity_fails),
        test=(
            "empirical ε = ln(TPR lower / FPR upper Clopper–Pearson bound) at each low FPR, a one-sided "
            "KS test of the advantage"
            + (", the near-match test (permutation of member / non-member labels)" if near is not None else "")
            + (
                ", the rarity attack's tail scan (permutation of member / non-member labels)"
                if rarity is not None
                else ""
            )
            + f"; Bonferroni over {k} sub-tests"
        ),
        alpha=alpha,
        margin=max_epsilon,
        p_value=attack["advantage_p_value"],
        observed=None if epsilon == float("-inf") else epsilon,  # -inf: no attack beat chance; JSON has no -inf
        reference=0.0,
        message=message,
        epsilons={k_: (None if v == float("-inf") else v) for k_, v in epsilons.items()},
        epsilon_fails=bool(epsilon_fails),
        advantage_fails=bool(advantage_fails),
        near_match_fails=bool(near_fails),
        near_match_p_value=None if near is None else near["p_value"],
        rarity_fails=bool(rarity_fails),
        rarity_p_value=None if rarity is None else rarity["scan"]["p_value"],
    )


def _near_text(near: dict[str, Any]) -> str:
    """The near-match figure that says most: the ratio whose training share is furthest above half."""
    shown = max(near["by_ratio"], key=lambda r: (r["training_records"] - r["records"] / 2, -r["ratio"]))
    if not shown["records"]:
        return f"; no real record has a synthetic row far closer than its real neighbours ({format_p(near['p_value'])})"
    return (
        f"; near matches: {shown['training_records']:,} of the {shown['records']:,} real records with a synthetic "
        f"row within {shown['ratio']:g}× their real neighbour distance are training records (half expected; "
        f"scan over {len(near['by_ratio'])} ratios {format_p(near['p_value'])})"
    )


def _rarity_text(rarity: dict[str, Any]) -> str:
    """The rarity scan's level where the training records stand out most (the widest TPR − FPR)."""
    scan = rarity["scan"]
    if not scan["levels"]:
        return ""
    shown = max(scan["levels"], key=lambda level: (level["tpr"] - level["fpr"], -level["false_positives"]))
    return (
        f"; rarity attack: {shown['true_positives']:,} of {rarity['members']:,} training records match a "
        f"synthetic row more closely, on rarer values, than all but {shown['false_positives']:,} of "
        f"{rarity['non_members']:,} holdout records (TPR {100 * shown['tpr']:.1f}% at FPR "
        f"{100 * shown['fpr']:.2f}%; scan over {len(scan['levels'])} levels {format_p(scan['p_value'])})"
    )


def inference_verdict(inference: dict[str, Any], alpha: float, max_risk: float) -> Verdict:
    """Attribute inference per secret column (see the module docstring)."""
    secrets = inference["secrets"]
    level = alpha / max(len(secrets), 1)
    # The scan may find the leak among the most confident targets only: the margin applies to the
    # highest risk over the scanned shares, not to the all-target risk that dilutes it.
    failing = [s["secret"] for s in secrets if s["p_value"] < level and _peak_risk(s) > max_risk]
    worst = min(secrets, key=lambda s: (s["p_value"], -(s["risk"] or 0.0)), default=None)
    message = "no secret column" if worst is None else "; ".join(_inference_text(s) for s in secrets)
    return verdict(
        not failing,
        test=(
            "per secret column: exact permutation scan of the training targets' guessing success against the "
            "holdout targets' (all targets, and the most confident quarter and twentieth), failing when "
            f"significant with a risk above the margin in one of them; Bonferroni over the {len(secrets)}"
        ),
        alpha=alpha,
        margin=max_risk,
        p_value=None if worst is None else min(1.0, worst["p_value"] * len(secrets)),
        # The figure Data Docs calls the highest risk: the largest over the secrets.
        observed=max((s["risk"] for s in secrets if s["risk"] is not None), default=None),
        reference=0.0,
        message=message,
        failing=failing,
    )


def linkability_verdict(linkability: dict[str, Any], alpha: float, max_risk: float) -> Verdict:
    """Linkability of the two parties' columns (see the module docstring)."""
    fails = linkability["p_value"] < alpha and _peak_risk(linkability) > max_risk
    risk = "—" if linkability["risk"] is None else f"{linkability['risk']:.3f}"
    message = (
        f"links the two halves ({len(linkability['link_columns'])} + {len(linkability['other_columns'])} columns) "
        f"of {100 * linkability['train_success']:.2f}% of training records vs "
        f"{100 * linkability['control_success']:.2f}% of holdout records (risk {risk})"
        + _widest_share_text(linkability)
        + f" (scan {format_p(linkability['p_value'])})"
    )
    return verdict(
        not fails,
        test=(
            "exact permutation scan of the training targets' linking success against the holdout targets' (all "
            "targets, and the most confident quarter and twentieth), failing when significant with a risk above "
            "the margin in one of them"
        ),
        alpha=alpha,
        margin=max_risk,
        p_value=linkability["p_value"],
        observed=linkability["risk"],
        reference=0.0,
        message=message,
    )


def _widest_share_text(figures: dict[str, Any]) -> str:
    """The scanned share (below all targets) whose success gap is widest, as a clause ("" if none)."""
    shares = [c for c in figures["confident"] if c["share"] < 1.0 and c["train_success"] is not None]
    shares = [c for c in shares if c["control_success"] is not None]
    if not shares:
        return ""
    widest = max(shares, key=lambda c: c["train_success"] - c["control_success"])
    return (
        f"; on the {100 * widest['share']:g}% of targets with the closest synthetic match "
        f"{100 * widest['train_success']:.1f}% vs {100 * widest['control_success']:.1f}%"
    )


def _peak_risk(secret: dict[str, Any]) -> float:
    """The highest risk among the scanned shares of targets (−∞ where none is defined)."""
    return max((c["risk"] for c in secret["confident"] if c["risk"] is not None), default=float("-inf"))


def _inference_text(secret: dict[str, Any]) -> str:
    """One secret's comparison, with the scanned share whose success gap is widest."""
    risk = "—" if secret["risk"] is None else f"{secret['risk']:.3f}"
    text = (
        f"{secret['secret']}: guessed for {100 * secret['train_success']:.1f}% of training records vs "
        f"{100 * secret['control_success']:.1f}% of holdout records (risk {risk})"
    )
    return text + _widest_share_text(secret) + f" (scan {format_p(secret['p_value'])})"


def _share_verdict(
    count: int, trials: int, share: float, max_share: float, alpha: float, what: str, test: str
) -> Verdict:
    p_value = float(stats.binomtest(count, trials, max_share, alternative="greater").pvalue) if trials else 1.0
    message = f"{what} {share:.3f} vs at most {max_share:g} ({format_p(p_value)})"
    return verdict(
        p_value >= alpha,
        test=test,
        alpha=alpha,
        margin=max_share,
        p_value=p_value,
        observed=share,
        reference=max_share,
        message=message,
    )


def dcr_share_verdict(dcr: dict[str, Any], alpha: float, max_share: float) -> Verdict:
    """Closer-to-train share against ``max_share``, one-sided exact binomial, ties left out."""
    trials = dcr["closer_to_train"] + dcr["closer_to_holdout"]
    return _share_verdict(
        dcr["closer_to_train"],
        trials,
        dcr["share"],
        max_share,
        alpha,
        "closer to training than to holdout:",
        "one-sided exact binomial test of the closer-to-train share (ties left out) against the limit",
    )


def close_share_verdict(profile: dict[str, Any], alpha: float, max_share: float) -> Verdict:
    """Too-close share (no holdout) against ``max_share``, one-sided exact binomial."""
    return _share_verdict(
        profile["close_count"],
        profile["synthetic_rows"],
        profile["close_share"],
        max_share,
        alpha,
        "too close to the real data:",
        "one-sided exact binomial test of the too-close share against the limit",
    )


def detectable_leak(copies: dict[str, Any], alpha: float, power: float = 0.95) -> float | None:
    """About the smallest share L of synthetic rows copied from train that the unique-copy test
    finds with ``power`` at level α / 2.

    A copied row lands on a record unique in train with chance u (the share of unique training
    rows) and displaces a row that matched one with chance p₀ (the holdout's rate, at least
    1 / n_holdout), so the unique-copy rate rises by L(u − p₀) to p₁. L solves
    L(u − p₀) = z₁₋α/₄ √(p₀(1 − p₀)(1/n_s + 1/n_h)) + z_power √(p₁(1 − p₁)/n_s + p₀(1 − p₀)/n_h)
    (normal approximation, a few fixed-point steps); None without a holdout, 1 when no leak can
    be seen. Real data with many natural repeats (few distinct profiles) hide small leaks: this
    says how small.
    """
    if copies["holdout_rate"] is None:
        return None
    n_synthetic, n_holdout, n_train = copies["synthetic_rows"], copies["holdout_rows"], copies["train_rows"]
    base = max(copies["holdout_unique_rate"], 1.0 / n_holdout)
    gain = (n_train - copies["train_repeats"]) / n_train - base
    if gain <= 0:
        return 1.0
    null_spread = np.sqrt(base * (1 - base) * (1 / n_synthetic + 1 / n_holdout))
    z_alpha, z_power = stats.norm.ppf(1 - alpha / 4), stats.norm.ppf(power)
    leak = 0.0
    for _ in range(20):
        raised = min(base + leak * gain, 1.0)
        spread = np.sqrt(raised * (1 - raised) / n_synthetic + base * (1 - base) / n_holdout)
        leak = (z_alpha * null_spread + z_power * spread) / gain
    return float(min(1.0, leak))
