"""Privacy audits as GX expectations: exact copies, membership inference, DCR share, DCR profile.

All four depend on one metric, ``table.synth_audit.privacy_profile``, with the same value kwargs
(thresholds are not among them), so the nearest-neighbour search runs once per audit and every
expectation reads it (DESIGN §4 "Privacy"; the mathematics is in ``expectations.metrics.privacy``).
No row of any input reaches a result: counts, shares, distances' quantiles and attack figures.
"""

from __future__ import annotations

from typing import Any, ClassVar, Tuple, Union

from great_expectations.compatibility import pydantic
from great_expectations.core.suite_parameters import SuiteParameterDict

from expectations.base import (
    RANDOM_KEYS,
    SIDE_KEYS,
    AuditExpectation,
    AuditProfileMetric,
    at_least,
    unit_interval,
)
from expectations.metrics.privacy import privacy_profile
from expectations.rendering import container, interval, sentence, table

PRIVACY_PROFILE = "table.synth_audit.privacy_profile"
PROFILE_KEYS: Tuple[str, ...] = (*SIDE_KEYS, *RANDOM_KEYS, "attack_sample", "dcr_sample", "top_categories")
WITH_HOLDOUT = "with a holdout, the membership attack and the DCR share measure closeness instead"
NEEDS_HOLDOUT = (
    "a membership figure needs a holdout (real rows the generator never saw): without one, the attack "
    "and the DCR share cannot be run"
)


class PrivacyProfile(AuditProfileMetric):
    """Exact copies, nearest-neighbour distances and the membership attack, computed once."""

    metric_name = PRIVACY_PROFILE
    value_keys = PROFILE_KEYS
    family = "privacy"
    profile = staticmethod(privacy_profile)
    spark_profile = "expectations.spark.privacy:spark_privacy_profile"
    count_keys = (*RANDOM_KEYS, "attack_sample", "dcr_sample", "top_categories")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f}%"


class _PrivacyExpectation(AuditExpectation):
    """Kwargs shared by the privacy expectations (abstract)."""

    audit_module: ClassVar[str] = "privacy"
    #: The figure of its profile part the expectation judges, and why the part can be absent.
    observed: ClassVar[str] = ""
    sentence_kwargs: ClassVar[Tuple[str, ...]] = (
        "synthetic_label",
        "real_label",
        "holdout_label",
        "source_column",
        "attack_sample",
    )
    absent_reason: ClassVar[str] = ""

    attack_sample: Union[int, SuiteParameterDict] = pydantic.Field(
        5_000, description="Members and non-members each, at most (m = min(n_train, n_holdout, this))."
    )
    dcr_sample: Union[int, SuiteParameterDict] = pydantic.Field(
        10_000, description="Train and holdout rows (each, at most) every synthetic row is compared with."
    )
    top_categories: Union[int, SuiteParameterDict] = pydantic.Field(
        20, description="One-hot categories kept per categorical column in the distance encoding."
    )

    _samples = pydantic.validator("attack_sample", "dcr_sample", allow_reuse=True)(at_least(10))
    _categories = pydantic.validator("top_categories", allow_reuse=True)(at_least(1))

    def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
        profile = metrics[PRIVACY_PROFILE]
        failed = self._not_measured(profile, self.part)
        if failed:
            return failed
        if self.part not in profile:
            return self._not_with_this_batch(metrics, self.absent_reason)
        value = profile[self.part][self.observed]
        return self._judge(metrics, value, value <= self._get_success_kwargs()[self.limit])

    def _judge(self, metrics: dict[str, Any], observed: Any, passes: bool, **extra: Any) -> dict[str, Any]:
        profile = metrics[PRIVACY_PROFILE]
        thresholds = {self.limit: self._get_success_kwargs()[self.limit]}
        details = self._part_details(
            profile, self.part, thresholds, exact_copies=profile["exact_copies"], settings=profile["settings"], **extra
        )
        return self._answer(passes, observed, details)

    def _not_with_this_batch(self, metrics: dict[str, Any], reason: str) -> dict[str, Any]:
        """Passes without a figure: this check does not apply to the batch, ``not_measured`` says why.

        A missing holdout is also a ``finding`` for the report: the reviewer has no membership figure.
        """
        findings = [{"kind": "not_measured", "message": reason}] if reason == NEEDS_HOLDOUT else []
        extra = {"not_measured": reason, **({"findings": findings} if findings else {})}
        return self._judge(metrics, None, True, **extra)


class ExpectSyntheticExactCopyRateToBeBelow(_PrivacyExpectation):
    """At most ``max_copy_rate`` of the synthetic rows equal a training row on every audit column.

    The observed value is the copy rate; beside it the share of holdout rows equal to a training
    row shows how often real records repeat anyway.
    """

    part: ClassVar[str] = "exact_copies"
    limit: ClassVar[str] = "max_copy_rate"
    max_copy_rate: Union[float, SuiteParameterDict] = pydantic.Field(0.01, description="Highest passing copy rate.")
    _unit = pydantic.validator("max_copy_rate", allow_reuse=True)(unit_interval)

    metric_dependencies: ClassVar[Tuple[str, ...]] = (PRIVACY_PROFILE,)
    success_keys: ClassVar[Tuple[str, ...]] = (*PROFILE_KEYS, "max_copy_rate")

    observed: ClassVar[str] = "rate"
    absent_reason: ClassVar[str] = ""
    template: ClassVar[str] = (
        "Privacy, exact copies: at most $max_copy_rate of the $synthetic_label rows may equal a $real_label "
        "row on every audit column (rows by $source_column)."
    )

    @classmethod
    def _observed_block(cls, details: dict[str, Any], result: Any) -> Any:
        copies, sizes = details["exact_copies"], details["sample_sizes"]
        holdout = copies["holdout_rate"]
        return sentence(
            "Exact-copy rate $rate ($count of $synthetic synthetic rows)"
            + (
                "; holdout rows equal to a training row: $holdout_rate (real records repeat too)."
                if holdout is not None
                else "."
            ),
            {
                "rate": _percent(copies["rate"]),
                "count": copies["count"],
                "synthetic": sizes["synthetic"],
                "holdout_rate": _percent(holdout),
            },
        )


class ExpectSyntheticMembershipAdvantageToBeBelow(_PrivacyExpectation):
    """A distance attack holding the synthetic rows tells training rows from holdout rows with an
    advantage (max TPR − FPR) of at most ``max_advantage``.

    Needs holdout rows in the batch; without them it passes with no figure and says a holdout is
    needed. The observed value carries AUC, advantage and TPR at 1% / 0.1% FPR with intervals.
    """

    part: ClassVar[str] = "attack"
    limit: ClassVar[str] = "max_advantage"
    max_advantage: Union[float, SuiteParameterDict] = pydantic.Field(0.1, description="Highest passing advantage.")
    _unit = pydantic.validator("max_advantage", allow_reuse=True)(unit_interval)

    metric_dependencies: ClassVar[Tuple[str, ...]] = (PRIVACY_PROFILE,)
    success_keys: ClassVar[Tuple[str, ...]] = (*PROFILE_KEYS, "max_advantage")

    observed: ClassVar[str] = "advantage"
    absent_reason: ClassVar[str] = NEEDS_HOLDOUT
    template: ClassVar[str] = (
        "Privacy, membership inference: an attacker holding the $synthetic_label rows, who scores each real "
        "record by its distance to the closest synthetic row, must tell $real_label (training) rows from "
        "$holdout_label rows with an advantage (max TPR − FPR) of at most $max_advantage (up to "
        "$attack_sample members and as many non-members; rows by $source_column)."
    )

    @classmethod
    def _observed_block(cls, details: dict[str, Any], result: Any) -> Any:
        bounds = details["intervals"]
        summary = sentence(
            "Advantage $advantage $interval: best-threshold balanced accuracy $accuracy against 50% by chance "
            "(the seed's 'attack success rate'). $members members, $non_members non-members.",
            {
                "advantage": details["advantage"],
                "interval": interval(bounds["advantage"]),
                "accuracy": _percent(details["balanced_accuracy"]),
                "members": details["members"],
                "non_members": details["non_members"],
            },
        )
        rows = [
            ["ROC AUC (0.5 = chance)", details["auc"], interval(bounds["auc"])],
            ["Advantage, max TPR − FPR", details["advantage"], interval(bounds["advantage"])],
            ["TPR at 1% FPR", details["tpr_at_0.01_fpr"], interval(bounds["tpr_at_0.01_fpr"])],
            ["TPR at 0.1% FPR", details["tpr_at_0.001_fpr"], interval(bounds["tpr_at_0.001_fpr"])],
        ]
        return container([summary, table(["Attack figure", "Value", "95% interval"], rows)])


class ExpectSyntheticDcrShareToBeBelow(_PrivacyExpectation):
    """At most ``max_dcr_share`` of the synthetic rows lie closer to the training sample than to an
    equal-size holdout sample (ties count half; 0.5 when the generator did not memorise).

    Needs holdout rows; without them it passes with no figure and says so.
    """

    part: ClassVar[str] = "dcr_share"
    limit: ClassVar[str] = "max_dcr_share"
    max_dcr_share: Union[float, SuiteParameterDict] = pydantic.Field(0.55, description="Highest passing share.")
    _unit = pydantic.validator("max_dcr_share", allow_reuse=True)(unit_interval)

    metric_dependencies: ClassVar[Tuple[str, ...]] = (PRIVACY_PROFILE,)
    success_keys: ClassVar[Tuple[str, ...]] = (*PROFILE_KEYS, "max_dcr_share")

    observed: ClassVar[str] = "share"
    absent_reason: ClassVar[str] = NEEDS_HOLDOUT
    template: ClassVar[str] = (
        "Privacy, distance to closest record: at most $max_dcr_share of the $synthetic_label rows may lie "
        "closer to a sample of $real_label rows than to an equal-size sample of $holdout_label rows (0.5 is "
        "ideal; rows by $source_column)."
    )

    @classmethod
    def _observed_block(cls, details: dict[str, Any], result: Any) -> Any:
        return sentence(
            "Closer to training: $share $interval of $synthetic synthetic rows, against $train training and $holdout "
            "holdout rows.",
            {
                "share": details["share"],
                "interval": interval(details["interval"]),
                "synthetic": details["synthetic_rows"],
                "train": details["train_rows"],
                "holdout": details["holdout_rows"],
            },
        )


class ExpectSyntheticRowsNotCloserThanRealNeighbours(_PrivacyExpectation):
    """Without a holdout: at most ``max_close_share`` of the synthetic rows lie as close to the real
    data as the closest 5% of real rows lie to each other (≈ 0.05 when nothing is copied).

    With holdout rows the membership attack and the DCR share answer this better; the
    expectation then passes with no figure.
    """

    part: ClassVar[str] = "dcr_profile"
    limit: ClassVar[str] = "max_close_share"
    max_close_share: Union[float, SuiteParameterDict] = pydantic.Field(0.1, description="Highest passing share.")
    _unit = pydantic.validator("max_close_share", allow_reuse=True)(unit_interval)

    metric_dependencies: ClassVar[Tuple[str, ...]] = (PRIVACY_PROFILE,)
    success_keys: ClassVar[Tuple[str, ...]] = (*PROFILE_KEYS, "max_close_share")

    observed: ClassVar[str] = "close_share"
    absent_reason: ClassVar[str] = WITH_HOLDOUT
    template: ClassVar[str] = (
        "Privacy, without a holdout: at most $max_close_share of the $synthetic_label rows may lie as close "
        "to the $real_label rows as the closest 5% of real rows lie to one another (rows by $source_column)."
    )

    @classmethod
    def _observed_block(cls, details: dict[str, Any], result: Any) -> Any:
        summary = sentence(
            "Too close: $share $interval of $synthetic synthetic rows (about 0.05 expected). " + NEEDS_HOLDOUT + ".",
            {
                "share": details["close_share"],
                "interval": interval(details["interval"]),
                "synthetic": details["synthetic_rows"],
            },
        )
        rows = [
            [f"{label} distance to the closest real row", *(details[side][q] for q in ("p05", "p25", "p50"))]
            for label, side in (("Synthetic row:", "synthetic"), ("Real row (itself excluded):", "real"))
        ]
        return container([summary, table(["Distance", "5th percentile", "25th percentile", "median"], rows)])


__all__ = [
    "ExpectSyntheticDcrShareToBeBelow",
    "ExpectSyntheticExactCopyRateToBeBelow",
    "ExpectSyntheticMembershipAdvantageToBeBelow",
    "ExpectSyntheticRowsNotCloserThanRealNeighbours",
    "PrivacyProfile",
]
