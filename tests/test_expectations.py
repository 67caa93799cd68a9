"""The fidelity expectations as GX classes: kwargs, verdicts, one shared metric computation."""

from __future__ import annotations

import great_expectations as gx
import pytest
from great_expectations.compatibility.pydantic import ValidationError

import expectations
import expectations.fidelity as fidelity_module
from auditing.batch import build_audit_batch
from auditing.parameters import AuditParameters
from auditing.report import build_report, risk_level
from expectations import ExpectSyntheticColumnPairTrendsToMatchReal, ExpectSyntheticColumnShapesToMatchReal


def _validate(batch, *suite_expectations, parameters=None):
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False}
    definition = context.data_sources.add_pandas("p").add_dataframe_asset("a").add_batch_definition_whole_dataframe("w")
    suite = context.suites.add(gx.ExpectationSuite(name="s", expectations=list(suite_expectations)))
    validation = context.validation_definitions.add(gx.ValidationDefinition(name="v", data=definition, suite=suite))
    return validation.run(batch_parameters={"dataframe": batch}, expectation_parameters=parameters or {})


@pytest.fixture(scope="module")
def poor_batch(demo):
    return build_audit_batch(demo["real"], demo["poor"], demo["holdout"])


def test_thresholds_out_of_range_are_rejected():
    with pytest.raises(ValidationError, match="must be between 0 and 1, got 1.5"):
        ExpectSyntheticColumnShapesToMatchReal(min_score=1.5)
    with pytest.raises(ValidationError, match="n_bins\n  must be at least 1, got 0"):
        ExpectSyntheticColumnPairTrendsToMatchReal(n_bins=0)
    ExpectSyntheticColumnShapesToMatchReal(min_score={"$PARAMETER": "x"})  # a suite parameter is accepted


def test_two_expectations_share_one_profile_computation(poor_batch, monkeypatch):
    calls = []
    original = fidelity_module.fidelity_profile
    counted = staticmethod(lambda *a, **k: calls.append(1) or original(*a, **k))
    monkeypatch.setattr(fidelity_module.FidelityProfile, "profile", counted)
    result = _validate(
        poor_batch.frame,
        # margin 1: no column or pair can exceed its reference by more, so the floors decide.
        ExpectSyntheticColumnShapesToMatchReal(min_score=0.5, margin=1.0),
        ExpectSyntheticColumnShapesToMatchReal(min_score=0.9, margin=1.0, severity="warning"),
        ExpectSyntheticColumnPairTrendsToMatchReal(min_score=0.5, margin=1.0),
    )
    assert len(calls) == 1  # thresholds are not metric kwargs, so GX computes the profile once
    assert [r.success for r in result.results] == [True, False, True]


def test_columns_worse_than_their_reference_fail_and_are_named(poor_batch):
    result = _validate(poor_batch.frame, ExpectSyntheticColumnShapesToMatchReal(margin=0.3))
    (item,) = result.results
    verdict = item.result["details"]["verdict"]
    columns = {c["column"]: c for c in item.result["details"]["columns"]}
    # Exactly the columns whose TVD exceeds its reference by more than the margin (all are significant).
    expected = sorted(name for name, c in columns.items() if c["tvd"] - c["reference_tvd"] > 0.3)
    assert item.success is False and verdict["failing"] == expected and expected
    assert all(j["adjusted_p"] < 0.01 for j in verdict["judged"] if j["name"] in expected)
    assert len(expected) < len(columns)  # the margin spares the mildly distorted ones


def test_suite_parameters_reach_the_verdict(poor_batch):
    for floor, passes in ((0.7, True), (0.8, False)):  # the poor set scores 0.750
        expectation = ExpectSyntheticColumnShapesToMatchReal(min_score={"$PARAMETER": "floor"}, margin=1.0)
        assert _validate(poor_batch.frame, expectation, parameters={"floor": floor}).success is passes
    for margin, passes in ((0.5, True), (0.1, False)):
        expectation = ExpectSyntheticColumnShapesToMatchReal(margin={"$PARAMETER": "margin"})
        assert _validate(poor_batch.frame, expectation, parameters={"margin": margin}).success is passes


def test_risk_levels_follow_the_failed_severity():
    passed = {"success": True, "severity": "critical"}
    warning = {"success": False, "severity": "warning"}
    critical = {"success": False, "severity": "critical"}
    assert risk_level([passed]) == "low"
    assert risk_level([passed, warning]) == "medium"
    assert risk_level([warning, critical]) == "high"


def test_report_message_states_the_comparison_with_real_data(poor_batch):
    result = _validate(poor_batch.frame, ExpectSyntheticColumnShapesToMatchReal())
    (item,) = result.results
    entry = {
        "type": item.expectation_config.type,
        "severity": "critical",
        "success": item.success,
        "observed_value": item.result["observed_value"],
        "details": item.result["details"],
        "error": None,
    }
    report = build_report(poor_batch, [entry], AuditParameters(), False, None)
    message = report["detailed_findings"]["fidelity"]["message"]
    worst = max(item.result["details"]["columns"], key=lambda c: c["tvd"] - c["reference_tvd"])
    assert message.startswith("Fidelity score ") and " fails: column shapes (critical): " in message
    assert (
        f"worst: column '{worst['column']}' TVD {worst['tvd']:.3f} vs {worst['reference_tvd']:.3f} between real "
        f"samples of these sizes ({worst['tvd'] - worst['reference_tvd']:+.3f}, p < 0.001 Holm-adjusted)"
    ) in message
    assert report["detailed_findings"]["fidelity"]["risk_level"] == "high"


def _fairness_kwargs() -> dict:
    return {"protected_attributes": ["sex", "region"], "target": "outcome", "positive_label": "yes"}


@pytest.mark.parametrize(
    ("provider", "suite"),
    [
        (
            "PrivacyProfile",
            lambda: [
                expectations.ExpectSyntheticExactCopyRateToBeBelow(max_copy_excess=0.5),
                expectations.ExpectSyntheticMembershipAdvantageToBeBelow(max_advantage=0.05),
                expectations.ExpectSyntheticDcrShareToBeBelow(max_dcr_share=0.9),
                expectations.ExpectSyntheticRowsNotCloserThanRealNeighbours(),
            ],
        ),
        (
            "FairnessProfile",
            lambda: [
                expectations.ExpectSyntheticDemographicParityDifferenceToBeBelow(max_dpd=0.5, **_fairness_kwargs()),
                expectations.ExpectSyntheticDemographicParityDifferenceToBeBelow(max_dpd=0.01, **_fairness_kwargs()),
                expectations.ExpectSyntheticBiasAmplificationToBeBelow(**_fairness_kwargs()),
                expectations.ExpectSyntheticGroupRepresentationToMatchReal(**_fairness_kwargs()),
            ],
        ),
    ],
)
def test_each_module_computes_its_profile_once_for_all_its_expectations(poor_batch, monkeypatch, provider, suite):
    import expectations.fairness
    import expectations.privacy

    module = expectations.privacy if provider == "PrivacyProfile" else expectations.fairness
    metric = getattr(module, provider)
    calls, original = [], metric.profile
    monkeypatch.setattr(metric, "profile", staticmethod(lambda *a, **k: calls.append(1) or original(*a, **k)))
    result = _validate(poor_batch.frame, *suite())
    assert len(calls) == 1 and result.statistics["evaluated_expectations"] == 4
    assert all(r.result["details"]["module_score"] is not None for r in result.results)
