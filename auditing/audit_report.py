"""The audit's result as typed, frozen objects: the gate, each module and each check.

``AuditReport.from_dict(report)`` reads the report JSON that ``auditing.report.build_report``
writes (``report.schema.json``); ``to_dict()`` gives that JSON back unchanged, so the typed
view and the file never disagree. The accessors follow SDMetrics' and fairlearn's habits:
``report.score`` / ``get_score()`` for the overall score, ``report.privacy.score``,
``report.check("exact_copy_rate_to_be_below").observed_value``.

>>> report = run_audit(real, synthetic, holdout)            # doctest: +SKIP
>>> report.passed, report.privacy.risk_level                # doctest: +SKIP
(True, 'low')
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

#: Expectation types all begin so; a check's ``name`` is its type without it.
TYPE_PREFIX = "expect_synthetic_"


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only view of a copy, so a caller cannot change the report through an accessor."""
    return MappingProxyType(copy.deepcopy(dict(value)))


@dataclass(frozen=True)
class Check:
    """One audit expectation's result."""

    type: str
    severity: str
    success: bool
    observed_value: float | None
    details: Mapping[str, Any]
    error: str | None

    @property
    def name(self) -> str:
        """The type without ``expect_synthetic_`` (``exact_copy_rate_to_be_below``)."""
        return self.type.removeprefix(TYPE_PREFIX)

    @property
    def measured(self) -> bool:
        """False when the check had nothing to judge (no holdout, no protected attributes) or failed to run."""
        return self.error is None and not self.details.get("not_measured")

    @classmethod
    def from_dict(cls, item: Mapping[str, Any]) -> Check:
        return cls(
            type=item["type"],
            severity=item["severity"],
            success=bool(item["success"]),
            observed_value=item["observed_value"],
            details=_frozen(item["details"]),
            error=item["error"],
        )


def _find(checks: tuple[Check, ...], name: str) -> Check:
    for check in checks:
        if name in (check.type, check.name):
            return check
    raise KeyError(f"no check '{name}'; the checks are {', '.join(c.name for c in checks)}")


@dataclass(frozen=True)
class ModuleResult:
    """One module (privacy, fairness or fidelity): its score, risk level and checks."""

    name: str
    score: float | None
    interval: tuple[float, float] | None
    status: str  # ran, not_run or failed
    reason: str | None
    risk_level: str | None  # low, medium, high; None when not run
    message: str
    checks: tuple[Check, ...]

    @property
    def passed(self) -> bool:
        """No critical check of this module failed."""
        return not any(c.severity == "critical" and not c.success for c in self.checks)

    @property
    def figures(self) -> Mapping[str, float | None]:
        """Each check's observed value, by check name."""
        return MappingProxyType({c.name: c.observed_value for c in self.checks})

    def check(self, name: str) -> Check:
        """The check named ``name`` (its type, with or without ``expect_synthetic_``)."""
        return _find(self.checks, name)

    @classmethod
    def from_dict(cls, name: str, module: Mapping[str, Any]) -> ModuleResult:
        interval = module["interval"]
        return cls(
            name=name,
            score=module["score"],
            interval=(interval[0], interval[1]) if interval is not None else None,
            status=module["status"],
            reason=module["reason"],
            risk_level=module["risk_level"],
            message=module["message"],
            checks=tuple(Check.from_dict(item) for item in module.get("expectations", ())),
        )


@dataclass(frozen=True)
class Gate:
    """What the gate decided, and at which level (``auditing.gate``, ``expectations.levels``)."""

    passed: bool
    fail_on: str
    failed_critical: tuple[str, ...]
    failed_warning: tuple[str, ...]
    alpha: float
    check_alpha: float
    critical_checks: int
    checkpoint_success: bool

    @classmethod
    def from_dict(cls, gate: Mapping[str, Any]) -> Gate:
        return cls(
            passed=bool(gate["passed"]),
            fail_on=gate["fail_on"],
            failed_critical=tuple(gate["failed_critical"]),
            failed_warning=tuple(gate["failed_warning"]),
            alpha=gate["alpha"],
            check_alpha=gate["check_alpha"],
            critical_checks=gate["critical_checks"],
            checkpoint_success=bool(gate["checkpoint_success"]),
        )


@dataclass(frozen=True)
class Finding:
    """A note on the inputs or a module (a column outside the real range, a suppressed group)."""

    module: str
    kind: str
    message: str
    columns: tuple[str, ...]
    count: int | None
    #: ``critical`` when the finding fails the gate by itself (a real column the synthetic data lacks).
    severity: str | None = None

    @classmethod
    def from_dict(cls, finding: Mapping[str, Any]) -> Finding:
        return cls(
            finding["module"],
            finding["kind"],
            finding["message"],
            tuple(finding["columns"]),
            finding["count"],
            finding.get("severity"),
        )


@dataclass(frozen=True)
class AuditReport:
    """One audit's result; ``to_dict()`` / ``to_json()`` are the report JSON (``report.schema.json``).

    ``report_path``, ``data_docs_page`` and ``report_html`` are the files the audit wrote, or
    None for an audit run in memory (no output folder).
    """

    audit_id: str
    passed: bool
    score: float | None
    gate: Gate
    modules: Mapping[str, ModuleResult]
    findings: tuple[Finding, ...]
    columns: Mapping[str, str]
    sample_sizes: Mapping[str, int | None]
    #: Each input's source, format, sha256, rows and columns.
    inputs: Mapping[str, Any]
    parameters: Mapping[str, Any]
    data_docs_url: str | None
    report_path: Path | None = None
    data_docs_page: Path | None = None
    #: The validation page as one self-contained file (``report.html``).
    report_html: Path | None = None
    _report: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_dict(
        cls,
        report: Mapping[str, Any],
        report_path: Path | None = None,
        data_docs_page: Path | None = None,
        report_html: Path | None = None,
    ) -> AuditReport:
        # Through JSON, so the typed view holds what report.json holds (lists, not tuples).
        report = json.loads(json.dumps(report, allow_nan=False))
        modules = report["modules"]
        return cls(
            audit_id=report["audit_id"],
            passed=bool(report["success"]),
            score=report["overall_score"],
            gate=Gate.from_dict(report["gate"]),
            modules=MappingProxyType({name: ModuleResult.from_dict(name, modules[name]) for name in modules}),
            findings=tuple(Finding.from_dict(item) for item in report["findings"]),
            columns=_frozen(report["columns"]),
            sample_sizes=_frozen(report["sample_sizes"]),
            inputs=_frozen(report["inputs"]),
            parameters=_frozen(report["parameters"]),
            data_docs_url=report["data_docs_url"],
            report_path=report_path,
            data_docs_page=data_docs_page,
            report_html=report_html,
            _report=_frozen(report),
        )

    @classmethod
    def from_json(cls, text: str) -> AuditReport:
        return cls.from_dict(json.loads(text))

    def get_score(self) -> float | None:
        """The overall score (weighted mean of the module scores that ran), as SDMetrics' reports name it."""
        return self.score

    @property
    def privacy(self) -> ModuleResult:
        return self.modules["privacy"]

    @property
    def fairness(self) -> ModuleResult:
        return self.modules["fairness"]

    @property
    def fidelity(self) -> ModuleResult:
        return self.modules["fidelity"]

    @property
    def checks(self) -> tuple[Check, ...]:
        """Every check, in suite order within each module."""
        return tuple(check for module in self.modules.values() for check in module.checks)

    @property
    def failed_checks(self) -> tuple[Check, ...]:
        return tuple(check for check in self.checks if not check.success)

    def check(self, name: str) -> Check:
        """The check named ``name`` (its type, with or without ``expect_synthetic_``)."""
        return _find(self.checks, name)

    def summary(self) -> dict[str, Any]:
        """The verdict in brief, JSON-ready: what an orchestrator shows (Airflow XCom, Dagster metadata)."""
        return {
            "audit_id": self.audit_id,
            "passed": self.passed,
            "overall_score": self.score,
            "module_scores": {name: module.score for name, module in self.modules.items()},
            "risk_levels": {name: module.risk_level for name, module in self.modules.items()},
            "failed_critical": list(self.gate.failed_critical),
            "failed_warning": list(self.gate.failed_warning),
            "alpha": self.gate.alpha,
            "sample_sizes": dict(self.sample_sizes),
            "report_path": str(self.report_path) if self.report_path else None,
            "data_docs_page": str(self.data_docs_page) if self.data_docs_page else None,
            "report_html": str(self.report_html) if self.report_html else None,
        }

    def to_dict(self) -> dict[str, Any]:
        """The report JSON as a new plain dict."""
        return copy.deepcopy(dict(self._report))

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)
