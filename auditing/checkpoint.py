"""The `gx/` project: open it with the audit expectations registered, and run its checkpoint."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import great_expectations as gx
from great_expectations.checkpoint.checkpoint import CheckpointResult
from great_expectations.core import ExpectationSuiteValidationResult
from great_expectations.data_context import FileDataContext

import expectations  # noqa: F401  (registers the audit expectations before any suite loads)
from auditing.errors import UnregisteredExpectationError
from auditing.parameters import AuditParameters
from expectations import completeness

SUITE_NAME = CHECKPOINT_NAME = "synthetic_data_audit"
#: The same suite and actions on the project's Spark data source (a Spark DataFrame batch).
SPARK_CHECKPOINT_NAME = "synthetic_data_audit_spark"
_REPOSITORY_GX_DIR = Path(__file__).resolve().parent.parent / "gx"
#: The project folder: the repository's ``gx/`` in a checkout, else the copy the wheel ships as
#: ``auditing/gx_project`` (pyproject.toml); ``SYNTH_AUDIT_GX_DIR`` points elsewhere (e.g. a copy
#: with your own suite).
DEFAULT_GX_DIR = (
    _REPOSITORY_GX_DIR
    if (_REPOSITORY_GX_DIR / "great_expectations.yml").is_file()
    else Path(__file__).resolve().parent / "gx_project"
)
RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 0}


def gx_dir() -> Path:
    return Path(os.environ.get("SYNTH_AUDIT_GX_DIR", DEFAULT_GX_DIR))


def stored_expectation_types(context_root: Path, suite_name: str = SUITE_NAME) -> list[str]:
    """The expectation types as written in the suite's JSON file, before GX parses it."""
    return completeness.stored_expectation_types(context_root, suite_name)


def check_suite_loaded(context: FileDataContext, suite_name: str = SUITE_NAME) -> int:
    """Fail loudly when GX dropped expectations of the stored suite; return their number.

    GX logs and skips an expectation whose type is not registered, and the run stays green
    (``reference/gx.md`` §1); this compares the stored file with what GX loaded.
    """
    stored = stored_expectation_types(Path(context.root_directory), suite_name)
    loaded = [e.expectation_type for e in context.suites.get(suite_name).expectations]
    dropped = sorted(set(stored) - set(loaded)) or (stored if len(stored) != len(loaded) else [])
    if dropped:
        raise UnregisteredExpectationError(
            f"suite '{suite_name}' names {len(stored)} expectations but GX loaded {len(loaded)}; "
            f"not registered: {', '.join(dropped)} (import the package that defines them before loading the suite)"
        )
    return len(stored)


def open_context(writable_dir: Path | None = None, project_dir: Path | None = None) -> FileDataContext:
    """Open the GX project with run-time output (results, Data Docs) under ``writable_dir``.

    Without ``writable_dir`` GX writes to the project's own ``uncommitted/`` folder. The suite
    is checked with ``check_suite_loaded`` before the context is returned.
    """
    runtime = {"GX_WRITABLE_DIR": str(Path(writable_dir).resolve())} if writable_dir else None
    context = gx.get_context(mode="file", context_root_dir=str(project_dir or gx_dir()), runtime_environment=runtime)
    check_suite_loaded(context)
    return context


def run_checkpoint(
    context: FileDataContext,
    batch: Any,
    parameters: AuditParameters,
    run_name: str | None = None,
    checkpoint_name: str = CHECKPOINT_NAME,
) -> CheckpointResult:
    """Run the `synthetic_data_audit` checkpoint on a stacked audit batch.

    ``batch`` is a pandas DataFrame, or a Spark DataFrame with ``checkpoint_name`` set to
    ``SPARK_CHECKPOINT_NAME``. Raises ``UnregisteredExpectationError`` if fewer expectations ran
    than the suite holds.
    """
    checkpoint = context.checkpoints.get(checkpoint_name)
    run_id = gx.RunIdentifier(run_name=run_name) if run_name else None
    result = checkpoint.run(
        batch_parameters={"dataframe": batch},
        expectation_parameters=parameters.suite_parameters(),
        run_id=run_id,
    )
    # The shipped checkpoints' own action checks this too; a project of your own (SYNTH_AUDIT_GX_DIR)
    # may not list it.
    check_run_complete(context, result)
    return result


def run_validation(
    context: FileDataContext, batch: Any, parameters: AuditParameters, definition_name: str = CHECKPOINT_NAME
) -> ExpectationSuiteValidationResult:
    """Validate the audit batch against the suite without the checkpoint's actions (no Data Docs).

    For callers that need only the verdict and figures; the same guard applies. A Spark batch
    needs ``definition_name=SPARK_CHECKPOINT_NAME`` (each checkpoint has its validation
    definition of the same name).
    """
    definition = context.validation_definitions.get(definition_name)
    result = definition.run(
        batch_parameters={"dataframe": batch},
        expectation_parameters=parameters.suite_parameters(),
        result_format=RESULT_FORMAT,
    )
    _check_evaluated(context, [result])
    return result


def check_run_complete(context: FileDataContext, result: CheckpointResult) -> None:
    """Fail loudly when a checkpoint run evaluated fewer expectations than the stored suite holds.

    For pipelines that run the checkpoint through GX directly: a run whose process never
    imported ``expectations`` is green with the audits silently missing.
    """
    _check_evaluated(context, result.run_results.values())


def _check_evaluated(context: FileDataContext, validations: Iterable[ExpectationSuiteValidationResult]) -> None:
    completeness.check_evaluated(Path(context.root_directory), validations)


def data_docs_page(context: FileDataContext, result: CheckpointResult) -> Path | None:
    """Local path of the validation page the checkpoint's Data Docs action wrote."""
    for identifier in result.run_results:
        urls = context.get_docs_sites_urls(resource_identifier=identifier, site_name="local_site")
        for entry in urls:
            url = entry.get("site_url") or ""
            if url.startswith("file://"):
                return Path(url.removeprefix("file://"))
    return None


def result_dicts(result: CheckpointResult) -> list[dict[str, Any]]:
    """Each expectation's result as plain JSON-ready dicts, in suite order."""
    return [item for validation in result.run_results.values() for item in validation_result_dicts(validation)]


def validation_result_dicts(validation: ExpectationSuiteValidationResult) -> list[dict[str, Any]]:
    """One validation's expectation results as plain JSON-ready dicts, in suite order."""
    return [
        {
            "type": item.expectation_config.type,
            "severity": str(getattr(item.expectation_config, "severity", "critical") or "critical")
            .split(".")[-1]
            .lower(),
            "success": bool(item.success),
            "observed_value": item.result.get("observed_value"),
            "details": item.result.get("details") or {},
            "error": (item.result.get("details") or {}).get("error") or _error_message(item.exception_info),
        }
        for item in validation.results
    ]


def _error_message(info: Any) -> str | None:
    """The message of a metric's exception; GX keys it by metric id, or flat for _validate errors."""
    if not info:
        return None
    entries = [info] if "raised_exception" in info else list(info.values())
    for entry in entries:
        if entry.get("raised_exception"):
            return str(entry.get("exception_message") or "the audit metric failed")
    return None
