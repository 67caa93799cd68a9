"""The audit batch (DESIGN §3): real, holdout and synthetic rows stacked in one frame.

Columns are aligned on the real data: audit columns are those of the real data that the
synthetic data has too; a column on one side only, or synthetic values that cannot be read as
the real column's type, become findings instead of being dropped or coerced silently.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

import numpy as np
import pandas as pd

from auditing.errors import InputError, UnknownColumn
from auditing.io import FROM_FILE, CsvDialect, LoadedTable, check_column_names, file_label, read_table
from auditing.roles import HOLDOUT_NEEDS_REAL
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
    #: ``critical``: the finding fails the gate by itself (``auditing.gate``); None: it informs.
    severity: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "module": self.module,
            "kind": self.kind,
            "message": self.message,
            "columns": list(self.columns),
            "count": self.count,
            **({"severity": self.severity} if self.severity else {}),
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


#: The finding kind of real columns the synthetic data lacks: critical, since a generator that
#: drops a column has not reproduced the data (unless the column is left out on purpose).
MISSING_COLUMN = "column_only_in_real"


def alignment_findings(
    real_columns: list[str], synthetic_columns: set[str], ignore_columns: tuple[str, ...] = ()
) -> list[Finding]:
    """Findings for the columns only one of the real and synthetic data has (not audited).

    A real column the synthetic data lacks is a critical fidelity finding unless
    ``ignore_columns`` names it; a column only the synthetic data has is a note.
    """
    findings = []
    only_real = [c for c in real_columns if c not in synthetic_columns and c not in ignore_columns]
    only_syn = sorted(synthetic_columns - set(real_columns))
    if only_real:
        message = (
            f"the synthetic data lacks real column(s) {names_list(only_real)}, so it does not reproduce the "
            "real data (ignore_columns / --ignore-columns leaves a column out on purpose)"
        )
        findings.append(Finding("fidelity", MISSING_COLUMN, message, tuple(only_real), len(only_real), "critical"))
    if only_syn:
        message = f"not in the real data, so not audited: {names_list(only_syn)}"
        findings.append(Finding("data", "column_only_in_synthetic", message, tuple(only_syn)))
    return findings


#: Fewest rows an input may have. Every verdict compares the synthetic data with the real data's
#: own noise (bootstrap intervals, half-sample references, normal approximations), which is
#: degenerate on a handful of rows; 30 is the floor the fairness groups use too.
MIN_ROWS = 30


def size_findings(rows: dict[str, int], labels: dict[str, str], min_rows: int = MIN_ROWS) -> list[Finding]:
    """Refuse real or synthetic data below ``min_rows`` (``InputError`` naming the file); a smaller
    holdout is a finding, and the caller leaves it out so the checks that need one say they did not run.

    ``rows`` and ``labels`` map each role to its row count and how messages name it.
    """
    for role in ("real", "synthetic"):
        if role in rows and rows[role] < min_rows:
            raise InputError(
                f"{labels[role]} has {rows[role]:,} row(s); an audit needs at least {min_rows} real and "
                f"{min_rows} synthetic rows to judge anything against the real data's own noise"
            )
    if rows.get("holdout") is not None and rows["holdout"] < min_rows:
        message = (
            f"{labels['holdout']} has {rows['holdout']:,} row(s), fewer than the {min_rows} the checks that "
            "need a holdout need: it is left out and those checks are not run"
        )
        return [Finding("privacy", "holdout_too_small", message, (), rows["holdout"])]
    return []


#: The finding of an audit without real data (``reference_role``).
NO_REAL_DATA = (
    "no real data was given: the synthetic data is audited alone, so only the fairness audit runs "
    "(group rates and their parity); privacy and fidelity need the real data to compare with"
)


def reference_role(tables: dict[str, Any]) -> str:
    """The side whose columns and types the audit follows: the real data, or the synthetic data
    when it is audited alone (``InputError`` for a holdout without real data)."""
    if "real" in tables:
        return "real"
    if "holdout" in tables:
        raise InputError(HOLDOUT_NEEDS_REAL)
    return "synthetic"


def shared_columns(tables: dict[str, list[str]], source_column: str) -> list[str]:
    """The real columns the synthetic data has too, in the real data's order (without real data:
    the synthetic columns).

    ``tables`` maps each role to its column names. Raises ``InputError`` when an input already
    has the source column, or when real and synthetic share no column (with a hint when a side
    reads as one column whose name holds a separator: a file with another separator).
    """
    for role, names in tables.items():
        if source_column in names:
            raise InputError(f"the {role} data already has a column '{source_column}', the audit's source column")
    hint = _separator_hint(tables)
    if hint and all(len(names) == 1 for names in tables.values()):
        raise InputError(f"no input has more than one column{hint}")
    if "real" not in tables:
        return list(tables["synthetic"])
    real_columns, syn_columns = tables["real"], set(tables["synthetic"])
    shared = [c for c in real_columns if c in syn_columns]
    if shared:
        return shared
    raise InputError(
        f"the real and synthetic data share no column (real: {names_list(real_columns)}; "
        f"synthetic: {names_list(sorted(syn_columns))}){hint}"
    )


def _separator_hint(tables: dict[str, list[str]]) -> str:
    """A hint to give the separator when a side reads as one column whose name holds one ("" if none)."""
    for role, names in tables.items():
        separator = next((sep for sep in (",", ";", "\t", "|") if len(names) == 1 and sep in names[0]), None)
        if separator is not None:
            return (
                f"; the {role} data reads as one column whose name holds {separator!r}: if that file's fields "
                f"are separated by {separator!r}, give the separator (--sep, or csv_separator in a request)"
            )
    return ""


#: Below this many real rows a column unique per row is not taken for an identifier (small
#: samples of real measurements are often all distinct).
ID_MIN_ROWS = 50


#: A whole-number column unique per row is a row number when its values span at most this many
#: times the row count (a numbering, perhaps of a larger table the rows were drawn from).
ID_SPAN = 2


def identifier_rule(rows: int, distinct: int, missing: int, kind: str, span: float | None) -> bool:
    """Whether a real column with these counts is an identifier (a key, not a property).

    ``kind``: ``text``, ``whole`` (whole numbers), ``number`` (other numbers) or ``other``
    (booleans, dates); ``span``: max - min + 1 of a whole-number column. An identifier has a
    different value in every one of at least ``ID_MIN_ROWS`` rows, none missing, and is text or a
    numbering (whole numbers spanning at most ``ID_SPAN`` times the rows). Numbers unique per row
    that are not a numbering (fractional, or spread wider: an amount in cents, a weight) are
    measurements and stay in the audit.
    """
    if rows < ID_MIN_ROWS or missing or distinct != rows:
        return False
    if kind == "whole":
        return span is not None and span <= ID_SPAN * rows
    return kind == "text"


def is_identifier(real: pd.Series) -> bool:
    """``identifier_rule`` for a pandas column of the real data.

    Such a column gives every row a value no other row has, so no synthetic row can equal a real
    one on it and the exact-copy check sees nothing.
    """
    missing = int(real.isna().sum())
    if len(real) < ID_MIN_ROWS or missing:
        return False
    dtype, span = real.dtype, None
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        kind = "other"
    elif pd.api.types.is_numeric_dtype(dtype):
        values = real.astype("float64")
        kind = "whole" if bool((values % 1 == 0).all()) else "number"
        span = float(values.max() - values.min() + 1) if kind == "whole" else None
    else:
        kind = "text"
    return identifier_rule(len(real), int(real.nunique()), missing, kind, span)


def choose_columns(
    shared: list[str],
    real_names: list[str],
    identifier: Callable[[str], bool],
    columns: tuple[str, ...] = (),
    ignore_columns: tuple[str, ...] = (),
    keep_columns: tuple[str, ...] = (),
    reference: str = "real",
) -> tuple[list[str], list[Finding]]:
    """The audit columns, and findings for those left out: asked to, or identifiers.

    ``columns`` (if any) are the only ones audited; ``ignore_columns`` are left out; columns
    for which ``identifier(name)`` holds are left out unless named in ``keep_columns`` or
    ``columns``. ``reference``: the side whose columns they are (``reference_role``). Raises
    ``UnknownColumn`` for a name that is not one of its columns, ``InputError`` for a chosen
    column the synthetic data lacks or when no column is left.
    """
    for option, names in (("columns", columns), ("ignore_columns", ignore_columns), ("keep_columns", keep_columns)):
        unknown = [name for name in names if name not in real_names]
        if unknown:
            raise UnknownColumn(f"{option} names {names_list(unknown)}, not a column of the {reference} data")
    missing = [name for name in columns if name not in shared]
    if missing:
        raise InputError(f"columns names {names_list(missing)}, which the synthetic data does not have")
    chosen = [c for c in shared if c in columns] if columns else list(shared)
    findings = []
    ignored = [c for c in chosen if c in ignore_columns]
    if ignored:
        findings.append(Finding("data", "column_ignored", f"left out as asked: {names_list(ignored)}", tuple(ignored)))
    chosen = [c for c in chosen if c not in ignore_columns]
    keys = [c for c in chosen if c not in keep_columns and c not in columns and identifier(c)]
    if keys:
        message = (
            f"a different value in every {reference} row (an identifier, which would hide copied rows from the "
            f"exact-copy check), so left out of every audit: {names_list(keys)}; "
            "keep_columns (--keep-columns) audits it"
        )
        findings.append(Finding("data", "identifier_column", message, tuple(keys)))
    chosen = [c for c in chosen if c not in keys]
    if not chosen:
        raise InputError("no column is left to audit once the left-out columns are removed")
    return chosen, findings


def check_holdout_columns(columns: list[str], holdout_names: list[str]) -> None:
    """``InputError`` naming the audit columns the holdout lacks."""
    lacking = [c for c in columns if c not in holdout_names]
    if lacking:
        raise InputError(f"the holdout data lacks audit column(s) {names_list(lacking)} that real and synthetic share")


def _frame_fingerprint(frame: pd.DataFrame) -> str:
    """sha256 over the column names and pandas' per-row hashes of an in-memory frame."""
    digest = hashlib.sha256("\x1f".join(map(str, frame.columns)).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _load(value: TableInput, role: str, dialect: CsvDialect = FROM_FILE) -> LoadedTable:
    if isinstance(value, LoadedTable):
        return value
    if isinstance(value, pd.DataFrame):
        if value.shape[1] == 0:
            raise InputError(f"the {role} DataFrame has no columns")
        if len(value) == 0:
            raise InputError(f"the {role} DataFrame has no rows")
        check_column_names(list(value.columns), f"the {role} DataFrame")
        return LoadedTable(value, _frame_fingerprint(value), "dataframe", "DataFrame")
    return read_table(value, role, dialect=dialect)


def input_label(role: str, file_name: str | None) -> str:
    """How messages name an input: its file, or (``file_name`` None) the DataFrame."""
    return f"the {role} DataFrame" if file_name is None else file_label(role, file_name)


def _label(role: str, table: LoadedTable) -> str:
    return input_label(role, None if table.file_format == "dataframe" else table.source)


def replaced_bytes_finding(role: str, replaced: int, encoding: str | None) -> Finding:
    """``replaced`` bytes of the ``role`` file were not valid in its given encoding and were read as U+FFFD."""
    message = (
        f"the {role} data file has {replaced:,} byte(s) that are not valid {encoding or 'text'}; "
        "they were read as the replacement character '\ufffd' (the encoding option names another)"
    )
    return Finding("data", "undecodable_bytes", message, (), replaced)


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


#: Date and time layouts recognised in text columns (ISO 8601 is parsed when the file is read).
#: Month-first is tried before day-first; the report names the layout chosen.
DATE_FORMATS = (
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%d.%m.%Y",
    "%Y/%m/%d",
    "%d-%m-%Y",
    "%m-%d-%Y",
    "%m/%d/%Y %H:%M",
    "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d.%m.%Y %H:%M",
    "%d.%m.%Y %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
)
_DATE_LIKE = re.compile(r"^\s*\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2})?)?\s*$")
_DATE_PROBE = 200


def date_format(values: pd.Series) -> str | None:
    """The one ``DATE_FORMATS`` layout every non-missing text value of ``values`` is written in, or None."""
    if pd.api.types.infer_dtype(values, skipna=True) != "string":
        return None
    present = values.dropna()
    probe = present.iloc[:_DATE_PROBE]
    if probe.empty or not probe.map(lambda v: bool(_DATE_LIKE.match(v))).all():
        return None
    for layout in DATE_FORMATS:
        if pd.to_datetime(probe, format=layout, errors="coerce").notna().all():
            if pd.to_datetime(present, format=layout, errors="coerce").notna().all():
                return layout
    return None


def as_datetime(values: pd.Series, layout: str | None = None) -> pd.Series:
    """Dates and times as naive UTC ``datetime64[ns]``, one scale for every side: text in ``layout``
    or ISO 8601 (None: ISO 8601 or what pandas infers); unparseable: NaT."""
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        parsed = pd.to_datetime(values, format=layout, errors="coerce", utc=True)
        if layout is not None:  # values written the ISO way (another tool's export) are read too
            unread = parsed.isna() & values.notna()
            if unread.any():
                parsed[unread] = pd.to_datetime(values[unread], format="ISO8601", errors="coerce", utc=True)
        values = parsed
    if getattr(values.dt, "tz", None) is not None:
        values = values.dt.tz_convert("UTC").dt.tz_localize(None)
    return values.astype("datetime64[ns]")


def date_columns(frame: pd.DataFrame, columns: list[str]) -> tuple[dict[str, str | None], list[Finding]]:
    """The audit columns of the real ``frame`` that hold dates or times: name -> text layout (None:
    already dates), and a finding naming the text columns read as dates."""
    found: dict[str, str | None] = {}
    for name in columns:
        if pd.api.types.is_datetime64_any_dtype(frame[name].dtype):
            found[name] = None
        else:
            layout = date_format(frame[name])
            if layout is not None:
                found[name] = layout
    texts = {name: layout for name, layout in found.items() if layout}
    if not texts:
        return found, []
    shown = ", ".join(f"'{name}' ({layout})" for name, layout in texts.items())
    message = f"read as dates or times and audited on the real data's time scale: {shown}"
    return found, [Finding("data", "date_columns", message, tuple(texts))]


def _conform(
    values: pd.Series, kind: str, real: pd.Series, role: str, name: str, layout: str | None = None
) -> tuple[pd.Series, Finding | None]:
    """Cast one non-real column to the real column's kind (dates: in ``layout`` if text); a finding
    counts what did not fit."""
    if kind == "categorical":
        return _as_text(values), None
    if pd.api.types.is_datetime64_any_dtype(real.dtype):
        converted = as_datetime(values, layout)
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


def _finite(values: pd.Series) -> tuple[pd.Series, int]:
    """A numeric column with its infinite values made missing, and how many there were.

    No figure has a meaning for an infinite value (a bin edge, a distance, a correlation), and
    one would turn a whole column's figures into NaN.
    """
    if not pd.api.types.is_float_dtype(values.dtype):
        return values, 0
    infinite = np.isinf(values.to_numpy(dtype="float64", na_value=np.nan))
    count = int(infinite.sum())
    return (values.mask(infinite) if count else values), count


def infinite_finding(name: str, infinite: int, total: int, role: str) -> Finding:
    """``infinite`` of ``total`` values of a ``role`` column were infinite and are audited as missing."""
    message = (
        f"column '{name}': {infinite:,} of {total:,} {role} values are infinite; they are audited as missing values"
    )
    return Finding("data", "infinite_values", message, (name,), infinite)


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
    real: TableInput | None,
    synthetic: TableInput,
    holdout: TableInput | None = None,
    *,
    source_column: str = SOURCE_COLUMN,
    columns: tuple[str, ...] = (),
    ignore_columns: tuple[str, ...] = (),
    keep_columns: tuple[str, ...] = (),
    dialect: CsvDialect = FROM_FILE,
    min_rows: int = MIN_ROWS,
) -> AuditBatch:
    """Stack real, holdout and synthetic rows into the one frame the checkpoint validates.

    Parameters
    ----------
    real, synthetic, holdout : DataFrames or paths of local CSV / Parquet files; ``real`` None
        audits the synthetic data alone (its own columns and types; no holdout).
    source_column : name of the added column holding each row's source label
        (``real``, ``holdout``, ``synthetic``); it must not already be an input column.
    columns, ignore_columns, keep_columns : which shared columns are audited (``choose_columns``;
        by default all but identifiers).
    dialect : the separator and encoding of CSV files (default: found from each file).
    min_rows : fewest rows of real and of synthetic data (``InputError`` below); a smaller holdout
        is left out with a finding (``size_findings``).

    Returns
    -------
    ``AuditBatch`` with the stacked frame (audit columns + source column), the audit columns
    and their kinds, row counts, input fingerprints and the alignment findings.

    Raises ``InputError`` for unreadable or empty inputs, inputs that share no column, a
    holdout lacking audit columns, or an input that already has the source column.
    """
    sides = {"real": real, "synthetic": synthetic, "holdout": holdout}
    given = {role: value for role, value in sides.items() if value is not None}
    reference = reference_role(given)
    tables = {role: _load(value, role, dialect) for role, value in given.items()}
    columns_asked = columns
    reference_frame = tables[reference].frame
    real_columns = [str(c) for c in reference_frame.columns]
    columns = shared_columns({role: [str(c) for c in t.frame.columns] for role, t in tables.items()}, source_column)
    small = size_findings(
        {role: len(t.frame) for role, t in tables.items()},
        {role: _label(role, t) for role, t in tables.items()},
        min_rows,
    )
    left_holdout = tables.pop("holdout") if small else None
    findings = small + [
        replaced_bytes_finding(role, t.replaced_bytes, dialect.encoding)
        for role, t in tables.items()
        if t.replaced_bytes
    ]
    if reference == "real":
        findings += alignment_findings(
            real_columns, {str(c) for c in tables["synthetic"].frame.columns}, ignore_columns
        )
    else:
        findings.append(Finding("data", "no_real_data", NO_REAL_DATA))
    columns, left_out = choose_columns(
        columns,
        real_columns,
        lambda name: is_identifier(reference_frame[name]),
        columns_asked,
        ignore_columns,
        keep_columns,
        reference,
    )
    findings.extend(left_out)
    if "holdout" in tables:
        check_holdout_columns(columns, [str(c) for c in tables["holdout"].frame.columns])

    layouts, found = date_columns(reference_frame, columns)
    findings.extend(found)
    # The real columns as audited: dates on one scale, the rest as read.
    real_audited = {
        name: as_datetime(reference_frame[name], layouts[name]) if name in layouts else reference_frame[name]
        for name in columns
    }
    kinds = {name: column_kind(real_audited[name]) for name in columns}
    labels = {"real": REAL_LABEL, "holdout": HOLDOUT_LABEL, "synthetic": SYNTHETIC_LABEL}
    parts, real_columns_conformed = [], {}
    for role in ("real", "holdout", "synthetic"):
        if role not in tables:
            continue
        frame = tables[role].frame
        conformed = {}
        for name in columns:
            if role == reference:
                real = real_audited[name]
                conformed[name] = _as_text(real) if kinds[name] == "categorical" else real
            else:
                conformed[name], finding = _conform(
                    frame[name], kinds[name], real_audited[name], role, name, layouts.get(name)
                )
                if finding is not None:
                    findings.append(finding)
            conformed[name], infinite = _finite(conformed[name])
            if infinite:
                findings.append(infinite_finding(name, infinite, len(frame), role))
            if role == reference:
                real_columns_conformed[name] = conformed[name]
            elif role == "synthetic" and reference == "real":
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
            for role, t in {**tables, **({"holdout": left_holdout} if left_holdout else {})}.items()
        },
        findings=findings,
        source_column=source_column,
    )
