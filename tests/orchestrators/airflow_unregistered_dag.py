"""The provider's operator on the shipped project, in a DAG that never imports ``expectations``.

GX alone would drop every audit expectation and pass; the shipped checkpoint must not load.
"""

import importlib.util
import os
from datetime import datetime
from pathlib import Path

import great_expectations as gx
import pandas as pd
from airflow.sdk import DAG
from great_expectations_provider.operators.validate_checkpoint import GXValidateCheckpointOperator

DATA = Path(os.environ["SYNTH_AUDIT_TEST_DATA"])
# The project the wheel ships, found without importing the package's modules.
PROJECT = Path(importlib.util.find_spec("auditing").submodule_search_locations[0]) / "gx_project"


def open_project() -> gx.data_context.FileDataContext:
    writable = {"GX_WRITABLE_DIR": os.environ["SYNTH_AUDIT_TEST_OUT"] + "/unregistered"}
    return gx.get_context(mode="file", context_root_dir=str(PROJECT), runtime_environment=writable)


def audit_batch() -> pd.DataFrame:
    sides = {"real": "train", "holdout": "holdout", "synthetic": "fresh"}
    return pd.concat(
        [pd.read_csv(DATA / f"{name}.csv").assign(_audit_source=label) for label, name in sides.items()],
        ignore_index=True,
    )


with DAG("audit_provider_unregistered", schedule=None, start_date=datetime(2026, 1, 1)):
    GXValidateCheckpointOperator(
        task_id="audit",
        context_type="file",
        configure_file_data_context=open_project,
        configure_checkpoint=lambda context: context.checkpoints.get("synthetic_data_audit"),
        batch_parameters={"dataframe": audit_batch()},
    )
