"""Audit columns on Spark: their kind and their values as doubles.

The Spark twins of ``expectations.metrics.distributions.column_kind`` / ``as_float``, so both
engines read a column the same way.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from expectations.metrics.distributions import ColumnKind

#: Name of the column that holds each row's side in a stacked Spark frame.
SIDE = "_audit_side"
_NANOS_PER_DAY = 86_400 * 10**9


def column(name: str) -> Column:
    """The column named ``name``, quoted so a dot in the name is not read as a struct field."""
    return F.col("`" + name.replace("`", "``") + "`")


def spark_column_kind(dtype: T.DataType) -> ColumnKind:
    """``"numeric"`` for numbers, dates and timestamps; ``"categorical"`` for the rest (as ``column_kind``)."""
    if isinstance(dtype, (T.NumericType, T.DateType, T.TimestampType, T.TimestampNTZType)):
        return "numeric"
    return "categorical"


def as_double(frame: DataFrame, name: str) -> Column:
    """A numeric column as a double with null for missing (NaN too); dates and times as epoch nanoseconds."""
    dtype = frame.schema[name].dataType
    values = column(name)
    if isinstance(dtype, T.DateType):
        value = F.unix_date(values).cast("double") * float(_NANOS_PER_DAY)
    elif isinstance(dtype, (T.TimestampType, T.TimestampNTZType)):
        value = F.unix_micros(values.cast("timestamp")).cast("double") * 1000.0
    else:
        value = values.cast("double")
    return F.when(value.isNull() | F.isnan(value), F.lit(None).cast("double")).otherwise(value)
