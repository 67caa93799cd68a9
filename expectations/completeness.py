"""Fail-closed checkpoints: a run that did not evaluate every expectation its stored suite names fails.

GX logs and skips an expectation whose type is not registered, and the run stays green
(``reference/gx.md`` §1): a pipeline whose worker never imported ``expectations`` audits nothing
and passes. The shipped checkpoints therefore list ``AuditCompleteAction`` (type
``synthetic_audit_complete``): in a process without ``import expectations`` the checkpoint does
not load at all (GX has no action of that type), and in one where some audit expectation was
dropped the action raises after Data Docs are written, so the run fails either way.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from great_expectations.checkpoint.actions import ActionContext, ValidationAction
from great_expectations.checkpoint.checkpoint import CheckpointResult
from great_expectations.core import ExpectationSuiteValidationResult


class UnregisteredExpectationError(RuntimeError):
    """The suite names audit expectation types GX could not load (it would drop them silently)."""


def stored_expectation_types(context_root: Path, suite_name: str) -> list[str]:
    """The expectation types as written in the suite's JSON file, before GX parses it."""
    suite_file = Path(context_root) / "expectations" / f"{suite_name}.json"
    return [entry["type"] for entry in json.loads(suite_file.read_text())["expectations"]]


def check_evaluated(context_root: Path, validations: Iterable[ExpectationSuiteValidationResult]) -> int:
    """Raise ``UnregisteredExpectationError`` unless each validation evaluated every expectation its
    stored suite names; return how many that is (of the last validation)."""
    expected = 0
    for validation in validations:
        expected = len(stored_expectation_types(context_root, validation.suite_name))
        evaluated = validation.statistics["evaluated_expectations"]
        if evaluated != expected:
            raise UnregisteredExpectationError(
                f"the checkpoint evaluated {evaluated} of the suite's {expected} expectations "
                "(import expectations before loading the gx/ project)"
            )
    return expected


class AuditCompleteAction(ValidationAction):
    """Checkpoint action: fail the run unless every stored expectation of its suite was evaluated."""

    type: Literal["synthetic_audit_complete"] = "synthetic_audit_complete"
    name: str = "audit_complete"

    def run(self, checkpoint_result: CheckpointResult, action_context: ActionContext | None = None) -> dict[str, Any]:
        root = Path(self._resolve_context().context.root_directory)
        return {"evaluated_expectations": check_evaluated(root, checkpoint_result.run_results.values())}
