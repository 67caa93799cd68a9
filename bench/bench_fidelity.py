"""Benchmark: our fidelity audit against the SDMetrics single-table QualityReport on UCI Adult.

What is measured
----------------
Five in-process timings (``time.perf_counter``) on the same two frames, ``train.csv`` (real)
and ``synthetic_gc.csv`` (Gaussian-copula synthetic data), each the median of ``--repeat`` runs:

a. SDMetrics: ``QualityReport()`` then ``.generate(real, synthetic, metadata, verbose=False)``
   (column shapes and column pair trends; point figures, no intervals, no HTML).
b. Ours, pure metrics: ``expectations.metrics.fidelity.fidelity_profile(real, synthetic,
   bootstrap_replicates=0)`` (column shapes, column pair trends; no Great Expectations).
c. Ours, the GX audit like for like: ``auditing.checkpoint.run_validation``, the suite validated
   on the stacked audit batch (verdict and every figure; no HTML), intervals off.
d. The same with our default 95% bootstrap intervals on every figure (200 replicates), which
   SDMetrics does not compute.
e. Ours, full GX checkpoint: ``auditing.checkpoint.run_checkpoint`` on the stacked audit batch,
   intervals on, including the checkpoint's Data Docs action. The batch is built and the GX
   context opened once, before timing, because a service does both once and then runs many audits.

Imports, CSV reading, metadata building, batch building and context opening are all outside
the timings, so the figures compare the audit work only. The ratio printed is
``SDMetrics time / our time``: above 1 means ours is faster.

Agreement check
---------------
Per column, SDMetrics' ``1 - KSComplement`` is compared with our ``ks`` and ``1 - TVComplement``
with our ``tvd``. SDMetrics drops missing values before TVComplement while we count missing as a
level of its own, so categorical columns with missing values differ by design and are shown
but not checked. The script exits with status 1 if a checked column differs by more than
``TOLERANCE``, and 2 if the data files are missing.

Run from the repository root: ``.venv/bin/python bench/bench_fidelity.py [--data DIR] [--repeat N] [--json PATH]``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import great_expectations as gx
import numpy as np
import pandas as pd
import sdmetrics

with warnings.catch_warnings():
    # The brief pins the single-table report; its deprecation notice would only clutter the output.
    warnings.simplefilter("ignore", FutureWarning)
    from sdmetrics.reports.single_table import QualityReport

from auditing.batch import build_audit_batch
from auditing.checkpoint import open_context, result_dicts, run_checkpoint, run_validation
from auditing.parameters import AuditParameters
from expectations.metrics.fidelity import fidelity_profile

DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "adult"
REAL_FILE, SYNTHETIC_FILE = "train.csv", "synthetic_gc.csv"
TOLERANCE = 1e-9
COLUMN_SHAPES, PAIR_TRENDS = "Column Shapes", "Column Pair Trends"
COLUMN_SHAPES_TYPE = "expect_synthetic_column_shapes_to_match_real"
PAIR_TRENDS_TYPE = "expect_synthetic_column_pair_trends_to_match_real"


@dataclass(frozen=True)
class Timing:
    tool: str
    runs: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


@dataclass(frozen=True)
class ColumnComparison:
    column: str
    sdmetrics_metric: str
    #: ``1 - Score`` of SDMetrics, i.e. its KS statistic or TVD.
    sdmetrics_distance: float | None
    our_field: str
    our_distance: float | None
    abs_difference: float | None
    #: "agrees", "DISAGREES", "differs by design: missing values counted" or "not computed".
    status: str

    @property
    def checked(self) -> bool:
        return self.status in ("agrees", "DISAGREES")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"folder holding {REAL_FILE} and {SYNTHETIC_FILE} (default: {DEFAULT_DATA_DIR})",
    )
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per tool; the median is reported (default 3)")
    parser.add_argument("--json", type=Path, default=None, metavar="PATH", help="also write the results as JSON here")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def load_frames(data_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    missing = [name for name in (REAL_FILE, SYNTHETIC_FILE) if not (data_dir / name).is_file()]
    if missing:
        print(
            f"bench_fidelity: {', '.join(missing)} not found in {data_dir}; "
            "pass --data DIR pointing at the folder with the Adult CSV files",
            file=sys.stderr,
        )
        # 2, not 1: a missing input must not read as a failed agreement check.
        sys.exit(2)
    return pd.read_csv(data_dir / REAL_FILE), pd.read_csv(data_dir / SYNTHETIC_FILE)


def sdmetrics_metadata(real: pd.DataFrame) -> dict[str, Any]:
    # Matches the metadata the synthetic file was generated with (data README): numbers are numerical.
    return {
        "columns": {
            str(name): {"sdtype": "numerical" if pd.api.types.is_numeric_dtype(real[name]) else "categorical"}
            for name in real.columns
        }
    }


def time_runs(tool: str, run: Callable[[], Any], repeat: int) -> tuple[Timing, Any]:
    """Time ``run`` ``repeat`` times; return the timing and the last run's result."""
    runs, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = run()
        runs.append(time.perf_counter() - start)
    return Timing(tool, runs), result


def run_sdmetrics(real: pd.DataFrame, synthetic: pd.DataFrame, metadata: dict[str, Any]) -> QualityReport:
    report = QualityReport()
    report.generate(real, synthetic, metadata, verbose=False)
    return report


def compare_column_shapes(
    report: QualityReport, profile: dict[str, Any], real: pd.DataFrame, synthetic: pd.DataFrame
) -> list[ColumnComparison]:
    ours = {row["column"]: row for row in profile["column_shapes"]["columns"]}
    details = report.get_details(COLUMN_SHAPES)
    out = []
    for _, row in details.iterrows():
        name, metric = str(row["Column"]), str(row["Metric"])
        our_field = "ks" if metric == "KSComplement" else "tvd"
        theirs = None if pd.isna(row["Score"]) else 1.0 - float(row["Score"])
        mine = ours.get(name, {}).get(our_field)
        difference = abs(theirs - mine) if theirs is not None and mine is not None else None
        # Both KS statistics drop NaN, so only TVD sees the missing-as-a-level difference.
        has_missing = bool(real[name].isna().any() or synthetic[name].isna().any())
        if difference is None:
            status = "not computed"
        elif metric == "TVComplement" and has_missing:
            status = "differs by design: missing values counted"
        else:
            status = "agrees" if difference <= TOLERANCE else "DISAGREES"
        out.append(ColumnComparison(name, metric, theirs, our_field, mine, difference, status))
    return out


def checkpoint_scores(result: Any) -> dict[str, float | None]:
    observed = {entry["type"]: entry["observed_value"] for entry in result_dicts(result)}
    return {COLUMN_SHAPES: observed.get(COLUMN_SHAPES_TYPE), PAIR_TRENDS: observed.get(PAIR_TRENDS_TYPE)}


def _mean_or_none(values: list[float | None]) -> float | None:
    return None if any(v is None for v in values) else float(np.mean(values))


def _fmt(value: float | None, digits: int = 6) -> str:
    return "—" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def print_table(headers: list[str], rows: list[list[str]], right: set[int]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        padded = (c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
        return "  ".join(padded).rstrip()

    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    real, synthetic = load_frames(args.data)
    metadata = sdmetrics_metadata(real)
    parameters = AuditParameters()
    batch = build_audit_batch(real, synthetic)

    print(f"data: {args.data} ({REAL_FILE} {real.shape[0]:,}x{real.shape[1]}, {SYNTHETIC_FILE} {synthetic.shape[0]:,})")
    print(
        f"python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}, "
        f"sdmetrics {sdmetrics.__version__}, great_expectations {gx.__version__}, cores: {os.cpu_count()}"
    )
    print(f"median of {args.repeat} in-process run(s) each; imports, CSV reading and setup not timed\n")

    sdm_timing, report = time_runs(
        "SDMetrics QualityReport.generate", lambda: run_sdmetrics(real, synthetic, metadata), args.repeat
    )
    profile_timing, profile = time_runs(
        "ours: fidelity_profile, no intervals",
        lambda: fidelity_profile(real, synthetic, bootstrap_replicates=0),
        args.repeat,
    )
    without_intervals = AuditParameters(bootstrap_replicates=0)
    with tempfile.TemporaryDirectory(prefix="bench_fidelity_") as writable_dir:
        context = open_context(writable_dir=Path(writable_dir))
        plain_timing, _ = time_runs(
            "ours: GX validation, no intervals",
            lambda: run_validation(context, batch.frame, without_intervals),
            args.repeat,
        )
        validation_timing, _ = time_runs(
            "ours: GX validation + 95% intervals",
            lambda: run_validation(context, batch.frame, parameters),
            args.repeat,
        )
        gx_timing, gx_result = time_runs(
            "ours: GX checkpoint incl. Data Docs",
            lambda: run_checkpoint(context, batch.frame, parameters),
            args.repeat,
        )
        gx_scores = checkpoint_scores(gx_result)

    timings = [sdm_timing, profile_timing, plain_timing, validation_timing, gx_timing]
    ratios = {t.tool: sdm_timing.median / t.median for t in timings[1:]}
    print("Timings")
    print_table(
        ["tool", "median s", "runs s", "SDMetrics / this"],
        [
            [
                t.tool,
                f"{t.median:.3f}",
                ", ".join(f"{r:.3f}" for r in t.runs),
                f"{ratios[t.tool]:.2f}x" if t.tool in ratios else "—",
            ]
            for t in timings
        ],
        right={1, 3},
    )

    comparisons = compare_column_shapes(report, profile, real, synthetic)
    print(f"\nColumn shapes: SDMetrics 1 - Score vs ours (tolerance {TOLERANCE:g})")
    print_table(
        ["column", "SDMetrics metric", "1 - Score", "ours", "ours value", "abs diff", "status"],
        [
            [
                c.column,
                c.sdmetrics_metric,
                _fmt(c.sdmetrics_distance, 12),
                c.our_field,
                _fmt(c.our_distance, 12),
                "—" if c.abs_difference is None else f"{c.abs_difference:.1e}",
                c.status,
            ]
            for c in comparisons
        ],
        right={2, 4, 5},
    )
    checked = [c for c in comparisons if c.checked]
    disagreeing = [c for c in checked if c.status == "DISAGREES"]
    max_difference = max((c.abs_difference or 0.0 for c in checked), default=0.0)
    if disagreeing:
        names = ", ".join(c.column for c in disagreeing)
        print(
            f"NOT all {len(checked)} comparable columns agree to {TOLERANCE:g}: {names} "
            f"(max abs diff {max_difference:.1e})"
        )
    else:
        print(f"all {len(checked)} comparable columns agree to {TOLERANCE:g} (max abs diff {max_difference:.1e})")

    properties = report.get_properties().set_index("Property")["Score"]
    shapes, trends = profile["column_shapes"]["score"], profile["pair_trends"]["score"]
    scores = {
        COLUMN_SHAPES: [float(properties[COLUMN_SHAPES]), shapes, gx_scores[COLUMN_SHAPES]],
        PAIR_TRENDS: [float(properties[PAIR_TRENDS]), trends, gx_scores[PAIR_TRENDS]],
        "overall (mean of the two)": [
            float(report.get_score()),
            _mean_or_none([shapes, trends]),
            _mean_or_none([gx_scores[COLUMN_SHAPES], gx_scores[PAIR_TRENDS]]),
        ],
    }
    print("\nScores, for information (different definitions, so they differ by design)")
    print_table(
        ["score", "SDMetrics", "ours: fidelity_profile", "ours: GX checkpoint"],
        [[name, *(_fmt(v) for v in values)] for name, values in scores.items()],
        right={1, 2, 3},
    )
    print(
        "SDMetrics column shapes use 1 - KS for numeric columns and drop missing values; ours use 1 - TVD on\n"
        "real-quantile bins for every column, missing counted as its own level. Pair trends: SDMetrics bins the\n"
        "numeric column of a mixed pair on equal-width edges fitted to each dataset separately; ours codes both\n"
        "datasets on the real-quantile bins."
    )

    if args.json is not None:
        payload = {
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "data_dir": str(args.data),
            "rows": {"real": int(real.shape[0]), "synthetic": int(synthetic.shape[0])},
            "repeat": args.repeat,
            "environment": {
                "python": platform.python_version(),
                "pandas": pd.__version__,
                "numpy": np.__version__,
                "sdmetrics": sdmetrics.__version__,
                "great_expectations": gx.__version__,
                "cpu_count": os.cpu_count(),
            },
            "timings": [{"tool": t.tool, "median_seconds": t.median, "runs_seconds": t.runs} for t in timings],
            "ratio_sdmetrics_over_ours": ratios,
            "column_shapes_comparison": {
                "tolerance": TOLERANCE,
                "all_comparable_agree": not disagreeing,
                "max_abs_difference": max_difference,
                "columns": [asdict(c) for c in comparisons],
            },
            "scores": {
                name: dict(zip(("sdmetrics", "ours_fidelity_profile", "ours_gx_checkpoint"), values, strict=True))
                for name, values in scores.items()
            },
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
        print(f"\nJSON written to {args.json}")
    return 1 if disagreeing else 0


if __name__ == "__main__":
    sys.exit(main())
