"""Privacy: known answers, properties, calibration under no leakage, and the Adult verdicts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.neighbors import NearestNeighbors

from auditing.demo import population_sample
from expectations.metrics.encoding import DistanceEncoder
from expectations.metrics.membership import attack_figures
from expectations.metrics.neighbours import nearest_neighbours
from expectations.metrics.privacy import privacy_profile

scores = st.lists(st.integers(-20, 20).map(float), min_size=1, max_size=80)


def test_attack_figures_equal_scikit_learn_with_ties():
    rng = np.random.default_rng(4)
    members, nonmembers = rng.normal(0.3, 1, 3_000).round(1), rng.normal(0, 1, 2_000).round(1)
    figures = attack_figures(members, nonmembers)
    labels, values = np.r_[np.ones(3_000), np.zeros(2_000)], np.r_[members, nonmembers]
    fpr, tpr, _ = roc_curve(labels, values, drop_intermediate=False)
    assert figures["auc"] == pytest.approx(roc_auc_score(labels, values), abs=1e-12)
    assert figures["advantage"] == pytest.approx(np.max(tpr - fpr), abs=1e-12)
    assert figures["tpr_at_0.01_fpr"] == tpr[fpr <= 0.01].max()
    assert figures["tpr_at_0.001_fpr"] == tpr[fpr <= 0.001].max()


@given(scores)
def test_identical_score_distributions_give_chance(values):
    figures = attack_figures(np.array(values), np.array(values[::-1]))
    assert figures["auc"] == pytest.approx(0.5, abs=1e-12)
    assert figures["advantage"] == pytest.approx(0.0, abs=1e-12)


@given(scores, scores)
def test_attack_figures_are_bounded(members, nonmembers):
    figures = attack_figures(np.array(members), np.array(nonmembers))
    assert all(0.0 <= value <= 1.0 + 1e-12 for value in figures.values())
    assert figures["tpr_at_0.001_fpr"] <= figures["tpr_at_0.01_fpr"]


def test_nearest_neighbours_are_exact_against_scikit_learn():
    rng = np.random.default_rng(7)
    rows = rng.random((700, 9)).astype(np.float32)
    others = np.vstack([rng.random((900, 9)), rows[:50]]).astype(np.float32)  # 50 exact copies
    bounds = [0, 400, len(others)]
    forward, backward = nearest_neighbours(rows, others, bounds, reverse=True)
    for group, (low, high) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        expected, _ = NearestNeighbors(n_neighbors=1).fit(others[low:high].astype(np.float64)).kneighbors(rows)
        np.testing.assert_allclose(forward[group], expected[:, 0], atol=1e-6)
    expected, _ = NearestNeighbors(n_neighbors=1).fit(rows.astype(np.float64)).kneighbors(others)
    np.testing.assert_allclose(backward, expected[:, 0], atol=1e-6)
    assert np.all(backward[-50:] == 0.0)  # copies read exactly 0, not float32 noise
    (own,), _ = nearest_neighbours(rows[:100], rows, exclude=np.arange(100))
    expected, _ = NearestNeighbors(n_neighbors=2).fit(rows.astype(np.float64)).kneighbors(rows[:100])
    np.testing.assert_allclose(own, expected[:, 1], atol=1e-6)


@pytest.fixture(scope="module")
def people() -> pd.DataFrame:
    return population_sample(400, np.random.default_rng(11))


def test_encoding_is_invariant_to_row_order(people):
    columns = list(people.columns)
    shuffled = people.sample(frac=1.0, random_state=3)
    a = DistanceEncoder.fit(people, columns).transform(people)
    b = DistanceEncoder.fit(shuffled, columns).transform(people)
    np.testing.assert_array_equal(a, b)


def test_distances_are_invariant_to_column_order(people):
    forward_columns = list(people.columns)
    backward_columns = forward_columns[::-1]
    distances = []
    for columns in (forward_columns, backward_columns):
        codes = DistanceEncoder.fit(people, columns).transform(people)
        (own,), _ = nearest_neighbours(codes[:50], codes, exclude=np.arange(50))
        distances.append(own)
    np.testing.assert_allclose(distances[0], distances[1], atol=1e-12)


def test_one_differing_category_weighs_as_much_as_a_full_numeric_range():
    frame = pd.DataFrame({"x": np.arange(1_000.0), "c": ["a"] * 999 + ["b"]})
    codes = DistanceEncoder.fit(frame, ["x", "c"]).transform(frame).astype(np.float64)
    numeric_gap = np.linalg.norm(codes[9] - codes[989])  # q01 and q99 of x: the two ends of its range
    category_gap = np.linalg.norm(codes[998, 2:] - codes[999, 2:])  # columns 0-1: x and its missing flag
    assert category_gap == pytest.approx(1.0, abs=1e-6)
    assert numeric_gap == pytest.approx(1.0, abs=1e-6)  # order statistics of rank 10 and 990: x = 9, 989
    # Linear inside the range: one unit moves a code by 1 / 980, wherever it is.
    assert codes[501, 0] - codes[500, 0] == pytest.approx(1 / 980, abs=1e-6)
    beyond = DistanceEncoder.fit(frame, ["x", "c"]).transform(pd.DataFrame({"x": [-5.0, 5_000.0], "c": ["a", "z"]}))
    assert beyond[:, 0].tolist() == [0.0, 1.0]  # outside the real range: the ends


def _iid_triple(seed: int, n: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng([seed, 2026])
    return population_sample(n, rng), population_sample(n, rng), population_sample(n, rng)


def _covers_chance(seed: int, n: int = 600) -> bool:
    train, synthetic, holdout = _iid_triple(seed, n)
    low, high = privacy_profile(train, synthetic, holdout, seed=seed)["attack"]["intervals"]["auc"]
    return low <= 0.5 <= high


def test_auc_interval_covers_chance_when_nothing_leaks():
    """Synthetic drawn independently of train: the 95% AUC interval covers 0.5 in most seeds."""
    covered = sum(_covers_chance(seed) for seed in range(30))
    assert covered >= 26  # P(≥ 26 of 30) ≈ 0.94 at a true 95% coverage, ≈ 0.01 at 80%


@pytest.mark.slow
def test_auc_interval_covers_chance_in_90_of_100_seeds():
    assert sum(_covers_chance(1_000 + seed) for seed in range(100)) >= 90


def test_same_seed_same_numbers_other_seed_other_draws(people):
    train, synthetic, holdout = _iid_triple(5, 300)
    first, again, other = (privacy_profile(train, synthetic, holdout, seed=s) for s in (1, 1, 2))
    assert first == again
    assert first["attack"]["intervals"] != other["attack"]["intervals"]


@pytest.fixture(scope="module")
def adult_privacy(adult):
    return {
        name: privacy_profile(adult["train"], adult[name], adult["holdout"])
        for name in ("synthetic_gc", "synthetic_leaky")
    }


def test_adult_leaky_set_is_flagged(adult_privacy):
    leaky = adult_privacy["synthetic_leaky"]
    assert leaky["exact_copies"]["rate"] == pytest.approx(16_281 / 32_561, abs=1e-4)
    assert leaky["attack"]["intervals"]["auc"][0] > 0.6  # well above chance, interval excludes 0.5
    assert leaky["attack"]["advantage"] > 0.3
    assert leaky["dcr_share"]["interval"][0] > 0.55
    assert leaky["attack"]["members"] == leaky["attack"]["non_members"] == 5_000


def test_adult_gc_set_is_not_flagged(adult_privacy):
    gc = adult_privacy["synthetic_gc"]
    assert gc["exact_copies"]["rate"] == 0.0
    assert gc["attack"]["intervals"]["advantage"][1] < 0.1
    low, high = gc["dcr_share"]["interval"]
    assert low <= 0.5 + 0.01 and high >= 0.5 - 0.01
    assert 0.0 < gc["exact_copies"]["holdout_rate"] < 0.01  # real records do repeat a little


def test_without_a_holdout_the_profile_compares_with_real_neighbours(adult):
    # Without a holdout the synthetic rows are compared with a real sample S of dcr_sample rows; a
    # copy is close only when its source row is in S, so S = every train row sees the copied half.
    train = adult["train"]
    profile = privacy_profile(train, adult["synthetic_leaky"], dcr_sample=len(train), bootstrap_replicates=50)
    assert "attack" not in profile and "dcr_share" not in profile
    assert profile["dcr_profile"]["real_rows"] == len(train)
    assert profile["dcr_profile"]["close_share"] > 0.45  # the copied half
    assert profile["score"] < 0.6
    # With the default S of 10,000 rows (~31% of train) the copies in S still exceed the default
    # max_close_share of 0.1 (a generator that does not copy reads ≈ 0.05).
    default = privacy_profile(train, adult["synthetic_leaky"], bootstrap_replicates=50)
    assert default["dcr_profile"]["real_rows"] == 10_000
    assert default["dcr_profile"]["close_share"] > 0.1
