"""DAGs that audit with our operator and with the provider's, each on a passing and a failing set."""

import os
from datetime import datetime
from pathlib import Path

from airflow.sdk import DAG
from great_expectations_provider.operators.validate_checkpoint import GXValidateCheckpointOperator

from auditing.integrations.airflow import SyntheticDataAuditOperator
from auditing.integrations.gx_runner import audit_checkpoint, audit_project

DATA = Path(os.environ["SYNTH_AUDIT_TEST_DATA"])
OUT = Path(os.environ["SYNTH_AUDIT_TEST_OUT"])
FAIRNESS = {
    "fairness_protected_attributes": ["sex", "race"],
    "fairness_target": "income",
    "fairness_positive_label": ">50K",
}
#: A fresh real sample at the defaults (passes); the biased set with fairness (fails). The
#: provider fails a task on GX's own verdict, which a failed warning also fails: with fairness
#: on, the real data's own parity gap (above 0.1 on Adult) fails the parity warning.
SETTINGS = {"fresh": {}, "biased": FAIRNESS}

for synthetic, settings in SETTINGS.items():
    with DAG(f"audit_operator_{synthetic}", schedule=None, start_date=datetime(2026, 1, 1), params={"set": synthetic}):
        SyntheticDataAuditOperator(
            task_id="audit",
            real=str(DATA / "train.csv"),
            synthetic=str(DATA) + "/{{ params.set }}.csv",  # templated
            holdout=str(DATA / "holdout.csv"),
            parameters=settings,
            out_dir=str(OUT) + "/{{ dag.dag_id }}/{{ task.task_id }}",
        )
    with DAG(f"audit_provider_{synthetic}", schedule=None, start_date=datetime(2026, 1, 1)):
        GXValidateCheckpointOperator(
            task_id="audit",
            context_type="file",
            configure_file_data_context=audit_project(OUT / f"audit_provider_{synthetic}"),
            configure_checkpoint=audit_checkpoint(
                DATA / "train.csv", DATA / f"{synthetic}.csv", DATA / "holdout.csv", parameters=settings
            ),
        )
