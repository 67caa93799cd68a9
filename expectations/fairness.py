"""Fairness audits as GX expectations: demographic parity, bias amplification, representation.

All three depend on one metric, ``table.synth_audit.fairness_profile``, with the same value
kwargs (thresholds are not among them), so the group counts and their bootstrap are computed
once per audit (DESIGN §4 "Fairness"; the mathematics is in ``expectations.metrics.fairness``).
Each expectation judges every protected attribute and, with several, their intersection, and
fails naming the groupings over its threshold. Results hold group sizes, shares and rates, never
a row; the rate of a group smaller than ``min_group_size`` is not reported.
"""

from __future__ import annotations

from typing import Any, ClassVar, List, Tuple, Union

from great_expectations.compatibility import pydantic
from great_expectations.core.suite_parameters import SuiteParameterDict

from expectations.base import (
    NEEDS_REAL,
    RANDOM_KEYS,
    SIDE_KEYS,
    AuditExpectation,
    AuditProfileMetric,
    at_least,
    unit_interval,
)
from expectations.metrics.fairness import REPRESENTATION_BAND, fairness_profile
from expectations.metrics.verdicts.fairness import amplification_verdict, parity_verdict, representation_verdict
from expectations.rendering import container, grouped_bar_chart, interval, sentence, table, verdict_sentence

FAIRNESS_PROFILE = "table.synth_audit.fairness_profile"
SETTING_KEYS: Tuple[str, ...] = ("protected_attributes", "target", "positive_label", "intersection")
PROFILE_KEYS: Tuple[str, ...] = (*SIDE_KEYS, *RANDOM_KEYS, *SETTING_KEYS, "min_group_size")
NEEDS_TARGET = "demographic parity and bias amplification need a target column and its positive label"


class FairnessProfile(AuditProfileMetric):
    """Group sizes and positive rates per protected attribute and intersection, computed once."""

    metric_name = FAIRNESS_PROFILE
    value_keys = PROFILE_KEYS
    family = "fairness"
    profile = staticmethod(fairness_profile)
    spark_profile = "expectations.spark.fairness:spark_fairness_profile"
    count_keys = (*RANDOM_KEYS, "min_group_size")
    setting_keys = SETTING_KEYS
    needs_real = False  # group rates and their parity are measured on the synthetic rows alone too


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.3f}"


class _FairnessExpectation(AuditExpectation):
    """Kwargs and verdict shared by the fairness expectations (abstract).

    A subclass names the grouping figure it judges (``figure``), its threshold kwarg
    (``limit``) and whether it needs a target; a grouping fails when its figure exceeds the limit.
    """

    audit_module: ClassVar[str] = "fairness"
    figure: ClassVar[str] = ""
    #: Every threshold kwarg of the check (``limit`` first, the one the sentence names).
    limits: ClassVar[Tuple[str, ...]] = ()
    needs_target: ClassVar[bool] = True
    #: The check compares the synthetic groups with the real ones (not run on synthetic data alone).
    needs_real: ClassVar[bool] = False
    sentence_kwargs: ClassVar[Tuple[str, ...]] = (
        "synthetic_label",
        "real_label",
        "source_column",
        "protected_attributes",
        "target",
        "positive_label",
        "min_group_size",
    )

    protected_attributes: Union[List[str], SuiteParameterDict, None] = pydantic.Field(
        None, description="Protected attribute columns (none: the fairness audit does not run)."
    )
    target: Union[str, SuiteParameterDict, None] = pydantic.Field(None, description="Outcome column.")
    positive_label: Union[str, float, SuiteParameterDict, None] = pydantic.Field(
        None, description="The target's positive value (text or number)."
    )
    min_group_size: Union[int, SuiteParameterDict] = pydantic.Field(
        30, description="Groups with fewer rows on a side are listed but do not decide the verdict."
    )
    intersection: Union[bool, SuiteParameterDict] = pydantic.Field(
        True, description="Also judge the combinations of all protected attributes."
    )
    _group_size = pydantic.validator("min_group_size", allow_reuse=True)(at_least(1))

    def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
        profile = metrics[FAIRNESS_PROFILE]
        failed = self._not_measured(profile, self.part)
        if failed:
            return failed
        if "not_run" in profile:
            return self._verdict(
                profile, None, True, not_measured=profile["not_run"], module_not_run=profile["not_run"]
            )
        groupings = profile["groupings"]
        if self.needs_real and profile["sample_sizes"]["real"] is None:
            return self._verdict(profile, None, True, not_measured=NEEDS_REAL)
        if self.needs_target and profile["settings"]["target"] is None:
            finding = {"kind": "not_measured", "message": NEEDS_TARGET}
            return self._verdict(profile, None, True, not_measured=NEEDS_TARGET, findings=[finding])
        kwargs = self._get_success_kwargs()
        judged = [g for g in groupings if g.get(self.figure) is not None]
        observed = max((g[self.figure] for g in judged), default=None)
        decided = self._judge(groupings, kwargs, profile["settings"]["min_group_size"])
        findings = _suppression_findings(groupings, profile["settings"]["min_group_size"])
        extra: dict[str, Any] = {"groupings_over": decided["failing"], "findings": findings, "verdict": decided}
        if not judged:
            extra["not_measured"] = "no grouping has two groups large enough to compare"
        return self._verdict(profile, observed, decided["passes"], **extra)

    def _judge(self, groupings: list[dict[str, Any]], kwargs: dict[str, Any], min_group_size: int) -> dict[str, Any]:
        """The check's test over every grouping (``expectations.metrics.verdicts.fairness``)."""
        raise NotImplementedError

    def _verdict(self, profile: dict[str, Any], observed: Any, passes: bool, **extra: Any) -> dict[str, Any]:
        kwargs = self._get_success_kwargs()
        thresholds = {name: kwargs[name] for name in (*self.limits, "alpha")}
        details = self._part_details(
            profile,
            self.part,
            thresholds,
            figure=self.figure,
            settings=profile["settings"],
            groupings=profile.get("groupings", []),
            **extra,
        )
        return self._answer(passes, observed, details)

    @classmethod
    def _nothing_to_show(cls, details: dict[str, Any]) -> bool:
        # A grouping table is still worth showing when only the verdict could not be reached.
        return bool(details.get("not_measured")) and not details.get("groupings")


def _suppression_findings(groupings: list[dict[str, Any]], min_group_size: int) -> list[dict[str, Any]]:
    """One finding per grouping with groups too small to decide the verdict, naming them."""
    return [
        {
            "kind": "small_groups",
            "message": (
                f"{g['attribute']}: {len(g['suppressed'])} group(s) with fewer than {min_group_size} rows on a side "
                f"are listed but do not decide the verdict: {', '.join(g['suppressed'])}"
            ),
            "columns": g["attributes"],
            "count": len(g["suppressed"]),
        }
        for g in groupings
        if g["suppressed"]
    ]


def _grouping_rows(
    details: dict[str, Any], figure: str, show: Any = lambda value: value, beside: Tuple[str, ...] = ()
) -> list[list[Any]]:
    """Per grouping: its figure (as ``show`` writes it), the interval, the ``beside`` figures, the verdict."""
    over = set(details.get("groupings_over", []))
    return [
        [
            g["attribute"],
            show(g.get(figure)),
            interval(g["intervals"].get(figure)),
            *(g.get(key) for key in beside),
            "fails" if g["attribute"] in over else "ok",
        ]
        for g in details["groupings"]
    ]


def _side_panels(groupings: list[dict[str, Any]], key: str, measure: str, title: str) -> list[Any]:
    """One chart panel per grouping: ``{side}_{key}`` of each group, real beside synthetic."""
    panels = [
        (
            [
                {"group": row["group"], "side": side, measure: row[f"{side}_{key}"]}
                for row in g["groups"]
                for side in ("real", "synthetic")
                if row.get(f"{side}_{key}") is not None
            ],
            "group",
            measure,
            "side",
            f"{g['attribute']}: {title}, real vs synthetic",
        )
        for g in groupings
    ]
    return [panel for panel in panels if panel[0]]


class ExpectSyntheticDemographicParityDifferenceToBeBelow(_FairnessExpectation):
    """In the synthetic rows, positive rates of the groups of each protected attribute (and of
    their intersection) differ by at most ``max_dpd`` (max − min over groups of ``min_group_size``
    rows or more; equal to fairlearn's ``demographic_parity_difference`` with no group suppressed).
    """

    part: ClassVar[str] = "demographic_parity"
    figure: ClassVar[str] = "dpd_synthetic"
    limit: ClassVar[str] = "max_dpd"
    limits: ClassVar[Tuple[str, ...]] = ("max_dpd",)
    max_dpd: Union[float, SuiteParameterDict] = pydantic.Field(0.1, description="Highest passing DPD.")
    _unit = pydantic.validator("max_dpd", allow_reuse=True)(unit_interval)

    metric_dependencies: ClassVar[Tuple[str, ...]] = (FAIRNESS_PROFILE,)
    success_keys: ClassVar[Tuple[str, ...]] = (*PROFILE_KEYS, "max_dpd", "alpha")
    template: ClassVar[str] = (
        "Fairness, demographic parity (information: a warning at most, since a faithful copy inherits the real "
        "data's gap, shown beside it): in the $synthetic_label rows, the share with $target = $positive_label "
        "should differ between the groups of each of $protected_attributes (and of their combinations) by at "
        "most $max_dpd (groups of at least $min_group_size rows; rows by $source_column)."
    )

    def _judge(self, groupings: list[dict[str, Any]], kwargs: dict[str, Any], min_group_size: int) -> dict[str, Any]:
        return parity_verdict(groupings, float(kwargs["alpha"]), float(kwargs["max_dpd"]))

    @classmethod
    def _observed_block(cls, details: dict[str, Any], result: Any) -> Any:
        sizes = details["sample_sizes"]
        summary = sentence(
            "Largest demographic parity difference in the synthetic rows: $dpd. Rows: $real real, $synthetic "
            "synthetic; rates of groups under $min rows are not shown.",
            {
                "dpd": result.result["observed_value"],
                "real": sizes["real"],
                "synthetic": sizes["synthetic"],
                "min": details["settings"]["min_group_size"],
            },
        )
        parity = [
            [
                g["attribute"],
                g.get("dpd_synthetic"),
                interval(g["intervals"].get("dpd_synthetic")),
                g.get("dpd_real"),
                g.get("ratio_synthetic"),
                g.get("ratio_real"),
            ]
            for g in details["groupings"]
        ]
        groups = [
            [
                g["attribute"],
                row["group"],
                row.get("real_size"),
                row["synthetic_size"],
                row.get("real_rate"),
                row.get("synthetic_rate"),
            ]
            for g in details["groupings"]
            for row in g["groups"]
        ]
        panels = _side_panels(details["groupings"], "rate", "positive rate", "positive rate")
        blocks = [
            summary,
            verdict_sentence(details.get("verdict")),
            table(["Grouping", "DPD synthetic", "95% interval", "DPD real", "Ratio synthetic", "Ratio real"], parity),
            table(["Grouping", "Group", "Rows real", "Rows synthetic", "Rate real", "Rate synthetic"], groups),
        ]
        if panels:
            blocks.append(grouped_bar_chart(panels))
        return container(blocks)


class ExpectSyntheticBiasAmplificationToBeBelow(_FairnessExpectation):
    """The generator did not distort the groups' outcomes: no group's positive rate moved from its
    real rate by more than ``max_rate_change``, and no grouping's widest real gap widened by more
    than ``max_amplification``, each significantly at level ``alpha`` after Holm over every group
    and grouping (``expectations.metrics.verdicts.fairness``).

    The observed value is the largest amplification, DPD(synthetic) − DPD(real) (negative: the
    generator narrowed the real gap).
    """

    part: ClassVar[str] = "amplification"
    figure: ClassVar[str] = "amplification"
    limit: ClassVar[str] = "max_amplification"
    limits: ClassVar[Tuple[str, ...]] = ("max_amplification", "max_rate_change")
    needs_real: ClassVar[bool] = True
    max_amplification: Union[float, SuiteParameterDict] = pydantic.Field(
        0.03, description="Widening of the real data's widest gap that is tolerated."
    )
    max_rate_change: Union[float, SuiteParameterDict] = pydantic.Field(
        0.0, description="Change of a group's positive rate that is tolerated (0: any significant change fails)."
    )
    _unit = pydantic.validator("max_amplification", "max_rate_change", allow_reuse=True)(unit_interval)

    metric_dependencies: ClassVar[Tuple[str, ...]] = (FAIRNESS_PROFILE,)
    success_keys: ClassVar[Tuple[str, ...]] = (*PROFILE_KEYS, "max_amplification", "max_rate_change", "alpha")
    sentence_kwargs: ClassVar[Tuple[str, ...]] = (*_FairnessExpectation.sentence_kwargs, "max_rate_change", "alpha")
    template: ClassVar[str] = (
        "Fairness, outcomes and bias amplification: for each group of each of $protected_attributes (and their "
        "combinations), the share with $target = $positive_label in the $synthetic_label rows may not differ "
        "from the $real_label rows' by more than $max_rate_change, and the gap between the groups with the "
        "highest and lowest real share may not widen by more than $max_amplification, each tested at level "
        "$alpha with Holm over every test (groups of at least $min_group_size rows; rows by $source_column)."
    )

    def _judge(self, groupings: list[dict[str, Any]], kwargs: dict[str, Any], min_group_size: int) -> dict[str, Any]:
        return amplification_verdict(
            groupings, float(kwargs["alpha"]), float(kwargs["max_amplification"]), float(kwargs["max_rate_change"])
        )

    @classmethod
    def _observed_block(cls, details: dict[str, Any], result: Any) -> Any:
        summary = sentence(
            "Largest amplification $amplification (positive: the synthetic data widens the real gap; negative: "
            "it narrows it).",
            {"amplification": _signed(result.result["observed_value"])},
        )
        rows = _grouping_rows(details, "amplification", _signed, ("dpd_synthetic", "dpd_real"))
        header = ["Grouping", "Amplification", "95% interval", "DPD synthetic", "DPD real", "Verdict"]
        return container([summary, verdict_sentence(details.get("verdict")), table(header, rows)])


class ExpectSyntheticGroupRepresentationToMatchReal(_FairnessExpectation):
    """The groups of each protected attribute (and their intersection) make up the synthetic rows
    in the shares they have in the real rows: no group's synthetic / real share ratio lies
    significantly outside [1 / ``max_share_ratio``, ``max_share_ratio``] (level ``alpha``, Holm over
    every group; a group counts when its real size and its expected synthetic size reach
    ``min_group_size``, so a group the generator dropped is judged). Needs no target. The
    observed value is the largest representation TVD of the group shares.
    """

    part: ClassVar[str] = "representation"
    figure: ClassVar[str] = "representation_tvd"
    limit: ClassVar[str] = "max_share_ratio"
    limits: ClassVar[Tuple[str, ...]] = ("max_share_ratio",)
    needs_target: ClassVar[bool] = False
    needs_real: ClassVar[bool] = True
    max_share_ratio: Union[float, SuiteParameterDict] = pydantic.Field(
        REPRESENTATION_BAND, description="Largest tolerated synthetic / real share ratio (and its inverse)."
    )
    _ratio = pydantic.validator("max_share_ratio", allow_reuse=True)(at_least(1))

    metric_dependencies: ClassVar[Tuple[str, ...]] = (FAIRNESS_PROFILE,)
    success_keys: ClassVar[Tuple[str, ...]] = (*PROFILE_KEYS, "max_share_ratio", "alpha")
    sentence_kwargs: ClassVar[Tuple[str, ...]] = (*_FairnessExpectation.sentence_kwargs, "alpha")
    template: ClassVar[str] = (
        "Fairness, representation: the groups of each of $protected_attributes (and their combinations) must "
        "make up the $synthetic_label rows in the shares they have in the $real_label rows: no group's share "
        "ratio may lie significantly beyond $max_share_ratio either way (level $alpha, Holm over every group of "
        "at least $min_group_size real and expected synthetic rows; rows by $source_column)."
    )

    def _judge(self, groupings: list[dict[str, Any]], kwargs: dict[str, Any], min_group_size: int) -> dict[str, Any]:
        return representation_verdict(
            groupings, float(kwargs["alpha"]), float(kwargs["max_share_ratio"]), min_group_size
        )

    def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
        verdict = super()._validate(metrics, runtime_configuration, execution_engine)
        details = verdict["result"]["details"]
        details.setdefault("findings", []).extend(_representation_findings(details.get("groupings", [])))
        return verdict

    @classmethod
    def _observed_block(cls, details: dict[str, Any], result: Any) -> Any:
        summary = sentence("Largest representation TVD $tvd.", {"tvd": result.result["observed_value"]})
        shares = [
            [g["attribute"], row["group"], row.get("real_share"), row["synthetic_share"], row.get("representation")]
            for g in details["groupings"]
            for row in g["groups"]
        ]
        single = [g for g in details["groupings"] if len(g["attributes"]) == 1]
        panels = _side_panels(single, "share", "share of rows", "group shares")
        blocks = [
            summary,
            verdict_sentence(details.get("verdict")),
            table(["Grouping", "Representation TVD", "95% interval", "Verdict"], _grouping_rows(details, cls.figure)),
            table(["Grouping", "Group", "Share real", "Share synthetic", "Represented"], shares),
        ]
        if panels:
            blocks.append(grouped_bar_chart(panels))
        return container(blocks)


def _representation_findings(groupings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Groups the synthetic data under- or over-represents, or leaves out, per grouping."""
    findings = []
    for g in groupings:
        flagged = {
            flag: [row["group"] for row in g["groups"] if row.get("representation") == flag]
            for flag in ("absent", "under", "over")
        }
        described = [f"{flag}: {', '.join(groups)}" for flag, groups in flagged.items() if groups]
        if described:
            count = sum(len(groups) for groups in flagged.values())
            findings.append(
                {
                    "kind": "representation",
                    "message": f"{g['attribute']}: groups under- or over-represented in the synthetic data (share "
                    f"ratio outside {1 / REPRESENTATION_BAND:g}–{REPRESENTATION_BAND:g}) — {'; '.join(described)}",
                    "columns": g["attributes"],
                    "count": count,
                }
            )
    return findings


__all__ = [
    "ExpectSyntheticBiasAmplificationToBeBelow",
    "ExpectSyntheticDemographicParityDifferenceToBeBelow",
    "ExpectSyntheticGroupRepresentationToMatchReal",
    "FairnessProfile",
]
