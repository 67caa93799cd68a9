"""``synthetic_data_audit_check``: the audit as a Dagster asset check on a synthetic-data asset.

Blocking by default: when the audit fails its gate the check fails with severity ERROR, so
Dagster does not materialise the assets downstream of the synthetic data in that run (a
non-blocking check would let a failed audit publish). The audit's figures are the check's
metadata; the report and Data Docs are written into a folder per run::

    from auditing.integrations.dagster import synthetic_data_audit_check

    @asset
    def synthetic_people() -> pd.DataFrame: ...

    audit = synthetic_data_audit_check(
        synthetic_people, real="/data/train.parquet", holdout="/data/holdout.parquet",
        parameters={"fairness_protected_attributes": ["sex"]},
    )
    defs = Definitions(assets=[synthetic_people, ...], asset_checks=[audit])

The asset's value (a pandas DataFrame or a table location the IO manager loads) is the
synthetic table; ``real`` and ``holdout`` are DataFrames or CSV / Parquet locations.
"""

# No ``from __future__ import annotations``: Dagster reads the check's ``context`` annotation at
# definition time and refuses it as a string.
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetChecksDefinition,
    AssetCheckSeverity,
    MetadataValue,
    asset_check,
)

from auditing.audit_report import AuditReport
from auditing.batch import TableInput
from auditing.integrations import as_parameters, failure_message
from auditing.parameters import AuditParameters

#: The folder under which each run's results go unless ``out_dir`` is given (``<run id>/<check>``).
DEFAULT_OUT_ROOT = Path(tempfile.gettempdir()) / "synth-audit" / "dagster"


def synthetic_data_audit_check(
    asset: Any,
    *,
    real: TableInput,
    holdout: TableInput | None = None,
    parameters: AuditParameters | Mapping[str, Any] | None = None,
    out_dir: str | Path | None = None,
    name: str = "synthetic_data_audit",
    blocking: bool = True,
) -> AssetChecksDefinition:
    """An asset check that audits ``asset``'s value against ``real`` (and ``holdout``).

    :param asset: the synthetic-data asset (an ``AssetsDefinition``, ``AssetKey`` or its name).
    :param real: the real (training) table.
    :param holdout: real rows the generator did not see (needed for the membership attack).
    :param parameters: an ``AuditParameters`` or a mapping of its fields; default the shipped defaults.
    :param out_dir: where the report and Data Docs go; default ``DEFAULT_OUT_ROOT/<run id>/<name>``.
    :param name: the check's name.
    :param blocking: keep downstream assets from materialising when the audit fails (default).
    :returns: the check, for ``Definitions(asset_checks=[...])`` or ``materialize([...])``.
    """
    settings = as_parameters(parameters)

    @asset_check(
        asset=asset,
        name=name,
        blocking=blocking,
        description="Synthetic Data Auditor: privacy, fairness and fidelity against the real data",
    )
    def _audit(context: AssetCheckExecutionContext, synthetic: Any) -> AssetCheckResult:
        from auditing.engine import run_audit

        folder = Path(out_dir) if out_dir is not None else DEFAULT_OUT_ROOT / context.run.run_id / name
        report = run_audit(real, synthetic, holdout, out_dir=folder, parameters=settings, progress=context.log.info)
        if not report.passed:
            context.log.error(failure_message(report))
        return AssetCheckResult(
            passed=report.passed,
            severity=AssetCheckSeverity.ERROR,
            metadata=check_metadata(report),
            description=failure_message(report) if not report.passed else "the synthetic data passed the audit",
        )

    return _audit


def check_metadata(report: AuditReport) -> dict[str, Any]:
    """The audit's figures as Dagster metadata: scores, risk levels, failed checks, the report's files."""
    summary = report.summary()
    metadata: dict[str, Any] = {
        "overall_score": _score(summary["overall_score"]),
        "gate_alpha": MetadataValue.float(summary["alpha"]),
        "failed_critical": MetadataValue.json(summary["failed_critical"]),
        "failed_warning": MetadataValue.json(summary["failed_warning"]),
        "sample_sizes": MetadataValue.json(summary["sample_sizes"]),
        "audit_id": MetadataValue.text(summary["audit_id"]),
    }
    for module, score in summary["module_scores"].items():
        metadata[f"{module}_score"] = _score(score)
        metadata[f"{module}_risk"] = MetadataValue.text(summary["risk_levels"][module] or "not run")
    if summary["report_path"]:
        metadata["report"] = MetadataValue.path(summary["report_path"])
    if summary["data_docs_page"]:
        metadata["data_docs"] = MetadataValue.path(summary["data_docs_page"])
    return {key: value for key, value in metadata.items() if value is not None}


def _score(value: float | None) -> Any:
    """A score as float metadata; None (a module that did not run) is left out."""
    return MetadataValue.float(value) if value is not None else None
