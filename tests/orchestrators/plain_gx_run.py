"""GX's own checkpoint call on the shipped project: ``plain_gx_run.py SET registered|unregistered``.

Prints one JSON line: the verdict and the pages written, or the error that stopped the run.
"""

import json
import os
import sys
from pathlib import Path

import great_expectations as gx

DATA, OUT = Path(os.environ["SYNTH_AUDIT_TEST_DATA"]), Path(os.environ["SYNTH_AUDIT_TEST_OUT"])
synthetic, mode = sys.argv[1], sys.argv[2]
if mode == "registered":
    import expectations  # noqa: F401  (registers the audit expectations)
    from auditing import AuditParameters, build_audit_batch
    from auditing.checkpoint import DEFAULT_GX_DIR as PROJECT

    frame = build_audit_batch(DATA / "train.csv", DATA / f"{synthetic}.csv", DATA / "holdout.csv").frame
else:
    import importlib.util

    import pandas as pd

    PROJECT = Path(importlib.util.find_spec("auditing").submodule_search_locations[0]) / "gx_project"
    frame = pd.read_csv(DATA / f"{synthetic}.csv").assign(_audit_source="synthetic")
out = OUT / f"plain_{synthetic}_{mode}"
context = gx.get_context(mode="file", context_root_dir=str(PROJECT), runtime_environment={"GX_WRITABLE_DIR": str(out)})
try:
    checkpoint = context.checkpoints.get("synthetic_data_audit")
    if synthetic == "fresh":  # every suite parameter at its default
        result = checkpoint.run(batch_parameters={"dataframe": frame})
    else:
        fairness = AuditParameters(
            fairness_protected_attributes=("sex", "race"), fairness_target="income", fairness_positive_label=">50K"
        )
        values = fairness.suite_parameters()
        result = checkpoint.run(batch_parameters={"dataframe": frame}, expectation_parameters=values)
except Exception as error:  # noqa: BLE001 - the test reads what stopped the run
    print(json.dumps({"error": type(error).__name__, "message": str(error)[:500]}))
    sys.exit(1)
(validation,) = result.run_results.values()
print(
    json.dumps(
        {
            "success": result.success,
            "evaluated": validation.statistics["evaluated_expectations"],
            "failed": sorted(r.expectation_config.type for r in validation.results if not r.success),
            "pages": len(list((out / "data_docs" / "validations").rglob("*.html"))),
            "project": str(PROJECT),
        }
    )
)
