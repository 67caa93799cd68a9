"""Privacy on Spark DataFrames: the same profile as ``expectations.metrics.privacy.privacy_profile``.

The executors compute the engine-neutral statistics of ``expectations.metrics.privacy`` and the
driver turns them into the profile with the same ``privacy_figures``, random draws included:

- exact copies: a left-semi join of the synthetic (and holdout) rows onto the training rows on
  canonical keys (numbers as double, NaN as null, −0.0 as 0.0; other values as text, missing as
  ``MISSING_KEY``), with null-safe equality (missing = missing), then a count per side. The pandas
  ``row_keys`` hash compares the same canonical values.
- encoding: ``DistanceEncoder.from_counts`` fitted from one group-by over real ∪ holdout (per
  numeric column its distinct values and their counts, per categorical column its key counts),
  so the mid-rank ECDF (#ref < v + #ref ≤ v) / 2N uses the same integers as the pandas fit and
  the one shared ``transform`` (run in ``mapInPandas`` on the broadcast encoder) gives the same
  float32 codes bit for bit.
- target samples: every row of a side gets its position in the side's row order (partition
  order, then order within the partition: what ``rdd.zipWithIndex`` numbers, here computed on the
  JVM from per-partition counts and ``monotonically_increasing_id``, so no row is shipped to
  Python for it). The positions ``draw_targets`` draws with ``np.random.default_rng(seed)`` are
  selected by a broadcast semi-join, encoded on the executors and collected under a ``limit``,
  ≤ 2 × dcr_sample rows (and the rarity attack's extra members: with them ≤ 2 × dcr_sample +
  ``RARITY_TARGETS``): the only row-level data the driver holds, and it holds their codes, not
  their values.
- one pass over the synthetic rows (with a holdout): a single ``mapInPandas`` reads and encodes
  each synthetic batch once and computes from it the neighbour statistics, the rarity matches,
  the inference tallies and the linkability tallies below; its per-partition rows (a few per
  target) are persisted and reduced once per kind, so the attacks read the synthetic rows once
  however many run (the row count and the exact-copy joins read them too).
- nearest neighbours: every synthetic row (never sampled) is compared with the broadcast target
  matrix in ``mapInPandas``. With a holdout each partition emits, per target, its minimum
  distance to the partition's rows and the partition's counts of rows closer to the train
  sample / tied / closer to the holdout sample; a group-by takes the minimum per target and sums
  the counts. Without one, each synthetic row's distance to the real sample S becomes a column
  that one aggregate reduces to its ``percentile`` (exact, linear interpolation as numpy's) and
  its count at most the threshold, the 5th percentile of S's own distances (driver).
  ``nearest_neighbours`` is exact, so minima over partitions equal the pandas minima.
- rarity attack (with a holdout): its targets are the distance targets plus, when the holdout is
  the smaller side, ``draw.extra_train`` training rows collected with the train sample (at most
  ``RARITY_TARGETS`` in all); the driver fits the ``RarityModel`` on their codes, and each
  partition emits every target's ``closest_match`` with its rows beside the minimum distance.
  Its sums run in column order per pair, so the minimum over partitions equals the pandas one.
- attribute inference (with a holdout and secrets): the target sample also carries its secrets
  (``secret_values``: numbers, and 53-bit hashes of category keys); every synthetic partition
  emits per secret and attack target its ``InferenceTallies`` (exact nearest distance on the
  known columns, rows tied at it, right guesses among them); a window keeps each target's
  closest partitions and one aggregate sums their tallies, as ``InferenceTallies.merge`` does.
- linkability (with a holdout and two audit columns): the same targets; every partition emits per
  target its ``LinkTallies`` (each side's closest distance and rows tied at it, the rows at both),
  and a window and one aggregate merge them as ``LinkTallies.merge`` does.

Rows are numbered by the order Spark reads them: deterministic for files read in order and for
``createDataFrame`` from a local frame, which matches pandas row positions; a side whose plan
ends in a shuffle has no stable order, and its samples (not its copy counts) may differ from run
to run. Only aggregates and the bounded, position-filtered sample reach the driver.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from pyspark import StorageLevel
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T
from pyspark.sql.window import Window

from expectations.metrics.copies import CopyCounts, MatchedRecords
from expectations.metrics.encoding import MISSING_KEY, DistanceEncoder
from expectations.metrics.errors import AuditDataError
from expectations.metrics.exposure import target_groups
from expectations.metrics.inference import (
    InferenceTallies,
    check_secrets,
    known_columns,
    secret_values,
    tallies_by_secret,
)
from expectations.metrics.linkability import LinkTallies, link_split, link_tallies, split_masks
from expectations.metrics.membership import inference_positions
from expectations.metrics.neighbours import nearest_neighbours
from expectations.metrics.privacy import (
    DCR_QUANTILES,
    HoldoutDistances,
    RealDistances,
    audit_settings,
    check_sizes,
    close_threshold,
    draw_targets,
    holdout_distances,
    own_distances,
    privacy_figures,
    rarity_targets,
)
from expectations.metrics.rarity import RarityTargets

_NUMBERS = (T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.FloatType, T.DoubleType, T.DecimalType)
_TIMES = (T.DateType, T.TimestampType, T.TimestampNTZType)
#: monotonically_increasing_id() = partition index << 33 | row index within the partition.
_ROW_INDEX_MASK = (1 << 33) - 1
_NANOSECONDS_PER_DAY = 86_400 * 10**9


def _column(frame: DataFrame, name: str) -> Column:
    """A column by its exact name (backticks keep dots and spaces from being parsed)."""
    return frame["`" + name.replace("`", "``") + "`"]


def _is_numeric(data_type: T.DataType) -> bool:
    """Numbers, dates and times are numeric, as ``distributions.column_kind`` decides on pandas."""
    return isinstance(data_type, _NUMBERS + _TIMES)


def _canonical(frame: DataFrame, columns: Sequence[str], numeric: Sequence[bool]) -> DataFrame:
    """The audit columns renamed ``c0, c1, …`` as the values both engines compare.

    Numeric → double as ``distributions.as_float`` (dates and times → epoch nanoseconds), NaN →
    null, −0.0 → 0.0 (+ 0.0). Categorical → text as pandas' ``str`` (booleans ``True``/``False``),
    missing → ``MISSING_KEY``, as the encoder's keys.
    """
    expressions = []
    for index, (name, is_numeric) in enumerate(zip(columns, numeric, strict=True)):
        column = _column(frame, name)
        data_type = frame.schema[name].dataType
        if isinstance(data_type, T.DateType):
            value = (F.unix_date(column).cast("long") * _NANOSECONDS_PER_DAY).cast("double")
        elif isinstance(data_type, T.TimestampType):
            value = (F.unix_micros(column) * 1_000).cast("double")
        elif isinstance(data_type, T.TimestampNTZType):
            # Wall-clock time read as UTC, like a naive pandas datetime64.
            value = (F.timestamp_diff("MICROSECOND", F.lit("1970-01-01").cast("timestamp_ntz"), column) * 1_000).cast(
                "double"
            )
        elif is_numeric:
            value = column.cast("double")
        elif isinstance(data_type, T.BooleanType):
            value = F.when(column, F.lit("True")).when(~column, F.lit("False"))
        else:
            value = column.cast("string")
        if is_numeric:
            value = F.when(F.isnan(value), F.lit(None).cast("double")).otherwise(value + F.lit(0.0))
        else:
            value = F.coalesce(value, F.lit(MISSING_KEY))
        expressions.append(value.alias(f"c{index}"))
    return frame.select(*expressions)


def _positioned(frames: dict[str, DataFrame]) -> dict[str, tuple[DataFrame, int]]:
    """Each frame with ``_pos``, its rows' 0-based positions in the frame's row order, and its row count.

    Position = rows of the earlier partitions + index within the partition, as ``zipWithIndex``
    numbers an RDD: the per-partition counts of every frame come from one aggregate over their
    union (the partition id is taken in each frame, below the union), the index within the
    partition from ``monotonically_increasing_id``'s low 33 bits; all on the JVM.
    """
    tagged = [
        frame.select(F.lit(tag).alias("_side"), F.spark_partition_id().alias("_part"))
        for tag, frame in enumerate(frames.values())
    ]
    union = tagged[0]
    for part in tagged[1:]:
        union = union.unionByName(part)
    counts: list[dict[int, int]] = [{} for _ in frames]
    for row in union.groupBy("_side", "_part").agg(F.count(F.lit(1)).alias("n")).collect():
        counts[row["_side"]][row["_part"]] = int(row["n"])
    result = {}
    within = F.monotonically_increasing_id().bitwiseAND(F.lit(_ROW_INDEX_MASK))
    for tag, (side, frame) in enumerate(frames.items()):
        if not counts[tag]:
            result[side] = (frame.withColumn("_pos", F.lit(None).cast("long")), 0)
            continue
        sizes = np.array([counts[tag].get(part, 0) for part in range(max(counts[tag]) + 1)], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        offset = F.element_at(F.array(*[F.lit(int(o)) for o in offsets]), F.spark_partition_id() + 1)
        result[side] = (frame.withColumn("_pos", offset + within), int(sizes.sum()))
    return result


def _copy_counts(train: DataFrame, others: dict[str, DataFrame], keys: Sequence[str]) -> CopyCounts:
    """``CopyCounts``: rows of each ``others`` frame equal on every key to some training row, and to
    one that occurs once in train (null-safe: missing = missing), and the training rows that repeat.

    The training rows are grouped by their keys first (a group-by treats missing as equal), so
    the join meets each distinct training row once and carries its multiplicity.
    """
    grouped = train.select(*keys).groupBy(*keys).agg(F.count(F.lit(1)).alias("_n")).cache()
    try:
        (repeats,) = grouped.agg(F.sum(F.when(F.col("_n") > 1, F.col("_n")).otherwise(0)).alias("r")).collect()
        tagged = None
        for side, frame in others.items():
            part = frame.select(F.lit(side).alias("_side"), *keys)
            tagged = part if tagged is None else tagged.unionByName(part)
        left, right = tagged.alias("o"), grouped.alias("t")
        condition = [F.col(f"o.{key}").eqNullSafe(F.col(f"t.{key}")) for key in keys]
        rows = (
            left.join(right, on=condition, how="inner")
            .groupBy("o._side")
            .agg(F.count(F.lit(1)).alias("n"), F.count(F.when(F.col("t._n") == 1, 1)).alias("unique"))
            .collect()
        )
    finally:
        grouped.unpersist()
    found = {row["_side"]: (int(row["n"]), int(row["unique"])) for row in rows}
    synthetic = found.get("synthetic", (0, 0))
    holdout = found.get("holdout", (0, 0)) if "holdout" in others else (None, None)
    return CopyCounts(synthetic[0], synthetic[1], int(repeats["r"] or 0), holdout[0], holdout[1])


def _matched_records(
    train: DataFrame, holdout: DataFrame, synthetic: DataFrame, keys: Sequence[str], n_train: int, n_holdout: int
) -> MatchedRecords:
    """``MatchedRecords`` of the pool train ∪ holdout: a window count per key column for the value
    counts (a window partition keeps missing as one value, as in pandas; windows, not self-joins,
    keep the plan small), one group-by for the records, one join with the synthetic records; only
    counts reach the driver, one row per distinct count profile of the matched records.
    """
    pool = train.select(F.lit(1).alias("_t"), *keys).unionByName(holdout.select(F.lit(0).alias("_t"), *keys))
    pool = pool.select(
        "_t",
        *keys,
        *[F.count(F.lit(1)).over(Window.partitionBy(key)).alias(f"_v{index}") for index, key in enumerate(keys)],
    )
    value_columns = [f"_v{index}" for index in range(len(keys))]
    records = pool.groupBy(*keys).agg(
        F.count(F.lit(1)).alias("_m"),
        F.sum("_t").alias("_tc"),
        *[F.first(column).alias(column) for column in value_columns],
    )
    synthetic_records = synthetic.select(*keys).groupBy(*keys).agg(F.count(F.lit(1)).alias("_c"))
    left, right = records.alias("r"), synthetic_records.alias("s")
    condition = [F.col(f"r.{key}").eqNullSafe(F.col(f"s.{key}")) for key in keys]
    # Records with the same counts are interchangeable: the driver gets each count profile once.
    rows = (
        left.join(right, on=condition, how="inner")
        .groupBy("r._m", "r._tc", "s._c", *value_columns)
        .agg(F.count(F.lit(1)).alias("_records"))
        .collect()
    )
    profiles = np.array([[int(value) for value in row] for row in rows], dtype=np.int64).reshape(
        len(rows), 4 + len(keys)
    )
    table = np.repeat(profiles[:, :-1], profiles[:, -1], axis=0)
    return MatchedRecords(table[:, 0], table[:, 1], table[:, 2], table[:, 3:], n_train + n_holdout, n_train)


def _fit_encoder(
    reference: DataFrame, columns: Sequence[str], numeric: Sequence[bool], top_categories: int
) -> DistanceEncoder:
    """``DistanceEncoder.from_counts`` from one group-by over every (column, value) of the reference rows."""
    entries = F.explode(
        F.array(
            *[
                F.struct(
                    F.lit(index).alias("i"),
                    (F.col(f"c{index}") if is_numeric else F.lit(None).cast("double")).alias("x"),
                    (F.lit(None).cast("string") if is_numeric else F.col(f"c{index}")).alias("s"),
                )
                for index, is_numeric in enumerate(numeric)
            ]
        )
    ).alias("e")
    counted = (
        reference.select(entries)
        .select("e.i", "e.x", "e.s")
        # A missing number is not a reference value (it encodes as 0.5 with its flag).
        .where(F.col("x").isNotNull() | F.col("s").isNotNull())
        .groupBy("i", "x", "s")
        .agg(F.count(F.lit(1)).alias("n"))
        .collect()
    )
    values: dict[int, list[tuple[Any, int]]] = {index: [] for index in range(len(columns))}
    for row in counted:
        values[row["i"]].append((row["x"] if numeric[row["i"]] else row["s"], int(row["n"])))
    numeric_counts, category_counts = {}, {}
    for index, name in enumerate(columns):
        if numeric[index]:
            pairs = values[index]
            numeric_counts[name] = (
                np.array([value for value, _ in pairs], dtype=np.float64),
                np.array([count for _, count in pairs], dtype=np.int64),
            )
        else:
            category_counts[name] = dict(values[index])
    return DistanceEncoder.from_counts(columns, numeric_counts, category_counts, top_categories)


def _encoded_sample(
    spark: SparkSession,
    sides: dict[str, tuple[DataFrame, np.ndarray]],
    encoder: Any,
    columns: Sequence[str],
    keys: Sequence[str],
    secrets: Sequence[str] = (),
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """The codes and the ``secret_values`` of the rows at the drawn positions of each side, in draw order.

    ``sides``: side → (positioned canonical frame, positions drawn). Rows are selected by a
    broadcast semi-join on ``_pos``, encoded in ``mapInPandas`` with the broadcast encoder, cut by
    a ``limit`` of the sample size (the plan states the bound) and gathered per side by one
    aggregate; the driver puts them in draw order.
    """
    tagged = None
    for tag, (frame, positions) in enumerate(sides.values()):
        wanted = spark.createDataFrame(pd.DataFrame({"_pos": positions.astype(np.int64)}))
        part = frame.join(F.broadcast(wanted), on="_pos", how="left_semi").select(
            F.lit(tag).alias("_side"), "_pos", *keys
        )
        tagged = part if tagged is None else tagged.unionByName(part)
    names = list(columns)

    def encode(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        fitted = encoder.value
        for batch in batches:
            frame = batch[list(keys)]
            frame.columns = names
            codes = fitted.transform(frame)
            hidden = secret_values(frame, secrets, fitted)
            yield pd.DataFrame(
                {
                    "_side": batch["_side"],
                    "_pos": batch["_pos"],
                    "codes": [row.tobytes() for row in codes],
                    "secrets": [row.tobytes() for row in hidden],
                }
            )

    total = sum(positions.size for _, positions in sides.values())
    # The limit states the bound in the plan; gathering per side in one aggregate reads every
    # partition in one job (a bare limit collect scans the partitions a few at a time).
    rows = (
        tagged.mapInPandas(encode, "_side int, _pos long, codes binary, secrets binary")
        .limit(total)
        .groupBy("_side")
        .agg(F.collect_list(F.struct("_pos", "codes", "secrets")).alias("rows"))
        .collect()
    )
    found: list[dict[int, tuple[np.ndarray, np.ndarray]]] = [{} for _ in sides]
    for row in rows:
        for entry in row["rows"]:
            found[row["_side"]][entry["_pos"]] = (
                np.frombuffer(entry["codes"], dtype=np.float32),
                np.frombuffer(entry["secrets"], dtype=np.float64),
            )
    samples, hidden = {}, {}
    for tag, (side, (_, positions)) in enumerate(sides.items()):
        if len(found[tag]) != positions.size:
            raise RuntimeError(f"the {side} sample has {len(found[tag])} of its {positions.size} drawn rows")
        drawn = [found[tag][int(p)] for p in positions]
        samples[side] = np.vstack([codes for codes, _ in drawn]).reshape(positions.size, -1)
        hidden[side] = np.vstack([values for _, values in drawn]).reshape(positions.size, len(secrets))
    return samples, hidden


#: What each row of the synthetic pass carries (``_synthetic_statistics``): its ``kind`` says which
#: columns are read; the rest hold placeholders.
_NEIGHBOURS, _INFERENCE, _LINKABILITY = 0, 1, 2
#: (name, Spark type, numpy dtype, placeholder for the kinds that do not use it), in schema order.
_PASS_FIELDS: tuple[tuple[str, str, Any, Any], ...] = (
    ("kind", "int", np.int32, 0),
    ("secret", "int", np.int32, 0),
    ("target", "int", np.int32, 0),
    ("distance", "double", np.float64, np.inf),
    ("rarity", "double", np.float64, np.inf),
    ("tied", "long", np.int64, 0),
    ("right", "long", np.int64, 0),
    ("closer_to_train", "long", np.int64, 0),
    ("closer_to_holdout", "long", np.int64, 0),
    ("distance_b", "double", np.float64, np.inf),
    ("tied_b", "long", np.int64, 0),
    ("both", "long", np.int64, 0),
)
_PASS_SCHEMA = ", ".join(f"{name} {spark_type}" for name, spark_type, _, _ in _PASS_FIELDS)


def _pass_rows(kind: int, target: np.ndarray, **columns: np.ndarray) -> pd.DataFrame:
    """Rows of one kind in ``_PASS_SCHEMA`` order, the columns it does not use at their placeholders."""
    given = {**columns, "kind": np.full(target.size, kind), "target": target}
    return pd.DataFrame(
        {
            name: np.asarray(given[name], dtype=dtype) if name in given else np.full(target.size, placeholder, dtype)
            for name, _, dtype, placeholder in _PASS_FIELDS
        }
    )


@dataclass(frozen=True)
class _PassInputs:
    """What every partition of the synthetic pass needs (broadcast once): the encoder, the targets
    and the rarity targets; with secrets, the inference targets' positions among the targets and
    their secrets; with a link split, its two column masks."""

    encoder: DistanceEncoder
    targets: np.ndarray
    per_side: int
    rarity: RarityTargets
    attacked: np.ndarray
    secrets: tuple[str, ...] = ()
    secret_values: np.ndarray | None = None
    masks: tuple[np.ndarray, np.ndarray] | None = None


def _synthetic_statistics(synthetic: DataFrame, shared: Any, keys: Sequence[str], columns: Sequence[str]) -> DataFrame:
    """One pass over the synthetic rows: each batch encoded once, and per partition every target's
    neighbour statistics, each secret's ``InferenceTallies`` and the ``LinkTallies`` (the ones asked
    for), as rows of ``_PASS_SCHEMA``. The caller persists the result and reduces each kind."""
    names = list(columns)

    def statistics(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        inputs: _PassInputs = shared.value
        counts = np.zeros(3, dtype=np.int64)
        best = np.full(2 * inputs.per_side, np.inf)
        matches = np.full(len(inputs.rarity.bins), np.inf)
        inference: dict[str, InferenceTallies] | None = None
        links: LinkTallies | None = None
        attacked = inputs.targets[inputs.attacked]
        seen = False
        for batch in batches:
            if len(batch) == 0:
                continue
            frame = batch[list(keys)]
            frame.columns = names
            codes = inputs.encoder.transform(frame)
            # Spark already runs a task per core: one search thread per task.
            found = holdout_distances(codes, inputs.targets, inputs.per_side, inputs.rarity, threads=1)
            counts += [found.closer_to_train, found.tied, found.closer_to_holdout]
            np.minimum(best, found.to_synthetic, out=best)
            np.minimum(matches, found.rarity, out=matches)
            if inputs.secrets:
                tallies = tallies_by_secret(
                    inputs.encoder,
                    inputs.secrets,
                    attacked,
                    inputs.secret_values,
                    codes,
                    secret_values(frame, inputs.secrets, inputs.encoder),
                )
                inference = (
                    tallies if inference is None else {n: inference[n].merge(tallies[n]) for n in inputs.secrets}
                )
            if inputs.masks is not None:
                linked = link_tallies(attacked, codes, *inputs.masks)
                links = linked if links is None else links.merge(linked)
            seen = True
        if not seen:
            return
        n = max(best.size, matches.size)
        padded = {
            "distance": np.r_[best, np.full(n - best.size, np.inf)],
            "rarity": np.r_[matches, np.full(n - matches.size, np.inf)],
        }
        yield _pass_rows(_NEIGHBOURS, np.arange(n), **padded)
        # Target -1 carries the partition's counts.
        names_of_counts = ("closer_to_train", "tied", "closer_to_holdout")
        totals = {name: np.array([value]) for name, value in zip(names_of_counts, counts, strict=True)}
        yield _pass_rows(_NEIGHBOURS, np.array([-1]), **totals)
        for index, name in enumerate(inputs.secrets if inference is not None else ()):
            tally = inference[name]
            yield _pass_rows(
                _INFERENCE,
                np.arange(tally.distance.size),
                secret=np.full(tally.distance.size, index, dtype=np.int32),
                distance=tally.distance,
                tied=tally.tied,
                right=tally.right,
            )
        if links is not None:
            yield _pass_rows(
                _LINKABILITY,
                np.arange(links.both.size),
                distance=links.distance_a,
                tied=links.tied_a,
                distance_b=links.distance_b,
                tied_b=links.tied_b,
                both=links.both,
            )

    return synthetic.mapInPandas(statistics, _PASS_SCHEMA)


def _inference_statistics(rows: DataFrame, inputs: _PassInputs) -> dict[str, InferenceTallies]:
    """Per secret the ``InferenceTallies`` of the attack targets from the pass's per-partition rows:
    a window keeps each target's closest partitions and one aggregate sums their tallies."""
    closest = Window.partitionBy("secret", "target")
    found = (
        rows.where(F.col("kind") == _INFERENCE)
        .withColumn("best", F.min("distance").over(closest))
        .where(F.col("distance") == F.col("best"))
        .groupBy("secret", "target")
        .agg(F.min("distance").alias("distance"), F.sum("tied").alias("tied"), F.sum("right").alias("right"))
        .collect()
    )
    distance = np.full((len(inputs.secrets), inputs.attacked.size), np.inf)
    tied = np.zeros(distance.shape, dtype=np.int64)
    right = np.zeros(distance.shape, dtype=np.int64)
    for row in found:
        at = row["secret"], row["target"]
        distance[at], tied[at], right[at] = row["distance"], row["tied"], row["right"]
    return {
        name: InferenceTallies(distance[index], tied[index], right[index], known_columns(inputs.encoder, name))
        for index, name in enumerate(inputs.secrets)
    }


def _linkability_statistics(rows: DataFrame, inputs: _PassInputs) -> LinkTallies:
    """The ``LinkTallies`` of the attack targets from the pass's per-partition rows: one window (each
    side's overall minimum) and one aggregate (the counts at the minima summed)."""
    closest = Window.partitionBy("target")
    at_a, at_b = F.col("distance") == F.col("best_a"), F.col("distance_b") == F.col("best_b")
    found = (
        rows.where(F.col("kind") == _LINKABILITY)
        .withColumn("best_a", F.min("distance").over(closest))
        .withColumn("best_b", F.min("distance_b").over(closest))
        .groupBy("target")
        .agg(
            F.min("best_a").alias("distance_a"),
            F.sum(F.when(at_a, F.col("tied")).otherwise(0)).alias("tied_a"),
            F.min("best_b").alias("distance_b"),
            F.sum(F.when(at_b, F.col("tied_b")).otherwise(0)).alias("tied_b"),
            F.sum(F.when(at_a & at_b, F.col("both")).otherwise(0)).alias("both"),
        )
        .collect()
    )
    n = inputs.attacked.size
    figures = {"distance_a": np.full(n, np.inf), "distance_b": np.full(n, np.inf)}
    figures.update({name: np.zeros(n, dtype=np.int64) for name in ("tied_a", "tied_b", "both")})
    for row in found:
        for name, values in figures.items():
            values[row["target"]] = row[name]
    mask_a, mask_b = inputs.masks
    return LinkTallies(mask_a=mask_a, mask_b=mask_b, **figures)


def _holdout_statistics(rows: DataFrame, inputs: _PassInputs) -> HoldoutDistances:
    """``HoldoutDistances`` from the pass's per-partition minima and counts, reduced by one group-by.

    Target i's row carries its minimum distance (a distance target, i < 2·per_side) and its
    minimum rarity match (a rarity target, i < their number); +inf where it is not one; target −1
    the partition's counts.
    """
    found = (
        rows.where(F.col("kind") == _NEIGHBOURS)
        .groupBy("target")
        .agg(
            F.min("distance").alias("distance"),
            F.min("rarity").alias("rarity"),
            F.sum("closer_to_train").alias("closer_to_train"),
            F.sum("tied").alias("tied"),
            F.sum("closer_to_holdout").alias("closer_to_holdout"),
        )
        .collect()
    )
    to_synthetic = np.full(2 * inputs.per_side, np.inf)
    matches = np.full(len(inputs.rarity.bins), np.inf)
    counts = [0, 0, 0]
    for row in found:
        target = row["target"]
        if target < 0:
            counts = [int(row["closer_to_train"]), int(row["tied"]), int(row["closer_to_holdout"])]
            continue
        if target < to_synthetic.size:
            to_synthetic[target] = row["distance"]
        if target < matches.size:
            matches[target] = row["rarity"]
    return HoldoutDistances(to_synthetic, *counts, rarity=matches)


def _real_statistics(
    synthetic: DataFrame, shared: Any, sample: np.ndarray, keys: Sequence[str], columns: Sequence[str]
) -> RealDistances:
    """``RealDistances``: S's own distances on the driver, the synthetic rows' by one aggregate."""
    own = own_distances(sample)
    threshold = close_threshold(own)
    names = list(columns)

    def distances(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        encoder, targets, _ = shared.value
        for batch in batches:
            if len(batch) == 0:
                continue
            frame = batch[list(keys)]
            frame.columns = names
            (to_sample,), _ = nearest_neighbours(encoder.transform(frame), targets, threads=1)
            yield pd.DataFrame({"distance": to_sample})

    (row,) = (
        synthetic.mapInPandas(distances, "distance double")
        .agg(
            F.percentile("distance", list(DCR_QUANTILES)).alias("quantiles"),
            F.count_if(F.col("distance") <= F.lit(threshold)).alias("close"),
        )
        .collect()
    )
    quantiles = {f"p{int(q * 100):02d}": float(v) for q, v in zip(DCR_QUANTILES, row["quantiles"], strict=True)}
    return RealDistances(own, quantiles, int(row["close"]))


def spark_privacy_profile(
    real: DataFrame,
    synthetic: DataFrame,
    holdout: DataFrame | None = None,
    *,
    columns: Sequence[str] | None = None,
    attack_sample: int = 5_000,
    dcr_sample: int = 10_000,
    top_categories: int = 20,
    bootstrap_replicates: int = 200,
    seed: int = 0,
    secret_columns: Sequence[str] | None = None,
    protected_attributes: Sequence[str] | None = None,
    link_columns: Sequence[str] | None = None,
) -> dict[str, Any]:
    """``privacy_profile`` on Spark DataFrames: the same keys and figures, without collecting any side.

    Parameters and result as ``expectations.metrics.privacy.privacy_profile`` (definitions in its
    module docstring); the same inputs raise the same ``AuditDataError``. Column kinds follow
    the real frame's Spark types: numbers, dates and timestamps are numeric, everything else
    categorical. See the module docstring for what runs where and what reaches the driver.
    """
    if columns is None:
        columns = [c for c in real.columns if c in synthetic.columns]
    columns = list(columns)
    if not columns:
        raise AuditDataError("no audit columns: real and synthetic data share no column")
    spark = real.sparkSession
    numeric = [_is_numeric(real.schema[name].dataType) for name in columns]
    keys = [f"c{index}" for index in range(len(columns))]
    inputs = {"real": real, "synthetic": synthetic, **({"holdout": holdout} if holdout is not None else {})}
    # One job counts every side (per partition: the real and holdout rows' positions need it).
    canonical = {side: _canonical(frame, columns, numeric) for side, frame in inputs.items()}
    positioned = _positioned(canonical)
    real_rows, n_real = positioned["real"]
    synthetic_rows, n_synthetic = canonical["synthetic"], positioned["synthetic"][1]
    holdout_rows, n_holdout = positioned.get("holdout", (None, None))
    with_holdout = bool(n_holdout)
    n_holdout = n_holdout if with_holdout else None
    check_sizes(n_real, n_synthetic, n_holdout, dcr_sample)
    secrets = check_secrets(columns, secret_columns or ())
    split = link_split(columns, link_columns or ())
    # Without a holdout there is no control to judge the attack by: the secrets are not sampled.
    attacked_secrets = secrets if with_holdout else []
    rng = np.random.default_rng(seed)

    reference = real_rows.select(*keys).unionByName(holdout_rows.select(*keys)) if with_holdout else real_rows
    encoder = _fit_encoder(reference.select(*keys), columns, numeric, top_categories)
    matched = (
        _matched_records(real_rows.select(*keys), holdout_rows.select(*keys), synthetic_rows, keys, n_real, n_holdout)
        if with_holdout
        else None
    )
    copies = replace(
        _copy_counts(
            real_rows.select(*keys),
            {"synthetic": synthetic_rows, **({"holdout": holdout_rows.select(*keys)} if with_holdout else {})},
            keys,
        ),
        matched=matched,
    )
    draw = draw_targets(n_real, n_holdout, dcr_sample, rng)

    sides = {"train": (real_rows, np.r_[draw.train, draw.extra_train])}
    if with_holdout:
        sides["holdout"] = (holdout_rows, draw.holdout)
    encoder_broadcast = spark.sparkContext.broadcast(encoder)
    try:
        samples, hidden = _encoded_sample(spark, sides, encoder_broadcast, columns, keys, attacked_secrets)
    finally:
        encoder_broadcast.destroy()
    # The train sample's rows, then the rarity attack's extra members (``draw.extra_train``).
    extra_codes = samples["train"][draw.per_side :]
    samples["train"], hidden["train"] = samples["train"][: draw.per_side], hidden["train"][: draw.per_side]
    targets = np.vstack(list(samples.values()))
    rarity = rarity_targets(encoder, targets, extra_codes, draw.per_side, n_real) if with_holdout else None
    inference = linkability = None
    if with_holdout:
        attacked = inference_positions(draw.per_side, attack_sample)
        inputs = _PassInputs(
            encoder,
            targets,
            draw.per_side,
            rarity,
            attacked,
            tuple(attacked_secrets),
            np.vstack(list(hidden.values()))[attacked],
            split_masks(encoder, split) if split is not None else None,
        )
        shared = spark.sparkContext.broadcast(inputs)
        rows = _synthetic_statistics(synthetic_rows, shared, keys, columns).persist(StorageLevel.MEMORY_AND_DISK)
        try:
            distances: HoldoutDistances | RealDistances = _holdout_statistics(rows, inputs)
            if attacked_secrets:
                inference = _inference_statistics(rows, inputs)
            if split is not None:
                linkability = _linkability_statistics(rows, inputs), split
        finally:
            rows.unpersist()
            shared.destroy()
    else:
        shared = spark.sparkContext.broadcast((encoder, targets, rarity))
        try:
            distances = _real_statistics(synthetic_rows, shared, samples["train"], keys, columns)
        finally:
            shared.destroy()
    return privacy_figures(
        sizes={"real": n_real, "synthetic": n_synthetic, "holdout": n_holdout},
        encoding_width=encoder.width,
        copies=copies,
        distances=distances,
        target_codes=targets if with_holdout else None,
        settings=audit_settings(attack_sample, dcr_sample, top_categories, bootstrap_replicates, seed),
        rng=rng,
        inference=inference,
        train_positions=draw.train,
        groups=target_groups(encoder, targets, protected_attributes or ()) if with_holdout else None,
        rarity=rarity,
        linkability=linkability,
    )
