"""The fairness profile on Spark: counts per (side, protected combination, outcome) in one aggregation.

Everything in ``expectations.metrics.fairness`` is a function of those counts (the bootstrap is
a multinomial draw over them), so the Spark profile hands them to ``fairness_from_cells`` and
reports the same figures and the same intervals as pandas, digit for digit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from expectations.metrics.fairness import (
    MISSING_GROUP,
    SHOWN_VALUES,
    check_fairness_settings,
    check_outcomes,
    fairness_from_cells,
    fairness_not_run,
    fairness_settings,
)
from expectations.spark.columns import column

_OUTCOME = "_audit_outcome"


def spark_positive_outcomes(frame: DataFrame, target: str, positive_label: Any) -> Column:
    """1.0 / 0.0 / null per row, matching ``positive_outcomes``: a numeric target compares by value
    when the label reads as a number, anything else compares as text."""
    dtype = frame.schema[target].dataType
    values = column(target)
    matches: Column | None = None
    if isinstance(dtype, T.NumericType):
        try:
            matches = values.cast("double") == F.lit(float(positive_label))
        except (TypeError, ValueError):
            matches = None
    if matches is None:
        matches = values.cast("string") == F.lit(str(positive_label))
    missing = values.isNull() | (F.isnan(values) if isinstance(dtype, (T.FloatType, T.DoubleType)) else F.lit(False))
    return F.when(missing, F.lit(None).cast("double")).otherwise(matches.cast("double"))


def spark_check_fairness_inputs(
    frames: dict[str, DataFrame], protected_attributes: Sequence[str], target: str | None, positive_label: Any
) -> None:
    """``check_fairness_inputs`` on Spark: the same checks and messages, one aggregation per side."""
    check_fairness_settings(
        {side: f.columns for side, f in frames.items()}, protected_attributes, target, positive_label
    )
    if target is None:
        return
    positives, distinct = {}, {}
    for side, frame in frames.items():
        values = column(target)
        present = values.isNotNull()
        if isinstance(frame.schema[target].dataType, (T.FloatType, T.DoubleType)):
            present = present & ~F.isnan(values)
        outcome = spark_positive_outcomes(frame, target, positive_label)
        row = frame.agg(F.sum(outcome), F.countDistinct(F.when(present, values))).collect()[0]
        positives[side], distinct[side] = float(row[0] or 0.0), int(row[1])

    def common_values() -> list[Any]:
        frame = next(iter(frames.values()))
        counts = frame.where(column(target).isNotNull()).groupBy(column(target)).count()
        return [row[0] for row in counts.orderBy(F.desc("count")).limit(SHOWN_VALUES + 1).collect()]

    check_outcomes(positives, distinct, target, positive_label, common_values)


def _group_label(name: str) -> Column:
    """A protected value as text, missing as its own group (as ``_group_labels``)."""
    return F.coalesce(column(name).cast("string"), F.lit(MISSING_GROUP))


def spark_fairness_profile(
    real: DataFrame | None,
    synthetic: DataFrame,
    holdout: DataFrame | None = None,
    *,
    columns: Sequence[str] | None = None,
    protected_attributes: Sequence[str] | None = None,
    target: str | None = None,
    positive_label: Any = None,
    min_group_size: int = 30,
    intersection: bool = True,
    bootstrap_replicates: int = 200,
    seed: int = 0,
) -> dict[str, Any]:
    """``expectations.metrics.fairness.fairness_profile`` on Spark DataFrames (same parameters, same dict)."""
    attributes = list(protected_attributes or [])
    settings = fairness_settings(
        attributes, target, positive_label, min_group_size, intersection, bootstrap_replicates, seed
    )
    frames = {"real": real, "synthetic": synthetic} if real is not None else {"synthetic": synthetic}
    if not attributes:
        return fairness_not_run(settings, {side: _count(frame) for side, frame in frames.items()})
    spark_check_fairness_inputs(frames, attributes, target, positive_label)
    with_holdout = real is not None and holdout is not None and set(attributes) <= set(holdout.columns)
    if with_holdout and target is not None and target not in holdout.columns:
        with_holdout = False
    tables = {}
    for side, frame in {**frames, **({"holdout": holdout} if with_holdout else {})}.items():
        outcome = spark_positive_outcomes(frame, target, positive_label) if target else F.lit(None).cast("double")
        groups = [_group_label(a).alias(f"_g{i}") for i, a in enumerate(attributes)]
        labelled = frame.select(*groups, outcome.alias(_OUTCOME))
        keys = [f"_g{i}" for i in range(len(attributes))]
        tables[side] = labelled.groupBy(*keys, _OUTCOME).agg(F.count(F.lit(1)).alias("rows")).toPandas()

    group_columns = [f"_g{i}" for i in range(len(attributes))]
    holdout_table = tables.pop("holdout", None)
    combined = pd.concat(tables.values(), ignore_index=True)[group_columns].drop_duplicates()
    # Cells sorted by their values, as GroupCells.of sorts them.
    cells = combined.sort_values(group_columns).reset_index(drop=True)
    cells.columns = attributes
    index = {tuple(row): i for i, row in enumerate(cells.itertuples(index=False, name=None))}

    counts, sizes, target_missing = {}, {}, {}
    sides = {**tables, **({"holdout": holdout_table} if holdout_table is not None else {})}
    for side, table in sides.items():
        # Holdout cells that neither real nor synthetic rows have are left out, as on pandas.
        codes = np.array(
            [index.get(tuple(row), -1) for row in table[group_columns].itertuples(index=False, name=None)],
            dtype=np.int64,
        )
        table = table[codes >= 0]
        codes = codes[codes >= 0]
        rows = table["rows"].to_numpy(np.float64)
        outcome = table[_OUTCOME].to_numpy(np.float64, na_value=np.nan)
        known = ~np.isnan(outcome) if target else np.ones(len(table), bool)
        cell_rows = np.bincount(codes[known], weights=rows[known], minlength=len(cells))
        cell_positives = (
            np.bincount(codes[known], weights=rows[known] * outcome[known], minlength=len(cells))
            if target
            else cell_rows
        )
        counts[side] = np.vstack([cell_rows, cell_positives])
        sizes[side] = int(rows.sum())
        target_missing[side] = int(rows[~known].sum())
    reference = counts.pop("holdout", None)
    target_missing.pop("holdout", None)
    sample_sizes: dict[str, Any] = {"real": sizes.get("real"), "synthetic": sizes["synthetic"]}
    sample_sizes["target_missing"] = target_missing if target else None
    return fairness_from_cells(cells, counts, settings, sample_sizes, reference)


def _count(frame: DataFrame) -> int:
    return int(frame.agg(F.count(F.lit(1))).collect()[0][0])
