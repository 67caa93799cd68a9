"""Linkability (``expectations.metrics.linkability``): the split, the tallies against a direct
computation from the definition, their merge over any split of the synthetic rows, and the risk
and verdict on a leak and on a fresh sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from expectations.metrics.encoding import DistanceEncoder
from expectations.metrics.errors import AuditDataError, MissingColumnError
from expectations.metrics.linkability import link_split, link_tallies, split_masks
from expectations.metrics.neighbours import pair_distances
from expectations.metrics.privacy import privacy_profile
from expectations.metrics.verdicts.privacy import linkability_verdict


def test_the_default_split_is_the_first_half_and_named_columns_are_checked():
    assert link_split(["a", "b", "c"]) == (["a", "b"], ["c"])
    assert link_split(["a", "b", "c", "d"], ["d", "b"]) == (["b", "d"], ["a", "c"])
    assert link_split(["a"]) is None
    with pytest.raises(MissingColumnError, match="link column\\(s\\) 'z' not among the audit columns"):
        link_split(["a", "b"], ["z"])
    with pytest.raises(AuditDataError, match="columns on both sides"):
        link_split(["a", "b"], ["a", "b"])


def _tied_frame(seed: int, n: int) -> pd.DataFrame:
    """Few distinct profiles per side, so closest rows tie often."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "a1": rng.integers(0, 3, n),
            "a2": rng.choice(["x", "y"], n),
            "b1": rng.integers(0, 4, n).astype(float),
            "b2": rng.choice(["p", "q", "r"], n),
        }
    )


def _direct(targets: np.ndarray, others: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, list[set[int]]]:
    """Each target's closest distance on ``mask`` and the set of rows at it, pair by pair."""
    t, o = (
        np.ascontiguousarray(targets[:, mask], dtype=np.float64),
        np.ascontiguousarray(others[:, mask], np.float64),
    )
    best, rows = np.empty(len(targets)), []
    for i in range(len(targets)):
        d = pair_distances(t, o, np.full(len(others), i), np.arange(len(others)))
        best[i] = d.min()
        rows.append(set(np.flatnonzero(d == d.min()).tolist()))
    return best, rows


@pytest.mark.parametrize("seed", [0, 1])
def test_tallies_equal_the_definition_and_merge_over_any_split(seed):
    targets, synthetic = _tied_frame(seed, 80), _tied_frame(seed + 5, 300)
    encoder = DistanceEncoder.fit(pd.concat([targets, synthetic]), list(targets.columns))
    t_codes, s_codes = encoder.transform(targets), encoder.transform(synthetic)
    masks = split_masks(encoder, (["a1", "a2"], ["b1", "b2"]))
    tallies = link_tallies(t_codes, s_codes, *masks)
    best_a, rows_a = _direct(t_codes, s_codes, masks[0])
    best_b, rows_b = _direct(t_codes, s_codes, masks[1])
    assert np.array_equal(tallies.distance_a, best_a) and np.array_equal(tallies.distance_b, best_b)
    assert tallies.tied_a.tolist() == [len(r) for r in rows_a]
    assert tallies.tied_b.tolist() == [len(r) for r in rows_b]
    assert tallies.both.tolist() == [len(a & b) for a, b in zip(rows_a, rows_b, strict=True)]
    assert tallies.both.sum() > 0 and (tallies.tied_a > 1).any()
    cuts = np.sort(np.random.default_rng(seed).choice(np.arange(1, 300), 3, replace=False))
    parts = [link_tallies(t_codes, part, *masks) for part in np.split(s_codes, cuts)]
    merged = parts[0]
    for part in parts[1:]:
        merged = merged.merge(part)
    for name in ("distance_a", "tied_a", "distance_b", "tied_b", "both"):
        assert np.array_equal(getattr(merged, name), getattr(tallies, name)), name


def _population(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "age": rng.integers(18, 80, n),
            "income": np.round(np.exp(10 + rng.normal(0, 0.6, n))),
            "region": rng.choice(["n", "s", "e", "w"], n),
            "hours": rng.integers(10, 70, n),
            "job": rng.choice(list("abcdef"), n),
            "score": rng.normal(0, 1, n).round(3),
        }
    )


def test_copies_of_training_records_are_linked_and_a_fresh_sample_is_not():
    population = _population(3, 6_000)
    train, holdout, fresh = population.iloc[:3_000], population.iloc[3_000:4_500], population.iloc[4_500:]
    options = {"bootstrap_replicates": 50, "seed": 1}
    leaked = pd.concat([fresh.iloc[:1_200], train.iloc[:300]], ignore_index=True)  # 20% copies
    figures = privacy_profile(train, leaked, holdout, **options)["linkability"]
    assert figures["link_columns"] == ["age", "income", "region"]
    assert figures["members"] == figures["non_members"] == 1_500
    expected = (figures["train_success"] - figures["control_success"]) / (1 - figures["control_success"])
    assert figures["risk"] == pytest.approx(expected)
    assert figures["interval"][0] <= figures["risk"] <= figures["interval"][1]
    judged = linkability_verdict(figures, 0.05, 0.0)
    assert not judged["passes"] and "links the two halves (3 + 3 columns)" in judged["message"]
    clean = privacy_profile(train, fresh, holdout, **options)["linkability"]
    assert linkability_verdict(clean, 0.05, 0.0)["passes"]
    assert abs(clean["risk"]) < 0.02
