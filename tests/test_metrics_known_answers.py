"""Known answers: our fidelity figures against scipy and SDMetrics on the shared Adult files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.stats
from sdmetrics.column_pairs import ContingencySimilarity, CorrelationSimilarity
from sdmetrics.single_column import TVComplement

from auditing.batch import build_audit_batch
from expectations.metrics import fidelity_profile, ks_statistic, tvd
from expectations.metrics.sources import split_sources

SYNTHETIC = ("synthetic_gc", "synthetic_leaky", "synthetic_biased")


def _complete_columns(frame: pd.DataFrame, kind: str) -> list[str]:
    numeric = [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])]
    chosen = numeric if kind == "numeric" else [c for c in frame.columns if c not in numeric]
    return [c for c in chosen if not frame[c].isna().any()]


@pytest.fixture(scope="module")
def profiles(adult: dict[str, pd.DataFrame]) -> dict[str, dict]:
    return {name: fidelity_profile(adult["train"], adult[name], adult["holdout"]) for name in SYNTHETIC}


@pytest.mark.parametrize("name", SYNTHETIC)
def test_categorical_tvd_equals_one_minus_sdmetrics_tvcomplement(adult, profiles, name):
    real, synthetic = adult["train"], adult[name]
    columns = [c for c in _complete_columns(real, "categorical") if not synthetic[c].isna().any()]
    assert len(columns) >= 5  # education, marital_status, relationship, race, sex, income
    reported = {row["column"]: row["tvd"] for row in profiles[name]["column_shapes"]["columns"]}
    for column in columns:
        expected = 1.0 - TVComplement.compute(real[column], synthetic[column])
        assert tvd(real[column], synthetic[column]) == pytest.approx(expected, abs=1e-9), column
        assert reported[column] == pytest.approx(expected, abs=1e-9), column


@pytest.mark.parametrize("name", SYNTHETIC)
def test_ks_equals_scipy_ks_2samp_statistic(adult, profiles, name):
    real, synthetic = adult["train"], adult[name]
    columns = _complete_columns(real, "numeric")
    assert len(columns) == 6
    reported = {row["column"]: row["ks"] for row in profiles[name]["column_shapes"]["columns"]}
    for column in columns:
        expected = scipy.stats.ks_2samp(real[column], synthetic[column]).statistic
        assert ks_statistic(real[column].to_numpy(float), synthetic[column].to_numpy(float)) == pytest.approx(
            expected, abs=1e-9
        ), column
        assert reported[column] == pytest.approx(expected, abs=1e-9), column


def test_numeric_pair_trends_equal_sdmetrics_correlation_similarity(adult, profiles):
    real, synthetic = adult["train"], adult["synthetic_gc"]
    pairs = [p for p in profiles["synthetic_gc"]["pair_trends"]["pairs"] if p["metric"] == "correlation"]
    assert len(pairs) == 15  # 6 numeric columns
    for pair in pairs:
        columns = pair["columns"]
        expected = CorrelationSimilarity.compute(real[columns], synthetic[columns], coefficient="Pearson")
        assert pair["score"] == pytest.approx(expected, abs=1e-9), columns


def test_categorical_pair_trends_equal_sdmetrics_contingency_similarity(adult, profiles):
    """Two categorical columns need no bins, so ours and SDMetrics' must agree exactly."""
    real, synthetic = adult["train"], adult["synthetic_gc"]
    scores = {tuple(p["columns"]): p["score"] for p in profiles["synthetic_gc"]["pair_trends"]["pairs"]}
    for columns in (("race", "sex"), ("education", "income"), ("marital_status", "relationship")):
        expected = ContingencySimilarity.compute(real[list(columns)], synthetic[list(columns)])
        assert scores[columns] == pytest.approx(expected, abs=1e-9), columns


def test_noise_floor_is_far_below_a_poor_generator(adult, profiles):
    """Train vs holdout (same population) must score close to 1; gc's capital_gain spike loss must show."""
    shapes = profiles["synthetic_gc"]["column_shapes"]
    assert shapes["noise_floor"] > 0.98
    by_column = {row["column"]: row for row in shapes["columns"]}
    assert by_column["capital_gain"]["tvd"] > 0.5 > 10 * by_column["capital_gain"]["holdout_tvd"]
    assert profiles["synthetic_gc"]["sample_sizes"] == {"real": 32_561, "synthetic": 32_561, "holdout": 16_281}


def test_identical_data_scores_one(adult):
    profile = fidelity_profile(adult["train"], adult["train"].sample(frac=1.0, random_state=3))
    assert profile["column_shapes"]["score"] == pytest.approx(1.0, abs=1e-12)
    assert profile["pair_trends"]["score"] == pytest.approx(1.0, abs=1e-12)
    assert all(np.isclose(row["ks"] or 0.0, 0.0) for row in profile["column_shapes"]["columns"])


def test_the_audit_batch_path_gives_the_same_figures(adult, profiles):
    """The checkpoint reads category codes from the stacked batch; its figures must equal the direct ones."""
    batch = build_audit_batch(adult["train"], adult["synthetic_gc"], adult["holdout"])
    labels = {"real": "real", "synthetic": "synthetic", "holdout": "holdout"}
    frames, columns = split_sources(batch.frame, batch.source_column, labels)
    via_batch = fidelity_profile(frames["real"], frames["synthetic"], frames["holdout"], columns=columns)
    direct = profiles["synthetic_gc"]
    for part in ("column_shapes", "pair_trends"):
        for key in ("score", "noise_floor"):
            assert via_batch[part][key] == pytest.approx(direct[part][key], abs=1e-12)
    for ours, reference in zip(via_batch["column_shapes"]["columns"], direct["column_shapes"]["columns"], strict=True):
        assert ours.keys() == reference.keys() and ours["column"] == reference["column"]
        for key in ("tvd", "ks", "holdout_tvd", "holdout_ks", "missing_real", "missing_synthetic"):
            assert ours[key] == pytest.approx(reference[key], abs=1e-12), (ours["column"], key)
    assert via_batch["column_shapes"]["distributions"] == direct["column_shapes"]["distributions"]
