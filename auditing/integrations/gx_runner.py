"""The audit for runners that know only Great Expectations: a project and a checkpoint that
need nothing at run time, not even ``batch_parameters``.

Airflow's ``GXValidateCheckpointOperator`` (``airflow-provider-great-expectations``) opens a
context, asks a callable for a checkpoint and calls ``checkpoint.run(batch_parameters=...)``
with values fixed when the DAG is parsed; it cannot pass a DataFrame built at run time or any
``expectation_parameters``. So here the checkpoint is built when the task runs: the audit
batch is read and written to a Parquet file in the run's own copy of the project, a pandas
data source reads it, and the shipped suite is stored with the audit's settings written into
its kwargs (fairness attributes included) next to the shipped checkpoint's actions::

    from great_expectations_provider.operators.validate_checkpoint import GXValidateCheckpointOperator
    from auditing.integrations.gx_runner import audit_checkpoint, audit_project

    GXValidateCheckpointOperator(
        task_id="audit",
        context_type="file",
        configure_file_data_context=audit_project(),
        configure_checkpoint=audit_checkpoint("/data/train.csv", "/data/synthetic.csv", "/data/holdout.csv"),
    )
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import great_expectations as gx
from great_expectations.core.suite_parameters import is_suite_parameter
from great_expectations.data_context import AbstractDataContext, FileDataContext

from auditing.batch import TableInput
from auditing.checkpoint import CHECKPOINT_NAME, SUITE_NAME, gx_dir, open_context
from auditing.engine import pandas_audit_batch
from auditing.integrations import as_parameters
from auditing.parameters import AuditParameters

#: Names of what ``audit_checkpoint`` adds to the run's project.
RUN_NAME = "synthetic_data_audit_run"


def audit_project(out_root: str | Path | None = None) -> Callable[[], FileDataContext]:
    """A ``configure_file_data_context``: each call opens a fresh copy of the shipped project.

    The copy (and everything the run writes: the batch file, validation results, Data Docs)
    lives in a new folder under ``out_root`` (default: the system's temporary folder), so runs
    never share or change the shipped project.
    """

    def open_run_project() -> FileDataContext:
        if out_root is not None:
            Path(out_root).mkdir(parents=True, exist_ok=True)
        run_dir = Path(tempfile.mkdtemp(prefix="synth-audit-", dir=out_root))
        project = run_dir / "gx"
        shutil.copytree(gx_dir(), project, ignore=shutil.ignore_patterns("uncommitted"))
        return open_context(writable_dir=run_dir, project_dir=project)

    return open_run_project


def audit_checkpoint(
    real: TableInput,
    synthetic: TableInput,
    holdout: TableInput | None = None,
    parameters: AuditParameters | Mapping[str, Any] | None = None,
) -> Callable[[AbstractDataContext], gx.Checkpoint]:
    """A ``configure_checkpoint``: the audit of these tables as a checkpoint that runs without arguments.

    Raises ``InputError`` (when the task runs) for unreadable tables or fairness settings
    that do not fit them, as ``run_audit`` does.
    """
    settings = as_parameters(parameters)

    def configure(context: AbstractDataContext) -> gx.Checkpoint:
        batch = pandas_audit_batch(real, synthetic, holdout, settings)
        batch_file = Path(context.root_directory).parent / "audit_batch.parquet"
        batch.frame.to_parquet(batch_file, index=False)
        asset = context.data_sources.add_or_update_pandas(RUN_NAME).add_parquet_asset(RUN_NAME, path=batch_file)
        suite = context.suites.add(fixed_suite(context.suites.get(SUITE_NAME), settings))
        data = asset.add_batch_definition_whole_dataframe(RUN_NAME)
        definition = context.validation_definitions.add(gx.ValidationDefinition(name=RUN_NAME, data=data, suite=suite))
        shipped = context.checkpoints.get(CHECKPOINT_NAME)
        return context.checkpoints.add(
            gx.Checkpoint(
                name=RUN_NAME,
                validation_definitions=[definition],
                actions=shipped.actions,
                result_format=shipped.result_format,
            )
        )

    return configure


def fixed_suite(shipped: gx.ExpectationSuite, parameters: AuditParameters) -> gx.ExpectationSuite:
    """A copy of the shipped suite (named ``RUN_NAME``) with each ``$PARAMETER`` kwarg set to its value."""
    values = parameters.suite_parameters()
    expectations = []
    for expectation in shipped.expectations:
        fixed = expectation.copy(update={"id": None})
        for name in expectation.__fields__:
            value = getattr(expectation, name)
            if is_suite_parameter(value):
                setattr(fixed, name, values[value["$PARAMETER"]])
        expectations.append(fixed)
    return gx.ExpectationSuite(name=RUN_NAME, expectations=expectations, meta=dict(shipped.meta))
