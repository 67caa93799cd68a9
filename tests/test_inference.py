"""Attribute inference (``expectations.metrics.inference``): the attacker, the tallies, the risk and its test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditing.calibration import near_copies, simulated_population
from expectations.metrics.encoding import MISSING_KEY, DistanceEncoder
from expectations.metrics.errors import AuditDataError
from expectations.metrics.inference import (
    INFERENCE_SCAN,
    InferenceTallies,
    inference_figures,
    inference_risk,
    inference_tallies,
    known_columns,
    secret_matches,
    secret_values,
    tolerance_width,
)
from expectations.metrics.neighbours import nearest_ties
from expectations.metrics.privacy import privacy_profile
from expectations.metrics.verdicts.privacy import inference_verdict


def _brute_force_ties(rows: np.ndarray, others: np.ndarray) -> tuple[np.ndarray, set[tuple[int, int]]]:
    """Every pair's distance in float64, squares added in column order; the pairs at each row's minimum."""
    squares = (rows.astype(np.float64)[:, None, :] - others.astype(np.float64)[None, :, :]) ** 2
    total = squares[..., 0].copy()
    for k in range(1, squares.shape[2]):
        total += squares[..., k]
    distances = np.sqrt(total)
    best = distances.min(axis=1)
    return best, {(int(i), int(j)) for i, j in zip(*np.nonzero(distances == best[:, None]), strict=True)}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_nearest_ties_equal_brute_force_on_data_with_repeated_profiles(seed: int) -> None:
    rng = np.random.default_rng(seed)
    # Coarse values: most rows have several equally close neighbours, many at distance 0.
    rows = rng.integers(0, 3, size=(1_500, 4)).astype(np.float32) / 2
    others = rng.integers(0, 3, size=(700, 4)).astype(np.float32) / 2
    best, pair_row, pair_other = nearest_ties(rows, others)
    expected_best, expected_pairs = _brute_force_ties(rows, others)
    np.testing.assert_array_equal(best, expected_best)
    assert set(zip(pair_row.tolist(), pair_other.tolist(), strict=True)) == expected_pairs
    assert np.all(np.diff(pair_row) >= 0)  # listed row by row
    assert len(expected_pairs) > 3 * len(rows)  # the case this is for: many ties


def _adult_like(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 70, n)
    return pd.DataFrame(
        {
            "age": age,
            "hours": np.clip(rng.normal(40, 8, n).round(), 1, 99),
            "job": rng.choice(["a", "b", "c", "d"], n),
            "income": np.where(rng.random(n) < 0.2 + 0.01 * (age - 18) / 5, ">50K", "<=50K"),
        }
    )


def test_tallies_merge_over_any_split_of_the_synthetic_rows() -> None:
    real, synthetic = _adult_like(400, 0), _adult_like(900, 1)
    encoder = DistanceEncoder.fit(real, list(real.columns))
    targets, codes = encoder.transform(real), encoder.transform(synthetic)
    truths, guesses = (
        secret_values(real, ["income"], encoder)[:, 0],
        secret_values(synthetic, ["income"], encoder)[:, 0],
    )
    known = known_columns(encoder, "income")
    whole = inference_tallies(targets, truths, codes, guesses, known, None)
    merged = None
    for part in np.array_split(np.random.default_rng(2).permutation(len(synthetic)), 7):
        piece = inference_tallies(targets, truths, codes[part], guesses[part], known, None)
        merged = piece if merged is None else merged.merge(piece)
    for field in ("distance", "tied", "right"):
        np.testing.assert_array_equal(getattr(merged, field), getattr(whole, field))


def test_success_and_risk_against_a_direct_computation() -> None:
    """The attacker by hand: distances on the known columns, the tied closest rows, the share right."""
    real, synthetic = _adult_like(300, 3), _adult_like(500, 4)
    members = 150
    encoder = DistanceEncoder.fit(real, list(real.columns))
    targets, codes = encoder.transform(real), encoder.transform(synthetic)
    known = known_columns(encoder, "age")
    assert known.sum() == encoder.width - 2  # the numeric secret's value and missing flag are hidden
    tallies = inference_tallies(
        targets,
        secret_values(real, ["age"], encoder)[:, 0],
        codes,
        secret_values(synthetic, ["age"], encoder)[:, 0],
        known,
        tolerance_width(encoder, "age"),
    )
    _, pairs = _brute_force_ties(targets[:, known], codes[:, known])
    low, high = np.sort(real["age"].to_numpy())[[int(np.ceil(0.01 * 300)) - 1, int(np.ceil(0.99 * 300)) - 1]]
    success = np.zeros(len(real))
    for i in range(len(real)):
        tied = [j for (row, j) in pairs if row == i]
        truth = real["age"].iloc[i]
        success[i] = np.mean([abs(synthetic["age"].iloc[j] - truth) <= 0.05 * (high - low) for j in tied])
    figures = inference_figures("age", tallies, targets, members, 0, np.random.default_rng(0), seed=0)
    s_train, s_control = success[:members].mean(), success[members:].mean()
    assert figures["train_success"] == pytest.approx(s_train, abs=1e-12)
    assert figures["control_success"] == pytest.approx(s_control, abs=1e-12)
    assert figures["risk"] == pytest.approx((s_train - s_control) / (1 - s_control), abs=1e-12)
    assert [c["share"] for c in figures["confident"]] == list(INFERENCE_SCAN)
    assert figures["confident"][0]["members"] == members and figures["interval"] is None
    # The scanned shares: the targets whose closest synthetic row (known columns) is closest
    # relative to their closest other target, by brute force.
    known_codes = targets[:, known].astype(np.float64)
    own = np.sqrt(((known_codes[:, None, :] - known_codes[None, :, :]) ** 2).sum(axis=2))
    np.fill_diagonal(own, np.inf)
    nearest, _ = _brute_force_ties(targets[:, known], codes[:, known])
    confidence = (nearest + 1e-6) / (own.min(axis=1) + 1e-6)
    for share in figures["confident"]:
        chosen = confidence <= np.quantile(confidence, share["share"])
        assert share["members"] == chosen[:members].sum() and share["non_members"] == chosen[members:].sum()
        assert share["train_success"] == pytest.approx(success[:members][chosen[:members]].mean(), abs=1e-12)
        assert share["control_success"] == pytest.approx(success[members:][chosen[members:]].mean(), abs=1e-12)


def test_the_risk_interval_matches_the_delta_method() -> None:
    """Bootstrap 95% interval of the risk against ±1.96 delta-method standard errors of (s_t − s_c) / (1 − s_c)."""
    rng = np.random.default_rng(11)
    m = 4_000
    truths = rng.random(2 * m) < np.r_[np.full(m, 0.8), np.full(m, 0.7)]
    tallies = InferenceTallies(
        np.ones(2 * m), np.ones(2 * m, dtype=np.int64), truths.astype(np.int64), np.ones(3, bool)
    )
    codes = rng.random((2 * m, 3))
    figures = inference_figures("s", tallies, codes, m, 2_000, np.random.default_rng(0), seed=0)
    s_t, s_c = truths[:m].mean(), truths[m:].mean()
    gradient_t, gradient_c = 1 / (1 - s_c), (s_t - 1) / (1 - s_c) ** 2
    se = np.sqrt(gradient_t**2 * s_t * (1 - s_t) / m + gradient_c**2 * s_c * (1 - s_c) / m)
    low, high = figures["interval"]
    assert figures["risk"] == pytest.approx((s_t - s_c) / (1 - s_c))
    assert low == pytest.approx(figures["risk"] - 1.96 * se, abs=0.2 * se)
    assert high == pytest.approx(figures["risk"] + 1.96 * se, abs=0.2 * se)


def test_secret_matches_tolerance_and_missing_values() -> None:
    guesses = np.array([100.0, 105.0, 106.0, np.nan, np.nan, 0.0, 0.1])
    truths = np.array([100.0, 100.0, 100.0, np.nan, 3.0, 0.0, 0.0])
    assert secret_matches(guesses, truths, 5.0).tolist() == [True, True, False, True, False, True, True]
    assert secret_matches(guesses, truths, 0.0).tolist() == [True, False, False, True, False, True, False]
    ages = pd.DataFrame({"age": np.arange(1, 101, dtype=float)})
    assert tolerance_width(DistanceEncoder.fit(ages, ["age"]), "age") == pytest.approx(0.05 * (99 - 1))
    frame = pd.DataFrame({"c": ["x", None, "y", "x"]})
    encoder = DistanceEncoder.fit(frame, ["c"])
    values = secret_values(frame, ["c"], encoder)[:, 0]
    assert secret_matches(values, values[[3, 1, 0, 0]], None).tolist() == [True, True, False, True]
    assert inference_risk(0.9, 1.0) is None and inference_risk(0.8, 0.6) == pytest.approx(0.5)


def _split(population: pd.DataFrame, seed: int, n: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    order = np.random.default_rng(seed).permutation(len(population))[: 4 * n]
    parts = [population.iloc[order[k * n : (k + 1) * n]].reset_index(drop=True) for k in range(4)]
    return pd.concat(parts[:2], ignore_index=True), parts[2], parts[3]


@pytest.fixture(scope="module")
def population() -> pd.DataFrame:
    return simulated_population(n=16_000, seed=7)


def test_a_fresh_sample_is_flagged_at_about_the_level(population: pd.DataFrame) -> None:
    """Exact permutation test: with synthetic = a fresh real sample, p ≤ 0.05 in about 5% of audits."""
    p_values = []
    for seed in range(40):
        train, holdout, fresh = _split(population, seed, 300)
        profile = privacy_profile(train, fresh, holdout, bootstrap_replicates=0, seed=seed, secret_columns=["approved"])
        p_values.append(profile["inference"]["secrets"][0]["p_value"])
    # Binomial(40, 0.05): 7 or more happens with chance 0.005.
    assert sum(p <= 0.05 for p in p_values) <= 6, p_values
    assert np.mean(p_values) > 0.3


def test_training_copies_and_near_copies_are_flagged(population: pd.DataFrame) -> None:
    flagged = []
    for seed in range(4):
        train, holdout, fresh = _split(population, seed, 1_000)
        leak = near_copies(fresh, train, 0.3, np.random.default_rng(seed))
        for synthetic in (train, leak):
            profile = privacy_profile(
                train, synthetic, holdout, bootstrap_replicates=50, seed=seed, secret_columns=["approved", "income"]
            )
            judged = inference_verdict(profile["inference"], alpha=0.01, max_risk=0.0)
            flagged.append(not judged["passes"])
            if synthetic is train:
                approved = profile["inference"]["secrets"][0]
                assert approved["risk"] > 0.9 and approved["interval"][0] > 0.8
    assert all(flagged), flagged


def test_a_secret_that_is_not_an_audit_column_is_refused() -> None:
    frame = _adult_like(50, 0)
    with pytest.raises(AuditDataError, match="'salary' not among the audit columns"):
        privacy_profile(frame, frame, frame, secret_columns=["salary"])
    with pytest.raises(AuditDataError, match="besides the secret"):
        privacy_profile(frame[["age"]], frame[["age"]], frame[["age"]], secret_columns=["age"])


def test_exposure_counts_isolated_records_and_positions_against_brute_force() -> None:
    """The most exposed records, recomputed from the drawn targets' codes by brute force."""
    from expectations.metrics.exposure import EXPOSED_LISTED, ISOLATED_SHARE
    from expectations.metrics.privacy import draw_targets

    # A continuous column, so that records rarely repeat and a copy is closer than any real neighbour.
    real, holdout, fresh = (
        _adult_like(n, seed).assign(w=np.random.default_rng(seed).normal(size=n))
        for n, seed in ((400, 5), (300, 6), (240, 7))
    )
    synthetic = pd.concat([real.iloc[:60], fresh], ignore_index=True)  # 60 training rows copied
    profile = privacy_profile(real, synthetic, holdout, bootstrap_replicates=0, seed=4, attack_sample=250)
    exposure = profile["attack"]["exposure"]
    encoder = DistanceEncoder.fit(pd.concat([real, holdout], ignore_index=True), list(real.columns))
    draw = draw_targets(len(real), len(holdout), 10_000, np.random.default_rng(4))
    m = 250
    targets = np.vstack(
        [encoder.transform(real.iloc[draw.train[:m]]), encoder.transform(holdout.iloc[draw.holdout[:m]])]
    )
    to_synthetic, _ = _brute_force_ties(targets, encoder.transform(synthetic))
    pairwise = np.sqrt(((targets.astype(np.float64)[:, None, :] - targets.astype(np.float64)[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(pairwise, np.inf)
    to_holdout, to_reference = pairwise[:, m:].min(axis=1), pairwise.min(axis=1)
    exposed = to_synthetic < to_holdout - 1e-12
    assert exposure["all"]["members_exposed"] == exposed[:m].sum() >= 60 * m / 400 - 10
    assert exposure["all"]["non_members_exposed"] == exposed[m:].sum()
    assert exposure["all"]["p_value"] < 0.01  # the copies' records are exposed, holdout ones are not
    isolated = to_reference >= np.quantile(to_reference, 1 - ISOLATED_SHARE)
    assert exposure["isolated"]["members"] + exposure["isolated"]["non_members"] == isolated.sum()
    assert exposure["isolated"]["members_exposed"] == (exposed & isolated)[:m].sum()
    copied = {int(p) for p in draw.train[:m] if p < 60}  # exact copies: distance 0, the most exposed
    # Copies are the most exposed (ratio 0), equally so: listed by position, at most EXPOSED_LISTED.
    assert len(copied) > EXPOSED_LISTED and exposure["listed"] == sorted(copied)[:EXPOSED_LISTED]


def test_groups_are_read_off_the_codes_and_judged_per_group() -> None:
    from expectations.metrics.exposure import MIN_GROUP_TARGETS, OTHER_GROUP, target_groups
    from expectations.metrics.privacy import draw_targets

    real, holdout = _adult_like(600, 8), _adult_like(600, 9)
    real.loc[:399, "job"] = None  # missing is a value like any other: here the most frequent
    encoder = DistanceEncoder.fit(pd.concat([real, holdout], ignore_index=True), list(real.columns), top_categories=3)
    groups = target_groups(encoder, encoder.transform(real), ["job", "age", "income"])
    assert set(groups) == {"job", "income"}  # a numeric attribute is not split
    kept = set(encoder.categories["job"])
    assert MISSING_KEY in kept and len(kept) == 3
    keys = real["job"].map(lambda v: MISSING_KEY if v is None else v)
    expected = keys.map(lambda k: OTHER_GROUP if k not in kept else ("missing" if k == MISSING_KEY else k))
    assert groups["job"].tolist() == expected.tolist() and OTHER_GROUP in groups["job"]

    synthetic = pd.concat([real.iloc[:200], _adult_like(400, 10)], ignore_index=True)
    profile = privacy_profile(
        real, synthetic, holdout, bootstrap_replicates=0, seed=1, top_categories=3, protected_attributes=["job"]
    )
    rows = profile["attack"]["by_group"]
    m = profile["attack"]["members"]
    assert sum(r["members"] for r in rows) == m == sum(r["non_members"] for r in rows)
    draw = draw_targets(len(real), len(holdout), 10_000, np.random.default_rng(1))
    member_jobs = expected.iloc[draw.train[:m]].value_counts()
    assert {r["group"]: r["members"] for r in rows if r["members"]} == member_jobs.to_dict()
    for row in rows:
        judged = min(row["members"], row["non_members"]) >= MIN_GROUP_TARGETS
        assert row["judged"] is judged and (row["auc"] is None) is not judged
        assert (row["adjusted_p"] is None) is not judged
        if judged:
            assert row["adjusted_p"] >= row["p_value"]
