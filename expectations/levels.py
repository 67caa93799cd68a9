"""The levels of the audit's tests: the gate's, and each check's share of it."""

from __future__ import annotations

#: The gate's level (``auditing.gate``): the chance that real data fails the default gate, across
#: all of its checks, is at most this (one source: the parameters reuse it).
DEFAULT_GATE_ALPHA = 0.02
#: The critical checks of the shipped suite, over which the gate's level is split (Bonferroni:
#: the default gate fails only if some critical check does, so its level is at most the sum).
GATE_CHECKS = 8
#: Level of each check's test, family-wise within the check: the gate's level split evenly.
DEFAULT_ALPHA = DEFAULT_GATE_ALPHA / GATE_CHECKS
