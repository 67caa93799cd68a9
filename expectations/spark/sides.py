"""Splitting a Spark audit batch into its real, holdout and synthetic rows (DESIGN §3)."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from expectations.metrics.errors import AuditDataError


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
    if source_column not in batch.columns:
        raise AuditDataError(f"the audit batch has no source column '{source_column}'")
    audit_columns = [c for c in batch.columns if c != source_column] if columns is None else list(columns)
    missing = [c for c in audit_columns if c not in batch.columns]
    if missing:
        raise AuditDataError(f"audit column(s) not in the batch: {', '.join(map(str, missing))}")
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
