"""The shipped gx/ project: loads and runs in a fresh process; the drop guard fires."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from great_expectations.expectations.registry import get_expectation_impl

from auditing.batch import build_audit_batch
from auditing.checkpoint import DEFAULT_GX_DIR, open_context, result_dicts, run_checkpoint, stored_expectation_types
from auditing.errors import UnregisteredExpectationError
from auditing.parameters import SUITE_PARAMETERS, AuditParameters
from expectations.levels import DEFAULT_ALPHA, DEFAULT_GATE_ALPHA, GATE_CHECKS
from tests.conftest import UNKNOWN_TYPE, write_project_with_unknown_type

PIPELINE_SCRIPT = """
import json, sys
import great_expectations as gx
import expectations  # registers the audit expectations before the suite loads
from auditing.demo import demo_frames
from auditing.batch import build_audit_batch
from auditing.parameters import AuditParameters

frames = demo_frames(seed=0)
batch = build_audit_batch(frames["real"], frames[sys.argv[2]], frames["holdout"]).frame
writable = {"GX_WRITABLE_DIR": sys.argv[3]}
context = gx.get_context(mode="file", context_root_dir=sys.argv[1], runtime_environment=writable)
checkpoint = context.checkpoints.get("synthetic_data_audit")
if sys.argv[4] == "plain":  # as GX's own runners call it: the suite's defaults fill its parameters
    result = checkpoint.run(batch_parameters={"dataframe": batch})
else:
    parameters = AuditParameters().suite_parameters()
    result = checkpoint.run(batch_parameters={"dataframe": batch}, expectation_parameters=parameters)
(validation,) = result.run_results.values()
print(json.dumps({"success": result.success, "statistics": validation.statistics}))
"""


#: Run first in a process where pyspark cannot be imported, as in the default install.
WITHOUT_PYSPARK = "import sys; sys.modules['pyspark'] = None\n"


def _run_pipeline(tmp_path: Path, synthetic: str, prelude: str = "", call: str = "parameters") -> dict:
    out = tmp_path / f"{synthetic}-{call}"
    completed = subprocess.run(
        [sys.executable, "-c", prelude + PIPELINE_SCRIPT, str(DEFAULT_GX_DIR), synthetic, str(out), call],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_checkpoint_runs_in_a_fresh_process_as_a_pipeline_would(tmp_path):
    good, poor = _run_pipeline(tmp_path, "good"), _run_pipeline(tmp_path, "poor")
    assert good["statistics"]["evaluated_expectations"] == len(stored_expectation_types(DEFAULT_GX_DIR)) == 11
    assert good["success"] is True and poor["success"] is False
    assert list((tmp_path / "good-parameters" / "data_docs").rglob("*.html"))


def test_the_checkpoint_runs_with_batch_parameters_only(tmp_path):
    """GX's plain ``checkpoint.run(batch_parameters=...)`` (what orchestrators' operators call) works."""
    good, poor = _run_pipeline(tmp_path, "good", call="plain"), _run_pipeline(tmp_path, "poor", call="plain")
    assert good["statistics"]["evaluated_expectations"] == 11
    assert good["success"] is True and poor["success"] is False
    assert list((tmp_path / "good-plain" / "data_docs").rglob("*.html"))


def test_unsupplied_suite_parameters_take_the_defaults_and_supplied_ones_win(demo, tmp_path):
    context = open_context(tmp_path)
    batch = build_audit_batch(demo["real"], demo["good"], demo["holdout"]).frame
    checkpoint = context.checkpoints.get("synthetic_data_audit")
    plain = result_dicts(checkpoint.run(batch_parameters={"dataframe": batch}))
    assert plain == result_dicts(run_checkpoint(context, batch, AuditParameters()))
    strict = {"fidelity_min_column_shapes_score": 0.999}
    overridden = result_dicts(checkpoint.run(batch_parameters={"dataframe": batch}, expectation_parameters=strict))
    shapes = "expect_synthetic_column_shapes_to_match_real"
    (judged,) = [item for item in overridden if item["type"] == shapes]
    assert judged["details"]["thresholds"]["min_score"] == 0.999 and not judged["success"]
    assert [item for item in overridden if item["type"] != shapes] == [item for item in plain if item["type"] != shapes]


def test_the_engines_defaults_are_the_expectations_own():
    """A plain GX run (suite defaults) and ``run_audit`` (``AuditParameters()``) judge alike."""
    suite = json.loads((DEFAULT_GX_DIR / "expectations" / "synthetic_data_audit.json").read_text())
    engine = AuditParameters().suite_parameters()
    checked = 0
    for stored in suite["expectations"]:
        defaults = get_expectation_impl(stored["type"]).kwarg_defaults()
        for kwarg, value in stored["kwargs"].items():
            if isinstance(value, dict) and "$PARAMETER" in value:
                # An empty list and None both mean "none named".
                assert (defaults[kwarg] or None) == (engine[value["$PARAMETER"]] or None), (stored["type"], kwarg)
                checked += 1
    assert checked > len(SUITE_PARAMETERS)


def test_the_project_runs_without_pyspark(tmp_path):
    """pyspark is an extra: the project (with its Spark data source) loads and runs without it."""
    result = _run_pipeline(tmp_path, "good", prelude=WITHOUT_PYSPARK)
    assert result["success"] is True and result["statistics"]["evaluated_expectations"] == 11


def test_the_spark_checkpoint_runs_the_same_suite_and_actions():
    def stored(kind: str, name: str) -> dict:
        return json.loads((DEFAULT_GX_DIR / kind / f"{name}.json").read_text())

    pandas_checkpoint = stored("checkpoints", "synthetic_data_audit")
    spark_checkpoint = stored("checkpoints", "synthetic_data_audit_spark")
    for key in ("actions", "result_format"):
        assert spark_checkpoint[key] == pandas_checkpoint[key]
    pandas_definition = stored("validation_definitions", "synthetic_data_audit")
    spark_definition = stored("validation_definitions", "synthetic_data_audit_spark")
    assert spark_definition["suite"] == pandas_definition["suite"]
    assert spark_definition["data"]["datasource"]["name"] == "synthetic_audit_spark"
    assert open_context().data_sources.get("synthetic_audit_spark").type == "spark"


def test_running_does_not_write_into_the_project(tmp_path):
    before = sorted(p.relative_to(DEFAULT_GX_DIR) for p in DEFAULT_GX_DIR.rglob("*"))
    _run_pipeline(tmp_path, "good")
    assert sorted(p.relative_to(DEFAULT_GX_DIR) for p in DEFAULT_GX_DIR.rglob("*")) == before


def test_suite_parameters_match_what_the_engine_supplies():
    text = (DEFAULT_GX_DIR / "expectations" / "synthetic_data_audit.json").read_text()
    assert set(re.findall(r'"\$PARAMETER": "(\w+)"', text)) == set(SUITE_PARAMETERS)


def test_the_gate_level_is_split_over_the_suites_critical_checks():
    suite = json.loads((DEFAULT_GX_DIR / "expectations" / "synthetic_data_audit.json").read_text())
    critical = [e for e in suite["expectations"] if e.get("severity") == "critical"]
    assert len(critical) == GATE_CHECKS
    # Every check, warnings too, is tested at the one per-check level.
    assert all(e["kwargs"]["alpha"] == {"$PARAMETER": "check_alpha"} for e in suite["expectations"])
    parameters = AuditParameters(alpha=0.04)
    assert parameters.suite_parameters()["check_alpha"] == 0.04 / GATE_CHECKS
    assert AuditParameters().check_alpha == DEFAULT_ALPHA == DEFAULT_GATE_ALPHA / GATE_CHECKS


@pytest.fixture
def project_with_unknown_type(tmp_path: Path) -> Path:
    return write_project_with_unknown_type(tmp_path / "gx")


def test_gx_alone_silently_drops_an_unregistered_type(project_with_unknown_type):
    """Why the guard exists: plain GX loads the suite without the unknown expectation."""
    import great_expectations as gx

    context = gx.get_context(mode="file", context_root_dir=str(project_with_unknown_type))
    assert len(context.suites.get("synthetic_data_audit").expectations) == 11  # 12 stored


def test_drop_guard_fails_loudly_naming_the_type(project_with_unknown_type, tmp_path):
    with pytest.raises(UnregisteredExpectationError, match=UNKNOWN_TYPE):
        open_context(tmp_path / "out", project_dir=project_with_unknown_type)


def test_the_shipped_checkpoint_does_not_load_in_a_process_without_the_import(tmp_path):
    """A pipeline that forgets `import expectations` would get a green run with no audit (GX drops
    the unregistered types); the checkpoint names our completeness action, so it fails to load."""
    script = (
        "import great_expectations as gx, pandas as pd, sys\n"
        "context = gx.get_context(mode='file', context_root_dir=sys.argv[1],"
        " runtime_environment={'GX_WRITABLE_DIR': sys.argv[2]})\n"
        "print(len(context.suites.get('synthetic_data_audit').expectations), flush=True)\n"
        "batch = pd.DataFrame({'x': [1, 2], '_audit_source': ['real', 'synthetic']})\n"
        "context.checkpoints.get('synthetic_data_audit').run(batch_parameters={'dataframe': batch})\n"
        "print('ran', flush=True)\n"
    )
    completed = subprocess.run(
        [sys.executable, "-c", script, str(DEFAULT_GX_DIR), str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert completed.stdout.split() == ["0"]  # the trap: GX loaded the suite without one audit
    assert completed.returncode != 0
    assert "no action of type synthetic_audit_complete found" in completed.stderr


def test_a_plain_gx_run_that_dropped_an_expectation_fails(project_with_unknown_type, tmp_path):
    """Registered, but the suite names a type nobody defines: GX evaluates 11 of 12 and the
    checkpoint's own action fails the run (after writing Data Docs)."""
    import great_expectations as gx

    from auditing.batch import build_audit_batch
    from auditing.demo import write_demo_data

    files = write_demo_data(tmp_path / "demo", seed=0)
    batch = build_audit_batch(files["real"], files["good"], files["holdout"])
    context = gx.get_context(
        mode="file",
        context_root_dir=str(project_with_unknown_type),
        runtime_environment={"GX_WRITABLE_DIR": str(tmp_path / "out")},
    )
    checkpoint = context.checkpoints.get("synthetic_data_audit")
    with pytest.raises(UnregisteredExpectationError, match="evaluated 11 of the suite's 12 expectations"):
        checkpoint.run(
            batch_parameters={"dataframe": batch.frame},
            expectation_parameters=AuditParameters(bootstrap_replicates=0).suite_parameters(),
        )
