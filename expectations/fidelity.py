"""Fidelity audits as GX expectations: column shapes and column pair trends.

Both expectations depend on one metric, ``table.synth_audit.fidelity_profile``, with the same
value kwargs, so GX computes the profile once per run and both read it (DESIGN §4 "Fidelity";
the mathematics is in ``expectations.metrics.fidelity``).
"""

from __future__ import annotations

from typing import Any, ClassVar, Tuple, Union

from great_expectations.compatibility import pydantic
from great_expectations.core.suite_parameters import SuiteParameterDict
from great_expectations.expectations.expectation import render_suite_parameter_string
from great_expectations.render import LegacyRendererType
from great_expectations.render.renderer.renderer import renderer

from expectations.base import (
    RANDOM_KEYS,
    SIDE_KEYS,
    AuditExpectation,
    AuditProfileMetric,
    at_least,
    unit_interval,
)
from expectations.metrics.fidelity import fidelity_profile
from expectations.rendering import configuration_kwargs, container, grouped_bar_chart, interval, sentence, table

FIDELITY_PROFILE = "table.synth_audit.fidelity_profile"
PROFILE_KEYS: Tuple[str, ...] = (*SIDE_KEYS, *RANDOM_KEYS, "n_bins")
#: How many column pairs the Data Docs table and chart show (worst first).
SHOWN_PAIRS = 10


class FidelityProfile(AuditProfileMetric):
    """Column shapes, pair trends and noise floor of the synthetic rows against the real rows."""

    metric_name = FIDELITY_PROFILE
    value_keys = PROFILE_KEYS
    family = "fidelity"
    profile = staticmethod(fidelity_profile)
    spark_profile = "expectations.spark.fidelity:spark_fidelity_profile"
    count_keys = (*RANDOM_KEYS, "n_bins")


class _FidelityExpectation(AuditExpectation):
    """Kwargs shared by the two fidelity expectations (abstract)."""

    audit_module: ClassVar[str] = "fidelity"

    n_bins: Union[int, SuiteParameterDict] = pydantic.Field(20, description="Real-quantile bins per numeric column.")
    min_score: Union[float, SuiteParameterDict] = pydantic.Field(0.8, description="Lowest passing score.")
    _unit_interval = pydantic.validator("min_score", allow_reuse=True)(unit_interval)

    _positive_bins = pydantic.validator("n_bins", allow_reuse=True)(at_least(1))

    @classmethod
    def _sides_sentence(cls, kwargs: dict[str, Any]) -> dict[str, Any]:
        return cls._with_defaults(kwargs, ("synthetic_label", "real_label", "source_column", "n_bins", "min_score"))


class ExpectSyntheticColumnShapesToMatchReal(_FidelityExpectation):
    """Each column of the synthetic rows is distributed as in the real rows.

    Score = mean over audit columns of 1 − TVD (real-quantile bins for numbers, missing as its
    own value); passes when the score is at least ``min_score`` and, if ``max_column_tvd`` is
    set, no column's TVD exceeds it. The observed value carries per-column TVD and KS and, when
    the batch holds holdout rows, the same figures for train vs holdout (the noise floor).
    """

    part: ClassVar[str] = "column_shapes"

    max_column_tvd: Union[float, SuiteParameterDict, None] = pydantic.Field(
        None, description="Highest TVD allowed for any single column (off when None)."
    )
    _unit_interval_tvd = pydantic.validator("max_column_tvd", allow_reuse=True)(unit_interval)

    metric_dependencies: ClassVar[Tuple[str, ...]] = (FIDELITY_PROFILE,)
    success_keys: ClassVar[Tuple[str, ...]] = (*PROFILE_KEYS, "min_score", "max_column_tvd")

    def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
        profile = metrics[FIDELITY_PROFILE]
        failed = self._not_measured(profile, "column_shapes")
        if failed:
            return failed
        kwargs = self._get_success_kwargs()
        shapes = profile["column_shapes"]
        max_tvd = kwargs.get("max_column_tvd")
        over = [c["column"] for c in shapes["columns"] if max_tvd is not None and c["tvd"] > max_tvd]
        success = shapes["score"] >= kwargs["min_score"] and not over
        thresholds = {"min_score": kwargs["min_score"], "max_column_tvd": max_tvd}
        details = self._part_details(
            profile,
            "column_shapes",
            thresholds,
            n_bins=profile["n_bins"],
            bootstrap=profile["bootstrap"],
            columns_over_max_tvd=over,
        )
        return self._answer(success, shapes["score"], details)

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    @render_suite_parameter_string
    def _prescriptive_renderer(cls, configuration=None, result=None, runtime_configuration=None, **kwargs):
        kw = configuration_kwargs(configuration, result)
        params = cls._sides_sentence(kw)
        template = (
            "Fidelity, column shapes: each column of the $synthetic_label rows must be distributed as in the "
            "$real_label rows, with a mean similarity (1 − TVD) of at least $min_score"
        )
        if kw.get("max_column_tvd") is not None:  # default None: only a set limit is named
            template += " and no column's TVD above $max_column_tvd"
            params["max_column_tvd"] = kw["max_column_tvd"]
        template += (
            " (numbers compared on $n_bins real-data quantile bins, missing values as their own value;"
            " rows by $source_column)."
        )
        return [sentence(template, params)]

    @classmethod
    def _observed_block(cls, details: dict[str, Any], result: Any) -> Any:
        sizes = details["sample_sizes"]
        with_holdout = details.get("noise_floor") is not None
        summary = sentence(
            "Column-shapes score $score (95% interval $interval) over $n_columns columns"
            + (" (noise floor, train vs holdout: $noise_floor)" if with_holdout else " (no holdout: no noise floor)")
            + ". Rows: $real real, $synthetic synthetic"
            + (", $holdout holdout." if with_holdout else "."),
            {
                "score": result.result["observed_value"],
                **details,
                **sizes,
                "interval": interval(details.get("interval")),
            },
        )
        header = ["Column", "Kind", "TVD", "TVD 95% interval", "KS"]
        header += ["TVD train–holdout", "KS train–holdout"] if with_holdout else []
        rows = [
            [c["column"], c["kind"], c["tvd"], interval(c.get("tvd_interval")), c["ks"]]
            + ([c["holdout_tvd"], c["holdout_ks"]] if with_holdout else [])
            for c in details["columns"]
        ]
        panels = [
            (
                [
                    {"bin or value": level, "side": side, "share": share}
                    for side in ("real", "synthetic")
                    for level, share in zip(dist["levels"], dist[side], strict=True)
                ],
                "bin or value",
                "share",
                "side",
                f"{dist['column']}: real vs synthetic",
            )
            for dist in details["distributions"]
        ]
        blocks = [summary, table(header, rows)]
        if panels:
            blocks.append(grouped_bar_chart(panels))
        return container(blocks)


class ExpectSyntheticColumnPairTrendsToMatchReal(_FidelityExpectation):
    """Pairs of columns in the synthetic rows vary together as in the real rows.

    Score = mean over column pairs of the pair similarity: 1 − |ρ_real − ρ_syn| / 2 for two
    numeric columns, 1 − TVD of the joint distribution on real-data levels otherwise. Passes
    when the score is at least ``min_score``.
    """

    part: ClassVar[str] = "pair_trends"

    metric_dependencies: ClassVar[Tuple[str, ...]] = (FIDELITY_PROFILE,)
    success_keys: ClassVar[Tuple[str, ...]] = (*PROFILE_KEYS, "min_score")

    def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
        profile = metrics[FIDELITY_PROFILE]
        failed = self._not_measured(profile, "pair_trends")
        if failed:
            return failed
        trends = profile["pair_trends"]
        score = trends["score"]
        min_score = self._get_success_kwargs()["min_score"]
        # One audit column has no pair: nothing to compare, which is not a fidelity failure.
        success = score is None or score >= min_score
        details = self._part_details(
            profile, "pair_trends", {"min_score": min_score}, n_bins=profile["n_bins"], bootstrap=profile["bootstrap"]
        )
        return self._answer(success, score, details)

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    @render_suite_parameter_string
    def _prescriptive_renderer(cls, configuration=None, result=None, runtime_configuration=None, **kwargs):
        params = cls._sides_sentence(configuration_kwargs(configuration, result))
        return [
            sentence(
                "Fidelity, column pair trends: pairs of columns in the $synthetic_label rows must vary together as "
                "in the $real_label rows, with a mean pair similarity of at least $min_score (Pearson correlation "
                "for two numbers, joint distribution on $n_bins real-data quantile bins otherwise; rows by "
                "$source_column).",
                params,
            )
        ]

    @classmethod
    def _observed_block(cls, details: dict[str, Any], result: Any) -> Any:
        with_holdout = details.get("noise_floor") is not None
        summary = sentence(
            "Pair-trends score $score (95% interval $interval) over $n_pairs column pairs"
            + (" (noise floor, train vs holdout: $noise_floor)" if with_holdout else " (no holdout: no noise floor)")
            + f". The {SHOWN_PAIRS} least similar pairs:",
            {
                "score": result.result["observed_value"],
                "interval": interval(details.get("interval")),
                "n_pairs": details["n_pairs"],
                "noise_floor": details.get("noise_floor"),
            },
        )
        worst = details["pairs"][:SHOWN_PAIRS]
        header = (
            ["Columns", "Measure", "Similarity", "95% interval"]
            + (["Train–holdout"] if with_holdout else [])
            + ["ρ real", "ρ synthetic"]
        )
        rows = [
            [" × ".join(p["columns"]), p["metric"], p["score"], interval(p.get("score_interval"))]
            + ([p["holdout_score"]] if with_holdout else [])
            + [p.get("correlation_real"), p.get("correlation_synthetic")]
            for p in worst
        ]
        records = [
            {"pair": " × ".join(p["columns"]), "compared": compared, "similarity": p[key]}
            for p in worst
            for compared, key in (("synthetic", "score"), ("holdout", "holdout_score"))
            if key in p and p[key] is not None
        ]
        blocks = [summary, table(header, rows)]
        if records:
            panel = (records, "pair", "similarity", "compared", "Least similar pairs vs the real data")
            blocks.append(grouped_bar_chart([panel]))
        return container(blocks)


__all__ = ["ExpectSyntheticColumnPairTrendsToMatchReal", "ExpectSyntheticColumnShapesToMatchReal", "FidelityProfile"]
