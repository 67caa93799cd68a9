"""Synthetic-data audits as Great Expectations custom expectations.

Importing this package registers every audit expectation and metric with GX; a suite that
names them must be loaded after the import (GX silently drops unregistered types).
"""

from expectations import completeness  # noqa: F401  (registers the checkpoints' AuditCompleteAction)
from expectations.base import HOLDOUT_LABEL, REAL_LABEL, SOURCE_COLUMN, SYNTHETIC_LABEL, AuditExpectation
from expectations.fairness import (
    ExpectSyntheticBiasAmplificationToBeBelow,
    ExpectSyntheticDemographicParityDifferenceToBeBelow,
    ExpectSyntheticGroupRepresentationToMatchReal,
)
from expectations.fidelity import ExpectSyntheticColumnPairTrendsToMatchReal, ExpectSyntheticColumnShapesToMatchReal
from expectations.privacy import (
    ExpectSyntheticAttributeInferenceRiskToBeBelow,
    ExpectSyntheticDcrShareToBeBelow,
    ExpectSyntheticExactCopyRateToBeBelow,
    ExpectSyntheticLinkabilityRiskToBeBelow,
    ExpectSyntheticMembershipAdvantageToBeBelow,
    ExpectSyntheticRowsNotCloserThanRealNeighbours,
)

#: The expectation types this package registers, by the name stored in suite JSON.
AUDIT_EXPECTATION_TYPES: tuple[str, ...] = tuple(
    cls.expectation_type
    for cls in (
        ExpectSyntheticColumnShapesToMatchReal,
        ExpectSyntheticColumnPairTrendsToMatchReal,
        ExpectSyntheticExactCopyRateToBeBelow,
        ExpectSyntheticMembershipAdvantageToBeBelow,
        ExpectSyntheticDcrShareToBeBelow,
        ExpectSyntheticRowsNotCloserThanRealNeighbours,
        ExpectSyntheticAttributeInferenceRiskToBeBelow,
        ExpectSyntheticLinkabilityRiskToBeBelow,
        ExpectSyntheticDemographicParityDifferenceToBeBelow,
        ExpectSyntheticBiasAmplificationToBeBelow,
        ExpectSyntheticGroupRepresentationToMatchReal,
    )
)

__all__ = [
    "AUDIT_EXPECTATION_TYPES",
    "HOLDOUT_LABEL",
    "REAL_LABEL",
    "SOURCE_COLUMN",
    "SYNTHETIC_LABEL",
    "AuditExpectation",
    "ExpectSyntheticAttributeInferenceRiskToBeBelow",
    "ExpectSyntheticLinkabilityRiskToBeBelow",
    "ExpectSyntheticBiasAmplificationToBeBelow",
    "ExpectSyntheticDemographicParityDifferenceToBeBelow",
    "ExpectSyntheticGroupRepresentationToMatchReal",
    "ExpectSyntheticColumnPairTrendsToMatchReal",
    "ExpectSyntheticColumnShapesToMatchReal",
    "ExpectSyntheticDcrShareToBeBelow",
    "ExpectSyntheticExactCopyRateToBeBelow",
    "ExpectSyntheticMembershipAdvantageToBeBelow",
    "ExpectSyntheticRowsNotCloserThanRealNeighbours",
]
