"""The Spark engine: the same report as pandas on Adult, and no Spark metric collects a side.

One Spark audit of the shared Adult files (biased synthetic set, fairness on sex and race) runs
under a recorder that wraps every way a Spark DataFrame reaches the driver; the pandas audit of
the same files is the reference.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from auditing.parameters import AuditParameters

FAIRNESS = {
    "fairness_protected_attributes": ("sex", "race"),
    "fairness_target": "income",
    "fairness_positive_label": ">50K",
}
#: Plan nodes that bound what reaches the driver, whatever the input's size.
_BOUNDING = {"Aggregate", "GlobalLimit", "LocalLimit", "Sample", "Tail"}
#: Leaves that are the data (files, RDDs, cached frames); a LocalRelation is made on the driver.
_DATA_LEAVES = {"Relation", "LogicalRDD", "InMemoryRelation", "LogicalRelation", "Range"}
#: Figures whose Spark value comes from bootstrap blocks drawn by Spark (``rand(seed)``).
_SPARK_BLOCK_INTERVALS = ("/modules/fidelity/", "/detailed_findings/fidelity/")


def _unbounded_paths(plan: Any, bounded: bool = False, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Root-to-leaf paths of a JVM logical plan that reach a data leaf through no bounding node."""
    name = plan.nodeName()
    path = (*path, name)
    bounded = bounded or name in _BOUNDING
    children = plan.children()
    if children.size() == 0:
        if not bounded and name in _DATA_LEAVES:
            yield path
        return
    for i in range(children.size()):
        yield from _unbounded_paths(children.apply(i), bounded, path)


class CollectRecorder:
    """Wraps DataFrame.collect/toPandas/toArrow/toLocalIterator/take/head/tail and checks each call's plan."""

    METHODS = ("collect", "toPandas", "toArrow", "toLocalIterator", "take", "head", "tail")

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from pyspark.sql.classic.dataframe import DataFrame

        self.unbounded: list[tuple[str, tuple[str, ...]]] = []
        self.calls = 0
        for method in self.METHODS:
            original = getattr(DataFrame, method)
            monkeypatch.setattr(DataFrame, method, self._wrap(method, original))

    def _wrap(self, method: str, original: Any) -> Any:
        recorder = self

        def recorded(frame: Any, *args: Any, **kwargs: Any) -> Any:
            recorder.calls += 1
            # The analysed plan: the optimised one shows a cached frame as a leaf, hiding what built it.
            plan = frame._jdf.queryExecution().analyzed()
            recorder.unbounded.extend((method, path) for path in _unbounded_paths(plan))
            return original(frame, *args, **kwargs)

        return recorded


@pytest.fixture(scope="module")
def audits(adult_dir: Path, spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The pandas and the Spark report of the biased Adult set; the Spark run recorded."""
    from auditing.engine import run_audit

    parameters = AuditParameters(**FAIRNESS)
    files = [adult_dir / f"{name}.csv" for name in ("train", "synthetic_biased", "holdout")]
    out = tmp_path_factory.mktemp("engines")
    pandas_report = run_audit(*files, out_dir=out / "pandas", parameters=parameters).to_dict()
    with pytest.MonkeyPatch.context() as patch:
        recorder = CollectRecorder(patch)
        spark_outcome = run_audit(*files, out_dir=out / "spark", parameters=parameters, engine="spark")
    return {"pandas": pandas_report, "spark": spark_outcome.to_dict(), "recorder": recorder, "outcome": spark_outcome}


def _numbers(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of a report with its path; list items keyed by their name where they have one."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _numbers(item, f"{path}/{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            named = isinstance(item, dict)
            name = (
                (item.get("column") or item.get("columns") or item.get("attribute") or item.get("group"))
                if named
                else None
            )
            yield from _numbers(item, f"{path}[{name if name is not None else i}]")
    else:
        yield path, value


_VOLATILE = ("/data_docs_url", "/run/", "/started", "/finished", "/elapsed", "/duration", "/versions/")


def test_spark_report_equals_pandas_report(audits: dict[str, Any]) -> None:
    pandas_leaves = dict(_numbers(audits["pandas"]))
    spark_leaves = dict(_numbers(audits["spark"]))
    volatile = [p for p in pandas_leaves if any(v in p for v in _VOLATILE)]
    assert set(pandas_leaves) - set(volatile) - {p for p in pandas_leaves if "/bootstrap/" in p} <= set(spark_leaves)
    compared = 0
    for path, expected in pandas_leaves.items():
        if path in volatile or path not in spark_leaves:
            continue
        actual = spark_leaves[path]
        sampled = any(path.startswith(p) for p in _SPARK_BLOCK_INTERVALS) and "interval" in path
        if sampled or path.endswith("/message") and "/fidelity" in path or _from_bootstrap_se(path, audits["pandas"]):
            continue  # fidelity intervals and the correlation pairs' tests: below
        if isinstance(expected, float) and isinstance(actual, (int, float)):
            assert actual == pytest.approx(expected, abs=1e-9), path
        else:
            assert actual == expected, path
        compared += 1
    assert compared > 500
    assert (
        audits["spark"]["success"] is False and audits["spark"]["detailed_findings"]["fairness"]["risk_level"] == "high"
    )


_PAIR_VERDICT = "/modules/fidelity/expectations[1]/details/verdict/"


def _correlation_pairs(report: dict[str, Any]) -> set[str]:
    pairs = report["modules"]["fidelity"]["expectations"][1]["details"]["pairs"]
    return {str(p["columns"]) for p in pairs if p["metric"] == "correlation"}


def _from_bootstrap_se(path: str, report: dict[str, Any]) -> bool:
    """Figures a correlation pair's test derives from its bootstrap SE, which each engine draws itself.

    The pair verdict's ``passes`` and ``failing`` must still be equal.
    """
    if path.startswith(_PAIR_VERDICT):
        return not (path.endswith("/passes") or "/failing[" in path)
    in_pair = path.startswith("/modules/fidelity/expectations[1]/details/pairs[")
    return (
        in_pair
        and path.endswith(("/reference_loss", "/p_value"))
        and any(f"pairs[{name}]" in path for name in _correlation_pairs(report))
    )


def test_spark_correlation_pair_tests_agree_within_sampling_error(audits: dict[str, Any]) -> None:
    """The correlation pairs' references come from each engine's own bootstrap SE: within 25%."""
    pairs = {
        engine: {
            str(p["columns"]): p for p in audits[engine]["modules"]["fidelity"]["expectations"][1]["details"]["pairs"]
        }
        for engine in ("pandas", "spark")
    }
    names = _correlation_pairs(audits["pandas"])
    assert len(names) >= 10
    for name in names:
        expected, actual = pairs["pandas"][name]["reference_loss"], pairs["spark"][name]["reference_loss"]
        assert actual == pytest.approx(expected, rel=0.25), name


def test_spark_fidelity_intervals_agree_within_sampling_error(audits: dict[str, Any]) -> None:
    """Spark draws its own bootstrap blocks: each interval overlaps pandas' and has a similar width."""
    pandas_leaves = dict(_numbers(audits["pandas"]["modules"]["fidelity"]))
    spark_leaves = dict(_numbers(audits["spark"]["modules"]["fidelity"]))
    intervals = sorted({p.rsplit("[", 1)[0] for p in pandas_leaves if "interval[" in p})
    assert len(intervals) > 50
    for path in intervals:
        low, high = pandas_leaves[f"{path}[0]"], pandas_leaves[f"{path}[1]"]
        spark_low, spark_high = spark_leaves[f"{path}[0]"], spark_leaves[f"{path}[1]"]
        assert spark_low <= high and low <= spark_high, path
        width, spark_width = high - low, spark_high - spark_low
        assert spark_width <= 2.5 * width + 1e-3 and width <= 2.5 * spark_width + 1e-3, path


def test_exact_copies_and_membership_equal_on_the_leaky_set(adult_dir: Path, spark: Any, tmp_path: Path) -> None:
    """Exact-copy counts and the split test exactly; membership and attribute-inference figures equal
    with the same seed and target sample."""
    from auditing.engine import run_audit

    files = [adult_dir / f"{name}.csv" for name in ("train", "synthetic_leaky", "holdout")]
    parameters = AuditParameters(privacy_secret_columns=("income", "age"))
    reports = {
        engine: run_audit(*files, out_dir=tmp_path / engine, parameters=parameters, engine=engine).to_dict()
        for engine in ("pandas", "spark")
    }
    figures = {}
    for engine, report in reports.items():
        by_type = {e["type"]: e for e in report["modules"]["privacy"]["expectations"]}
        copies = by_type["expect_synthetic_exact_copy_rate_to_be_below"]["details"]
        attack = by_type["expect_synthetic_membership_advantage_to_be_below"]["details"]
        inference = by_type["expect_synthetic_attribute_inference_risk_to_be_below"]["details"]
        figures[engine] = {
            **{
                f"{s['secret']}_{k}": s[k]
                for s in inference["secrets"]
                for k in ("train_success", "control_success", "risk", "interval", "p_value")
            },
            "copies": copies["count"],
            "holdout_rate": copies["holdout_rate"],
            **{f"split_{k}": copies["split_test"][k] for k in ("p_value", "statistic", "expected", "records")},
            **{k: attack[k] for k in ("auc", "advantage", "tpr_at_0.01_fpr", "tpr_at_0.001_fpr")},
            **{f"{k}_interval": attack["intervals"][k] for k in ("auc", "advantage")},
        }
    assert figures["spark"]["copies"] == figures["pandas"]["copies"] > 10_000
    for key, expected in figures["pandas"].items():
        assert np.allclose(figures["spark"][key], expected, rtol=0, atol=1e-9), key
    assert reports["spark"]["detailed_findings"]["privacy"]["risk_level"] == "high"
    # Half the leaky rows are training rows: the income of a training record is read off far more often.
    assert figures["spark"]["income_risk"] > 0.3 and figures["spark"]["income_p_value"] < 0.001


def test_no_spark_metric_collects_the_real_or_synthetic_side(audits: dict[str, Any]) -> None:
    recorder = audits["recorder"]
    assert recorder.calls > 10  # the recorder saw the audit's collects
    assert recorder.unbounded == [], "\n".join(f"{method}: {' <- '.join(path)}" for method, path in recorder.unbounded)


def test_the_collect_check_catches_a_full_side_collect(
    spark: Any, adult_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The recorder is not blind: collecting a file's rows, even filtered, is caught; an aggregate is not."""
    recorder = CollectRecorder(monkeypatch)
    frame = spark.read.csv(str(adult_dir / "train.csv"), header=True, inferSchema=True)
    frame.groupBy("sex").count().collect()
    frame.limit(5).collect()
    assert recorder.unbounded == []
    frame.where(frame["age"] > 30).select("age").toPandas()
    assert [method for method, _ in recorder.unbounded] == ["toPandas"]


def test_spark_data_docs_page_shows_the_same_findings(audits: dict[str, Any], chromium: str) -> None:
    """The Spark run's validation page, opened in Chromium: its figures, no error, no traceback."""
    from tests.browser import rendered_dom, visible_text

    page = audits["outcome"].data_docs_page
    assert page is not None and "synthetic_audit_spark" in page.name
    text = visible_text(rendered_dom(chromium, page))
    assert "Rows: 32,561 real, 32,561 synthetic, 16,281 holdout." in text
    shapes = audits["spark"]["modules"]["fidelity"]["expectations"][0]
    assert f"Column-shapes score {shapes['observed_value']:.3f}" in text
    # The one expectation not measured is the no-holdout check, as on pandas; no metric failed.
    assert text.count("Not measured") == 1 and "Not measured: with a holdout" in text
    assert "metric failed" not in text and "Traceback" not in text
    fairness = {e["type"]: e for e in audits["spark"]["modules"]["fairness"]["expectations"]}
    amplification = fairness["expect_synthetic_bias_amplification_to_be_below"]
    assert amplification["success"] is False and f"{amplification['observed_value']:+.3f}" in text


def test_spark_fidelity_equals_pandas_on_awkward_columns(spark: Any) -> None:
    """Missing numbers (NaN and null), a timestamp, a boolean, a dotted name, a one-valued column."""
    from expectations.metrics.fidelity import fidelity_profile
    from expectations.spark.fidelity import spark_fidelity_profile

    rng = np.random.default_rng(7)

    def side(n: int, shift: float) -> pd.DataFrame:
        ints = rng.integers(0, 40, n).astype(float)
        ints[rng.random(n) < 0.1] = np.nan
        return pd.DataFrame(
            {
                "count": ints,
                "amount.usd": np.round(rng.exponential(100 + shift, n), 2),
                "seen": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 400, n), unit="D"),
                "flag": rng.random(n) < 0.3 + shift / 100,
                "city": rng.choice(["a", "b", "c", None], n, p=[0.5, 0.3, 0.15, 0.05]),
                "constant": np.ones(n),
            }
        )

    real, synthetic, holdout = side(900, 0), side(700, 10), side(400, 0)
    expected = fidelity_profile(real, synthetic, holdout, bootstrap_replicates=0)
    frames = [spark.createDataFrame(frame.astype({"city": object})) for frame in (real, synthetic, holdout)]
    actual = spark_fidelity_profile(*frames, bootstrap_replicates=0)
    expected_leaves, actual_leaves = dict(_numbers(expected)), dict(_numbers(actual))
    for path, value in expected_leaves.items():
        if path.startswith("/bootstrap") or "/levels" in path:
            continue  # labels: pandas prints True, Spark true
        got = actual_leaves[path]
        if isinstance(value, float) and not (isinstance(value, float) and math.isnan(value)):
            assert got == pytest.approx(value, abs=1e-9), path
        else:
            assert got == value, path


def test_synth_audit_engine_spark_refuses_a_missing_file(adult_dir: Path, spark: Any, tmp_path: Path, capsys) -> None:
    from auditing.cli import EXIT_INPUT, main

    code = main(
        [
            "audit",
            "--engine",
            "spark",
            "--real",
            str(adult_dir / "train.csv"),
            "--synthetic",
            str(tmp_path / "absent.csv"),
            "--out",
            str(tmp_path / "out"),
        ]
    )
    assert code == EXIT_INPUT
    assert "synthetic data file" in capsys.readouterr().err


def test_pyspark_is_an_extra_not_a_dependency() -> None:
    import tomllib

    project = tomllib.loads((Path(__file__).resolve().parents[1] / "pyproject.toml").read_text())["project"]
    assert not any(dep.startswith("pyspark") for dep in project["dependencies"])
    assert not any(dep.startswith("pyspark") for dep in project["optional-dependencies"]["api"])
    assert project["optional-dependencies"]["spark"] == ["pyspark==4.1.4"]


def test_a_spark_dataframe_input_is_fingerprinted_by_content_not_row_order(spark: Any) -> None:
    from auditing.spark_batch import build_spark_audit_batch

    rows = pd.DataFrame({"age": [30, 41, 52, 63], "sex": ["F", "M", "F", "M"]})
    real = spark.createDataFrame(rows)
    batches = [
        build_spark_audit_batch(real, spark.createDataFrame(synthetic), min_rows=1)
        for synthetic in (rows, rows.iloc[::-1], rows.assign(age=[30, 41, 52, 64]))
    ]
    digests = [batch.inputs["synthetic"]["sha256"] for batch in batches]
    assert digests[0] == digests[1] != digests[2]
    assert batches[0].inputs["synthetic"]["rows"] == 4 and batches[0].sample_sizes["real"] == 4
    for batch in batches:
        batch.frame.unpersist()


def test_spark_fairness_input_errors_say_what_pandas_says(spark: Any) -> None:
    from expectations.metrics.errors import AuditDataError
    from expectations.metrics.fairness import check_fairness_inputs
    from expectations.spark.fairness import spark_check_fairness_inputs

    rows = pd.DataFrame({"sex": ["F", "M"] * 20, "y": ["no", "no", "yes", "no"] * 10})
    messages = []
    for check, frame in ((check_fairness_inputs, rows), (spark_check_fairness_inputs, spark.createDataFrame(rows))):
        with pytest.raises(AuditDataError) as caught:
            check({"real": frame, "synthetic": frame}, ["sex"], "y", "maybe")
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert messages[0].endswith("never occurs in the target column 'y'; its most common values are 'no', 'yes'")


def test_synthetic_data_alone_gives_the_pandas_report_on_spark(adult_dir: Path, spark: Any, tmp_path: Path) -> None:
    from auditing.engine import run_audit

    parameters = AuditParameters(**FAIRNESS, bootstrap_replicates=0)
    synthetic = adult_dir / "synthetic_biased.csv"
    reports = {
        engine: run_audit(None, synthetic, out_dir=tmp_path / engine, parameters=parameters, engine=engine).to_dict()
        for engine in ("pandas", "spark")
    }
    assert reports["spark"]["module_scores"] == reports["pandas"]["module_scores"]
    assert reports["spark"]["modules"]["fairness"] == reports["pandas"]["modules"]["fairness"]
    assert reports["spark"]["findings"] == reports["pandas"]["findings"]
    assert reports["spark"]["modules"]["privacy"]["status"] == "not_run"
