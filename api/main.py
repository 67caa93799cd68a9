"""The HTTP API: ``GET /health``, ``POST /audit``; ``handler`` serves it on AWS Lambda via Mangum.

Locally: ``uvicorn api.main:app`` with ``SYNTH_AUDIT_LOCAL_DATA_DIR`` (inputs) and
``SYNTH_AUDIT_LOCAL_RESULTS_DIR`` (Data Docs, served under ``/results``); interactive docs at
``/docs``. On Lambda: inputs from allow-listed S3 buckets, results to ``SYNTH_AUDIT_RESULTS_BUCKET``.
The engine (GX, pandas, scipy, scikit-learn) is imported here, at module scope, so a Lambda
container pays for it once, in its init phase, not on every request.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from mangum import Mangum
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import problems
from api.models import AuditReport, AuditRequest, Problem
from api.settings import Settings
from auditing.errors import InputError
from auditing.fetch import s3_client_for
from auditing.parameters import AuditParameters
from auditing.results import Published, presigned_link
from auditing.service import audit_locations, vet_locations

logging.getLogger("synth_audit.api").setLevel(logging.INFO)

_PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "description": title, "content": {problems.MEDIA_TYPE: {}}}
    for status, title in {
        400: "bad location, unreadable request body",
        403: "location not allowed",
        413: "an input above a cap",
        422: "invalid request, unreadable input, unknown column",
        500: "the audit failed",
    }.items()
}

app = FastAPI(
    title="Synthetic Data Auditor",
    version="0.1.0",
    description="Audits a synthetic dataset for privacy, fairness and fidelity against its real source.",
)
app.add_exception_handler(InputError, problems.input_error)
app.add_exception_handler(RequestValidationError, problems.invalid_request)
app.add_exception_handler(StarletteHTTPException, problems.http_error)
app.add_exception_handler(Exception, problems.internal_error)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/audit", response_model=AuditReport, responses=_PROBLEM_RESPONSES)
def audit(body: AuditRequest, request: Request) -> dict[str, Any]:
    """Audit the synthetic data against the real data; answer the report with a Data Docs link."""
    settings = Settings.from_env()
    parameters = request_parameters(body)
    locations = vet_locations(body.locations(), settings.policy)
    client = s3_client_for(settings.policy) if settings.results_bucket else None
    done = audit_locations(
        locations, parameters, settings.policy, settings.results_target, work_dir=settings.work_dir, s3_client=client
    )
    return {**done.report, "data_docs_url": data_docs_link(done.published, settings, request, client)}


def request_parameters(body: AuditRequest) -> AuditParameters:
    try:
        return body.parameters()
    except ValueError as error:  # e.g. a target without a positive label
        raise InputError(str(error)) from None


def data_docs_link(published: Published | None, settings: Settings, request: Request, client: Any) -> str | None:
    """A short-lived pre-signed link (S3), the app's own URL (local mode), or None (nowhere kept)."""
    if published is None:
        return None
    if settings.results_bucket:
        return presigned_link(client, settings.results_bucket, published.page_key, settings.link_seconds)
    return str(request.url_for("results", path=published.page_key))


@app.get("/results/{path:path}", name="results", include_in_schema=False)
def results(path: str) -> FileResponse:
    """Local mode: the published Data Docs pages and reports (nothing outside the results folder)."""
    settings = Settings.from_env()
    root = settings.local_results_dir.resolve() if settings.local_results_dir else None
    target = (root / path).resolve() if root else None
    if root is None or target is None or not target.is_relative_to(root) or not target.is_file():
        return problems.problem("not-found", "no such result")  # type: ignore[return-value]
    return FileResponse(target)


#: The Lambda entry point (REST v1, HTTP API v2 and Function URL events). Lifespan off: Mangum
#: would otherwise run startup and shutdown on every invocation.
handler = Mangum(app, lifespan="off")
