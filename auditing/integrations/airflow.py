"""``SyntheticDataAuditOperator``: the audit as one Airflow task (Airflow 3, ``airflow.sdk``).

Built on Airflow's own ``BaseOperator`` so it brings no provider pins of its own. The task
reads the three tables, runs the shipped checkpoint with Data Docs into a folder of its own
per run, returns the verdict in brief (``AuditReport.summary()``, the task's XCom
``return_value``) and fails, without retries, when the audit fails its gate::

    from auditing.integrations.airflow import SyntheticDataAuditOperator

    SyntheticDataAuditOperator(
        task_id="audit_synthetic",
        real="/data/train.parquet",
        synthetic="/data/synthetic/{{ ds }}.parquet",
        holdout="/data/holdout.parquet",
        parameters={"fairness_protected_attributes": ["sex"], "fairness_target": "income",
                    "fairness_positive_label": ">50K"},
    )

``real``, ``synthetic``, ``holdout`` and ``out_dir`` are templated; each table is a CSV, gzip
CSV or Parquet file the worker can read (``auditing.io``).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from airflow.sdk import BaseOperator
from airflow.sdk.exceptions import AirflowFailException

from auditing.integrations import as_parameters, failure_message
from auditing.parameters import AuditParameters

#: Where each run's results go unless ``out_dir`` is given: one folder per DAG, run and task.
DEFAULT_OUT_DIR = str(
    Path(tempfile.gettempdir()) / "synth-audit" / "{{ dag.dag_id }}" / "{{ run_id }}" / "{{ task.task_id }}"
)


class SyntheticDataAuditOperator(BaseOperator):
    """Audit ``synthetic`` against ``real`` (and ``holdout``); the task fails when the gate does.

    :param real: the real (training) table's location.
    :param synthetic: the synthetic table's location.
    :param holdout: real rows the generator did not see (needed for the membership attack).
    :param parameters: an ``AuditParameters`` or a mapping of its fields (thresholds, fairness
        settings, ``alpha``, ``fail_on``); default: the shipped defaults.
    :param out_dir: the run's output folder (``report.json``, Data Docs); templated, default
        ``DEFAULT_OUT_DIR``.
    """

    template_fields: Sequence[str] = ("real", "synthetic", "holdout", "out_dir")
    ui_color = "#e8f0fe"

    def __init__(
        self,
        *,
        real: str,
        synthetic: str,
        holdout: str | None = None,
        parameters: AuditParameters | Mapping[str, Any] | None = None,
        out_dir: str = DEFAULT_OUT_DIR,
        **kwargs: Any,
    ) -> None:
        # A failed audit is a verdict, not a transient error: retrying it cannot help.
        kwargs.setdefault("retries", 0)
        super().__init__(**kwargs)
        self.real, self.synthetic, self.holdout, self.out_dir = real, synthetic, holdout, out_dir
        # Checked now, so a bad setting fails when the DAG is parsed rather than when it runs.
        self.parameters = as_parameters(parameters)

    def execute(self, context: Any) -> dict[str, Any]:
        from auditing.engine import run_audit

        report = run_audit(
            self.real,
            self.synthetic,
            self.holdout,
            out_dir=self.out_dir,
            parameters=self.parameters,
            progress=self.log.info,
        )
        summary = report.summary()
        verdict = "passed" if report.passed else "FAILED"
        self.log.info("audit %s: score %s, Data Docs %s", verdict, summary["overall_score"], summary["data_docs_page"])
        # Under its own key as well, so a failed run's summary reaches a notification or dashboard.
        context["ti"].xcom_push(key="audit_summary", value=summary)
        if not report.passed:
            raise AirflowFailException(failure_message(report))
        return summary
