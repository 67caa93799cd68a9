"""The audit under real orchestrators, each in a virtualenv holding only the built wheel and it.

``SYNTH_AUDIT_AIRFLOW_VENV`` names a virtualenv with Airflow 3.3, the GX provider and our wheel;
``SYNTH_AUDIT_DAGSTER_VENV`` one with Dagster 1.13 and our wheel. ``.ci/run`` makes both; by hand::

    pip wheel --no-deps -w dist .
    python3 -m venv /tmp/af && /tmp/af/bin/pip install -c requirements-core.lock apache-airflow==3.3.2 dist/*.whl
    /tmp/af/bin/pip install --no-deps airflow-provider-great-expectations==1.0.0
    python3 -m venv /tmp/dg && /tmp/dg/bin/pip install -c requirements-core.lock dagster==1.13.28 dist/*.whl
    export SYNTH_AUDIT_AIRFLOW_VENV=/tmp/af SYNTH_AUDIT_DAGSTER_VENV=/tmp/dg
    .venv/bin/python -m pytest tests/test_orchestrators.py

Each way in audits a fresh real sample (what a perfect generator makes: it passes) and Adult's
biased set with fairness (it fails), writes Data Docs, and fails when the audit expectations
are not registered. The fixtures are in ``tests/orchestrators/``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import UNKNOWN_TYPE, require, write_project_with_unknown_type

FIXTURES = Path(__file__).resolve().parent / "orchestrators"
ROOT = FIXTURES.parents[1]

pytestmark = pytest.mark.slow


def _venv(variable: str) -> Path:
    location = os.environ.get(variable)
    require(bool(location) and (Path(location) / "bin" / "python").is_file(), f"{variable} names no virtualenv")
    return Path(location)


@pytest.fixture(scope="module")
def data(adult: dict[str, pd.DataFrame], tmp_path_factory) -> Path:
    """Adult, smaller: 6,000 training rows; holdout and fresh sample 3,000 disjoint holdout rows each."""
    folder = tmp_path_factory.mktemp("orchestrator-data")
    adult["train"].sample(6_000, random_state=0).to_csv(folder / "train.csv", index=False)
    holdout = adult["holdout"].sample(6_000, random_state=1)
    holdout.iloc[:3_000].to_csv(folder / "holdout.csv", index=False)
    holdout.iloc[3_000:].to_csv(folder / "fresh.csv", index=False)
    adult["synthetic_biased"].sample(3_000, random_state=2).to_csv(folder / "biased.csv", index=False)
    return folder


def _run(command: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    # Outside the checkout, with no path of ours: the venv's wheel is all there is.
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SYNTH_AUDIT_GX_DIR", "VIRTUAL_ENV")}
    return subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=cwd, env={**clean, **env})


def _last_json(completed: subprocess.CompletedProcess) -> dict:
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _installed_outside_the_checkout(venv: Path) -> None:
    where = _run([str(venv / "bin" / "python"), "-c", "import auditing; print(auditing.__file__)"], {}, venv)
    assert where.returncode == 0, where.stderr[-2000:]
    # The venv's own copy (CI keeps the venvs inside the checkout, so "not below ROOT" would not do).
    installed = Path(where.stdout.strip())
    assert installed.is_relative_to(venv / "lib") and not installed.is_relative_to(ROOT / "auditing")


# --- GX's own checkpoint call, in the Airflow virtualenv (wheel + orchestrator only) ---


def test_a_plain_gx_checkpoint_run_from_the_wheel(data, tmp_path):
    venv = _venv("SYNTH_AUDIT_AIRFLOW_VENV")
    _installed_outside_the_checkout(venv)
    env = {"SYNTH_AUDIT_TEST_DATA": str(data), "SYNTH_AUDIT_TEST_OUT": str(tmp_path)}
    python, script = str(venv / "bin" / "python"), str(FIXTURES / "plain_gx_run.py")
    fresh = _last_json(_run([python, script, "fresh", "registered"], env, tmp_path))
    biased = _last_json(_run([python, script, "biased", "registered"], env, tmp_path))
    assert Path(fresh["project"]).is_relative_to(venv / "lib")  # the project the wheel ships
    assert fresh["success"] is True and fresh["evaluated"] == 11 and fresh["pages"] == 1
    assert biased["success"] is False and biased["pages"] == 1
    assert "expect_synthetic_bias_amplification_to_be_below" in biased["failed"]
    unregistered = _run([python, script, "fresh", "unregistered"], env, tmp_path)
    assert unregistered.returncode == 1
    assert "synthetic_audit_complete" in _last_json(unregistered)["message"]


# --- Airflow: `airflow dags test` on SQLite ---


@pytest.fixture(scope="module")
def airflow(tmp_path_factory) -> dict:
    venv = _venv("SYNTH_AUDIT_AIRFLOW_VENV")
    home = tmp_path_factory.mktemp("airflow-home")
    env = {"AIRFLOW_HOME": str(home), "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "PYTHONWARNINGS": "ignore"}
    migrated = _run([str(venv / "bin" / "airflow"), "db", "migrate"], env, home)
    assert migrated.returncode == 0, migrated.stdout[-2000:] + migrated.stderr[-2000:]
    return {"venv": venv, "home": home, "env": env}


def _dags_test(airflow: dict, dag_file: str, dag_id: str, data: Path, out: Path, **extra: str) -> dict:
    """Run one DAG with ``airflow dags test``; its exit code, output and the task's XComs and state.

    Each DAG file gets a dags folder of its own: Airflow imports the whole folder into the
    process that runs the task, and another file's ``import expectations`` would register the
    audit for a DAG that never imports it.
    """
    folder = airflow["home"] / f"dags-{dag_id}"
    folder.mkdir(exist_ok=True)
    shutil.copy(FIXTURES / dag_file, folder / dag_file)
    env = {
        **airflow["env"],
        "AIRFLOW__CORE__DAGS_FOLDER": str(folder),
        "SYNTH_AUDIT_TEST_DATA": str(data),
        "SYNTH_AUDIT_TEST_OUT": str(out),
        **extra,
    }
    airflow_bin = str(airflow["venv"] / "bin" / "airflow")
    ran = _run([airflow_bin, "dags", "test", dag_id, "-f", str(folder / dag_file)], env, out)
    read = (
        "import json, sys\n"
        "from airflow.models.dagrun import DagRun\n"
        "from airflow.utils.session import create_session\n"
        "with create_session() as session:\n"
        "    run = max(DagRun.find(dag_id=sys.argv[1], session=session), key=lambda r: r.start_date)\n"
        "    (ti,) = run.get_task_instances(session=session)\n"
        "    print(json.dumps({'state': str(ti.state), 'return_value': ti.xcom_pull(task_ids=ti.task_id),\n"
        "                      'summary': ti.xcom_pull(task_ids=ti.task_id, key='audit_summary')}, default=str))\n"
    )
    task = _last_json(_run([str(airflow["venv"] / "bin" / "python"), "-c", read, dag_id], env, out))
    return {"returncode": ran.returncode, "output": ran.stdout + ran.stderr, **task}


def test_our_airflow_operator_passes_a_fresh_sample_and_fails_the_biased_set(airflow, data, tmp_path):
    passed = _dags_test(airflow, "airflow_audit_dags.py", "audit_operator_fresh", data, tmp_path)
    assert passed["returncode"] == 0 and passed["state"] == "success", passed["output"][-3000:]
    summary = passed["return_value"]
    assert summary == passed["summary"] and summary["passed"] is True
    # The templated location and the per-run folder: the report and Data Docs are where the summary says.
    assert summary["sample_sizes"] == {"real": 6_000, "synthetic": 3_000, "holdout": 3_000}
    assert Path(summary["report_path"]) == tmp_path / "audit_operator_fresh" / "audit" / "report.json"
    assert Path(summary["data_docs_page"]).is_file()

    failed = _dags_test(airflow, "airflow_audit_dags.py", "audit_operator_biased", data, tmp_path)
    assert failed["returncode"] == 1 and failed["state"] == "failed"
    assert failed["return_value"] is None and failed["summary"]["passed"] is False
    assert "expect_synthetic_bias_amplification_to_be_below" in failed["summary"]["failed_critical"]
    assert "AirflowFailException: the synthetic data failed the audit (critical gate): " in failed["output"]
    assert Path(failed["summary"]["data_docs_page"]).is_file()


def test_our_airflow_operator_fails_when_an_audit_expectation_is_unregistered(airflow, data, tmp_path):
    project = write_project_with_unknown_type(tmp_path / "gx")
    ran = _dags_test(
        airflow, "airflow_audit_dags.py", "audit_operator_fresh", data, tmp_path, SYNTH_AUDIT_GX_DIR=str(project)
    )
    assert ran["returncode"] == 1 and ran["state"] == "failed"
    assert "UnregisteredExpectationError" in ran["output"] and UNKNOWN_TYPE in ran["output"]


def test_the_providers_operator_runs_our_checkpoint(airflow, data, tmp_path):
    passed = _dags_test(airflow, "airflow_audit_dags.py", "audit_provider_fresh", data, tmp_path)
    assert passed["returncode"] == 0 and passed["state"] == "success", passed["output"][-3000:]
    (validation,) = passed["return_value"]["validation_results"]
    assert validation["success"] is True and validation["statistics"]["evaluated_expectations"] == 11
    assert len(list((tmp_path / "audit_provider_fresh").rglob("validations/synthetic_data_audit_run/**/*.html"))) == 1

    failed = _dags_test(airflow, "airflow_audit_dags.py", "audit_provider_biased", data, tmp_path)
    assert failed["returncode"] == 1 and failed["state"] == "failed"
    (validation,) = failed["return_value"]["validation_results"]
    failed_types = {e["expectation_type"] for e in validation["expectations"] if not e["success"]}
    assert "expect_synthetic_bias_amplification_to_be_below" in failed_types
    assert "GXValidationFailed" in failed["output"]
    assert len(list((tmp_path / "audit_provider_biased").rglob("validations/synthetic_data_audit_run/**/*.html"))) == 1


def test_the_providers_operator_fails_in_a_dag_that_never_imports_the_audit(airflow, data, tmp_path):
    ran = _dags_test(airflow, "airflow_unregistered_dag.py", "audit_provider_unregistered", data, tmp_path)
    assert ran["returncode"] == 1 and ran["state"] == "failed"
    assert "no action of type synthetic_audit_complete found" in ran["output"]
    assert not list((tmp_path / "unregistered").rglob("*.json"))  # no validation result was stored


# --- Dagster: `materialize` with our blocking asset check ---


def _materialize(data: Path, out: Path, synthetic: str, **extra: str) -> dict:
    venv = _venv("SYNTH_AUDIT_DAGSTER_VENV")
    _installed_outside_the_checkout(venv)
    env = {"SYNTH_AUDIT_TEST_DATA": str(data), "SYNTH_AUDIT_TEST_OUT": str(out), **extra}
    return _last_json(_run([str(venv / "bin" / "python"), str(FIXTURES / "dagster_audit.py"), synthetic], env, out))


def test_our_dagster_check_blocks_a_failed_audit_from_publishing(data, tmp_path):
    passed = _materialize(data, tmp_path, "fresh")
    assert passed["success"] is True and passed["materialized"] == ["published_people", "synthetic_people"]
    (check,) = passed["checks"]
    assert check["passed"] is True and check["blocking"] is True and check["severity"] == "ERROR"
    report = json.loads(Path(check["metadata"]["report"]).read_text())
    assert check["metadata"]["overall_score"] == report["overall_score"]
    assert check["metadata"]["privacy_score"] == report["module_scores"]["privacy"]
    assert check["metadata"]["fidelity_risk"] == report["modules"]["fidelity"]["risk_level"]
    assert Path(check["metadata"]["data_docs"]).is_file()

    failed = _materialize(data, tmp_path, "biased")
    assert failed["success"] is False and failed["materialized"] == ["synthetic_people"]  # not published
    (check,) = failed["checks"]
    assert check["passed"] is False
    assert "expect_synthetic_bias_amplification_to_be_below" in check["metadata"]["failed_critical"]
    assert Path(check["metadata"]["data_docs"]).is_file()
    assert "blocking asset check failed" in failed["failure"]


def test_our_dagster_check_fails_when_an_audit_expectation_is_unregistered(data, tmp_path):
    project = write_project_with_unknown_type(tmp_path / "gx")
    ran = _materialize(data, tmp_path, "fresh", SYNTH_AUDIT_GX_DIR=str(project))
    assert ran["success"] is False and ran["checks"] == [] and ran["materialized"] == ["synthetic_people"]
    assert UNKNOWN_TYPE in ran["failure"]
