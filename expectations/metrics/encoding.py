"""One distance encoding for every privacy metric (DESIGN §4 "Privacy").

Fitted on the real rows (train ∪ holdout) and applied to every side, so a distance means the
same thing whichever sides it joins (SDMetrics normalises each reference set by its own range,
the fault ``reference/anchors.md`` §1 reproduces):

- numeric column → its position in the real data's robust range, (v − q01) / (q99 − q01)
  clipped to [0, 1], where q01 and q99 are the real 1st and 99th percentiles (the order
  statistics of rank ⌈qN⌉; the minimum and maximum when they coincide; a constant column → 0.5);
  missing → 0.5, plus a missing flag (0/1). A linear scale, not the ECDF: a value moved by one
  unit stays close to where it was even inside a spike (a column of mostly zeros, where the
  ECDF would jump by the spike's mass), so a near-copy of a real row stays near it;
- categorical column → one-hot on its ``top_categories`` most frequent real values plus
  "other" (missing is a value like any other), scaled by 1/√2 so that two different
  categories are as far apart (1) as the two ends of a numeric column.

Euclidean distance on this encoding: each column adds at most 1 to the squared distance (a
numeric one up to 2 when exactly one side is missing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from expectations.metrics.distributions import as_float, column_kind

#: Category scale: two different one-hot vectors are √2 apart before scaling, 1 after.
_ONE_HOT_SCALE = 1.0 / np.sqrt(2.0)
#: The real-data quantiles a numeric column is scaled between (robust to a few extreme values).
_LOW_QUANTILE, _HIGH_QUANTILE = 0.01, 0.99
#: The key of a missing categorical value: never equal to any text a column holds.
MISSING_KEY = "\x00missing"


@dataclass(frozen=True)
class DistanceEncoder:
    """The fitted encoding: per numeric column its real value table, per categorical its kept values.

    A numeric column's table is ``(values, cumulative)``: its distinct real values, ascending, and
    ``cumulative[i]`` = how many real values are below ``values[i]`` (``cumulative[-1]`` = N, the
    real values present). Counts are all the robust range needs, so the pandas fit
    (``fit``, from the rows) and the Spark fit (``from_counts``, from a group-by) give the same
    table and, through the one ``transform``, the same float32 codes bit for bit.
    """

    columns: tuple[str, ...]
    numeric: dict[str, tuple[np.ndarray, np.ndarray]]
    categories: dict[str, tuple[str, ...]]

    @classmethod
    def fit(cls, reference: pd.DataFrame, columns: Sequence[str], top_categories: int = 20) -> DistanceEncoder:
        """Fit on the real rows. Ties in category frequency break by value, so row order never matters."""
        numeric_counts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        category_counts: dict[str, Mapping[str, int]] = {}
        for name in columns:
            values = reference[name]
            if column_kind(values) == "numeric":
                present = as_float(values)
                numeric_counts[name] = np.unique(present[~np.isnan(present)], return_counts=True)
            else:
                category_counts[name] = as_keys(values).value_counts().to_dict()
        return cls.from_counts(columns, numeric_counts, category_counts, top_categories)

    @classmethod
    def from_counts(
        cls,
        columns: Sequence[str],
        numeric_counts: Mapping[str, tuple[np.ndarray, np.ndarray]],
        category_counts: Mapping[str, Mapping[str, int]],
        top_categories: int = 20,
    ) -> DistanceEncoder:
        """Fit from aggregates (how the Spark engine fits; ``fit`` computes the same from rows).

        ``numeric_counts``: per numeric column its distinct present real values and their counts
        (any order; missing values left out). ``category_counts``: per categorical column the
        count of each key, missing under ``MISSING_KEY``. Each column is in exactly one mapping.
        """
        numeric, categories = {}, {}
        for name in columns:
            if name in numeric_counts:
                values, counts = (np.asarray(a) for a in numeric_counts[name])
                order = np.argsort(values, kind="stable")
                cumulative = np.concatenate([[0], np.cumsum(counts[order], dtype=np.int64)])
                numeric[name] = (values[order].astype(np.float64), cumulative)
            else:
                ranked = sorted(category_counts[name].items(), key=lambda item: (-item[1], item[0]))
                categories[name] = tuple(value for value, _ in ranked[:top_categories])
        return cls(tuple(columns), numeric, categories)

    @property
    def width(self) -> int:
        return 2 * len(self.numeric) + sum(len(kept) + 1 for kept in self.categories.values())

    def block(self, name: str) -> slice:
        """The codes of column ``name``: its slice of ``transform``'s columns (2 per numeric column,
        kept categories + 1 per categorical one, in audit-column order)."""
        start = 0
        for column in self.columns:
            width = 2 if column in self.numeric else len(self.categories[column]) + 1
            if column == name:
                return slice(start, start + width)
            start += width
        raise KeyError(name)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Encode ``frame``'s audit columns as a float32 matrix (rows × ``width``).

        Row by row: a row's codes depend on its own values and the fitted tables only, so any
        split of the rows (Spark partitions, Arrow batches) encodes each row the same.
        """
        blocks = []
        for name in self.columns:
            if name in self.numeric:
                blocks.append(self._numeric(name, as_float(frame[name])))
            else:
                blocks.append(self._categorical(name, as_keys(frame[name])))
        return np.hstack(blocks).astype(np.float32) if blocks else np.zeros((len(frame), 0), np.float32)

    def numeric_range(self, name: str) -> tuple[float, float] | None:
        """The (low, high) a numeric column is scaled by: q01 and q99 of the real values, or
        their minimum and maximum when those coincide; None for a constant or empty column."""
        distinct, cumulative = self.numeric[name]
        total = int(cumulative[-1])
        if total == 0:
            return None

        def order_statistic(share: float) -> float:
            rank = max(1, int(np.ceil(share * total)))
            return float(distinct[np.searchsorted(cumulative[1:], rank, side="left")])

        low, high = order_statistic(_LOW_QUANTILE), order_statistic(_HIGH_QUANTILE)
        if high <= low:
            low, high = float(distinct[0]), float(distinct[-1])
        return (low, high) if high > low else None

    def _numeric(self, name: str, values: np.ndarray) -> np.ndarray:
        """(v − low) / (high − low) clipped to [0, 1] (``numeric_range``), missing → 0.5, beside a missing flag."""
        missing = np.isnan(values)
        scale = self.numeric_range(name)
        if scale is None:
            position = np.full(values.shape, 0.5)
        else:
            low, high = scale
            position = np.clip((values - low) / (high - low), 0.0, 1.0)
        position[missing] = 0.5
        return np.column_stack([position, missing.astype(np.float64)])

    def _categorical(self, name: str, keys: pd.Series) -> np.ndarray:
        kept = self.categories[name]
        index = pd.Index(kept).get_indexer(keys)  # -1 for values outside the kept ones: "other"
        index[index < 0] = len(kept)
        one_hot = np.zeros((len(keys), len(kept) + 1))
        one_hot[np.arange(len(keys)), index] = _ONE_HOT_SCALE
        return one_hot


def as_keys(values: pd.Series) -> pd.Series:
    """Categorical values as comparable string keys, missing as a key of its own."""
    return values.astype(object).where(values.notna(), MISSING_KEY).map(str)
