"""Detection side by side: our privacy checks, SDMetrics' DCR metrics and Anonymeter on the same planted leaks.

**Cases.** The calibration harness (``auditing.calibration``) makes every case: per dataset
(``adult``, ``simulated``, ``fair``) and seed 0..N-1, ``split_population(population, seed,
train_rows=2000)`` gives train 2,000 / holdout 1,000 / fresh 1,000 rows, and the synthetic set is
``make_synthetic(spec, split, defect, strength, defect_rng(dataset, seed, defect, strength))`` for
each variant of ``VARIANTS``: the fresh sample itself (a perfect generator: any detection is a
false alarm), 2% / 5% of its rows replaced by exact copies of training rows, 5% / 10% / 30% by
near-copies (integers ±1, floats ×(1 ± 0.001), a tenth with one categorical cell changed), and
the training set itself. The secret column is the dataset's fairness target (``spec.target``).

**Tools and detection rules** (every tool sees the same train, holdout and synthetic frames):

- *ours*: ``privacy_profile(train, synthetic, holdout, secret_columns=[target], seed=seed)`` and
  the product's verdicts at its defaults (read from ``auditing.parameters.AuditParameters()``:
  each check at the gate's 0.02 over its 8 critical checks, no copy excess, ε 0, advantage 0.1,
  inference and linkability risk 0):
  ``copy_verdict``, ``membership_verdict``, ``inference_verdict`` and ``linkability_verdict``.
  Detected = any of the four has ``passes`` False (the verdicts' own tests, no tuning). Breakdown
  columns: *copies* = the copy verdict failed; *membership-distance* = the membership verdict's
  ``epsilon_fails``, ``advantage_fails`` or ``near_match_fails`` (the distance attack's ε bound,
  its advantage, the near-match test); *membership-rarity* = its ``rarity_fails`` (the rarity
  attack's tail scan); *inference* / *linkability* = that verdict failed.
- *SDMetrics* 0.32.0 (no test of its own): ``DCROverfittingProtection.compute_breakdown(train,
  synthetic, holdout, metadata, table, num_rows_subsample=None)`` (score = min(1, 2 × share of
  synthetic rows closer to holdout than to train)) and ``DCRBaselineProtection.compute_breakdown(
  train, synthetic, metadata, table, num_rows_subsample=None)`` (score = min(1, median DCR of the
  synthetic rows / median DCR of uniformly random rows), its random rows seeded with the case's
  seed); metadata from the dtypes (numeric "numerical", else "categorical"). Matched-threshold
  rule: detected when the score is strictly lower than the lowest score any fresh seed of the same
  dataset gave. This threshold is fitted in-sample on the fresh rows, which favours the peer: its
  fresh row is 0 false alarms by construction.
- *Anonymeter* 1.1.0 (its own virtualenv; ``bench/anonymeter_detect.py``, one subprocess for all
  cases): ``LinkabilityEvaluator`` (aux columns = the columns cut in two halves) and
  ``InferenceEvaluator`` (secret = the target, aux = the other columns), ``ori = train``,
  ``syn = synthetic``, ``control = holdout``, ``n_attacks = min(2000, len(holdout))``,
  ``evaluate(n_jobs=1)``, ``risk()`` at 95%. CI rule (Anonymeter's own reading): detected when the
  risk's confidence interval lower bound is > 0. Matched rule: detected when the risk is strictly
  above the highest risk any fresh seed of the same dataset gave (as for SDMetrics).

**Columns of the tables.** *detections*: seeds detected out of seeds measured, per dataset ×
variant; the fresh row is the false-alarm count. *Seconds*: median wall time per audit
(``time.perf_counter``): ours = the ``privacy_profile`` call (the verdicts take milliseconds),
SDMetrics = both metrics' ``compute_breakdown``, Anonymeter = both evaluators (construction,
``evaluate`` and ``risk``, in its subprocess; CSV reading not timed). *Scores*: median [min, max]
over seeds of SDMetrics' scores and Anonymeter's risks.

Run from the repository root (Adult needs ``SYNTH_AUDIT_ADULT_DIR``)::

    .venv/bin/python bench/bench_detection.py --seeds 10 --out /tmp/detection
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore", category=FutureWarning)
from sdmetrics.single_table import DCRBaselineProtection, DCROverfittingProtection  # noqa: E402

import expectations  # noqa: E402
from auditing.calibration import (  # noqa: E402
    DATASET_NAMES,
    dataset_spec,
    defect_rng,
    load_population,
    make_synthetic,
    split_population,
    strength_label,
)
from auditing.parameters import AuditParameters  # noqa: E402
from expectations.metrics.privacy import privacy_profile  # noqa: E402
from expectations.metrics.verdicts.privacy import (  # noqa: E402
    copy_verdict,
    inference_verdict,
    linkability_verdict,
    membership_verdict,
)

#: (defect, strength) planted into the fresh sample, in table order.
VARIANTS: tuple[tuple[str, float], ...] = (
    ("fresh", 0.0),
    ("exact_copies", 0.02),
    ("exact_copies", 0.05),
    ("near_copies", 0.05),
    ("near_copies", 0.10),
    ("near_copies", 0.30),
    ("synthetic_equals_train", 1.0),
)
TRAIN_ROWS = 2_000
#: The product's defaults, from their one source.
DEFAULTS = AuditParameters()
MEMBERSHIP_FLAGS = ("epsilon_fails", "advantage_fails", "near_match_fails", "rarity_fails")
DEFAULT_ANONYMETER = Path("/tmp/anon-venv/bin/python")
ANONYMETER_SCRIPT = Path(__file__).with_name("anonymeter_detect.py")
Record = dict[str, Any]


@dataclass(frozen=True)
class Case:
    """One audit: a dataset's split at a seed and the synthetic set of one variant."""

    dataset: str
    seed: int
    defect: str
    strength: float
    train: pd.DataFrame
    holdout: pd.DataFrame
    synthetic: pd.DataFrame
    secret: str

    @property
    def key(self) -> str:
        return f"{self.dataset}|{self.seed}|{self.defect}|{self.strength:g}"


# --------------------------------------------------------------------------------------------
# The tools
# --------------------------------------------------------------------------------------------


def run_ours(case: Case) -> Record:
    """Our privacy profile and the four verdicts at the product's defaults (``DEFAULTS``)."""
    started = time.perf_counter()
    profile = privacy_profile(case.train, case.synthetic, case.holdout, secret_columns=[case.secret], seed=case.seed)
    seconds = time.perf_counter() - started
    alpha = DEFAULTS.check_alpha
    verdicts = {
        "copies": copy_verdict(profile["exact_copies"], alpha, DEFAULTS.privacy_max_copy_excess),
        "membership": membership_verdict(
            profile["attack"], alpha, DEFAULTS.privacy_max_epsilon, DEFAULTS.privacy_max_advantage
        ),
        "inference": inference_verdict(profile["inference"], alpha, DEFAULTS.privacy_max_inference_risk),
        "linkability": linkability_verdict(profile["linkability"], alpha, DEFAULTS.privacy_max_linkability_risk),
    }
    failed = [name for name, v in verdicts.items() if not v["passes"]]
    return {
        "seconds": seconds,
        "detected": bool(failed),
        "failed": failed,
        "membership_flags": {flag: verdicts["membership"][flag] for flag in MEMBERSHIP_FLAGS},
        "p_values": {name: v["p_value"] for name, v in verdicts.items()},
        "copy_rate": profile["exact_copies"]["rate"],
    }


def sdmetrics_metadata(frame: pd.DataFrame, table: str) -> dict[str, Any]:
    """SDMetrics metadata from the dtypes: numeric columns "numerical", the others "categorical"."""
    columns = {
        c: {"sdtype": "numerical" if pd.api.types.is_numeric_dtype(frame[c]) else "categorical"} for c in frame.columns
    }
    return {"tables": {table: {"columns": columns}}}


def run_sdmetrics(case: Case) -> Record:
    """DCROverfittingProtection and DCRBaselineProtection, no subsampling; warnings they raise are kept."""
    metadata = sdmetrics_metadata(case.train, case.dataset)
    # The baseline's random rows come from np.random.default_rng(cls._seed) (its missing-value mask
    # from the global numpy state): seed both so a case's score is reproducible.
    DCRBaselineProtection._seed = case.seed
    np.random.seed(case.seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        started = time.perf_counter()
        overfitting = DCROverfittingProtection.compute_breakdown(
            case.train, case.synthetic, case.holdout, metadata, case.dataset, num_rows_subsample=None
        )
        baseline = DCRBaselineProtection.compute_breakdown(
            case.train, case.synthetic, metadata, case.dataset, num_rows_subsample=None
        )
        seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "overfitting": _finite(overfitting["score"]),
        "closer_to_training": float(overfitting["synthetic_data_percentages"]["closer_to_training"]),
        "baseline": _finite(baseline["score"]),
        "median_dcr": {k: float(v) for k, v in baseline["median_DCR_to_real_data"].items()},
        "warnings": sorted({str(w.message) for w in caught if not issubclass(w.category, FutureWarning)}),
    }


def _finite(value: Any) -> float | None:
    """A float, or None for NaN (SDMetrics' baseline score is NaN when the random rows' median DCR is 0)."""
    value = float(value)
    return value if np.isfinite(value) else None


def run_anonymeter(cases: Sequence[Case], python: Path) -> tuple[dict[str, Record], str | None]:
    """All cases in one Anonymeter subprocess: CSV files and a manifest in a temporary directory.

    Returns the results by case key and Anonymeter's version (``{}``, None when the subprocess fails;
    its stderr, progress and any traceback, goes to this process's stderr).
    """
    with tempfile.TemporaryDirectory(prefix="bench-detection-") as scratch:
        folder = Path(scratch)
        manifest = []
        for number, case in enumerate(cases):
            split = folder / f"{case.dataset}-{case.seed}"
            if not split.exists():
                split.mkdir()
                case.train.to_csv(split / "train.csv", index=False)
                case.holdout.to_csv(split / "holdout.csv", index=False)
            synthetic = folder / f"synthetic-{number}.csv"
            case.synthetic.to_csv(synthetic, index=False)
            manifest.append(
                {
                    "id": case.key,
                    "train": str(split / "train.csv"),
                    "holdout": str(split / "holdout.csv"),
                    "synthetic": str(synthetic),
                    "secret": case.secret,
                    "seed": case.seed,
                }
            )
        (folder / "manifest.json").write_text(json.dumps({"cases": manifest}))
        completed = subprocess.run(
            [str(python), str(ANONYMETER_SCRIPT), str(folder / "manifest.json")],
            stdout=subprocess.PIPE,
            text=True,
        )
    if completed.returncode != 0:
        print(f"anonymeter subprocess failed with status {completed.returncode}", file=sys.stderr)
        return {}, None
    output = json.loads(completed.stdout.strip().splitlines()[-1])
    return output["results"], output["anonymeter"]


# --------------------------------------------------------------------------------------------
# Detection rules
# --------------------------------------------------------------------------------------------

#: Peer figures judged by the matched-threshold rule: (tool, figure) -> True when higher is worse.
MATCHED_FIGURES: dict[tuple[str, str], bool] = {
    ("sdmetrics", "overfitting"): False,
    ("sdmetrics", "baseline"): False,
    ("anonymeter", "linkability"): True,
    ("anonymeter", "inference"): True,
}


def peer_figure(record: Record, tool: str, figure: str) -> float | None:
    """A peer's score or risk in one record (None when not measured, failed or NaN)."""
    part = record.get(tool) or {}
    value = part.get(figure)
    if isinstance(value, dict):  # Anonymeter: {"risk", "interval", "seconds"} or {"error"}
        value = value.get("risk")
    return value


def fresh_thresholds(records: Sequence[Record]) -> dict[str, dict[str, float | None]]:
    """Per dataset and peer figure, the worst value any fresh seed gave (the matched-rule threshold)."""
    thresholds: dict[str, dict[str, float | None]] = {}
    for dataset in dict.fromkeys(r["dataset"] for r in records):
        fresh = [r for r in records if r["dataset"] == dataset and r["defect"] == "fresh"]
        thresholds[dataset] = {}
        for (tool, figure), higher_worse in MATCHED_FIGURES.items():
            values = [v for r in fresh if (v := peer_figure(r, tool, figure)) is not None]
            thresholds[dataset][f"{tool}.{figure}"] = (max if higher_worse else min)(values) if values else None
    return thresholds


def matched_rule(tool: str, figure: str) -> Callable[[Record, Mapping[str, Any]], bool | None]:
    """Detected when the figure is strictly worse than the worst fresh seed's of the same dataset."""
    higher_worse = MATCHED_FIGURES[(tool, figure)]

    def detect(record: Record, thresholds: Mapping[str, Any]) -> bool | None:
        value, threshold = peer_figure(record, tool, figure), thresholds[record["dataset"]][f"{tool}.{figure}"]
        if value is None or threshold is None:
            return None
        return value > threshold if higher_worse else value < threshold

    return detect


def ci_rule(figure: str) -> Callable[[Record, Mapping[str, Any]], bool | None]:
    """Anonymeter's own reading: detected when the risk's confidence interval lower bound is > 0."""

    def detect(record: Record, thresholds: Mapping[str, Any]) -> bool | None:
        part = (record.get("anonymeter") or {}).get(figure) or {}
        return part["interval"][0] > 0 if "interval" in part else None

    return detect


def ours_rule(check: Callable[[Record], bool]) -> Callable[[Record, Mapping[str, Any]], bool | None]:
    """One of our columns: ``check`` on the record's ``ours`` part (None when it failed to run)."""

    def detect(record: Record, thresholds: Mapping[str, Any]) -> bool | None:
        ours = record.get("ours") or {}
        return check(ours) if "detected" in ours else None

    return detect


def _distance_fails(ours: Record) -> bool:
    flags = ours["membership_flags"]
    return flags["epsilon_fails"] or flags["advantage_fails"] or flags["near_match_fails"]


#: Column header -> rule (record, thresholds) -> detected (None: not measured), in table order.
DETECTORS: dict[str, Callable[[Record, Mapping[str, Any]], bool | None]] = {
    "ours": ours_rule(lambda o: o["detected"]),
    "ours: copies": ours_rule(lambda o: "copies" in o["failed"]),
    "ours: membership-distance": ours_rule(_distance_fails),
    "ours: membership-rarity": ours_rule(lambda o: o["membership_flags"]["rarity_fails"]),
    "ours: inference": ours_rule(lambda o: "inference" in o["failed"]),
    "ours: linkability": ours_rule(lambda o: "linkability" in o["failed"]),
    "SDMetrics overfitting (matched)": matched_rule("sdmetrics", "overfitting"),
    "SDMetrics baseline (matched)": matched_rule("sdmetrics", "baseline"),
    "Anonymeter linkability (CI)": ci_rule("linkability"),
    "Anonymeter linkability (matched)": matched_rule("anonymeter", "linkability"),
    "Anonymeter inference (CI)": ci_rule("inference"),
    "Anonymeter inference (matched)": matched_rule("anonymeter", "inference"),
}
#: The membership verdict's sub-tests (a secondary table).
MEMBERSHIP_DETECTORS: dict[str, Callable[[Record, Mapping[str, Any]], bool | None]] = {
    flag: ours_rule(lambda o, flag=flag: o["membership_flags"][flag]) for flag in MEMBERSHIP_FLAGS
}


def apply_rules(records: Sequence[Record]) -> dict[str, dict[str, float | None]]:
    """Add each record's ``detections`` (column -> bool or None); return the fresh thresholds used."""
    thresholds = fresh_thresholds(records)
    for record in records:
        for key, rules in (("detections", DETECTORS), ("membership_detections", MEMBERSHIP_DETECTORS)):
            record[key] = {name: rule(record, thresholds) for name, rule in rules.items()}
    return thresholds


# --------------------------------------------------------------------------------------------
# Tables
# --------------------------------------------------------------------------------------------


def cells(records: Sequence[Record]) -> dict[tuple[str, str, float], list[Record]]:
    """Records grouped by (dataset, defect, strength), datasets in run order, variants in ``VARIANTS`` order."""
    grouped: dict[tuple[str, str, float], list[Record]] = {}
    for dataset in dict.fromkeys(r["dataset"] for r in records):
        for defect, strength in VARIANTS:
            group = [r for r in records if (r["dataset"], r["defect"], r["strength"]) == (dataset, defect, strength)]
            if group:
                grouped[(dataset, defect, strength)] = group
    return grouped


def count_text(values: Sequence[bool | None]) -> str:
    """``hits/measured`` ("—" when nothing was measured)."""
    measured = [v for v in values if v is not None]
    return f"{sum(measured)}/{len(measured)}" if measured else "—"


def spread_text(values: Sequence[float | None], digits: int = 3) -> str:
    """``median [min, max]`` of the measured values ("—" when none)."""
    measured = [v for v in values if v is not None]
    if not measured:
        return "—"
    return f"{statistics.median(measured):.{digits}f} [{min(measured):.{digits}f}, {max(measured):.{digits}f}]"


def median_text(values: Sequence[float | None]) -> str:
    measured = [v for v in values if v is not None]
    return f"{statistics.median(measured):.2f}" if measured else "—"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---" for _ in header) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]


def render_tables(results: Mapping[str, Any]) -> str:
    """Markdown: detections per dataset × variant, membership sub-tests, peer scores, seconds per audit."""
    records = results["records"]
    grouped = cells(records)

    def rows(key: str, columns: Sequence[str]) -> list[list[str]]:
        return [
            [dataset, defect, strength_label(defect, strength), *(count_text([r[key][c] for r in g]) for c in columns)]
            for (dataset, defect, strength), g in grouped.items()
        ]

    lead = ["dataset", "defect", "strength"]
    lines = [f"Detections out of seeds ({results['seeds']} seeds; the fresh row is the false-alarm count)", ""]
    lines += markdown_table(lead + list(DETECTORS), rows("detections", list(DETECTORS)))
    lines += ["", "Our membership verdict's sub-tests (seeds failing each)", ""]
    lines += markdown_table(lead + list(MEMBERSHIP_FLAGS), rows("membership_detections", list(MEMBERSHIP_FLAGS)))
    lines += ["", "Peer scores and risks, median [min, max] over seeds", ""]
    scores = [
        [
            dataset,
            defect,
            strength_label(defect, strength),
            *(spread_text([peer_figure(r, tool, figure) for r in group]) for tool, figure in MATCHED_FIGURES),
        ]
        for (dataset, defect, strength), group in grouped.items()
    ]
    score_header = ["SDMetrics overfitting", "SDMetrics baseline", "Anonymeter linkability", "Anonymeter inference"]
    lines += markdown_table(lead + score_header, scores)
    lines += ["", "Matched thresholds (worst fresh seed per dataset)", ""]
    lines += markdown_table(
        ["dataset", *score_header],
        [
            [dataset, *("—" if v is None else f"{v:.4f}" for v in figures.values())]
            for dataset, figures in results["thresholds"].items()
        ],
    )
    lines += ["", "Median seconds per audit", ""]
    timing_rows = []
    for dataset in [*results["datasets"], "all"]:
        chosen = [r for r in records if dataset in ("all", r["dataset"])]
        timing_rows.append(
            [
                dataset,
                str(len(chosen)),
                *(median_text([_seconds(r, tool) for r in chosen]) for tool in ("ours", "sdmetrics", "anonymeter")),
            ]
        )
    lines += markdown_table(["dataset", "audits", "ours", "SDMetrics (both)", "Anonymeter (both)"], timing_rows)
    return "\n".join(lines) + "\n"


def _seconds(record: Record, tool: str) -> float | None:
    part = record.get(tool) or {}
    if tool == "anonymeter":
        times = [p.get("seconds") for p in part.values() if isinstance(p, dict) and "risk" in p]
        return sum(times) if len(times) == 2 else None
    return part.get("seconds")


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


def make_cases(dataset: str, seed: int) -> list[Case]:
    """Every variant's case at one dataset and seed (one split)."""
    spec = dataset_spec(dataset)
    split = split_population(load_population(dataset), seed, TRAIN_ROWS)
    return [
        Case(
            dataset,
            seed,
            defect,
            strength,
            split.train,
            split.holdout,
            make_synthetic(spec, split, defect, strength, defect_rng(dataset, seed, defect, strength)),
            spec.target,
        )
        for defect, strength in VARIANTS
    ]


def run_in_process(case: Case) -> Record:
    """Ours and SDMetrics on one case (a tool that raises gets ``{"error": ...}``)."""
    record: Record = {"dataset": case.dataset, "seed": case.seed, "defect": case.defect, "strength": case.strength}
    for tool, run in (("ours", run_ours), ("sdmetrics", run_sdmetrics)):
        try:
            record[tool] = run(case)
        except Exception as error:  # a failing tool is reported, not fatal
            record[tool] = {"error": f"{type(error).__name__}: {error}"}
    return record


def versions() -> dict[str, str]:
    repository = Path(__file__).resolve().parents[1]
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=repository
    ).stdout.strip()
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "sdmetrics": version("sdmetrics"),
        "repository commit": commit,
        # Where our package was imported from: this repository's work tree, or (PYTHONPATH) e.g. a
        # ``git archive`` export, whose commit the repository's HEAD above need not be.
        "our code": str(Path(expectations.__file__).resolve().parents[1]),
    }


def _clean(value: Any) -> Any:
    """``value`` with every non-finite float made None (JSON has no NaN)."""
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def write_json(results: Mapping[str, Any], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_clean(results), indent=2, allow_nan=False) + "\n")


def write_outputs(results: Mapping[str, Any], out: Path) -> None:
    """``results.json`` (every record, thresholds, versions) and ``tables.md`` (``render_tables``) under ``out``."""
    write_json(results, out / "results.json")
    (out / "tables.md").write_text(render_tables(results))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--datasets", nargs="+", choices=DATASET_NAMES, default=list(DATASET_NAMES))
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0..N-1 (default 10)")
    parser.add_argument("--anonymeter-python", type=Path, default=DEFAULT_ANONYMETER)
    parser.add_argument("--no-anonymeter", action="store_true", help="skip Anonymeter")
    parser.add_argument("--out", type=Path, help="folder for results.json and tables.md")
    args = parser.parse_args(argv)
    if not args.no_anonymeter and not args.anonymeter_python.is_file():
        parser.error(f"{args.anonymeter_python} not found (see bench/anonymeter_detect.py) or pass --no-anonymeter")

    started = time.perf_counter()
    run_versions = versions()  # at the start: the repository's HEAD may move during a long run
    records: list[Record] = []
    anonymeter_cases: list[Case] = []
    for dataset in args.datasets:
        for seed in range(args.seeds):
            for case in make_cases(dataset, seed):
                records.append(run_in_process(case))
                if not args.no_anonymeter:
                    anonymeter_cases.append(case)
                ours, sdm = records[-1]["ours"], records[-1]["sdmetrics"]
                print(
                    f"{case.key}: ours {ours.get('seconds', float('nan')):.1f} s {ours.get('failed', ours)}, "
                    f"SDMetrics {sdm.get('seconds', float('nan')):.1f} s",
                    file=sys.stderr,
                    flush=True,
                )
    results: dict[str, Any] = {
        "datasets": args.datasets,
        "seeds": args.seeds,
        "train_rows": TRAIN_ROWS,
        "versions": run_versions,
        "records": records,
    }
    in_process_seconds = time.perf_counter() - started
    if args.out:  # kept should the Anonymeter subprocess not finish
        write_json(results, args.out / "results.partial.json")
    if anonymeter_cases:
        by_key, anonymeter_version = run_anonymeter(anonymeter_cases, args.anonymeter_python)
        results["versions"]["anonymeter"] = anonymeter_version
        for record, case in zip(records, anonymeter_cases, strict=True):
            record["anonymeter"] = by_key.get(case.key, {"error": "anonymeter subprocess failed"})
    results["thresholds"] = apply_rules(records)
    results["wall_seconds"] = {"in_process": in_process_seconds, "total": time.perf_counter() - started}
    print(render_tables(results))
    print(f"wall time {results['wall_seconds']['total']:.0f} s", file=sys.stderr)
    if args.out:
        write_outputs(results, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
