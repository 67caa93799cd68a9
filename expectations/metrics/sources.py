"""Splitting the audit batch (DESIGN §3) into its real, holdout and synthetic rows."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from expectations.metrics.errors import AuditDataError


def resolve_audit_columns(batch_columns: Sequence[str], source_column: str, columns: Sequence[str] | None) -> list[str]:
    """The audit columns of a batch (default: all but the source column), on any engine.

    Raises ``AuditDataError`` naming the source column or the audit columns the batch lacks.
    """
    if source_column not in batch_columns:
        raise AuditDataError(f"the audit batch has no source column '{source_column}'")
    audit_columns = [c for c in batch_columns if c != source_column] if columns is None else list(columns)
    missing = [c for c in audit_columns if c not in batch_columns]
    if missing:
        raise AuditDataError(f"audit column(s) not in the batch: {', '.join(map(str, missing))}")
    return audit_columns


def split_sources(
    batch: pd.DataFrame,
    source_column: str,
    labels: dict[str, str | None],
    columns: Sequence[str] | None = None,
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Split the stacked audit batch by its source column, in one pass over the rows.

    Parameters
    ----------
    batch : every audit row, stacked, with a source-label column.
    source_column : name of that column.
    labels : side name → label in the source column (e.g. ``{"real": "real", ...}``); a side
        whose label is ``None`` or absent from the batch is left out of the result.
    columns : audit columns; default every column except the source column.

    Returns
    -------
    (frames, columns): side name → its rows (audit columns only), and the audit columns.
    Raises ``AuditDataError`` naming the missing column when the source column or an audit column
    is not in the batch.
    """
    audit_columns = resolve_audit_columns(list(batch.columns), source_column, columns)
    positions = batch.groupby(source_column, sort=False, observed=True).indices
    frames = {
        side: batch.iloc[positions[label]][audit_columns].reset_index(drop=True)
        for side, label in labels.items()
        if label is not None and label in positions
    }
    return frames, audit_columns
