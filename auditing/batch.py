"""The audit batch (DESIGN §3): real, holdout and synthetic rows stacked in one frame.

Columns are aligned on the real data: audit columns are those of the real data that the
synthetic data has too; a column on one side only, or synthetic values that cannot be read as
the real column's type, become findings instead of being dropped or coerced silently.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import numpy as np
import pandas as pd

from auditing.errors import InputError, UnknownColumn
from auditing.io import LoadedTable, check_column_names, read_table
from expectations import HOLDOUT_LABEL, REAL_LABEL, SOURCE_COLUMN, SYNTHETIC_LABEL
from expectations.metrics.distributions import column_kind
from expectations.metrics.errors import names_list

#: A table as a DataFrame, a local file path, or a file already read (e.g. fetched by the API).
TableInput = Union[pd.DataFrame, str, Path, LoadedTable]


@dataclass(frozen=True)
class Finding:
    """Something a reviewer should know about the inputs or a result; aggregates only."""

    module: str
    kind: str
    message: str
    columns: tuple[str, ...] = ()
    count: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "kind": self.kind,
            "message": self.message,
            "columns": list(self.columns),
            "count": self.count,
        }


@dataclass
class AuditBatch:
    """The stacked frame GX validates (pandas, or Spark for the Spark engine), and what was learnt building it."""

    frame: Any
    columns: list[str]
    kinds: dict[str, str]
    sample_sizes: dict[str, int | None]
    inputs: dict[str, dict[str, Any]]
    findings: list[Finding] = field(default_factory=list)
    source_column: str = SOURCE_COLUMN


def alignment_findings(real_columns: list[str], synthetic_columns: set[str]) -> list[Finding]:
    """Findings for the columns only one of the real and synthetic data has (not audited)."""
    findings = []
    only_real = [c for c in real_columns if c not in synthetic_columns]
    only_syn = sorted(synthetic_columns - set(real_columns))
    if only_real:
        message = f"not in the synthetic data, so not audited: {names_list(only_real)}"
        findings.append(Finding("data", "column_only_in_real", message, tuple(only_real)))
    if only_syn:
        message = f"not in the real data, so not audited: {names_list(only_syn)}"
        findings.append(Finding("data", "column_only_in_synthetic", message, tuple(only_syn)))
    return findings


#: Below this many real rows a column unique per row is not taken for an identifier (small
#: samples of real measurements are often all distinct).
ID_MIN_ROWS = 50


#: A whole-number column unique per row is a row number when its values span at most this many
#: times the row count (a numbering, perhaps of a larger table the rows were drawn from).
ID_SPAN = 2


def is_identifier(real: pd.Series) -> bool:
    """A column with a different value in every real row that is text or a row number: a key, not a property.

    Such a column gives every row a value no other row has, so no synthetic row can equal a real
    one on it and the exact-copy check sees nothing. Numbers unique per row that are not a
    numbering (fractional, or whole but spread wider than ``ID_SPAN`` times the rows: an amount
    in cents, a weight) are measurements and stay in the audit.
    """
    n = len(real)
    if n < ID_MIN_ROWS or real.isna().any() or real.nunique() != n:
        return False
    if pd.api.types.is_bool_dtype(real.dtype) or pd.api.types.is_datetime64_any_dtype(real.dtype):
        return False
    if pd.api.types.is_numeric_dtype(real.dtype):
        values = real.astype("float64")
        return bool((values % 1 == 0).all() and values.max() - values.min() + 1 <= ID_SPAN * n)
    return True


def choose_columns(
    shared: list[str],
    real_frame: pd.DataFrame,
    columns: tuple[str, ...] = (),
    ignore_columns: tuple[str, ...] = (),
    keep_columns: tuple[str, ...] = (),
) -> tuple[list[str], list[Finding]]:
    """The audit columns, and findings for those left out: asked to, or identifiers.

    ``columns`` (if any) are the only ones audited; ``ignore_columns`` are left out;
    identifier columns (``is_identifier``) are left out unless named in ``keep_columns`` or
    ``columns``. Raises ``UnknownColumn`` for a name that is no real column, ``InputError``
    for a chosen column the synthetic data lacks or when no column is left.
    """
    real_names = [str(c) for c in real_frame.columns]
    for option, names in (("columns", columns), ("ignore_columns", ignore_columns), ("keep_columns", keep_columns)):
        unknown = [name for name in names if name not in real_names]
        if unknown:
            raise UnknownColumn(f"{option} names {names_list(unknown)}, not a column of the real data")
    missing = [name for name in columns if name not in shared]
    if missing:
        raise InputError(f"columns names {names_list(missing)}, which the synthetic data does not have")
    chosen = [c for c in shared if c in columns] if columns else list(shared)
    findings = []
    ignored = [c for c in chosen if c in ignore_columns]
    if ignored:
        findings.append(Finding("data", "column_ignored", f"left out as asked: {names_list(ignored)}", tuple(ignored)))
    chosen = [c for c in chosen if c not in ignore_columns]
    keys = [c for c in chosen if c not in keep_columns and c not in columns and is_identifier(real_frame[c])]
    if keys:
        message = (
            "a different value in every real row (an identifier, which would hide copied rows from the "
            f"exact-copy check), so left out of every audit: {names_list(keys)}; "
            "keep_columns (--keep-columns) audits it"
        )
        findings.append(Finding("data", "identifier_column", message, tuple(keys)))
    chosen = [c for c in chosen if c not in keys]
    if not chosen:
        raise InputError("no column is left to audit once the left-out columns are removed")
    return chosen, findings


def _frame_fingerprint(frame: pd.DataFrame) -> str:
    """sha256 over the column names and pandas' per-row hashes of an in-memory frame."""
    digest = hashlib.sha256("\x1f".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _load(value: TableInput, role: str) -> LoadedTable:
    if isinstance(value, LoadedTable):
        return value
    if isinstance(value, pd.DataFrame):
        if value.shape[1] == 0:
            raise InputError(f"the {role} DataFrame has no columns")
        if len(value) == 0:
            raise InputError(f"the {role} DataFrame has no rows")
        check_column_names(list(value.columns), f"the {role} DataFrame")
        return LoadedTable(value, _frame_fingerprint(value), "dataframe", "DataFrame")
    return read_table(value, role)


def _as_text(values: pd.Series) -> pd.Series:
    """Values as strings for a categorical column; integral floats print without '.0'."""
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return values.astype(object)
    if pd.api.types.is_float_dtype(values.dtype):
        as_int = values.dropna()
        if (as_int == np.round(as_int)).all():
            values = values.astype("Int64")
    text = values.astype(object).where(values.notna(), None)
    return text.map(lambda v: v if v is None or isinstance(v, str) else str(v))


def _conform(values: pd.Series, kind: str, real: pd.Series, role: str, name: str) -> tuple[pd.Series, Finding | None]:
    """Cast one non-real column to the real column's kind; a finding counts what did not fit."""
    if kind == "categorical":
        return _as_text(values), None
    if pd.api.types.is_datetime64_any_dtype(real.dtype):
        converted = pd.to_datetime(values, errors="coerce")
        expected = "dates or times"
    elif pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        return values, None
    else:
        converted = pd.to_numeric(values, errors="coerce")
        expected = "numbers"
    unreadable = int((converted.isna() & values.notna()).sum())
    if unreadable == 0:
        return converted, None
    return converted, unreadable_finding(name, unreadable, len(values), role, expected)


def unreadable_finding(name: str, unreadable: int, total: int, role: str, expected: str) -> Finding:
    """``unreadable`` of ``total`` values of a non-real column could not be read as the real column's kind."""
    return Finding(
        module="data",
        kind="type_mismatch",
        message=(
            f"column '{name}': {unreadable:,} of {total:,} {role} values are not {expected} like the real "
            "column's; they are audited as missing values"
        ),
        columns=(name,),
        count=unreadable,
    )


def _outside_real_support(name: str, kind: str, real: pd.Series, synthetic: pd.Series) -> list[Finding]:
    """A finding when synthetic values fall outside what the real column holds.

    Numbers below the real minimum or above the real maximum; categories the real column never
    has. Counted, never quoted: the values themselves stay out of the report.
    """
    present = synthetic.dropna()
    if kind == "numeric":
        low, high = real.min(), real.max()
        outside = int(((present < low) | (present > high)).sum())
    else:
        outside = int((~present.isin(set(real.dropna()))).sum())
    return [support_finding(name, kind, outside, len(synthetic))] if outside else []


def support_finding(name: str, kind: str, outside: int, n_synthetic: int) -> Finding:
    """``outside`` synthetic values of a column fall outside the real range (numeric) or categories."""
    if kind == "numeric":
        what, finding_kind = "lie outside the real column's range", "outside_real_range"
    else:
        what, finding_kind = "are categories the real column does not have", "category_not_in_real"
    message = f"column '{name}': {outside:,} of {n_synthetic:,} synthetic values {what}"
    return Finding("data", finding_kind, message, (name,), outside)


def build_audit_batch(
    real: TableInput,
    synthetic: TableInput,
    holdout: TableInput | None = None,
    *,
    source_column: str = SOURCE_COLUMN,
    columns: tuple[str, ...] = (),
    ignore_columns: tuple[str, ...] = (),
    keep_columns: tuple[str, ...] = (),
) -> AuditBatch:
    """Stack real, holdout and synthetic rows into the one frame the checkpoint validates.

    Parameters
    ----------
    real, synthetic, holdout : DataFrames or paths of local CSV / Parquet files.
    source_column : name of the added column holding each row's source label
        (``real``, ``holdout``, ``synthetic``); it must not already be an input column.
    columns, ignore_columns, keep_columns : which shared columns are audited (``choose_columns``;
        by default all but identifiers).

    Returns
    -------
    ``AuditBatch`` with the stacked frame (audit columns + source column), the audit columns
    and their kinds, row counts, input fingerprints and the alignment findings.

    Raises ``InputError`` for unreadable or empty inputs, inputs that share no column, a
    holdout lacking audit columns, or an input that already has the source column.
    """
    tables = {"real": _load(real, "real"), "synthetic": _load(synthetic, "synthetic")}
    if holdout is not None:
        tables["holdout"] = _load(holdout, "holdout")
    for role, table in tables.items():
        if source_column in table.frame.columns:
            raise InputError(f"the {role} data already has a column '{source_column}', the audit's source column")

    columns_asked = columns
    real_frame, syn_frame = tables["real"].frame, tables["synthetic"].frame
    real_columns = [str(c) for c in real_frame.columns]
    syn_columns = {str(c) for c in syn_frame.columns}
    columns = [c for c in real_columns if c in syn_columns]
    if not columns:
        raise InputError(
            f"the real and synthetic data share no column (real: {names_list(real_columns)}; "
            f"synthetic: {names_list(sorted(syn_columns))})"
        )
    findings = alignment_findings(real_columns, syn_columns)
    columns, left_out = choose_columns(columns, real_frame, columns_asked, ignore_columns, keep_columns)
    findings.extend(left_out)
    if "holdout" in tables:
        lacking = [c for c in columns if c not in tables["holdout"].frame.columns]
        if lacking:
            raise InputError(
                f"the holdout data lacks audit column(s) {names_list(lacking)} that real and synthetic share"
            )

    kinds = {name: column_kind(real_frame[name]) for name in columns}
    labels = {"real": REAL_LABEL, "holdout": HOLDOUT_LABEL, "synthetic": SYNTHETIC_LABEL}
    parts, real_columns_conformed = [], {}
    for role in ("real", "holdout", "synthetic"):
        if role not in tables:
            continue
        frame = tables[role].frame
        conformed = {}
        for name in columns:
            if role == "real":
                conformed[name] = _as_text(frame[name]) if kinds[name] == "categorical" else frame[name]
                real_columns_conformed[name] = conformed[name]
                continue
            conformed[name], finding = _conform(frame[name], kinds[name], real_frame[name], role, name)
            if finding is not None:
                findings.append(finding)
            if role == "synthetic":
                findings.extend(_outside_real_support(name, kinds[name], real_columns_conformed[name], conformed[name]))
        part = pd.DataFrame(conformed)
        part[source_column] = labels[role]
        parts.append(part)
    stacked = pd.concat(parts, ignore_index=True)
    for name in columns:
        # One dictionary of values for all sides: the metrics read codes instead of hashing strings.
        if kinds[name] == "categorical":
            stacked[name] = stacked[name].astype("category")
    return AuditBatch(
        frame=stacked,
        columns=columns,
        kinds=kinds,
        sample_sizes={
            role: len(tables[role].frame) if role in tables else None for role in ("real", "synthetic", "holdout")
        },
        inputs={
            role: {
                "source": t.source,
                "format": t.file_format,
                "sha256": t.sha256,
                "rows": len(t.frame),
                "columns": int(t.frame.shape[1]),
            }
            for role, t in tables.items()
        },
        findings=findings,
        source_column=source_column,
    )
