"""Property tests of the fidelity mathematics: bounds, identity, symmetry, row-order invariance."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from expectations.metrics import correlation_similarity, fidelity_profile, ks_statistic, quantile_edges, tvd
from expectations.metrics.distributions import bin_codes

categories = st.lists(st.sampled_from(["a", "b", "c", "d", None]), min_size=1, max_size=60)
numbers = st.lists(st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(float("nan"))), min_size=1, max_size=60)
finite = st.lists(st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=60)
settings.register_profile("audit", deadline=None, max_examples=60)
settings.load_profile("audit")


@given(categories, categories)
def test_tvd_bounded_and_symmetric(a, b):
    forward = tvd(pd.Series(a, dtype=object), pd.Series(b, dtype=object))
    assert 0.0 <= forward <= 1.0 + 1e-12
    assert np.isclose(forward, tvd(pd.Series(b, dtype=object), pd.Series(a, dtype=object)), rtol=0, atol=1e-12)


@given(categories, st.randoms(use_true_random=False))
def test_tvd_zero_on_identical_and_order_free(a, random):
    shuffled = list(a)
    random.shuffle(shuffled)
    assert tvd(pd.Series(a, dtype=object), pd.Series(shuffled, dtype=object)) == 0.0


@given(finite, finite)
def test_ks_bounded_symmetric_and_zero_on_self(a, b):
    x, y = np.array(a), np.array(b)
    d = ks_statistic(x, y)
    assert 0.0 <= d <= 1.0
    assert d == ks_statistic(y, x)
    assert ks_statistic(x, x[::-1].copy()) == 0.0


@given(finite, st.integers(1, 30), finite)
def test_quantile_bins_cover_every_value(real, n_bins, other):
    boundaries, positions = quantile_edges(np.array(real), n_bins)
    n_levels = boundaries.size + 2  # bins + missing
    assert positions.size == boundaries.size + 1
    assert np.all(np.diff(positions) > 0) and positions[-1] == 1.0
    codes = bin_codes(np.array(other + [np.nan]), boundaries)
    assert codes.min() >= 0 and codes.max() < n_levels
    assert codes[-1] == n_levels - 1


@given(st.floats(-1, 1), st.floats(-1, 1))
def test_correlation_similarity_bounded_symmetric(r1, r2):
    value = correlation_similarity(r1, r2)
    assert 0.0 <= value <= 1.0
    assert value == correlation_similarity(r2, r1)
    assert correlation_similarity(r1, r1) == 1.0


@st.composite
def frames(draw):
    n = draw(st.integers(2, 40))
    column = st.lists(st.one_of(st.floats(-100, 100), st.just(float("nan"))), min_size=n, max_size=n)
    labels = st.lists(st.sampled_from(["x", "y", "z"]), min_size=n, max_size=n)
    return pd.DataFrame({"num": draw(column), "num2": draw(column), "cat": pd.Series(draw(labels), dtype=object)})


@given(frames(), frames(), st.randoms(use_true_random=False))
def test_profile_bounded_and_invariant_to_row_order(real, synthetic, random):
    profile = fidelity_profile(real, synthetic)
    real_order, syn_order = list(range(len(real))), list(range(len(synthetic)))
    random.shuffle(real_order)
    random.shuffle(syn_order)
    shuffled = fidelity_profile(real.iloc[real_order], synthetic.iloc[syn_order])
    for part in ("column_shapes", "pair_trends"):
        score = profile[part]["score"]
        assert score is None or 0.0 <= score <= 1.0 + 1e-12
        assert (score is None and shuffled[part]["score"] is None) or np.isclose(score, shuffled[part]["score"])
    for row in profile["column_shapes"]["columns"]:
        assert 0.0 <= row["tvd"] <= 1.0 + 1e-12


@given(frames())
def test_profile_of_data_against_itself_is_perfect(real):
    profile = fidelity_profile(real, real.iloc[::-1].reset_index(drop=True))
    assert np.isclose(profile["column_shapes"]["score"], 1.0)
    assert profile["pair_trends"]["score"] is None or np.isclose(profile["pair_trends"]["score"], 1.0)


@settings(max_examples=300, deadline=None)
@given(
    values=st.lists(st.floats(-1e9, 1e9, allow_nan=False) | st.integers(-50, 50).map(float), min_size=1, max_size=200),
    n_bins=st.integers(1, 40),
)
def test_linear_quantiles_equal_numpy_bit_for_bit(values: list[float], n_bins: int) -> None:
    """The quantiles both engines bin on equal np.quantile's default exactly (order statistics only)."""
    from expectations.metrics.distributions import linear_quantiles, quantile_ranks

    data = np.array(values)
    ordered = np.sort(data)
    probs = np.linspace(0.0, 1.0, n_bins + 1)
    asked: list[np.ndarray] = []

    def lookup(ranks: np.ndarray) -> np.ndarray:
        asked.append(ranks)
        return ordered[ranks]

    assert np.array_equal(linear_quantiles(data.size, probs, lookup), np.quantile(data, probs))
    assert np.array_equal(asked[0], quantile_ranks(data.size, n_bins))
