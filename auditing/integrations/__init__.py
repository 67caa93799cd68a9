"""The audit as an orchestrator's own building block: an Airflow operator, a Dagster asset check.

Each module imports its orchestrator, which this package does not install: use them where
Airflow (``auditing.integrations.airflow``) or Dagster (``auditing.integrations.dagster``) is.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from auditing.audit_report import AuditReport
from auditing.parameters import AuditParameters


def as_parameters(parameters: AuditParameters | Mapping[str, Any] | None) -> AuditParameters:
    """An ``AuditParameters`` from itself, a mapping of its fields (lists welcome) or None (the defaults)."""
    return parameters if isinstance(parameters, AuditParameters) else AuditParameters(**(parameters or {}))


def failure_message(report: AuditReport) -> str:
    """Why an audit failed, by check name (no data values: the names and the module messages only)."""
    gate = report.gate
    failed = [*gate.failed_critical, *(gate.failed_warning if gate.fail_on == "warning" else ())]
    names = ", ".join(report.check(type_).name for type_ in failed) or "see the report"
    return f"the synthetic data failed the audit ({report.gate.fail_on} gate): {names}"
