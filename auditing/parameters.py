"""Audit parameters: the suite parameters of the `synthetic_data_audit` suite and run settings."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from expectations import SOURCE_COLUMN

MODULES = ("privacy", "fairness", "fidelity")


@dataclass(frozen=True)
class AuditParameters:
    """Every setting of one audit, with its default.

    The fields named in ``SUITE_PARAMETERS`` fill the ``$PARAMETER`` kwargs of the shipped
    suite; ``weights`` weigh the module scores in the overall score (modules that did not run
    are left out, never counted as 1.0); ``seed`` drives every random draw.
    """

    source_column: str = SOURCE_COLUMN
    fidelity_n_bins: int = 20
    fidelity_min_column_shapes_score: float = 0.8
    fidelity_min_pair_trends_score: float = 0.7
    fidelity_bootstrap_replicates: int = 200
    weights: dict[str, float] = field(default_factory=lambda: dict.fromkeys(MODULES, 1.0))
    seed: int = 0

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(MODULES)
        if unknown:
            raise ValueError(f"unknown module weight(s) {sorted(unknown)}; modules are {', '.join(MODULES)}")
        if any(w < 0 for w in self.weights.values()):
            raise ValueError("module weights must not be negative")
        for name in ("fidelity_min_column_shapes_score", "fidelity_min_pair_trends_score"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {getattr(self, name)}")
        if self.fidelity_n_bins < 1:
            raise ValueError(f"fidelity_n_bins must be at least 1, got {self.fidelity_n_bins}")
        if self.fidelity_bootstrap_replicates < 0:
            replicates = self.fidelity_bootstrap_replicates
            raise ValueError(f"fidelity_bootstrap_replicates must not be negative, got {replicates}")

    def suite_parameters(self) -> dict[str, Any]:
        """The values for the suite's ``$PARAMETER`` kwargs (``checkpoint.run(expectation_parameters=...)``)."""
        return {name: getattr(self, name) for name in SUITE_PARAMETERS}

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


#: The ``$PARAMETER`` names the shipped suite uses.
SUITE_PARAMETERS = (
    "source_column",
    "fidelity_n_bins",
    "fidelity_min_column_shapes_score",
    "fidelity_min_pair_trends_score",
    "fidelity_bootstrap_replicates",
    "seed",
)
