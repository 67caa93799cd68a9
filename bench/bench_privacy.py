"""Benchmark: our privacy module against SDMetrics' DCR metric on UCI Adult, and how it scales.

What is measured (in-process ``time.perf_counter``, imports and CSV reading excluded):

a. Ours, the whole privacy module: ``expectations.metrics.privacy.privacy_profile(train, synthetic,
   holdout)`` on the full Adult files (32,561 train, 16,281 holdout, 32,561 synthetic rows; every
   synthetic row compared, exact nearest neighbours; exact copies, membership attack with 200
   bootstrap replicates, DCR share), median of ``--repeat`` runs.
b. SDMetrics ``DCROverfittingProtection.compute`` (its closest metric: the share of synthetic rows
   closer to train than to holdout) on ``--subsample`` synthetic rows against the full train and
   holdout sets (one run: it takes minutes). Its cost grows linearly with the synthetic rows, so
   the time for all 32,561 is extrapolated from it and labelled as such.
c. Ours on the same synthetic rows, like for like with (b).
d. SDMetrics with its own ``num_rows_subsample`` (which samples every side, train and holdout
   too, to that many rows) and ours on the same three samples.
e. Scaling: ours on generated data (``auditing.demo.population_sample``) with n train, n/2
   holdout and n synthetic rows, n from 10,000 to 80,000.

f. With ``--anonymeter-python`` (Anonymeter's own virtual environment: it pins numpy < 2),
   Anonymeter 1.1.0's linkability and inference evaluators (2,000 attacks each, holdout as the
   control set) on the gc and leaky sets, run by ``bench/anonymeter_run.py`` in that environment.
Run from the repository root: ``.venv/bin/python bench/bench_privacy.py [--data DIR] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore", category=FutureWarning)
from sdmetrics.single_table import DCROverfittingProtection  # noqa: E402
from timing import timed  # noqa: E402  (bench/ is the script's folder, first on sys.path)

from auditing.demo import population_sample  # noqa: E402
from expectations.metrics.privacy import privacy_profile  # noqa: E402

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "adult"


def compare_anonymeter(python: Path, data: Path, ours: float) -> None:
    """Run Anonymeter in its own environment on gc and leaky; print its times, risks and the ratio."""
    script = Path(__file__).with_name("anonymeter_run.py")
    print("\nAnonymeter 1.1.0 (its own environment), holdout as control:")
    for name in ("synthetic_gc", "synthetic_leaky"):
        completed = subprocess.run(
            [str(python), str(script), str(data), name], capture_output=True, text=True, check=True
        )
        result = json.loads(completed.stdout.strip().splitlines()[-1])
        total = sum(e["seconds"] for e in result["evaluators"].values())
        for evaluator, figures in result["evaluators"].items():
            low, high = figures["interval"]
            print(
                f"  {name:<16} {evaluator:<20} {figures['seconds']:7.2f} s  risk {figures['risk']:.3f} "
                f"[{low:.3f}, {high:.3f}]  ({result['n_attacks']:,} attacks)"
            )
        print(f"  {name:<16} both evaluators: {total:.1f} s = {total / ours:.1f}x our whole privacy module")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--subsample", type=int, default=1_000, help="synthetic rows SDMetrics compares (default 1000)")
    parser.add_argument("--anonymeter-python", type=Path, help="python of a virtual environment with anonymeter 1.1.0")
    args = parser.parse_args(argv)
    files = {name: args.data / f"{name}.csv" for name in ("train", "holdout", "synthetic_gc")}
    if not all(path.is_file() for path in files.values()):
        print(f"Adult files not found under {args.data}", file=sys.stderr)
        return 2
    train, holdout, synthetic = (pd.read_csv(path) for path in files.values())
    metadata = {
        "tables": {
            "adult": {
                "columns": {
                    c: {"sdtype": "numerical" if pd.api.types.is_numeric_dtype(train[c]) else "categorical"}
                    for c in train.columns
                }
            }
        }
    }

    ours, profile = timed(lambda: privacy_profile(train, synthetic, holdout), args.repeat)
    subsample = synthetic.sample(args.subsample, random_state=0).reset_index(drop=True)
    sdm, sdm_value = timed(lambda: DCROverfittingProtection.compute(train, subsample, holdout, metadata, "adult"), 1)
    ours_sub, sub_profile = timed(lambda: privacy_profile(train, subsample, holdout), args.repeat)
    sdm_full = sdm * len(synthetic) / args.subsample
    small = [frame.sample(args.subsample, random_state=1).reset_index(drop=True) for frame in (train, holdout)]
    sdm_small, _ = timed(lambda: DCROverfittingProtection.compute(small[0], subsample, small[1], metadata, "adult"), 1)
    ours_small, _ = timed(lambda: privacy_profile(small[0], subsample, small[1]), args.repeat)

    print(
        f"Adult: {len(train):,} train, {len(holdout):,} holdout, {len(synthetic):,} synthetic rows; "
        f"median of {args.repeat}; 2-core machine\n"
    )
    rows = [
        ("ours: whole privacy module, all synthetic rows", ours, "measured"),
        (f"SDMetrics DCROverfittingProtection, {args.subsample:,} synthetic rows", sdm, "measured"),
        (f"ours: whole privacy module, the same {args.subsample:,} synthetic rows", ours_sub, "measured"),
        ("SDMetrics DCROverfittingProtection, all synthetic rows", sdm_full, "extrapolated (linear)"),
        (f"SDMetrics, {args.subsample:,} rows on every side (its num_rows_subsample)", sdm_small, "measured"),
        (f"ours, the same {args.subsample:,} rows on every side", ours_small, "measured"),
    ]
    for label, seconds, how in rows:
        print(f"{label:<70} {seconds:9.2f} s  {how}")
    print(f"\nlike for like ({args.subsample:,} synthetic rows): SDMetrics / ours = {sdm / ours_sub:.1f}x")
    print(f"all synthetic rows: SDMetrics (extrapolated) / ours = {sdm_full / ours:.1f}x")
    print(f"{args.subsample:,} rows on every side: SDMetrics / ours = {sdm_small / ours_small:.1f}x")
    closer = f"{1 - sdm_value / 2:.3f}" if sdm_value < 1 else "≤ 0.5"
    print(
        f"\nSDMetrics score {sdm_value:.3f} = min(2(1 − p), 1), so its closer-to-train share p = {closer}, against "
        f"the full train set (twice the holdout's size); our share against equal-size samples: "
        f"{sub_profile['dcr_share']['share']:.3f} on the same rows, {profile['dcr_share']['share']:.3f} on all rows"
    )
    attack = profile["attack"]
    bounds = {name: "[{:.3f}, {:.3f}]".format(*attack["intervals"][name]) for name in ("auc", "advantage")}
    print(
        f"our attack on all rows: AUC {attack['auc']:.3f} {bounds['auc']}, advantage {attack['advantage']:.3f} "
        f"{bounds['advantage']}, exact copies {profile['exact_copies']['rate']:.4f}"
    )

    print("\nours with attribute inference (secret income), holdout as control, each beside the module without it:")
    for name in ("synthetic_gc", "synthetic_leaky"):
        frame = synthetic if name == "synthetic_gc" else pd.read_csv(args.data / f"{name}.csv")
        plain, _ = timed(lambda f=frame: privacy_profile(train, f, holdout), args.repeat)
        seconds, inferred = timed(
            lambda f=frame: privacy_profile(train, f, holdout, secret_columns=["income"]), args.repeat
        )
        (income,) = inferred["inference"]["secrets"]
        low, high = income["interval"]
        print(
            f"  {name:<16} whole privacy module {seconds:6.2f} s = {seconds / plain:.2f}x its {plain:.2f} s without; "
            f"inference risk {income['risk']:.3f} [{low:.3f}, {high:.3f}], training {income['train_success']:.3f} "
            f"vs holdout {income['control_success']:.3f} guessed, scan p {income['p_value']:.4f} "
            f"({income['members']:,} + {income['non_members']:,} targets)"
        )

    if args.anonymeter_python:
        compare_anonymeter(args.anonymeter_python, args.data, ours)

    print("\nScaling on generated data (n train, n/2 holdout, n synthetic rows):")
    rng = np.random.default_rng(0)
    for n in (10_000, 20_000, 40_000, 80_000):
        real, hold, syn = population_sample(n, rng), population_sample(n // 2, rng), population_sample(n, rng)
        seconds, _ = timed(lambda real=real, hold=hold, syn=syn: privacy_profile(real, syn, hold), 1)
        print(f"  n = {n:>6,}: {seconds:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
