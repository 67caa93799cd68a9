"""schemathesis against the app's own OpenAPI schema: no 5xx, every answer as documented."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api.main import app


@pytest.fixture(autouse=True)
def local_mode(tmp_path, monkeypatch):
    """Local mode with an empty data folder: generated locations name nothing that exists, so
    every generated job is refused at submission and no worker process starts."""
    (tmp_path / "data").mkdir()
    monkeypatch.setenv("SYNTH_AUDIT_LOCAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("SYNTH_AUDIT_LOCAL_RESULTS_DIR", str(tmp_path / "results"))
    monkeypatch.setenv("SYNTH_AUDIT_WORK_DIR", str(tmp_path / "work"))
    monkeypatch.setenv("SYNTH_AUDIT_LOCAL_JOBS_DIR", str(tmp_path / "jobs"))
    for key in ("SYNTH_AUDIT_RESULTS_BUCKET", "SYNTH_AUDIT_ALLOWED_BUCKETS", "SYNTH_AUDIT_JOBS_TABLE"):
        monkeypatch.delenv(key, raising=False)


schema = schemathesis.openapi.from_asgi("/openapi.json", app)


@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_every_answer_matches_the_schema_and_none_is_a_server_error(case):
    case.call_and_validate(
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    )
    from api import jobs

    assert jobs._POOL is None  # nothing was queued
