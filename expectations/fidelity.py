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
from expectations.metrics.significance import format_p
from expectations.metrics.verdicts.fidelity import column_shapes_verdict, pair_trends_verdict
from expectations.rendering import (
    configuration_kwargs,
    container,
    grouped_bar_chart,
    interval,
    sentence,
    table,
    verdict_sentence,
)

FIDELITY_PROFILE = "table.synth_audit.fidelity_profile"
PROFILE_KEYS: Tuple[str, ...] = (*SIDE_KEYS, *RANDOM_KEYS, "n_bins")
#: How many column pairs the Data Docs table and chart show (worst first).
SHOWN_PAIRS = 10


def _judgement(judged: dict[str, Any] | None) -> list[Any]:
    """The Holm p and verdict cells of a column or pair row."""
    if judged is None:
        return ["—", "not tested"]
    return [format_p(judged["adjusted_p"]), "worse than real" if judged["fails"] else "ok"]


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
    min_score: Union[float, SuiteParameterDict] = pydantic.Field(
        0.0, description="Optional floor on the mean score (0: off; the per-column or per-pair test decides)."
    )
    margin: Union[float, SuiteParameterDict] = pydantic.Field(
        0.03, description="Excess over the reference that matters: a column's TVD, or a pair's loss."
    )
    _unit_interval = pydantic.validator("min_score", "margin", allow_reuse=True)(unit_interval)

    _positive_bins = pydantic.validator("n_bins", allow_reuse=True)(at_least(1))

    #: The verdict function of the check's profile part (``expectations.metrics.verdicts.fidelity``).
    judge: ClassVar[Any] = None

    @classmethod
    def _sides_sentence(cls, kwargs: dict[str, Any]) -> dict[str, Any]:
        return cls._with_defaults(
            kwargs, ("synthetic_label", "real_label", "source_column", "n_bins", "min_score", "margin", "alpha")
        )

    def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
        profile = metrics[FIDELITY_PROFILE]
        failed = self._not_measured(profile, self.part) or self._module_not_run(profile, self.part)
        if failed:
            return failed
        kwargs = self._get_success_kwargs()
        figures = profile[self.part]
        judged = type(self).judge(figures, float(kwargs["alpha"]), float(kwargs["margin"]), float(kwargs["min_score"]))
        thresholds = {name: kwargs[name] for name in ("alpha", "margin", "min_score")}
        details = self._part_details(
            profile, self.part, thresholds, n_bins=profile["n_bins"], bootstrap=profile["bootstrap"], verdict=judged
        )
        return self._answer(judged["passes"], figures["score"], details)

    @staticmethod
    def _judged(details: dict[str, Any]) -> dict[str, dict[str, Any]]:
        """The verdict's per-item judgements by item name."""
        return {j["name"]: j for j in details["verdict"]["judged"]}


class ExpectSyntheticColumnShapesToMatchReal(_FidelityExpectation):
    """Each column of the synthetic rows is distributed as in the real rows, up to real data's own noise.

    Per column the TVD between real and synthetic (real-quantile bins for numbers, missing as its
    own value) against its reference TVD (what a real sample of the synthetic size scores); a
    column fails when it exceeds the reference by more than ``margin`` and Pearson's χ² rejects
    at level ``alpha`` after Holm over the columns. ``min_score`` is an optional floor on the
    mean of 1 − TVD (the observed value). Details carry per-column TVD, KS, reference, the
    verdict and, with holdout rows, the train vs holdout figures (the noise floor).
    """

    part: ClassVar[str] = "column_shapes"
    judge: ClassVar[Any] = staticmethod(column_shapes_verdict)

    metric_dependencies: ClassVar[Tuple[str, ...]] = (FIDELITY_PROFILE,)
    success_keys: ClassVar[Tuple[str, ...]] = (*PROFILE_KEYS, "min_score", "margin", "alpha")

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    @render_suite_parameter_string
    def _prescriptive_renderer(cls, configuration=None, result=None, runtime_configuration=None, **kwargs):
        params = cls._sides_sentence(configuration_kwargs(configuration, result))
        template = (
            "Fidelity, column shapes: each column of the $synthetic_label rows must be distributed as in the "
            "$real_label rows up to real data's own noise: no column's TVD may exceed its reference (the TVD a "
            "real sample of the synthetic size shows) by more than $margin with Pearson's χ² significant at "
            "level $alpha after Holm over the columns (mean similarity floor $min_score; numbers compared on "
            "$n_bins real-data quantile bins, missing values as their own value; rows by $source_column)."
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
        header = ["Column", "Kind", "TVD", "TVD 95% interval", "Reference TVD", "Holm p", "Verdict", "KS"]
        header += ["TVD train–holdout", "KS train–holdout"] if with_holdout else []
        judged = cls._judged(details)
        rows = [
            [c["column"], c["kind"], c["tvd"], interval(c.get("tvd_interval")), c["reference_tvd"]]
            + _judgement(judged.get(c["column"]))
            + [c["ks"]]
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
        blocks = [summary, verdict_sentence(details["verdict"]), table(header, rows)]
        if panels:
            blocks.append(grouped_bar_chart(panels))
        return container(blocks)


class ExpectSyntheticColumnPairTrendsToMatchReal(_FidelityExpectation):
    """Pairs of columns in the synthetic rows vary together as in the real rows, up to real data's noise.

    Per pair the loss 1 − similarity (similarity: 1 − |ρ_real − ρ_syn| / 2 for two numeric
    columns, 1 − TVD of the joint distribution on real-data levels otherwise) against its
    reference loss; a pair fails when it exceeds the reference by more than ``margin`` and its
    test rejects at level ``alpha`` after Holm over the pairs. ``min_score`` is an optional floor
    on the mean similarity (the observed value).
    """

    part: ClassVar[str] = "pair_trends"
    judge: ClassVar[Any] = staticmethod(pair_trends_verdict)

    metric_dependencies: ClassVar[Tuple[str, ...]] = (FIDELITY_PROFILE,)
    success_keys: ClassVar[Tuple[str, ...]] = (*PROFILE_KEYS, "min_score", "margin", "alpha")

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    @render_suite_parameter_string
    def _prescriptive_renderer(cls, configuration=None, result=None, runtime_configuration=None, **kwargs):
        params = cls._sides_sentence(configuration_kwargs(configuration, result))
        return [
            sentence(
                "Fidelity, column pair trends: pairs of columns in the $synthetic_label rows must vary together as "
                "in the $real_label rows up to real data's own noise: no pair's loss (1 − similarity) may exceed "
                "its reference by more than $margin with its test significant at level $alpha after Holm over the "
                "pairs (mean similarity floor $min_score; Pearson correlation for two numbers, joint distribution "
                "on $n_bins real-data quantile bins otherwise; rows by $source_column).",
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
            ["Columns", "Measure", "Similarity", "95% interval", "Loss", "Reference loss", "Holm p", "Verdict"]
            + (["Train–holdout"] if with_holdout else [])
            + ["ρ real", "ρ synthetic"]
        )
        judged = cls._judged(details)
        rows = [
            [" × ".join(p["columns"]), p["metric"], p["score"], interval(p.get("score_interval"))]
            + [p.get("loss"), p.get("reference_loss")]
            + _judgement(judged.get(" × ".join(p["columns"])))
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
        blocks = [summary, verdict_sentence(details["verdict"]), table(header, rows)]
        if records:
            panel = (records, "pair", "similarity", "compared", "Least similar pairs vs the real data")
            blocks.append(grouped_bar_chart([panel]))
        return container(blocks)


__all__ = ["ExpectSyntheticColumnPairTrendsToMatchReal", "ExpectSyntheticColumnShapesToMatchReal", "FidelityProfile"]
