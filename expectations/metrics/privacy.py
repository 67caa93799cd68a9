"""The privacy profile: target samples, their distances to the synthetic rows, and every figure.

Pure numpy/pandas; no Great Expectations or pyspark import. Definitions (DESIGN §4 "Privacy",
``reference/anchors.md`` §12); the measures live by concern:

- exact copies and the split test: ``expectations.metrics.copies``;
- nearest-neighbour distances on the shared encoding (``expectations.metrics.encoding``), exact
  Euclidean distances from one pass over all synthetic rows: ``expectations.metrics.neighbours``;
- membership attacks (the distance attack, its near-match test, the rarity attack's figures):
  ``expectations.metrics.membership``, the rarity attack itself ``expectations.metrics.rarity``;
- the most exposed records and risk by protected group: ``expectations.metrics.exposure``;
- attribute inference and linkability: ``expectations.metrics.inference``,
  ``expectations.metrics.linkability``.

This module draws the targets and assembles the profile:

- target samples: with a holdout, ``per_side = min(n_train, n_holdout, dcr_sample)`` rows drawn
  without replacement from each (``draw_targets``); without one, ``per_side = min(n_real,
  dcr_sample)`` real rows. Rows are addressed by their position in their side, so any engine that
  numbers the rows the same way draws the same rows.
- DCR share: share of synthetic rows closer to the train sample than to the holdout sample,
  ties counting half; 0.5 is ideal (as SDMetrics ``DCROverfittingProtection``'s p, but on one
  shared encoding).
- without a holdout: a real sample S of ``per_side`` rows. Each synthetic row's distance to the
  closest row of S, against each row of S's distance to the closest *other* row of S (itself
  excluded). A row of S measured against S minus itself is like a fresh row measured against a
  sample of |S| − 1 rows, so both distances compare a row with a sample of (almost) the same
  size: like for like, and bounded by ``dcr_sample`` on any engine. ``close_share`` = share of
  synthetic rows at most as far from S as the 5th percentile of S's own distances (≈ 0.05 when
  the generator does not copy).

Every figure is computed by ``privacy_figures`` from engine-neutral statistics (copy counts,
the targets' distances to the synthetic rows, counts of synthetic rows by comparison): the
pandas ``privacy_profile`` below and the Spark ``expectations.spark.privacy`` gather the same
statistics and share that one function, random draws included, so both report the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from expectations.metrics.bootstrap import centred_intervals
from expectations.metrics.copies import (
    CopyCounts,
    canonical_values,
    copy_counts,
    copy_figures,
    hash_rows,
    matched_records,
    row_keys,
)
from expectations.metrics.encoding import DistanceEncoder
from expectations.metrics.errors import AuditDataError
from expectations.metrics.exposure import exposed_targets, exposure_figures, group_figures, target_groups
from expectations.metrics.inference import (
    INFERENCE_TOLERANCE,
    InferenceTallies,
    check_secrets,
    inference_figures,
    secret_values,
    tallies_by_secret,
)
from expectations.metrics.linkability import LinkTallies, link_split, link_tallies, linkability_figures, split_masks
from expectations.metrics.membership import (
    advantage_p_value,
    attack_positions,
    attack_with_intervals,
    inference_positions,
    low_fpr_counts,
    membership_scores,
    near_match_test,
    rarity_figures,
    strongest_attack,
)
from expectations.metrics.neighbours import nearest_neighbours, nearest_other
from expectations.metrics.rarity import RarityTargets, closest_match, rarity_sizes

#: Quantiles of the distances reported without a holdout; the 5th percentile of the real
#: sample's own distances is also the "close" threshold.
DCR_QUANTILES = (0.05, 0.25, 0.5)


def _share_interval(
    values: Sequence[float], counts: Sequence[int], replicates: int, rng: np.random.Generator
) -> tuple[float, list[float] | None]:
    """Bootstrap interval of the mean of per-row values in [0, 1], given how many rows hold each value.

    The rows are rebuilt sorted by value (``np.repeat``), so the resampled means depend on the
    counts only, never on the order an engine met the rows in. Returns (mean, interval or None).
    """
    indicator = np.repeat(np.asarray(values, dtype=np.float64), np.asarray(counts, dtype=np.int64))
    mean = float(indicator.mean()) if indicator.size else 0.0
    if replicates <= 0 or indicator.size == 0:
        return mean, None
    draws = np.array([indicator[rng.integers(0, indicator.size, indicator.size)].mean() for _ in range(replicates)])
    return mean, centred_intervals([mean], draws[:, None])[0]


def _quantiles(values: np.ndarray) -> dict[str, float]:
    return {f"p{int(q * 100):02d}": float(np.quantile(values, q)) for q in DCR_QUANTILES}


@dataclass(frozen=True)
class TargetDraw:
    """Positions (0-based, in each side's row order) of the target samples, in draw order.

    ``extra_train``: training rows beyond the train sample that the rarity attack takes as
    members (``rarity_sizes``), none unless the holdout sample is the smaller.
    """

    per_side: int
    train: np.ndarray
    holdout: np.ndarray | None
    extra_train: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64))


def draw_targets(n_real: int, n_holdout: int | None, dcr_sample: int, rng: np.random.Generator) -> TargetDraw:
    """Draw the target samples: ``rng.choice(n, per_side, replace=False)`` on train, then on holdout.

    With a holdout (``n_holdout`` > 0) per_side = min(n_real, n_holdout, dcr_sample), else
    min(n_real, dcr_sample) and no holdout draw. With a holdout, when the rarity attack takes
    more members than per_side, ``extra_train`` follows: ``rng.choice`` of that many of the
    training positions not drawn yet (ascending). These are the first calls on ``rng``; the
    bootstrap draws of ``privacy_figures`` follow on the same generator.
    """
    if n_holdout:
        per_side = min(n_real, n_holdout, dcr_sample)
        train = rng.choice(n_real, per_side, replace=False)
        holdout = rng.choice(n_holdout, per_side, replace=False)
        extra = rarity_sizes(n_real, per_side)[0] - per_side
        if extra <= 0:
            return TargetDraw(per_side, train, holdout)
        rest = np.setdiff1d(np.arange(n_real), train, assume_unique=True)
        return TargetDraw(per_side, train, holdout, rng.choice(rest, extra, replace=False))
    per_side = min(n_real, dcr_sample)
    return TargetDraw(per_side, rng.choice(n_real, per_side, replace=False), None)


def rarity_targets(
    encoder: DistanceEncoder, targets: np.ndarray, extra_codes: np.ndarray, per_side: int, n_real: int
) -> RarityTargets:
    """The rarity attack's targets (``rarity_sizes``): members = the first of the train sample,
    then the ``extra_train`` rows (``extra_codes``); non-members = the first of the holdout
    sample. ``targets``: the encoded train then holdout samples (``draw_targets`` order)."""
    members, non_members = rarity_sizes(n_real, per_side)
    drawn = min(per_side, members)
    return RarityTargets.fit(
        encoder, np.vstack([targets[:drawn], extra_codes]), targets[per_side : per_side + non_members]
    )


@dataclass(frozen=True)
class HoldoutDistances:
    """Nearest-neighbour statistics with a holdout.

    ``to_synthetic``: each target's distance to its closest synthetic row, the train sample's
    ``per_side`` rows then the holdout sample's, in draw order. ``closer_to_train``, ``tied``,
    ``closer_to_holdout``: synthetic rows whose distance to the train sample is below, equal to,
    above their distance to the holdout sample. ``rarity``: each rarity-attack target's match
    with the synthetic rows (``expectations.metrics.rarity.closest_match``), when it was asked for.
    """

    to_synthetic: np.ndarray
    closer_to_train: int
    tied: int
    closer_to_holdout: int
    rarity: np.ndarray | None = None


@dataclass(frozen=True)
class RealDistances:
    """Nearest-neighbour statistics without a holdout (real sample S).

    ``own``: each row of S's distance to the closest other row of S, in draw order.
    ``synthetic_quantiles``: the ``DCR_QUANTILES`` of the synthetic rows' distances to S (keys
    p05, p25, p50). ``close``: synthetic rows at distance ≤ ``close_threshold(own)``.
    """

    own: np.ndarray
    synthetic_quantiles: dict[str, float]
    close: int


def holdout_distances(
    synthetic_codes: np.ndarray,
    targets: np.ndarray,
    per_side: int,
    rarity: RarityTargets | None = None,
    threads: int | None = None,
) -> HoldoutDistances:
    """``HoldoutDistances`` of some synthetic rows against the stacked train and holdout samples
    (and, with ``rarity``, the rarity targets' matches with them).

    Over several parts of the synthetic rows, sum the counts and take the elementwise minimum of
    ``to_synthetic`` and ``rarity``: the result equals one call on all the rows (both are exact).
    ``threads``: the searches' threads (``expectations.metrics.parallel``).
    """
    synthetic_to, to_synthetic = nearest_neighbours(
        synthetic_codes, targets, [0, per_side, 2 * per_side], reverse=True, threads=threads
    )
    train, holdout = synthetic_to
    matches = None
    if rarity is not None:
        matches = closest_match(rarity.model, rarity.bins, rarity.model.bins(synthetic_codes), threads=threads)
    return HoldoutDistances(
        to_synthetic,
        int((train < holdout).sum()),
        int((train == holdout).sum()),
        int((train > holdout).sum()),
        matches,
    )


def own_distances(sample_codes: np.ndarray) -> np.ndarray:
    """Each sample row's distance to the closest other row of the sample (itself excluded)."""
    return nearest_other(sample_codes)


def close_threshold(own: np.ndarray) -> float:
    """The "close" threshold without a holdout: the 5th percentile (numpy linear) of S's own distances."""
    return float(np.quantile(own, DCR_QUANTILES[0]))


def _attack_part(
    distances: HoldoutDistances,
    target_codes: np.ndarray,
    n_synthetic: int,
    settings: Mapping[str, int],
    rng: np.random.Generator,
    member_positions: np.ndarray | None = None,
    groups: Mapping[str, np.ndarray] | None = None,
    rarity: RarityTargets | None = None,
) -> dict[str, Any]:
    """The membership attacks: the distance attack on the first m targets of each sample
    (``membership_scores``) and, with ``rarity``, the rarity attack (``rarity_figures``) of the
    ``n_synthetic`` synthetic rows."""
    per_side = distances.to_synthetic.size // 2
    attack = attack_positions(per_side, int(settings["attack_sample"]))
    m = attack.size // 2
    attack_rows = target_codes[attack]
    attacked_groups = {name: labels[attack] for name, labels in (groups or {}).items()}
    (to_members, to_non_members), _ = nearest_neighbours(
        attack_rows, attack_rows, [0, m, 2 * m], exclude=np.arange(2 * m)
    )
    to_reference = np.minimum(to_members, to_non_members)
    to_synthetic = distances.to_synthetic[attack]
    scores = membership_scores(to_synthetic, to_reference)
    members, nonmembers = scores[:m], scores[m:]
    attack = attack_with_intervals(members, nonmembers, int(settings["bootstrap_replicates"]), rng)
    ensemble = {}
    if rarity is not None and distances.rarity is not None:
        ensemble["rarity"] = rarity_figures(rarity, distances.rarity, n_synthetic, settings, rng)
    return {
        **attack,
        **ensemble,
        "strongest": strongest_attack({"distance": attack, **ensemble}),
        "members": m,
        "non_members": m,
        "balanced_accuracy": (1.0 + attack["advantage"]) / 2.0,
        "low_fpr": low_fpr_counts(members, nonmembers),
        "advantage_p_value": advantage_p_value(members, nonmembers),
        "near_matches": near_match_test(attack_rows, to_synthetic, to_reference, m, seed=int(settings["seed"])),
        "exposure": exposure_figures(to_synthetic, to_non_members, to_reference, scores, m, member_positions),
        "by_group": group_figures(attacked_groups, scores, exposed_targets(to_synthetic, to_non_members), m),
    }


def privacy_figures(
    *,
    sizes: Mapping[str, int | None],
    encoding_width: int,
    copies: CopyCounts,
    distances: HoldoutDistances | RealDistances,
    target_codes: np.ndarray | None,
    settings: Mapping[str, int],
    rng: np.random.Generator,
    inference: Mapping[str, InferenceTallies] | None = None,
    train_positions: np.ndarray | None = None,
    groups: Mapping[str, np.ndarray] | None = None,
    rarity: RarityTargets | None = None,
    linkability: tuple[LinkTallies, tuple[list[str], list[str]]] | None = None,
) -> dict[str, Any]:
    """The privacy profile from engine-neutral statistics (see the module docstring for definitions).

    ``sizes``: rows of ``real``, ``synthetic`` and ``holdout`` (None without one); ``copies``:
    ``CopyCounts``; ``distances``: ``HoldoutDistances`` with a holdout, else ``RealDistances``;
    ``target_codes``: the encoded train then holdout samples (``draw_targets`` order; with a
    holdout); ``rng``: the generator right after ``draw_targets`` (bootstrap draws: attack
    intervals, the share interval, then each secret's risk interval); ``inference``: per secret
    column the ``InferenceTallies`` of the inference targets (``inference_positions``; with a
    holdout and secrets named), whose figures (``inference_figures``) form ``inference``;
    ``rarity``: the rarity attack's targets (``rarity_targets``), whose matches with the synthetic
    rows ride in ``distances.rarity`` (with a holdout); ``linkability``: the ``LinkTallies`` of
    the inference targets and the two parties' columns (``link_split``; with a holdout), whose
    figures (``linkability_figures``) form ``linkability``.

    Figures: copy rates = counts / rows of their side; attack scores ``membership_scores`` of the
    first m targets of each sample; DCR share = (closer_to_train + ½ tied) / n_synthetic;
    close_share = close / n_synthetic; score = 1 − advantage with a holdout, else
    1 − max(0, close_share − 0.05) / 0.95 (intervals mapped through the same formulas).
    The verdicts' tests (``expectations.metrics.verdicts.privacy``) read these figures.
    """
    n_synthetic = int(sizes["synthetic"])
    profile: dict[str, Any] = {
        "sample_sizes": dict(sizes),
        "encoding_width": encoding_width,
        "exact_copies": copy_figures(copies, sizes, int(settings["seed"])),
        "settings": dict(settings),
    }
    replicates = int(settings["bootstrap_replicates"])
    if isinstance(distances, HoldoutDistances):
        if target_codes is None:
            raise ValueError("the membership attack needs the target samples' codes")
        per_side = distances.to_synthetic.size // 2
        attack = _attack_part(distances, target_codes, n_synthetic, settings, rng, train_positions, groups, rarity)
        profile["attack"] = attack
        share, interval = _share_interval(
            (0.0, 0.5, 1.0), (distances.closer_to_holdout, distances.tied, distances.closer_to_train), replicates, rng
        )
        profile["dcr_share"] = {
            "share": share,
            "interval": interval,
            "closer_to_train": distances.closer_to_train,
            "tied": distances.tied,
            "closer_to_holdout": distances.closer_to_holdout,
            "train_rows": per_side,
            "holdout_rows": per_side,
            "synthetic_rows": n_synthetic,
        }
        # Attribute inference and linkability share their targets.
        attacked = inference_positions(per_side, int(settings["attack_sample"]))
        if inference is not None:
            profile["inference"] = {
                "secrets": [
                    inference_figures(
                        secret,
                        tallies,
                        target_codes[attacked],
                        attacked.size // 2,
                        replicates,
                        rng,
                        int(settings["seed"]),
                    )
                    for secret, tallies in inference.items()
                ],
                "tolerance": INFERENCE_TOLERANCE,
            }
        if linkability is not None:
            tallies, split = linkability
            profile["linkability"] = linkability_figures(
                tallies, split, target_codes[attacked], attacked.size // 2, replicates, rng, int(settings["seed"])
            )
        profile["score"] = 1.0 - attack["advantage"]
        advantage_bounds = attack["intervals"]["advantage"]
        profile["interval"] = [1.0 - advantage_bounds[1], 1.0 - advantage_bounds[0]] if advantage_bounds else None
        return profile

    close_share, interval = _share_interval(
        (0.0, 1.0), (n_synthetic - distances.close, distances.close), replicates, rng
    )
    profile["dcr_profile"] = {
        "synthetic": dict(distances.synthetic_quantiles),
        "real": _quantiles(distances.own),
        "threshold_p05": close_threshold(distances.own),
        "close_share": close_share,
        "close_count": distances.close,
        "interval": interval,
        "real_rows": distances.own.size,
        "synthetic_rows": n_synthetic,
    }
    profile["score"] = 1.0 - max(0.0, close_share - 0.05) / 0.95
    profile["interval"] = [1.0 - max(0.0, b - 0.05) / 0.95 for b in reversed(interval)] if interval else None
    return profile


def audit_settings(
    attack_sample: int, dcr_sample: int, top_categories: int, bootstrap_replicates: int, seed: int
) -> dict[str, int]:
    """The settings a profile echoes (and ``privacy_figures`` reads)."""
    return {
        "attack_sample": attack_sample,
        "dcr_sample": dcr_sample,
        "top_categories": top_categories,
        "bootstrap_replicates": bootstrap_replicates,
        "seed": seed,
    }


def check_sizes(n_real: int, n_synthetic: int, n_holdout: int | None, dcr_sample: int) -> None:
    """Raise ``AuditDataError`` for inputs no profile can be computed from (both engines call this)."""
    for side, rows in (("real", n_real), ("synthetic", n_synthetic)):
        if rows == 0:
            raise AuditDataError(f"the {side} data has no rows")
    if not n_holdout and min(n_real, dcr_sample) < 2:
        raise AuditDataError(
            "without a holdout the distance check needs a real sample of at least 2 rows (real rows and dcr_sample)"
        )


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
    secret_columns: Sequence[str] | None = None,
    protected_attributes: Sequence[str] | None = None,
    link_columns: Sequence[str] | None = None,
) -> dict[str, Any]:
    """Exact copies, DCR share, membership attack (with a holdout) or DCR profile (without one).

    Parameters
    ----------
    real, synthetic : the generator's training data and its output.
    holdout : real rows the generator never saw; needed for the attack and the DCR share.
    columns : audit columns; default every column of ``real`` present in ``synthetic``.
    attack_sample : members and non-members each, at most (m = min(n_train, n_holdout, this)).
    dcr_sample : rows of train and of holdout (each, at most) the synthetic rows are compared
        with for the DCR share; without a holdout, the rows of the real sample S the synthetic
        rows are compared with and whose own neighbour distances (within S) form the reference.
        Every synthetic row is always compared, never sampled.
    top_categories : one-hot categories kept per categorical column (the rest are "other").
    bootstrap_replicates : bootstrap replicates behind the 95% intervals (0: none).
    seed : seed of every sample and bootstrap draw.
    secret_columns : audit columns an attacker who knows the others tries to infer
        (``expectations.metrics.inference``); with a holdout, each gets its ``inference`` figures.
    protected_attributes : with a holdout, the attack's figures per group of each categorical one
        (``attack.by_group``).
    link_columns : the columns one party holds in the linkability attack
        (``expectations.metrics.linkability``; the other holds the rest); default the first half
        of the audit columns. With a holdout and two or more audit columns, ``linkability``.

    Returns
    -------
    dict with ``sample_sizes``, ``exact_copies`` (rate, holdout rate, counts), and either
    ``attack`` (auc, advantage, tpr_at_0.01_fpr, tpr_at_0.001_fpr, intervals, members,
    non_members), ``dcr_share`` (share, interval, rows compared) and, with secrets named,
    ``inference`` (per secret: success rates, risk, interval, p-value), or ``dcr_profile``
    (synthetic and real quantiles, close_share, interval) when there is no holdout; and
    ``score``, the privacy module score: 1 − advantage with a holdout, else
    1 − max(0, close_share − 0.05) / 0.95. Only aggregates (``privacy_figures``).
    """
    if columns is None:
        columns = [c for c in real.columns if c in synthetic.columns]
    if not columns:
        raise AuditDataError("no audit columns: real and synthetic data share no column")
    with_holdout = holdout is not None and len(holdout) > 0
    n_holdout = len(holdout) if with_holdout else None
    check_sizes(len(real), len(synthetic), n_holdout, dcr_sample)
    secrets = check_secrets(columns, secret_columns or ())
    split = link_split(columns, link_columns or ())
    rng = np.random.default_rng(seed)
    reference = pd.concat([real[columns], holdout[columns]], ignore_index=True) if with_holdout else real[columns]
    encoder = DistanceEncoder.fit(reference, columns, top_categories)

    train_values = canonical_values(real, columns)
    train_keys, synthetic_keys = hash_rows(train_values), row_keys(synthetic, columns)
    holdout_keys = matched = None
    if with_holdout:
        holdout_values = canonical_values(holdout, columns)
        holdout_keys = hash_rows(holdout_values)
        pool_values = pd.concat([train_values, holdout_values], ignore_index=True)
        matched = matched_records(pool_values, np.concatenate([train_keys, holdout_keys]), len(real), synthetic_keys)
    copies = replace(copy_counts(train_keys, synthetic_keys, holdout_keys), matched=matched)
    synthetic_codes = encoder.transform(synthetic)
    draw = draw_targets(len(real), n_holdout, dcr_sample, rng)
    train_codes = encoder.transform(real.iloc[draw.train])
    targets = inference = rarity = linkability = None
    if with_holdout:
        targets = np.vstack([train_codes, encoder.transform(holdout.iloc[draw.holdout])])
        extra_codes = encoder.transform(real.iloc[draw.extra_train])
        rarity = rarity_targets(encoder, targets, extra_codes, draw.per_side, len(real))
        distances: HoldoutDistances | RealDistances = holdout_distances(synthetic_codes, targets, draw.per_side, rarity)
        if secrets:
            attack = inference_positions(draw.per_side, attack_sample)
            m = attack.size // 2
            attacked = pd.concat([real.iloc[draw.train[:m]][columns], holdout.iloc[draw.holdout[:m]][columns]])
            inference = tallies_by_secret(
                encoder,
                secrets,
                targets[attack],
                secret_values(attacked, secrets, encoder),
                synthetic_codes,
                secret_values(synthetic, secrets, encoder),
            )
        if split is not None:
            attack = inference_positions(draw.per_side, attack_sample)
            linkability = link_tallies(targets[attack], synthetic_codes, *split_masks(encoder, split)), split
    else:
        own = own_distances(train_codes)
        (synthetic_to_sample,), _ = nearest_neighbours(synthetic_codes, train_codes)
        distances = RealDistances(
            own, _quantiles(synthetic_to_sample), int((synthetic_to_sample <= close_threshold(own)).sum())
        )
    return privacy_figures(
        sizes={"real": len(real), "synthetic": len(synthetic), "holdout": n_holdout},
        encoding_width=encoder.width,
        copies=copies,
        distances=distances,
        target_codes=targets,
        settings=audit_settings(attack_sample, dcr_sample, top_categories, bootstrap_replicates, seed),
        rng=rng,
        inference=inference,
        train_positions=draw.train,
        groups=target_groups(encoder, targets, protected_attributes or ()) if targets is not None else None,
        rarity=rarity,
        linkability=linkability,
    )
