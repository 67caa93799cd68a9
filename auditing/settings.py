"""The audit settings a caller writes down: the API request's fields and the CLI's ``--config`` file.

One pydantic model, so that a request body and an ``audit.toml`` take the same keys, limits and
messages; ``parameters()`` turns them into ``AuditParameters`` and ``dialect()`` into the CSV
reading options.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from auditing.io import CsvDialect
from auditing.parameters import MODULES, SHARE_PARAMETERS, AuditParameters

Module = Literal["privacy", "fairness", "fidelity"]

#: Every share/score threshold of ``AuditParameters``, optional, between 0 and 1.
Thresholds = create_model(
    "Thresholds",
    __config__=ConfigDict(extra="forbid"),
    **{
        name: (float | None, Field(None, ge=0.0, le=1.0, description=f"default {getattr(AuditParameters, name)}"))
        for name in SHARE_PARAMETERS
    },
)


def _column_names(most: int, description: str) -> Any:
    """A list of column names, empty by default, at most ``most`` long."""
    return Field(default_factory=list, max_length=most, description=description)


class AuditSettings(BaseModel):
    """How to judge one audit and read its files (everything but where the data is)."""

    model_config = ConfigDict(extra="forbid")

    protected_attributes: list[str] = _column_names(10, "Protected attribute columns; empty: no fairness audit.")
    secret_columns: list[str] = _column_names(
        10, "Columns the attribute-inference attack tries to infer; empty: the target column, if any."
    )
    link_columns: list[str] = _column_names(
        500, "Columns one party holds in the linkability attack (the other the rest); empty: the first half."
    )
    columns: list[str] = _column_names(500, "Columns to audit, and no others; empty: every shared one.")
    ignore_columns: list[str] = _column_names(500, "Columns to leave out of every audit.")
    keep_columns: list[str] = _column_names(
        500, "Columns to audit although each real row has its own value (identifiers are left out by default)."
    )
    target_column: str | None = Field(None, min_length=1, max_length=256, description="Outcome column.")
    positive_label: str | int | float | bool | None = Field(None, description="The target's positive value.")
    min_group_size: int = Field(30, ge=1, le=1_000_000)
    intersection: bool = True
    thresholds: Thresholds = Field(default_factory=Thresholds)  # type: ignore[valid-type]
    weights: dict[Module, float] | None = Field(
        None, description="Module weights in the overall score (a module not named weighs 1)."
    )
    seed: int = Field(0, ge=0, le=2**32 - 1)
    bootstrap_replicates: int = Field(200, ge=0, le=1_000)
    fail_on: Literal["critical", "warning"] = Field(
        "critical", description="What fails the gate (`success`): critical failures only, or warnings too (strict)."
    )
    csv_separator: str | None = Field(
        None, min_length=1, max_length=1, description="CSV field separator; default: found from each file."
    )
    csv_encoding: str | None = Field(
        None, min_length=1, max_length=64, description="CSV text encoding (e.g. cp1252); default: found from each file."
    )

    def parameter_values(self, only_set: bool = False) -> dict[str, Any]:
        """The ``AuditParameters`` keyword arguments these settings give (``only_set``: only those written down)."""
        named = {
            "secret_columns": ("privacy_secret_columns", tuple),
            "link_columns": ("privacy_link_columns", tuple),
            "columns": ("columns", tuple),
            "ignore_columns": ("ignore_columns", tuple),
            "keep_columns": ("keep_columns", tuple),
            "protected_attributes": ("fairness_protected_attributes", tuple),
            "target_column": ("fairness_target", None),
            "positive_label": ("fairness_positive_label", None),
            "min_group_size": ("fairness_min_group_size", None),
            "intersection": ("fairness_intersection", None),
            "seed": ("seed", None),
            "bootstrap_replicates": ("bootstrap_replicates", None),
            "fail_on": ("fail_on", None),
        }
        written = self.model_fields_set if only_set else set(type(self).model_fields)
        values: dict[str, Any] = {}
        for field, (parameter, convert) in named.items():
            if field in written:
                value = getattr(self, field)
                values[parameter] = convert(value) if convert else value
        values.update({k: v for k, v in self.thresholds.model_dump().items() if v is not None})
        if self.weights is not None:
            values["weights"] = full_weights(self.weights)
        return values

    def parameters(self) -> AuditParameters:
        """The audit parameters these settings ask for (``ValueError`` for an inconsistent set)."""
        return AuditParameters(**self.parameter_values())

    def dialect(self) -> CsvDialect:
        """How CSV files are read (``InputError`` for an unknown encoding or a bad separator)."""
        return CsvDialect(self.csv_separator, self.csv_encoding)


def full_weights(weights: dict[str, float]) -> dict[str, float]:
    """Module weights with every module: those not named weigh 1 (as in the API and the CLI)."""
    return {**dict.fromkeys(MODULES, 1.0), **weights}
