"""Anonymeter's linkability and inference risks on a batch of cases; print one JSON line.

Runs in Anonymeter's own virtual environment (it pins numpy < 2, which our package does not
accept): ``python3 -m venv /tmp/anon-venv && /tmp/anon-venv/bin/pip install anonymeter==1.1.0``.
``bench/bench_detection.py`` writes the cases' CSV files and a JSON manifest into a temporary
directory and runs ``/tmp/anon-venv/bin/python bench/anonymeter_detect.py MANIFEST`` once for all.

Manifest: ``{"cases": [{"id", "train", "holdout", "synthetic", "secret", "seed"}, ...]}`` (paths of
CSV files, the secret column, the seed). Per case, with ``ori = train``, ``syn = synthetic``,
``control = holdout`` and ``n_attacks = min(2000, len(holdout))``:

- ``linkability``: ``LinkabilityEvaluator`` with ``aux_cols`` = the columns cut in two halves
  (first ``len // 2`` columns, the rest), as ``bench/anonymeter_run.py`` does;
- ``inference``: ``InferenceEvaluator`` with ``secret`` = the case's secret column and ``aux_cols``
  = every other column.

Each is ``evaluate(n_jobs=1)`` then ``risk()`` (95%): ``risk`` is the value, ``interval`` its CI,
``seconds`` the construction + evaluate + risk wall time. The global numpy seed is set to the
case's seed before each evaluator (Anonymeter samples its targets with ``DataFrame.sample`` and
no seed of its own), so the risks are reproducible; the linkability evaluator's random-guess
baseline draws from an unseeded ``np.random.default_rng()``, but it only feeds Anonymeter's
"attack is as good or worse as baseline" warning, not ``risk()``. The warnings an evaluator
raises are kept (``warnings``); a failing evaluator gives ``{"error": "..."}`` instead. Progress
goes to stderr; stdout is one line: ``{"anonymeter": version, "results": {id: {"linkability":
..., "inference": ...}}}``.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from anonymeter.evaluators import InferenceEvaluator, LinkabilityEvaluator

MAX_ATTACKS = 2_000
Evaluator = LinkabilityEvaluator | InferenceEvaluator


def evaluators(
    train: pd.DataFrame, holdout: pd.DataFrame, synthetic: pd.DataFrame, secret: str
) -> dict[str, Callable[[], Evaluator]]:
    """The two evaluators of one case, unevaluated (built on call, so their construction is timed)."""
    columns = list(train.columns)
    n_attacks = min(MAX_ATTACKS, len(holdout))
    return {
        "linkability": lambda: LinkabilityEvaluator(
            ori=train,
            syn=synthetic,
            control=holdout,
            n_attacks=n_attacks,
            aux_cols=(columns[: len(columns) // 2], columns[len(columns) // 2 :]),
        ),
        "inference": lambda: InferenceEvaluator(
            ori=train,
            syn=synthetic,
            control=holdout,
            n_attacks=n_attacks,
            aux_cols=[c for c in columns if c != secret],
            secret=secret,
        ),
    }


def run_evaluator(make: Callable[[], Evaluator], seed: int) -> dict[str, Any]:
    """Seed, build, evaluate and read the risk of one evaluator (or the error it raised)."""
    np.random.seed(seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        started = time.perf_counter()
        try:
            risk = make().evaluate(n_jobs=1).risk()
        except Exception as error:  # one failing evaluator must not lose the batch
            return {"error": f"{type(error).__name__}: {error}", "seconds": time.perf_counter() - started}
        seconds = time.perf_counter() - started
    return {
        "risk": float(risk.value),
        "interval": [float(bound) for bound in risk.ci],
        "seconds": seconds,
        # e.g. "Attack is as good or worse as baseline model ... Analysis results cannot be trusted."
        "warnings": sorted({str(w.message) for w in caught}),
    }


def run_case(case: dict[str, Any], frames: dict[str, pd.DataFrame]) -> dict[str, dict[str, Any]]:
    """Both evaluators on one case (CSV files read once per path, ``frames`` caches them)."""
    for key in ("train", "holdout", "synthetic"):
        if case[key] not in frames:
            frames[case[key]] = pd.read_csv(case[key])
    train, holdout, synthetic = (frames[case[key]] for key in ("train", "holdout", "synthetic"))
    return {
        name: run_evaluator(make, int(case["seed"]))
        for name, make in evaluators(train, holdout, synthetic, case["secret"]).items()
    }


def main() -> None:
    cases = json.loads(Path(sys.argv[1]).read_text())["cases"]
    frames: dict[str, pd.DataFrame] = {}
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for number, case in enumerate(cases, start=1):
        results[case["id"]] = run_case(case, frames)
        seconds = sum(r["seconds"] for r in results[case["id"]].values())
        print(f"anonymeter {number}/{len(cases)} {case['id']} {seconds:.1f} s", file=sys.stderr, flush=True)
        if len(frames) > 64:  # train and holdout files repeat across a seed's variants only
            frames.clear()
    print(json.dumps({"anonymeter": version("anonymeter"), "results": results}))


if __name__ == "__main__":
    main()
