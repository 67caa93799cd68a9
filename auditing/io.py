"""Reading local CSV (optionally gzip) and Parquet files, detected from their content."""

from __future__ import annotations

import gzip
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from auditing.errors import InputTooLarge, UnreadableInput

PARQUET_MAGIC = b"PAR1"
GZIP_MAGIC = b"\x1f\x8b"
#: Formats people send by mistake, recognised so the answer can say so instead of parsing bytes.
OTHER_MAGIC = {b"PK\x03\x04": "a ZIP archive (an Excel workbook?)", b"\x89PNG": "a PNG image", b"%PDF": "a PDF"}
# pyarrow appends the offending row's text after this; we keep only the counts.
_FIELD_COUNT = re.compile(r"Expected (\d+) columns?, got (\d+)")


@dataclass(frozen=True)
class LoadedTable:
    """A table read from a file, with what the report says about it."""

    frame: pd.DataFrame
    sha256: str
    file_format: str
    source: str


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _read_csv(path: Path, compressed: bool) -> pa.Table:
    options = pa_csv.ConvertOptions(strings_can_be_null=True)
    if compressed:
        with gzip.open(path, "rb") as handle:
            return pa_csv.read_csv(handle, convert_options=options)
    return pa_csv.read_csv(path, convert_options=options)


def sniff_format(file: Path, label: str) -> bytes:
    """The first 4 bytes of a CSV, gzip or Parquet file; ``UnreadableInput`` naming ``label`` for anything else.

    Refused: a missing, non-regular or empty file, formats people send by mistake (ZIP, PNG,
    PDF), and binary data that is not gzip or Parquet.
    """
    if not file.exists():
        raise UnreadableInput(f"{label} does not exist")
    if not file.is_file():
        raise UnreadableInput(f"{label} is not a file")
    if file.stat().st_size == 0:
        raise UnreadableInput(f"{label} is empty (0 bytes)")
    with file.open("rb") as handle:
        head = handle.read(4)
        handle.seek(0)
        start = handle.read(4096)
    other = next((what for magic, what in OTHER_MAGIC.items() if head.startswith(magic)), None)
    if other or (head != PARQUET_MAGIC and head[:2] != GZIP_MAGIC and b"\x00" in start):
        raise UnreadableInput(f"{label} is {other or 'binary data'}, not CSV or Parquet")
    return head


def read_table(
    path: str | Path,
    role: str,
    *,
    display: str | None = None,
    max_rows: int | None = None,
    max_columns: int | None = None,
) -> LoadedTable:
    """Read the ``role`` input (``real``, ``synthetic``, ``holdout``) from a local file.

    Parquet is recognised by its magic bytes, gzip by its header, anything else is read as CSV
    (empty fields are missing values). ``display`` names the input in messages and the report
    (default: the path). Raises ``UnreadableInput`` naming the file for a missing, empty or
    unreadable file, without quoting its content, and ``InputTooLarge`` above ``max_rows`` or
    ``max_columns`` (a Parquet file's are checked from its footer before reading).
    """
    file = Path(path)
    label = f"{role} data file '{display or path}'"
    head = sniff_format(file, label)
    try:
        if head == PARQUET_MAGIC:
            footer = pq.read_metadata(file)
            _check_caps(label, footer.num_rows, footer.num_columns, max_rows, max_columns)
            table, file_format = pq.read_table(file), "parquet"
        else:
            compressed = head[:2] == GZIP_MAGIC
            table, file_format = _read_csv(file, compressed), "csv.gz" if compressed else "csv"
    except (pa.ArrowException, OSError, EOFError, gzip.BadGzipFile) as error:
        counts = _FIELD_COUNT.search(str(error))
        detail = (
            f"a row has {counts.group(2)} fields where the header has {counts.group(1)}"
            if counts
            else "it is not valid CSV or Parquet"
        )
        raise UnreadableInput(f"{label} could not be read: {detail}") from None
    if table.num_columns == 0:
        raise UnreadableInput(f"{label} has no columns")
    if table.num_rows == 0:
        raise UnreadableInput(f"{label} has a header but no rows")
    _check_caps(label, table.num_rows, table.num_columns, max_rows, max_columns)
    return LoadedTable(table.to_pandas(), sha256_file(file), file_format, display or file.name)


def _check_caps(label: str, rows: int, columns: int, max_rows: int | None, max_columns: int | None) -> None:
    if max_columns is not None and columns > max_columns:
        raise InputTooLarge(f"{label} has {columns:,} columns, above the cap of {max_columns:,} columns", "columns")
    if max_rows is not None and rows > max_rows:
        raise InputTooLarge(f"{label} has {rows:,} rows, above the cap of {max_rows:,} rows", "rows")
