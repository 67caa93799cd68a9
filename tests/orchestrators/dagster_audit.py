"""Our blocking asset check under Dagster: ``dagster_audit.py SET``; prints one JSON line."""

import json
import os
import sys
from pathlib import Path

import dagster as dg
import pandas as pd

from auditing.integrations.dagster import synthetic_data_audit_check

DATA, OUT = Path(os.environ["SYNTH_AUDIT_TEST_DATA"]), Path(os.environ["SYNTH_AUDIT_TEST_OUT"])
synthetic = sys.argv[1]


@dg.asset
def synthetic_people() -> pd.DataFrame:
    return pd.read_csv(DATA / f"{synthetic}.csv")


@dg.asset(deps=[synthetic_people])
def published_people() -> None:
    """Stands for sharing the synthetic data: must not run after a failed audit."""


audit = synthetic_data_audit_check(
    synthetic_people,
    real=DATA / "train.csv",
    holdout=DATA / "holdout.csv",
    # A fresh real sample at the defaults; the biased set with fairness.
    parameters={}
    if synthetic == "fresh"
    else {
        "fairness_protected_attributes": ["sex", "race"],
        "fairness_target": "income",
        "fairness_positive_label": ">50K",
    },
    out_dir=OUT / f"dagster_{synthetic}",
)
result = dg.materialize([synthetic_people, audit, published_people], raise_on_error=False)
evaluations = result.get_asset_check_evaluations()
materialized = sorted(event.asset_key.to_user_string() for event in result.get_asset_materialization_events())
failure = next((e.step_failure_data.error for e in result.all_events if e.is_step_failure), None)
causes = []  # Dagster wraps an exception raised in the check: keep each message down the chain
while failure is not None:
    causes.append(failure.message.strip())
    failure = failure.cause
print(
    json.dumps(
        {
            "success": result.success,
            "materialized": materialized,
            "checks": [
                {
                    "passed": e.passed,
                    "blocking": e.blocking,
                    "severity": e.severity.value,
                    "metadata": {key: getattr(value, "value", value) for key, value in e.metadata.items()},
                }
                for e in evaluations
            ],
            "failure": " <- ".join(causes)[:2000] or None,
        },
        default=str,
    )
)
