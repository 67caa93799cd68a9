"""Audit parameters: the suite parameters of the `synthetic_data_audit` suite and run settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from auditing.gate import DEFAULT_FAIL_ON, check_fail_on
from expectations import SOURCE_COLUMN
from expectations.levels import DEFAULT_GATE_ALPHA, GATE_CHECKS
from expectations.metrics.fairness import REPRESENTATION_BAND

MODULES = ("privacy", "fairness", "fidelity")


@dataclass(frozen=True)
class AuditParameters:
    """Every setting of one audit, with its default.

    The fields named in ``SUITE_PARAMETERS`` fill the ``$PARAMETER`` kwargs of the shipped
    suite; ``weights`` weigh the module scores in the overall score (modules that did not run
    are left out, never counted as 1.0); ``seed`` drives every random draw.
    """

    source_column: str = SOURCE_COLUMN
    #: Which shared columns are audited (``auditing.batch.choose_columns``): only these (empty:
    #: all), none of these, and these even where they look like identifiers.
    columns: tuple[str, ...] = ()
    ignore_columns: tuple[str, ...] = ()
    keep_columns: tuple[str, ...] = ()
    fidelity_n_bins: int = 20
    fidelity_min_column_shapes_score: float = 0.0
    fidelity_min_pair_trends_score: float = 0.0
    fidelity_column_margin: float = 0.03
    fidelity_pair_margin: float = 0.03
    #: The gate's level, split evenly over the suite's critical checks (``check_alpha``).
    alpha: float = DEFAULT_GATE_ALPHA
    privacy_max_copy_excess: float = 0.0
    privacy_max_epsilon: float = 0.0
    privacy_max_advantage: float = 0.1
    privacy_max_dcr_share: float = 0.52
    privacy_max_close_share: float = 0.1
    privacy_attack_sample: int = 5_000
    privacy_dcr_sample: int = 10_000
    #: Columns the attribute-inference attack tries to guess; empty: the fairness target, if any.
    privacy_secret_columns: tuple[str, ...] = ()
    privacy_max_inference_risk: float = 0.0
    #: Columns one party holds in the linkability attack (the other holds the rest); empty: the first half.
    privacy_link_columns: tuple[str, ...] = ()
    privacy_max_linkability_risk: float = 0.0
    fairness_protected_attributes: tuple[str, ...] = ()
    fairness_target: str | None = None
    fairness_positive_label: str | float | None = None
    fairness_min_group_size: int = 30
    fairness_intersection: bool = True
    fairness_max_dpd: float = 0.1
    fairness_max_amplification: float = 0.03
    fairness_max_rate_change: float = 0.0
    fairness_max_share_ratio: float = REPRESENTATION_BAND
    bootstrap_replicates: int = 200
    weights: dict[str, float] = field(default_factory=lambda: dict.fromkeys(MODULES, 1.0))
    seed: int = 0
    #: What fails the gate (``auditing.gate``): ``critical`` failures only, or ``warning`` ones too.
    fail_on: str = DEFAULT_FAIL_ON

    def __post_init__(self) -> None:
        # A list given by a caller still makes a hashable, frozen parameter set.
        object.__setattr__(self, "fairness_protected_attributes", tuple(self.fairness_protected_attributes))
        object.__setattr__(self, "privacy_secret_columns", tuple(self.privacy_secret_columns))
        object.__setattr__(self, "privacy_link_columns", tuple(self.privacy_link_columns))
        for name in ("columns", "ignore_columns", "keep_columns"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.fairness_target is not None and self.fairness_positive_label is None:
            raise ValueError("a positive label is needed with the target column (fairness_positive_label)")
        if self.fairness_target is not None and not self.fairness_protected_attributes:
            raise ValueError(
                "a target column is judged per protected group: name the protected attributes "
                "(fairness_protected_attributes) or leave the target out"
            )
        check_fail_on(self.fail_on)
        unknown = set(self.weights) - set(MODULES)
        if unknown:
            raise ValueError(f"unknown module weight(s) {sorted(unknown)}; modules are {', '.join(MODULES)}")
        if any(w < 0 for w in self.weights.values()):
            raise ValueError("module weights must not be negative")
        for name in SHARE_PARAMETERS:
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {getattr(self, name)}")
        for name, least in (
            ("fidelity_n_bins", 1),
            ("privacy_attack_sample", 10),
            ("privacy_dcr_sample", 10),
            ("fairness_min_group_size", 1),
            ("bootstrap_replicates", 0),
            ("privacy_max_epsilon", 0),
            ("fairness_max_share_ratio", 1),
        ):
            if getattr(self, name) < least:
                raise ValueError(f"{name} must be at least {least}, got {getattr(self, name)}")

    def suite_parameters(self) -> dict[str, Any]:
        """The values for the suite's ``$PARAMETER`` kwargs (``checkpoint.run(expectation_parameters=...)``)."""
        values = {name: getattr(self, name) for name in SUITE_PARAMETERS}
        values["fairness_protected_attributes"] = list(self.fairness_protected_attributes)
        values["privacy_secret_columns"] = list(self.secret_columns)
        values["privacy_link_columns"] = list(self.privacy_link_columns)
        return values

    @property
    def column_choice(self) -> dict[str, tuple[str, ...]]:
        """The column choice as ``build_audit_batch`` takes it."""
        return {"columns": self.columns, "ignore_columns": self.ignore_columns, "keep_columns": self.keep_columns}

    @property
    def check_alpha(self) -> float:
        """Each check's level: the gate's ``alpha`` over the ``GATE_CHECKS`` critical checks (Bonferroni)."""
        return self.alpha / GATE_CHECKS

    @property
    def secret_columns(self) -> tuple[str, ...]:
        """The attribute-inference secrets: those named, else the fairness target (none without one)."""
        if self.privacy_secret_columns:
            return self.privacy_secret_columns
        return (self.fairness_target,) if self.fairness_target is not None else ()

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: Parameters that are shares or scores, so between 0 and 1.
SHARE_PARAMETERS = (
    "alpha",
    "fidelity_min_column_shapes_score",
    "fidelity_min_pair_trends_score",
    "fidelity_column_margin",
    "fidelity_pair_margin",
    "privacy_max_copy_excess",
    "privacy_max_advantage",
    "privacy_max_dcr_share",
    "privacy_max_close_share",
    "privacy_max_inference_risk",
    "privacy_max_linkability_risk",
    "fairness_max_dpd",
    "fairness_max_amplification",
    "fairness_max_rate_change",
)

#: The ``$PARAMETER`` names the shipped suite uses.
SUITE_PARAMETERS = (
    "source_column",
    "check_alpha",
    "fidelity_n_bins",
    "fidelity_min_column_shapes_score",
    "fidelity_min_pair_trends_score",
    "fidelity_column_margin",
    "fidelity_pair_margin",
    "privacy_max_copy_excess",
    "privacy_max_epsilon",
    "privacy_max_advantage",
    "privacy_max_dcr_share",
    "privacy_max_close_share",
    "privacy_attack_sample",
    "privacy_dcr_sample",
    "privacy_secret_columns",
    "privacy_max_inference_risk",
    "privacy_link_columns",
    "privacy_max_linkability_risk",
    "fairness_protected_attributes",
    "fairness_target",
    "fairness_positive_label",
    "fairness_min_group_size",
    "fairness_intersection",
    "fairness_max_dpd",
    "fairness_max_amplification",
    "fairness_max_rate_change",
    "fairness_max_share_ratio",
    "bootstrap_replicates",
    "seed",
)
