"""The audit mathematics: pure functions on numpy/pandas, no Great Expectations import."""

from expectations.metrics.distributions import column_kind, ks_statistic, quantile_edges, tvd, tvd_from_counts
from expectations.metrics.fidelity import fidelity_profile
from expectations.metrics.pairs import contingency_similarity, correlation_similarity, pearson

__all__ = [
    "column_kind",
    "contingency_similarity",
    "correlation_similarity",
    "fidelity_profile",
    "ks_statistic",
    "pearson",
    "quantile_edges",
    "tvd",
    "tvd_from_counts",
]
