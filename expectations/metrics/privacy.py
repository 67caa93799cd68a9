"""Privacy measures: exact copies, distance to closest record and the membership attack.

Pure numpy/pandas/scikit-learn; no Great Expectations import. Definitions (DESIGN §4 "Privacy",
``reference/anchors.md`` §12):

- exact-copy rate: share of synthetic rows equal, on every audit column, to some training row;
  beside it the same share for holdout rows (real data repeat naturally).
- nearest-neighbour distances on the shared encoding (``expectations.metrics.encoding``), from
  one pass over all synthetic rows: for a train sample and an equal-size holdout sample, each
  row's distance to its closest synthetic row, and each synthetic row's distance to the closest
  row of either sample.
- membership inference (black box, distance attack): ``m`` members drawn from that train sample
  and ``m`` non-members from the holdout sample, score = − distance to the closest synthetic
  row. ROC AUC (0.5 = chance), advantage = max over thresholds of TPR − FPR (Yeom et al. 2018;
  best-threshold balanced accuracy = (1 + advantage) / 2) and TPR at 1% and 0.1% FPR (Carlini
  et al. 2022), each with a stratified bootstrap 95% interval.
- DCR share: share of synthetic rows closer to the train sample than to the holdout sample,
  ties counting half; 0.5 is ideal (as SDMetrics ``DCROverfittingProtection``'s p, but on one
  shared encoding).
- without a holdout: each synthetic row's distance to the closest real row against the real
  rows' own nearest-neighbour distances; ``close_share`` = share of synthetic rows at most as far
  from the real data as the 5th percentile of the real rows' own distances (≈ 0.05 when the
  generator does not copy).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from expectations.metrics.bootstrap import centred_intervals
from expectations.metrics.distributions import as_float, column_kind
from expectations.metrics.encoding import DistanceEncoder
from expectations.metrics.errors import AuditDataError

#: False-positive rates at which the attack's true-positive rate is reported.
LOW_FPRS = (0.01, 0.001)
#: Rows per block of the distance matrix: 1,024 × 20,000 float32 distances ≈ 80 MB.
_ROW_BLOCK = 1_024


def row_keys(frame: pd.DataFrame, columns: Sequence[str]) -> np.ndarray:
    """One 64-bit hash per row over the audit columns, equal for equal rows (missing = missing).

    Numbers hash as float64 and everything else as text, so an int 3 in one file and a float 3.0
    in another are the same value.
    """
    canonical = pd.DataFrame(
        {
            name: as_float(frame[name])
            if column_kind(frame[name]) == "numeric"
            else frame[name].astype(object).map(str)
            for name in columns
        }
    )
    return pd.util.hash_pandas_object(canonical, index=False).to_numpy()


def exact_copy_rate(train_keys: np.ndarray, other_keys: np.ndarray) -> float:
    """Share of ``other`` rows whose key equals some training row's key."""
    return float(np.isin(other_keys, train_keys).mean()) if other_keys.size else 0.0


def nearest_neighbours(
    rows: np.ndarray,
    others: np.ndarray,
    bounds: Sequence[int] | None = None,
    exclude: np.ndarray | None = None,
    reverse: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Exact Euclidean nearest-neighbour distances between two encoded row sets.

    ``others`` is split into groups at ``bounds`` (contiguous ranges, default one group). Returns
    (n_groups, len(rows)) distances from every row to its closest ``others`` row of each group
    and, with ``reverse``, every ``others`` row's distance to its closest row. ``exclude[i]`` is
    an ``others`` position row ``i`` must not match (itself, when both sets hold the same rows).

    Every pair is compared: squared distances come from one float32 matrix product per block of
    rows on augmented vectors ([r, |r|², 1] · [−2o, 1, |o|²]); each neighbour found is then
    re-measured in float64, so an exact copy reads 0 rather than float32 rounding noise.
    """
    bounds = list(bounds) if bounds is not None else [0, len(others)]
    augmented_rows = np.hstack([rows, np.einsum("ij,ij->i", rows, rows)[:, None], np.ones((len(rows), 1))])
    augmented_others = np.hstack(
        [-2.0 * others, np.ones((len(others), 1)), np.einsum("ij,ij->i", others, others)[:, None]]
    )
    augmented_rows = augmented_rows.astype(np.float32)
    augmented_others = np.ascontiguousarray(augmented_others.astype(np.float32).T)
    nearest = np.empty((len(bounds) - 1, len(rows)), np.int64)
    best_value = np.full(len(others), np.inf, np.float32)
    best_row = np.zeros(len(others), np.int64)
    for start in range(0, len(rows), _ROW_BLOCK):
        stop = min(start + _ROW_BLOCK, len(rows))
        squared = augmented_rows[start:stop] @ augmented_others
        if exclude is not None:
            squared[np.arange(stop - start), exclude[start:stop]] = np.inf
        for group, (low, high) in enumerate(zip(bounds[:-1], bounds[1:], strict=True)):
            nearest[group, start:stop] = low + squared[:, low:high].argmin(axis=1)
        if reverse:
            # Column-wise argmin is slow in numpy; only the columns this block improves need it.
            block_min = squared.min(axis=0)
            improved = np.flatnonzero(block_min < best_value)
            if improved.size:
                best_row[improved] = start + squared[:, improved].argmin(axis=0)
                best_value[improved] = block_min[improved]
    forward = np.vstack([_exact_distance(rows, others[nearest[group]]) for group in range(len(bounds) - 1)])
    return forward, (_exact_distance(others, rows[best_row]) if reverse else None)


def _exact_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    difference = a.astype(np.float64) - b.astype(np.float64)
    return np.sqrt(np.einsum("ij,ij->i", difference, difference))


def attack_figures(member_scores: np.ndarray, nonmember_scores: np.ndarray) -> dict[str, float]:
    """ROC AUC, advantage (max TPR − FPR) and TPR at the ``LOW_FPRS`` of a membership score.

    Higher score = "member". The ROC curve has one point per distinct score (tied scores move
    together), as scikit-learn's ``roc_curve(..., drop_intermediate=False)``; AUC is its
    trapezoidal area, which equals ``roc_auc_score`` (ties count half).
    """
    scores = np.r_[member_scores, nonmember_scores]
    is_member = np.r_[np.ones(member_scores.size), np.zeros(nonmember_scores.size)]
    order = np.argsort(-scores, kind="stable")
    ranked = scores[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(ranked)), ranked.size - 1]
    true_positives = np.cumsum(is_member[order])[last_of_tie]
    false_positives = last_of_tie + 1 - true_positives
    tpr = np.r_[0.0, true_positives / member_scores.size]
    fpr = np.r_[0.0, false_positives / nonmember_scores.size]
    figures = {"auc": float(np.trapezoid(tpr, fpr)), "advantage": float(np.max(tpr - fpr))}
    for level in LOW_FPRS:
        figures[f"tpr_at_{level:g}_fpr"] = float(tpr[fpr <= level].max())
    return figures


def _attack_with_intervals(
    members: np.ndarray, nonmembers: np.ndarray, replicates: int, rng: np.random.Generator
) -> dict[str, Any]:
    """Attack figures and their stratified bootstrap intervals (members and non-members resampled apart)."""
    point = attack_figures(members, nonmembers)
    if replicates <= 0:
        return {**point, "intervals": dict.fromkeys(point)}
    draws = [
        attack_figures(
            members[rng.integers(0, members.size, members.size)],
            nonmembers[rng.integers(0, nonmembers.size, nonmembers.size)],
        )
        for _ in range(replicates)
    ]
    names = list(point)
    bounds = centred_intervals([point[n] for n in names], np.array([[d[n] for n in names] for d in draws]))
    return {**point, "intervals": dict(zip(names, bounds, strict=True))}


def _share_interval(indicator: np.ndarray, replicates: int, rng: np.random.Generator) -> list[float] | None:
    """Bootstrap interval of a mean of per-row values in [0, 1]."""
    if replicates <= 0 or indicator.size == 0:
        return None
    draws = np.array([indicator[rng.integers(0, indicator.size, indicator.size)].mean() for _ in range(replicates)])
    return centred_intervals([float(indicator.mean())], draws[:, None])[0]


def _quantiles(values: np.ndarray) -> dict[str, float]:
    return {f"p{int(q * 100):02d}": float(np.quantile(values, q)) for q in (0.05, 0.25, 0.5)}


def privacy_profile(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    *,
    columns: Sequence[str] | None = None,
    attack_sample: int = 5_000,
    dcr_sample: int = 10_000,
    top_categories: int = 20,
    bootstrap_replicates: int = 200,
    seed: int = 0,
) -> dict[str, Any]:
    """Exact copies, DCR share, membership attack (with a holdout) or DCR profile (without one).

    Parameters
    ----------
    real, synthetic : the generator's training data and its output.
    holdout : real rows the generator never saw; needed for the attack and the DCR share.
    columns : audit columns; default every column of ``real`` present in ``synthetic``.
    attack_sample : members and non-members each, at most (m = min(n_train, n_holdout, this)).
    dcr_sample : rows of train and of holdout (each, at most) the synthetic rows are compared
        with for the DCR share; without a holdout, real rows whose own neighbour distances form
        the reference. Every synthetic row is always compared, never sampled.
    top_categories : one-hot categories kept per categorical column (the rest are "other").
    bootstrap_replicates : bootstrap replicates behind the 95% intervals (0: none).
    seed : seed of every sample and bootstrap draw.

    Returns
    -------
    dict with ``sample_sizes``, ``exact_copies`` (rate, holdout rate, counts), and either
    ``attack`` (auc, advantage, tpr_at_0.01_fpr, tpr_at_0.001_fpr, intervals, members,
    non_members) and ``dcr_share`` (share, interval, rows compared), or ``dcr_profile``
    (synthetic and real quantiles, close_share, interval) when there is no holdout; and
    ``score``, the privacy module score: 1 − advantage with a holdout, else
    1 − max(0, close_share − 0.05) / 0.95. Only aggregates.
    """
    if columns is None:
        columns = [c for c in real.columns if c in synthetic.columns]
    if not columns:
        raise AuditDataError("no audit columns: real and synthetic data share no column")
    for side, frame in (("real", real), ("synthetic", synthetic)):
        if len(frame) == 0:
            raise AuditDataError(f"the {side} data has no rows")
    rng = np.random.default_rng(seed)
    with_holdout = holdout is not None and len(holdout) > 0
    reference = pd.concat([real[columns], holdout[columns]], ignore_index=True) if with_holdout else real[columns]
    encoder = DistanceEncoder.fit(reference, columns, top_categories)

    train_keys = row_keys(real, columns)
    copies = {
        "rate": exact_copy_rate(train_keys, row_keys(synthetic, columns)),
        "holdout_rate": exact_copy_rate(train_keys, row_keys(holdout, columns)) if with_holdout else None,
    }
    copies["count"] = int(round(copies["rate"] * len(synthetic)))
    synthetic_codes = encoder.transform(synthetic)
    sizes = {"real": len(real), "synthetic": len(synthetic), "holdout": len(holdout) if with_holdout else None}
    profile: dict[str, Any] = {"sample_sizes": sizes, "encoding_width": encoder.width, "exact_copies": copies}
    settings = {
        "attack_sample": attack_sample,
        "dcr_sample": dcr_sample,
        "top_categories": top_categories,
        "bootstrap_replicates": bootstrap_replicates,
        "seed": seed,
    }
    profile["settings"] = settings

    if with_holdout:
        per_side = min(len(real), len(holdout), dcr_sample)
        train_rows = rng.choice(len(real), per_side, replace=False)
        holdout_rows = rng.choice(len(holdout), per_side, replace=False)
        samples = np.vstack([encoder.transform(real.iloc[train_rows]), encoder.transform(holdout.iloc[holdout_rows])])
        synthetic_to, to_synthetic = nearest_neighbours(
            synthetic_codes, samples, [0, per_side, 2 * per_side], reverse=True
        )
        # Members / non-members: the first m of each (already random) sample.
        m = min(per_side, attack_sample)
        attack = _attack_with_intervals(
            -to_synthetic[:m], -to_synthetic[per_side : per_side + m], bootstrap_replicates, rng
        )
        profile["attack"] = {
            **attack,
            "members": m,
            "non_members": m,
            "balanced_accuracy": (1.0 + attack["advantage"]) / 2.0,
        }
        closer = np.where(
            synthetic_to[0] < synthetic_to[1], 1.0, np.where(synthetic_to[0] == synthetic_to[1], 0.5, 0.0)
        )
        profile["dcr_share"] = {
            "share": float(closer.mean()),
            "interval": _share_interval(closer, bootstrap_replicates, rng),
            "train_rows": per_side,
            "holdout_rows": per_side,
            "synthetic_rows": len(synthetic),
        }
        profile["score"] = 1.0 - attack["advantage"]
        advantage_bounds = attack["intervals"]["advantage"]
        profile["interval"] = [1.0 - advantage_bounds[1], 1.0 - advantage_bounds[0]] if advantage_bounds else None
        return profile

    per_side = min(len(real), dcr_sample)
    real_rows = rng.choice(len(real), per_side, replace=False)
    real_codes = encoder.transform(real)
    (synthetic_to_real,), _ = nearest_neighbours(synthetic_codes, real_codes)
    # The real rows' own neighbour distances: closest other real row (the sampled row itself excluded).
    (own,), _ = nearest_neighbours(real_codes[real_rows], real_codes, exclude=real_rows)
    threshold = float(np.quantile(own, 0.05))
    close = (synthetic_to_real <= threshold).astype(np.float64)
    close_share = float(close.mean())
    profile["dcr_profile"] = {
        "synthetic": _quantiles(synthetic_to_real),
        "real": _quantiles(own),
        "threshold_p05": threshold,
        "close_share": close_share,
        "interval": _share_interval(close, bootstrap_replicates, rng),
        "real_rows": per_side,
        "synthetic_rows": len(synthetic),
    }
    profile["score"] = 1.0 - max(0.0, close_share - 0.05) / 0.95
    bounds = profile["dcr_profile"]["interval"]
    profile["interval"] = [1.0 - max(0.0, b - 0.05) / 0.95 for b in reversed(bounds)] if bounds else None
    return profile
