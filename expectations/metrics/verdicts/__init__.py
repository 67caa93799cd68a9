"""The verdicts: each check a stated test of "the synthetic data is worse than real data is".

Every function takes a profile part (figures and the counts behind them), the level ``alpha``
and the check's margin, and returns a ``Verdict`` dict: ``passes``, the ``test`` in words,
``alpha``, ``margin``, ``p_value`` (family-wise adjusted where the check judges several
columns, pairs or groups), the ``observed`` figure and its ``reference`` (what real data scores
on it), and a ``message`` that states the comparison. The expectations only call these.
"""

from __future__ import annotations

from typing import Any

Verdict = dict[str, Any]


def verdict(
    passes: bool,
    *,
    test: str,
    alpha: float,
    margin: float | None,
    p_value: float | None,
    observed: float | None,
    reference: float | None,
    message: str,
    **extra: Any,
) -> Verdict:
    """One verdict in the shape every check returns (``passes`` a Python bool)."""
    return {
        "passes": bool(passes),
        "test": test,
        "alpha": alpha,
        "margin": margin,
        "p_value": p_value,
        "observed": observed,
        "reference": reference,
        "message": message,
        **extra,
    }
