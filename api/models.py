"""Typed request, response and problem models of the HTTP API (DESIGN §5, §7).

The seed's request fields (``synthetic_data_url``, ``real_data_url``, ``protected_attributes``)
and report fields (``overall_score``, ``module_scores``, ``detailed_findings``) keep their names.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from auditing.roles import check_sides
from auditing.settings import AuditSettings, Module

Location = Field(
    min_length=1,
    max_length=4096,
    description="s3://bucket/key, a pre-signed S3 HTTPS URL, or a path in the local data folder",
)


#: The error type of the request's own checks across fields; their message names fields only,
#: never a value, so the problem answer may show it.
INPUTS_ERROR = "audit_inputs"


class AuditRequest(AuditSettings):
    """One audit: where the data is, and how to judge it (``auditing.settings.AuditSettings``)."""

    model_config = ConfigDict(extra="forbid")

    synthetic_data_url: str = Location
    real_data_url: str | None = Field(
        None,
        min_length=1,
        max_length=4096,
        description=(
            "The generator's training data; privacy and fidelity compare the synthetic data with it. "
            "Without it the synthetic data is audited alone: fairness only, with protected_attributes."
        ),
    )
    holdout_data_url: str | None = Field(
        None, min_length=1, max_length=4096, description="Real rows the generator never saw (membership attack)."
    )

    @model_validator(mode="after")
    def _sides(self) -> AuditRequest:
        try:
            check_sides(self.real_data_url is not None, self.holdout_data_url is not None, self.protected_attributes)
        except ValueError as error:
            raise PydanticCustomError(INPUTS_ERROR, str(error)) from None
        return self

    def locations(self) -> dict[str, str]:
        urls = {"real": self.real_data_url, "synthetic": self.synthetic_data_url, "holdout": self.holdout_data_url}
        return {role: url for role, url in urls.items() if url is not None}


class ModuleFinding(BaseModel):
    risk_level: Literal["low", "medium", "high"] | None
    message: str


class ModuleScores(BaseModel):
    privacy: float | None
    fairness: float | None
    fidelity: float | None


class Gate(BaseModel):
    """What ``success`` was decided from (``auditing.gate``)."""

    fail_on: Literal["critical", "warning"]
    passed: bool
    failed_critical: list[str]
    failed_warning: list[str]
    alpha: float = Field(description="The gate's level: at most this chance that real data fails it.")
    check_alpha: float = Field(description="Each critical check's level: alpha over critical_checks (Bonferroni).")
    critical_checks: int = Field(description="The suite's critical checks, over which alpha is split.")
    checkpoint_success: bool = Field(description="GX's own verdict: false on any failed expectation, warnings too.")


class AuditReport(BaseModel):
    """The report of DESIGN §5: the seed's fields, then the extensions (schema in ``auditing/report.schema.json``)."""

    model_config = ConfigDict(extra="allow")

    overall_score: float | None
    module_scores: ModuleScores
    detailed_findings: dict[Module, ModuleFinding]
    success: bool = Field(description="The gate: false on a critical failure (or a warning with fail_on warning).")
    gate: Gate
    audit_id: str
    data_docs_url: str | None = Field(description="A 15-minute link to the Data Docs validation page.")


class Problem(BaseModel):
    """An RFC 9457 problem: a stable ``type`` per kind of error, never an input value or a stack trace."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, str]] | None = None


class JobAccepted(BaseModel):
    """The answer to ``POST /audits``: the job is queued; poll ``status_url``."""

    job_id: str
    status: Literal["queued"]
    status_url: str


class JobStatus(BaseModel):
    """A job as ``GET /audits/{job_id}`` shows it: the report once it succeeded, the problem if it failed."""

    job_id: str
    status: Literal["queued", "running", "succeeded", "failed"]
    created_at: int = Field(description="milliseconds since the epoch")
    updated_at: int
    attempts: int
    inputs: dict[str, str]
    fingerprints: dict[str, str] | None = Field(None, description="sha256 of each input as read (once run)")
    report: AuditReport | None = None
    problem: Problem | None = None
