"""Which inputs make an audit: real and synthetic data (and a holdout), or synthetic data alone.

Kept free of heavy imports: the CLI vets its arguments with it before the audit engine loads.
"""

from __future__ import annotations

from typing import Any

#: Why an audit without real data needs fairness settings, and why it takes no holdout.
ALONE_NEEDS_FAIRNESS = (
    "without real data only the fairness audit can run, and it needs protected attributes "
    "(--protected, or protected_attributes in a request); give the real data to audit privacy and fidelity"
)
HOLDOUT_NEEDS_REAL = "a holdout is compared with the real data: give the real data too, or leave out the holdout"


def check_sides(real: bool, holdout: bool, protected_attributes: Any) -> None:
    """``ValueError`` when the inputs given cannot make an audit: a holdout without real data, or
    synthetic data alone (no real data) without protected attributes to audit its fairness."""
    if not real and holdout:
        raise ValueError(HOLDOUT_NEEDS_REAL)
    if not real and not protected_attributes:
        raise ValueError(ALONE_NEEDS_FAIRNESS)
