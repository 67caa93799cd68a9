"""Privacy on Spark: the same profile as pandas, and nearest neighbours that are exact whatever the split.

The Spark tests feed ``spark_privacy_profile`` the side frames the pandas path sees (the Adult audit
batch split by source), as Spark DataFrames made from those same pandas frames, and compare the two
profiles figure by figure. The nearest-neighbour tests are numpy only.
"""

from __future__ import annotations

import re
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

from auditing.batch import build_audit_batch
from expectations import HOLDOUT_LABEL, REAL_LABEL, SYNTHETIC_LABEL
from expectations.metrics.errors import AuditDataError
from expectations.metrics.neighbours import nearest_neighbours
from expectations.metrics.privacy import privacy_profile
from expectations.metrics.sources import split_sources

#: Small enough to keep the Spark runs quick, large enough for several Arrow batches per partition.
SETTINGS: dict[str, int] = {"dcr_sample": 3_000, "attack_sample": 2_000, "bootstrap_replicates": 50, "seed": 3}


# --- nearest neighbours: exact, hence independent of how rows are split (numpy only) ---------------


def _brute_force(rows: np.ndarray, others: np.ndarray) -> np.ndarray:
    """All pairwise distances sqrt(Σ_k (r_k − o_k)²), squares added in column order like ``pair_distances``."""
    a, b = rows.astype(np.float64), others.astype(np.float64)
    total = np.zeros((len(a), len(b)))
    for k in range(a.shape[1]):
        total += (a[:, k, None] - b[None, :, k]) ** 2
    return np.sqrt(total)


def _tied_rows(seed: int, n: int, width: int) -> np.ndarray:
    """float32 rows on a coarse grid (many equal distances) with exact duplicate rows mixed in."""
    rng = np.random.default_rng(seed)
    grid = rng.integers(0, 3, size=(n, width)) / 2.0
    grid[: n // 4] = grid[rng.integers(n // 4, n, n // 4)]  # a quarter are copies of other rows
    if seed % 2:  # half the cases: a continuous column too, encoded like a mid-rank ECDF
        grid[:, 0] = rng.integers(0, 50, n) / 49.0
    return grid.astype(np.float32)


def _cuts(rng: np.random.Generator, n: int) -> list[int]:
    """Random contiguous parts of ``range(n)`` (some may be empty)."""
    return [0, *sorted(rng.integers(0, n + 1, rng.integers(0, 5)).tolist()), n]


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 300), st.integers(1, 300), st.integers(1, 12))
def test_nearest_neighbours_equal_brute_force_and_any_partition(seed, n_rows, n_others, width):
    rng = np.random.default_rng(seed)
    rows = _tied_rows(seed, n_rows, width)
    others = np.vstack([_tied_rows(seed + 1, n_others, width), rows[: min(5, n_rows)]])  # exact copies
    bounds = _cuts(rng, len(others))
    forward, backward = nearest_neighbours(rows, others, bounds, reverse=True)

    brute = _brute_force(rows, others)
    for group, (low, high) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
        expected = brute[:, low:high].min(axis=1) if high > low else np.full(len(rows), np.inf)
        np.testing.assert_array_equal(forward[group], expected)
        if high > low:
            np.testing.assert_allclose(forward[group], cdist(rows, others[low:high]).min(axis=1), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(backward, brute.min(axis=0))

    # Rows split anywhere: each part's forward distances are the rows' own; the reverse minima of
    # the parts reduce (elementwise min) to the whole's, as Spark reduces its partitions.
    row_cuts = _cuts(rng, len(rows))
    parts = [nearest_neighbours(rows[a:b], others, bounds, reverse=True) for a, b in pairwise(row_cuts)]
    np.testing.assert_array_equal(np.hstack([f for f, _ in parts]), forward)
    np.testing.assert_array_equal(np.minimum.reduce([r for _, r in parts]), backward)
    # ``others`` split anywhere: the minimum over the parts is the minimum over all of them.
    other_cuts = _cuts(rng, len(others))
    pieces = [nearest_neighbours(rows, others[a:b])[0][0] for a, b in pairwise(other_cuts)]
    np.testing.assert_array_equal(np.minimum.reduce(pieces), nearest_neighbours(rows, others)[0][0])


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 250), st.integers(1, 10))
def test_own_distances_exclude_only_the_row_itself(seed, n, width):
    sample = _tied_rows(seed, n, width)
    (own,), _ = nearest_neighbours(sample, sample, exclude=np.arange(n))
    brute = _brute_force(sample, sample)
    np.fill_diagonal(brute, np.inf)
    np.testing.assert_array_equal(own, brute.min(axis=1))  # a duplicate of the row still reads 0


def test_nearest_neighbours_blocks_and_large_norms():
    """More rows than one block, norms far from 1 (the margin scales with them), near-ties everywhere."""
    rng = np.random.default_rng(17)
    base = rng.random((40, 6))
    rows = (np.repeat(base, 60, axis=0) * 300 + rng.integers(0, 2, (2_400, 6)) * 1e-4).astype(np.float32)
    others = (np.repeat(base, 30, axis=0) * 300 + rng.integers(0, 2, (1_200, 6)) * 1e-4).astype(np.float32)
    forward, backward = nearest_neighbours(rows, others, [0, 600, 1_200], reverse=True)
    brute = _brute_force(rows, others)
    np.testing.assert_array_equal(forward[0], brute[:, :600].min(axis=1))
    np.testing.assert_array_equal(forward[1], brute[:, 600:].min(axis=1))
    np.testing.assert_array_equal(backward, brute.min(axis=0))


# --- the Spark profile equals the pandas profile -----------------------------------------------------


def _as_spark(spark: Any, frame: pd.DataFrame) -> Any:
    """A Spark DataFrame of a pandas side frame: categories as strings, missing as null."""
    converted = frame.copy()
    for name in converted.columns:
        if not pd.api.types.is_numeric_dtype(converted[name].dtype):
            values = converted[name].astype(object)
            converted[name] = values.where(values.notna(), None)
    return spark.createDataFrame(converted)


@pytest.fixture(scope="module")
def adult_sides(adult, spark) -> dict[str, dict[str, Any]]:
    """Per synthetic set: the pandas side frames and audit columns, and the same sides on Spark."""
    sides = {}
    for name in ("synthetic_gc", "synthetic_leaky"):
        batch = build_audit_batch(adult["train"], adult[name], adult["holdout"])
        labels = {"real": REAL_LABEL, "synthetic": SYNTHETIC_LABEL, "holdout": HOLDOUT_LABEL}
        frames, columns = split_sources(batch.frame, batch.source_column, labels)
        sides[name] = {
            "pandas": frames,
            "spark": {side: _as_spark(spark, frame) for side, frame in frames.items()},
            "columns": columns,
        }
    return sides


def _assert_same(pandas_value: Any, spark_value: Any, path: str = "profile") -> None:
    """Same keys and types; integers and text equal, floats equal to 1e-9."""
    if isinstance(pandas_value, dict):
        assert isinstance(spark_value, dict) and set(pandas_value) == set(spark_value), path
        for key in pandas_value:
            _assert_same(pandas_value[key], spark_value[key], f"{path}.{key}")
    elif isinstance(pandas_value, list):
        assert isinstance(spark_value, list) and len(pandas_value) == len(spark_value), path
        for index, (a, b) in enumerate(zip(pandas_value, spark_value, strict=True)):
            _assert_same(a, b, f"{path}[{index}]")
    elif isinstance(pandas_value, (bool, int, str)) or pandas_value is None:
        assert spark_value == pandas_value and type(spark_value) is type(pandas_value), path
    else:
        assert isinstance(spark_value, float), path
        assert spark_value == pytest.approx(pandas_value, abs=1e-9, rel=0), path


def _profiles(sides: dict[str, Any], holdout: bool, **overrides: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    from expectations.spark.privacy import spark_privacy_profile

    options = {**SETTINGS, **overrides, "columns": sides["columns"]}
    frames, spark_frames = sides["pandas"], sides["spark"]
    expected = privacy_profile(frames["real"], frames["synthetic"], frames["holdout"] if holdout else None, **options)
    actual = spark_privacy_profile(
        spark_frames["real"], spark_frames["synthetic"], spark_frames["holdout"] if holdout else None, **options
    )
    return expected, actual


@pytest.mark.parametrize("name", ["synthetic_leaky", "synthetic_gc"])
def test_spark_profile_equals_pandas_with_holdout(adult_sides, name):
    expected, actual = _profiles(
        adult_sides[name],
        holdout=True,
        secret_columns=["income", "age", "workclass"],
        protected_attributes=["sex", "race", "native-country"],
    )
    assert actual["exact_copies"] == expected["exact_copies"]  # counts and rates identical
    for part in ("attack", "dcr_share", "inference"):
        _assert_same(expected[part], actual[part], part)
    _assert_same(expected, actual)
    assert actual["attack"]["members"] == SETTINGS["attack_sample"]
    assert actual["dcr_share"]["train_rows"] == SETTINGS["dcr_sample"]
    if name == "synthetic_leaky":
        assert actual["exact_copies"]["count"] == 16_281 and actual["attack"]["advantage"] > 0.3


def test_spark_profile_equals_pandas_without_holdout(adult_sides):
    expected, actual = _profiles(adult_sides["synthetic_leaky"], holdout=False)
    assert "attack" not in actual and actual["exact_copies"] == expected["exact_copies"]
    _assert_same(expected, actual)
    assert actual["dcr_profile"]["real_rows"] == SETTINGS["dcr_sample"]


def test_missing_values_dates_and_copies_agree(spark):
    """NaN and null are both missing (and equal for exact copies); timestamps are numbers; −0.0 is 0.0."""
    rng = np.random.default_rng(5)
    n = 400
    real = pd.DataFrame(
        {
            "x": np.where(rng.random(n) < 0.1, np.nan, rng.integers(0, 30, n).astype(float)),
            "k": rng.integers(0, 5, n),
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 90, n), unit="D"),
            "c": pd.Series(rng.choice(["a", "b", "c", None], n), dtype=object),
        }
    )
    holdout = real.sample(150, random_state=1).reset_index(drop=True)
    holdout["x"] = holdout["x"] + rng.normal(0, 1, 150)
    synthetic = pd.concat([real.iloc[:120], holdout.iloc[:60]], ignore_index=True)
    synthetic.loc[0, "x"] = -0.0
    real.loc[0, "x"] = 0.0
    spark_synthetic = spark.createDataFrame(synthetic.astype({"c": object}))
    # On Spark the missing numbers of the copies are null, of the rest NaN: both are missing.
    spark_synthetic = spark_synthetic.selectExpr(
        "CASE WHEN isnan(x) AND k % 2 = 0 THEN CAST(NULL AS DOUBLE) ELSE x END AS x", "k", "`when`", "c"
    )
    from expectations.spark.privacy import spark_privacy_profile

    # Secrets with missing values: a null and a NaN number, a None category (hashed as a key of its own).
    options = {
        "dcr_sample": 100,
        "attack_sample": 80,
        "bootstrap_replicates": 20,
        "seed": 9,
        "secret_columns": ["x", "c", "when"],
        "protected_attributes": ["c"],
    }
    for with_holdout in (True, False):
        expected = privacy_profile(real, synthetic, holdout if with_holdout else None, **options)
        actual = spark_privacy_profile(
            spark.createDataFrame(real),
            spark_synthetic,
            spark.createDataFrame(holdout) if with_holdout else None,
            **options,
        )
        assert actual["exact_copies"] == expected["exact_copies"]
        assert expected["exact_copies"]["count"] >= 120
        assert ("inference" in expected) is with_holdout
        assert not with_holdout or {r["group"] for r in expected["attack"]["by_group"]} == {"a", "b", "c", "missing"}
        _assert_same(expected, actual)


def test_positions_are_the_row_order_zip_with_index_gives(spark):
    from expectations.spark.privacy import _positioned

    frames = {
        "odd": spark.range(0, 2_000, numPartitions=7).where("id % 3 != 1"),
        "few": spark.range(0, 50, numPartitions=3),
        "none": spark.range(0, 10, numPartitions=2).where("id < 0"),
    }
    positioned = _positioned(frames)
    for side, frame in frames.items():
        expected = dict(frame.rdd.map(lambda row: row.id).zipWithIndex().collect())
        rows, n = positioned[side]
        assert n == len(expected)
        assert {row.id: row._pos for row in rows.select("id", "_pos").collect()} == expected


def test_spark_raises_the_pandas_errors(spark):
    from expectations.spark.privacy import spark_privacy_profile

    real = pd.DataFrame({"x": [1.0, 2.0, 3.0], "c": ["a", "b", "a"]})
    cases: list[tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]] = [
        (real, real.iloc[:0], {}),  # no synthetic rows
        (real.iloc[:0], real, {}),  # no real rows
        (real, real.rename(columns={"x": "y", "c": "d"}), {}),  # no shared column
    ]
    for real_frame, synthetic_frame, options in cases:
        with pytest.raises(AuditDataError) as expected:
            privacy_profile(real_frame, synthetic_frame, **options)
        schema = "x double, c string" if "x" in synthetic_frame.columns else "y double, d string"
        spark_synthetic = spark.createDataFrame(synthetic_frame, schema)
        with pytest.raises(AuditDataError) as actual:
            spark_privacy_profile(spark.createDataFrame(real_frame, "x double, c string"), spark_synthetic, **options)
        assert str(actual.value) == str(expected.value)


def test_only_aggregates_and_the_bounded_sample_reach_the_driver(adult_sides, spark, monkeypatch):
    """Every collect inside the profile is of an aggregate or of a limited (≤ 2 × dcr_sample rows) plan."""
    from expectations.spark.privacy import spark_privacy_profile

    frame_class = type(spark.range(1))
    roots: list[str] = []
    limits: list[int] = []

    def guarded(method: str) -> Any:
        original = getattr(frame_class, method)

        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            plan = self._jdf.queryExecution().optimizedPlan()
            roots.append(plan.nodeName())
            # Row-level data may only come through a limit: the bounded target sample.
            limits.extend(int(n) for n in re.findall(r"GlobalLimit (\d+)", plan.toString()))
            return original(self, *args, **kwargs)

        return wrapper

    for method in ("collect", "toPandas", "toArrow", "toLocalIterator", "take"):
        monkeypatch.setattr(frame_class, method, guarded(method))
    sides = adult_sides["synthetic_gc"]
    for holdout in (sides["spark"]["holdout"], None):
        spark_privacy_profile(
            sides["spark"]["real"],
            sides["spark"]["synthetic"],
            holdout,
            columns=sides["columns"],
            secret_columns=["income"],
            **SETTINGS,
        )
    assert roots and set(roots) <= {"Aggregate", "GlobalLimit"}, roots
    # The target sample, once per profile: train + holdout samples, then the real sample alone.
    assert limits == [2 * SETTINGS["dcr_sample"], SETTINGS["dcr_sample"]]


def test_the_attacks_read_the_synthetic_rows_once_however_many_run(spark, adult_sides):
    """The synthetic source is counted as it is read (an accumulator in a pass-through
    ``mapInPandas``): three secrets (inference on three columns) cost no read more than none, and
    the profile has what was asked for either way."""
    from expectations.spark.privacy import spark_privacy_profile

    sides = adult_sides["synthetic_gc"]
    frames = sides["spark"]
    read = spark.sparkContext.accumulator(0)

    def counted(batches):
        for batch in batches:
            read.add(len(batch))
            yield batch

    synthetic = frames["synthetic"].mapInPandas(counted, frames["synthetic"].schema)
    n_synthetic = len(sides["pandas"]["synthetic"])
    reads = {}
    for secrets in ([], ["income", "age", "workclass"]):
        read.value = 0
        actual = spark_privacy_profile(
            frames["real"], synthetic, frames["holdout"], columns=sides["columns"], secret_columns=secrets, **SETTINGS
        )
        reads[len(secrets)] = read.value / n_synthetic
        assert ("inference" in actual) == bool(secrets) and "linkability" in actual
    assert reads[0] == reads[3] and reads[0] == int(reads[0]), reads
