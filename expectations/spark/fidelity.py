"""The fidelity profile on Spark: the statistics of ``expectations.metrics.fidelity``, counted on executors.

Four jobs over the stacked sides (each row carrying its side and a random bootstrap block), each
ending in an aggregate whose size does not grow with the rows:

1. per numeric column, its distinct values with counts per side and cumulative counts (a window
   partitioned by column): the KS statistics (max |F_real − F_other| over those values), the
   column's mean, and
2. the order statistics that fix the real-quantile bin boundaries (numpy's linear quantiles, bit
   for bit, through ``quantile_edges_from``);
3. the categories of every categorical column;
4. one pass in which each partition codes its rows with the pandas path's own functions
   (``bin_codes`` on the broadcast boundaries, the sorted categories) and counts, per side and
   block, the levels of every column, the joint levels of every pair with a categorical column,
   and shifted sums [1, x, y, x², y², xy] of every numeric pair; Spark sums the partitions'
   counts.

The figures come from ``fidelity_from_stats``, the function the pandas path uses, so point
figures agree to rounding (Pearson's ρ from sums of values shifted by the column mean instead of
each side's exact centring: ~1e-13). Intervals resample random blocks of rows as on pandas, but a
row's block is drawn by Spark (``rand(seed)``), so intervals agree within sampling error, not
digit for digit.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from expectations.metrics.bootstrap import block_weights
from expectations.metrics.distributions import MISSING_LEVEL, bin_codes, bin_labels, quantile_edges_from, quantile_ranks
from expectations.metrics.fidelity import (
    GRID_MAX_VALUES,
    HOLDOUT,
    REAL,
    SYNTHETIC,
    ColumnStats,
    PairStats,
    check_fidelity_inputs,
    fidelity_from_stats,
)
from expectations.spark.columns import SIDE, as_double, column, spark_column_kind

BLOCK = "_audit_block"
SIDES = (REAL, SYNTHETIC, HOLDOUT)
#: Kinds of the partial counts a partition emits.
_LEVELS, _CELLS, _SUMS = 0, 1, 2
_PARTIAL_SCHEMA = "kind int, key long, value double"


def _value_tables(
    prepared: DataFrame, numeric: list[int], present_sides: list[str]
) -> tuple[DataFrame, dict[int, dict[str, Any]]]:
    """Per numeric column slot: the cumulative-count table of its distinct values, and a summary
    (values present per side, KS of each other side against real, mean of all present values)."""
    entries = F.array(*[F.struct(F.lit(i).alias("c"), F.col(f"_c{i}").alias("v")) for i in numeric])
    long = prepared.select(SIDE, F.explode(entries).alias("e")).select(SIDE, "e.c", "e.v").where(F.col("v").isNotNull())
    counts = long.groupBy("c", "v").agg(
        *[F.sum((F.col(SIDE) == SIDES.index(s)).cast("long")).alias(s) for s in present_sides]
    )
    ordered = Window.partitionBy("c").orderBy("v").rowsBetween(Window.unboundedPreceding, Window.currentRow)
    whole = Window.partitionBy("c")
    table = counts.select(
        "c",
        "v",
        *present_sides,
        *[F.sum(s).over(ordered).alias(f"cum_{s}") for s in present_sides],
        *[F.sum(s).over(whole).alias(f"n_{s}") for s in present_sides],
    ).cache()
    others = [s for s in present_sides if s != REAL]

    def share(side: str) -> Any:
        return F.try_divide(F.col(f"cum_{side}"), F.col(f"n_{side}"))

    total = sum((F.col(s) for s in present_sides), F.lit(0))
    rows = (
        table.groupBy("c")
        .agg(
            *[F.first(f"n_{s}").alias(f"n_{s}") for s in present_sides],
            *[F.max(F.abs(share(REAL) - share(o))).alias(f"ks_{o}") for o in others],
            (F.sum(F.col("v") * total) / F.sum(total)).alias("mean"),
            # The grid of training values (grid_counts): how many, the singles, the others' values off it.
            F.sum((F.col(REAL) > 0).cast("long")).alias("grid_values"),
            F.sum((F.col(REAL) == 1).cast("long")).alias("grid_singles"),
            *[F.sum(F.when(F.col(REAL) == 0, F.col(o)).otherwise(0)).alias(f"off_{o}") for o in others],
        )
        .collect()
    )
    summary = {
        c: {"present": dict.fromkeys(present_sides, 0), "ks": dict.fromkeys(others), "mean": 0.0} for c in numeric
    }
    for row in rows:
        present = {s: int(row[f"n_{s}"] or 0) for s in present_sides}
        # As ks_statistic: undefined when either side has no value.
        ks = {o: float(row[f"ks_{o}"]) if present[REAL] and present[o] else None for o in others}
        grid = None
        if 0 < int(row["grid_values"]) <= GRID_MAX_VALUES:
            grid = {"values": int(row["grid_values"]), "train_singles": int(row["grid_singles"])}
            grid["train_present"] = present[REAL]
            for o in others:
                grid[f"{o}_off"], grid[f"{o}_present"] = int(row[f"off_{o}"] or 0), present[o]
        summary[row["c"]] = {"present": present, "ks": ks, "mean": float(row["mean"]), "grid": grid}
    return table, summary


def _boundaries(table: DataFrame, present: dict[int, int], n_bins: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Real-quantile boundaries and bin-end positions per numeric slot, from its order statistics."""
    wanted = [(c, int(k)) for c, n in present.items() if n > 0 for k in quantile_ranks(n, n_bins)]
    values: dict[int, dict[int, float]] = {c: {} for c in present}
    if wanted:
        ranks = table.sparkSession.createDataFrame(pd.DataFrame(wanted, columns=["rc", "k"]))
        # Rank k (0-based) of the real values is held by the value whose cumulative count passes it.
        held = table.join(
            F.broadcast(ranks),
            (table["c"] == ranks["rc"])
            & (ranks["k"] >= table[f"cum_{REAL}"] - table[REAL])
            & (ranks["k"] < table[f"cum_{REAL}"]),
        )
        for row in held.select("c", "k", "v").collect():
            values[row["c"]][row["k"]] = row["v"]
    return {
        c: quantile_edges_from(n, n_bins, lambda ranks, c=c: np.array([values[c][int(k)] for k in ranks]))
        for c, n in present.items()
    }


def _categories(prepared: DataFrame, categorical: list[int]) -> dict[int, list[str]]:
    """The sorted categories (missing excluded) of every categorical slot over all sides, in one aggregation."""
    if not categorical:
        return {}
    entries = F.array(*[F.struct(F.lit(i).alias("c"), F.col(f"_c{i}").alias("k")) for i in categorical])
    found = prepared.select(F.explode(entries).alias("e")).select("e.c", "e.k").where(F.col("k").isNotNull()).distinct()
    values: dict[int, list[str]] = {c: [] for c in categorical}
    for row in found.groupBy("c").agg(F.collect_list("k").alias("ks")).collect():
        values[row["c"]] = row["ks"]
    # Sorted: the order pandas gives the categories of the batch's categorical columns.
    return {c: sorted(keys) for c, keys in values.items()}


@dataclass(frozen=True)
class _CountPlan:
    """What each partition needs to code and count its rows (broadcast with the task)."""

    n_columns: int
    boundaries: dict[int, np.ndarray]  # numeric slot -> bin boundaries
    categories: dict[int, list[str]]  # categorical slot -> sorted categories
    n_levels: list[int]  # per slot, missing level included
    pairs: list[tuple[int, int]]  # slots of the pairs counted by joint level
    numeric_pairs: list[tuple[int, int]]  # slots of the pairs summed for Pearson
    shifts: dict[int, float]  # numeric slot -> its mean, subtracted before the sums
    n_groups: int  # sides × blocks

    @property
    def level_stride(self) -> int:
        return max(self.n_levels)

    @property
    def cell_stride(self) -> int:
        return max((self.n_levels[a] * self.n_levels[b] for a, b in self.pairs), default=1)

    def codes(self, frame: pd.DataFrame, slot: int) -> np.ndarray:
        """Level index of each row, as ``code_column`` codes it (missing is the last level)."""
        values = frame[f"_c{slot}"]
        if slot in self.boundaries:
            return bin_codes(pd.to_numeric(values).to_numpy(np.float64, na_value=np.nan), self.boundaries[slot])
        index = pd.Index(self.categories[slot]).get_indexer(values.astype(object))
        index[index < 0] = len(self.categories[slot])
        return index.astype(np.int64)

    def partial(self, frames: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        """A partition's counts as (kind, key, value) rows: levels, joint cells and Pearson sums.

        Each Arrow batch is reduced and sent on its own, so a worker holds one batch's counts at
        a time whatever the partition's size; Spark sums the batches' rows.
        """
        for frame in frames:
            parts = self._batch_counts(frame)
            out = []
            for kind in (_LEVELS, _CELLS, _SUMS):
                mine = [(keys, values) for k, keys, values in parts if k == kind]
                if not mine:
                    continue
                unique, inverse = np.unique(np.concatenate([keys for keys, _ in mine]), return_inverse=True)
                totals = np.bincount(inverse, weights=np.concatenate([v for _, v in mine]), minlength=unique.size)
                out.append(pd.DataFrame({"kind": np.int32(kind), "key": unique, "value": totals}))
            if out:
                yield pd.concat(out, ignore_index=True)

    def _batch_counts(self, frame: pd.DataFrame) -> list[tuple[int, np.ndarray, np.ndarray]]:
        group = frame[SIDE].to_numpy(np.int64) * (self.n_groups // len(SIDES)) + frame[BLOCK].to_numpy(np.int64)
        codes = {slot: self.codes(frame, slot) for slot in range(self.n_columns)}
        ones = np.ones(len(frame))
        parts = []
        for slot, code in codes.items():
            parts.append((_LEVELS, (group * self.n_columns + slot) * self.level_stride + code, ones))
        for p, (a, b) in enumerate(self.pairs):
            cell = codes[a] * self.n_levels[b] + codes[b]
            parts.append((_CELLS, (group * len(self.pairs) + p) * self.cell_stride + cell, ones))
        for q, (a, b) in enumerate(self.numeric_pairs):
            x = pd.to_numeric(frame[f"_c{a}"]).to_numpy(np.float64, na_value=np.nan) - self.shifts[a]
            y = pd.to_numeric(frame[f"_c{b}"]).to_numpy(np.float64, na_value=np.nan) - self.shifts[b]
            complete = ~(np.isnan(x) | np.isnan(y))
            x, y, rows = x[complete], y[complete], group[complete]
            for t, term in enumerate((np.ones_like(x), x, y, x * x, y * y, x * y)):
                parts.append((_SUMS, (rows * len(self.numeric_pairs) + q) * 6 + t, term))
        return parts


def _dense(keys: np.ndarray, values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """A dense array of the given shape from flat indexes and their values."""
    return np.bincount(keys, weights=values, minlength=int(np.prod(shape))).reshape(shape)


def _pearson_from_sums(sums: np.ndarray) -> float | None:
    """ρ from [n, Σx, Σy, Σx², Σy², Σxy] of shifted values; None as ``pearson`` (n < 2, a constant column)."""
    n, sx, sy, sxx, syy, sxy = sums
    if n < 2:
        return None
    denominator = np.sqrt((sxx - sx * sx / n) * (syy - sy * sy / n))
    if not denominator > 0:
        return None
    return float(np.clip((sxy - sx * sy / n) / denominator, -1.0, 1.0))


def _prepare(
    frames: dict[str, DataFrame], columns: list[str], numeric: set[str], replicates: int, blocks: int, seed: int
) -> DataFrame:
    """The sides stacked: numbers as doubles, categories as text, slots ``_c0…``, side index and block."""
    parts = []
    for side, frame in frames.items():
        values = [
            (as_double(frame, name) if name in numeric else column(name).cast("string")).alias(f"_c{i}")
            for i, name in enumerate(columns)
        ]
        resampled = replicates > 0 and side in (REAL, SYNTHETIC)
        # A distinct stream per side: the same seed on two sides would give them the same blocks.
        block = F.floor(F.rand(seed + SIDES.index(side)) * blocks).cast("int") if resampled else F.lit(0)
        parts.append(frame.select(*values, F.lit(SIDES.index(side)).alias(SIDE), block.alias(BLOCK)))
    prepared = parts[0]
    for part in parts[1:]:
        prepared = prepared.unionByName(part)
    return prepared


def spark_fidelity_profile(
    real: DataFrame,
    synthetic: DataFrame,
    holdout: DataFrame | None = None,
    *,
    columns: Sequence[str] | None = None,
    n_bins: int = 20,
    bootstrap_replicates: int = 200,
    bootstrap_blocks: int = 200,
    seed: int = 0,
    chart_columns: int = 3,
    chart_levels: int = 12,
    min_display_count: int = 10,
) -> dict[str, Any]:
    """``expectations.metrics.fidelity.fidelity_profile`` on Spark DataFrames (same parameters, same dict)."""
    columns = list(columns) if columns is not None else [c for c in real.columns if c in synthetic.columns]
    check_fidelity_inputs(columns, {REAL: 1, SYNTHETIC: 1})
    kinds = {name: spark_column_kind(real.schema[name].dataType) for name in columns}
    frames = {REAL: real, SYNTHETIC: synthetic, **({HOLDOUT: holdout} if holdout is not None else {})}
    numeric = [i for i, name in enumerate(columns) if kinds[name] == "numeric"]
    categorical = [i for i, name in enumerate(columns) if kinds[name] != "numeric"]
    blocks = bootstrap_blocks if bootstrap_replicates > 0 else 1
    prepared = _prepare(frames, columns, {columns[i] for i in numeric}, bootstrap_replicates, blocks, seed).cache()
    cached = [prepared]
    try:
        summary: dict[int, dict[str, Any]] = {}
        edges: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        if numeric:
            table, summary = _value_tables(prepared, numeric, list(frames))
            cached.append(table)
            edges = _boundaries(table, {c: summary[c]["present"][REAL] for c in numeric}, n_bins)
        categories = _categories(prepared, categorical)
        n_levels = [edges[i][0].size + 2 if i in edges else len(categories[i]) + 1 for i in range(len(columns))]
        slot_pairs = list(combinations(range(len(columns)), 2))
        plan = _CountPlan(
            n_columns=len(columns),
            boundaries={c: edges[c][0] for c in numeric},
            categories=categories,
            n_levels=n_levels,
            pairs=[(a, b) for a, b in slot_pairs if not (a in edges and b in edges)],
            numeric_pairs=[(a, b) for a, b in slot_pairs if a in edges and b in edges],
            shifts={c: summary[c]["mean"] for c in numeric},
            n_groups=len(SIDES) * blocks,
        )
        partial = prepared.mapInPandas(plan.partial, _PARTIAL_SCHEMA)
        counted = partial.groupBy("kind", "key").agg(F.sum("value").alias("value")).toArrow()
    finally:
        for frame in cached:
            frame.unpersist()
    kind = counted.column("kind").to_numpy()
    key = counted.column("key").to_numpy()
    value = counted.column("value").to_numpy()

    def part(which: int, per_group: int, stride: int) -> list[np.ndarray]:
        """Per group member (column or pair), its (sides, blocks, stride) counts of one kind."""
        mine = kind == which
        group, rest = np.divmod(key[mine], per_group * stride)
        member, index = np.divmod(rest, stride)
        order = np.argsort(member, kind="stable")
        bounds = np.searchsorted(member[order], np.arange(per_group + 1))
        out = []
        for m in range(per_group):
            rows = order[bounds[m] : bounds[m + 1]]
            flat = group[rows] * stride + index[rows]
            out.append(_dense(flat, value[mine][rows], (len(SIDES), blocks, stride)))
        return out

    level_counts = part(_LEVELS, len(columns), plan.level_stride)
    sizes = {s: int(level_counts[0][SIDES.index(s)].sum()) for s in frames}
    check_fidelity_inputs(columns, sizes)
    sides = [s for s in SIDES if sizes.get(s)]
    # As BlockResampler: never more blocks than rows (blocks beyond the rows are folded in).
    resampled = {s: min(bootstrap_blocks, sizes[s]) for s in (REAL, SYNTHETIC)} if bootstrap_replicates > 0 else None

    def by_side(array: np.ndarray, width: int) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray] | None]:
        """Totals per side and, for the resampled sides, (blocks, width) counts; ``array`` is (sides, blocks, width)."""
        totals = {s: array[SIDES.index(s)].sum(axis=0)[:width] for s in sides}
        if resampled is None:
            return totals, None
        folded = {}
        for s, n in resampled.items():
            per_block = array[SIDES.index(s), :, :width]
            folded[s] = np.stack([per_block[b::n].sum(axis=0) for b in range(n)])
        return totals, folded

    column_stats = []
    for i, name in enumerate(columns):
        labels = [*bin_labels(edges[i][1]), MISSING_LEVEL] if i in edges else [*categories[i], MISSING_LEVEL]
        counts, per_block = by_side(level_counts[i], n_levels[i])
        ks = summary[i]["ks"] if i in summary else {}
        grid = summary[i].get("grid") if i in summary else None
        column_stats.append(ColumnStats(name, kinds[name], labels, counts, ks, n_levels[i] - 1, per_block, grid))

    by_pair: dict[tuple[str, str], PairStats] = {}
    cells = part(_CELLS, len(plan.pairs), plan.cell_stride)
    for p, (a, b) in enumerate(plan.pairs):
        names = (columns[a], columns[b])
        grid = cells[p][:, :, : n_levels[a] * n_levels[b]]
        occurring = np.flatnonzero(grid.sum(axis=(0, 1)))
        counts, _ = by_side(grid[:, :, occurring], occurring.size)
        per_block = None
        if resampled:
            # Resample only the cells that occur in the real or synthetic rows, as the pandas path does.
            kept = occurring[(counts[REAL] + counts[SYNTHETIC]) > 0]
            _, per_block = by_side(grid[:, :, kept], kept.size)
        by_pair[names] = PairStats(names, "contingency", counts=counts, block_values=per_block)
    sums = part(_SUMS, len(plan.numeric_pairs), 6)
    for q, (a, b) in enumerate(plan.numeric_pairs):
        names = (columns[a], columns[b])
        totals, per_block = by_side(sums[q], 6)
        rho = {s: _pearson_from_sums(totals[s]) for s in sides}
        by_pair[names] = PairStats(names, "correlation", correlation=rho, block_values=per_block)

    weights = None
    if resampled:
        # Weights from the seed as on pandas; the rows' blocks came from rand(seed) on the executors.
        rng = np.random.default_rng(seed)
        weights = {s: block_weights(resampled[s], bootstrap_replicates, rng) for s in (REAL, SYNTHETIC)}
    return fidelity_from_stats(
        column_stats,
        [by_pair[pair] for pair in combinations(columns, 2)],
        {s: sizes[s] for s in sides},
        weights,
        n_bins=n_bins,
        bootstrap={
            "replicates": bootstrap_replicates,
            "blocks": bootstrap_blocks,
            "seed": seed,
            "level": 0.95,
            "engine": "spark",
        },
        chart_columns=chart_columns,
        chart_levels=chart_levels,
        min_display_count=min_display_count,
    )
