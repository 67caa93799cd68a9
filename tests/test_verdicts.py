"""The tests behind the verdicts: each against its reference library or a direct computation,
and each verdict's level and power on data whose truth is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint

from auditing.gate import gate_verdict
from expectations.metrics.membership import LOW_FPRS, advantage_p_value, low_fpr_counts
from expectations.metrics.significance import (
    MIN_EXPECTED,
    clopper_pearson,
    empirical_epsilon,
    excess_rate_p_value,
    expected_null_tvd,
    holm,
    homogeneity_p_value,
    log_ratio_p_value,
    rate_change_p_value,
)
from expectations.metrics.verdicts.fairness import representation_verdict
from expectations.metrics.verdicts.privacy import copy_verdict, detectable_leak, membership_verdict


@pytest.mark.parametrize(("k", "n"), [(0, 50), (3, 50), (25, 50), (50, 50), (7, 1000)])
def test_clopper_pearson_equals_statsmodels_beta_interval(k, n):
    confidence = 0.975
    low, high = proportion_confint(k, n, alpha=2 * (1 - confidence), method="beta")
    assert clopper_pearson(k, n, confidence) == pytest.approx((low, high), abs=1e-12)


def test_holm_equals_statsmodels():
    p = np.random.default_rng(3).uniform(0, 0.2, 17)
    assert holm(p) == pytest.approx(multipletests(p, method="holm")[1].tolist(), abs=1e-12)


def test_excess_rate_without_margin_is_fishers_exact_test():
    expected = stats.fisher_exact([[25, 75], [16, 84]], alternative="greater").pvalue
    assert excess_rate_p_value(25, 100, 16, 100) == pytest.approx(expected, abs=1e-15)


def test_excess_rate_with_margin_is_the_agresti_caffo_wald_test():
    p1, p0 = 26 / 102, 17 / 102
    z = (p1 - p0 - 0.02) / np.sqrt(p1 * (1 - p1) / 102 + p0 * (1 - p0) / 102)
    assert excess_rate_p_value(25, 100, 16, 100, 0.02) == pytest.approx(stats.norm.sf(z), abs=1e-15)


def test_homogeneity_equals_scipy_when_no_cell_is_sparse():
    a, b = np.array([120, 80, 60, 40]), np.array([100, 95, 50, 55])
    expected = stats.chi2_contingency(np.vstack([a, b]), correction=False).pvalue
    assert homogeneity_p_value(a, b) == pytest.approx(expected, abs=1e-15)


def test_homogeneity_merges_sparse_cells_into_one():
    a, b = np.array([300, 200, 1, 2, 0, 1]), np.array([150, 100, 0, 1, 1, 0])
    # Cells 3-6 pooled hold 6 rows: 6 × 1/3 = 2 expected on the smaller side < 5, so they merge
    # with the next smallest (cell 2) into one "rest" cell: 2 cells remain.
    merged_a, merged_b = np.array([300, 204]), np.array([150, 102])
    expected = stats.chi2_contingency(np.vstack([merged_a, merged_b]), correction=False).pvalue
    assert MIN_EXPECTED == 5.0
    assert homogeneity_p_value(a, b) == pytest.approx(expected, abs=1e-15)


def test_expected_null_tvd_equals_the_multinomial_mean():
    rng = np.random.default_rng(0)
    p = rng.random(40) ** 3
    p /= p.sum()
    direct = np.mean(
        [0.5 * np.abs(rng.multinomial(800, p) / 800 - rng.multinomial(400, p) / 400).sum() for _ in range(4000)]
    )
    assert expected_null_tvd(p, 800, 400, np.random.default_rng(1), draws=400) == pytest.approx(direct, rel=0.02)


def test_log_ratio_is_not_significant_inside_the_band_and_is_outside_it():
    assert log_ratio_p_value(100, 1000, 200, 2000, 0.8, 1.25) > 0.5
    assert log_ratio_p_value(20, 1000, 200, 2000, 0.8, 1.25) < 1e-6


def test_log_ratio_equals_the_delta_method_formula():
    s1, s0 = 20.5 / 1000.5, 200.5 / 2000.5
    se = np.sqrt((1 - s1) / 20.5 + (1 - s0) / 200.5)
    z = (np.log(0.8) - (np.log(s1) - np.log(s0))) / se
    assert log_ratio_p_value(20, 1000, 200, 2000, 0.8, 1.25) == pytest.approx(2 * stats.norm.sf(z), rel=1e-12)


def test_rate_change_is_twice_the_smaller_one_sided_fisher_p():
    down = stats.fisher_exact([[10, 90], [30, 70]], alternative="less").pvalue
    assert rate_change_p_value(10, 100, 30, 100, 0.0) == pytest.approx(2 * down, rel=1e-12)


def test_low_fpr_counts_and_epsilon_equal_a_direct_computation():
    rng = np.random.default_rng(11)
    members, nonmembers = rng.normal(0.3, 1, 2000), rng.normal(0, 1, 2000)
    counts = low_fpr_counts(members, nonmembers)
    for level in LOW_FPRS:
        # Direct: every threshold t (score ≥ t is "member"); the best TPR among FPR ≤ level.
        thresholds = np.unique(np.r_[members, nonmembers])
        fp = np.array([(nonmembers >= t).sum() for t in thresholds])
        tp = np.array([(members >= t).sum() for t in thresholds])
        allowed = fp <= level * nonmembers.size
        assert counts[f"{level:g}"] == {"tp": int(tp[allowed].max()), "fp": int(fp[allowed][np.argmax(tp[allowed])])}
        c = counts[f"{level:g}"]
        tpr_low = stats.beta.ppf(0.01, c["tp"], 2000 - c["tp"] + 1)
        fpr_high = stats.beta.ppf(0.99, c["fp"] + 1, 2000 - c["fp"])
        assert empirical_epsilon(c["tp"], 2000, c["fp"], 2000, 0.99) == pytest.approx(np.log(tpr_low / fpr_high))


def _copies(count, unique, holdout, holdout_unique, n=1000):
    return {
        "count": count,
        "rate": count / n,
        "unique_count": unique,
        "unique_rate": unique / n,
        "holdout_count": holdout,
        "holdout_rate": holdout / n,
        "holdout_unique_count": holdout_unique,
        "holdout_unique_rate": holdout_unique / n,
        "synthetic_rows": n,
        "holdout_rows": n,
        "train_rows": 2 * n,
        "train_repeats": 0,
        "train_repeat_rate": 0.0,
    }


def test_copies_are_judged_against_the_real_datas_own_repeat_rate():
    # 16% of real rows repeat a training row: 16% in the synthetic rows is no leak.
    assert copy_verdict(_copies(160, 20, 162, 21), 0.01, 0.0)["passes"]
    # Natural repeats are mostly common profiles (0.5% of holdout rows match a record unique in
    # train); 2% more rows copied from train, most of them unique records, stand out there.
    assert copy_verdict(_copies(160, 6, 162, 5), 0.01, 0.0)["passes"]
    judged = copy_verdict(_copies(180, 23, 162, 5), 0.01, 0.0)
    assert not judged["passes"]
    assert judged["message"].startswith("copies 18.00% of rows vs 16.20% in real data")


def _attack(members, nonmembers):
    return {
        "members": members.size,
        "non_members": nonmembers.size,
        "low_fpr": low_fpr_counts(members, nonmembers),
        "advantage": float(np.max(stats.ks_2samp(nonmembers, members, alternative="greater").statistic)),
        "advantage_p_value": advantage_p_value(members, nonmembers),
    }


def test_membership_verdict_holds_its_level_on_exchangeable_scores():
    rng = np.random.default_rng(0)
    false_alarms = sum(
        not membership_verdict(_attack(rng.normal(size=1000), rng.normal(size=1000)), 0.01, 0.0, 0.1)["passes"]
        for _ in range(300)
    )
    assert false_alarms <= 3  # level 0.01: 3 expected at most; the Bonferroni bounds make it rarer


def test_membership_verdict_sees_five_percent_of_records_singled_out():
    rng = np.random.default_rng(1)
    detected = 0
    for _ in range(50):
        members = rng.normal(size=1000)
        members[:50] = 10.0  # 5% of the members sit on a synthetic row
        detected += not membership_verdict(_attack(members, rng.normal(size=1000)), 0.01, 0.0, 0.1)["passes"]
    assert detected >= 48
    assert len(LOW_FPRS) == 2


def test_a_dropped_group_is_judged_even_below_the_minimum_size():
    rows = [
        {"group": "a", "pooled_size": 1800, "pooled_share": 0.9, "synthetic_size": 990, "synthetic_share": 990 / 1010},
        {"group": "b", "pooled_size": 200, "pooled_share": 0.1, "synthetic_size": 20, "synthetic_share": 20 / 1010},
    ]
    judged = representation_verdict([{"attribute": "g", "groups": rows}], 0.01, 1.25, 30)
    assert not judged["passes"] and judged["failing"] == ["g"]
    assert "g = b makes up 2.0% of synthetic rows vs 10.0% of real (ratio 0.20" in judged["message"]


def test_the_gate_fails_on_critical_by_default_and_on_warnings_in_strict_mode():
    results = [
        {"type": "a", "severity": "critical", "success": True},
        {"type": "b", "severity": "warning", "success": False},
    ]
    assert gate_verdict(results)["passed"] and gate_verdict(results)["failed_warning"] == ["b"]
    assert not gate_verdict(results, "warning")["passed"]
    errored = [{"type": "c", "severity": "warning", "success": False, "error": "the metric failed"}]
    assert not gate_verdict(errored)["passed"]
    with pytest.raises(ValueError, match="fail_on must be one of critical, warning"):
        gate_verdict(results, "info")


def test_the_detectable_leak_is_found_with_about_95_percent_power():
    n, unique_share, base, alpha = 1000, 0.8, 0.05, 0.01
    copies = {
        **_copies(0, 0, 0, int(base * n), n),
        "train_rows": 2 * n,
        "train_repeats": int((1 - unique_share) * 2 * n),
    }
    leak = detectable_leak(copies, alpha)
    rng = np.random.default_rng(7)

    def found(share: float) -> float:
        hits = 0
        for _ in range(400):
            held = rng.binomial(n, base)
            synthetic = rng.binomial(n, base + share * (unique_share - base))
            hits += min(1.0, 2 * excess_rate_p_value(synthetic, n, held, n)) < alpha
        return hits / 400

    assert 0.9 <= found(leak) <= 1.0
    assert found(leak / 2) < 0.8  # a leak half that size is mostly missed: the figure is not loose


def test_values_off_a_discrete_columns_grid_fail_the_column_and_fresh_ones_do_not():
    from expectations.metrics.fidelity import GRID_MAX_VALUES, fidelity_profile, grid_counts
    from expectations.metrics.verdicts.fidelity import OFF_GRID, column_shapes_verdict

    rng = np.random.default_rng(5)

    def people(n: int) -> pd.DataFrame:
        return pd.DataFrame({"children": rng.integers(0, 6, n).astype(float), "income": rng.normal(50, 10, n)})

    train, holdout, fresh = people(2000), people(1000), people(1000)
    nudged = fresh.copy()
    nudged.loc[:99, "children"] *= 1.001  # 10% of rows a hair off the grid: a near-copy's signature
    expected = {"values": 6, "train_singles": 0, "train_present": 2000}
    grid = grid_counts({"real": train["children"].to_numpy(), "synthetic": nudged["children"].to_numpy()})
    zeros = int((nudged.loc[:99, "children"] == 0).sum())  # 0 × 1.001 is still on the grid
    assert grid == {**expected, "synthetic_off": 100 - zeros, "synthetic_present": 1000}
    assert grid_counts({"real": train["income"].to_numpy()}) is None  # continuous: more than 50 values
    assert GRID_MAX_VALUES == 50
    for synthetic, fails in ((fresh, False), (nudged, True)):
        shapes = fidelity_profile(train, synthetic, holdout, bootstrap_replicates=0)["column_shapes"]
        judged = column_shapes_verdict(shapes, 0.01, 0.03)
        assert judged["passes"] is not fails
        assert (OFF_GRID.format(column="children") in judged["failing"]) is fails


def test_the_detectable_rate_change_is_found_with_about_95_percent_power():
    from expectations.metrics.significance import detectable_rate_change

    rate, n1, n0, level = 0.2, 300, 900, 0.01 / 6
    change = detectable_rate_change(rate, n1, n0, level)
    rng = np.random.default_rng(11)

    def found(delta: float) -> float:
        hits = sum(
            rate_change_p_value(rng.binomial(n1, rate - delta), n1, rng.binomial(n0, rate), n0, 0.0) < level
            for _ in range(400)
        )
        return hits / 400

    assert 0.9 <= found(change) <= 1.0
    assert found(change / 2) < 0.5  # half of it is mostly missed: the figure is not loose
