"""Attribute inference: can the synthetic rows reveal a real record's secret column?

The attack of Giomi et al. 2022 ("A Unified Framework for Quantifying Privacy Risk in
Synthetic Data", PoPETs 2023, §4.3), written from the paper. An attacker knows every audit
column of a target record but one, the *secret*, and guesses the secret as the value of the
synthetic row closest to the target on the known columns (distances on the shared encoding,
``expectations.metrics.encoding``, with the secret's codes left out). Where several synthetic
rows are equally close — common on data whose profiles repeat — the attacker picks one at
random, so the target's success is the share of those rows whose secret is right:

    success_i = right_i / tied_i

A guess is right when it equals the secret (categories, missing = missing) or, for a numeric
secret, lies within ``INFERENCE_TOLERANCE`` of the column's real range of it, |g − t| ≤
0.05·(q99 − q01) (the range the encoding scales by: a tolerance that means the same for ages,
incomes and dates, and for values near 0).

The attack runs on the first min(m, ``INFERENCE_TARGETS``) of the membership attack's training
targets (members) and of its holdout targets (the control: records the generator never saw,
so their success is what the synthetic data reveal about *anyone* from the population, not
about the training records):

    risk = (s_train − s_control) / (1 − s_control)

s_train and s_control the mean successes (Giomi et al., eq. 4: the share of the secrets the
attacker could not have guessed from the population alone that the synthetic data gave away;
0 when nothing leaks, 1 when every training secret is read off). The test of "the synthetic
rows reveal training secrets more than a fresh record's": when the generator did not see
which real rows are train, members' and non-members' successes are exchangeable, so the sum of
the members' successes has an exact permutation distribution (``subset_sum_p_value``); the
test scans it over all targets and over those whose guess the attacker can trust most
(``inference_figures``), where a leak concentrates.

Every figure comes from ``InferenceTallies`` — per target: the exact nearest distance, the
synthetic rows at it, how many of them are right — which merge across any split of the
synthetic rows (``InferenceTallies.merge``), so pandas and Spark give the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from expectations.metrics.bootstrap import centred_intervals
from expectations.metrics.distributions import as_float
from expectations.metrics.encoding import DistanceEncoder, as_keys
from expectations.metrics.errors import AuditDataError, audit_columns_named
from expectations.metrics.neighbours import RATIO_EPSILON, nearest_other, nearest_ties
from expectations.metrics.significance import subset_sum_p_value

#: A numeric guess within this share of the column's real range (q01–q99) counts as right.
INFERENCE_TOLERANCE = 0.05
#: Members and non-members the attack guesses for, each, at most (the first of the membership
#: attack's): the search costs 2 × this × the synthetic rows, and 2,000 + 2,000 targets already
#: put a risk within about ±0.05.
INFERENCE_TARGETS = 2_000
#: Permutations of the inference test: p-values down to 1 / 10,000, a twenty-fifth of the level
#: each check is tested at by default (``expectations.base.DEFAULT_ALPHA``, 0.0025).
INFERENCE_PERMUTATIONS = 9_999
#: Shares of the targets the test scans: all of them, and those whose guess the attacker can
#: trust most (their closest synthetic row lies closest relative to their closest real record).
INFERENCE_SCAN = (1.0, 0.25, 0.05)


def secret_values(frame: pd.DataFrame, secrets: Sequence[str], encoder: DistanceEncoder) -> np.ndarray:
    """The secrets of ``frame``'s rows as a float64 matrix (rows × secrets) that ``secret_matches`` compares.

    A numeric secret (numeric in the encoder) is its value, NaN when missing; a categorical one
    is a 53-bit hash of its key (``as_keys``: missing is a key of its own), exact in float64, so
    two values hash equal only when they are equal (collisions have chance ~2⁻⁵³ a pair).
    """
    out = np.empty((len(frame), len(secrets)))
    for index, name in enumerate(secrets):
        if name in encoder.numeric:
            out[:, index] = as_float(frame[name])
        else:
            hashed = pd.util.hash_array(as_keys(frame[name]).to_numpy(dtype=object))
            out[:, index] = (hashed >> np.uint64(11)).astype(np.float64)
    return out


def secret_matches(guesses: np.ndarray, truths: np.ndarray, width: float | None) -> np.ndarray:
    """Whether each guess is right: equal (``width`` None: category hashes), or for a numeric
    secret |g − t| ≤ ``width``, missing right only against missing."""
    if width is None:
        return guesses == truths
    both_missing = np.isnan(guesses) & np.isnan(truths)
    with np.errstate(invalid="ignore"):
        close = np.abs(guesses - truths) <= width
    return both_missing | close


def tolerance_width(encoder: DistanceEncoder, secret: str, tolerance: float = INFERENCE_TOLERANCE) -> float | None:
    """How far a numeric guess may miss: ``tolerance`` × the column's real range (0 for a constant
    column); None for a categorical secret (only equal is right)."""
    if secret not in encoder.numeric:
        return None
    scale = encoder.numeric_range(secret)
    return 0.0 if scale is None else tolerance * (scale[1] - scale[0])


def known_columns(encoder: DistanceEncoder, secret: str) -> np.ndarray:
    """The encoding's columns the attacker knows: every one but the secret's block."""
    known = np.ones(encoder.width, dtype=bool)
    known[encoder.block(secret)] = False
    return known


@dataclass(frozen=True)
class InferenceTallies:
    """Per target: the exact distance to its closest synthetic rows on the known columns, how
    many synthetic rows lie at it (``tied``) and how many of those hold the right secret;
    ``known``, the encoding columns they were measured on (``known_columns``)."""

    distance: np.ndarray
    tied: np.ndarray
    right: np.ndarray
    known: np.ndarray

    def merge(self, other: InferenceTallies) -> InferenceTallies:
        """The tallies over both sets of synthetic rows: the closer side wins, equal distances add."""
        closer, same = other.distance < self.distance, other.distance == self.distance
        return InferenceTallies(
            np.minimum(self.distance, other.distance),
            np.where(closer, other.tied, self.tied + np.where(same, other.tied, 0)),
            np.where(closer, other.right, self.right + np.where(same, other.right, 0)),
            self.known,
        )


def inference_tallies(
    target_codes: np.ndarray,
    target_secret: np.ndarray,
    synthetic_codes: np.ndarray,
    synthetic_secret: np.ndarray,
    known: np.ndarray,
    width: float | None,
) -> InferenceTallies:
    """``InferenceTallies`` of the targets against these synthetic rows (one secret column).

    ``known``: the encoding columns the attacker sees (``known_columns``); the secrets are
    ``secret_values`` columns; ``width``: ``tolerance_width``.
    """
    best, row, column = nearest_ties(target_codes[:, known], synthetic_codes[:, known])
    right = secret_matches(synthetic_secret[column], target_secret[row], width)
    n = len(target_codes)
    return InferenceTallies(
        best,
        np.bincount(row, minlength=n).astype(np.int64),
        np.bincount(row, weights=right, minlength=n).astype(np.int64),
        known,
    )


def check_secrets(columns: Sequence[str], secrets: Sequence[str]) -> list[str]:
    """The secret columns, checked: each an audit column, with at least one other column known."""
    secrets = audit_columns_named(secrets, columns, "secret")
    if secrets and len(columns) < 2:
        raise AuditDataError("attribute inference needs at least one audit column besides the secret")
    return secrets


def tallies_by_secret(
    encoder: DistanceEncoder,
    secrets: Sequence[str],
    target_codes: np.ndarray,
    target_secrets: np.ndarray,
    synthetic_codes: np.ndarray,
    synthetic_secrets: np.ndarray,
) -> dict[str, InferenceTallies]:
    """``inference_tallies`` of every secret (the secrets are ``secret_values`` matrices, one column each)."""
    return {
        name: inference_tallies(
            target_codes,
            target_secrets[:, index],
            synthetic_codes,
            synthetic_secrets[:, index],
            known_columns(encoder, name),
            tolerance_width(encoder, name),
        )
        for index, name in enumerate(secrets)
    }


def inference_risk(train_success: float, control_success: float) -> float | None:
    """(s_train − s_control) / (1 − s_control); None when the control guesses every secret."""
    return None if control_success >= 1.0 else (train_success - control_success) / (1.0 - control_success)


def inference_figures(
    secret: str,
    tallies: InferenceTallies,
    target_codes: np.ndarray,
    members: int,
    replicates: int,
    rng: np.random.Generator,
    seed: int,
) -> dict[str, Any]:
    """The figures of one secret from the tallies of the 2m targets (the first ``members`` train).

    A target's success is right / tied (0 with no synthetic row); its confidence, the ratio
    (d_syn + ε) / (d_ref + ε) on the known columns — its closest synthetic row's distance over
    its closest other target's (``closeness_ratio``). ``success_figures`` turns them into the
    rates, the risk with its interval and the scan. ``target_codes``: the 2m targets' encoding.
    Returns the secret and ``success_figures``' keys.
    """
    success = np.where(tallies.tied > 0, tallies.right / np.maximum(tallies.tied, 1), 0.0)
    confidence = closeness_ratio(tallies.distance, target_codes[:, tallies.known])
    return {"secret": secret, **success_figures(success, confidence, members, replicates, rng, [seed, 0x696E66])}


def closeness_ratio(to_synthetic: np.ndarray, known_codes: np.ndarray) -> np.ndarray:
    """(d_syn + ε) / (d_ref + ε): each target's closest synthetic distance over its distance to
    the closest other target, on the same columns (small = a synthetic row far closer than any
    real neighbour: a guess the attacker can trust)."""
    return (to_synthetic + RATIO_EPSILON) / (nearest_other(known_codes) + RATIO_EPSILON)


def success_figures(
    success: np.ndarray,
    confidence: np.ndarray,
    members: int,
    replicates: int,
    rng: np.random.Generator,
    scan_seed: Sequence[int],
) -> dict[str, Any]:
    """Rates, risk and test of an attack that succeeds on each target with some probability
    (attribute inference, linkability), the first ``members`` targets from train, the rest the control.

    The risk is ``inference_risk`` of the mean successes, with a stratified bootstrap 95%
    interval (``replicates`` draws on ``rng``, members and non-members resampled apart; None
    with 0). The test scans the targets the attacker trusts most: at each share q of
    ``INFERENCE_SCAN`` the statistic is the members' success sum over the targets whose
    ``confidence`` is at most its q-quantile (chosen by value, so the same targets whichever are
    members): the attacker's successes on training records among the attempts it trusts, which
    more training records among them or more of them right both raise. A near-copy of a training
    record makes its target both confident and right; a natural close match is as often a
    non-member. The min-p scan over the shares (``subset_sum_p_value``, Westfall–Young, seeded by
    ``scan_seed``) is exact.

    Returns train_success, control_success, risk, interval, per scanned share the targets, the
    success rates and the risk among them (``confident``), the scan's p_value, the target
    counts and the permutations.
    """
    train, control = success[:members], success[members:]
    train_success, control_success = float(train.mean()), float(control.mean())
    risk = inference_risk(train_success, control_success)
    interval = None
    if replicates > 0 and risk is not None:
        draws = [
            inference_risk(
                float(train[rng.integers(0, train.size, train.size)].mean()),
                float(control[rng.integers(0, control.size, control.size)].mean()),
            )
            for _ in range(replicates)
        ]
        # A risk has no lower limit (a control can be guessed better than train); 1 is its top.
        column = np.array([[np.nan if d is None else d] for d in draws])
        interval = centred_intervals([risk], column, support=(-np.inf, 1.0))[0]
    is_member = np.arange(success.size) < members
    scanned = np.zeros((success.size, len(INFERENCE_SCAN)))
    confident = []
    for index, share in enumerate(INFERENCE_SCAN):
        chosen = confidence <= np.quantile(confidence, share)
        scanned[chosen, index] = success[chosen]
        chosen_train, chosen_control = _mean(success[chosen & is_member]), _mean(success[chosen & ~is_member])
        confident.append(
            {
                "share": share,
                "members": int((chosen & is_member).sum()),
                "non_members": int((chosen & ~is_member).sum()),
                "train_success": chosen_train,
                "control_success": chosen_control,
                "risk": None
                if None in (chosen_train, chosen_control)
                else inference_risk(chosen_train, chosen_control),
            }
        )
    units = scanned.any(axis=1)
    # No success at all: nothing to test (the scan's sums are all 0).
    p_value = (
        subset_sum_p_value(
            scanned[units],
            success.size,
            members,
            scanned[is_member].sum(axis=0),
            INFERENCE_PERMUTATIONS,
            np.random.default_rng(list(scan_seed)),
        )
        if units.any()
        else 1.0
    )
    return {
        "train_success": train_success,
        "control_success": control_success,
        "risk": risk,
        "interval": interval,
        "confident": confident,
        "p_value": p_value,
        "members": members,
        "non_members": int(control.size),
        "permutations": INFERENCE_PERMUTATIONS,
    }


def _mean(values: np.ndarray) -> float | None:
    return float(values.mean()) if values.size else None
