"""Time Anonymeter's linkability and inference evaluators on the Adult files; print JSON.

Runs in Anonymeter's own virtual environment (it pins numpy < 2, which our package does not
accept): ``python3 -m venv .anon-venv && .anon-venv/bin/pip install anonymeter==1.1.0``, then
``.anon-venv/bin/python bench/anonymeter_run.py DATA_DIR SYNTHETIC_NAME``. ``bench_privacy.py
--anonymeter-python .anon-venv/bin/python`` runs it and prints the ratio to our module.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from anonymeter_detect import MAX_ATTACKS, evaluators  # noqa: E402


def main() -> None:
    data, synthetic_name = Path(sys.argv[1]), sys.argv[2]
    train = pd.read_csv(data / "train.csv")
    holdout = pd.read_csv(data / "holdout.csv")
    synthetic = pd.read_csv(data / f"{synthetic_name}.csv")
    # One definition of the two evaluators, shared with bench_detection's Anonymeter runs.
    built = evaluators(train, holdout, synthetic, "income")
    chosen = {"linkability": built["linkability"], "inference (income)": built["inference"]}
    out = {}
    for name, make in chosen.items():
        started = time.perf_counter()
        evaluator = make().evaluate(n_jobs=2)
        risk = evaluator.risk()
        out[name] = {"seconds": time.perf_counter() - started, "risk": risk.value, "interval": list(risk.ci)}
    print(json.dumps({"n_attacks": min(MAX_ATTACKS, len(holdout)), "evaluators": out}))


if __name__ == "__main__":
    main()
