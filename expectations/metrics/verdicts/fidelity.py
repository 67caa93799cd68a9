"""Fidelity verdicts: each column, and each column pair, against what real data scores.

A column fails when its TVD (train vs synthetic) exceeds its reference TVD — the mean TVD
between train and a sample of the synthetic size drawn from the real distribution — by more
than ``margin``, *and* Pearson's χ² test of train vs synthetic counts rejects at level
``alpha`` after Holm's adjustment over every column. A pair fails likewise on its loss
(1 − similarity) against its reference loss, Holm over every pair. A numeric column whose
training values lie on a grid (at most 50 distinct values: ages in years, counts, codes) also
fails when its share of synthetic values off that grid exceeds the holdout's (without a
holdout: training values that occur once) by more than ``margin``, one-sided Fisher, in the
same Holm family as the columns' TVD tests. The check fails when one
column (pair) fails, or when a floor on the mean score (``min_score``, 0 = off) is not met.
Figures come from ``expectations.metrics.fidelity.fidelity_profile``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from expectations.metrics.significance import format_p, holm
from expectations.metrics.verdicts import Verdict, verdict


def _judge_items(
    items: Sequence[dict[str, Any]], figure: str, reference: str, alpha: float, margin: float
) -> list[dict[str, Any]]:
    """Per item: excess over its reference, Holm-adjusted p, and whether it fails."""
    tested = [i for i, item in enumerate(items) if item.get(figure) is not None and item.get("p_value") is not None]
    adjusted = holm([items[i]["p_value"] for i in tested])
    judged = []
    for i, adjusted_p in zip(tested, adjusted, strict=True):
        item = items[i]
        excess = item[figure] - item[reference]
        judged.append(
            {
                "index": i,
                "excess": excess,
                "adjusted_p": adjusted_p,
                "fails": bool(adjusted_p < alpha and excess > margin),
            }
        )
    return judged


@dataclass(frozen=True)
class _Items:
    """What a fidelity check judges: the profile list, how an item is named, its figure and reference."""

    key: str
    what: str
    figure: str
    reference: str
    test: str

    def name(self, item: dict[str, Any]) -> str:
        value = item[self.key]
        return " × ".join(value) if isinstance(value, (list, tuple)) else str(value)


_COLUMNS = _Items(
    "column",
    "column",
    "tvd",
    "reference_tvd",
    "per column: TVD above its reference by more than {margin:g} and Pearson χ² (train vs synthetic counts) "
    "significant; for a numeric column of at most 50 training values, the share of synthetic values off "
    "that grid above the holdout's by more than {margin:g} (one-sided Fisher); Holm over all",
)
_PAIRS = _Items(
    "columns",
    "pair",
    "loss",
    "reference_loss",
    "per pair: loss (1 − similarity) above its reference by more than {margin:g} and significant (χ² on the "
    "joint cells, or a z-test of the correlation difference) after Holm over the pairs",
)


def _part_verdict(
    part: dict[str, Any], kind: _Items, listed: str, alpha: float, margin: float, min_score: float
) -> Verdict:
    """The verdict of a part's items (columns or pairs) and of its optional mean-score floor."""
    items, score = part[listed], part["score"]
    judged = _judge_items(items, kind.figure, kind.reference, alpha, margin)
    failing = [j for j in judged if j["fails"]]
    floor_fails = score is not None and min_score > 0 and score < min_score
    worst = max(failing or judged, key=lambda j: j["excess"], default=None)
    if worst is None:
        message = f"no {kind.what} to compare"
    else:
        item = items[worst["index"]]
        figure_name = item.get("figure_name") or ("TVD" if kind.figure == "tvd" else kind.figure)
        message = (
            f"{kind.what} '{kind.name(item)}' {figure_name} {item[kind.figure]:.3f} vs {item[kind.reference]:.3f} "
            f"{item.get('reference_name', 'between real samples of these sizes')} ({worst['excess']:+.3f}, "
            f"{format_p(worst['adjusted_p'])} Holm-adjusted)"
        )
        if failing:
            message = f"{len(failing)} of {len(judged)} {kind.what} tests worse than real data; worst: {message}"
        else:
            message = f"every {kind.what} within {margin:g} of real data or not significant; largest excess: {message}"
    if floor_fails:
        message += f"; mean score {score:.3f} below the floor {min_score:g}"
    return verdict(
        not failing and not floor_fails,
        test=kind.test.format(margin=margin),
        alpha=alpha,
        margin=margin,
        p_value=min((j["adjusted_p"] for j in judged), default=None),
        observed=None if worst is None else items[worst["index"]][kind.figure],
        reference=None if worst is None else items[worst["index"]][kind.reference],
        message=message,
        # Sorted by name: engines may order items that tie on their figure differently.
        failing=sorted(kind.name(items[j["index"]]) for j in failing),
        judged=sorted(
            ({"name": kind.name(items[j["index"]]), **{k: v for k, v in j.items() if k != "index"}} for j in judged),
            key=lambda j: j["name"],
        ),
    )


#: How an off-grid sub-test is named among the columns.
OFF_GRID = "{column} (values off the real grid)"


def column_shapes_verdict(shapes: dict[str, Any], alpha: float, margin: float, min_score: float = 0.0) -> Verdict:
    """Every column's TVD against its reference TVD and, for a numeric column on a grid, its share
    of values off the training values' grid against the holdout's (see the module docstring)."""
    grid_items = [
        {
            "column": OFF_GRID.format(column=c["column"]),
            "tvd": c["off_grid"]["share"],
            "reference_tvd": c["off_grid"]["reference_share"],
            "p_value": c["off_grid"]["p_value"],
            "figure_name": "off-grid share",
            "reference_name": "in real data",
        }
        for c in shapes["columns"]
        if c.get("off_grid")
    ]
    return _part_verdict(
        {**shapes, "columns": [*shapes["columns"], *grid_items]}, _COLUMNS, "columns", alpha, margin, min_score
    )


def pair_trends_verdict(trends: dict[str, Any], alpha: float, margin: float, min_score: float = 0.0) -> Verdict:
    """Every pair's loss against its reference loss (see the module docstring)."""
    return _part_verdict(trends, _PAIRS, "pairs", alpha, margin, min_score)
