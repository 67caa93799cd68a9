"""Fairness measures: group positive rates, demographic parity, bias amplification, representation.

Pure numpy/pandas; no Great Expectations import. Definitions (DESIGN §4 "Fairness",
``reference/anchors.md`` §7 and §11):

- positive rate of a group: share of its rows whose target equals the positive label (rows with
  a missing target are left out);
- demographic parity difference (DPD) = max − min of the group rates, ratio = min / max, over the
  groups with at least ``min_group_size`` rows. With no group suppressed they equal fairlearn's
  ``demographic_parity_difference`` / ``_ratio`` with ``y_true = y_pred = (target == label)``
  (``method="between_groups"``; several sensitive features intersect the same way);
- bias amplification = DPD(synthetic) − DPD(real) over the groups large enough on both sides
  (> 0: the generator widened the real gap; < 0: it narrowed it);
- representation = TVD between the group shares of the real and the synthetic rows, over every
  group (no target needed); a group whose synthetic share is below 0.8 or above 1.25 times its
  real share is under- or over-represented.

Groups are the values of each protected attribute (missing as its own group, ``(missing)``) and,
with several attributes, their observed combinations. Everything is computed from counts per
(combination, outcome) cell, so a bootstrap replicate of a side is one multinomial draw over its
cells (the exact nonparametric bootstrap of its rows) and every attribute reads the same draw.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from expectations.metrics.bootstrap import centred_intervals, tvd_rows
from expectations.metrics.errors import AuditDataError, MissingColumnError

MISSING_GROUP = "(missing)"
#: Joins the attribute values of an intersectional group and the attribute names of an intersection.
GROUP_SEPARATOR = " & "
#: Synthetic share / real share outside [1 / REPRESENTATION_BAND, REPRESENTATION_BAND] flags a group.
REPRESENTATION_BAND = 1.25


def positive_outcomes(target: pd.Series, positive_label: Any) -> np.ndarray:
    """1.0 where ``target`` equals ``positive_label``, 0.0 where not, NaN where the target is missing.

    A label given as text matches a numeric target by value (``"1"`` matches ``1`` and ``1.0``);
    any other label matches by its text (``1`` matches ``"1"``), so a CLI or JSON label works
    whatever the column's type.
    """
    missing = target.isna().to_numpy()
    values = target.to_numpy()
    matches: np.ndarray | None = None
    if pd.api.types.is_numeric_dtype(target) and not pd.api.types.is_bool_dtype(target):
        try:
            matches = values.astype(np.float64) == float(positive_label)
        except (TypeError, ValueError):
            matches = None
    if matches is None:
        matches = target.astype(str).to_numpy() == str(positive_label)
    outcome = matches.astype(np.float64)
    outcome[missing] = np.nan
    return outcome


def check_fairness_settings(
    side_columns: dict[str, Sequence[str]], protected_attributes: Sequence[str], target: str | None, positive_label: Any
) -> None:
    """Raise ``AuditDataError`` naming the problem when the settings do not fit the columns.

    ``side_columns`` maps a side name (real, synthetic, ...) to its column names. Checked: every
    attribute and the target is a column of every side; no attribute is named twice; the target
    is not also protected; a positive label is given with a target.
    """
    attributes = list(protected_attributes)
    for side, names in side_columns.items():
        absent = [c for c in [*attributes, *([target] if target else [])] if c not in names]
        if absent:
            kind = "target" if absent == [target] else "protected attribute"
            raise MissingColumnError(f"{kind} column(s) {', '.join(repr(c) for c in absent)} not in the {side} data")
    if len(set(attributes)) != len(attributes):
        raise AuditDataError("a protected attribute is named twice")
    if target is None:
        return
    if target in attributes:
        raise AuditDataError(f"the target column '{target}' is also a protected attribute")
    if positive_label is None:
        raise AuditDataError(f"a positive label is needed with the target column '{target}'")


SHOWN_VALUES = 10  # how many of the target's values a message about the positive label lists


def check_outcomes(
    positives: dict[str, float],
    distinct_targets: dict[str, int],
    target: str,
    positive_label: Any,
    values: Callable[[], Sequence[Any]],
) -> None:
    """Raise ``AuditDataError`` unless the positive label occurs somewhere and every side's target
    has at least two distinct (non-missing) values.

    ``values`` gives the target's most common values (at most ``SHOWN_VALUES + 1``), called only
    when the label never occurs, so the message can say which labels the column does hold.
    """
    if not any(count > 0 for count in positives.values()):
        seen = [str(value) for value in values()]
        listed = ", ".join(repr(value) for value in seen[:SHOWN_VALUES])
        more = ", ..." if len(seen) > SHOWN_VALUES else ""
        raise AuditDataError(
            f"the positive label {str(positive_label)!r} never occurs in the target column '{target}'"
            + (f"; its most common values are {listed}{more}" if seen else "; the column holds no values")
        )
    for side, distinct in distinct_targets.items():
        if distinct < 2:
            raise AuditDataError(
                f"the target column '{target}' has {distinct} value(s) in the {side} data; "
                "demographic parity needs at least two"
            )


def check_fairness_inputs(
    frames: dict[str, pd.DataFrame], protected_attributes: Sequence[str], target: str | None, positive_label: Any
) -> dict[str, np.ndarray] | None:
    """Raise ``AuditDataError`` naming the problem when the fairness settings do not fit the data.

    ``frames`` maps a side name (real, synthetic, ...) to its rows. Checked: what
    ``check_fairness_settings`` and ``check_outcomes`` check. Returns each side's
    ``positive_outcomes`` (None without a target), which the check needed.
    """
    check_fairness_settings(
        {side: list(frame.columns) for side, frame in frames.items()}, protected_attributes, target, positive_label
    )
    if target is None:
        return None
    outcomes = {side: positive_outcomes(frame[target], positive_label) for side, frame in frames.items()}
    check_outcomes(
        {side: float(np.nansum(values)) for side, values in outcomes.items()},
        {side: int(frame[target].nunique(dropna=True)) for side, frame in frames.items()},
        target,
        positive_label,
        lambda: next(iter(frames.values()))[target].value_counts().index[: SHOWN_VALUES + 1].tolist(),
    )
    return outcomes


@dataclass(frozen=True)
class GroupCells:
    """Every side's rows coded by their combination of protected values (one cell per combination)."""

    cells: pd.DataFrame  # one row per observed combination, attribute values as text, sorted
    codes: dict[str, np.ndarray]  # side -> cell code of each row

    @classmethod
    def of(cls, frames: dict[str, pd.DataFrame], attributes: Sequence[str]) -> GroupCells:
        """Cells sorted by their values, so codes do not depend on row order."""
        attributes = list(attributes)
        stacked = pd.concat([_group_labels(frame[attributes]) for frame in frames.values()], ignore_index=True)
        grouping = stacked.groupby(attributes, sort=True, observed=True)
        codes = grouping.ngroup().to_numpy()
        cells = grouping.size().reset_index()[attributes]
        bounds = np.cumsum([0, *(len(frame) for frame in frames.values())])
        return cls(cells, {side: codes[a:b] for side, a, b in zip(frames, bounds[:-1], bounds[1:], strict=True)})


def group_membership(cells: pd.DataFrame, attributes: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Group labels of ``attributes`` and the (cells, groups) 0/1 matrix mapping cells to groups.

    ``cells`` holds one row per combination of protected values (as text), in cell-code order.
    """
    labels = cells[list(attributes)].agg(GROUP_SEPARATOR.join, axis=1)
    groups = sorted(labels.unique())
    index = {g: i for i, g in enumerate(groups)}
    matrix = np.zeros((len(cells), len(groups)))
    matrix[np.arange(len(cells)), labels.map(index).to_numpy()] = 1.0
    return groups, matrix


def _group_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """Protected values as text, missing as its own group (fairlearn raises on missing values)."""
    return pd.DataFrame(
        {c: frame[c].astype(object).where(frame[c].notna(), MISSING_GROUP).astype(str) for c in frame.columns}
    )


def cell_counts(codes: np.ndarray, outcome: np.ndarray | None, n_cells: int) -> np.ndarray:
    """(2, cells) rows with a known outcome and positives per cell; without a target, rows twice."""
    if outcome is None:
        rows = np.bincount(codes, minlength=n_cells).astype(np.float64)
        return np.vstack([rows, rows])
    known = ~np.isnan(outcome)
    rows = np.bincount(codes[known], minlength=n_cells).astype(np.float64)
    positives = np.bincount(codes[known], weights=outcome[known], minlength=n_cells)
    return np.vstack([rows, positives])


def bootstrap_cell_counts(counts: np.ndarray, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """(replicates, 2, cells) counts of row-level bootstrap replicates, one multinomial draw each.

    Resampling n rows with replacement is a multinomial draw over the (cell, outcome) categories
    with their observed shares, so no row is read again.
    """
    rows, positives = counts
    split = np.concatenate([positives, rows - positives])
    n = int(split.sum())
    draws = rng.multinomial(n, split / n, size=replicates).astype(np.float64)
    drawn_positives, drawn_negatives = draws[:, : len(rows)], draws[:, len(rows) :]
    return np.stack([drawn_positives + drawn_negatives, drawn_positives], axis=1)


def _rates(group_counts: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return group_counts[..., 1, :] / group_counts[..., 0, :]


def parity_gap(rates: np.ndarray, eligible: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Demographic parity difference (max − min) and ratio (min / max) of the eligible groups' rates.

    ``rates`` is (..., groups); NaN where fewer than two eligible groups have a rate. A ratio with
    every eligible rate 0 is 1 (parity of none).
    """
    chosen = np.where(eligible, rates, np.nan)
    usable = np.sum(~np.isnan(chosen), axis=-1) >= 2
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows: no usable group, NaN below
        top, bottom = np.nanmax(chosen, axis=-1), np.nanmin(chosen, axis=-1)
        ratio = np.where(top > 0, bottom / np.where(top > 0, top, 1.0), 1.0)
    return np.where(usable, top - bottom, np.nan), np.where(usable, ratio, np.nan)


def demographic_parity(
    outcome: np.ndarray, groups: pd.DataFrame | pd.Series, min_group_size: int = 0
) -> dict[str, float | None]:
    """Demographic parity difference and ratio of one dataset (as fairlearn, plus suppression).

    Parameters
    ----------
    outcome : 1.0 positive, 0.0 negative, NaN unknown (``positive_outcomes``), one per row.
    groups : the protected attribute(s) of each row; several columns intersect.
    min_group_size : groups with fewer rows (of known outcome) are left out of max and min.

    Returns
    -------
    ``{"difference": max − min, "ratio": min / max}`` of the group positive rates; ``None``
    when fewer than two groups are large enough.
    """
    frame = groups.to_frame() if isinstance(groups, pd.Series) else groups
    cells = GroupCells.of({"data": frame}, list(frame.columns))
    counts = cell_counts(cells.codes["data"], np.asarray(outcome, dtype=np.float64), len(cells.cells))
    difference, ratio = parity_gap(_rates(counts), counts[0] >= max(min_group_size, 1))
    return {"difference": _number(difference), "ratio": _number(ratio)}


def _number(value: Any) -> float | None:
    value = float(value)
    return value if np.isfinite(value) else None


def _grouping_figures(
    name: str,
    attributes: Sequence[str],
    groups: list[str],
    counts: dict[str, np.ndarray],
    replicates: dict[str, np.ndarray] | None,
    min_group_size: int,
    with_target: bool,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The figures of one grouping (an attribute or the intersection) and their bootstrap replicates.

    ``counts`` maps side → (2, groups) counts, ``replicates`` side → (R, 2, groups).
    """
    sides = list(counts)
    large = {side: counts[side][0] >= max(min_group_size, 1) for side in sides}
    eligible = np.logical_and.reduce([large[side] for side in sides])
    rates = {side: _rates(counts[side]) for side in sides}
    has_real = "real" in counts
    figures: dict[str, Any] = {"attribute": name, "attributes": list(attributes)}
    draws: dict[str, np.ndarray] = {}

    rows = []
    share = {side: counts[side][0] / max(counts[side][0].sum(), 1.0) for side in sides}
    for g, label in enumerate(groups):
        row: dict[str, Any] = {"group": label, "eligible": bool(eligible[g])}
        for side in sides:
            row[f"{side}_size"] = int(counts[side][0][g])
            row[f"{side}_share"] = float(share[side][g])
            # Small-cell suppression: a small group's rate would disclose its few members' outcomes.
            row[f"{side}_rate"] = float(rates[side][g]) if with_target and large[side][g] else None
            # What the rate tests need; no more than the rate shown (and as suppressed as it).
            row[f"{side}_positives"] = int(counts[side][1][g]) if with_target and large[side][g] else None
        if has_real:
            row["representation"] = _representation_flag(
                share["synthetic"][g], share["real"][g], bool(large["real"][g])
            )
        rows.append(row)
    figures["groups"] = rows
    figures["suppressed"] = [label for label, ok in zip(groups, eligible, strict=True) if not ok]

    if with_target:
        for side in sides:
            difference, ratio = parity_gap(rates[side], eligible)
            figures[f"dpd_{side}"] = _number(difference)
            figures[f"ratio_{side}"] = _number(ratio)
            if replicates is not None:
                draws[f"dpd_{side}"] = parity_gap(_rates(replicates[side]), eligible)[0]
        if has_real:
            syn, real = figures["dpd_synthetic"], figures["dpd_real"]
            figures["amplification"] = None if syn is None or real is None else syn - real
            if replicates is not None:
                draws["amplification"] = draws["dpd_synthetic"] - draws["dpd_real"]
    if has_real:
        figures["representation_tvd"] = float(tvd_rows(counts["real"][None, 0], counts["synthetic"][None, 0])[0])
        if replicates is not None:
            draws["representation_tvd"] = tvd_rows(replicates["real"][:, 0, :], replicates["synthetic"][:, 0, :])

    intervals = {}
    for key, values in draws.items():
        support = (-1.0, 1.0) if key == "amplification" else (0.0, 1.0)
        intervals[key] = centred_intervals([figures[key]], values[:, None], support=support)[0]
    figures["intervals"] = intervals
    return figures, draws


def _add_pooled(figures: dict[str, Any], holdout: np.ndarray | None, min_group_size: int) -> None:
    """Per group the reference the tests compare the synthetic rows with: train ∪ holdout.

    A fresh real sample estimates the population better than train alone, so the tests gain
    power; the holdout joins a group only when both its train and holdout parts reach
    ``min_group_size`` (so no small part's outcomes can be told apart). ``pooled_size``,
    ``pooled_positives`` (with a target and a large real group), ``pooled_share``, ``pooled_rate``.
    """
    rows = figures["groups"]
    for g, row in enumerate(rows):
        real_size = row.get("real_size") or 0
        extra = holdout[0][g] if holdout is not None else 0
        joins = holdout is not None and real_size >= max(min_group_size, 1) and extra >= max(min_group_size, 1)
        row["pooled_size"] = int(real_size + (extra if joins else 0))
        if row.get("real_positives") is not None:
            row["pooled_positives"] = int(row["real_positives"] + (holdout[1][g] if joins else 0))
            row["pooled_rate"] = row["pooled_positives"] / row["pooled_size"]
        else:
            row["pooled_positives"] = row["pooled_rate"] = None
    total = sum(row["pooled_size"] for row in rows)
    for row in rows:
        row["pooled_share"] = row["pooled_size"] / total if total else 0.0


def _representation_flag(synthetic_share: float, real_share: float, large: bool) -> str:
    """``absent`` / ``new`` / ``under`` / ``over`` / ``ok``; small real groups are not judged (``small``)."""
    if real_share == 0:
        return "new"
    if synthetic_share == 0:
        return "absent"
    if not large:
        return "small"
    ratio = synthetic_share / real_share
    if ratio < 1.0 / REPRESENTATION_BAND:
        return "under"
    return "over" if ratio > REPRESENTATION_BAND else "ok"


def fairness_profile(
    real: pd.DataFrame | None,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    *,
    columns: Sequence[str] | None = None,
    protected_attributes: Sequence[str] | None = None,
    target: str | None = None,
    positive_label: Any = None,
    min_group_size: int = 30,
    intersection: bool = True,
    bootstrap_replicates: int = 200,
    seed: int = 0,
) -> dict[str, Any]:
    """Group rates, parity, amplification and representation per attribute and their intersection.

    Parameters
    ----------
    real, synthetic : the generator's training data (optional) and its output; every figure
        compares the synthetic rows with the training rows.
    holdout : real rows the generator never saw; they join the training rows only in the
        reference the verdicts' tests use (``pooled_*`` per group, see ``_add_pooled``).
    columns : accepted for a uniform signature; the attributes and the target are named below.
    protected_attributes : columns whose groups are compared; none: the module does not run.
    target, positive_label : the outcome column and its positive value; without a target only
        representation is measured.
    min_group_size : groups with fewer rows on any side are listed but left out of the parity
        figures and the verdicts, and their rates are not reported.
    intersection : also measure the combinations of all attributes (when there are several).
    bootstrap_replicates : bootstrap replicates behind the 95% intervals (0: none).
    seed : seed of the bootstrap draws.

    Returns
    -------
    dict with ``groupings`` (one entry per attribute, then the intersection: group table, DPD and
    ratio per side, amplification, representation TVD, intervals, suppressed groups),
    ``sample_sizes``, ``settings`` and ``score``: 1 − the largest synthetic DPD over the single
    attributes (with a target), else 1 − the largest representation TVD; or ``not_run`` with the
    reason when no protected attribute is given. Only aggregates.
    """
    attributes = list(protected_attributes or [])
    settings = fairness_settings(
        attributes, target, positive_label, min_group_size, intersection, bootstrap_replicates, seed
    )
    sizes = {"real": None if real is None else len(real), "synthetic": len(synthetic)}
    if not attributes:
        return fairness_not_run(settings, sizes)
    frames = {"real": real, "synthetic": synthetic} if real is not None else {"synthetic": synthetic}
    outcomes = check_fairness_inputs(frames, attributes, target, positive_label)
    cells = GroupCells.of(frames, attributes)
    counts = {
        side: cell_counts(cells.codes[side], outcomes[side] if outcomes else None, len(cells.cells)) for side in frames
    }
    sizes["target_missing"] = {side: int(np.isnan(o).sum()) for side, o in outcomes.items()} if outcomes else None
    reference = None
    if real is not None and holdout is not None and len(holdout) and set(attributes) <= set(holdout.columns):
        reference = _holdout_counts(cells, holdout, attributes, target, positive_label)
    return fairness_from_cells(cells.cells, counts, settings, sizes, reference)


def _holdout_counts(
    cells: GroupCells, holdout: pd.DataFrame, attributes: list[str], target: str | None, positive_label: Any
) -> np.ndarray | None:
    """(2, cells) counts of the holdout rows on the real and synthetic rows' cells (other cells left out).

    None when the holdout has no target column: the tests then use the training rows alone.
    """
    if target is not None and target not in holdout.columns:
        return None
    index = {tuple(row): i for i, row in enumerate(cells.cells.itertuples(index=False, name=None))}
    labels = _group_labels(holdout[attributes])
    codes = np.array([index.get(row, -1) for row in labels.itertuples(index=False, name=None)], dtype=np.int64)
    outcome = positive_outcomes(holdout[target], positive_label) if target is not None else None
    seen = codes >= 0
    return cell_counts(codes[seen], outcome[seen] if outcome is not None else None, len(cells.cells))


def fairness_settings(
    attributes: list[str],
    target: str | None,
    positive_label: Any,
    min_group_size: int,
    intersection: bool,
    bootstrap_replicates: int,
    seed: int,
) -> dict[str, Any]:
    """The settings a fairness profile reports (and ``fairness_from_cells`` reads)."""
    return {
        "protected_attributes": attributes,
        "target": target,
        "positive_label": positive_label,
        "min_group_size": min_group_size,
        "intersection": intersection,
        "bootstrap_replicates": bootstrap_replicates,
        "seed": seed,
    }


def fairness_not_run(settings: dict[str, Any], sizes: dict[str, Any]) -> dict[str, Any]:
    """The profile of a fairness audit that does not run: no protected attribute was given."""
    sizes = {"real": sizes.get("real"), "synthetic": sizes["synthetic"]}
    return {
        "not_run": "no protected attributes were given",
        "settings": settings,
        "sample_sizes": sizes,
        "score": None,
        "interval": None,
    }


def fairness_from_cells(
    cells: pd.DataFrame,
    counts: dict[str, np.ndarray],
    settings: dict[str, Any],
    sizes: dict[str, Any],
    holdout: np.ndarray | None = None,
) -> dict[str, Any]:
    """The fairness profile (see ``fairness_profile``) from counts per cell, on any engine.

    ``cells`` holds one row per observed combination of the protected values (text, sorted by
    value); ``counts`` maps side → (2, cells) rows of known outcome and positives per cell
    (``cell_counts``); ``holdout``: the holdout's (2, cells) counts, which only the reference of
    the tests uses (``pooled_*``); ``settings`` and ``sizes`` are reported as they are.
    """
    attributes = settings["protected_attributes"]
    target = settings["target"]
    bootstrap_replicates = settings["bootstrap_replicates"]
    rng = np.random.default_rng(settings["seed"])
    replicates = (
        {side: bootstrap_cell_counts(counts[side], bootstrap_replicates, rng) for side in counts}
        if bootstrap_replicates > 0
        else None
    )

    with_intersection = settings["intersection"] and len(attributes) > 1
    groupings_of = [[a] for a in attributes] + ([attributes] if with_intersection else [])
    groupings, single_draws = [], []
    for grouping in groupings_of:
        labels, matrix = group_membership(cells, grouping)
        figures, draws = _grouping_figures(
            GROUP_SEPARATOR.join(grouping),
            grouping,
            labels,
            {side: c @ matrix for side, c in counts.items()},
            {side: r @ matrix for side, r in replicates.items()} if replicates is not None else None,
            settings["min_group_size"],
            target is not None,
        )
        _add_pooled(figures, holdout @ matrix if holdout is not None else None, settings["min_group_size"])
        groupings.append(figures)
        if len(grouping) == 1:
            single_draws.append((figures, draws))

    headline = "dpd_synthetic" if target is not None else "representation_tvd"
    score, interval = _module_score(single_draws, headline)
    return {
        "groupings": groupings,
        "sample_sizes": sizes,
        "settings": settings,
        "score": score,
        "interval": interval,
        "score_basis": headline,
    }


def _module_score(
    single: list[tuple[dict[str, Any], dict[str, np.ndarray]]], headline: str
) -> tuple[float | None, list[float] | None]:
    """1 − the largest headline figure over the single attributes, with its joint bootstrap interval."""
    values = [figures.get(headline) for figures, _ in single]
    known = [v for v in values if v is not None]
    if not known:
        return None, None
    score = 1.0 - max(known)
    draws = [d[headline] for (figures, d) in single if figures.get(headline) is not None and headline in d]
    if len(draws) != len(known):
        return score, None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        worst = np.nanmax(np.column_stack(draws), axis=1)
    bounds = centred_intervals([score], (1.0 - worst)[:, None])[0]
    return score, bounds
