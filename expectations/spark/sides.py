"""Splitting a Spark audit batch into its real, holdout and synthetic rows (DESIGN §3)."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from expectations.metrics.sources import resolve_audit_columns


def split_spark_sources(
    batch: DataFrame,
    source_column: str,
    labels: dict[str, str | None],
    columns: Sequence[str] | None = None,
) -> tuple[dict[str, DataFrame], list[str]]:
    """The Spark twin of ``expectations.metrics.sources.split_sources``: one filtered frame per side.

    Which labels occur is read with one aggregation over the source column (no rows reach the
    driver). Raises ``AuditDataError`` naming the missing column, as the pandas split does.
    """
    audit_columns = resolve_audit_columns(batch.columns, source_column, columns)
    wanted = [label for label in labels.values() if label is not None]
    present = {
        row[0] for row in batch.where(F.col(source_column).isin(wanted)).groupBy(source_column).count().collect()
    }
    frames = {
        side: batch.where(F.col(source_column) == F.lit(label)).select(*audit_columns)
        for side, label in labels.items()
        if label is not None and label in present
    }
    return frames, audit_columns
