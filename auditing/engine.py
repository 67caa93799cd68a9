"""One audit, end to end: build the batch, run the checkpoint, write the report.

The CLI, the API and pipelines that want the report (not only the GX verdict) call ``run_audit``.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pandas as pd

from auditing.audit_report import AuditReport
from auditing.batch import AuditBatch, TableInput, build_audit_batch
from auditing.checkpoint import (
    CHECKPOINT_NAME,
    SPARK_CHECKPOINT_NAME,
    data_docs_page,
    open_context,
    result_dicts,
    run_checkpoint,
    run_validation,
    validation_result_dicts,
)
from auditing.errors import InputError, UnknownColumn
from auditing.headline import add_headline
from auditing.io import FROM_FILE, CsvDialect
from auditing.parameters import AuditParameters
from auditing.report import build_report
from auditing.roles import check_sides
from auditing.single_file import write_single_file
from expectations import REAL_LABEL, SYNTHETIC_LABEL
from expectations.metrics.errors import AuditDataError, MissingColumnError
from expectations.metrics.fairness import check_fairness_inputs
from expectations.metrics.inference import check_secrets
from expectations.metrics.linkability import link_split
from expectations.metrics.progress import reporting
from expectations.metrics.sources import split_sources

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    return None


def check_settings(batch: AuditBatch, parameters: AuditParameters) -> None:
    """The fairness and secret settings checked against the batch (``InputError`` naming what does not fit)."""
    try:
        check_sides(batch.sample_sizes["real"] is not None, False, parameters.fairness_protected_attributes)
    except ValueError as error:
        raise InputError(str(error)) from None
    check_fairness_settings(batch, parameters)
    check_secret_settings(batch, parameters)


def pandas_audit_batch(
    real: TableInput,
    synthetic: TableInput,
    holdout: TableInput | None,
    parameters: AuditParameters,
    dialect: CsvDialect = FROM_FILE,
) -> AuditBatch:
    """The pandas audit batch for ``parameters`` (source column, column choice), its settings checked."""
    batch = build_audit_batch(
        real, synthetic, holdout, source_column=parameters.source_column, dialect=dialect, **parameters.column_choice
    )
    check_settings(batch, parameters)
    return batch


def check_fairness_settings(batch: AuditBatch, parameters: AuditParameters) -> None:
    """Refuse fairness settings that do not fit the data before the checkpoint runs (``InputError``).

    The fairness metric checks the same (``check_fairness_inputs``) for pipelines that run the
    checkpoint directly; here a bad column or label is an input error with exit code 2.
    """
    if not parameters.fairness_protected_attributes:
        return
    labels = {"real": REAL_LABEL, "synthetic": SYNTHETIC_LABEL}
    if isinstance(batch.frame, pd.DataFrame):
        split, check = split_sources, check_fairness_inputs
    else:
        from expectations.spark.fairness import spark_check_fairness_inputs
        from expectations.spark.sides import split_spark_sources

        split, check = split_spark_sources, spark_check_fairness_inputs
    frames, _ = split(batch.frame, batch.source_column, labels)
    try:
        check(
            frames,
            parameters.fairness_protected_attributes,
            parameters.fairness_target,
            parameters.fairness_positive_label,
        )
    except MissingColumnError as error:
        raise UnknownColumn(str(error)) from None
    except AuditDataError as error:
        raise InputError(str(error)) from None


def check_secret_settings(batch: AuditBatch, parameters: AuditParameters) -> None:
    """Refuse attribute-inference secrets and link columns that are not audit columns
    (``UnknownColumn``), so a misspelt name is an input error instead of a privacy module that
    could not be measured; and link columns that leave the other party none (``InputError``)."""
    try:
        check_secrets(batch.columns, parameters.secret_columns)
        link_split(batch.columns, parameters.privacy_link_columns)
    except MissingColumnError as error:
        raise UnknownColumn(str(error)) from None
    except AuditDataError as error:
        raise InputError(str(error)) from None


def run_audit(
    real: TableInput,
    synthetic: TableInput,
    holdout: TableInput | None = None,
    *,
    out_dir: str | Path | None = None,
    parameters: AuditParameters | None = None,
    progress: Progress = _quiet,
    engine: str = "pandas",
    data_docs: bool = True,
    dialect: CsvDialect = FROM_FILE,
) -> AuditReport:
    """Audit ``synthetic`` against ``real`` (and ``holdout``); the result as an ``AuditReport``.

    With ``out_dir``, it receives ``report.json``, the GX validation results (``validations/``),
    the Data Docs site (``data_docs/``) and ``report.html`` (the validation page as one file);
    ``data_docs=False`` writes ``report.json`` alone (the suite without the checkpoint's actions).
    Without ``out_dir`` the audit runs in memory and leaves no files (no Data Docs). ``progress`` is called
    with a line before each slow step.
    ``engine="spark"`` builds the batch as a Spark DataFrame (inputs: Spark DataFrames or local
    files read by the active Spark session) and runs the Spark checkpoint. ``dialect``: the
    separator and encoding of CSV files (default: found from each file).
    Raises ``InputError`` for bad inputs and ``UnregisteredExpectationError`` for a broken suite.
    """
    parameters = parameters or AuditParameters()
    started = time.perf_counter()
    progress(f"reading inputs and building the audit batch ({engine})")
    if engine == "spark":
        from auditing.spark_batch import build_spark_audit_batch

        batch = build_spark_audit_batch(
            real,
            synthetic,
            holdout,
            source_column=parameters.source_column,
            dialect=dialect,
            **parameters.column_choice,
        )
        checkpoint_name = SPARK_CHECKPOINT_NAME
    elif engine == "pandas":
        batch = pandas_audit_batch(real, synthetic, holdout, parameters, dialect)
        checkpoint_name = CHECKPOINT_NAME
    else:
        raise InputError(f"unknown engine '{engine}' (pandas or spark)")
    sizes = ", ".join(f"{n:,} {role}" for role, n in batch.sample_sizes.items() if n is not None)
    progress(f"audit batch ready: {sizes} rows, {len(batch.columns)} columns ({time.perf_counter() - started:.1f} s)")

    if engine == "spark":
        check_settings(batch, parameters)

    with reporting(None if progress is _quiet else progress):
        try:
            if out_dir is None or not data_docs:
                progress("running the synthetic_data_audit suite (no Data Docs)")
                with ExitStack() as stack:
                    # GX stores validation results even without actions: in the output folder, or one that goes.
                    store = Path(out_dir) if out_dir is not None else Path(stack.enter_context(_scratch()))
                    validation = run_validation(open_context(store.resolve()), batch.frame, parameters, checkpoint_name)
                progress(f"suite done ({time.perf_counter() - started:.1f} s)")
                report = build_report(batch, validation_result_dicts(validation), parameters, validation.success, None)
                return AuditReport.from_dict(report, _write_report(Path(out_dir), report) if out_dir else None)
            out = Path(out_dir).resolve()
            out.mkdir(parents=True, exist_ok=True)
            progress("running the synthetic_data_audit checkpoint and building Data Docs")
            context = open_context(writable_dir=out)
            result = run_checkpoint(
                context, batch.frame, parameters, run_name=run_name(batch), checkpoint_name=checkpoint_name
            )
        finally:
            if engine == "spark":
                batch.frame.unpersist()
    page = data_docs_page(context, result)
    progress(f"checkpoint done ({time.perf_counter() - started:.1f} s)")

    report = build_report(batch, result_dicts(result), parameters, result.success, page.as_uri() if page else None)
    single = None
    if page is not None:
        add_headline(page, report)
        single = write_single_file(page, out / "report.html")
    return AuditReport.from_dict(report, _write_report(out, report), page, single)


def _scratch() -> tempfile.TemporaryDirectory:
    return tempfile.TemporaryDirectory(prefix="synth-audit-")


def _write_report(out: Path, report: dict[str, Any]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out.resolve() / "report.json"
    path.write_text(json.dumps(report, indent=2, allow_nan=False) + "\n")
    return path


def run_name(batch: AuditBatch) -> str:
    """The GX run name: the synthetic input's name, so runs tell apart in the Data Docs index."""
    source = str(batch.inputs["synthetic"]["source"]) if "synthetic" in batch.inputs else "synthetic"
    return re.sub(r"[^A-Za-z0-9._-]+", "_", source).strip("._")[:80] or "synthetic"


def evaluate_audit(
    real: TableInput,
    synthetic: TableInput,
    holdout: TableInput | None = None,
    *,
    parameters: AuditParameters | None = None,
    context: Any = None,
) -> dict[str, Any]:
    """The report of one pandas audit without the checkpoint's actions (no Data Docs, nothing written).

    The same suite, parameters and gate as ``run_audit``; for callers that run many audits
    (the calibration harness) or want only the verdict. ``context``: an open GX context to reuse.
    """
    if context is None:
        # GX stores validation results even without actions: keep them out of the project.
        with _scratch() as scratch:
            context = open_context(Path(scratch))
            return evaluate_audit(real, synthetic, holdout, parameters=parameters, context=context)
    parameters = parameters or AuditParameters()
    batch = pandas_audit_batch(real, synthetic, holdout, parameters)
    result = run_validation(context, batch.frame, parameters)
    return build_report(batch, validation_result_dicts(result), parameters, result.success, None)
