"""Exact copies: the synthetic rows equal to a training row, against the real data's own repeats.

Pure numpy/pandas; no Great Expectations or pyspark import. Definitions (DESIGN §4 "Privacy",
``reference/anchors.md`` §12): the exact-copy rate is the share of synthetic rows equal, on
every audit column, to some training row (missing equals missing); beside it the same share for
holdout rows (real data repeat naturally), both also for copies of training rows that occur once
in train, and the training rows that repeat another (``CopyCounts``); with a holdout, the split
test (``split_test``): do the synthetic rows equal training records more than a random split of
train ∪ holdout explains, rare records weighing most. Rows are compared by a 64-bit hash of their
``canonical_values`` (``row_keys``), the same on every engine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from expectations.metrics.distributions import as_float, column_kind
from expectations.metrics.encoding import MISSING_KEY
from expectations.metrics.significance import subset_sum_p_value


def canonical_values(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The audit columns as the values an equality join compares (``row_keys`` hashes them).

    Numbers as float64, so an int 3 in one file and a float 3.0 in another are the same value,
    with one NaN for every missing number and −0.0 as 0.0; everything else as text, a missing
    category as a key no text equals (not the text "nan").
    """
    canonical = {}
    for name in columns:
        if column_kind(frame[name]) == "numeric":
            values = as_float(frame[name])
            # + 0.0 turns −0.0 into 0.0; NaN payloads and signs differ, the hash sees their bits.
            canonical[name] = np.where(np.isnan(values), np.nan, values + 0.0)
        else:
            values = frame[name].astype(object)
            canonical[name] = values.where(values.notna(), MISSING_KEY).map(str).to_numpy()
    return pd.DataFrame(canonical)


def hash_rows(values: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per row of ``canonical_values``, equal for equal rows (missing = missing)."""
    return pd.util.hash_pandas_object(values, index=False).to_numpy()


def row_keys(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """``hash_rows`` of the frame's ``canonical_values``."""
    return hash_rows(canonical_values(frame, columns))


@dataclass(frozen=True)
class MatchedRecords:
    """The real records some synthetic row equals, for the split test (``split_test``).

    The pool is train ∪ holdout (``pool_rows`` rows, the first ``train_rows`` of them train).
    One entry per distinct pool record g that at least one synthetic row equals:
    ``pool_count[g]`` / ``train_count[g]`` / ``synthetic_count[g]`` rows of the pool, of train
    and of the synthetic data equal to it, and ``value_counts[g, j]`` pool rows that share its
    value in column j. Nothing that identifies a record, only counts.
    """

    pool_count: np.ndarray
    train_count: np.ndarray
    synthetic_count: np.ndarray
    value_counts: np.ndarray
    pool_rows: int
    train_rows: int

    def sorted(self) -> MatchedRecords:
        """The same records in one canonical order, so that every engine draws the same permutations."""
        table = np.column_stack([self.pool_count, self.train_count, self.synthetic_count, self.value_counts])
        order = np.lexsort(table.T[::-1]) if len(table) else np.arange(0)
        return MatchedRecords(
            self.pool_count[order],
            self.train_count[order],
            self.synthetic_count[order],
            self.value_counts[order],
            self.pool_rows,
            self.train_rows,
        )


def matched_records(
    pool_values: pd.DataFrame, pool_keys: np.ndarray, train_rows: int, synthetic_keys: np.ndarray
) -> MatchedRecords:
    """``MatchedRecords`` from the pool's ``canonical_values`` and ``row_keys`` (train rows first)."""
    keys, first, inverse, pool_count = np.unique(pool_keys, return_index=True, return_inverse=True, return_counts=True)
    position = np.searchsorted(keys, synthetic_keys)
    position[position >= len(keys)] = 0
    hit = keys[position] == synthetic_keys if len(keys) else np.zeros(len(synthetic_keys), dtype=bool)
    synthetic_count = np.bincount(position[hit], minlength=len(keys))
    matched = np.flatnonzero(synthetic_count)
    train_count = np.bincount(inverse[:train_rows], minlength=len(keys))
    per_value = []
    for name in pool_values.columns:
        codes, _ = pd.factorize(pool_values[name], use_na_sentinel=False)
        per_value.append(np.bincount(codes)[codes][first[matched]])
    value_counts = np.column_stack(per_value) if per_value else np.zeros((len(matched), 0), dtype=np.int64)
    return MatchedRecords(
        pool_count[matched].astype(np.int64),
        train_count[matched].astype(np.int64),
        synthetic_count[matched].astype(np.int64),
        value_counts.astype(np.int64),
        len(pool_keys),
        train_rows,
    )


#: Permutations of the split test: p-values down to 1 / 10,000, an eighth of the level the copy
#: verdict tests it at by default (α / 3 with the check's α = 0.0025).
SPLIT_PERMUTATIONS = 9_999


def split_test(matched: MatchedRecords, permutations: int = SPLIT_PERMUTATIONS, seed: int = 0) -> dict[str, Any]:
    """Do the synthetic rows equal *training* records more than the train / holdout split explains?

    Under the null hypothesis (the generator never saw which real rows are train: holdout and
    train are a random split of one real sample, and the synthetic data do not depend on it),
    every split of the pool into ``train_rows`` and the rest is equally likely. The statistic
    weighs each matched record g by how surprising a natural match is:

        T = Σ_g w_g · t_g,   w_g = c_g / p̂_g,   p̂_g = max((M_g − 1) / (n − 1), Π_j v_gj / n)

    (c_g synthetic rows equal record g, t_g of its M_g pool rows are train, v_gj pool rows share
    its value in column j, n pool rows): the score statistic of "a share of synthetic rows are
    copies of random training rows" against the record's estimated population frequency — the
    leave-one-out pool frequency for a record that repeats, else the product of its values'
    frequencies (rare profiles weigh most, the common ones real data repeat anyway least). The
    weights depend on the pool, never on which pool rows are train, so the permutation p-value
    (``subset_sum_p_value``, ``permutations`` draws from a generator seeded with ``seed``) is
    exact whatever the data; its power comes from copies of rare records, each of which lands in
    train, where a natural match does only with chance train_rows / n: a copy of a record unique
    in the pool is evidence ln(n / train_rows), so level a needs about ln(a) / ln(train_rows / n)
    of them (18 at a = 0.0025 / 3 with train = 2 / 3 of the pool), whatever the natural repeats.

    Returns p_value, statistic / expected (T and its null mean, in units of the largest weight),
    the matched ``records`` and the ``permutations`` drawn.
    """
    matched = matched.sorted()
    n = matched.pool_rows
    if len(matched.pool_count) == 0 or n < 2 or matched.train_rows in (0, n):
        return {"p_value": 1.0, "statistic": 0.0, "expected": 0.0, "records": 0, "permutations": permutations}
    log_model = np.log(matched.value_counts).sum(axis=1) - matched.value_counts.shape[1] * np.log(n)
    with np.errstate(divide="ignore"):  # a record seen once has no leave-one-out frequency: log 0 = −∞
        leave_one_out = np.log(np.maximum(matched.pool_count - 1, 0) / (n - 1))
    log_frequency = np.maximum(leave_one_out, log_model)
    log_weight = np.log(matched.synthetic_count) - log_frequency
    weight = np.exp(log_weight - log_weight.max())
    observed = float(weight @ matched.train_count)
    expected = float(weight @ matched.pool_count) * matched.train_rows / n
    units = np.repeat(weight, matched.pool_count)
    rng = np.random.default_rng([seed, 0x73706C6974])
    p_value = subset_sum_p_value(units, n, matched.train_rows, observed, permutations, rng)
    return {
        "p_value": p_value,
        "statistic": observed,
        "expected": expected,
        "records": int(len(weight)),
        "permutations": permutations,
    }


@dataclass(frozen=True)
class CopyCounts:
    """Exact-copy counts, whichever engine counted them.

    ``synthetic`` / ``holdout``: rows equal to some training row; ``synthetic_unique`` /
    ``holdout_unique``: rows equal to a training row that occurs exactly once in train (a copy of
    a record that is unique in the training data); ``train_repeats``: training rows equal to
    another training row (the reference without a holdout); ``matched``: the records of train ∪
    holdout the synthetic rows equal (``split_test``). Holdout counts and ``matched`` are None
    without a holdout.
    """

    synthetic: int
    synthetic_unique: int
    train_repeats: int
    holdout: int | None = None
    holdout_unique: int | None = None
    matched: MatchedRecords | None = None


def copy_counts(train_keys: np.ndarray, synthetic_keys: np.ndarray, holdout_keys: np.ndarray | None) -> CopyCounts:
    """``CopyCounts`` from the row keys (``row_keys``) of each side (without ``matched``)."""
    keys, multiplicity = np.unique(train_keys, return_counts=True)
    singletons = keys[multiplicity == 1]

    def count(other: np.ndarray) -> tuple[int, int]:
        return int(np.isin(other, keys).sum()), int(np.isin(other, singletons).sum())

    synthetic, synthetic_unique = count(synthetic_keys)
    holdout, holdout_unique = count(holdout_keys) if holdout_keys is not None else (None, None)
    repeats = int(multiplicity[multiplicity > 1].sum())
    return CopyCounts(synthetic, synthetic_unique, repeats, holdout, holdout_unique)


def copy_figures(copies: CopyCounts, sizes: Mapping[str, int | None], seed: int) -> dict[str, Any]:
    """The exact-copy part of the profile: counts and rates per side, and the split test (with a
    holdout) on the records the synthetic rows equal; the copy verdict reads them."""
    n_synthetic, n_real, n_holdout = int(sizes["synthetic"]), int(sizes["real"]), sizes["holdout"]
    figures: dict[str, Any] = {
        "count": copies.synthetic,
        "rate": copies.synthetic / n_synthetic,
        "unique_count": copies.synthetic_unique,
        "unique_rate": copies.synthetic_unique / n_synthetic,
        "train_repeats": copies.train_repeats,
        "train_repeat_rate": copies.train_repeats / n_real,
        "holdout_count": copies.holdout,
        "holdout_rate": None,
        "holdout_unique_count": copies.holdout_unique,
        "holdout_unique_rate": None,
        "synthetic_rows": n_synthetic,
        "holdout_rows": n_holdout,
        "train_rows": n_real,
        "split_test": None,
    }
    if n_holdout and copies.holdout is not None and copies.holdout_unique is not None:
        figures["holdout_rate"] = copies.holdout / n_holdout
        figures["holdout_unique_rate"] = copies.holdout_unique / n_holdout
        if copies.matched is not None:
            figures["split_test"] = split_test(copies.matched, seed=seed)
    return figures
