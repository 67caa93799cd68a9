"""Fairness: known answers against fairlearn, group suppression, properties, errors, Adult verdicts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import demographic_parity_difference, demographic_parity_ratio
from hypothesis import given, settings
from hypothesis import strategies as st

from auditing.cli import main
from auditing.engine import run_audit
from auditing.parameters import AuditParameters
from expectations.metrics.errors import AuditDataError
from expectations.metrics.fairness import demographic_parity, fairness_profile, positive_outcomes
from tests.browser import interval_text, rendered_dom, visible_text

AMPLIFICATION = "expect_synthetic_bias_amplification_to_be_below"
PARITY = "expect_synthetic_demographic_parity_difference_to_be_below"
REPRESENTATION = "expect_synthetic_group_representation_to_match_real"


def _people(n: int, rng: np.random.Generator, female_rate: float = 0.3, male_rate: float = 0.5) -> pd.DataFrame:
    sex = rng.choice(["F", "M"], n)
    region = rng.choice(["north", "south", "east"], n, p=[0.5, 0.3, 0.2])
    rate = np.where(sex == "F", female_rate, male_rate) + np.where(region == "east", 0.1, 0.0)
    return pd.DataFrame({"sex": sex, "region": region, "y": np.where(rng.random(n) < rate, "yes", "no")})


def _fairlearn(frame: pd.DataFrame, attributes: list[str]) -> tuple[float, float]:
    y = (frame["y"] == "yes").astype(int)
    features = frame[attributes] if len(attributes) > 1 else frame[attributes[0]]
    return (
        demographic_parity_difference(y, y, sensitive_features=features),
        demographic_parity_ratio(y, y, sensitive_features=features),
    )


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dpd_and_ratio_equal_fairlearn_per_attribute_and_intersection(seed):
    rng = np.random.default_rng(seed)
    real, synthetic = _people(3_000, rng), _people(2_000, rng, female_rate=0.2)
    profile = fairness_profile(
        real, synthetic, protected_attributes=["sex", "region"], target="y", positive_label="yes", min_group_size=1
    )
    assert [g["attribute"] for g in profile["groupings"]] == ["sex", "region", "sex & region"]
    for grouping in profile["groupings"]:
        for side, frame in (("synthetic", synthetic), ("real", real)):
            difference, ratio = _fairlearn(frame, grouping["attributes"])
            assert grouping[f"dpd_{side}"] == pytest.approx(difference, abs=1e-12)
            assert grouping[f"ratio_{side}"] == pytest.approx(ratio, abs=1e-12)
        assert grouping["amplification"] == pytest.approx(grouping["dpd_synthetic"] - grouping["dpd_real"], abs=1e-15)
    direct = demographic_parity(positive_outcomes(synthetic["y"], "yes"), synthetic[["sex", "region"]])
    assert direct["difference"] == pytest.approx(_fairlearn(synthetic, ["sex", "region"])[0], abs=1e-12)


def test_adult_figures_equal_fairlearn(adult):
    """The issue's figures: synthetic_biased DPD for sex 0.232, train about 0.196."""
    train, biased = adult["train"], adult["synthetic_biased"]
    profile = fairness_profile(
        train, biased, protected_attributes=["sex", "race"], target="income", positive_label=">50K", min_group_size=1
    )
    for grouping in profile["groupings"]:
        for side, frame in (("synthetic", biased), ("real", train)):
            y = (frame["income"] == ">50K").astype(int)
            features = frame[grouping["attributes"]]
            expected = demographic_parity_difference(y, y, sensitive_features=features)
            assert grouping[f"dpd_{side}"] == pytest.approx(expected, abs=1e-12)
            expected_ratio = demographic_parity_ratio(y, y, sensitive_features=features)
            assert grouping[f"ratio_{side}"] == pytest.approx(expected_ratio, abs=1e-12)
    sex = profile["groupings"][0]
    assert round(sex["dpd_synthetic"], 3) == 0.232 and round(sex["dpd_real"], 3) == 0.196
    # The module score the report shows: 1 − the largest single-attribute DPD, by fairlearn.
    y = (biased["income"] == ">50K").astype(int)
    worst = max(demographic_parity_difference(y, y, sensitive_features=biased[a]) for a in ("sex", "race"))
    assert profile["score"] == pytest.approx(1 - worst, abs=1e-12)
    # Representation: TVD of the group shares, computed here directly with pandas.
    for grouping in profile["groupings"]:
        attributes = grouping["attributes"]
        shares = [frame.groupby(attributes).size() / len(frame) for frame in (train, biased)]
        expected = 0.5 * shares[0].sub(shares[1], fill_value=0).abs().sum()
        assert grouping["representation_tvd"] == pytest.approx(expected, abs=1e-12)


def test_dpd_and_amplification_intervals_cover_the_population_figures():
    """Two populations with known group rates: the 95% intervals cover the true DPD of the
    synthetic population and the true amplification in at least 90 of 100 draws."""
    true_dpd_real, true_dpd_synthetic = 0.5 - 0.3, 0.5 - 0.2  # _people's rates, east excluded below
    covered = {"dpd_synthetic": 0, "amplification": 0}
    for seed in range(100):
        rng = np.random.default_rng(seed)
        real, synthetic = _people(2_000, rng), _people(2_000, rng, female_rate=0.2)
        profile = fairness_profile(
            real[real.region != "east"],
            synthetic[synthetic.region != "east"],
            protected_attributes=["sex"],
            target="y",
            positive_label="yes",
            seed=seed,
        )
        bounds = profile["groupings"][0]["intervals"]
        truth = {"dpd_synthetic": true_dpd_synthetic, "amplification": true_dpd_synthetic - true_dpd_real}
        for key in covered:
            covered[key] += bounds[key][0] <= truth[key] <= bounds[key][1]
    assert covered["dpd_synthetic"] >= 90 and covered["amplification"] >= 90, covered


def test_small_groups_are_listed_but_do_not_decide_and_their_rates_stay_hidden(tmp_path):
    rng = np.random.default_rng(3)
    real, synthetic = _people(2_000, rng), _people(2_000, rng)
    # A tiny group whose outcomes are all positive would dominate max − min if it counted.
    tiny = pd.DataFrame({"sex": ["X"] * 12, "region": ["north"] * 12, "y": ["yes"] * 12})
    synthetic = pd.concat([synthetic, tiny], ignore_index=True)
    real = pd.concat([real, tiny.iloc[:5]], ignore_index=True)
    profile = fairness_profile(real, synthetic, protected_attributes=["sex"], target="y", positive_label="yes")
    sex = profile["groupings"][0]
    assert sex["suppressed"] == ["X"]
    row = next(r for r in sex["groups"] if r["group"] == "X")
    assert row["synthetic_size"] == 12 and row["synthetic_rate"] is None and row["real_rate"] is None
    assert sex["dpd_synthetic"] < 0.3  # F vs M only; with X (rate 1.0) it would be above 0.5

    audit = run_audit(
        real,
        synthetic,
        out_dir=tmp_path,
        parameters=AuditParameters(
            fairness_protected_attributes=("sex",), fairness_target="y", fairness_positive_label="yes"
        ),
    )
    assert audit.fairness.check(AMPLIFICATION).success is True
    small = [f for f in audit.findings if f.kind == "small_groups"]
    assert len(small) == 1 and "fewer than 30 rows" in small[0].message and small[0].message.endswith(": X")


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d"]), st.booleans()), min_size=4, max_size=200),
    st.integers(0, 2**32 - 1),
)
def test_dpd_in_unit_interval_and_invariant_to_row_order_and_relabelling(rows, seed):
    frame = pd.DataFrame(rows, columns=["group", "positive"])
    outcome = frame["positive"].to_numpy(dtype=float)
    result = demographic_parity(outcome, frame["group"])
    if result["difference"] is None:
        assert frame["group"].nunique() < 2
        return
    assert 0.0 <= result["difference"] <= 1.0 and 0.0 <= result["ratio"] <= 1.0
    order = np.random.default_rng(seed).permutation(len(frame))
    shuffled = demographic_parity(outcome[order], frame["group"].iloc[order].reset_index(drop=True))
    renamed = demographic_parity(outcome, frame["group"].map({"a": "zz", "b": "0", "c": "m", "d": "b"}))
    for other in (shuffled, renamed):
        assert other["difference"] == pytest.approx(result["difference"], abs=1e-15)
        assert other["ratio"] == pytest.approx(result["ratio"], abs=1e-15)


@settings(max_examples=30, deadline=None)
@given(st.integers(2, 6), st.lists(st.booleans(), min_size=1, max_size=20), st.integers(1, 5))
def test_dpd_is_zero_when_the_target_is_independent_of_the_attribute_by_construction(groups, pattern, repeats):
    # Every group gets the same outcome pattern, so every group rate is the same.
    frame = pd.DataFrame(
        [(f"g{g}", p) for g in range(groups) for p in pattern * repeats], columns=["group", "positive"]
    )
    result = demographic_parity(frame["positive"].to_numpy(dtype=float), frame["group"])
    assert result["difference"] == 0.0 and result["ratio"] == 1.0


def test_same_seed_same_intervals_and_another_seed_differs():
    rng = np.random.default_rng(4)
    real, synthetic = _people(1_000, rng), _people(1_000, rng)
    run = lambda seed: fairness_profile(  # noqa: E731
        real, synthetic, protected_attributes=["sex", "region"], target="y", positive_label="yes", seed=seed
    )
    assert run(5) == run(5)
    assert run(5)["groupings"][0]["intervals"] != run(6)["groupings"][0]["intervals"]


def test_positive_label_matches_numeric_targets_from_text():
    target = pd.Series([0, 1, 1, None, 0], dtype="float64")
    assert np.array_equal(positive_outcomes(target, "1"), [0.0, 1.0, 1.0, np.nan, 0.0], equal_nan=True)
    assert np.array_equal(positive_outcomes(pd.Series(["1", "0"]), 1), [1.0, 0.0])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--protected", "sex,nationality", "--target", "y", "--positive-label", "yes"], "'nationality' not in"),
        (["--protected", "sex", "--target", "outcome", "--positive-label", "yes"], "target column(s) 'outcome'"),
        (
            ["--protected", "sex", "--target", "y", "--positive-label", "maybe"],
            "label 'maybe' never occurs in the target column 'y'; its most common values are 'no', 'yes'",
        ),
        (["--protected", "sex", "--target", "sex", "--positive-label", "F"], "also a protected attribute"),
        (["--protected", "sex", "--target", "y"], "positive label is needed"),
        (["--protected", "sex", "--target", "constant", "--positive-label", "c"], "has 1 value(s) in the real data"),
    ],
)
def test_bad_fairness_settings_exit_2_naming_the_problem(tmp_path, capsys, options, message):
    rng = np.random.default_rng(5)
    for name in ("real", "synthetic"):
        frame = _people(200, rng)
        frame["constant"] = "c"
        frame.to_csv(tmp_path / f"{name}.csv", index=False)
    argv = ["audit", "--real", str(tmp_path / "real.csv"), "--synthetic", str(tmp_path / "synthetic.csv")]
    assert main([*argv, "--out", str(tmp_path / "out"), *options]) == 2
    error = capsys.readouterr().err
    assert message in error and "Traceback" not in error


def test_without_a_target_only_representation_is_measured(tmp_path):
    rng = np.random.default_rng(6)
    real, synthetic = _people(1_500, rng), _people(1_500, rng)
    audit = run_audit(
        real, synthetic, out_dir=tmp_path, parameters=AuditParameters(fairness_protected_attributes=("region",))
    )
    representation, parity = audit.fairness.check(REPRESENTATION), audit.fairness.check(PARITY)
    assert representation.observed_value is not None and representation.success
    assert parity.observed_value is None and "need a target" in parity.details["not_measured"]
    assert audit.fairness.score == pytest.approx(1 - representation.observed_value)
    assert any(f.module == "fairness" and "need a target" in f.message for f in audit.findings)


def _adult_fairness(adult_dir: Path, synthetic: str, out: Path) -> tuple[dict, int]:
    command = [sys.executable, "-m", "auditing.cli", "audit", "--real", str(adult_dir / "train.csv")]
    command += ["--synthetic", str(adult_dir / f"{synthetic}.csv"), "--holdout", str(adult_dir / "holdout.csv")]
    command += ["--protected", "sex,race", "--target", "income", "--positive-label", ">50K", "--out", str(out)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert completed.returncode in (0, 1), completed.stderr
    return json.loads((out / "report.json").read_text()), completed.returncode


@pytest.fixture(scope="module")
def biased_run(adult_dir, tmp_path_factory) -> tuple[dict, int]:
    return _adult_fairness(adult_dir, "synthetic_biased", tmp_path_factory.mktemp("biased"))


def test_adult_biased_set_is_flagged_for_sex_by_amplification(biased_run, chromium):
    report, exit_code = biased_run
    jsonschema.validate(report, json.loads((Path(__file__).parents[1] / "auditing" / "report.schema.json").read_text()))
    finding = report["detailed_findings"]["fairness"]
    assert exit_code == 1 and finding["risk_level"] == "high"
    results = {r["type"]: r for r in report["modules"]["fairness"]["expectations"]}
    amplification = results[AMPLIFICATION]
    assert amplification["success"] is False and "sex" in amplification["details"]["groupings_over"]
    sex = next(g for g in amplification["details"]["groupings"] if g["attribute"] == "sex")
    low, high = sex["intervals"]["amplification"]
    assert 0 < low < sex["amplification"] < high and round(sex["amplification"], 3) == 0.036
    assert f"amplification vs real sex +{sex['amplification']:.3f} {interval_text([low, high])}" in finding["message"]
    female = next(r for r in sex["groups"] if r["group"] == "Female")
    stated = (
        f"positive rate of sex = Female {female['synthetic_rate']:.3f} synthetic vs {female['real_rate']:.3f} real "
        f"({100 * (female['synthetic_rate'] - female['real_rate']):+.1f} points, p < 0.001 Holm-adjusted)"
    )
    assert stated in finding["message"] and stated in amplification["details"]["verdict"]["message"]
    page = Path(report["data_docs_url"].removeprefix("file://"))
    text = visible_text(rendered_dom(chromium, page))
    assert (
        "Fairness, outcomes and bias amplification: for each group of each of sex, race (and their combinations)"
        in text
    )
    assert f"Fails: {amplification['details']['verdict']['message']}. Test: per group: two-sided test" in text
    assert f"sex {sex['amplification']:+.3f} {interval_text([low, high])}" in text
    assert "Grouping Group Rows real Rows synthetic Rate real Rate synthetic" in text
    female = next(r for r in sex["groups"] if r["group"] == "Female")
    assert f"sex Female {female['real_size']:,} {female['synthetic_size']:,} {female['real_rate']:.3f}" in text
    html = page.read_text()
    assert "positive rate, real vs synthetic" in html  # the rates chart's spec


def test_adult_gc_set_narrows_the_gap_by_distorting_womens_outcomes(adult_dir, tmp_path):
    report, _ = _adult_fairness(adult_dir, "synthetic_gc", tmp_path)
    amplification = {r["type"]: r for r in report["modules"]["fairness"]["expectations"]}[AMPLIFICATION]
    sex = next(g for g in amplification["details"]["groupings"] if g["attribute"] == "sex")
    assert sex["amplification"] < 0  # the copula narrowed the real gap ...
    female = next(r for r in sex["groups"] if r["group"] == "Female")
    assert female["real_rate"] == pytest.approx(0.109, abs=5e-4) and female["synthetic_rate"] > 0.19
    # ... by nearly doubling women's positive rate: their outcomes are distorted, which fails.
    assert "sex" in amplification["details"]["groupings_over"] and amplification["success"] is False
    tests = amplification["details"]["verdict"]["tests"]
    assert any(t["grouping"] == "sex" and t["group"] == "Female" and t["fails"] for t in tests)


def test_profile_errors_are_named(adult):
    with pytest.raises(AuditDataError, match="'income' has 1 value"):
        frame = adult["train"].head(50).assign(income=">50K")
        fairness_profile(frame, frame, protected_attributes=["sex"], target="income", positive_label=">50K")


def test_the_tests_reference_pools_train_and_holdout_per_group(demo):
    """``pooled_*`` (what the verdicts compare with) against a direct count of train ∪ holdout."""
    real, holdout, synthetic = demo["real"], demo["holdout"], demo["good"]
    profile = fairness_profile(
        real, synthetic, holdout, protected_attributes=["sex", "region"], target="outcome", positive_label="yes"
    )
    both = pd.concat([real, holdout])
    for grouping in profile["groupings"][:2]:  # the single attributes
        (attribute,) = grouping["attributes"]
        for row in grouping["groups"]:
            rows = both[both[attribute] == row["group"]]
            assert row["pooled_size"] == len(rows) and row["pooled_positives"] == int((rows["outcome"] == "yes").sum())
            assert row["pooled_share"] == pytest.approx(len(rows) / len(both), abs=1e-12)
    without = fairness_profile(real, synthetic, protected_attributes=["sex"], target="outcome", positive_label="yes")
    assert all(r["pooled_size"] == r["real_size"] for r in without["groupings"][0]["groups"])


def test_synthetic_data_alone_is_audited_for_fairness_only(tmp_path, capsys):
    """Without --real: fairness on the synthetic rows (DPD as fairlearn's), privacy and fidelity not run."""
    from auditing.batch import NO_REAL_DATA
    from auditing.roles import ALONE_NEEDS_FAIRNESS, HOLDOUT_NEEDS_REAL
    from expectations.base import NEEDS_REAL

    synthetic = _people(2_000, np.random.default_rng(8))
    synthetic.to_csv(tmp_path / "synthetic.csv", index=False)
    synthetic.head(500).to_csv(tmp_path / "holdout.csv", index=False)
    argv = [
        "audit",
        "--synthetic",
        str(tmp_path / "synthetic.csv"),
        "--out",
        str(tmp_path / "out"),
        "--bootstrap",
        "50",
    ]
    fairness = ["--protected", "sex,region", "--target", "y", "--positive-label", "yes"]
    assert main([*argv, *fairness, "--json", "--no-docs", "--quiet"]) in (0, 1)
    report = json.loads(capsys.readouterr().out)
    jsonschema.validate(report, json.loads((Path(__file__).parents[1] / "auditing" / "report.schema.json").read_text()))
    for module in ("privacy", "fidelity"):
        entry = report["modules"][module]
        assert (
            entry["status"] == "not_run" and entry["reason"] == NEEDS_REAL and report["module_scores"][module] is None
        )
    assert report["overall_score"] == report["module_scores"]["fairness"] is not None
    assert set(report["inputs"]) == {"synthetic"} and report["sample_sizes"]["real"] is None
    assert {"kind": "no_real_data", "message": NO_REAL_DATA}.items() <= report["findings"][0].items()
    parity, amplification, representation = report["modules"]["fairness"]["expectations"]
    y = (synthetic["y"] == "yes").astype(int)
    for grouping in parity["details"]["groupings"]:
        features = synthetic[grouping["attributes"]]
        expected = demographic_parity_difference(y, y, sensitive_features=features)
        assert grouping["dpd_synthetic"] == pytest.approx(expected, abs=1e-12), grouping["attribute"]
    for check in (amplification, representation):
        assert check["success"] and check["details"]["not_measured"] == NEEDS_REAL and check["observed_value"] is None

    assert main(argv) == 2 and ALONE_NEEDS_FAIRNESS in capsys.readouterr().err
    assert main([*argv, *fairness, "--holdout", str(tmp_path / "holdout.csv")]) == 2
    assert HOLDOUT_NEEDS_REAL in capsys.readouterr().err
