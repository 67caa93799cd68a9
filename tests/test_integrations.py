"""The orchestrator-free parts of ``auditing.integrations``: the GX-only checkpoint, the summary.

The Airflow operator and the Dagster check run under their orchestrators in
``tests/test_orchestrators.py``.
"""

from __future__ import annotations

import pytest

from auditing import AuditParameters, build_audit_batch, open_context, run_audit
from auditing.checkpoint import DEFAULT_GX_DIR, result_dicts, run_checkpoint
from auditing.demo import DEMO_FAIRNESS
from auditing.errors import InputError
from auditing.integrations import as_parameters, failure_message
from auditing.integrations.gx_runner import RUN_NAME, audit_checkpoint, audit_project, fixed_suite


def test_the_gx_only_checkpoint_audits_as_the_engine_does_and_needs_no_arguments(demo, tmp_path):
    parameters = AuditParameters(**DEMO_FAIRNESS)
    before = sorted(p.relative_to(DEFAULT_GX_DIR) for p in DEFAULT_GX_DIR.rglob("*"))
    context = audit_project(tmp_path / "runs")()
    checkpoint = audit_checkpoint(demo["real"], demo["poor"], demo["holdout"], parameters=parameters)(context)
    result = checkpoint.run()  # what the provider's operator calls, without batch parameters

    batch = build_audit_batch(demo["real"], demo["poor"], demo["holdout"]).frame
    engine = run_checkpoint(open_context(tmp_path / "engine"), batch, parameters)
    assert result_dicts(result) == result_dicts(engine) and result.success is False
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert len(list((run_dir / "data_docs" / "validations" / RUN_NAME).rglob("*.html"))) == 1
    # Everything the run wrote is in its own folder; the shipped project is as it was.
    assert sorted(p.relative_to(DEFAULT_GX_DIR) for p in DEFAULT_GX_DIR.rglob("*")) == before


def test_the_fixed_suite_holds_the_settings_and_no_parameters(tmp_path):
    context = open_context(tmp_path)
    parameters = AuditParameters(fairness_protected_attributes=("sex",), privacy_max_advantage=0.05)
    suite = fixed_suite(context.suites.get("synthetic_data_audit"), parameters)
    assert "$PARAMETER" not in str(suite.to_json_dict())
    by_type = {e.expectation_type: e for e in suite.expectations}
    assert by_type["expect_synthetic_membership_advantage_to_be_below"].max_advantage == 0.05
    assert by_type["expect_synthetic_group_representation_to_match_real"].protected_attributes == ["sex"]
    assert len(suite.expectations) == len(context.suites.get("synthetic_data_audit").expectations)


def test_settings_that_do_not_fit_the_tables_fail_when_the_task_runs(demo, tmp_path):
    configure = audit_checkpoint(
        demo["real"], demo["good"], demo["holdout"], parameters={"fairness_protected_attributes": ["nationality"]}
    )
    with pytest.raises(InputError, match="nationality"):
        configure(audit_project(tmp_path)())


def test_parameters_from_a_mapping_and_the_failure_message(demo):
    assert as_parameters(None) == AuditParameters()
    assert as_parameters({"fairness_protected_attributes": ["sex"]}).fairness_protected_attributes == ("sex",)
    with pytest.raises(TypeError):
        as_parameters({"no_such_setting": 1})
    report = run_audit(demo["real"], demo["poor"], demo["holdout"])
    names = [report.check(t).name for t in report.gate.failed_critical]
    assert failure_message(report) == (f"the synthetic data failed the audit (critical gate): {', '.join(names)}")
    summary = report.summary()
    assert summary["passed"] is False and summary["failed_critical"] == list(report.gate.failed_critical)
    assert summary["module_scores"] == {name: m.score for name, m in report.modules.items()}
    assert summary["report_path"] is None and summary["data_docs_page"] is None  # an audit in memory
