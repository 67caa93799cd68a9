"""Privacy audits as GX expectations: exact copies, membership and attribute inference, DCR share, DCR profile.

All five depend on one metric, ``table.synth_audit.privacy_profile``, with the same value kwargs
(thresholds are not among them), so the nearest-neighbour search runs once per audit and every
expectation reads it (DESIGN §4 "Privacy"; the mathematics is in ``expectations.metrics.privacy`` and
the modules its docstring names). No row of any input reaches a result: counts, shares, distances'
quantiles and attack figures.
"""

from __future__ import annotations

from typing import Any, ClassVar, List, Tuple, Union

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
from expectations.metrics.significance import format_p
from expectations.metrics.verdicts.privacy import (
    close_share_verdict,
    copy_verdict,
    dcr_share_verdict,
    inference_verdict,
    linkability_verdict,
    membership_verdict,
)
from expectations.rendering import interval, sentence, table, with_verdict

PRIVACY_PROFILE = "table.synth_audit.privacy_profile"
PROFILE_KEYS: Tuple[str, ...] = (
    *SIDE_KEYS,
    *RANDOM_KEYS,
    "attack_sample",
    "dcr_sample",
    "top_categories",
    "secret_columns",
    "protected_attributes",
    "link_columns",
)
WITH_HOLDOUT = "with a holdout, the membership attack and the DCR share measure closeness instead"
NO_SECRET = "no secret column is named (privacy_secret_columns; by default the fairness target)"
NO_HOLDOUT_CONTROL = (
    "attribute inference needs a holdout: its success on records the generator never saw is the control"
)
NO_LINK_CONTROL = (
    "linkability needs a holdout (its success on records the generator never saw is the control) and at least "
    "two audit columns"
)
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
    setting_keys = ("secret_columns", "protected_attributes", "link_columns")


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.2f}%"


def _verdict_block(details: dict[str, Any], template: str, params: dict[str, Any]) -> Any:
    """An observed-value cell: the figures' sentence, then the verdict line."""
    return with_verdict([sentence(template, params)], details.get("verdict"))


class _PrivacyExpectation(AuditExpectation):
    """Kwargs shared by the privacy expectations (abstract)."""

    audit_module: ClassVar[str] = "privacy"
    #: The figure of its profile part the expectation judges, and why the part can be absent.
    observed: ClassVar[str] = ""
    #: Every threshold kwarg of the check (``limit`` first, the one the sentence names), in the
    #: order ``judge`` (from ``expectations.metrics.verdicts.privacy``) takes them after ``alpha``.
    limits: ClassVar[Tuple[str, ...]] = ()
    judge: ClassVar[Any] = None
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
    secret_columns: Union[List[str], SuiteParameterDict, None] = pydantic.Field(
        None, description="Audit columns an attacker who knows the others tries to infer (attribute inference)."
    )
    protected_attributes: Union[List[str], SuiteParameterDict, None] = pydantic.Field(
        None, description="Protected attribute columns: the membership attack's figures per group of each."
    )
    link_columns: Union[List[str], SuiteParameterDict, None] = pydantic.Field(
        None, description="Columns one party holds in the linkability attack (default: the first half)."
    )

    _samples = pydantic.validator("attack_sample", "dcr_sample", allow_reuse=True)(at_least(10))
    _categories = pydantic.validator("top_categories", allow_reuse=True)(at_least(1))

    def _validate(self, metrics, runtime_configuration=None, execution_engine=None):
        profile = metrics[PRIVACY_PROFILE]
        failed = self._not_measured(profile, self.part) or self._module_not_run(profile, self.part)
        if failed:
            return failed
        if self.part not in profile or self._not_asked():
            return self._not_with_this_batch(metrics, self._not_asked() or self.absent_reason)
        part = profile[self.part]
        judged = self._verdict(part, self._get_success_kwargs())
        return self._judge(metrics, self._observed_value(part, judged), judged["passes"], verdict=judged)

    def _not_asked(self) -> str:
        """Why the check was not asked for by its kwargs ("" when it was)."""
        return ""

    def _observed_value(self, part: dict[str, Any], judged: dict[str, Any]) -> Any:
        """The result's observed value: the part's ``observed`` figure."""
        return part[self.observed]

    def _verdict(self, part: dict[str, Any], kwargs: dict[str, Any]) -> dict[str, Any]:
        """The check's test on its profile part: ``judge(part, alpha, *limits)``."""
        return type(self).judge(part, float(kwargs["alpha"]), *(float(kwargs[name]) for name in self.limits))

    def _judge(self, metrics: dict[str, Any], observed: Any, passes: bool, **extra: Any) -> dict[str, Any]:
        profile = metrics[PRIVACY_PROFILE]
        kwargs = self._get_success_kwargs()
        thresholds = {name: kwargs[name] for name in (*self.limits, "alpha")}
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
    """The synthetic rows copy training rows no more often than real records repeat them.

    Test: the synthetic copy rate (rows equal to a training row on every audit column) against
    the holdout's (without a holdout: train's own repeat rate), one-sided at level ``alpha``,
    excess over ``max_copy_excess``; also for copies of records unique in train; and, at
    ``max_copy_excess`` 0 with a holdout, the split test (are the real records the synthetic rows
    equal training records more often than a random train / holdout split explains?);
    Bonferroni over them.
    The observed value is the copy rate (``expectations.metrics.verdicts.privacy``).
    """

    part: ClassVar[str] = "exact_copies"
    limit: ClassVar[str] = "max_copy_excess"
    limits: ClassVar[Tuple[str, ...]] = ("max_copy_excess",)
    judge: ClassVar[Any] = staticmethod(copy_verdict)
    max_copy_excess: Union[float, SuiteParameterDict] = pydantic.Field(
        0.0, description="Copy-rate excess over the reference's that is tolerated (0: any significant excess fails)."
    )
    _unit = pydantic.validator("max_copy_excess", allow_reuse=True)(unit_interval)

    metric_dependencies: ClassVar[Tuple[str, ...]] = (PRIVACY_PROFILE,)
    success_keys: ClassVar[Tuple[str, ...]] = (*PROFILE_KEYS, "max_copy_excess", "alpha")
    sentence_kwargs: ClassVar[Tuple[str, ...]] = (*_PrivacyExpectation.sentence_kwargs, "alpha")

    observed: ClassVar[str] = "rate"
    absent_reason: ClassVar[str] = ""
    template: ClassVar[str] = (
        "Privacy, exact copies: the $synthetic_label rows may equal a $real_label row on every audit column no "
        "more often than $holdout_label rows do (without a holdout: than $real_label rows repeat one another), "
        "beyond an excess of $max_copy_excess; one-sided test at level $alpha, for all copies and for copies "
        "of records unique in training, and (at no excess) a permutation test that the real records copied "
        "are no more often training records than a random train / holdout split makes them (rows by $source_column)."
    )

    @classmethod
    def _observed_block(cls, details: dict[str, Any], result: Any) -> Any:
        copies = details["exact_copies"]
        return _verdict_block(
            details,
            "Exact-copy rate $rate ($count of $synthetic synthetic rows); of records unique in training: $unique.",
            {
                "rate": _percent(copies["rate"]),
                "count": copies["count"],
                "synthetic": copies["synthetic_rows"],
                "unique": _percent(copies["unique_rate"]),
            },
        )


class ExpectSyntheticMembershipAdvantageToBeBelow(_PrivacyExpectation):
    """An ensemble of attacks holding the synthetic rows cannot tell training rows from holdout rows.

    The distance attack scores each record by its distance to the closest synthetic row over its
    distance to the closest other real record; the rarity attack by how much more closely, on
    rarer values, a synthetic row matches it than its closest real neighbour does
    (``expectations.metrics.rarity``). Test: at 1% and 0.1% FPR the distance attack's empirical ε
    lower bound ln(TPR_lb / FPR_ub) (Clopper–Pearson) is at most ``max_epsilon``, its advantage
    (max TPR − FPR) is not both above ``max_advantage`` and significant, and neither the
    near-match test (real records a synthetic row sits far closer to than any real neighbour do
    not lean to train) nor the rarity attack's tail scan is significant; Bonferroni over the
    sub-tests at level ``alpha``. Needs holdout rows in the batch; without them it passes with
    no figure and says a holdout is needed. The observed value is the distance attack's
    advantage; details carry each attack's AUC and TPR at low FPR, the strongest, and the near matches.
    """

    part: ClassVar[str] = "attack"
    limit: ClassVar[str] = "max_epsilon"
    limits: ClassVar[Tuple[str, ...]] = ("max_epsilon", "max_advantage")
    judge: ClassVar[Any] = staticmethod(membership_verdict)
    max_epsilon: Union[float, SuiteParameterDict] = pydantic.Field(
        0.0, description="Highest passing empirical ε lower bound at a low FPR (0: TPR may not beat FPR)."
    )
    max_advantage: Union[float, SuiteParameterDict] = pydantic.Field(
        0.1, description="Highest advantage passing even when significant."
    )
    _unit = pydantic.validator("max_advantage", allow_reuse=True)(unit_interval)
    _epsilon = pydantic.validator("max_epsilon", allow_reuse=True)(at_least(0))

    metric_dependencies: ClassVar[Tuple[str, ...]] = (PRIVACY_PROFILE,)
    success_keys: ClassVar[Tuple[str, ...]] = (*PROFILE_KEYS, "max_epsilon", "max_advantage", "alpha")
    sentence_kwargs: ClassVar[Tuple[str, ...]] = (*_PrivacyExpectation.sentence_kwargs, "max_advantage", "alpha")

    observed: ClassVar[str] = "advantage"
    absent_reason: ClassVar[str] = NEEDS_HOLDOUT
    template: ClassVar[str] = (
        "Privacy, membership inference: an attacker holding the $synthetic_label rows, who scores each real "
        "record by its distance to the closest synthetic row relative to its closest real neighbour, must not "
        "beat chance at a low false-positive rate: at 1% and 0.1% FPR the empirical ε lower bound (TPR's lower "
        "over FPR's upper Clopper–Pearson bound) is at most $max_epsilon, and the advantage (max TPR − FPR) is "
        "not significantly above $max_advantage; nor may the real records that a synthetic row sits far closer to "
        "than any real neighbour be training records more often than a random relabelling of members and "
        "non-members makes them (exact permutation scan over 4 closeness ratios, rare profiles weighing most); nor "
        "may more training records than such a relabelling explains be matched by a synthetic row more closely, on "
        "rarer values, than all but a few holdout records are (the rarity attack, exact permutation scan over its "
        "true positives at 0 to 63 false positives); level $alpha over the sub-tests ($real_label rows are "
        "members, $holdout_label rows non-members, up to $attack_sample each; rows by $source_column)."
    )

    @classmethod
    def _observed_block(cls, details: dict[str, Any], result: Any) -> Any:
        bounds = details["intervals"]
        summary = sentence(
            "Advantage $advantage $interval: best-threshold balanced accuracy $accuracy against 50% by chance "
            "(the attack's success rate). $members members, $non_members non-members.",
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
        epsilons = details["verdict"]["epsilons"]
        rows += [
            [f"Empirical ε lower bound at {float(level):.1%} FPR", "−∞" if value is None else value, "—"]
            for level, value in epsilons.items()
        ]
        rows += [
            [
                f"Near matches within {near['ratio']:g}× the real neighbour distance: training records of all",
                f"{near['training_records']:,} of {near['records']:,}",
                "—",
            ]
            for near in details.get("near_matches", {}).get("by_ratio", [])
        ]
        blocks = [summary, table(["Attack figure", "Value", "95% interval"], rows)]
        if details.get("rarity"):
            blocks.extend(_ensemble_blocks(details))
        exposure = details.get("exposure")
        if exposure:
            blocks.extend(_exposure_block(exposure))
        if details.get("by_group"):
            blocks.append(_group_block(details["by_group"]))
        return with_verdict(blocks, details["verdict"])


def _ensemble_blocks(details: dict[str, Any]) -> list[Any]:
    """Each attack of the ensemble side by side, the strongest named, and the rarity scan's levels."""
    attacks = {"Distance attack": details, "Rarity attack": details["rarity"]}
    rows = [
        [
            name,
            f"{part['members']:,} / {part['non_members']:,}",
            f"{part['auc']:.3f} {interval(part['intervals']['auc'])}",
            f"{part['tpr_at_0.01_fpr']:.3f} {interval(part['intervals']['tpr_at_0.01_fpr'])}",
            f"{part['tpr_at_0.001_fpr']:.3f} {interval(part['intervals']['tpr_at_0.001_fpr'])}",
        ]
        for name, part in attacks.items()
    ]
    strongest = details["strongest"]
    scan = details["rarity"]["scan"]
    note = sentence(
        "Strongest attack (highest TPR at 1% FPR): the $attack attack. Rarity attack (real side: each target's "
        "$rank closest other target), training records matched more closely than all but k holdout records: $levels "
        "(tail scan $p).",
        {
            "attack": strongest["attack"],
            "rank": _ordinal(int(details["rarity"]["reference_rank"])),
            "levels": ", ".join(
                f"{level['true_positives']:,} at k = {level['false_positives']}" for level in scan["levels"]
            )
            or "none",
            "p": format_p(scan["p_value"]),
        },
    )
    header = ["Attack", "Training / holdout targets", "ROC AUC", "TPR at 1% FPR", "TPR at 0.1% FPR"]
    return [table(header, rows), note]


def _ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, … 11th, 12th, 13th, 21st."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _group_block(rows: list[dict[str, Any]]) -> Any:
    """Membership risk per protected group (information): AUC and exposure per side, Holm-adjusted p."""
    table_rows = [
        [
            f"{row['attribute']} = {row['group']}",
            f"{row['members']:,} / {row['non_members']:,}",
            row["auc"] if row["judged"] else "too few targets",
            _percent(row["member_rate"]) if row["judged"] else "—",
            _percent(row["non_member_rate"]) if row["judged"] else "—",
            format_p(row["adjusted_p"]) if row["adjusted_p"] is not None else "—",
        ]
        for row in rows
    ]
    header = ["Group", "Training / holdout targets", "Membership AUC", "Training exposed", "Holdout exposed", "Holm"]
    return table(header, table_rows)


def _exposure_block(exposure: dict[str, Any]) -> list[Any]:
    """The most exposed records (information, not a verdict): rates per side, the isolated ones, row positions."""
    rows = []
    for label, part in (
        ("All targets", exposure["all"]),
        (f"Most isolated {exposure['isolated']['share']:.0%}", exposure["isolated"]),
    ):
        rows.append(
            [
                label,
                f"{part['members_exposed']:,} of {part['members']:,}: {_percent(part['member_rate'])} "
                f"{interval(part['member_interval'])}",
                f"{part['non_members_exposed']:,} of {part['non_members']:,}: {_percent(part['non_member_rate'])} "
                f"{interval(part['non_member_interval'])}",
                format_p(part["p_value"]),
                part.get("auc", "—"),
            ]
        )
    listed = exposure["listed"]
    note = sentence(
        "Exposed: a synthetic row lies closer to the record than any holdout record does (information; the "
        "membership verdict above judges). Most exposed training rows, by position in the training data: $listed.",
        {"listed": ", ".join(str(p) for p in listed) if listed else "none"},
    )
    header = ["Exposed records", "Training", "Holdout", "One-sided Fisher", "Membership AUC"]
    return [table(header, rows), note]


class ExpectSyntheticAttributeInferenceRiskToBeBelow(_PrivacyExpectation):
    """An attacker who knows all but a secret column of a record cannot read the secret of a
    training record off the synthetic rows more often than that of a record the generator never saw.

    The attacker guesses each target's secret from its closest synthetic rows on the known
    columns (Giomi et al. 2022; ``expectations.metrics.inference``); training targets' success
    against holdout targets' gives the risk (s_train − s_control) / (1 − s_control). Test: per
    secret column, an exact permutation scan of the training targets' success (over all
    targets and the ones whose match is closest), failing when significant with a risk above
    ``max_inference_risk``; Bonferroni over the secrets at level ``alpha``. Needs holdout rows
    and at least one secret column; otherwise it passes with no figure and says why. The
    observed value is the highest risk.
    """

    part: ClassVar[str] = "inference"
    limit: ClassVar[str] = "max_inference_risk"
    limits: ClassVar[Tuple[str, ...]] = ("max_inference_risk",)
    judge: ClassVar[Any] = staticmethod(inference_verdict)
    max_inference_risk: Union[float, SuiteParameterDict] = pydantic.Field(
        0.0, description="Highest inference risk passing even when significant (0: any significant risk fails)."
    )
    _unit = pydantic.validator("max_inference_risk", allow_reuse=True)(unit_interval)

    metric_dependencies: ClassVar[Tuple[str, ...]] = (PRIVACY_PROFILE,)
    success_keys: ClassVar[Tuple[str, ...]] = (*PROFILE_KEYS, "max_inference_risk", "alpha")
    sentence_kwargs: ClassVar[Tuple[str, ...]] = (*_PrivacyExpectation.sentence_kwargs, "secret_columns", "alpha")

    absent_reason: ClassVar[str] = NO_HOLDOUT_CONTROL
    template: ClassVar[str] = (
        "Privacy, attribute inference: an attacker who knows every audit column of a record but a secret one "
        "($secret_columns) and guesses it from the closest $synthetic_label rows must not guess the secrets of "
        "$real_label records more often than those of $holdout_label records beyond a risk of $max_inference_risk "
        "(risk = (training success − holdout success) / (1 − holdout success); exact permutation scan over all "
        "targets and the quarter and twentieth with the closest synthetic match, Bonferroni over the secrets at "
        "level $alpha; up to $attack_sample targets each; rows by $source_column)."
    )

    def _not_asked(self) -> str:
        return "" if self._get_success_kwargs().get("secret_columns") else NO_SECRET

    def _observed_value(self, part: dict[str, Any], judged: dict[str, Any]) -> Any:
        """The highest risk (the verdict's observed figure), over the secrets."""
        return judged["observed"]

    @classmethod
    def _observed_block(cls, details: dict[str, Any], result: Any) -> Any:
        summary = sentence(
            "Highest attribute-inference risk $risk (0: the synthetic rows reveal no more about training records "
            "than about others; 1: every training secret is read off). A numeric guess within $tolerance of the "
            "column's real range (1st–99th percentile) counts as right.",
            {"risk": details["verdict"]["observed"], "tolerance": f"{100 * details['tolerance']:g}%"},
        )
        rows = [row for secret in details["secrets"] for row in _success_rows(secret["secret"], secret)]
        header = ["Secret", "Targets", "Training guessed", "Holdout guessed", "Risk", "95% interval"]
        return with_verdict([summary, table(header, rows)], details["verdict"])


def _success_rows(label: str, figures: dict[str, Any]) -> list[list[Any]]:
    """Table rows of an attack with a success rate per side: all targets, then each scanned share."""
    rows = [
        [
            label,
            "all targets",
            _percent(figures["train_success"]),
            _percent(figures["control_success"]),
            figures["risk"],
            interval(figures["interval"]),
        ]
    ]
    rows += [
        [
            label,
            f"closest-match {100 * share['share']:g}% ({share['members']:,} training, "
            f"{share['non_members']:,} holdout)",
            _percent(share["train_success"]),
            _percent(share["control_success"]),
            "—" if share["risk"] is None else share["risk"],
            "—",
        ]
        for share in figures["confident"]
        if share["share"] < 1.0
    ]
    return rows


class ExpectSyntheticLinkabilityRiskToBeBelow(_PrivacyExpectation):
    """Two parties each holding some columns of the same people cannot join their records through
    the synthetic rows for training records more often than for records the generator never saw.

    Each party's half of a target is looked up in the synthetic rows; the link succeeds when both
    halves' closest synthetic rows are the same row (Giomi et al. 2022;
    ``expectations.metrics.linkability``). Training targets' success against holdout targets'
    gives the risk (s_train − s_control) / (1 − s_control). Test: an exact permutation scan of
    the training targets' success (all targets, and those whose matches are closest), failing
    when significant at level ``alpha`` with a risk above ``max_linkability_risk``. Needs holdout
    rows and two audit columns; otherwise it passes with no figure and says why. The observed
    value is the risk over all targets.
    """

    part: ClassVar[str] = "linkability"
    limit: ClassVar[str] = "max_linkability_risk"
    limits: ClassVar[Tuple[str, ...]] = ("max_linkability_risk",)
    judge: ClassVar[Any] = staticmethod(linkability_verdict)
    max_linkability_risk: Union[float, SuiteParameterDict] = pydantic.Field(
        0.0, description="Highest linkability risk passing even when significant (0: any significant risk fails)."
    )
    _unit = pydantic.validator("max_linkability_risk", allow_reuse=True)(unit_interval)

    metric_dependencies: ClassVar[Tuple[str, ...]] = (PRIVACY_PROFILE,)
    success_keys: ClassVar[Tuple[str, ...]] = (*PROFILE_KEYS, "max_linkability_risk", "alpha")
    sentence_kwargs: ClassVar[Tuple[str, ...]] = (*_PrivacyExpectation.sentence_kwargs, "alpha")

    observed: ClassVar[str] = "risk"
    absent_reason: ClassVar[str] = NO_LINK_CONTROL
    template: ClassVar[str] = (
        "Privacy, linkability: two parties, one holding the link columns of a record and one the rest, who look "
        "each half up among the $synthetic_label rows must not find the same closest row for $real_label records "
        "more often than for $holdout_label records beyond a risk of $max_linkability_risk (risk = (training "
        "success − holdout success) / (1 − holdout success); exact permutation scan over all targets and the "
        "quarter and twentieth with the closest synthetic matches, level $alpha; up to $attack_sample targets "
        "each; rows by $source_column)."
    )

    @classmethod
    def _observed_block(cls, details: dict[str, Any], result: Any) -> Any:
        summary = sentence(
            "Linkability risk $risk (0: the synthetic rows link no more training records than others; 1: every "
            "training record's halves are linked). Link columns: $first. The other party's: $second.",
            {
                "risk": "—" if details["risk"] is None else details["risk"],
                "first": ", ".join(details["link_columns"]),
                "second": ", ".join(details["other_columns"]),
            },
        )
        header = ["Attack", "Targets", "Training linked", "Holdout linked", "Risk", "95% interval"]
        return with_verdict([summary, table(header, _success_rows("linkability", details))], details["verdict"])


class ExpectSyntheticDcrShareToBeBelow(_PrivacyExpectation):
    """The share of synthetic rows closer to the training sample than to an equal-size holdout
    sample (0.5 when the generator did not memorise) is not significantly above ``max_dcr_share``.

    Test: one-sided exact binomial on the rows that are not tied, level ``alpha``. Needs holdout
    rows; without them it passes with no figure and says so.
    """

    part: ClassVar[str] = "dcr_share"
    limit: ClassVar[str] = "max_dcr_share"
    limits: ClassVar[Tuple[str, ...]] = ("max_dcr_share",)
    judge: ClassVar[Any] = staticmethod(dcr_share_verdict)
    max_dcr_share: Union[float, SuiteParameterDict] = pydantic.Field(
        0.52, description="Highest passing closer-to-train share (tested one-sided)."
    )
    _unit = pydantic.validator("max_dcr_share", allow_reuse=True)(unit_interval)

    metric_dependencies: ClassVar[Tuple[str, ...]] = (PRIVACY_PROFILE,)
    success_keys: ClassVar[Tuple[str, ...]] = (*PROFILE_KEYS, "max_dcr_share", "alpha")
    sentence_kwargs: ClassVar[Tuple[str, ...]] = (*_PrivacyExpectation.sentence_kwargs, "alpha")

    observed: ClassVar[str] = "share"
    absent_reason: ClassVar[str] = NEEDS_HOLDOUT
    template: ClassVar[str] = (
        "Privacy, distance to closest record: the share of $synthetic_label rows closer to a sample of "
        "$real_label rows than to an equal-size sample of $holdout_label rows (0.5 is ideal) must not be "
        "significantly above $max_dcr_share (one-sided exact binomial, ties left out, level $alpha; rows by "
        "$source_column)."
    )

    @classmethod
    def _observed_block(cls, details: dict[str, Any], result: Any) -> Any:
        return _verdict_block(
            details,
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
    """Without a holdout: the share of synthetic rows as close to the real data as the closest 5%
    of real rows lie to each other (≈ 0.05 when nothing is copied) is not significantly above
    ``max_close_share`` (one-sided exact binomial, level ``alpha``).

    With holdout rows the membership attack and the DCR share answer this better; the
    expectation then passes with no figure.
    """

    part: ClassVar[str] = "dcr_profile"
    limit: ClassVar[str] = "max_close_share"
    limits: ClassVar[Tuple[str, ...]] = ("max_close_share",)
    judge: ClassVar[Any] = staticmethod(close_share_verdict)
    max_close_share: Union[float, SuiteParameterDict] = pydantic.Field(
        0.1, description="Highest passing too-close share (tested one-sided)."
    )
    _unit = pydantic.validator("max_close_share", allow_reuse=True)(unit_interval)

    metric_dependencies: ClassVar[Tuple[str, ...]] = (PRIVACY_PROFILE,)
    success_keys: ClassVar[Tuple[str, ...]] = (*PROFILE_KEYS, "max_close_share", "alpha")
    sentence_kwargs: ClassVar[Tuple[str, ...]] = (*_PrivacyExpectation.sentence_kwargs, "alpha")

    observed: ClassVar[str] = "close_share"
    absent_reason: ClassVar[str] = WITH_HOLDOUT
    template: ClassVar[str] = (
        "Privacy, without a holdout: the share of $synthetic_label rows as close to the $real_label rows as "
        "the closest 5% of real rows lie to one another must not be significantly above $max_close_share "
        "(one-sided exact binomial, level $alpha; rows by $source_column)."
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
        blocks = [summary, table(["Distance", "5th percentile", "25th percentile", "median"], rows)]
        return with_verdict(blocks, details.get("verdict"))


__all__ = [
    "ExpectSyntheticAttributeInferenceRiskToBeBelow",
    "ExpectSyntheticLinkabilityRiskToBeBelow",
    "ExpectSyntheticDcrShareToBeBelow",
    "ExpectSyntheticExactCopyRateToBeBelow",
    "ExpectSyntheticMembershipAdvantageToBeBelow",
    "ExpectSyntheticRowsNotCloserThanRealNeighbours",
    "PrivacyProfile",
]
