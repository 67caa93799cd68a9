"""How much of a small copy leak can any split test see? The split test against an oracle.

    .venv/bin/python bench/split_test_bound.py --dataset fair --share 0.02 --train-rows 2000

The split test (``expectations.metrics.copies.split_test``) weighs each real record the
synthetic rows equal by 1 / its *estimated* population frequency. This script runs it beside
the same permutation test weighted by the record's frequency in the whole population (known
here, never to an audit): the best such weights, so its detection rate bounds what better
frequency estimates could add. Prints, over the seeds, how often each reaches the copy
verdict's level (α / 3 with the check's default α, ``expectations.levels.DEFAULT_ALPHA``) on the
calibration harness's split and defect.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from auditing import calibration as cal  # noqa: E402
from expectations.levels import DEFAULT_ALPHA  # noqa: E402
from expectations.metrics import copies as pv  # noqa: E402
from expectations.metrics.significance import subset_sum_p_value  # noqa: E402

LEVEL = DEFAULT_ALPHA / 3


def oracle_p_value(matched: pv.MatchedRecords, population_share: np.ndarray, seed: int) -> float:
    """The split test's permutation p-value with weights c_g / (population share of record g)."""
    log_weight = np.log(matched.synthetic_count) - np.log(population_share)
    weight = np.exp(log_weight - log_weight.max())
    observed = float(weight @ matched.train_count)
    units = np.repeat(weight, matched.pool_count)
    rng = np.random.default_rng([seed, 0x6F7261])
    return subset_sum_p_value(units, matched.pool_rows, matched.train_rows, observed, pv.SPLIT_PERMUTATIONS, rng)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", choices=cal.DATASET_NAMES, default="fair")
    parser.add_argument("--share", type=float, default=0.02, help="share of synthetic rows copied from train")
    parser.add_argument("--train-rows", type=int, default=2_000)
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args(argv)
    population = cal.load_population(args.dataset)
    spec = cal.dataset_spec(args.dataset)
    columns = list(population.columns)
    keys, counts = np.unique(pv.row_keys(population, columns), return_counts=True)
    hits = {"split test": 0, "oracle weights": 0}
    for seed in range(args.seeds):
        split = cal.split_population(population, seed, args.train_rows)
        rng = cal.defect_rng(args.dataset, seed, "exact_copies", args.share)
        synthetic = cal.make_synthetic(spec, split, "exact_copies", args.share, rng)
        pool = pv.canonical_values(pd.concat([split.train, split.holdout], ignore_index=True), columns)
        pool_keys = pv.hash_rows(pool)
        synthetic_keys = pv.row_keys(synthetic, columns)
        matched = pv.matched_records(pool, pool_keys, len(split.train), synthetic_keys)
        hits["split test"] += pv.split_test(matched, seed=seed)["p_value"] <= LEVEL
        # matched_records lists the records in key order (np.unique's): their population shares.
        matched_keys = np.unique(pool_keys)
        matched_keys = matched_keys[np.isin(matched_keys, synthetic_keys)]
        share = counts[np.searchsorted(keys, matched_keys)] / len(population)
        hits["oracle weights"] += oracle_p_value(matched, share, seed) <= LEVEL
    sizes = cal.split_sizes(len(population), args.train_rows)
    print(
        f"{args.dataset}, {100 * args.share:g}% exact copies, train / holdout / fresh {sizes[0]:,} / {sizes[1]:,} / "
        f"{sizes[2]:,}, level {LEVEL:.4f}, {args.seeds} seeds:"
    )
    for name, count in hits.items():
        print(f"  {name:<15} {count}/{args.seeds}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
