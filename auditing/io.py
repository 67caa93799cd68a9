"""Reading local CSV (optionally gzip) and Parquet files, detected from their content."""

from __future__ import annotations

import codecs
import gzip
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from auditing.errors import InputError, InputTooLarge, UnreadableInput

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
    #: Bytes the file's given encoding could not decode, read as U+FFFD (``CsvDialect``).
    replaced_bytes: int = 0


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


#: Separators other than the comma, recognised from the header line, by the name the report gives.
SEPARATORS = {";": "semicolon", "\t": "tab", "|": "pipe"}
#: Tried in order when a file is not valid UTF-8: Windows' Western encoding, then Latin-1 (which
#: decodes any byte, so the last resort).
FALLBACK_ENCODINGS = ("cp1252", "latin-1")
_CHUNK = 1 << 22


@dataclass(frozen=True)
class CsvDialect:
    """How CSV files are read: each field ``None`` is found from the file itself.

    ``separator``: one character (default: the comma, or the semicolon, tab or pipe that the
    header line holds instead). ``encoding``: a Python codec name (default: UTF-8, or the first
    of ``FALLBACK_ENCODINGS`` that decodes the file); bytes the given encoding cannot decode are
    read as U+FFFD and counted (``LoadedTable.replaced_bytes``).
    """

    separator: str | None = None
    encoding: str | None = None

    def __post_init__(self) -> None:
        if self.separator is not None and (len(self.separator) != 1 or self.separator in '"\r\n'):
            raise InputError(
                f"the separator must be one character other than a quote or a line break, got {self.separator!r}"
            )
        if self.encoding is not None:
            try:
                object.__setattr__(self, "encoding", codecs.lookup(self.encoding).name)
            except LookupError:
                raise InputError(f"unknown text encoding '{self.encoding}' (e.g. utf-8, cp1252, latin-1)") from None


#: Separator and encoding both found from each file.
FROM_FILE = CsvDialect()


@dataclass(frozen=True)
class CsvLayout:
    """What ``csv_layout`` found: the separator, the encoding, the bytes it could not decode."""

    separator: str
    encoding: str
    replaced_bytes: int = 0

    def describe(self, file_format: str) -> str:
        """The format as the report names it: ``csv (semicolon-separated, cp1252, not UTF-8)``."""
        notes = [f"{SEPARATORS[self.separator]}-separated"] if self.separator in SEPARATORS else []
        notes += [] if self.separator in (",", *SEPARATORS) else [f"separated by {self.separator!r}"]
        notes += [] if self.encoding == "utf-8" else [f"{self.encoding}, not UTF-8"]
        return f"{file_format} ({', '.join(notes)})" if notes else file_format


def _open(path: Path, compressed: bool):
    return gzip.open(path, "rb") if compressed else path.open("rb")


def _header_line(path: Path, compressed: bool) -> bytes:
    with _open(path, compressed) as handle:
        return handle.readline(1 << 20)


def _separator(header: bytes) -> str:
    """The field separator: the comma, unless the header has none and another separator instead."""
    if b"," in header:
        return ","
    counts = {sep: header.count(sep.encode()) for sep in SEPARATORS}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _undecodable_bytes(path: Path, compressed: bool, encoding: str) -> int:
    """How many bytes of the file ``encoding`` cannot decode (0: it decodes all of it), read in chunks."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    bad = 0
    with _open(path, compressed) as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            while chunk:
                try:
                    decoder.decode(chunk)
                    chunk = b""
                except UnicodeDecodeError as error:
                    # Skip the bytes it names and go on from there; the decoder's state was reset.
                    bad += error.end - error.start
                    chunk = error.object[error.end :]
                    decoder.reset()
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError as error:
            bad += error.end - error.start
    return bad


def csv_layout(path: Path, compressed: bool, dialect: CsvDialect = FROM_FILE) -> CsvLayout:
    """The separator and encoding a CSV file is read with: those given, else found in the file.

    Encodings are found by decoding the whole file (UTF-8, then ``FALLBACK_ENCODINGS``), so a
    file is never read as bytes or with replaced characters unless its given encoding says so.
    """
    separator = dialect.separator or _separator(_header_line(path, compressed))
    if dialect.encoding is not None:
        return CsvLayout(separator, dialect.encoding, _undecodable_bytes(path, compressed, dialect.encoding))
    for encoding in ("utf-8", *FALLBACK_ENCODINGS):
        if encoding == FALLBACK_ENCODINGS[-1] or _undecodable_bytes(path, compressed, encoding) == 0:
            return CsvLayout(separator, encoding)
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _read_csv(path: Path, compressed: bool, dialect: CsvDialect) -> tuple[pa.Table, str, int]:
    """The CSV as a table, its format as the report names it, and the bytes read as U+FFFD."""
    layout = csv_layout(path, compressed, dialect)
    if layout.replaced_bytes:
        # pyarrow decodes strictly; undecodable bytes become U+FFFD here instead, and are counted.
        with _open(path, compressed) as handle:
            source: Any = io.BytesIO(handle.read().decode(layout.encoding, errors="replace").encode("utf-8"))
        encoding = "utf8"
    else:
        source, encoding = (gzip.open(path, "rb") if compressed else path), layout.encoding
    table = pa_csv.read_csv(
        source,
        read_options=pa_csv.ReadOptions(encoding=encoding),
        parse_options=pa_csv.ParseOptions(delimiter=layout.separator),
        convert_options=pa_csv.ConvertOptions(strings_can_be_null=True),
    )
    file_format = "csv.gz" if compressed else "csv"
    return table, layout.describe(file_format), layout.replaced_bytes


def check_column_names(names: list[str], label: str) -> None:
    """Refuse empty or repeated column names, naming them (a table cannot be audited column by column)."""
    blank = [i + 1 for i, name in enumerate(names) if not str(name).strip()]
    if blank:
        raise UnreadableInput(f"{label} has columns without a name (column {', '.join(map(str, blank))})")
    seen: dict[str, int] = {}
    for name in map(str, names):
        seen[name] = seen.get(name, 0) + 1
    repeated = [name for name, count in seen.items() if count > 1]
    if repeated:
        shown = ", ".join(f"'{name}' ({seen[name]} times)" for name in repeated)
        raise UnreadableInput(f"{label} has repeated column names: {shown}; each column needs a name of its own")


def file_label(role: str, name: str | Path) -> str:
    """How messages name an input file: ``real data file 'train.csv'``."""
    return f"{role} data file '{name}'"


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
    dialect: CsvDialect = FROM_FILE,
) -> LoadedTable:
    """Read the ``role`` input (``real``, ``synthetic``, ``holdout``) from a local file.

    Parquet is recognised by its magic bytes, gzip by its header, anything else is read as CSV
    (empty fields are missing values) with ``dialect``'s separator and encoding, each found from
    the file when not given (``csv_layout``). ``display`` names the input in messages and the report
    (default: the path). Raises ``UnreadableInput`` naming the file for a missing, empty or
    unreadable file, without quoting its content, and ``InputTooLarge`` above ``max_rows`` or
    ``max_columns`` (a Parquet file's are checked from its footer before reading).
    """
    file = Path(path)
    label = file_label(role, display or path)
    head = sniff_format(file, label)
    try:
        if head == PARQUET_MAGIC:
            footer = pq.read_metadata(file)
            _check_caps(label, footer.num_rows, footer.num_columns, max_rows, max_columns)
            table, file_format, replaced = pq.read_table(file), "parquet", 0
        else:
            table, file_format, replaced = _read_csv(file, head[:2] == GZIP_MAGIC, dialect)
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
    check_column_names(table.column_names, label)
    if table.num_rows == 0:
        raise UnreadableInput(f"{label} has a header but no rows")
    _check_caps(label, table.num_rows, table.num_columns, max_rows, max_columns)
    # Dates as datetime64, not Python date objects (which would read as categories).
    frame = table.to_pandas(date_as_object=False)
    return LoadedTable(frame, sha256_file(file), file_format, display or file.name, replaced)


def _check_caps(label: str, rows: int, columns: int, max_rows: int | None, max_columns: int | None) -> None:
    if max_columns is not None and columns > max_columns:
        raise InputTooLarge(f"{label} has {columns:,} columns, above the cap of {max_columns:,} columns", "columns")
    if max_rows is not None and rows > max_rows:
        raise InputTooLarge(f"{label} has {rows:,} rows, above the cap of {max_rows:,} rows", "rows")
