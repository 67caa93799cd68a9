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
from anonymeter.evaluators import InferenceEvaluator, LinkabilityEvaluator

N_ATTACKS = 2_000


def main() -> None:
    data, synthetic_name = Path(sys.argv[1]), sys.argv[2]
    train = pd.read_csv(data / "train.csv")
    holdout = pd.read_csv(data / "holdout.csv")
    synthetic = pd.read_csv(data / f"{synthetic_name}.csv")
    columns = list(train.columns)
    evaluators = {
        "linkability": lambda: LinkabilityEvaluator(
            ori=train,
            syn=synthetic,
            control=holdout,
            n_attacks=N_ATTACKS,
            aux_cols=(columns[: len(columns) // 2], columns[len(columns) // 2 :]),
        ),
        "inference (income)": lambda: InferenceEvaluator(
            ori=train,
            syn=synthetic,
            control=holdout,
            n_attacks=N_ATTACKS,
            aux_cols=[c for c in columns if c != "income"],
            secret="income",
        ),
    }
    out = {}
    for name, make in evaluators.items():
        started = time.perf_counter()
        evaluator = make().evaluate(n_jobs=2)
        risk = evaluator.risk()
        out[name] = {"seconds": time.perf_counter() - started, "risk": risk.value, "interval": list(risk.ci)}
    print(json.dumps({"n_attacks": N_ATTACKS, "evaluators": out}))


if __name__ == "__main__":
    main()
