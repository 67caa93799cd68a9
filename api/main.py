"""The HTTP API: ``GET /health``, ``POST /audit``; ``handler`` serves it on AWS Lambda via Mangum.

Locally: ``uvicorn api.main:app`` with ``SYNTH_AUDIT_LOCAL_DATA_DIR`` (inputs) and
``SYNTH_AUDIT_LOCAL_RESULTS_DIR`` (Data Docs, served under ``/results``); interactive docs at
``/docs``. On Lambda: inputs from allow-listed S3 buckets, results to ``SYNTH_AUDIT_RESULTS_BUCKET``.
The engine (GX, pandas, scipy, scikit-learn) is imported here, at module scope, so a Lambda
container pays for it once, in its init phase, not on every request.
"""

from __future__ import annotations

import logging
import tempfile
import threading
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse
from mangum import Mangum
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import problems
from api.models import AuditReport, AuditRequest, Problem
from api.settings import Settings
from auditing.engine import run_audit
from auditing.errors import InputError
from auditing.fetch import S3Location, check_location, fetch_input, s3_client_for
from auditing.io import read_table
from auditing.results import presigned_link, publish_locally, publish_to_s3

logging.getLogger("synth_audit.api").setLevel(logging.INFO)

#: GX data contexts are not safe to run concurrently in one process (DESIGN §6); Lambda runs one
#: request per container anyway, uvicorn's thread pool could run several.
_AUDIT_LOCK = threading.Lock()
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
    try:
        parameters = body.parameters()
    except ValueError as error:  # e.g. a target without a positive label
        raise InputError(str(error)) from None
    # Every location is vetted before any is fetched: a refused one costs no download.
    locations = {role: check_location(url, role, settings.policy) for role, url in body.locations().items()}
    if settings.work_dir is not None:
        settings.work_dir.mkdir(parents=True, exist_ok=True)
    client = s3_client_for(settings.policy) if settings.results_bucket or _reads_s3(locations) else None
    # Removed on every exit, errors included: a warm container must not keep one caller's data.
    with tempfile.TemporaryDirectory(prefix="synth-audit-", dir=settings.work_dir) as work:
        folder = Path(work)
        tables = {}
        for role, location in locations.items():
            path = fetch_input(location, role, folder, settings.policy, s3_client=client)
            limits = settings.policy.limits
            tables[role] = read_table(
                path, role, display=location.display(), max_rows=limits.max_rows, max_columns=limits.max_columns
            )
        with _AUDIT_LOCK:
            outcome = run_audit(
                tables["real"],
                tables["synthetic"],
                tables.get("holdout"),
                out_dir=folder / "out",
                parameters=parameters,
            )
        report = dict(outcome.report)
        if settings.results_bucket:
            published = publish_to_s3(outcome, client, settings.results_bucket, settings.results_prefix)
            report["data_docs_url"] = presigned_link(
                client, settings.results_bucket, published.page_key, settings.link_seconds
            )
        elif settings.local_results_dir is not None:
            published = publish_locally(outcome, settings.local_results_dir)
            report["data_docs_url"] = str(request.url_for("results", path=published.page_key))
        else:
            report["data_docs_url"] = None  # nowhere to keep the pages once the temp folder is gone
    return report


def _reads_s3(locations: dict[str, Any]) -> bool:
    return any(isinstance(location, S3Location) for location in locations.values())


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
