"""A corpus of awkward input files, the mistakes real files carry, built from the simulated demo population.

Each ``Case`` writes its files (role -> file name and bytes) and says what a user must get back:
a verdict (exit 0 / 1, HTTP 200) with the findings it must hold, or an input error (exit 2,
HTTP 422) whose message holds the given words (file, column, problem). ``tests/test_awkward.py``
runs every case through the command line and the API.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from auditing.demo import demo_frames

ROWS, HOLDOUT_ROWS = 400, 200


def base_frames() -> dict[str, pd.DataFrame]:
    """Real, holdout, a good and a poor synthetic set of the demo population, small."""
    frames = demo_frames(seed=4)
    sizes = {"real": ROWS, "holdout": HOLDOUT_ROWS, "good": ROWS, "poor": ROWS}
    return {role: frames[role].head(n).reset_index(drop=True) for role, n in sizes.items()}


Files = dict[str, tuple[str, bytes]]


@dataclass(frozen=True)
class Case:
    name: str
    #: The frames (``base_frames``) -> role -> (file name, bytes).
    files: Callable[[dict[str, pd.DataFrame]], Files]
    #: Settings with the API request's keys (the command line gets the matching flags).
    settings: dict[str, Any] = field(default_factory=dict)
    #: True / False: the gate's verdict; None: any verdict; "error": an input error.
    expect: bool | str | None = None
    #: Words of the error message, or finding kinds the report must have.
    words: tuple[str, ...] = ()
    #: Finding kinds the report must not have.
    absent: tuple[str, ...] = ()
    #: More checks of the report.
    check: Callable[[dict[str, Any]], None] | None = None


def csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False).encode()


def _csv(name: str, frame: pd.DataFrame, **options: Any) -> tuple[str, bytes]:
    encoding = options.pop("encoding", "utf-8")
    return name, frame.to_csv(index=False, **options).encode(encoding)


def standard(real: pd.DataFrame, synthetic: pd.DataFrame, holdout: pd.DataFrame | None = None, **options: Any) -> Files:
    """real.csv, synthetic.csv (and holdout.csv), written with ``to_csv`` ``options``."""
    files = {"real": _csv("real.csv", real, **options), "synthetic": _csv("synthetic.csv", synthetic, **options)}
    if holdout is not None:
        files["holdout"] = _csv("holdout.csv", holdout, **options)
    return files


def _with_synthetic(f: dict[str, pd.DataFrame], name: str, body: bytes) -> Files:
    return {"real": _csv("real.csv", f["real"]), "synthetic": (name, body)}


def _accented(frame: pd.DataFrame) -> pd.DataFrame:
    regions = {"north": "Île-de-France", "south": "Provence-Côte", "east": "Grand Est", "capital": "Région"}
    return frame.assign(region=frame["region"].map(lambda r: regions.get(r, r)))


def _row_ids(frame: pd.DataFrame, start: int) -> pd.DataFrame:
    return frame.assign(row_id=[f"id-{start + i:06d}" for i in range(len(frame))])


def _leaky(f: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Half the synthetic rows are real training rows, under identifiers of their own."""
    copied = pd.concat([f["real"].head(ROWS // 2), f["good"].head(ROWS - ROWS // 2)], ignore_index=True)
    return _row_ids(copied, 900_000)


def _dates(frame: pd.DataFrame, seed: int, layout: str) -> pd.DataFrame:
    days = np.random.default_rng(seed).integers(0, 3_000, len(frame))
    stamps = pd.Timestamp("2015-01-01") + pd.to_timedelta(days, unit="D")
    return frame.assign(signup=stamps.strftime(layout))


def _from_row(frame: pd.DataFrame, name: str, rows: int, value: Any) -> pd.DataFrame:
    """``frame`` with ``value`` in column ``name`` of its first ``rows`` rows."""
    return frame.assign(**{name: frame[name].astype(object).where(frame.index >= rows, value)})


def _parquet(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _renamed(frame: pd.DataFrame, old: str, new: str) -> bytes:
    header, _, body = csv(frame).partition(b"\n")
    return header.replace(old.encode(), new.encode(), 1) + b"\n" + body


def _wide(seed: int, columns: int) -> pd.DataFrame:
    values = np.random.default_rng(seed).integers(0, 4, (ROWS, columns))
    return pd.DataFrame(values, columns=[f"c{i:03d}" for i in range(columns)])


def _protected(**extra: Any) -> dict[str, Any]:
    return {"protected_attributes": ["sex"], "target_column": "outcome", "positive_label": "yes", **extra}


def _inputs_format(role: str, words: str) -> Callable[[dict[str, Any]], None]:
    def check(report: dict[str, Any]) -> None:
        assert words in report["inputs"][role]["format"], report["inputs"][role]["format"]

    return check


def _columns_are(names: set[str]) -> Callable[[dict[str, Any]], None]:
    def check(report: dict[str, Any]) -> None:
        assert set(report["columns"]) == names, report["columns"]

    return check


def _column_kind(name: str, kind: str | None) -> Callable[[dict[str, Any]], None]:
    """The report audits column ``name`` as ``kind`` (None: leaves it out)."""

    def check(report: dict[str, Any]) -> None:
        assert report["columns"].get(name) == kind, report["columns"]

    return check


def _privacy_high(report: dict[str, Any]) -> None:
    assert report["detailed_findings"]["privacy"]["risk_level"] == "high", report["detailed_findings"]["privacy"]
    assert "row_id" not in report["columns"]


def _alone(report: dict[str, Any]) -> None:
    assert report["module_scores"]["privacy"] is None and report["module_scores"]["fidelity"] is None
    assert report["module_scores"]["fairness"] is not None


DEMO_COLUMNS = {"age", "sex", "region", "occupation", "earnings", "hours_per_week", "outcome"}

CASES: list[Case] = [
    # Column names
    Case(
        "repeated column names",
        lambda f: _with_synthetic(f, "synthetic.csv", _renamed(f["good"], "region", "age")),
        expect="error",
        words=("synthetic data file 'synthetic.csv'", "repeated column names: 'age'"),
    ),
    Case(
        "a blank column name",
        lambda f: _with_synthetic(f, "synthetic.csv", _renamed(f["good"], "region", "")),
        expect="error",
        words=("synthetic data file 'synthetic.csv'", "without a name"),
    ),
    Case(
        "a whitespace-only column name",
        lambda f: _with_synthetic(f, "synthetic.csv", _renamed(f["good"], "region", "   ")),
        expect="error",
        words=("synthetic data file 'synthetic.csv'", "without a name"),
    ),
    Case(
        "a column named like the audit's source column",
        lambda f: standard(f["real"], f["good"].assign(_audit_source="x")),
        expect="error",
        words=("synthetic data", "'_audit_source'"),
    ),
    Case(
        "a byte-order mark before the header",
        lambda f: _with_synthetic(f, "synthetic.csv", b"\xef\xbb\xbf" + csv(f["good"])),
        check=_columns_are(DEMO_COLUMNS),
        absent=("column_only_in_real", "column_only_in_synthetic"),
    ),
    # Encodings and separators
    Case(
        "Latin-1 text",
        lambda f: standard(_accented(f["real"]), _accented(f["good"]), encoding="latin-1"),
        absent=("category_not_in_real", "undecodable_bytes"),
        check=_inputs_format("synthetic", "cp1252"),
    ),
    Case(
        "Latin-1 text read as the UTF-8 it was said to be",
        lambda f: standard(_accented(f["real"]), _accented(f["good"]), encoding="latin-1"),
        settings={"csv_encoding": "utf-8"},
        words=("undecodable_bytes",),
    ),
    Case(
        "semicolon-separated",
        lambda f: standard(f["real"], f["good"], sep=";"),
        check=_inputs_format("real", "semicolon"),
        absent=("column_only_in_real",),
    ),
    Case(
        "tab-separated",
        lambda f: standard(f["real"], f["good"], sep="\t"),
        check=_inputs_format("synthetic", "tab"),
        absent=("column_only_in_real",),
    ),
    Case(
        "a semicolon file read with the comma given",
        lambda f: standard(f["real"], f["good"], sep=";"),
        settings={"csv_separator": ","},
        expect="error",
        words=("reads as one column whose name holds ';'", "give the separator"),
    ),
    Case(
        "Windows line ends, quoted separators and line breaks",
        lambda f: standard(
            f["real"].assign(occupation=f["real"]["occupation"] + ", senior\nnight shift"),
            f["good"].assign(occupation=f["good"]["occupation"] + ", senior\nnight shift"),
            lineterminator="\r\n",
        ),
        absent=("category_not_in_real",),
        check=_columns_are(DEMO_COLUMNS),
    ),
    Case(
        "NUL bytes in a CSV",
        lambda f: _with_synthetic(f, "synthetic.csv", csv(f["good"]).replace(b"clerical", b"cler\x00ical", 3)),
        expect="error",
        words=("synthetic data file 'synthetic.csv'", "binary"),
    ),
    # File formats
    Case("gzip-compressed CSV", lambda f: _with_synthetic(f, "synthetic.csv.gz", gzip.compress(csv(f["good"])))),
    Case(
        "Parquet named .csv",
        lambda f: _with_synthetic(f, "synthetic.csv", _parquet(f["good"])),
        check=_inputs_format("synthetic", "parquet"),
    ),
    Case(
        "an empty file",
        lambda f: _with_synthetic(f, "synthetic.csv", b""),
        expect="error",
        words=("synthetic data file 'synthetic.csv'", "is empty"),
    ),
    Case(
        "a header and no rows",
        lambda f: _with_synthetic(f, "synthetic.csv", b"age,sex\n"),
        expect="error",
        words=("synthetic data file 'synthetic.csv'", "no rows"),
    ),
    Case(
        "a ragged row",
        lambda f: _with_synthetic(f, "synthetic.csv", csv(f["good"]) + b"1,2,3,4,5,6,7,8,9\n"),
        expect="error",
        words=("synthetic data file 'synthetic.csv'", "fields"),
    ),
    Case(
        "a spreadsheet",
        lambda f: _with_synthetic(f, "synthetic.xlsx", b"PK\x03\x04" + bytes(300)),
        expect="error",
        words=("synthetic data file 'synthetic.xlsx'", "ZIP"),
    ),
    # Values
    Case(
        "infinite numbers",
        lambda f: standard(
            f["real"], f["good"].assign(earnings=f["good"]["earnings"].where(f["good"].index > 20, np.inf))
        ),
        words=("infinite_values",),
    ),
    Case(
        "text among numbers",
        lambda f: standard(
            f["real"], f["good"].assign(age=f["good"]["age"].astype(object).where(f["good"].index > 9, "unknown"))
        ),
        words=("type_mismatch",),
    ),
    Case(
        "a column missing in every synthetic row",
        lambda f: standard(f["real"], f["good"].assign(earnings=np.nan)),
        expect=False,
    ),
    Case("ISO dates", lambda f: standard(_dates(f["real"], 1, "%Y-%m-%d"), _dates(f["good"], 2, "%Y-%m-%d"))),
    Case(
        "day-first dates",
        lambda f: standard(_dates(f["real"], 1, "%d/%m/%Y"), _dates(f["good"], 2, "%d/%m/%Y")),
        words=("date_columns",),
        absent=("category_not_in_real",),
    ),
    Case(
        "booleans",
        lambda f: standard(
            f["real"].assign(member=f["real"].index % 3 == 0), f["good"].assign(member=f["good"].index % 3 == 1)
        ),
        check=_column_kind("member", "categorical"),
    ),
    Case(
        "very long text fields",
        lambda f: standard(
            f["real"], f["good"].assign(occupation=f["good"]["occupation"].where(f["good"].index > 4, "x" * 50_000))
        ),
        words=("category_not_in_real",),
    ),
    Case(
        "one column",
        lambda f: standard(f["real"][["age"]], f["good"][["age"]]),
        check=_columns_are({"age"}),
    ),
    Case("120 columns", lambda f: standard(_wide(1, 120), _wide(2, 120)), check=_column_kind("c119", "numeric")),
    # Columns that do not line up
    Case(
        "an identifier column",
        lambda f: standard(_row_ids(f["real"], 0), _row_ids(f["good"], 500_000), _row_ids(f["holdout"], 1_000)),
        words=("identifier_column",),
        check=_column_kind("row_id", None),
    ),
    Case(
        "rows copied from the real data under identifiers of their own",
        lambda f: standard(_row_ids(f["real"], 0), _leaky(f), _row_ids(f["holdout"], 1_000)),
        expect=False,
        words=("identifier_column",),
        check=_privacy_high,
    ),
    Case(
        "an identifier kept on purpose",
        lambda f: standard(_row_ids(f["real"], 0), _row_ids(f["good"], 500_000)),
        settings={"keep_columns": ["row_id"]},
        absent=("identifier_column",),
        check=_column_kind("row_id", "categorical"),
    ),
    Case(
        "a real column the synthetic data lacks",
        lambda f: standard(f["real"], f["good"].drop(columns="occupation"), f["holdout"]),
        expect=False,
        words=("column_only_in_real",),
    ),
    Case(
        "a real column the synthetic data lacks, left out on purpose",
        lambda f: standard(f["real"], f["good"].drop(columns="occupation"), f["holdout"]),
        settings={"ignore_columns": ["occupation"]},
        absent=("column_only_in_real",),
    ),
    Case(
        "a column only the synthetic data has",
        lambda f: standard(f["real"], f["good"].assign(extra=1.0)),
        words=("column_only_in_synthetic",),
    ),
    Case(
        "--columns names a column that is not there",
        lambda f: standard(f["real"], f["good"]),
        settings={"columns": ["age", "salary"]},
        expect="error",
        words=("columns names 'salary'",),
    ),
    # Sizes
    Case(
        "one synthetic row",
        lambda f: standard(f["real"], f["good"].head(1)),
        expect="error",
        words=("synthetic data file 'synthetic.csv' has 1 row(s)",),
    ),
    Case(
        "ten real rows",
        lambda f: standard(f["real"].head(10), f["good"]),
        expect="error",
        words=("real data file 'real.csv' has 10 row(s)",),
    ),
    Case(
        "a ten-row holdout",
        lambda f: standard(f["real"], f["good"], f["holdout"].head(10)),
        words=("holdout_too_small",),
    ),
    # Fairness settings
    Case(
        "a target without protected attributes",
        lambda f: standard(f["real"], f["good"]),
        settings={"target_column": "outcome", "positive_label": "yes"},
        expect="error",
        words=("a target column is judged per protected group",),
    ),
    Case(
        "a positive label that never occurs",
        lambda f: standard(f["real"], f["good"]),
        settings=_protected(positive_label=">50K"),
        expect="error",
        words=("'>50K' never occurs in the target column 'outcome'", "its most common values are 'no', 'yes'"),
    ),
    Case(
        "a protected attribute that is not a column",
        lambda f: standard(f["real"], f["good"]),
        settings=_protected(protected_attributes=["sex", "nationality"]),
        expect="error",
        words=("'nationality' not in",),
    ),
    Case(
        "a target with one value",
        lambda f: standard(f["real"].assign(outcome="yes"), f["good"].assign(outcome="yes")),
        settings=_protected(),
        expect="error",
        words=("has 1 value(s)",),
    ),
    Case(
        "synthetic data alone",
        lambda f: {"synthetic": _csv("synthetic.csv", f["poor"])},
        settings=_protected(),
        words=("no_real_data",),
        check=_alone,
    ),
    Case(
        "synthetic data alone without protected attributes",
        lambda f: {"synthetic": _csv("synthetic.csv", f["good"])},
        expect="error",
        words=("without real data only the fairness audit can run",),
    ),
    Case(
        "a holdout without real data",
        lambda f: {"synthetic": _csv("synthetic.csv", f["good"]), "holdout": _csv("holdout.csv", f["holdout"])},
        settings=_protected(),
        expect="error",
        words=("a holdout is compared with the real data",),
    ),
]


#: Command-line flags of the settings the cases use.
FLAGS = {
    "protected_attributes": "--protected",
    "target_column": "--target",
    "positive_label": "--positive-label",
    "columns": "--columns",
    "ignore_columns": "--ignore-columns",
    "keep_columns": "--keep-columns",
    "csv_separator": "--sep",
    "csv_encoding": "--encoding",
}


def command_line(settings: dict[str, Any]) -> list[str]:
    """The flags that give ``settings`` (API request keys) on the command line."""
    argv = []
    for key, value in settings.items():
        argv += [FLAGS[key], ",".join(value) if isinstance(value, list) else str(value)]
    return argv
