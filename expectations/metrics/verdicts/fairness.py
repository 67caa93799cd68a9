"""Fairness verdicts: outcomes and representation of each group against the real data's.

Groups are judged one by one, so that the max − min of noisy small-group rates never decides:

- parity (information, a warning at most): the synthetic demographic parity difference against
  ``max_dpd``, with the real data's own DPD beside it. A generator that copies a biased
  population faithfully inherits its gap; that is worth knowing, not the generator's fault.
- the real reference is train ∪ holdout where the holdout is there (``pooled_*`` of the profile:
  a fresh real sample estimates the population better than train alone).
- amplification (outcomes distorted): per group of at least ``min_group_size`` rows on both
  sides, the synthetic positive rate against the real one, two-sided, beyond ``max_rate_change``
  (``rate_change_p_value``); and per grouping the gap between the groups with the highest and
  the lowest *real* rate (chosen on the real data, so not re-selected on noise), synthetic gap −
  real gap, one-sided beyond ``max_amplification`` (z-test, binomial variances). Holm over every
  test of every grouping. Each rate test also says the smallest change it would find with 95%
  power at the family's strictest level (``detectable_rate_change``): the blind spot of a pass.
- representation: per group whose real size and expected synthetic size (synthetic rows × real
  share) both reach ``min_group_size`` — a group the generator dropped is still judged — its
  synthetic share over its real share outside [1 / band, band] (``log_ratio_p_value``). Holm
  over every group of every grouping.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

from expectations.metrics.significance import (
    detectable_rate_change,
    format_p,
    holm,
    log_ratio_p_value,
    rate_change_p_value,
)
from expectations.metrics.verdicts import Verdict, verdict


def _groups_with_rates(grouping: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        row
        for row in grouping["groups"]
        if row["eligible"] and row.get("pooled_positives") is not None and row.get("synthetic_positives") is not None
    ]


def _gap_test(rows: list[dict[str, Any]], margin: float) -> tuple[float, float, str, str] | None:
    """(widening, p-value, high group, low group) of the real data's widest gap, or None."""
    if len(rows) < 2:
        return None
    high = max(rows, key=lambda r: (r["pooled_rate"], r["group"]))
    low = min(rows, key=lambda r: (r["pooled_rate"], r["group"]))
    if high is low:
        return None
    widening = (high["synthetic_rate"] - low["synthetic_rate"]) - (high["pooled_rate"] - low["pooled_rate"])
    variance = sum(
        r[f"{side}_rate"] * (1 - r[f"{side}_rate"]) / r[f"{side}_size"]
        for r in (high, low)
        for side in ("pooled", "synthetic")
    )
    se = float(np.sqrt(variance))
    p_value = float(stats.norm.sf((widening - margin) / se)) if se > 0 else float(widening <= margin)
    return widening, p_value, high["group"], low["group"]


def _family(tests: list[dict[str, Any]], alpha: float) -> tuple[list[dict[str, Any]], list[str]]:
    """Holm over the tests; returns them with ``adjusted_p`` / ``fails`` and the failing groupings."""
    for test, adjusted in zip(tests, holm([t["p_value"] for t in tests]), strict=True):
        test["adjusted_p"] = adjusted
        test["fails"] = bool(adjusted < alpha)
    failing = list(dict.fromkeys(t["grouping"] for t in tests if t["fails"]))
    return tests, failing


def parity_verdict(groupings: Sequence[dict[str, Any]], alpha: float, max_dpd: float) -> Verdict:
    """The synthetic DPD against ``max_dpd``, the real DPD beside it (see the module docstring)."""
    judged = [g for g in groupings if g.get("dpd_synthetic") is not None]
    over = [g["attribute"] for g in judged if g["dpd_synthetic"] > max_dpd]
    worst = max(judged, key=lambda g: g["dpd_synthetic"], default=None)
    if worst is None:
        message = "no grouping has two groups large enough to compare"
    else:
        real = worst.get("dpd_real")
        message = f"largest DPD {worst['attribute']} {worst['dpd_synthetic']:.3f} synthetic" + (
            f" vs {real:.3f} real" if real is not None else ""
        )
        if over and real is not None and real > max_dpd:
            message += " (the real data's own gap: inherited, not made by the generator)"
    return verdict(
        not over,
        test=f"synthetic DPD at most {max_dpd:g} (information: the real DPD is shown beside it)",
        alpha=alpha,
        margin=max_dpd,
        p_value=None,
        observed=None if worst is None else worst["dpd_synthetic"],
        reference=None if worst is None else worst.get("dpd_real"),
        message=message,
        failing=over,
    )


def amplification_verdict(
    groupings: Sequence[dict[str, Any]], alpha: float, max_amplification: float, max_rate_change: float
) -> Verdict:
    """Group positive rates and the widest real gap against the real data (see the module docstring)."""
    tests: list[dict[str, Any]] = []
    for g in groupings:
        rows = _groups_with_rates(g)
        for row in rows:
            p_value = rate_change_p_value(
                row["synthetic_positives"],
                row["synthetic_size"],
                row["pooled_positives"],
                row["pooled_size"],
                max_rate_change,
            )
            change = row["synthetic_rate"] - row["pooled_rate"]
            tests.append(
                {
                    "grouping": g["attribute"],
                    "kind": "rate",
                    "group": row["group"],
                    "change": change,
                    "p_value": p_value,
                    "reference_rate": row["pooled_rate"],
                    "sizes": (row["synthetic_size"], row["pooled_size"]),
                    "text": f"positive rate of {g['attribute']} = {row['group']} {row['synthetic_rate']:.3f} synthetic "
                    f"vs {row['pooled_rate']:.3f} real ({100 * change:+.1f} points",
                }
            )
        gap = _gap_test(rows, max_amplification)
        if gap is not None:
            widening, p_value, high, low = gap
            tests.append(
                {
                    "grouping": g["attribute"],
                    "kind": "gap",
                    "group": f"{high} vs {low}",
                    "change": widening,
                    "p_value": p_value,
                    "text": f"gap {g['attribute']} {high} vs {low} {widening:+.3f} wider than real (DPD "
                    f"{_maybe(g.get('dpd_synthetic'))} synthetic vs {_maybe(g.get('dpd_real'))} real",
                }
            )
    tests, failing = _family(tests, alpha)
    # The smallest change each group's test would see with 95% power at the family's strictest
    # (Holm's first) level: what "no distortion found" can vouch for at these sizes.
    for test in tests:
        if test["kind"] == "rate":
            size, reference_size = test.pop("sizes")
            test["detectable_change"] = detectable_rate_change(
                test.pop("reference_rate"), size, reference_size, alpha / len(tests), max_rate_change
            )
    unseen = max((t for t in tests if t["kind"] == "rate"), key=lambda t: t["detectable_change"], default=None)
    blind_spot = (
        f"; a change below about ±{100 * unseen['detectable_change']:.1f} points in "
        f"{unseen['grouping']} = {unseen['group']} is not seen at these sizes"
        if unseen is not None
        else ""
    )
    return _group_verdict(
        tests,
        failing,
        alpha,
        max_rate_change,
        "outcome",
        f"per group: two-sided test of the synthetic vs real positive rate beyond {max_rate_change:g}; per grouping: "
        f"one-sided z-test of the widening of the real data's widest gap beyond {max_amplification:g}; Holm over all",
        blind_spot,
    )


def representation_verdict(
    groupings: Sequence[dict[str, Any]], alpha: float, band: float, min_group_size: int
) -> Verdict:
    """Each group's synthetic share against its real share (see the module docstring)."""
    tests: list[dict[str, Any]] = []
    for g in groupings:
        rows = g["groups"]
        n_real = sum(r["pooled_size"] for r in rows)
        n_synthetic = sum(r["synthetic_size"] for r in rows)
        for row in rows:
            reference_size = row["pooled_size"]
            if reference_size < min_group_size or row["pooled_share"] * n_synthetic < min_group_size:
                continue
            ratio = row["synthetic_share"] / row["pooled_share"]
            tests.append(
                {
                    "grouping": g["attribute"],
                    "kind": "share",
                    "group": row["group"],
                    "change": ratio,
                    "p_value": log_ratio_p_value(
                        row["synthetic_size"], n_synthetic, reference_size, n_real, 1 / band, band
                    ),
                    "text": f"{g['attribute']} = {row['group']} makes up {100 * row['synthetic_share']:.1f}% of "
                    f"synthetic rows vs {100 * row['pooled_share']:.1f}% of real (ratio {ratio:.2f}",
                }
            )
    tests, failing = _family(tests, alpha)
    return _group_verdict(
        tests,
        failing,
        alpha,
        band,
        "group share",
        f"per group: two-sided test that the synthetic / real share ratio lies outside {1 / band:g}–{band:g} "
        "(log ratio, delta method); Holm over every group of every grouping",
    )


def _maybe(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _group_verdict(
    tests: list[dict[str, Any]],
    failing: list[str],
    alpha: float,
    margin: float,
    what: str,
    test: str,
    blind_spot: str = "",
) -> Verdict:
    fails = [t for t in tests if t["fails"]]
    worst = min(fails or tests, key=lambda t: t["adjusted_p"], default=None)
    if worst is None:
        message = "no group large enough to judge"
    else:
        stated = f"{worst['text']}, {format_p(worst['adjusted_p'])} Holm-adjusted)"
        message = (
            f"{len(fails)} {what} test(s) of {len(tests)} fail; worst: {stated}"
            if fails
            else f"no {what} differs from the real data beyond the margin; closest: {stated}{blind_spot}"
        )
    return verdict(
        not failing,
        test=test,
        alpha=alpha,
        margin=margin,
        p_value=None if worst is None else worst["adjusted_p"],
        observed=None if worst is None else worst["change"],
        reference=None,
        message=message,
        failing=failing,
        tests=[{k: v for k, v in t.items() if k != "text"} for t in tests],
    )
