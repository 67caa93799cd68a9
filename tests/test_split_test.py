"""The permutation tests of privacy, the split test of exact copies and the near-match test:
their p-values against exact hypergeometric tails, their counts against a direct computation,
their level on exchangeable labels and their power on copies."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from expectations.metrics.copies import (
    MatchedRecords,
    canonical_values,
    hash_rows,
    matched_records,
    row_keys,
    split_test,
)
from expectations.metrics.privacy import privacy_profile
from expectations.metrics.significance import subset_sum_p_value
from expectations.metrics.verdicts.privacy import copy_verdict


@pytest.mark.parametrize(("units", "population", "drawn", "observed"), [(3, 9, 6, 3), (5, 30, 20, 4), (8, 40, 10, 5)])
def test_subset_sum_of_ones_is_the_hypergeometric_tail(units, population, drawn, observed):
    exact = stats.hypergeom(population, units, drawn).sf(observed - 1)
    p = subset_sum_p_value(np.ones(units), population, drawn, float(observed), 19_999, np.random.default_rng(1))
    assert p == pytest.approx(exact, abs=0.01)


@pytest.mark.parametrize(("few_patterns", "few_units"), [(64, 512), (0, 512), (0, 0)], ids=["patterns", "keys", "loop"])
def test_every_way_of_drawing_subsets_draws_the_enumerated_distribution(monkeypatch, few_patterns, few_units):
    """The sums of two statistics over random 5-subsets of 10 units (6 non-zero, two of them
    equal), whichever of the three ways draws them, against all 252 subsets."""
    from itertools import combinations

    import expectations.metrics.significance as significance

    monkeypatch.setattr(significance, "_FEW_PATTERNS", few_patterns)
    monkeypatch.setattr(significance, "_FEW_UNITS", few_units)
    values = np.array([[1.0, 0.0], [1.0, 0.0], [0.5, 1.0], [0.25, 1.0], [0.0, 2.0], [3.0, 0.5]])
    padded = np.vstack([values, np.zeros((4, 2))])
    exact = np.array([padded[list(subset)].sum(axis=0) for subset in combinations(range(10), 5)])
    drawn = significance._random_subset_sums(values, 10, 5, 40_000, np.random.default_rng(3))
    support, exact_counts = np.unique(exact, axis=0, return_counts=True)
    seen, seen_counts = np.unique(drawn, axis=0, return_counts=True)
    assert np.array_equal(seen, support)
    assert np.abs(seen_counts / 40_000 - exact_counts / len(exact)).max() < 0.005


def _population(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """40% of the rows from 40 common profiles (natural repeats), the rest with a unique number."""
    common = rng.integers(0, 40, n)
    rare = rng.random(n) < 0.6
    return pd.DataFrame(
        {
            "kind": np.where(rare, "rare", "common"),
            "code": np.where(rare, rng.integers(0, 10**9, n), common).astype(float),
            "flag": np.where(rare, rng.choice(["a", "b"], n), "a"),
        }
    )


def _matched(train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame) -> MatchedRecords:
    """``matched_records`` as ``privacy_profile`` gathers them (pool = train then holdout)."""
    columns = list(train.columns)
    train_values, holdout_values = canonical_values(train, columns), canonical_values(holdout, columns)
    pool = pd.concat([train_values, holdout_values], ignore_index=True)
    keys = np.concatenate([hash_rows(train_values), hash_rows(holdout_values)])
    return matched_records(pool, keys, len(train), row_keys(synthetic, columns))


def test_matched_records_count_pool_train_and_synthetic_rows_directly():
    rng = np.random.default_rng(0)
    train, holdout = _population(300, rng), _population(150, rng)
    synthetic = pd.concat([_population(140, rng), train.iloc[:10]], ignore_index=True)
    matched = _matched(train, holdout, synthetic)
    pool_rows = [tuple(r) for r in pd.concat([train, holdout]).astype(str).to_numpy()]
    train_rows = pool_rows[: len(train)]
    expected = sorted(
        (pool_rows.count(record), train_rows.count(record), count)
        for record, count in pd.Series([tuple(r) for r in synthetic.astype(str).to_numpy()]).value_counts().items()
        if record in pool_rows
    )
    assert sorted(zip(matched.pool_count, matched.train_count, matched.synthetic_count, strict=True)) == expected
    assert (matched.pool_rows, matched.train_rows) == (450, 300)
    # value_counts: pool rows sharing each matched record's value, column by column.
    first = matched.sorted()
    assert first.value_counts.shape == (len(expected), 3)
    assert first.value_counts.min() >= 1 and first.value_counts.max() <= 450


def _split_p(seed: int, copies: int) -> float:
    rng = np.random.default_rng(seed)
    population = _population(1_500, rng)
    train, holdout, fresh = population.iloc[:600], population.iloc[600:900], population.iloc[900:1_200]
    synthetic = pd.concat([fresh.iloc[copies:], train.sample(copies, random_state=seed)], ignore_index=True)
    profile = privacy_profile(train, synthetic, holdout, bootstrap_replicates=0, dcr_sample=300)
    return profile["exact_copies"]["split_test"]["p_value"]


def test_split_test_holds_its_level_on_fresh_samples():
    p_values = np.array([_split_p(seed, 0) for seed in range(60)])
    assert (p_values < 0.05).sum() <= 8  # 3 expected at level 0.05; 8 is past the 99.5th percentile
    assert (p_values < 0.01).sum() <= 3


def test_split_test_sees_a_small_leak_through_natural_repeats():
    # 35 of 300 synthetic rows copied, ~21 of them rare; 40% of fresh rows equal a training row
    # anyway. A copy of a record unique in the pool is evidence ln(3 / 2) (train is 2 / 3 of the
    # pool), so level 0.01 / 3 needs about 15 such copies.
    assert sum(_split_p(seed, 35) < 0.01 / 3 for seed in range(20)) >= 17
    assert sum(_split_p(seed, 10) < 0.01 / 3 for seed in range(20)) <= 4  # ~6 rare copies: below what it can see


def test_copy_verdict_uses_the_split_test_only_without_a_margin():
    copies = {
        "count": 160, "rate": 0.16, "unique_count": 20, "unique_rate": 0.02,
        "holdout_count": 162, "holdout_rate": 0.162, "holdout_unique_count": 21, "holdout_unique_rate": 0.021,
        "synthetic_rows": 1000, "holdout_rows": 1000, "train_rows": 2000, "train_repeats": 0,
        "train_repeat_rate": 0.0,
        "split_test": {"p_value": 0.0005, "statistic": 3.0, "expected": 2.0, "records": 50, "permutations": 1999},
    }  # fmt: skip
    judged = copy_verdict(copies, 0.01, 0.0)
    assert not judged["passes"] and judged["p_value"] == pytest.approx(0.0015)
    assert "split test over the 50 real records synthetic rows equal" in judged["message"]
    assert "random train / holdout split makes them?) p < 0.001" in judged["message"]
    assert copy_verdict(copies, 0.01, 0.01)["passes"]  # a tolerated excess: the rate tests alone


def test_split_test_does_not_depend_on_the_order_records_arrive_in():
    """Engines gather the matched records in their own order; the p-value is the same."""
    rng = np.random.default_rng(5)
    train, holdout = _population(400, rng), _population(200, rng)
    synthetic = pd.concat([_population(150, rng), train.iloc[:60]], ignore_index=True)
    matched = _matched(train, holdout, synthetic)
    order = rng.permutation(len(matched.pool_count))
    shuffled = type(matched)(
        matched.pool_count[order],
        matched.train_count[order],
        matched.synthetic_count[order],
        matched.value_counts[order],
        matched.pool_rows,
        matched.train_rows,
    )
    assert split_test(shuffled) == split_test(matched)
    assert split_test(matched)["p_value"] < 0.01
    empty = _matched(train, holdout, _population(5, rng).assign(kind="unseen"))
    assert split_test(empty)["p_value"] == 1.0 and split_test(empty)["records"] == 0


def _near_p(seed: int, copied: int) -> float:
    """Near-match p-value: 300 members, 300 non-members, 300 synthetic rows, ``copied`` of them
    near-copies of members. Half the records share 12 discrete profiles (natural exact matches)."""
    from expectations.metrics.membership import near_match_test
    from expectations.metrics.neighbours import nearest_neighbours

    rng = np.random.default_rng(seed)

    def draw(n: int) -> np.ndarray:
        rows = rng.random((n, 4))
        common = rng.random(n) < 0.5
        rows[common] = np.round(rows[common] * 2) / 2  # 3 levels on 4 columns: few profiles
        return rows

    records, synthetic = draw(600), draw(300)
    synthetic[:copied] = records[:copied] + rng.normal(0, 0.002, (copied, 4))
    (to_reference,), _ = nearest_neighbours(records, records, exclude=np.arange(600))
    _, to_synthetic = nearest_neighbours(synthetic, records, reverse=True)
    return near_match_test(records, to_synthetic, to_reference, 300, permutations=999)["p_value"]


def test_near_match_test_holds_its_level_and_sees_near_copies():
    p_values = np.array([_near_p(seed, 0) for seed in range(40)])
    assert (p_values < 0.05).sum() <= 6  # 2 expected at level 0.05
    # 10% of rows near-copied, about 15 of them of rare records: each is evidence ln 2.
    assert sum(_near_p(seed, 30) < 0.01 for seed in range(10)) >= 9


def test_split_test_equals_the_enumerated_permutation_distribution():
    """Statistic, null mean and p-value against every split of a pool of 9 rows into 6 train."""
    from itertools import combinations

    # 4 matched records: pool rows per record, train rows, synthetic rows, per-column value counts.
    pool_count, train_count, synthetic_count = np.array([1, 1, 2, 3]), np.array([1, 1, 1, 2]), np.array([1, 2, 1, 1])
    value_counts = np.array([[1, 2], [2, 1], [2, 3], [3, 3]])
    matched = MatchedRecords(pool_count, train_count, synthetic_count, value_counts, 9, 6)
    n = 9
    frequency = np.maximum((pool_count - 1) / (n - 1), value_counts.prod(axis=1) / n**2)
    weight = synthetic_count / frequency
    weight = weight / weight.max()
    units = np.repeat(weight, pool_count)  # the 7 pool rows of matched records; 2 more weigh 0
    values = np.r_[units, 0.0, 0.0]
    observed = float(weight @ train_count)
    sums = np.array([values[list(split)].sum() for split in combinations(range(n), 6)])
    exact = float(np.mean(sums >= observed - 1e-12))
    result = split_test(matched, permutations=19_999)
    assert result["statistic"] == pytest.approx(observed, rel=1e-12)
    assert result["expected"] == pytest.approx(sums.mean(), rel=1e-12)
    assert result["p_value"] == pytest.approx(exact, abs=0.01)
    assert result["records"] == 4


def test_near_match_counts_equal_a_direct_count():
    from expectations.metrics.membership import NEAR_RATIOS, near_match_test

    rng = np.random.default_rng(2)
    codes = rng.random((40, 3))
    to_reference = rng.uniform(0.1, 1.0, 40)
    to_synthetic = to_reference * rng.uniform(0.0, 0.6, 40)
    to_reference[0] = 0.0  # a record with a real twin is never near-matched
    result = near_match_test(codes, to_synthetic, to_reference, 20, permutations=99)
    for row, level in zip(result["by_ratio"], NEAR_RATIOS, strict=True):
        near = (to_reference > 0) & (to_synthetic < level * to_reference)
        assert (row["ratio"], row["records"], row["training_records"]) == (level, near.sum(), near[:20].sum())


def test_the_min_p_scan_with_ties_broken_holds_its_level():
    """On exchangeable labels (the observed subset itself a random one) the scan over 3 nested
    statistics rejects at 10% about 10% of the time, ties in the smallest p-value broken by the next."""
    rng = np.random.default_rng(11)
    p_values = []
    for _ in range(400):
        weights = rng.exponential(size=40)
        values = np.column_stack([weights * (weights > t) for t in (0.0, 1.0, 2.0)])
        chosen = rng.permutation(100)[:50]
        padded = np.vstack([values, np.zeros((60, 3))])
        observed = padded[chosen].sum(axis=0)
        p_values.append(subset_sum_p_value(values, 100, 50, observed, 99, rng))
    rejected = np.mean(np.array(p_values) <= 0.1)
    assert stats.binomtest(int(rejected * 400), 400, 0.1).pvalue > 0.001, rejected


@pytest.mark.parametrize(("units", "population", "drawn"), [(50, 1000, 500), (300, 2000, 1000), (10, 100, 50)])
def test_the_bernstein_shortcut_never_claims_more_than_the_exact_tail(units, population, drawn):
    from expectations.metrics.significance import subset_sum_tail_bound

    for observed in range(units * drawn // population, units + 1):
        exact = stats.hypergeom(population, units, drawn).sf(observed - 1)
        bound = subset_sum_tail_bound(np.ones((units, 1)), population, drawn, np.array([float(observed)]))
        assert bound >= exact
