"""Typed request, response and problem models of the HTTP API (DESIGN §5, §7).

The seed's request fields (``synthetic_data_url``, ``real_data_url``, ``protected_attributes``)
and report fields (``overall_score``, ``module_scores``, ``detailed_findings``) keep their names.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from auditing.parameters import SHARE_PARAMETERS, AuditParameters

Module = Literal["privacy", "fairness", "fidelity"]
Location = Field(
    min_length=1,
    max_length=4096,
    description="s3://bucket/key, a pre-signed S3 HTTPS URL, or a path in the local data folder",
)

#: Every share/score threshold of ``AuditParameters``, optional, between 0 and 1.
Thresholds = create_model(
    "Thresholds",
    __config__=ConfigDict(extra="forbid"),
    **{
        name: (float | None, Field(None, ge=0.0, le=1.0, description=f"default {getattr(AuditParameters, name)}"))
        for name in SHARE_PARAMETERS
    },
)


def _column_names(most: int, description: str) -> Any:
    """A list of column names, empty by default, at most ``most`` long."""
    return Field(default_factory=list, max_length=most, description=description)


class AuditRequest(BaseModel):
    """One audit: where the data is, and how to judge it."""

    model_config = ConfigDict(extra="forbid")

    synthetic_data_url: str = Location
    real_data_url: str = Field(
        min_length=1,
        max_length=4096,
        description="The generator's training data; every module compares the synthetic data with it.",
    )
    holdout_data_url: str | None = Field(
        None, min_length=1, max_length=4096, description="Real rows the generator never saw (membership attack)."
    )
    protected_attributes: list[str] = _column_names(10, "Protected attribute columns; empty: no fairness audit.")
    secret_columns: list[str] = _column_names(
        10, "Columns the attribute-inference attack tries to infer; empty: the target column, if any."
    )
    link_columns: list[str] = _column_names(
        500, "Columns one party holds in the linkability attack (the other the rest); empty: the first half."
    )
    columns: list[str] = _column_names(500, "Columns to audit, and no others; empty: every shared one.")
    ignore_columns: list[str] = _column_names(500, "Columns to leave out of every audit.")
    keep_columns: list[str] = _column_names(
        500, "Columns to audit although each real row has its own value (identifiers are left out by default)."
    )
    target_column: str | None = Field(None, min_length=1, max_length=256, description="Outcome column.")
    positive_label: str | int | float | bool | None = Field(None, description="The target's positive value.")
    min_group_size: int = Field(30, ge=1, le=1_000_000)
    intersection: bool = True
    thresholds: Thresholds = Field(default_factory=Thresholds)  # type: ignore[valid-type]
    weights: dict[Module, float] | None = Field(None, description="Module weights in the overall score.")
    seed: int = Field(0, ge=0, le=2**32 - 1)
    bootstrap_replicates: int = Field(200, ge=0, le=1_000)
    fail_on: Literal["critical", "warning"] = Field(
        "critical", description="What fails the gate (`success`): critical failures only, or warnings too (strict)."
    )

    def locations(self) -> dict[str, str]:
        urls = {"real": self.real_data_url, "synthetic": self.synthetic_data_url, "holdout": self.holdout_data_url}
        return {role: url for role, url in urls.items() if url is not None}

    def parameters(self) -> AuditParameters:
        """The audit parameters this request asks for (``ValueError`` for an inconsistent set)."""
        chosen: dict[str, Any] = {
            "privacy_secret_columns": tuple(self.secret_columns),
            "privacy_link_columns": tuple(self.link_columns),
            "columns": tuple(self.columns),
            "ignore_columns": tuple(self.ignore_columns),
            "keep_columns": tuple(self.keep_columns),
            "fairness_protected_attributes": tuple(self.protected_attributes),
            "fairness_target": self.target_column,
            "fairness_positive_label": self.positive_label,
            "fairness_min_group_size": self.min_group_size,
            "fairness_intersection": self.intersection,
            "seed": self.seed,
            "bootstrap_replicates": self.bootstrap_replicates,
            "fail_on": self.fail_on,
            **{k: v for k, v in self.thresholds.model_dump().items() if v is not None},
        }
        if self.weights is not None:
            chosen["weights"] = {**dict.fromkeys(("privacy", "fairness", "fidelity"), 1.0), **self.weights}
        return AuditParameters(**chosen)


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
