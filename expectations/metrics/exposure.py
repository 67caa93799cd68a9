"""Who is exposed: the most exposed real records, and membership risk per protected group.

Pure numpy; no Great Expectations or pyspark import. Both read the distance attack's targets
(``expectations.metrics.membership.attack_positions``): a target is *exposed* when a synthetic row
lies closer to it than any holdout target does (``exposed_targets``). ``exposure_figures``
reports the exposure of all targets and of the most isolated (the outliers where memorisation
shows first, Meeus et al. 2023); ``group_figures`` the attack's AUC and exposure per group of
each protected attribute, Holm-adjusted across groups. Counts and row positions only, never values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from expectations.metrics.encoding import MISSING_KEY, DistanceEncoder
from expectations.metrics.membership import attack_figures
from expectations.metrics.significance import clopper_pearson, excess_rate_p_value, holm

#: Members and non-members a protected group needs, each, for its membership figures.
MIN_GROUP_TARGETS = 30
#: The label of the categories the encoding merges (beyond its ``top_categories``).
OTHER_GROUP = "(other categories)"


def target_groups(encoder: DistanceEncoder, codes: np.ndarray, attributes: Sequence[str]) -> dict[str, np.ndarray]:
    """Each target's group for every categorical protected attribute, read off its codes.

    The codes one-hot the ``top_categories`` most frequent real values, so the group is the kept
    value whose code is set, or ``OTHER_GROUP`` for the merged rest (missing is a value like any
    other, shown as "missing"). Read from the codes, the groups need no more of a record than the
    attack already holds, on any engine. Numeric attributes are left out.
    """
    groups = {}
    for name in attributes:
        if name not in encoder.categories:
            continue
        kept = [("missing" if value == MISSING_KEY else value) for value in encoder.categories[name]]
        block = codes[:, encoder.block(name)]
        labels = np.array([*kept, OTHER_GROUP], dtype=object)
        groups[name] = labels[np.argmax(block > 0, axis=1)]
    return groups


def group_figures(
    groups: Mapping[str, np.ndarray], scores: np.ndarray, exposed: np.ndarray, members: int
) -> list[dict[str, Any]]:
    """Membership risk per protected group: what no peer reports.

    For each group (of each attribute) with at least ``MIN_GROUP_TARGETS`` members and
    non-members among the attack's targets: the attack's AUC on the group's targets, the share
    of its members and of its non-members exposed (``exposure_figures``), and the one-sided
    Fisher p-value of "its members are exposed more often", Holm-adjusted over every group of
    every attribute (``adjusted_p``). Smaller groups are listed with their counts only.
    """
    is_member = np.arange(scores.size) < members
    rows: list[dict[str, Any]] = []
    for attribute, labels in groups.items():
        for group in sorted(set(labels.tolist())):
            chosen = labels == group
            counts = _exposed_counts(exposed, chosen, is_member)
            judged = counts["members"] >= MIN_GROUP_TARGETS and counts["non_members"] >= MIN_GROUP_TARGETS
            auc = attack_figures(scores[chosen & is_member], scores[chosen & ~is_member])["auc"] if judged else None
            rows.append({"attribute": attribute, "group": group, "judged": judged, "auc": auc, **counts})
    judged_rows = [r for r in rows if r["judged"]]
    for row, adjusted in zip(judged_rows, holm([r["p_value"] for r in judged_rows]), strict=True):
        row["adjusted_p"] = adjusted
    for row in rows:
        row.setdefault("adjusted_p", None)
        if not row["judged"]:
            row["p_value"] = None
    return rows


#: The most isolated share of the targets (farthest from their closest other real record) whose
#: exposure and attack are reported apart: the outliers where risk concentrates.
ISOLATED_SHARE = 0.10
#: How many of the most exposed training records are listed (by row position, never by value).
EXPOSED_LISTED = 20


def exposed_targets(to_synthetic: np.ndarray, to_non_members: np.ndarray) -> np.ndarray:
    """Whether each target is exposed: a synthetic row lies closer to it than any holdout target."""
    return to_synthetic < to_non_members


def _exposed_counts(exposed: np.ndarray, chosen: np.ndarray, is_member: np.ndarray) -> dict[str, Any]:
    """Members and non-members among ``chosen``, how many of each are exposed, the exposure rates
    with exact two-sided 95% (Clopper–Pearson) intervals, and the one-sided Fisher p-value of
    "members are exposed more often"."""
    members, non_members = chosen & is_member, chosen & ~is_member
    k1, n1, k0, n0 = (
        int((exposed & members).sum()),
        int(members.sum()),
        int((exposed & non_members).sum()),
        int(non_members.sum()),
    )
    return {
        "members": n1,
        "non_members": n0,
        "members_exposed": k1,
        "non_members_exposed": k0,
        "member_rate": k1 / n1 if n1 else None,
        "non_member_rate": k0 / n0 if n0 else None,
        "member_interval": list(clopper_pearson(k1, n1, 0.975)) if n1 else None,
        "non_member_interval": list(clopper_pearson(k0, n0, 0.975)) if n0 else None,
        "p_value": excess_rate_p_value(k1, n1, k0, n0),
    }


def exposure_figures(
    to_synthetic: np.ndarray,
    to_non_members: np.ndarray,
    to_reference: np.ndarray,
    scores: np.ndarray,
    members: int,
    member_positions: np.ndarray | None,
) -> dict[str, Any]:
    """The most exposed records: real records a synthetic row lies closer to than any holdout record does.

    Of the 2m attack targets (the first ``members`` train, the rest holdout), record j is
    *exposed* when to_synthetic_j < to_non_members_j, its distance to the closest holdout target
    (itself excluded): the generator put a row nearer to it than any record it never saw lies.
    A holdout record measured against the other m − 1 holdout records is exposed a little more
    easily than a training record against all m, so comparing the two rates errs on the safe
    side. Reported for all targets and for the ``ISOLATED_SHARE`` most isolated (largest
    ``to_reference``, the distance to the closest other target; chosen by value, so whichever are
    members), where the membership AUC is given too: outliers are where memorisation shows first
    (Meeus et al. 2023, "Achilles' heels"). ``listed``: the row positions in the training data
    (``member_positions``, the members' positions in draw order) of up to ``EXPOSED_LISTED``
    exposed training records, the most exposed first (smallest to_synthetic / to_non_members),
    never their values.
    """
    is_member = np.arange(to_synthetic.size) < members
    exposed = exposed_targets(to_synthetic, to_non_members)
    everyone = np.ones(to_synthetic.size, dtype=bool)
    isolated = to_reference >= np.quantile(to_reference, 1.0 - ISOLATED_SHARE)
    isolated_figures = _exposed_counts(exposed, isolated, is_member)
    inside = scores[isolated & is_member], scores[isolated & ~is_member]
    isolated_figures["auc"] = attack_figures(*inside)["auc"] if all(part.size for part in inside) else None
    listed: list[int] = []
    if member_positions is not None:
        candidates = np.flatnonzero(exposed[:members])
        # An exposed target's holdout distance exceeds its synthetic one, so it is positive.
        closeness = to_synthetic[candidates] / to_non_members[candidates]
        order = candidates[np.lexsort((member_positions[candidates], closeness))]
        listed = [int(member_positions[i]) for i in order[:EXPOSED_LISTED]]
    return {
        "all": _exposed_counts(exposed, everyone, is_member),
        "isolated": {**isolated_figures, "share": ISOLATED_SHARE},
        "listed": listed,
    }
