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
- references and tests (what the verdicts read, ``expectations.metrics.verdicts.fidelity``): per
  column ``reference_tvd``, the mean TVD between train and a sample of the synthetic size drawn
  from the real distribution (train ∪ holdout counts), and ``p_value``, Pearson's χ² test of
  train vs synthetic counts (sparse levels merged); per pair its ``loss`` (1 − similarity), its
  ``reference_loss`` and a ``p_value`` (χ² on the joint cells, or a z-test of Δρ with its
  bootstrap standard error), see ``_pair_test``; per numeric column on a grid (at most
  ``GRID_MAX_VALUES`` distinct training values) ``off_grid``: the share of synthetic values that
  are none of train's values against the holdout's share, with a one-sided Fisher p-value.
- intervals: 95% percentile bootstrap intervals of every TVD, pair similarity and score, from
  ``bootstrap_replicates`` replicates that resample real and synthetic rows (in random blocks,
  see ``expectations.metrics.bootstrap``), centred on the figure. They show sampling
  variability and err on the wide side: a distance near zero is not a smooth function of the
  counts, so its bootstrap spreads more than fresh samples do (measured 1.2× for column shapes,
  1.4× for pair trends, ``tests/test_intervals.py``). The finite-sample upward bias of a TVD is
  what the noise floor shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from expectations.metrics.bootstrap import BlockResampler, centred_intervals, pearson_rows, tvd_rows
from expectations.metrics.distributions import CodedColumn, code_column, ks_statistic, tvd_from_counts
from expectations.metrics.errors import AuditDataError
from expectations.metrics.pairs import contingency_similarity, correlation_similarity, joint_codes, pearson
from expectations.metrics.progress import Ticker
from expectations.metrics.significance import excess_rate_p_value, expected_null_tvd, homogeneity_p_value

REAL, SYNTHETIC, HOLDOUT = "real", "synthetic", "holdout"
#: A numeric column whose training values take at most this many distinct values lies on a grid
#: (ages in years, counts, codes): a synthetic value off that grid is a value real data never has.
GRID_MAX_VALUES = 50
#: Second seed word of the reference figures' generator (the first is the audit seed).
REFERENCE_STREAM = 1


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


Resamplers = dict[str, BlockResampler]


@dataclass(frozen=True)
class ColumnStats:
    """What the figures of one audit column need, whichever engine counted it.

    ``counts`` maps side → level counts over ``levels`` (fitted on the real side, missing last
    when present); ``ks`` maps each non-real side → its KS statistic against real (numeric
    columns); ``block_counts`` maps real and synthetic → (blocks, levels) counts per random row
    block, for the bootstrap (None without intervals).
    """

    name: str
    kind: str
    levels: list[str]
    counts: dict[str, np.ndarray]
    ks: dict[str, float | None]
    missing_code: int | None
    block_counts: dict[str, np.ndarray] | None = None
    grid: dict[str, int] | None = None

    def missing_share(self, side: str) -> float:
        """Share of ``side``'s rows that are missing in this column."""
        total = self.counts[side].sum()
        if self.missing_code is None or total == 0:
            return 0.0
        return float(self.counts[side][self.missing_code] / total)


@dataclass(frozen=True)
class PairStats:
    """What the trend figure of one column pair needs, whichever engine counted it.

    Correlation pairs (numeric × numeric): ``correlation`` per side and, for the bootstrap,
    ``block_values`` side → (blocks, 6) sums of [1, x, y, x², y², xy] over complete rows,
    x and y centred on that side's means (``pearson_rows``). Contingency pairs: ``counts`` per
    side over one shared cell index, and ``block_values`` side → (blocks, cells) counts over
    the cells that occur in the real or synthetic rows.
    """

    columns: tuple[str, str]
    metric: str
    correlation: dict[str, float | None] | None = None
    counts: dict[str, np.ndarray] | None = None
    block_values: dict[str, np.ndarray] | None = None


def grid_counts(values: dict[str, np.ndarray]) -> dict[str, int] | None:
    """Off-grid counts of a numeric column (None when train has more than ``GRID_MAX_VALUES`` values).

    ``values``: side → float values (NaN missing). Returns ``values`` (train's distinct values),
    ``train_singles`` (training values that occur once: off the grid of the other training rows,
    the reference without a holdout), ``train_present``, and per other side ``{side}_off`` (values
    not among train's) and ``{side}_present``.
    """
    train = values[REAL][~np.isnan(values[REAL])]
    distinct, counts = np.unique(train, return_counts=True)
    if not 0 < distinct.size <= GRID_MAX_VALUES:
        return None
    grid = {"values": int(distinct.size), "train_singles": int((counts == 1).sum()), "train_present": int(train.size)}
    for side, side_values in values.items():
        if side != REAL:
            present = side_values[~np.isnan(side_values)]
            grid[f"{side}_off"] = int((~np.isin(present, distinct)).sum())
            grid[f"{side}_present"] = int(present.size)
    return grid


def _column_stats(column: CodedColumn, sides: Sequence[str], resamplers: Resamplers | None) -> ColumnStats:
    """Level counts, KS and block counts of one pandas-coded column."""
    ks = {
        side: ks_statistic(column.numeric[REAL], column.numeric[side]) if column.numeric else None
        for side in sides
        if side != REAL
    }
    blocks = (
        {s: resamplers[s].block_counts(column.codes[s], column.n_levels) for s in (REAL, SYNTHETIC)}
        if resamplers
        else None
    )
    counts = {side: column.counts(side) for side in sides}
    grid = grid_counts({side: column.numeric[side] for side in sides}) if column.numeric else None
    return ColumnStats(column.name, column.kind, column.levels, counts, ks, column.missing_code, blocks, grid)


def _pearson_terms(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-row [1, x, y, x², y², xy] on complete rows (zeros elsewhere), centred for precision."""
    complete = ~(np.isnan(x) | np.isnan(y))
    if not complete.any():
        return np.zeros((x.size, 6))
    x = np.where(complete, x - x[complete].mean(), 0.0)
    y = np.where(complete, y - y[complete].mean(), 0.0)
    return np.column_stack([complete.astype(np.float64), x, y, x * x, y * y, x * y])


def _pair_stats(a: CodedColumn, b: CodedColumn, sides: Sequence[str], resamplers: Resamplers | None) -> PairStats:
    """Correlations or joint counts of one pandas-coded column pair, with per-block values."""
    names = (a.name, b.name)
    if a.numeric is not None and b.numeric is not None:
        blocks = None
        if resamplers:
            blocks = {
                s: resamplers[s].block_sums(_pearson_terms(a.numeric[s], b.numeric[s])) for s in (REAL, SYNTHETIC)
            }
        rho = {side: pearson(a.numeric[side], b.numeric[side]) for side in sides}
        return PairStats(names, "correlation", correlation=rho, block_values=blocks)
    joint, n_cells = joint_codes([a.codes[s] for s in sides], [b.codes[s] for s in sides], b.n_levels)
    cells = dict(zip(sides, joint, strict=True))
    counts = {side: np.bincount(cells[side], minlength=n_cells) for side in sides}
    blocks = None
    if resamplers:
        # Resample only the cells that occur: most of a dense a × b grid is empty.
        occurring = np.flatnonzero(counts[REAL] + counts[SYNTHETIC])
        compact = np.zeros(n_cells, dtype=np.int64)
        compact[occurring] = np.arange(occurring.size)
        blocks = {s: resamplers[s].block_counts(compact[cells[s]], occurring.size) for s in (REAL, SYNTHETIC)}
    return PairStats(names, "contingency", counts=counts, block_values=blocks)


def _pair_trend(pair: PairStats, sides: Sequence[str], weights: dict[str, np.ndarray] | None) -> dict[str, Any]:
    """Similarity of one column pair between real and each other side, with bootstrap replicates.

    Correlation pairs also return ``difference_se``: the bootstrap standard deviation of
    ρ_real − ρ_syn (None without replicates), which the pair test uses.
    """
    others = [side for side in sides if side != REAL]
    replicates = None
    if pair.metric == "correlation":
        rho = pair.correlation
        scores = {side: correlation_similarity(rho[REAL], rho[side]) for side in others}
        se = None
        if weights and pair.block_values:
            boot = {s: pearson_rows(weights[s].astype(np.float64) @ pair.block_values[s]) for s in (REAL, SYNTHETIC)}
            replicates = 1.0 - np.abs(boot[REAL] - boot[SYNTHETIC]) / 2.0
            differences = boot[REAL] - boot[SYNTHETIC]
            differences = differences[~np.isnan(differences)]
            se = float(np.std(differences, ddof=1)) if differences.size > 1 else None
        return {
            "metric": "correlation",
            "correlation": rho,
            "scores": scores,
            "replicates": replicates,
            "difference_se": se,
        }
    scores = {side: contingency_similarity(pair.counts[REAL], pair.counts[side]) for side in others}
    if weights and pair.block_values:
        real, synthetic = (weights[s] @ pair.block_values[s] for s in (REAL, SYNTHETIC))
        replicates = 1.0 - tvd_rows(real, synthetic)
    return {"metric": "contingency", "scores": scores, "replicates": replicates}


def _real_pool(counts: dict[str, np.ndarray]) -> np.ndarray:
    """The real data's distribution over the levels or cells: train and holdout counts together."""
    return counts[REAL] + counts[HOLDOUT] if HOLDOUT in counts else counts[REAL]


def _shape_test(column: ColumnStats, rng: np.random.Generator) -> dict[str, float]:
    """The reference TVD (what a real sample of the synthetic size scores against train) and the
    χ² homogeneity p-value of train vs synthetic counts (``expectations.metrics.significance``)."""
    n_real, n_synthetic = int(column.counts[REAL].sum()), int(column.counts[SYNTHETIC].sum())
    return {
        "reference_tvd": expected_null_tvd(_real_pool(column.counts), n_real, n_synthetic, rng),
        "p_value": homogeneity_p_value(column.counts[REAL], column.counts[SYNTHETIC]),
    }


def _grid_test(grid: dict[str, int]) -> dict[str, Any]:
    """Share of synthetic values off train's grid against the holdout's share (without a holdout:
    the training values that occur once), one-sided Fisher exact test."""
    n_synthetic = grid["synthetic_present"]
    if f"{HOLDOUT}_present" in grid:
        off_reference, n_reference = grid[f"{HOLDOUT}_off"], grid[f"{HOLDOUT}_present"]
    else:
        off_reference, n_reference = grid["train_singles"], grid["train_present"]
    return {
        "values": grid["values"],
        "share": grid["synthetic_off"] / n_synthetic if n_synthetic else 0.0,
        "reference_share": off_reference / n_reference if n_reference else 0.0,
        "p_value": excess_rate_p_value(grid["synthetic_off"], n_synthetic, off_reference, n_reference),
    }


def _pair_test(
    pair: PairStats, trend: dict[str, Any], sizes: dict[str, int], rng: np.random.Generator
) -> dict[str, float | None]:
    """The pair's loss (1 − similarity), its reference (the loss two real samples of these sizes
    show by chance) and a p-value of "synthetic differs from real".

    Contingency pairs: the expected null TVD of the joint and the χ² homogeneity test on the
    joint cells. Correlation pairs: loss |Δρ| / 2, z = Δρ / SE with SE the bootstrap standard
    deviation of Δρ (Fisher's 1/(n − 3) per side without replicates), two-sided normal p; the
    reference is E|Δρ| / 2 = SE √(2/π) / 2.
    """
    score = trend["scores"][SYNTHETIC]
    if score is None:
        return {"loss": None, "reference_loss": None, "p_value": None}
    if pair.metric == "contingency":
        counts = pair.counts
        n_real, n_synthetic = int(counts[REAL].sum()), int(counts[SYNTHETIC].sum())
        return {
            "loss": 1.0 - score,
            "reference_loss": expected_null_tvd(_real_pool(counts), n_real, n_synthetic, rng),
            "p_value": homogeneity_p_value(counts[REAL], counts[SYNTHETIC]),
        }
    rho = trend["correlation"]
    se = trend["difference_se"]
    if not se:
        n_real, n_synthetic = sizes[REAL], sizes[SYNTHETIC]
        se = float(np.sqrt(1.0 / max(n_real - 3, 1) + 1.0 / max(n_synthetic - 3, 1)))
    difference = float(rho[REAL] - rho[SYNTHETIC])
    return {
        "loss": 1.0 - score,
        "reference_loss": se * np.sqrt(2.0 / np.pi) / 2.0,
        "p_value": float(2.0 * stats.norm.sf(abs(difference) / se)) if se > 0 else (1.0 if difference == 0 else 0.0),
    }


def _attach_intervals(
    shape_rows: list[dict[str, Any]],
    shape_replicates: list[np.ndarray],
    pair_rows: list[dict[str, Any]],
    pair_replicates: list[np.ndarray],
    scores: tuple[float | None, float | None, float | None],
) -> dict[str, list[float] | None]:
    """Set ``tvd_interval`` / ``score_interval`` on every row; return the three score intervals.

    ``scores`` are the column-shapes, pair-trends and module scores. All intervals come from
    one quantile pass over the replicate matrix; a score's replicates are the same average as
    the score, taken replicate by replicate.
    """
    shapes = np.column_stack(shape_replicates)
    pairs = np.column_stack(pair_replicates) if pair_rows else np.empty((shapes.shape[0], 0))
    defined = [i for i, row in enumerate(pair_rows) if row["score"] is not None]
    shapes_boot = 1.0 - shapes.mean(axis=1)
    pairs_boot = np.nanmean(pairs[:, defined], axis=1) if defined else np.full(shapes.shape[0], np.nan)
    score_boot = shapes_boot if not defined else (shapes_boot + pairs_boot) / 2.0
    estimates = [*(row["tvd"] for row in shape_rows), *(row["score"] for row in pair_rows), *scores]
    bounds = centred_intervals(estimates, np.column_stack([shapes, pairs, shapes_boot, pairs_boot, score_boot]))
    for row, interval in zip(shape_rows, bounds, strict=False):
        row["tvd_interval"] = interval
    for row, interval in zip(pair_rows, bounds[len(shape_rows) :], strict=False):
        row["score_interval"] = interval
    return {"shapes": bounds[-3], "pairs": bounds[-2], "score": bounds[-1]}


def _display_distribution(column: ColumnStats, max_levels: int, min_count: int) -> dict[str, Any]:
    """Real and synthetic shares of one column for a chart, with no rare real value named.

    Categories seen fewer than ``min_count`` times in the real rows, and beyond ``max_levels``
    the smallest levels, are merged into "(rare or other values)", so a chart never names a
    value that could single out a person.
    """
    real, synthetic = column.counts[REAL], column.counts[SYNTHETIC]
    n_levels = len(column.levels)
    real_share, syn_share = real / max(real.sum(), 1), synthetic / max(synthetic.sum(), 1)
    if column.kind == "numeric":
        keep = [i for i in range(n_levels) if real[i] or synthetic[i]]
        return {
            "column": column.name,
            "levels": [column.levels[i] for i in keep],
            "real": [float(real_share[i]) for i in keep],
            "synthetic": [float(syn_share[i]) for i in keep],
        }
    common = [i for i in range(n_levels) if real[i] >= min_count]
    common.sort(key=lambda i: -max(real_share[i], syn_share[i]))
    shown = common[:max_levels]
    rest = np.setdiff1d(np.arange(n_levels), shown)
    levels = [column.levels[i] for i in shown]
    real_out = [float(real_share[i]) for i in shown]
    syn_out = [float(syn_share[i]) for i in shown]
    if rest.size:
        levels.append("(rare or other values)")
        real_out.append(float(real_share[rest].sum()))
        syn_out.append(float(syn_share[rest].sum()))
    return {"column": column.name, "levels": levels, "real": real_out, "synthetic": syn_out}


def _all_pairs(coded: list[CodedColumn], sides: Sequence[str], resamplers: Resamplers | None) -> list[PairStats]:
    """``_pair_stats`` of every column pair (the slow part on wide tables, so it tells its progress)."""
    ticker = Ticker("fidelity, column pairs", len(coded) * (len(coded) - 1) // 2)
    stats = []
    for a, b in combinations(coded, 2):
        stats.append(_pair_stats(a, b, sides, resamplers))
        ticker.advance()
    return stats


def fidelity_profile(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame | None = None,
    *,
    columns: Sequence[str] | None = None,
    n_bins: int = 20,
    bootstrap_replicates: int = 200,
    bootstrap_blocks: int = 200,
    seed: int = 0,
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
    bootstrap_replicates : bootstrap replicates for the 95% intervals (0: no intervals).
    bootstrap_blocks : random row blocks per side that a replicate resamples.
    seed : seed of the random blocks and draws; the same inputs and seed give the same intervals.
    chart_columns : how many of the worst columns get a real-vs-synthetic distribution.
    chart_levels, min_display_count : display limits of those distributions (see
        ``_display_distribution``).

    Returns
    -------
    dict with ``score`` (mean of the two part scores) and its ``interval``, ``sample_sizes``,
    ``column_shapes`` (``score``, ``interval``, ``noise_floor``, per-column ``columns`` sorted
    worst first with ``tvd_interval``, ``distributions`` of the worst columns) and
    ``pair_trends`` (``score``, ``interval``, ``noise_floor``, ``n_pairs``, per-pair ``pairs``
    sorted worst first with ``score_interval``). Intervals are ``[low, high]`` or None. Only
    aggregates: no row of any input appears in it.
    """
    if columns is None:
        columns = [c for c in real.columns if c in synthetic.columns]
    check_fidelity_inputs(columns, {REAL: len(real), SYNTHETIC: len(synthetic)})
    frames = {REAL: real, SYNTHETIC: synthetic}
    if holdout is not None and len(holdout) > 0:
        frames[HOLDOUT] = holdout
    sides = list(frames)
    coded = [code_column(name, {side: frame[name] for side, frame in frames.items()}, REAL, n_bins) for name in columns]
    resamplers: Resamplers | None = None
    if bootstrap_replicates > 0:
        rng = np.random.default_rng(seed)
        resamplers = {
            side: BlockResampler.draw(len(frames[side]), bootstrap_blocks, bootstrap_replicates, rng)
            for side in (REAL, SYNTHETIC)
        }
    return fidelity_from_stats(
        [_column_stats(column, sides, resamplers) for column in coded],
        _all_pairs(coded, sides, resamplers),
        {side: len(frame) for side, frame in frames.items()},
        {side: r.weights for side, r in resamplers.items()} if resamplers else None,
        n_bins=n_bins,
        bootstrap={"replicates": bootstrap_replicates, "blocks": bootstrap_blocks, "seed": seed, "level": 0.95},
        chart_columns=chart_columns,
        chart_levels=chart_levels,
        min_display_count=min_display_count,
    )


def check_fidelity_inputs(columns: Sequence[str], sizes: dict[str, int]) -> None:
    """Raise ``AuditDataError`` when there is no audit column or the real or synthetic side is empty."""
    if not columns:
        raise AuditDataError("no audit columns: real and synthetic data share no column")
    for side in (REAL, SYNTHETIC):
        if sizes.get(side, 0) == 0:
            raise AuditDataError(f"the {side} data has no rows")


def fidelity_from_stats(
    column_stats: Sequence[ColumnStats],
    pair_stats: Sequence[PairStats],
    sizes: dict[str, int],
    weights: dict[str, np.ndarray] | None,
    *,
    n_bins: int,
    bootstrap: dict[str, Any],
    chart_columns: int = 3,
    chart_levels: int = 12,
    min_display_count: int = 10,
) -> dict[str, Any]:
    """The fidelity profile (see ``fidelity_profile``) from counted statistics, on any engine.

    ``sizes`` maps side → rows (a holdout side, if present, enables the noise floor);
    ``weights`` maps real and synthetic → (replicates, blocks) multinomial block weights
    (``BlockResampler``), a replicate's counts being ``weights @ block_counts``; None: no intervals.
    """
    sides = [side for side in (REAL, SYNTHETIC, HOLDOUT) if side in sizes]
    with_holdout = HOLDOUT in sizes
    # The reference figures' draws have their own generator: the bootstrap's stay as they were.
    reference_rng = np.random.default_rng([int(bootstrap.get("seed", 0)), REFERENCE_STREAM])
    shape_rows, shape_replicates = [], []
    for column in column_stats:
        row: dict[str, Any] = {
            "column": column.name,
            "kind": column.kind,
            "tvd": tvd_from_counts(column.counts[REAL], column.counts[SYNTHETIC]),
            "ks": column.ks.get(SYNTHETIC),
        }
        if with_holdout:
            row["holdout_tvd"] = tvd_from_counts(column.counts[REAL], column.counts[HOLDOUT])
            row["holdout_ks"] = column.ks.get(HOLDOUT)
        row["missing_real"] = column.missing_share(REAL)
        row["missing_synthetic"] = column.missing_share(SYNTHETIC)
        row.update(_shape_test(column, reference_rng))
        if column.grid is not None:
            row["off_grid"] = _grid_test(column.grid)
        shape_rows.append(row)
        if weights and column.block_counts:
            shape_replicates.append(tvd_rows(*(weights[s] @ column.block_counts[s] for s in (REAL, SYNTHETIC))))

    pair_rows, pair_replicates = [], []
    for pair in pair_stats:
        trend = _pair_trend(pair, sides, weights)
        row = {"columns": list(pair.columns), "metric": trend["metric"], "score": trend["scores"][SYNTHETIC]}
        if with_holdout:
            row["holdout_score"] = trend["scores"][HOLDOUT]
        if trend["metric"] == "correlation":
            row["correlation_real"] = trend["correlation"][REAL]
            row["correlation_synthetic"] = trend["correlation"][SYNTHETIC]
        row.update(_pair_test(pair, trend, sizes, reference_rng))
        pair_rows.append(row)
        pair_replicates.append(trend["replicates"])

    shapes_score = _mean([1.0 - r["tvd"] for r in shape_rows])
    pairs_score = _mean([r["score"] for r in pair_rows])
    score = _mean([shapes_score, pairs_score])
    intervals: dict[str, list[float] | None] = {"shapes": None, "pairs": None, "score": None}
    if weights:
        scores = (shapes_score, pairs_score, score)
        intervals = _attach_intervals(shape_rows, shape_replicates, pair_rows, pair_replicates, scores)
    shape_rows.sort(key=lambda r: -r["tvd"])
    pair_rows.sort(key=lambda r: (r["score"] is None, r["score"] if r["score"] is not None else 0.0))
    by_name = {c.name: c for c in column_stats}
    return {
        "score": score,
        "interval": intervals["score"],
        "sample_sizes": {side: sizes.get(side) for side in (REAL, SYNTHETIC, HOLDOUT)},
        "n_bins": n_bins,
        "bootstrap": bootstrap,
        "column_shapes": {
            "score": shapes_score,
            "interval": intervals["shapes"],
            "noise_floor": _mean([1.0 - r["holdout_tvd"] for r in shape_rows]) if with_holdout else None,
            "n_columns": len(shape_rows),
            "columns": shape_rows,
            "distributions": [
                _display_distribution(by_name[r["column"]], chart_levels, min_display_count)
                for r in shape_rows[:chart_columns]
            ],
        },
        "pair_trends": {
            "score": pairs_score,
            "interval": intervals["pairs"],
            "noise_floor": _mean([r["holdout_score"] for r in pair_rows]) if with_holdout else None,
            "n_pairs": sum(r["score"] is not None for r in pair_rows),
            "pairs": pair_rows,
        },
    }
