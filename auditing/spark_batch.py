"""The audit batch on Spark (DESIGN §3): real, holdout and synthetic rows stacked with ``unionByName``.

The Spark twin of ``auditing.batch.build_audit_batch``: the same column alignment, the same
conversions (a non-real column takes the real column's kind; what does not fit is counted and
becomes a finding) and the same findings, each from an aggregation — no row reaches the driver.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, Union

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from auditing.batch import (
    MIN_ROWS,
    NO_REAL_DATA,
    AuditBatch,
    Finding,
    alignment_findings,
    check_holdout_columns,
    choose_columns,
    identifier_rule,
    infinite_finding,
    input_label,
    reference_role,
    replaced_bytes_finding,
    shared_columns,
    size_findings,
    support_finding,
    unreadable_finding,
)
from auditing.errors import InputError, UnreadableInput
from auditing.io import (
    FROM_FILE,
    GZIP_MAGIC,
    PARQUET_MAGIC,
    CsvDialect,
    check_column_names,
    csv_layout,
    file_label,
    sha256_file,
    sniff_format,
)
from expectations import HOLDOUT_LABEL, REAL_LABEL, SOURCE_COLUMN, SYNTHETIC_LABEL
from expectations.spark.columns import column, spark_column_kind

#: A table for the Spark engine: a Spark DataFrame or a local CSV / CSV.gz / Parquet file.
SparkTableInput = Union[DataFrame, str, Path]
_ROLES = ("real", "holdout", "synthetic")
_LABELS = {"real": REAL_LABEL, "holdout": HOLDOUT_LABEL, "synthetic": SYNTHETIC_LABEL}


def read_spark_table(
    spark: SparkSession, path: str | Path, role: str, dialect: CsvDialect = FROM_FILE
) -> tuple[DataFrame, dict[str, Any]]:
    """Read a local file with Spark's own readers (header row, inferred types; Parquet by its magic).

    A CSV file's separator and encoding are those ``auditing.io.csv_layout`` gives the pandas
    reader. Returns the DataFrame and what the report says about the input (``replaced_bytes``
    when the given encoding could not decode some). Raises ``UnreadableInput`` naming the file
    as ``auditing.io.read_table`` does.
    """
    file = Path(path)
    label = file_label(role, path)
    head = sniff_format(file, label)
    compressed = head[:2] == GZIP_MAGIC
    if compressed and not file.name.endswith(".gz"):
        # Spark picks the codec from the file name only.
        raise UnreadableInput(f"{label} is gzip-compressed; the Spark engine needs its name to end in .gz")
    location = str(file.resolve())
    info: dict[str, Any] = {"source": file.name}
    if head == PARQUET_MAGIC:
        frame, file_format = spark.read.parquet(location), "parquet"
    else:
        layout = csv_layout(file, compressed, dialect)
        frame = spark.read.csv(
            location,
            header=True,
            inferSchema=True,
            mode="FAILFAST",
            enforceSchema=False,
            sep=layout.separator,
            encoding=layout.encoding,
            # How pandas, numpy and Python write infinities (Spark's own default is "Inf").
            positiveInf="inf",
            negativeInf="-inf",
        )
        file_format = layout.describe("csv.gz" if compressed else "csv")
        if layout.replaced_bytes:
            info["replaced_bytes"] = layout.replaced_bytes
    check_column_names(frame.columns, label)
    info.update(format=file_format, sha256=sha256_file(file), columns=len(frame.columns))
    return frame, info


def _spark_identifiers(real: DataFrame, names: list[str]) -> set[str]:
    """The real columns ``identifier_rule`` calls identifiers, from one aggregation."""
    if not names:
        return set()
    aggregates = [F.count(F.lit(1)).alias("n")]
    for i, name in enumerate(names):
        value, dtype = column(name), real.schema[name].dataType
        aggregates += [F.countDistinct(value).alias(f"d{i}"), F.sum(value.isNull().cast("long")).alias(f"m{i}")]
        if isinstance(dtype, T.NumericType):
            aggregates += [
                F.sum((value != F.floor(value)).cast("long")).alias(f"f{i}"),
                (F.max(value) - F.min(value) + 1).cast("double").alias(f"s{i}"),
            ]
    row = real.agg(*aggregates).collect()[0]
    found = set()
    for i, name in enumerate(names):
        dtype = real.schema[name].dataType
        if isinstance(dtype, T.StringType):
            kind, span = "text", None
        elif isinstance(dtype, T.NumericType):
            kind = "whole" if not row[f"f{i}"] else "number"
            span = row[f"s{i}"]
        else:
            kind, span = "other", None
        if identifier_rule(int(row["n"]), int(row[f"d{i}"]), int(row[f"m{i}"] or 0), kind, span):
            found.add(name)
    return found


def _dataframe_fingerprint(frame: DataFrame) -> str:
    """sha256 over the schema, the row count and an order-free checksum of the rows (one aggregation)."""
    row = frame.agg(
        F.count(F.lit(1)).alias("n"), F.sum(F.xxhash64(*[column(c) for c in frame.columns]).cast("decimal(38,0)"))
    ).collect()[0]
    digest = hashlib.sha256(frame.schema.json().encode())
    digest.update(f"{row[0]}:{row[1]}".encode())
    return digest.hexdigest()


def _is_floating(frame: DataFrame, name: str, real_type: T.DataType, as_read: bool) -> bool:
    """Whether a numeric audit column can hold an infinite value: a float column as read, or one
    that ``_conform`` casts to double (not dates)."""
    if isinstance(real_type, (T.DateType, T.TimestampType, T.TimestampNTZType)):
        return False
    dtype = frame.schema[name].dataType
    return isinstance(dtype, (T.FloatType, T.DoubleType)) or not (as_read or isinstance(dtype, T.NumericType))


def _as_text(values: Column, dtype: T.DataType) -> Column:
    """Values as text; integral floats print without '.0', as the pandas batch prints them."""
    if isinstance(dtype, (T.FloatType, T.DoubleType)):
        integral = values == F.floor(values)
        return F.when(integral, values.cast("long").cast("string")).otherwise(values.cast("string"))
    return values.cast("string")


def _conform(frame: DataFrame, name: str, kind: str, real_type: T.DataType) -> tuple[Column, Column | None, str]:
    """One non-real column in the real column's kind, and the condition of a value that did not fit."""
    dtype = frame.schema[name].dataType
    values = column(name)
    if kind == "categorical":
        return _as_text(values, dtype), None, ""
    if isinstance(real_type, (T.DateType, T.TimestampType, T.TimestampNTZType)):
        converted = values if isinstance(dtype, type(real_type)) else values.try_cast(T.TimestampType())
        expected = "dates or times"
    elif isinstance(dtype, T.NumericType):
        return values, None, ""
    else:
        converted = values.cast("string").try_cast(T.DoubleType())
        expected = "numbers"
    return converted, converted.isNull() & values.isNotNull(), expected


def build_spark_audit_batch(
    real: SparkTableInput | None,
    synthetic: SparkTableInput,
    holdout: SparkTableInput | None = None,
    *,
    source_column: str = SOURCE_COLUMN,
    spark: SparkSession | None = None,
    columns: tuple[str, ...] = (),
    ignore_columns: tuple[str, ...] = (),
    keep_columns: tuple[str, ...] = (),
    dialect: CsvDialect = FROM_FILE,
    min_rows: int = MIN_ROWS,
) -> AuditBatch:
    """Stack real, holdout and synthetic rows into the one Spark DataFrame the Spark checkpoint validates.

    Parameters
    ----------
    real, synthetic, holdout : Spark DataFrames, or local files read with ``spark``.
    source_column : name of the added column holding each row's source label.
    spark : the session that reads files (default: the active one).
    columns, ignore_columns, keep_columns, dialect, min_rows : as for ``build_audit_batch``.

    Returns
    -------
    ``AuditBatch`` whose ``frame`` is the stacked Spark DataFrame (cached: every audit metric
    reads it), with the same columns, kinds, counts, fingerprints and findings as the pandas batch.
    Raises ``InputError`` as ``build_audit_batch`` does.
    """
    sides = {"real": real, "synthetic": synthetic, "holdout": holdout}
    given = {role: value for role, value in sides.items() if value is not None}
    reference = reference_role(given)
    frames: dict[str, DataFrame] = {}
    inputs: dict[str, dict[str, Any]] = {}
    for role, value in given.items():
        if isinstance(value, DataFrame):
            frames[role], inputs[role] = value, {"source": "Spark DataFrame", "format": "spark"}
        else:
            session = spark or SparkSession.getActiveSession()
            if session is None:
                raise InputError("no active Spark session to read the input files with")
            frames[role], inputs[role] = read_spark_table(session, value, role, dialect)
        if not frames[role].columns:
            raise InputError(f"the {role} data has no columns")

    labels = {role: input_label(role, info["source"] if "sha256" in info else None) for role, info in inputs.items()}
    # One count per input: the size check, the report's row counts and sample sizes all read it.
    rows = {role: frame.count() for role, frame in frames.items()}
    small = size_findings(rows, labels, min_rows)
    left_holdout = (frames.pop("holdout"), inputs["holdout"]) if small else None

    columns_asked = columns
    real_columns = list(frames[reference].columns)
    columns = shared_columns({role: list(frame.columns) for role, frame in frames.items()}, source_column)
    findings: list[Finding] = small + [
        replaced_bytes_finding(role, info.pop("replaced_bytes"), dialect.encoding)
        for role, info in inputs.items()
        if info.get("replaced_bytes")
    ]
    if reference == "real":
        findings += alignment_findings(real_columns, set(frames["synthetic"].columns), ignore_columns)
    else:
        findings.append(Finding("data", "no_real_data", NO_REAL_DATA))
    # Named columns are audited as they are; otherwise only the columns the rule could leave out are counted.
    candidates = [] if columns_asked else [c for c in columns if c not in keep_columns and c not in ignore_columns]
    identifiers = _spark_identifiers(frames[reference], candidates)
    columns, left_out = choose_columns(
        columns, real_columns, identifiers.__contains__, columns_asked, ignore_columns, keep_columns, reference
    )
    findings.extend(left_out)
    if "holdout" in frames:
        check_holdout_columns(columns, list(frames["holdout"].columns))

    real_types = {name: frames[reference].schema[name].dataType for name in columns}
    kinds = {name: spark_column_kind(real_types[name]) for name in columns}
    parts = []
    for role in _ROLES:
        if role not in frames:
            continue
        frame = frames[role]
        # Each check: a condition counted over the side's rows, and the finding a non-zero count makes.
        checks: list[tuple[Column, Callable[[int, int], Finding]]] = []
        selected = []
        for name in columns:
            if role == reference:
                value = _as_text(column(name), real_types[name]) if kinds[name] == "categorical" else column(name)
            else:
                value, unfit, expected = _conform(frame, name, kinds[name], real_types[name])
                if unfit is not None:
                    checks.append((unfit, partial(unreadable_finding, name, role=role, expected=expected)))
            if kinds[name] == "numeric" and _is_floating(frame, name, real_types[name], role == reference):
                # As the pandas batch: an infinite value is audited as missing, and counted.
                infinite = F.abs(value.cast("double")) == F.lit(float("inf"))
                checks.append((infinite, partial(infinite_finding, name, role=role)))
                value = F.when(infinite, F.lit(None)).otherwise(value)
            selected.append(value.alias(name))
        part = frame.select(*selected, F.lit(_LABELS[role]).alias(source_column))
        if checks:
            counts = frame.agg(
                F.count(F.lit(1)),
                *[F.sum(condition.cast("long")).alias(f"u{i}") for i, (condition, _) in enumerate(checks)],
            ).collect()[0]
            for i, (_, finding) in enumerate(checks):
                if counts[i + 1]:
                    findings.append(finding(int(counts[i + 1]), int(counts[0])))
        parts.append(part)

    stacked = parts[0]
    for part in parts[1:]:
        stacked = stacked.unionByName(part)
    stacked = stacked.cache()

    sizes: dict[str, int | None] = {role: None for role in ("real", "synthetic", "holdout")}
    for role in frames:
        sizes[role] = rows[role]
        if sizes[role] == 0:
            raise InputError(f"the {role} data has no rows")
    for role, frame in frames.items():
        info = inputs[role]
        if "sha256" not in info:
            info["sha256"] = _dataframe_fingerprint(frame)
        info["rows"] = sizes[role]
        info.setdefault("columns", len(frame.columns))
    if left_holdout is not None:
        frame, info = left_holdout
        info.setdefault("sha256", _dataframe_fingerprint(frame))
        info.update(rows=rows["holdout"], columns=len(frame.columns))
    if reference == "real":
        findings.extend(_outside_real_support(stacked, source_column, columns, kinds, sizes["synthetic"] or 0))
    return AuditBatch(
        frame=stacked,
        columns=columns,
        kinds=kinds,
        sample_sizes=sizes,
        inputs={role: inputs[role] for role in ("real", "synthetic", "holdout") if role in inputs},
        findings=findings,
        source_column=source_column,
    )


def _outside_real_support(
    stacked: DataFrame, source_column: str, columns: list[str], kinds: dict[str, str], n_synthetic: int
) -> list[Finding]:
    """Counts of synthetic values outside the real range (numbers) or categories (text), as aggregates."""
    is_real = F.col(source_column) == REAL_LABEL
    is_synthetic = F.col(source_column) == SYNTHETIC_LABEL
    numeric = [name for name in columns if kinds[name] == "numeric"]
    findings = []
    if numeric:
        ranges = stacked.where(is_real).agg(
            *[F.min(column(n)).alias(f"lo{i}") for i, n in enumerate(numeric)],
            *[F.max(column(n)).alias(f"hi{i}") for i, n in enumerate(numeric)],
        )
        outside = (
            stacked.where(is_synthetic)
            .crossJoin(F.broadcast(ranges))
            .agg(
                *[
                    F.sum(((column(n) < F.col(f"lo{i}")) | (column(n) > F.col(f"hi{i}"))).cast("long")).alias(f"o{i}")
                    for i, n in enumerate(numeric)
                ]
            )
            .collect()[0]
        )
        for i, name in enumerate(numeric):
            if outside[i]:
                findings.append(support_finding(name, "numeric", int(outside[i]), n_synthetic))
    categorical = [name for name in columns if kinds[name] == "categorical"]
    if categorical:

        def values(rows: Column) -> DataFrame:
            entries = F.array(*[F.struct(F.lit(i).alias("c"), column(n).alias("v")) for i, n in enumerate(categorical)])
            exploded = stacked.where(rows).select(F.explode(entries).alias("e")).select("e.c", "e.v")
            return exploded.where(F.col("v").isNotNull())

        unknown = (
            values(is_synthetic)
            .join(values(is_real).distinct(), on=["c", "v"], how="left_anti")
            .groupBy("c")
            .count()
            .collect()
        )
        for row in sorted(unknown):
            findings.append(support_finding(categorical[row["c"]], "categorical", int(row["count"]), n_synthetic))
    return findings
