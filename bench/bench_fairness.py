"""Benchmark: our fairness module against fairlearn's ``MetricFrame`` on UCI Adult.

What is measured
----------------
On ``train.csv`` (real) and ``synthetic_biased.csv`` (synthetic), target ``income``, positive
label ``>50K``, protected ``sex`` and ``race`` and their intersection, each timing the median of
``--repeat`` runs (``time.perf_counter``; CSV reading outside the timings):

a. fairlearn, point figures: for each side and each grouping (sex, race, sex & race) one
   ``MetricFrame(metrics=selection_rate, y_true=y, y_pred=y, sensitive_features=...)`` and its
   ``by_group``, ``difference()`` and ``ratio()`` — 6 frames, what a fairlearn user writes to get
   our table (fairlearn has no real-vs-synthetic delta, so amplification is subtracted by hand).
b. fairlearn with intervals: the same with ``n_boot=200, ci_quantiles=[0.025, 0.975]``, which
   gives bootstrap intervals on the group rates, difference and ratio; it takes minutes, so it
   is timed once, not ``--repeat`` times.
c. ours, point figures: ``expectations.metrics.fairness.fairness_profile(...,
   bootstrap_replicates=0, min_group_size=1)`` (every figure of both sides and the amplification
   and representation, no suppression so the numbers are comparable).
d. ours with intervals: the same with 200 bootstrap replicates (DPD, amplification and
   representation intervals).

Agreement check: per side and grouping, every group rate, the DPD and the ratio of (c) against
(a); the script exits with status 1 if any differs by more than ``TOLERANCE``, 2 if the data
files are missing. The ratio printed is ``fairlearn time / our time`` (above 1: ours is faster).

Run from the repository root: ``.venv/bin/python bench/bench_fairness.py [--data DIR] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
from fairlearn.metrics import MetricFrame, selection_rate

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from timing import timed  # noqa: E402  (bench/ is the script folder)

from expectations.metrics.fairness import fairness_profile  # noqa: E402

TOLERANCE = 1e-12
GROUPINGS = (["sex"], ["race"], ["sex", "race"])
TARGET, LABEL, REPLICATES = "income", ">50K", 200


def fairlearn_figures(frames: dict[str, pd.DataFrame], n_boot: int | None) -> dict[tuple[str, str], dict[str, Any]]:
    """(side, grouping) → rates by group, difference and ratio, as a fairlearn user gets them."""
    figures = {}
    for side, frame in frames.items():
        y = (frame[TARGET] == LABEL).astype(int)
        for grouping in GROUPINGS:
            features = frame[grouping] if len(grouping) > 1 else frame[grouping[0]]
            extra = {"n_boot": n_boot, "ci_quantiles": [0.025, 0.975], "random_state": 0} if n_boot else {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                frame_metrics = MetricFrame(
                    metrics=selection_rate, y_true=y, y_pred=y, sensitive_features=features, **extra
                )
            rates = frame_metrics.by_group
            figures[(side, " & ".join(grouping))] = {
                "rates": {
                    " & ".join(map(str, k)) if isinstance(k, tuple) else str(k): float(v) for k, v in rates.items()
                },
                "difference": float(frame_metrics.difference()),
                "ratio": float(frame_metrics.ratio()),
                "difference_ci": frame_metrics.difference_ci() if n_boot else None,
            }
    return figures


def ours(real: pd.DataFrame, synthetic: pd.DataFrame, replicates: int) -> dict[str, Any]:
    return fairness_profile(
        real,
        synthetic,
        protected_attributes=["sex", "race"],
        target=TARGET,
        positive_label=LABEL,
        min_group_size=1,
        bootstrap_replicates=replicates,
    )


def compare(profile: dict[str, Any], reference: dict[tuple[str, str], dict[str, Any]]) -> float:
    """Largest absolute difference between our figures and fairlearn's."""
    worst = 0.0
    for grouping in profile["groupings"]:
        for side in ("real", "synthetic"):
            expected = reference[(side, grouping["attribute"])]
            ours_rates = {row["group"]: row[f"{side}_rate"] for row in grouping["groups"] if row[f"{side}_size"]}
            assert set(ours_rates) == set(expected["rates"]), (side, grouping["attribute"])
            worst = max(worst, *(abs(ours_rates[g] - r) for g, r in expected["rates"].items()))
            worst = max(worst, abs(grouping[f"dpd_{side}"] - expected["difference"]))
            worst = max(worst, abs(grouping[f"ratio_{side}"] - expected["ratio"]))
    return worst


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared/data/adult")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    paths = {"real": args.data / "train.csv", "synthetic": args.data / "synthetic_biased.csv"}
    if not all(p.is_file() for p in paths.values()):
        print(f"Adult files missing under {args.data}", file=sys.stderr)
        return 2
    frames = {side: pd.read_csv(path) for side, path in paths.items()}
    sizes = ", ".join(f"{len(f):,} {side}" for side, f in frames.items())
    print(f"Adult: {sizes} rows; protected sex, race and sex & race; median of {args.repeat}; 2-core machine\n")

    t_fl, reference = timed(lambda: fairlearn_figures(frames, None), args.repeat)
    # fairlearn's bootstrap refits a MetricFrame per replicate (about 50 s per frame here): timed once.
    t_fl_ci, reference_ci = timed(lambda: fairlearn_figures(frames, REPLICATES), 1)
    t_ours, profile = timed(lambda: ours(frames["real"], frames["synthetic"], 0), args.repeat)
    t_ours_ci, profile_ci = timed(lambda: ours(frames["real"], frames["synthetic"], REPLICATES), args.repeat)
    rows = [
        ("fairlearn MetricFrame x6, point figures", t_fl),
        (f"fairlearn MetricFrame x6, n_boot={REPLICATES} (one run)", t_fl_ci),
        ("ours: fairness_profile, point figures", t_ours),
        (f"ours: fairness_profile, {REPLICATES} bootstrap replicates", t_ours_ci),
    ]
    for label, seconds in rows:
        print(f"{label:<60} {seconds:8.3f} s")
    print(f"\npoint figures: fairlearn / ours = {t_fl / t_ours:.1f}x")
    print(f"with {REPLICATES}-replicate intervals: fairlearn / ours = {t_fl_ci / t_ours_ci:.1f}x")

    worst = compare(profile, reference)
    print(f"\nlargest |ours − fairlearn| over every group rate, DPD and ratio (both sides): {worst:.2e}")
    print("\ngrouping      side       DPD ours  DPD fairlearn  95% interval ours     95% interval fairlearn")
    for grouping, grouping_ci in zip(profile["groupings"], profile_ci["groupings"], strict=True):
        for side in ("real", "synthetic"):
            theirs = reference_ci[(side, grouping["attribute"])]
            low, high = grouping_ci["intervals"][f"dpd_{side}"]
            fl_low, fl_high = (float(v) for v in theirs["difference_ci"])
            print(
                f"{grouping['attribute']:<13} {side:<10} {grouping[f'dpd_{side}']:8.4f}  {theirs['difference']:13.4f}"
                f"  [{low:.4f}, {high:.4f}]      [{fl_low:.4f}, {fl_high:.4f}]"
            )
        if grouping.get("amplification") is not None:
            a_low, a_high = grouping_ci["intervals"]["amplification"]
            name = grouping["attribute"]
            by_hand = reference[("synthetic", name)]["difference"] - reference[("real", name)]["difference"]
            print(
                f"{'':<13} amplification {grouping['amplification']:+.4f} [{a_low:+.4f}, {a_high:+.4f}] "
                f"(fairlearn has none; its two DPDs subtracted by hand: {by_hand:+.4f})"
            )
    return 0 if worst <= TOLERANCE else 1


if __name__ == "__main__":
    sys.exit(main())
