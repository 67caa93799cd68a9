"""The audit batch builder and the file reader: alignment, type findings, clear input errors."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from auditing.batch import ID_MIN_ROWS, MIN_ROWS, build_audit_batch
from auditing.errors import InputError, UnknownColumn
from auditing.io import CsvDialect, read_table


def _batch(*args, **kwargs):
    """The batch of frames smaller than an audit needs: these tests are about stacking and alignment."""
    return build_audit_batch(*args, min_rows=1, **kwargs)


def _frames():
    real = pd.DataFrame({"age": [30, 40, 50, 60], "city": ["a", "b", "a", "c"], "only_real": [1, 2, 3, 4]})
    synthetic = pd.DataFrame({"age": ["31", "forty", "52", None], "city": ["a", "a", "b", "c"], "extra": [0, 0, 1, 1]})
    return real, synthetic


def test_stacks_sides_with_source_labels_and_aligned_columns():
    real, synthetic = _frames()
    holdout = real.drop(columns="only_real")
    batch = _batch(real, synthetic, holdout)
    assert batch.columns == ["age", "city"]
    assert batch.kinds == {"age": "numeric", "city": "categorical"}
    assert list(batch.frame.columns) == ["age", "city", "_audit_source"]
    assert batch.frame["_audit_source"].value_counts().to_dict() == {"real": 4, "holdout": 4, "synthetic": 4}
    assert batch.sample_sizes == {"real": 4, "synthetic": 4, "holdout": 4}
    assert set(batch.inputs) == {"real", "synthetic", "holdout"}
    assert all(len(i["sha256"]) == 64 for i in batch.inputs.values())


def test_columns_on_one_side_and_unreadable_values_are_findings():
    real, synthetic = _frames()
    findings = {f.kind: f for f in _batch(real, synthetic).findings}
    assert findings["column_only_in_real"].columns == ("only_real",)
    assert findings["column_only_in_synthetic"].columns == ("extra",)
    mismatch = findings["type_mismatch"]
    assert mismatch.columns == ("age",) and mismatch.count == 1
    assert "column 'age': 1 of 4 synthetic values are not numbers" in mismatch.message
    assert "forty" not in mismatch.message  # a finding never quotes a data value


def test_mismatched_values_become_missing_not_dropped():
    real, synthetic = _frames()
    batch = _batch(real, synthetic)
    ages = batch.frame.loc[batch.frame["_audit_source"] == "synthetic", "age"]
    assert ages.tolist()[0] == 31 and ages.isna().sum() == 2 and len(ages) == 4


def test_no_shared_column_is_an_input_error():
    with pytest.raises(InputError, match="share no column"):
        _batch(pd.DataFrame({"a": [1]}), pd.DataFrame({"b": [1]}))


def test_source_column_clash_and_short_holdout_are_input_errors():
    real, synthetic = _frames()
    with pytest.raises(InputError, match="already has a column '_audit_source'"):
        _batch(real.assign(_audit_source=1), synthetic)
    with pytest.raises(InputError, match="holdout data lacks audit column"):
        _batch(real, synthetic, real[["age"]])


def test_numbers_in_a_categorical_column_compare_as_text():
    real = pd.DataFrame({"code": ["1", "2", "x"]})
    synthetic = pd.DataFrame({"code": [1.0, 2.0, None]})
    batch = _batch(real, synthetic)
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
    findings = {f.kind: f for f in _batch(real, synthetic).findings}
    assert findings["outside_real_range"].count == 2
    expected = "column 'age': 2 of 3 synthetic values lie outside the real column's range"
    assert findings["outside_real_range"].message == expected
    assert findings["category_not_in_real"].count == 1
    assert "secret-town" not in findings["category_not_in_real"].message
    assert _batch(real, real).findings == []


def test_identifier_columns_are_left_out_unless_kept(demo):
    real = demo["real"].assign(row_id=range(len(demo["real"])), code=[f"P{i:06d}" for i in range(len(demo["real"]))])
    synthetic = demo["good"].assign(row_id=range(10**6, 10**6 + len(demo["good"])), code="x")
    batch = _batch(real, synthetic)
    assert "row_id" not in batch.columns and "code" not in batch.columns and "age" in batch.columns
    (finding,) = [f for f in batch.findings if f.kind == "identifier_column"]
    assert finding.columns == ("row_id", "code") and "an identifier" in finding.message
    kept = _batch(real, synthetic, keep_columns=("row_id",))
    assert "row_id" in kept.columns and "code" not in kept.columns
    # Unique numbers that are not a numbering are measurements, and small tables are not judged.
    cents = np.random.default_rng(0).choice(10**8, size=len(real), replace=False)
    measured = real.assign(score=np.linspace(0.5, 99.5, len(real)), cents=cents)
    kept_measures = _batch(measured, synthetic.assign(score=1.5, cents=5)).columns
    assert "score" in kept_measures and "cents" in kept_measures
    numbers = np.sort(np.random.default_rng(1).choice(2 * len(real), len(real), replace=False))
    sampled_numbering = real.assign(row_id=numbers)  # rows drawn from a table twice as large
    assert "row_id" not in _batch(sampled_numbering, synthetic).columns
    small = _batch(real.head(ID_MIN_ROWS - 1), synthetic.head(40))
    assert "row_id" in small.columns


def test_columns_and_ignore_columns_choose_the_audit(demo):
    batch = _batch(demo["real"], demo["good"], columns=("age", "sex", "region"), ignore_columns=("sex",))
    assert batch.columns == ["age", "region"]
    assert any(f.kind == "column_ignored" and f.columns == ("sex",) for f in batch.findings)
    with pytest.raises(UnknownColumn, match="ignore_columns names 'height', not a column of the real data"):
        _batch(demo["real"], demo["good"], ignore_columns=("height",))
    with pytest.raises(InputError, match="columns names 'age', which the synthetic data does not have"):
        _batch(demo["real"], demo["good"].drop(columns="age"), columns=("age",))
    with pytest.raises(InputError, match="no column is left to audit"):
        _batch(demo["real"], demo["good"], ignore_columns=tuple(demo["real"].columns))


def test_a_real_column_the_synthetic_data_lacks_is_critical_unless_ignored(demo):
    (missing,) = [f for f in _batch(demo["real"], demo["good"].drop(columns="age")).findings if f.columns == ("age",)]
    assert missing.kind == "column_only_in_real" and missing.severity == "critical" and missing.module == "fidelity"
    ignored = _batch(demo["real"], demo["good"].drop(columns="age"), ignore_columns=("age",))
    assert not [f for f in ignored.findings if f.severity]


def test_too_few_rows_are_refused_and_a_small_holdout_is_left_out(demo):
    with pytest.raises(
        InputError, match=f"the synthetic DataFrame has 5 row\\(s\\); an audit needs at least {MIN_ROWS}"
    ):
        build_audit_batch(demo["real"], demo["good"].head(5))
    with pytest.raises(InputError, match=f"the real DataFrame has {MIN_ROWS - 1} row"):
        build_audit_batch(demo["real"].head(MIN_ROWS - 1), demo["good"])
    batch = build_audit_batch(demo["real"], demo["good"], demo["holdout"].head(MIN_ROWS - 1))
    assert batch.sample_sizes["holdout"] is None and batch.inputs["holdout"]["rows"] == MIN_ROWS - 1
    (small,) = [f for f in batch.findings if f.kind == "holdout_too_small"]
    assert f"fewer than the {MIN_ROWS} the checks that need a holdout need" in small.message
    assert "holdout" not in set(batch.frame["_audit_source"])


def test_dates_written_as_text_are_audited_on_one_time_scale(tmp_path):
    days = pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(200) % 97, unit="D")
    real = pd.DataFrame({"visit": days.strftime("%d/%m/%Y"), "iso": days.strftime("%Y-%m-%d"), "n": np.arange(200)})
    real.to_csv(tmp_path / "real.csv", index=False)
    synthetic = real.assign(visit=days.strftime("%Y-%m-%d"))  # the same dates, written the ISO way
    synthetic.loc[0, "visit"] = "soon"
    synthetic.to_csv(tmp_path / "synthetic.csv", index=False)
    batch = build_audit_batch(tmp_path / "real.csv", tmp_path / "synthetic.csv")
    assert batch.kinds["visit"] == batch.kinds["iso"] == "numeric"
    assert str(batch.frame["visit"].dtype) == str(batch.frame["iso"].dtype) == "datetime64[ns]"
    real_side, syn_side = (batch.frame.loc[batch.frame["_audit_source"] == s, "visit"] for s in ("real", "synthetic"))
    assert (real_side.to_numpy()[1:] == syn_side.to_numpy()[1:]).all() and syn_side.isna().sum() == 1
    kinds = {f.kind: f for f in batch.findings}
    assert kinds["date_columns"].columns == ("visit",) and "(%d/%m/%Y)" in kinds["date_columns"].message
    assert kinds["type_mismatch"].columns == ("visit",) and kinds["type_mismatch"].count == 1


def test_a_given_encoding_replaces_what_it_cannot_decode_and_counts_it(tmp_path):
    cafe = "caf\u00e9"
    rows = "\n".join(f"{i},{cafe if i % 2 else 'bar'}" for i in range(60))
    (tmp_path / "real.csv").write_text("n,place\n" + rows + "\n", encoding="utf-8")
    (tmp_path / "syn.csv").write_bytes(("n,place\n" + rows + "\n").encode("utf-8").replace(b"\xc3\xa9", b"\xff"))
    batch = build_audit_batch(tmp_path / "real.csv", tmp_path / "syn.csv", dialect=CsvDialect(encoding="utf-8"))
    (finding,) = [f for f in batch.findings if f.kind == "undecodable_bytes"]
    assert finding.count == 30 and "not valid utf-8" in finding.message
    assert batch.inputs["synthetic"]["format"] == "csv"
    found = build_audit_batch(tmp_path / "real.csv", tmp_path / "syn.csv")  # not given: found, nothing replaced
    assert found.inputs["synthetic"]["format"] == "csv (cp1252, not UTF-8)"
    assert not [f for f in found.findings if f.kind == "undecodable_bytes"]
    with pytest.raises(InputError, match="unknown text encoding 'klingon'"):
        CsvDialect(encoding="klingon")


def test_a_file_read_as_one_column_gets_a_separator_hint(tmp_path, demo):
    demo["real"].to_csv(tmp_path / "real.csv", index=False)
    demo["good"].to_csv(tmp_path / "syn.csv", index=False, sep=";")
    with pytest.raises(InputError, match="reads as one column whose name holds ';'"):
        build_audit_batch(tmp_path / "real.csv", tmp_path / "syn.csv", dialect=CsvDialect(separator=","))
    demo["real"].to_csv(tmp_path / "real.csv", index=False, sep=";")
    batch = build_audit_batch(tmp_path / "real.csv", tmp_path / "syn.csv", dialect=CsvDialect(separator=";"))
    assert batch.inputs["synthetic"]["format"] == "csv (semicolon-separated)"
