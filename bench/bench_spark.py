"""Benchmark: the whole audit on the pandas engine and on the Spark engine, at 1x, 10x and 30x UCI Adult.

What is measured
----------------
``auditing.engine.run_audit(real, synthetic, holdout, out_dir=..., parameters=..., engine=...)``: the
whole audit a user of the CLI waits for — reading the three files, building the audit batch, the
``synthetic_data_audit`` checkpoint (every privacy, fairness and fidelity expectation, 200 bootstrap
replicates, Data Docs HTML) and ``report.json`` — with fairness on ``sex`` and ``race``, target
``income``, positive label ``>50K``, every other setting at its default. Wall time with
``time.perf_counter`` around the one call; imports, building the inputs and starting Spark are
not in it.

- pandas: ``engine="pandas"``, in this process.
- Spark: ``engine="spark"``, local mode with 2 cores (``auditing.spark_session.local_spark_session(
  cores=2)``), one session for every Spark run; its start-up is timed on its own. The first Spark
  run also starts the Python workers (each imports Great Expectations and the metrics), so it is
  reported apart ("cold"); the runs after it reuse those workers ("warm").
- At 1x each engine runs ``--repeat`` times (default 3; Spark: 3 warm runs after the cold one)
  and the median is reported; at the larger scales each engine runs once.

Per run the script also records where the time went: the batch (reading, stacking and the input
findings, until run_audit reports "running the ... checkpoint"), each module's metric (timed by
wrapping ``expectations.base.profile_from_batch``, the one call through which each module's GX
metric computes its profile; nothing else is changed), the rest of the checkpoint (GX's
validation machinery, the expectations' results, Data Docs) and the report. As a sanity check
it compares the two engines' reports at each scale: overall score, module scores and every
expectation's numeric observed value (they agree to ~1e-9; intervals are not compared). The
1-minute load average before and after each run is printed: this run itself adds about 2.

Inputs
------
Real ``train.csv`` (32,561 rows), holdout ``holdout.csv`` (16,281) and synthetic
``synthetic_biased.csv`` (32,561) from ``--data``. For each scale k each file is read with pyarrow
as the audit reads CSV (empty fields missing), stacked k times and written once to
``--work/adult_x{k}_{role}.parquet`` (zstd, reused by later runs; both engines read the same
files, so 1x is Parquet too). Copy 0 is the original file; in every further copy c = 1..k-1 each
row's ``fnlwgt`` gets an integer offset from ±1..±99 (never 0), every other column unchanged. The
offsets of one row are drawn without replacement (``numpy.random.default_rng((SEED, role
index)).permuted`` over the 198 values, the first k-1 of them), so no two copies of a row are
equal, and the 10x copies are the first 9 of the 30x ones. Without it every row would be an exact
duplicate k times, which changes the privacy figures (nearest-neighbour distance ties, exact copies
between train and synthetic rows); with it a copied row differs from its original and its other
copies in one numeric column, by at most 99 in a column that runs from about 12,000 to 1.5
million, so the data keeps Adult's distributions while its rows stay distinct. Train, holdout and
synthetic rows get independent offsets. Exact duplicate rows: 24 in train.csv, 35 in the 10x and
167 in the 30x real file (different rows whose offsets happen to meet); no synthetic row equals a real one.

A run that would take more than ``--limit`` seconds (default 900) is not started for pandas (its
time is estimated linearly in the rows from the previous scale) and is stopped for Spark (its jobs
are cancelled at the limit); the table says so.

Run from the repository root (Java 17 and pyspark installed)::

    .venv/bin/python bench/bench_spark.py                     # 1x, 10x, 30x; about 15 minutes
    .venv/bin/python bench/bench_spark.py --scales 1 --repeat 1
    .venv/bin/python bench/bench_spark.py --json /tmp/bench_spark.json

Exit status: 0 when every pair of runs agrees to ``TOLERANCE``, 1 when one does not (or a run
reported a metric error), 2 when the data files are missing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import expectations.base as audit_base  # noqa: E402
from auditing.engine import run_audit  # noqa: E402
from auditing.parameters import AuditParameters  # noqa: E402

TOLERANCE = 1e-9
SEED = 20261126
FILES = {"real": "train.csv", "holdout": "holdout.csv", "synthetic": "synthetic_biased.csv"}
JITTER_COLUMN, JITTER_MAX = "fnlwgt", 99
PARAMETERS = AuditParameters(
    fairness_protected_attributes=("sex", "race"), fairness_target="income", fairness_positive_label=">50K"
)
MODULE_ORDER = ("privacy", "fairness", "fidelity")


# --------------------------------------------------------------------------------------------------- inputs


def build_inputs(data: Path, work: Path, scale: int) -> tuple[dict[str, Path], dict[str, int], float]:
    """The three Parquet inputs at ``scale`` (built unless already there), their rows and the build seconds."""
    started = time.perf_counter()
    work.mkdir(parents=True, exist_ok=True)
    paths, rows = {}, {}
    for index, (role, name) in enumerate(FILES.items()):
        path = work / f"adult_x{scale}_{role}.parquet"
        if not path.is_file():
            original = pa_csv.read_csv(data / name, convert_options=pa_csv.ConvertOptions(strings_can_be_null=True))
            copies = [original]
            if scale > 1:
                # Per row, k - 1 different offsets from ±1..±JITTER_MAX: no two copies of a row are equal.
                choices = np.concatenate([np.arange(-JITTER_MAX, 0), np.arange(1, JITTER_MAX + 1)])
                rng = np.random.default_rng((SEED, index))
                offsets = rng.permuted(np.tile(choices, (original.num_rows, 1)), axis=1)[:, : scale - 1]
            position = original.schema.get_field_index(JITTER_COLUMN)
            for copy in range(1, scale):
                shift = pa.array(offsets[:, copy - 1], type=original.schema.field(position).type)
                jittered = pc.add(original[JITTER_COLUMN], shift)
                copies.append(original.set_column(position, JITTER_COLUMN, jittered))
            tmp = path.with_suffix(".tmp")
            pq.write_table(pa.concat_tables(copies), tmp, compression="zstd")
            tmp.replace(path)
        paths[role], rows[role] = path, pq.read_metadata(path).num_rows
    return paths, rows, time.perf_counter() - started


# --------------------------------------------------------------------------------------------------- one run


@contextmanager
def module_timer(seconds: dict[str, float]) -> Iterator[None]:
    """Time each module's metric by wrapping ``profile_from_batch`` (its ``family`` names the module)."""
    original = getattr(audit_base, "profile_from_batch", None)
    if original is None:  # the hook moved: no breakdown, the run itself is unaffected
        yield
        return

    def timed_profile(*args: Any, **kwargs: Any) -> Any:
        family = kwargs.get("family", args[3] if len(args) > 3 else "?")
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            seconds[family] = seconds.get(family, 0.0) + time.perf_counter() - started

    audit_base.profile_from_batch = timed_profile
    try:
        yield
    finally:
        audit_base.profile_from_batch = original


class SparkWatchdog:
    """Cancels every Spark job from ``limit`` seconds on, until the run returns (GX then ends quickly)."""

    def __init__(self, spark: Any, limit: float) -> None:
        self.spark, self.limit, self.fired = spark, limit, False
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        if self._done.wait(self.limit):
            return
        self.fired = True
        while not self._done.is_set():
            self.spark.sparkContext.cancelAllJobs()
            self._done.wait(0.5)

    def __enter__(self) -> SparkWatchdog:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._done.set()
        self._thread.join()


def audit_once(engine: str, paths: dict[str, Path], out_dir: Path, spark: Any, limit: float) -> dict[str, Any]:
    """One ``run_audit`` call: wall seconds, the step breakdown, the scores and the figures to compare."""
    marks: list[tuple[str, float]] = []
    modules: dict[str, float] = {}
    shutil.rmtree(out_dir, ignore_errors=True)
    watchdog = SparkWatchdog(spark, limit) if engine == "spark" else None
    report, failure = None, None
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    try:
        with module_timer(modules), watchdog or nullcontext():
            outcome = run_audit(
                paths["real"],
                paths["synthetic"],
                paths["holdout"],
                out_dir=out_dir,
                parameters=PARAMETERS,
                progress=lambda line: marks.append((line, time.perf_counter())),
                engine=engine,
            )
        report = outcome.to_dict()
    except Exception as error:  # noqa: BLE001 - a cancelled or failed run is reported, not raised
        failure = f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"
    ended = time.perf_counter()
    load = (load_before, os.getloadavg()[0])
    shutil.rmtree(out_dir, ignore_errors=True)
    if watchdog is not None and watchdog.fired:
        return {
            "status": "stopped",
            "seconds": ended - started,
            "load": load,
            "note": f"stopped at the {limit:.0f} s limit",
        }
    if report is None:
        return {"status": "failed", "seconds": ended - started, "load": load, "note": failure}

    def mark(prefix: str) -> float | None:
        return next((t for line, t in marks if line.startswith(prefix)), None)

    checkpoint_start, checkpoint_end = mark("running the"), mark("checkpoint done")
    steps = {}
    if checkpoint_start is not None and checkpoint_end is not None:
        steps = {
            "batch": checkpoint_start - started,
            **{m: modules.get(m, float("nan")) for m in MODULE_ORDER},
            "gx_other": checkpoint_end - checkpoint_start - sum(modules.values()),
            "report": ended - checkpoint_end,
        }
    errors = [
        f"{e['type']}: {e['error']}"
        for module in report["modules"].values()
        for e in module.get("expectations", [])
        if e.get("error")
    ]
    return {
        "status": "ok" if not errors else "metric errors",
        "seconds": ended - started,
        "load": load,
        "steps": steps,
        "success": report["success"],
        "overall_score": report["overall_score"],
        "module_scores": report["module_scores"],
        "observed": {
            e["type"]: e["observed_value"]
            for module in report["modules"].values()
            for e in module.get("expectations", [])
        },
        "sample_sizes": report["sample_sizes"],
        "errors": errors,
    }


def estimate(history: list[tuple[int, float]], rows: int, fixed_cost: bool) -> float | None:
    """Seconds expected at ``rows``: a line through the last two runs, else proportional (pandas only)."""
    if len(history) >= 2:
        (n0, t0), (n1, t1) = history[-2:]
        slope = (t1 - t0) / (n1 - n0)
        return t1 + slope * (rows - n1)
    if history and not fixed_cost:
        n0, t0 = history[-1]
        return t0 * rows / n0
    return None


# --------------------------------------------------------------------------------------------------- comparison


def largest_difference(a: dict[str, Any], b: dict[str, Any]) -> dict[str, float]:
    """Largest |a - b| over the overall score, the module scores and the numeric observed values."""

    def numbers(value: Any) -> list[float | None]:
        if isinstance(value, bool) or value is None:
            return [None]
        if isinstance(value, (int, float)):
            return [float(value)]
        if isinstance(value, (list, tuple)):
            return [x for v in value for x in numbers(v)]
        if isinstance(value, dict):
            return [x for k in sorted(value) for x in numbers(value[k])]
        return [None]

    def worst(x: Any, y: Any) -> float:
        xs, ys = numbers(x), numbers(y)
        if len(xs) != len(ys):
            return float("inf")
        gaps = [abs(p - q) for p, q in zip(xs, ys, strict=True) if p is not None and q is not None]
        if any((p is None) != (q is None) for p, q in zip(xs, ys, strict=True)):
            return float("inf")
        return max(gaps, default=0.0)

    return {
        "overall": worst(a["overall_score"], b["overall_score"]),
        "modules": max(worst(a["module_scores"].get(m), b["module_scores"].get(m)) for m in MODULE_ORDER),
        "observed": max(
            (worst(a["observed"].get(k), b["observed"].get(k)) for k in set(a["observed"]) | set(b["observed"])),
            default=0.0,
        ),
    }


# --------------------------------------------------------------------------------------------------- printing


def fmt(seconds: float | None) -> str:
    return "—" if seconds is None or seconds != seconds else f"{seconds:.1f}"


def summary(runs: list[dict[str, Any]]) -> tuple[float | None, str]:
    """Median seconds of the runs that finished, and the runs as text (or why there is none)."""
    done = [r["seconds"] for r in runs if r["status"] in ("ok", "metric errors")]
    if not done:
        return None, (runs[0].get("note", "not run") if runs else "not run")
    return statistics.median(done), ", ".join(f"{s:.1f}" for s in done)


def print_tables(results: dict[str, Any]) -> None:
    print("\nWhole audit (run_audit: batch, checkpoint with Data Docs, report), wall seconds")
    print(
        f"{'scale':>5}  {'real/holdout/synthetic rows':<29}  {'pandas s':>8}  {'spark s':>8}  {'spark/pandas':>12}"
        f"  {'pandas runs s':<20}  {'spark runs s':<28}"
    )
    print(f"{'-' * 5}  {'-' * 29}  {'-' * 8}  {'-' * 8}  {'-' * 12}  {'-' * 20}  {'-' * 28}")
    for entry in results["scales"]:
        rows = entry["rows"]
        p, p_runs = summary(entry["pandas"])
        s, s_runs = summary(entry["spark"])
        ratio = f"{s / p:.1f}x" if p and s else "—"
        label = f"{rows['real']:,} / {rows['holdout']:,} / {rows['synthetic']:,}"
        print(f"{entry['scale']:>4}x  {label:<29}  {fmt(p):>8}  {fmt(s):>8}  {ratio:>12}  {p_runs:<20}  {s_runs:<28}")
    if results.get("spark_cold"):
        cold = results["spark_cold"]
        print(
            f"Spark session start-up: {results['spark_startup']:.1f} s (not in the table); first Spark run at 1x "
            f"(cold Python workers): {fmt(cold['seconds'])} s ({cold['status']}); the 1x Spark figure is the "
            "median of the warm runs."
        )

    print("\nWhere the time went (seconds; median run at 1x, the one run above): batch = read + stack + input")
    print("findings; privacy / fairness / fidelity = each module's metric; GX other = the rest of the checkpoint")
    print("(validation machinery, expectation results, Data Docs); report = report.json")
    header = ["scale", "engine", "total", "batch", *MODULE_ORDER, "GX other", "report"]
    print("  ".join(f"{h:>8}" for h in header))
    print("  ".join("-" * 8 for _ in header))
    for entry in results["scales"]:
        for engine in ("pandas", "spark"):
            done = [r for r in entry[engine] if r.get("steps")]
            if not done:
                continue
            run = sorted(done, key=lambda r: r["seconds"])[(len(done) - 1) // 2]
            cells = [f"{entry['scale']}x", engine, fmt(run["seconds"])]
            cells += [fmt(run["steps"][k]) for k in ("batch", *MODULE_ORDER, "gx_other", "report")]
            print("  ".join(f"{c:>8}" for c in cells))

    print(f"\nSanity check: pandas vs Spark reports at each scale (tolerance {TOLERANCE:g})")
    print(
        f"{'scale':>5}  {'overall pandas':>14}  {'overall spark':>14}  {'modules pandas (priv/fair/fid)':<32}", end=""
    )
    print(f"  {'max |Δ| scores':>14}  {'max |Δ| observed':>16}  status")
    for entry in results["scales"]:
        check = entry.get("agreement")
        if not check:
            continue
        p, s = check["pandas"], check["spark"]
        scores = "/".join(f"{p['module_scores'][m]:.6f}" for m in MODULE_ORDER)
        gap = max(check["overall"], check["modules"])
        status = "agrees" if check["agrees"] else "DIFFERS"
        print(
            f"{entry['scale']:>4}x  {p['overall_score']:14.9f}  {s['overall_score']:14.9f}  {scores:<32}"
            f"  {gap:14.1e}  {check['observed']:16.1e}  {status}"
        )


# --------------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/adult")
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench_spark"), help="scaled inputs and run output")
    parser.add_argument("--scales", default="1,10,30", help="comma-separated row multiples (default 1,10,30)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per engine at 1x (larger scales: one)")
    parser.add_argument("--limit", type=float, default=900.0, help="seconds a single run may take")
    parser.add_argument("--engines", default="pandas,spark")
    parser.add_argument("--json", type=Path, help="also write every run as JSON")
    args = parser.parse_args(argv)
    if not all((args.data / name).is_file() for name in FILES.values()):
        print(f"Adult files missing under {args.data}", file=sys.stderr)
        return 2
    scales = sorted(int(s) for s in args.scales.split(","))
    engines = [e for e in ("pandas", "spark") if e in args.engines.split(",")]
    args.work.mkdir(parents=True, exist_ok=True)

    import great_expectations
    import pandas
    import pyspark

    results: dict[str, Any] = {
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "pandas": pandas.__version__,
            "pyspark": pyspark.__version__,
            "great_expectations": great_expectations.__version__,
        },
        "settings": {"scales": scales, "repeat": args.repeat, "limit": args.limit, "seed": SEED},
        "scales": [],
    }
    print(
        f"python {platform.python_version()}, pandas {pandas.__version__}, pyspark {pyspark.__version__}, "
        f"great_expectations {great_expectations.__version__}, cores: {os.cpu_count()}; Spark local[2]"
    )
    print(
        f"scales {scales}; at {scales[0]}x {args.repeat} run(s) per engine (median), larger scales one run; "
        f"limit {args.limit:.0f} s per run"
    )

    spark, history = None, {engine: [] for engine in engines}
    given_up = dict.fromkeys(engines, "")
    exit_status = 0
    for scale in scales:
        paths, rows, built = build_inputs(args.data, args.work, scale)
        total_rows = sum(rows.values())
        print(f"\n{scale}x: {rows['real']:,} real, {rows['holdout']:,} holdout, {rows['synthetic']:,} synthetic rows")
        print(f"  inputs ready in {built:.1f} s ({', '.join(p.name for p in paths.values())})")
        entry: dict[str, Any] = {"scale": scale, "rows": rows, "pandas": [], "spark": []}
        for engine in engines:
            if given_up[engine]:
                entry[engine].append({"status": "skipped", "note": given_up[engine]})
                continue
            expected = estimate(history[engine], total_rows, fixed_cost=engine == "spark")
            if expected is not None and expected > args.limit:
                note = f"not run: estimated {expected:.0f} s > {args.limit:.0f} s limit"
                entry[engine].append({"status": "skipped", "note": note})
                given_up[engine] = f"not run: {scale}x was already over the limit"
                print(f"  {engine:<6} {note}")
                continue
            if engine == "spark" and spark is None:
                from auditing.spark_session import local_spark_session

                started = time.perf_counter()
                spark = local_spark_session(cores=2)
                spark.range(1).count()  # the JVM and the session are up
                results["spark_startup"] = time.perf_counter() - started
                print(f"  spark  session start-up {results['spark_startup']:.1f} s")
                cold = audit_once(engine, paths, args.work / "out", spark, args.limit)
                results["spark_cold"] = {**cold, "scale": scale}
                print(
                    f"  spark  cold run (starts the Python workers) {fmt(cold['seconds'])} s  {cold['status']}  "
                    f"load {cold['load'][0]:.1f} -> {cold['load'][1]:.1f}"
                )
                if cold["status"] not in ("ok", "metric errors"):
                    given_up[engine] = f"not run: the cold run was {cold['status']}"
                    entry[engine].append({**cold, "note": f"cold run {cold['status']}: {cold.get('note')}"})
                    continue
            runs = args.repeat if scale == scales[0] else 1
            for _ in range(runs):
                run = audit_once(engine, paths, args.work / "out", spark, args.limit)
                entry[engine].append(run)
                print(
                    f"  {engine:<6} {fmt(run['seconds'])} s  {run['status']}  load {run['load'][0]:.1f} -> "
                    f"{run['load'][1]:.1f}  {run.get('note') or ''}"
                )
                if run["status"] not in ("ok", "metric errors"):
                    given_up[engine] = f"not run: {scale}x was {run['status']}"
                    break
                if run["errors"]:
                    print(f"         metric errors: {run['errors']}")
                    exit_status = 1
            median, _ = summary(entry[engine])
            if median is not None:
                history[engine].append((total_rows, median))
        done = {e: next((r for r in reversed(entry[e]) if r.get("overall_score") is not None), None) for e in engines}
        if all(done.get(e) for e in ("pandas", "spark")):
            gaps = largest_difference(done["pandas"], done["spark"])
            agrees = max(gaps["overall"], gaps["modules"], gaps["observed"]) <= TOLERANCE
            entry["agreement"] = {**gaps, "agrees": agrees, "pandas": done["pandas"], "spark": done["spark"]}
            exit_status = exit_status or (0 if agrees else 1)
        results["scales"].append(entry)
        if args.json:
            args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")

    print_tables(results)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"\npeak resident memory of this process (driver; Spark's JVM and workers not counted): {peak:.1f} GiB")
    results["peak_rss_gib"] = peak
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
    return exit_status


if __name__ == "__main__":
    sys.exit(main())
