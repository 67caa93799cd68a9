"""RFC 9457 problem answers: a stable ``type`` per error kind, an HTTP status, a safe message.

Messages come from our own input errors, which name the location (never its query string),
the column or the cap, and never a data value. Request validation errors list the field and
the kind of mistake only: pydantic's own messages and ``input`` echo what was sent.
"""

from __future__ import annotations

import logging

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.models import INPUTS_ERROR
from auditing.errors import InputError

logger = logging.getLogger("synth_audit.api")

PROBLEM_BASE = "tag:synthetic-data-auditor,2026:problem/"
MEDIA_TYPE = "application/problem+json"

#: kind → (HTTP status, title).
KINDS: dict[str, tuple[int, str]] = {
    "bad-location": (400, "The input location is not one this service reads"),
    "not-allowed": (403, "The input location is not allowed"),
    "too-large": (413, "An input is larger than a cap"),
    "unreadable-file": (422, "An input file could not be read"),
    "input-unavailable": (422, "An input could not be fetched"),
    "unknown-column": (422, "A named column is not in the data"),
    "invalid-input": (422, "The inputs cannot be audited as asked"),
    "invalid-request": (422, "The request body is not valid"),
    "bad-request": (400, "The request could not be read"),
    "not-found": (404, "No such resource"),
    "method-not-allowed": (405, "Method not allowed"),
    "internal-error": (500, "The audit failed"),
    "not-configured": (503, "Asynchronous audits are not configured here"),
}


def problem(kind: str, detail: str, errors: list[dict[str, str]] | None = None) -> JSONResponse:
    status, title = KINDS[kind]
    body = {"type": PROBLEM_BASE + kind, "title": title, "status": status, "detail": detail}
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


async def input_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, InputError)
    logger.info("refused: %s", error.kind)
    return problem(error.kind, str(error))


async def invalid_request(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = [
        {
            "field": ".".join(str(part) for part in item.get("loc", ())),
            "problem": str(item.get("type", "invalid")),
            **({"message": str(item["msg"])} if item.get("type") == INPUTS_ERROR else {}),
        }
        for item in error.errors()
    ]
    own = [item["message"] for item in errors if "message" in item]
    detail = "; ".join(own) if own else "the request body does not match the AuditRequest schema"
    return problem("invalid-request", detail, errors)


_HTTP_KINDS = {400: "bad-request", 404: "not-found", 405: "method-not-allowed"}


async def http_error(_: Request, error: Exception) -> JSONResponse:
    """Starlette's own errors (unparseable body, unknown path, wrong method) as problems too."""
    assert isinstance(error, StarletteHTTPException)
    kind = _HTTP_KINDS.get(error.status_code)
    if kind is None:
        return problem("internal-error", "the request could not be served")
    response = problem(kind, KINDS[kind][1].lower())
    response.headers.update(error.headers or {})
    return response


async def internal_error(_: Request, error: Exception) -> JSONResponse:
    # The type only: a library's message may quote a data value.
    logger.error("audit failed: %s", type(error).__name__)
    return problem("internal-error", "the audit failed inside the service; nothing was stored")


class JobsNotConfigured(InputError):
    """Neither the AWS job settings nor a local jobs folder are set."""

    kind = "not-configured"


class NoSuchJob(InputError):
    """No job with that id, or not the caller's (the answer does not say which)."""

    kind = "not-found"
