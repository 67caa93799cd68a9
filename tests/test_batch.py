"""The audit batch builder and the file reader: alignment, type findings, clear input errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from auditing.batch import ID_MIN_ROWS, build_audit_batch
from auditing.errors import InputError, UnknownColumn
from auditing.io import read_table


def _frames():
    real = pd.DataFrame({"age": [30, 40, 50, 60], "city": ["a", "b", "a", "c"], "only_real": [1, 2, 3, 4]})
    synthetic = pd.DataFrame({"age": ["31", "forty", "52", None], "city": ["a", "a", "b", "c"], "extra": [0, 0, 1, 1]})
    return real, synthetic


def test_stacks_sides_with_source_labels_and_aligned_columns():
    real, synthetic = _frames()
    holdout = real.drop(columns="only_real")
    batch = build_audit_batch(real, synthetic, holdout)
    assert batch.columns == ["age", "city"]
    assert batch.kinds == {"age": "numeric", "city": "categorical"}
    assert list(batch.frame.columns) == ["age", "city", "_audit_source"]
    assert batch.frame["_audit_source"].value_counts().to_dict() == {"real": 4, "holdout": 4, "synthetic": 4}
    assert batch.sample_sizes == {"real": 4, "synthetic": 4, "holdout": 4}
    assert set(batch.inputs) == {"real", "synthetic", "holdout"}
    assert all(len(i["sha256"]) == 64 for i in batch.inputs.values())


def test_columns_on_one_side_and_unreadable_values_are_findings():
    real, synthetic = _frames()
    findings = {f.kind: f for f in build_audit_batch(real, synthetic).findings}
    assert findings["column_only_in_real"].columns == ("only_real",)
    assert findings["column_only_in_synthetic"].columns == ("extra",)
    mismatch = findings["type_mismatch"]
    assert mismatch.columns == ("age",) and mismatch.count == 1
    assert "column 'age': 1 of 4 synthetic values are not numbers" in mismatch.message
    assert "forty" not in mismatch.message  # a finding never quotes a data value


def test_mismatched_values_become_missing_not_dropped():
    real, synthetic = _frames()
    batch = build_audit_batch(real, synthetic)
    ages = batch.frame.loc[batch.frame["_audit_source"] == "synthetic", "age"]
    assert ages.tolist()[0] == 31 and ages.isna().sum() == 2 and len(ages) == 4


def test_no_shared_column_is_an_input_error():
    with pytest.raises(InputError, match="share no column"):
        build_audit_batch(pd.DataFrame({"a": [1]}), pd.DataFrame({"b": [1]}))


def test_source_column_clash_and_short_holdout_are_input_errors():
    real, synthetic = _frames()
    with pytest.raises(InputError, match="already has a column '_audit_source'"):
        build_audit_batch(real.assign(_audit_source=1), synthetic)
    with pytest.raises(InputError, match="holdout data lacks audit column"):
        build_audit_batch(real, synthetic, real[["age"]])


def test_numbers_in_a_categorical_column_compare_as_text():
    real = pd.DataFrame({"code": ["1", "2", "x"]})
    synthetic = pd.DataFrame({"code": [1.0, 2.0, None]})
    batch = build_audit_batch(real, synthetic)
    assert batch.frame["code"].tolist()[3:5] == ["1", "2"]


@pytest.fixture
def table_files(tmp_path: Path) -> dict[str, Path]:
    frame = pd.DataFrame({"age": [30, 41, None], "city": ["a", None, "c"]})
    csv = tmp_path / "t.csv"
    frame.to_csv(csv, index=False)
    gz = tmp_path / "t.data"  # gzip recognised from content, not the name
    gz.write_bytes(gzip.compress(csv.read_bytes()))
    parquet = tmp_path / "t.bin"
    frame.to_parquet(parquet)
    return {"csv": csv, "csv.gz": gz, "parquet": parquet}


def test_csv_gzip_and_parquet_read_alike_with_missing_values(table_files):
    tables = {fmt: read_table(path, "real") for fmt, path in table_files.items()}
    for fmt, table in tables.items():
        assert table.file_format == fmt
        assert table.frame["age"].isna().tolist() == [False, False, True]
        assert table.frame["city"].isna().tolist() == [False, True, False]
        pd.testing.assert_frame_equal(table.frame, tables["csv"].frame, check_dtype=False)


def test_reader_errors_name_the_file_and_never_quote_content(tmp_path):
    with pytest.raises(InputError, match=r"real data file '.*nope.csv' does not exist"):
        read_table(tmp_path / "nope.csv", "real")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InputError, match=r"synthetic data file '.*empty.csv' is empty \(0 bytes\)"):
        read_table(empty, "synthetic")
    header = tmp_path / "header.csv"
    header.write_text("a,b\n")
    with pytest.raises(InputError, match="has a header but no rows"):
        read_table(header, "real")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b\n1,2\nsecret-value,3,4\n")
    with pytest.raises(InputError, match="a row has 3 fields where the header has 2") as error:
        read_table(ragged, "real")
    assert "secret-value" not in str(error.value)


def test_synthetic_values_outside_the_real_support_are_counted_not_quoted():
    real = pd.DataFrame({"age": [20, 30, 40], "city": ["a", "b", "a"]})
    synthetic = pd.DataFrame({"age": [19, 30, 99], "city": ["a", "secret-town", None]})
    findings = {f.kind: f for f in build_audit_batch(real, synthetic).findings}
    assert findings["outside_real_range"].count == 2
    expected = "column 'age': 2 of 3 synthetic values lie outside the real column's range"
    assert findings["outside_real_range"].message == expected
    assert findings["category_not_in_real"].count == 1
    assert "secret-town" not in findings["category_not_in_real"].message
    assert build_audit_batch(real, real).findings == []


def test_identifier_columns_are_left_out_unless_kept(demo):
    real = demo["real"].assign(row_id=range(len(demo["real"])), code=[f"P{i:06d}" for i in range(len(demo["real"]))])
    synthetic = demo["good"].assign(row_id=range(10**6, 10**6 + len(demo["good"])), code="x")
    batch = build_audit_batch(real, synthetic)
    assert "row_id" not in batch.columns and "code" not in batch.columns and "age" in batch.columns
    (finding,) = [f for f in batch.findings if f.kind == "identifier_column"]
    assert finding.columns == ("row_id", "code") and "an identifier" in finding.message
    kept = build_audit_batch(real, synthetic, keep_columns=("row_id",))
    assert "row_id" in kept.columns and "code" not in kept.columns
    # Unique numbers that are not a numbering are measurements, and small tables are not judged.
    cents = np.random.default_rng(0).choice(10**8, size=len(real), replace=False)
    measured = real.assign(score=np.linspace(0.5, 99.5, len(real)), cents=cents)
    kept_measures = build_audit_batch(measured, synthetic.assign(score=1.5, cents=5)).columns
    assert "score" in kept_measures and "cents" in kept_measures
    numbers = np.sort(np.random.default_rng(1).choice(2 * len(real), len(real), replace=False))
    sampled_numbering = real.assign(row_id=numbers)  # rows drawn from a table twice as large
    assert "row_id" not in build_audit_batch(sampled_numbering, synthetic).columns
    small = build_audit_batch(real.head(ID_MIN_ROWS - 1), synthetic.head(40))
    assert "row_id" in small.columns


def test_columns_and_ignore_columns_choose_the_audit(demo):
    batch = build_audit_batch(demo["real"], demo["good"], columns=("age", "sex", "region"), ignore_columns=("sex",))
    assert batch.columns == ["age", "region"]
    assert any(f.kind == "column_ignored" and f.columns == ("sex",) for f in batch.findings)
    with pytest.raises(UnknownColumn, match="ignore_columns names 'height', not a column of the real data"):
        build_audit_batch(demo["real"], demo["good"], ignore_columns=("height",))
    with pytest.raises(InputError, match="columns names 'age', which the synthetic data does not have"):
        build_audit_batch(demo["real"], demo["good"].drop(columns="age"), columns=("age",))
    with pytest.raises(InputError, match="no column is left to audit"):
        build_audit_batch(demo["real"], demo["good"], ignore_columns=tuple(demo["real"].columns))
