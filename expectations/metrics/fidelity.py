"""The fidelity profile: column shapes, column pair trends and the train-vs-holdout noise floor.

Pure pandas/numpy; no Great Expectations import. Definitions (DESIGN §4 "Fidelity"):

- column shapes: per column, TVD between real and synthetic over the real levels (categories,
  or real-quantile bins for numbers; missing is its own level) and, for numeric columns, the
  two-sample KS statistic. Score = mean over columns of (1 − TVD).
- column pair trends: numeric × numeric pairs 1 − |ρ_real − ρ_syn| / 2 (Pearson, as SDMetrics
  ``CorrelationSimilarity``); every other pair 1 − TVD of the joint distribution on the real
  levels (as SDMetrics ``ContingencySimilarity`` with shared bins). Score = mean over the pairs
  whose similarity is defined.
- noise floor: the same figures between real (train) and holdout, i.e. what an independent
  sample of the real population scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from expectations.metrics.distributions import CodedColumn, code_column, ks_statistic, tvd_from_counts
from expectations.metrics.errors import AuditDataError
from expectations.metrics.pairs import (
    contingency_similarity,
    correlation_similarity,
    joint_counts,
    pearson,
)

REAL, SYNTHETIC, HOLDOUT = "real", "synthetic", "holdout"


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def _column_shape(column: CodedColumn, other: str) -> tuple[float, float | None]:
    """(TVD, KS) of one coded column between the real side and ``other``."""
    distance = tvd_from_counts(column.counts(REAL), column.counts(other))
    ks = ks_statistic(column.numeric[REAL], column.numeric[other]) if column.numeric else None
    return distance, ks


def _pair_trend(a: CodedColumn, b: CodedColumn, sides: Sequence[str]) -> dict[str, Any]:
    """Similarity of one column pair between real and each other side."""
    others = [side for side in sides if side != REAL]
    if a.numeric is not None and b.numeric is not None:
        rho = {side: pearson(a.numeric[side], b.numeric[side]) for side in sides}
        scores = {side: correlation_similarity(rho[REAL], rho[side]) for side in others}
        return {"metric": "correlation", "correlation": rho, "scores": scores}
    counts = joint_counts([a.codes[s] for s in sides], [b.codes[s] for s in sides], b.n_levels)
    by_side = dict(zip(sides, counts, strict=True))
    scores = {side: contingency_similarity(by_side[REAL], by_side[side]) for side in others}
    return {"metric": "contingency", "scores": scores}


def _display_distribution(column: CodedColumn, max_levels: int, min_count: int) -> dict[str, Any]:
    """Real and synthetic shares of one column for a chart, with no rare real value named.

    Categories seen fewer than ``min_count`` times in the real rows are merged into
    "(rare values)" so a chart never names a value that could single out a person; beyond
    ``max_levels`` the smallest levels are merged into "(other)".
    """
    real, synthetic = column.counts(REAL), column.counts(SYNTHETIC)
    real_share, syn_share = real / max(real.sum(), 1), synthetic / max(synthetic.sum(), 1)
    if column.kind == "numeric":
        keep = [i for i in range(column.n_levels) if real[i] or synthetic[i]]
        return {
            "column": column.name,
            "levels": [column.levels[i] for i in keep],
            "real": [float(real_share[i]) for i in keep],
            "synthetic": [float(syn_share[i]) for i in keep],
        }
    common = [i for i in range(column.n_levels) if real[i] >= min_count]
    common.sort(key=lambda i: -max(real_share[i], syn_share[i]))
    shown = common[:max_levels]
    rest = np.setdiff1d(np.arange(column.n_levels), shown)
    levels = [column.levels[i] for i in shown]
    real_out = [float(real_share[i]) for i in shown]
    syn_out = [float(syn_share[i]) for i in shown]
    if rest.size:
        levels.append("(rare or other values)")
        real_out.append(float(real_share[rest].sum()))
        syn_out.append(float(syn_share[rest].sum()))
    return {"column": column.name, "levels": levels, "real": real_out, "synthetic": syn_out}


def fidelity_profile(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    *,
    columns: Sequence[str] | None = None,
    n_bins: int = 20,
    chart_columns: int = 3,
    chart_levels: int = 12,
    min_display_count: int = 10,
) -> dict[str, Any]:
    """Column shapes, pair trends and (with a holdout) their noise floor, in one pass.

    Parameters
    ----------
    real, synthetic : the training data and the synthetic data.
    holdout : real rows the generator never saw; enables the noise floor.
    columns : audit columns; default every column of ``real`` present in ``synthetic``.
    n_bins : real-quantile bins per numeric column (duplicates merged).
    chart_columns : how many of the worst columns get a real-vs-synthetic distribution.
    chart_levels, min_display_count : display limits of those distributions (see
        ``_display_distribution``).

    Returns
    -------
    dict with ``sample_sizes``, ``column_shapes`` (``score``, ``noise_floor``, per-column
    ``columns`` sorted worst first, ``distributions`` of the worst columns) and ``pair_trends``
    (``score``, ``noise_floor``, ``n_pairs``, per-pair ``pairs`` sorted worst first). Only
    aggregates: no row of any input appears in it.
    """
    if columns is None:
        columns = [c for c in real.columns if c in synthetic.columns]
    if not columns:
        raise AuditDataError("no audit columns: real and synthetic data share no column")
    if len(real) == 0 or len(synthetic) == 0:
        side = "real" if len(real) == 0 else "synthetic"
        raise AuditDataError(f"the {side} data has no rows")
    frames = {REAL: real, SYNTHETIC: synthetic}
    if holdout is not None and len(holdout) > 0:
        frames[HOLDOUT] = holdout
    sides = list(frames)
    coded = [code_column(name, {side: frame[name] for side, frame in frames.items()}, REAL, n_bins) for name in columns]

    shape_rows = []
    for column in coded:
        distance, ks = _column_shape(column, SYNTHETIC)
        row: dict[str, Any] = {"column": column.name, "kind": column.kind, "tvd": distance, "ks": ks}
        if HOLDOUT in frames:
            row["holdout_tvd"], row["holdout_ks"] = _column_shape(column, HOLDOUT)
        row["missing_real"] = column.missing_share(REAL)
        row["missing_synthetic"] = column.missing_share(SYNTHETIC)
        shape_rows.append(row)
    shape_rows.sort(key=lambda r: -r["tvd"])
    by_name = {c.name: c for c in coded}

    pair_rows = []
    for a, b in combinations(coded, 2):
        trend = _pair_trend(a, b, sides)
        row = {"columns": [a.name, b.name], "metric": trend["metric"], "score": trend["scores"][SYNTHETIC]}
        if HOLDOUT in frames:
            row["holdout_score"] = trend["scores"][HOLDOUT]
        if trend["metric"] == "correlation":
            row["correlation_real"] = trend["correlation"][REAL]
            row["correlation_synthetic"] = trend["correlation"][SYNTHETIC]
        pair_rows.append(row)
    pair_rows.sort(key=lambda r: (r["score"] is None, r["score"] if r["score"] is not None else 0.0))

    with_holdout = HOLDOUT in frames
    return {
        "sample_sizes": {side: len(frames[side]) if side in frames else None for side in (REAL, SYNTHETIC, HOLDOUT)},
        "n_bins": n_bins,
        "column_shapes": {
            "score": _mean([1.0 - r["tvd"] for r in shape_rows]),
            "noise_floor": _mean([1.0 - r["holdout_tvd"] for r in shape_rows]) if with_holdout else None,
            "n_columns": len(shape_rows),
            "columns": shape_rows,
            "distributions": [
                _display_distribution(by_name[r["column"]], chart_levels, min_display_count)
                for r in shape_rows[:chart_columns]
            ],
        },
        "pair_trends": {
            "score": _mean([r["score"] for r in pair_rows]),
            "noise_floor": _mean([r["holdout_score"] for r in pair_rows]) if with_holdout else None,
            "n_pairs": sum(r["score"] is not None for r in pair_rows),
            "pairs": pair_rows,
        },
    }
