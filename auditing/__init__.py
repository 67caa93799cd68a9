"""The audit engine: inputs → audit batch → `synthetic_data_audit` checkpoint → report and Data Docs.

Exports load lazily so ``synth-audit`` can report progress before Great Expectations (a few
seconds of imports) is loaded.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "AuditBatch": "auditing.batch",
    "Finding": "auditing.batch",
    "build_audit_batch": "auditing.batch",
    "check_suite_loaded": "auditing.checkpoint",
    "open_context": "auditing.checkpoint",
    "run_checkpoint": "auditing.checkpoint",
    "AuditReport": "auditing.audit_report",
    "run_audit": "auditing.engine",
    "InputError": "auditing.errors",
    "UnregisteredExpectationError": "auditing.errors",
    "AuditParameters": "auditing.parameters",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'auditing' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
