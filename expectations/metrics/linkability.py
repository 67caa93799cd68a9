"""Linkability: can the synthetic rows link two halves of a real record held by two parties?

The attack of Giomi et al. 2022 ("A Unified Framework for Quantifying Privacy Risk in
Synthetic Data", PoPETs 2023, §4.2), written from the paper. Two parties each hold some
columns of the same people: one the *link columns* A, the other the rest B (``link_split``).
To join their records, an attacker looks up each party's record in the synthetic data: the
synthetic row closest to the target on A and the one closest on B (distances on the shared
encoding, ``expectations.metrics.encoding``, restricted to each set's codes). The link succeeds
when both are the same synthetic row — the generator kept enough of that person for the two
halves to point at one row. Where several rows are equally close the attacker picks one of each
at random, so the target's success is

    success_i = both_i / (tied_A,i · tied_B,i)

with tied_X the synthetic rows at the closest distance on X and both_i those at the closest
distance on A *and* on B. As for attribute inference (``expectations.metrics.inference``) the
attack runs on training targets and on holdout targets (the control), and

    risk = (s_train − s_control) / (1 − s_control)

with the same bootstrap interval and the same exact permutation scan (``success_figures``),
the trusted attempts being those whose closest synthetic rows on A and on B both lie far
closer than the target's closest real neighbours on them (the larger of the two ratios).

Every figure comes from ``LinkTallies``, which merge across any split of the synthetic rows: a
row at the overall closest distance on both sets is at its part's closest on both, so summing
``both`` over the parts whose minima equal the overall minima counts it once (``merge``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from expectations.metrics.encoding import DistanceEncoder
from expectations.metrics.errors import AuditDataError, audit_columns_named
from expectations.metrics.inference import closeness_ratio, success_figures
from expectations.metrics.neighbours import distinct_rows, nearest_ties


def link_split(columns: Sequence[str], link_columns: Sequence[str] = ()) -> tuple[list[str], list[str]] | None:
    """The two parties' columns: ``link_columns`` and the other audit columns; by default the
    first half of the audit columns (rounded up) and the second, as Anonymeter's examples split
    (None when a single audit column leaves nothing to link).

    Raises ``MissingColumnError`` for a link column that is not an audit column, and
    ``AuditDataError`` when the named link columns leave the other party no column.
    """
    columns = list(columns)
    chosen = audit_columns_named(link_columns, columns, "link")
    if not chosen:
        if len(columns) < 2:
            return None
        chosen = columns[: (len(columns) + 1) // 2]
    first = [name for name in columns if name in chosen]
    second = [name for name in columns if name not in chosen]
    if not first or not second:
        raise AuditDataError(
            "linkability needs columns on both sides: the link columns and at least one other audit column"
        )
    return first, second


def column_mask(encoder: DistanceEncoder, names: Sequence[str]) -> np.ndarray:
    """The encoding's columns of ``names`` (their code blocks)."""
    mask = np.zeros(encoder.width, dtype=bool)
    for name in names:
        mask[encoder.block(name)] = True
    return mask


def split_masks(encoder: DistanceEncoder, split: tuple[Sequence[str], Sequence[str]]) -> tuple[np.ndarray, np.ndarray]:
    """The encoding's columns of each party (``link_split``'s two column lists)."""
    return column_mask(encoder, split[0]), column_mask(encoder, split[1])


@dataclass(frozen=True)
class LinkTallies:
    """Per target: the closest synthetic distance and the rows tied at it on each side
    (``distance_a``/``tied_a`` on the link columns, ``distance_b``/``tied_b`` on the rest), the
    rows at both minima (``both``), and each side's encoding columns (``mask_a``, ``mask_b``)."""

    distance_a: np.ndarray
    tied_a: np.ndarray
    distance_b: np.ndarray
    tied_b: np.ndarray
    both: np.ndarray
    mask_a: np.ndarray
    mask_b: np.ndarray

    def merge(self, other: LinkTallies) -> LinkTallies:
        """The tallies over both sets of synthetic rows (see the module docstring)."""
        distance_a = np.minimum(self.distance_a, other.distance_a)
        distance_b = np.minimum(self.distance_b, other.distance_b)

        at_a = (self.distance_a == distance_a, other.distance_a == distance_a)
        at_b = (self.distance_b == distance_b, other.distance_b == distance_b)
        return LinkTallies(
            distance_a,
            _summed(at_a, (self.tied_a, other.tied_a)),
            distance_b,
            _summed(at_b, (self.tied_b, other.tied_b)),
            _summed((at_a[0] & at_b[0], at_a[1] & at_b[1]), (self.both, other.both)),
            self.mask_a,
            self.mask_b,
        )


def _summed(keep: tuple[np.ndarray, np.ndarray], counts: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Per target, the counts of the parts that ``keep`` (whose minima are the overall ones), added."""
    return np.where(keep[0], counts[0], 0) + np.where(keep[1], counts[1], 0)


def link_tallies(
    target_codes: np.ndarray, synthetic_codes: np.ndarray, mask_a: np.ndarray, mask_b: np.ndarray
) -> LinkTallies:
    """``LinkTallies`` of the targets against these synthetic rows (exact distances, ``nearest_ties``).

    Synthetic rows that look alike on a side are searched once: the search runs over each side's
    distinct projections, a projection counting as many rows as hold it, so data whose profiles
    repeat (thousands of rows tied at the closest distance) cost no more than their distinct
    profiles. ``both`` adds, over every pair of a target's tied projections on A and on B, the
    rows holding that pair.
    """
    n = len(target_codes)
    sides = []
    for mask in (mask_a, mask_b):
        distinct, inverse, counts = distinct_rows(synthetic_codes[:, mask])
        best, row, projection = nearest_ties(target_codes[:, mask], distinct)
        order = np.argsort(row, kind="stable")
        sides.append((best, row[order], projection[order], inverse.reshape(-1), counts, len(distinct)))
    (best_a, row_a, proj_a, inverse_a, counts_a, _), (best_b, row_b, proj_b, inverse_b, counts_b, n_b) = sides
    joint, joint_counts = np.unique(inverse_a.astype(np.int64) * n_b + inverse_b, return_counts=True)
    # Every (tied A projection, tied B projection) pair of each target, row by row.
    per_row_b = np.bincount(row_b, minlength=n)
    start_b = np.cumsum(per_row_b) - per_row_b
    repeats = per_row_b[row_a]
    pair_a = np.repeat(np.arange(row_a.size), repeats)
    offsets = np.arange(pair_a.size) - np.repeat(np.cumsum(repeats) - repeats, repeats)
    pair_b = start_b[row_a[pair_a]] + offsets
    keys = proj_a[pair_a].astype(np.int64) * n_b + proj_b[pair_b]
    at = np.minimum(np.searchsorted(joint, keys), max(joint.size - 1, 0))
    held = joint[at] == keys if joint.size else np.zeros(keys.size, dtype=bool)
    return LinkTallies(
        best_a,
        np.bincount(row_a, weights=counts_a[proj_a], minlength=n).astype(np.int64),
        best_b,
        np.bincount(row_b, weights=counts_b[proj_b], minlength=n).astype(np.int64),
        np.bincount(row_a[pair_a][held], weights=joint_counts[at[held]], minlength=n).astype(np.int64),
        mask_a,
        mask_b,
    )


def linkability_figures(
    tallies: LinkTallies,
    columns: tuple[Sequence[str], Sequence[str]],
    target_codes: np.ndarray,
    members: int,
    replicates: int,
    rng: np.random.Generator,
    seed: int,
) -> dict[str, Any]:
    """The linkability figures from the tallies of the 2m targets (the first ``members`` train).

    Returns the two parties' ``columns`` (``link_columns``, ``other_columns``) and
    ``success_figures``' keys (rates, risk and interval, the scanned shares, the p-value).
    """
    tied = tallies.tied_a * tallies.tied_b
    success = np.where(tied > 0, tallies.both / np.maximum(tied, 1), 0.0)
    confidence = np.maximum(
        closeness_ratio(tallies.distance_a, target_codes[:, tallies.mask_a]),
        closeness_ratio(tallies.distance_b, target_codes[:, tallies.mask_b]),
    )
    return {
        "link_columns": list(columns[0]),
        "other_columns": list(columns[1]),
        **success_figures(success, confidence, members, replicates, rng, [seed, 0x6C696E6B]),
    }
