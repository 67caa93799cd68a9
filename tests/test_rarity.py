"""The rarity attack (``expectations.metrics.rarity``): its match against a direct computation from
the definition, its independence of how rows are split, the exactness of its tail scan, and the
leak it exists to see."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from expectations.metrics.encoding import DistanceEncoder
from expectations.metrics.privacy import draw_targets, privacy_profile
from expectations.metrics.rarity import (
    RARITY_LEVELS,
    RARITY_TARGETS,
    RarityModel,
    RarityTargets,
    closest_match,
    rarity_sizes,
    reference_rank,
    tail_scan,
)
from expectations.metrics.verdicts.privacy import membership_verdict


def _frame(seed: int, n: int) -> pd.DataFrame:
    """Mixed columns with ties, a spike and missing values on both kinds."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 60, n),
            "spike": np.where(rng.random(n) < 0.7, 0.0, rng.gamma(2.0, 500.0, n).round()),
            "score": np.where(rng.random(n) < 0.1, np.nan, rng.normal(0, 1, n).round(2)),
            "city": pd.Series(rng.choice(["a", "b", "c", "d", None], n, p=[0.4, 0.3, 0.15, 0.1, 0.05]), dtype=object),
            "flag": rng.choice(["yes", "no"], n),
        }
    )


def _between_mass(target: pd.Series, other: pd.Series, targets: pd.DataFrame, numeric: set[str]) -> float:
    """Σ_j log B_j(target, other) straight from the module docstring, one pair at a time."""
    total = 0.0
    for name in targets.columns:
        column = targets[name]
        r, x = target[name], other[name]
        if name in numeric:
            if pd.isna(r) and pd.isna(x):
                share = column.isna().mean()
            elif pd.isna(r) or pd.isna(x):
                share = 1.0
            else:
                low, high = min(r, x), max(r, x)
                share = ((column >= low) & (column <= high)).mean()
        else:
            same = (pd.isna(r) and pd.isna(x)) or (not pd.isna(r) and not pd.isna(x) and r == x)
            share = (column.isna() if pd.isna(r) else column == r).mean() if same else 1.0
        total += np.log(share)
    return total


def test_closest_match_equals_the_definition():
    """Targets and other rows whose values all occur among the targets: the binning is exact, so the
    match is Σ_j log B_j computed pair by pair from the definition (float32 sums: 1e-5)."""
    targets = _frame(1, 60)
    others = targets.sample(40, random_state=2, replace=True).reset_index(drop=True)
    others = others.apply(lambda c: c.sample(frac=1.0, random_state=3).reset_index(drop=True))  # recombined
    encoder = DistanceEncoder.fit(targets, list(targets.columns))
    codes = encoder.transform(targets)
    model = RarityModel.fit(encoder, codes)
    found = closest_match(model, model.bins(codes), model.bins(encoder.transform(others)))
    numeric = set(encoder.numeric)
    for i in range(len(targets)):
        expected = min(_between_mass(targets.iloc[i], others.iloc[j], targets, numeric) for j in range(len(others)))
        assert found[i] == pytest.approx(expected, abs=1e-5)
    # Against the targets themselves, a target never matches itself.
    own = closest_match(model, model.bins(codes), model.bins(codes), exclude_self=True)
    for i in range(0, len(targets), 7):
        expected = min(
            _between_mass(targets.iloc[i], targets.iloc[j], targets, numeric) for j in range(len(targets)) if j != i
        )
        assert own[i] == pytest.approx(expected, abs=1e-5)


@pytest.mark.parametrize("rank", [2, 5])
def test_the_kth_closest_match_equals_the_kth_of_the_sorted_sums(rank):
    """``rank`` k: the k-th smallest Σ_j log B_j over the other rows, bit for bit against every
    pair's float32 sum (column order) sorted, also against the targets themselves (never
    itself), on several threads; fewer other rows than k: +inf."""
    targets, others = _frame(5, 300), _frame(6, 1_100)
    encoder = DistanceEncoder.fit(targets, list(targets.columns))
    codes = encoder.transform(targets)
    model = RarityModel.fit(encoder, codes)
    target_bins, other_bins = model.bins(codes), model.bins(encoder.transform(others))
    tables = model.log_tables(target_bins)

    def sums(bins: np.ndarray) -> np.ndarray:
        total = np.zeros((len(bins), len(target_bins)), dtype=np.float32)
        for j, table in enumerate(tables):
            total += table[bins[:, j]]
        return total

    expected = np.sort(sums(other_bins), axis=0)[rank - 1].astype(np.float64)
    assert np.array_equal(closest_match(model, target_bins, other_bins, rank=rank, threads=3), expected)
    own = sums(target_bins)
    np.fill_diagonal(own, np.inf)
    found = closest_match(model, target_bins, target_bins, exclude_self=True, rank=rank)
    assert np.array_equal(found, np.sort(own, axis=0)[rank - 1].astype(np.float64))
    assert np.isinf(closest_match(model, target_bins, other_bins[: rank - 1], rank=rank)).all()
    with pytest.raises(ValueError, match="rank must be at least 1"):
        closest_match(model, target_bins, other_bins, rank=0)


def test_the_reference_rank_matches_the_synthetic_sample_size():
    assert [reference_rank(3_000, n) for n in (1_000, 1_500, 2_000, 3_000, 100_000)] == [3, 2, 1, 1, 1]


def test_a_value_no_target_holds_counts_as_the_nearest_one():
    targets = pd.DataFrame({"x": [1.0, 2.0, 4.0, 8.0]})
    encoder = DistanceEncoder.fit(targets, ["x"])
    model = RarityModel.fit(encoder, encoder.transform(targets))
    bins = model.bins(encoder.transform(pd.DataFrame({"x": [1.1, 2.9, 3.1, 100.0, np.nan]})))
    assert bins[:, 0].tolist() == [0, 1, 2, 3, 4]  # 4 = the missing bin


@pytest.mark.parametrize("seed", [0, 1])
def test_the_minimum_over_any_split_of_the_rows_is_the_minimum_over_all(seed):
    """What lets Spark take the minimum over partitions: bit for bit, at every target block size."""
    targets, others = _frame(seed, 700), _frame(seed + 10, 1_300)
    encoder = DistanceEncoder.fit(targets, list(targets.columns))
    codes = encoder.transform(targets)
    model = RarityModel.fit(encoder, codes)
    target_bins, other_bins = model.bins(codes), model.bins(encoder.transform(others))
    whole = closest_match(model, target_bins, other_bins)
    cuts = np.sort(np.random.default_rng(seed).choice(np.arange(1, 1_300), 4, replace=False))
    parts = [closest_match(model, target_bins, part) for part in np.split(other_bins, cuts)]
    assert np.array_equal(np.minimum.reduce(parts), whole)


def _members_above_directly(members: np.ndarray, nonmembers: np.ndarray, k: int) -> int:
    kth = np.sort(nonmembers)[::-1][k - 1]
    return int((members > kth).sum())


def test_tail_scan_counts_equal_a_direct_count_with_ties():
    rng = np.random.default_rng(4)
    members = rng.integers(0, 12, 500).astype(float)  # heavy ties
    nonmembers = rng.integers(0, 12, 300).astype(float)
    scan = tail_scan(members, nonmembers, permutations=19)
    for level in scan["levels"]:
        k = level["false_positives"] + 1
        assert level["true_positives"] == _members_above_directly(members, nonmembers, k)
        assert level["tpr"] == level["true_positives"] / 500 and level["fpr"] == (k - 1) / 300
    assert [level["false_positives"] + 1 for level in scan["levels"]] == list(RARITY_LEVELS)


def test_tail_scan_is_exact_under_exchangeable_labels():
    """Scores that ignore membership: the p-value is (super-)uniform. Over 300 draws the share
    below 0.05 stays within its binomial range, and below 0.2 likewise (a one-sided check)."""
    rng = np.random.default_rng(11)
    p_values = []
    for _ in range(300):
        scores = rng.normal(size=300)
        p_values.append(
            tail_scan(scores[:200], scores[200:], permutations=99, seed=int(rng.integers(1 << 30)))["p_value"]
        )
    p_values = np.array(p_values)
    for level in (0.05, 0.2):
        upper = stats.binom.ppf(0.999, len(p_values), level) / len(p_values)
        assert (p_values <= level).mean() <= upper


def test_tail_scan_sees_a_few_records_beyond_every_non_member():
    rng = np.random.default_rng(2)
    members, nonmembers = rng.normal(size=2_000), rng.normal(size=1_000)
    members[:25] += 6.0  # 25 of 2,000 members (1.25%) singled out
    scan = tail_scan(members, nonmembers, seed=1)
    assert scan["levels"][0]["true_positives"] >= 25
    assert scan["p_value"] <= 0.002
    assert tail_scan(members[25:], nonmembers, seed=1)["p_value"] > 0.01


def test_sizes_and_the_extra_members_draw():
    assert rarity_sizes(2_000, 1_000) == (2_000, 1_000)
    assert rarity_sizes(50_000, 10_000) == (RARITY_TARGETS // 2, RARITY_TARGETS // 2)
    assert rarity_sizes(300, 300) == (300, 300)
    draw = draw_targets(2_000, 1_000, 10_000, np.random.default_rng(0))
    assert draw.extra_train.size == 1_000
    assert len(set(draw.train.tolist()) | set(draw.extra_train.tolist())) == 2_000
    # Without a need for extra members the draw is what it always was.
    plain = draw_targets(20_000, 10_000, 10_000, np.random.default_rng(0))
    rng = np.random.default_rng(0)
    assert plain.extra_train.size == 0
    assert np.array_equal(plain.train, rng.choice(20_000, 10_000, replace=False))
    assert np.array_equal(plain.holdout, rng.choice(10_000, 10_000, replace=False))


def _near_copies(rows: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Integers ±1, floats ×(1 ± 0.001), categories kept: the calibration's near-copy."""
    out = rows.copy()
    for name in out.columns:
        if pd.api.types.is_integer_dtype(out[name]):
            out[name] = out[name] + rng.choice([-1, 1], len(out))
        elif pd.api.types.is_float_dtype(out[name]):
            out[name] = out[name] * (1 + 0.001 * rng.choice([-1, 1], len(out)))
    return out


def _population(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    education = rng.integers(8, 17, n)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "education": education,
            "hours": np.where(rng.random(n) < 0.4, 40, rng.integers(10, 70, n)),
            "income": np.round(np.exp(9.5 + 0.08 * education + rng.normal(0, 0.5, n))),
            "region": rng.choice(["n", "s", "e", "w"], n),
            "job": rng.choice(["a", "b", "c", "d", "e", "f"], n, p=[0.3, 0.25, 0.2, 0.1, 0.1, 0.05]),
        }
    )


@pytest.mark.parametrize("seed", [0, 2, 4])
def test_the_membership_verdict_sees_near_copies_of_five_percent_that_the_distance_attack_misses(seed):
    """2,000 training rows, 1,000 holdout rows, a synthetic set of 1,000 fresh rows of which 5%
    are near-copies of training rows: the ensemble fails through the rarity attack while none of
    the distance attack's sub-tests does (on these seeds); the fresh set alone passes."""
    population = _population(seed, 4_000)
    train, holdout, fresh = population.iloc[:2_000], population.iloc[2_000:3_000], population.iloc[3_000:]
    rng = np.random.default_rng(seed)
    leaked = fresh.reset_index(drop=True).copy()
    copied = _near_copies(train.iloc[rng.choice(2_000, 50, replace=False)], rng).reset_index(drop=True)
    leaked.iloc[rng.choice(1_000, 50, replace=False)] = copied.to_numpy()
    leaked = leaked.astype(fresh.dtypes.to_dict())
    options = {"bootstrap_replicates": 0, "seed": seed}
    attack = privacy_profile(train, leaked, holdout, **options)["attack"]
    judged = membership_verdict(attack, 0.05, 0.0, 0.1)
    assert attack["rarity"]["members"] == 2_000 and attack["rarity"]["non_members"] == 1_000
    assert judged["rarity_fails"] and not judged["passes"]
    assert not (judged["epsilon_fails"] or judged["advantage_fails"] or judged["near_match_fails"])
    # The message's level is the one where the training records stand out most (widest TPR − FPR).
    shown = max(attack["rarity"]["scan"]["levels"], key=lambda level: level["tpr"] - level["fpr"])
    assert f"rarity attack: {shown['true_positives']:,} of 2,000 training records" in judged["message"]
    assert f"than all but {shown['false_positives']:,} of 1,000 holdout records" in judged["message"]
    # The strongest attack is the one with the higher TPR at 1% FPR.
    tprs = {"distance": attack["tpr_at_0.01_fpr"], "rarity": attack["rarity"]["tpr_at_0.01_fpr"]}
    assert attack["strongest"]["attack"] == max(tprs, key=tprs.get)
    clean = privacy_profile(train, fresh, holdout, **options)["attack"]
    assert clean["rarity"]["scan"]["p_value"] > 0.01


def test_rarity_targets_layout():
    """Members first (the train sample's first rows, then the extra ones), non-members after."""
    frame = _frame(3, 40)
    encoder = DistanceEncoder.fit(frame, list(frame.columns))
    codes = encoder.transform(frame)
    rarity = RarityTargets.fit(encoder, codes[:25], codes[25:])
    assert rarity.members == 25 and rarity.bins.shape == (40, 5) and rarity.model.targets == 40
    for j, count in enumerate(rarity.model.counts):
        assert count.sum() == 40, j


def test_the_scans_random_tops_are_the_tops_of_uniform_permutations():
    """The labels drawn down to the 2nd non-member, against all 56 arrangements of 5 members among 8."""
    from collections import Counter
    from itertools import combinations

    from expectations.metrics.rarity import _random_top_labels

    def top(labels: tuple[bool, ...]) -> tuple[bool, ...]:
        non_members = np.cumsum(~np.array(labels))
        return labels[: int(np.searchsorted(non_members, 2)) + 1]

    every = [tuple(i in chosen for i in range(8)) for chosen in combinations(range(8), 5)]
    exact = Counter(top(labels) for labels in every)
    drawn = _random_top_labels(5, 8, 2, 40_000, np.random.default_rng(5))
    seen = Counter(top(tuple(bool(v) for v in row)) for row in drawn)
    assert set(seen) == set(exact)
    for pattern, count in exact.items():
        assert abs(seen[pattern] / 40_000 - count / len(every)) < 0.01
