"""The HTTP API: ``GET /health``, ``POST /audit``; ``handler`` serves it on AWS Lambda via Mangum.

Locally: ``uvicorn api.main:app`` with ``SYNTH_AUDIT_LOCAL_DATA_DIR`` (inputs) and
``SYNTH_AUDIT_LOCAL_RESULTS_DIR`` (Data Docs, served under ``/results``); interactive docs at
``/docs``. On Lambda: inputs from allow-listed S3 buckets, results to ``SYNTH_AUDIT_RESULTS_BUCKET``.
The engine (GX, pandas, scipy, scikit-learn) is imported here, at module scope, so a Lambda
container pays for it once, in its init phase, not on every request.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles
from mangum import Mangum
from mangum.adapter import DEFAULT_TEXT_MIME_TYPES
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import problems, static_assets
from api.jobs import enqueue, job_store
from api.models import AuditReport, AuditRequest, JobAccepted, JobStatus, Problem
from api.settings import Settings
from auditing.errors import InputError, InputTooLarge
from auditing.fetch import s3_client_for
from auditing.jobs import JobRecord, new_job_id
from auditing.parameters import AuditParameters
from auditing.results import presigned_link
from auditing.service import audit_locations, vet_locations

logging.getLogger("synth_audit.api").setLevel(logging.INFO)


def _problem_responses(described: dict[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for problem answers: status → what it means."""
    return {
        status: {"model": Problem, "description": text, "content": {problems.MEDIA_TYPE: {}}}
        for status, text in described.items()
    }


_PROBLEM_RESPONSES = _problem_responses(
    {
        400: "bad location, unreadable request body",
        403: "location not allowed",
        413: "an input above a cap",
        422: "invalid request, unreadable input, unknown column",
        500: "the audit failed",
    }
)
_JOB_RESPONSES = {
    **_PROBLEM_RESPONSES,
    **_problem_responses({404: "no such job (or not yours)", 503: "jobs not configured"}),
}

app = FastAPI(
    title="Synthetic Data Auditor",
    version="0.1.0",
    description="Audits a synthetic dataset for privacy, fairness and fidelity against its real source.",
    # Our own /docs below serves Swagger UI from the service (FastAPI's loads it from a CDN);
    # ReDoc is not offered rather than left to a CDN.
    docs_url=None,
    redoc_url=None,
)
app.mount(static_assets.STATIC_PATH, StaticFiles(directory=static_assets.STATIC_DIR), name="static")
app.add_exception_handler(InputError, problems.input_error)
app.add_exception_handler(RequestValidationError, problems.invalid_request)
app.add_exception_handler(StarletteHTTPException, problems.http_error)
app.add_exception_handler(Exception, problems.internal_error)


@app.get("/docs", include_in_schema=False)
def docs(request: Request) -> HTMLResponse:
    """Swagger UI for the API, every file of it served by the service itself (works offline)."""
    root = request.scope.get("root_path", "")
    return get_swagger_ui_html(
        openapi_url=f"{root.rstrip('/')}{app.openapi_url}",
        title=f"{app.title} - Swagger UI",
        swagger_js_url=static_assets.url(static_assets.SWAGGER_JS, root),
        swagger_css_url=static_assets.url(static_assets.SWAGGER_CSS, root),
        swagger_favicon_url=static_assets.favicon_data_uri(),
        # Swagger UI would send the spec to validator.swagger.io for its badge.
        swagger_ui_parameters={"validatorUrl": None},
    )


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.post("/audit", response_model=AuditReport, responses=_PROBLEM_RESPONSES)
def audit(body: AuditRequest, request: Request) -> dict[str, Any]:
    """Audit the synthetic data against the real data; answer the report with a Data Docs link."""
    settings = Settings.from_env()
    parameters = request_parameters(body)
    # One request must finish inside API Gateway's 30 s: larger inputs belong to POST /audits.
    limits = settings.policy.limits
    sync_policy = replace(
        settings.policy, limits=replace(limits, max_bytes=min(limits.max_bytes, settings.sync_max_bytes))
    )
    locations = vet_locations(body.locations(), sync_policy)
    client = s3_client_for(settings.policy) if settings.results_bucket else None
    try:
        done = audit_locations(
            locations,
            parameters,
            sync_policy,
            settings.results_target,
            work_dir=settings.work_dir,
            s3_client=client,
            dialect=body.dialect(),
        )
    except InputTooLarge as error:
        if error.limit == "bytes" and settings.sync_max_bytes < limits.max_bytes:
            raise InputTooLarge(
                f"{error} for POST /audit; POST /audits audits inputs up to {limits.max_bytes:,} bytes asynchronously",
                "bytes",
            ) from None
        raise
    page_key = done.published.page_key if done.published else None
    return {**done.report, "data_docs_url": data_docs_link(page_key, settings, request, client)}


def caller(request: Request) -> str:
    """Who is calling, as API Gateway's authorizer identified them ('local' without one)."""
    event = request.scope.get("aws.event") or {}
    context = event.get("requestContext") or {}
    authorizer = context.get("authorizer") or {}
    iam = authorizer.get("iam") or {}
    claims = (authorizer.get("jwt") or {}).get("claims") or {}
    identity = context.get("identity") or {}
    return str(iam.get("userArn") or claims.get("sub") or identity.get("userArn") or "local")


@app.post("/audits", status_code=202, response_model=JobAccepted, responses=_JOB_RESPONSES)
def submit_audit(body: AuditRequest, request: Request, response: Response) -> dict[str, Any]:
    """Queue an audit of inputs too large for one request; poll ``status_url``."""
    settings = Settings.from_env()
    store = job_store(settings)
    if store is None:
        raise problems.JobsNotConfigured(
            "set SYNTH_AUDIT_JOBS_TABLE and _JOBS_QUEUE_URL, or SYNTH_AUDIT_LOCAL_JOBS_DIR"
        )
    request_parameters(body)
    locations = vet_locations(body.locations(), settings.policy)  # refused now, not in the worker
    job_id = new_job_id()
    inputs = {role: location.display() for role, location in locations.items()}
    store.create(JobRecord(job_id=job_id, owner=caller(request), inputs=inputs))
    enqueue(job_id, body.model_dump(mode="json"), settings)
    status_url = str(request.url_for("audit_job", job_id=job_id))
    response.headers["Location"] = status_url
    return {"job_id": job_id, "status": "queued", "status_url": status_url}


@app.get("/audits/{job_id}", name="audit_job", response_model=JobStatus, responses=_JOB_RESPONSES)
def audit_job(job_id: str, request: Request) -> dict[str, Any]:
    """A job's status; once it succeeded, its report with a freshly signed Data Docs link."""
    settings = Settings.from_env()
    store = job_store(settings)
    if store is None:
        raise problems.JobsNotConfigured("asynchronous audits are not configured here")
    record = store.get(job_id) if job_id.isalnum() and len(job_id) <= 64 else None
    if record is None or record.owner != caller(request):
        raise problems.NoSuchJob("no such audit job")
    answer: dict[str, Any] = {
        "job_id": record.job_id,
        "status": record.status,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
        "attempts": record.attempts,
        "inputs": record.inputs,
        "fingerprints": record.fingerprints,
    }
    if record.status == "succeeded" and record.report_location:
        client = s3_client_for(settings.policy) if settings.results_bucket else None
        report = stored_report(record.report_location, client)
        answer["report"] = {**report, "data_docs_url": data_docs_link(record.page_key, settings, request, client)}
    if record.status == "failed" and record.error:
        kind = record.error.get("kind", "internal-error")
        status, title = problems.KINDS.get(kind, problems.KINDS["internal-error"])
        answer["problem"] = {
            "type": problems.PROBLEM_BASE + kind,
            "title": title,
            "status": status,
            "detail": record.error.get("detail", ""),
        }
    return answer


def stored_report(location: str, client: Any) -> dict[str, Any]:
    if location.startswith("s3://"):
        bucket, _, key = location.removeprefix("s3://").partition("/")
        return json.loads(client.get_object(Bucket=bucket, Key=key)["Body"].read())
    return json.loads(Path(location).read_text())


def request_parameters(body: AuditRequest) -> AuditParameters:
    """The request's parameters, its CSV options vetted too (``InputError`` for either)."""
    body.dialect()
    try:
        return body.parameters()
    except ValueError as error:  # e.g. a target without a positive label
        raise InputError(str(error)) from None


def data_docs_link(page_key: str | None, settings: Settings, request: Request, client: Any) -> str | None:
    """A short-lived pre-signed link (S3), the app's own URL (local mode), or None (nowhere kept)."""
    if page_key is None:
        return None
    if settings.results_bucket:
        return presigned_link(client, settings.results_bucket, page_key, settings.link_seconds)
    return str(request.url_for("results", path=page_key))


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
#: would otherwise run startup and shutdown on every invocation. Problem JSON is text too (Mangum
#: would base64-encode a media type it does not know).
handler = Mangum(app, lifespan="off", text_mime_types=[*DEFAULT_TEXT_MIME_TYPES, problems.MEDIA_TYPE])
