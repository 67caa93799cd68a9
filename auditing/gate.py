"""The gate: what a pipeline, the CLI exit code, the API and a job decide from one audit.

GX's own ``CheckpointResult.success`` is false as soon as any expectation fails, warnings
included. The audit's gate is narrower and the same everywhere: by default it fails only on a
**critical** failure (a failed critical expectation, any expectation whose metric could not
be computed: an unmeasured audit cannot be signed off, or a critical input finding: synthetic
data that lacks a real column); ``fail_on="warning"`` (strict mode)
fails on warnings too. Warnings stay visible in the report, the table and Data Docs either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

#: The severities a gate can fail on, least strict first.
FAIL_ON = ("critical", "warning")
DEFAULT_FAIL_ON = "critical"


def check_fail_on(fail_on: str) -> str:
    """``fail_on`` if it is one of ``FAIL_ON``, else ``ValueError`` naming the choices."""
    if fail_on not in FAIL_ON:
        raise ValueError(f"fail_on must be one of {', '.join(FAIL_ON)}, got {fail_on!r}")
    return fail_on


def gate_verdict(
    results: Iterable[Mapping[str, Any]],
    fail_on: str = DEFAULT_FAIL_ON,
    findings: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The gate of per-expectation results (``auditing.checkpoint.result_dicts``) and input findings.

    Returns ``{"fail_on", "passed", "failed_critical", "failed_warning"}``: the expectation
    types that failed at each severity (an errored one counts as critical), then the kinds of
    the ``findings`` whose ``severity`` is critical.
    """
    check_fail_on(fail_on)
    failed: dict[str, list[str]] = {"critical": [], "warning": []}
    for finding in findings:
        if finding.get("severity") in failed:
            failed[finding["severity"]].append(finding["kind"])
    for result in results:
        if result["success"]:
            continue
        severity = "critical" if result.get("error") else result.get("severity", "critical")
        failed.setdefault(severity, []).append(result["type"])
    judged = ("critical",) if fail_on == "critical" else ("critical", "warning")
    return {
        "fail_on": fail_on,
        "passed": not any(failed.get(s) for s in judged),
        "failed_critical": failed["critical"],
        "failed_warning": failed["warning"],
    }


def gate_passed(result: Any, fail_on: str = DEFAULT_FAIL_ON) -> bool:
    """Whether a GX ``CheckpointResult`` of the audit suite passes the gate: what pipelines gate on."""
    from auditing.checkpoint import result_dicts

    return bool(gate_verdict(result_dicts(result), fail_on)["passed"])
