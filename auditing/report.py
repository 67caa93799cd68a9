"""The audit report (DESIGN §4 "Overall", §5).

Keeps the seed's shape (``overall_score``, ``module_scores``, ``detailed_findings``) and adds
the checkpoint verdict, per-module details, findings, input fingerprints, versions, parameters
and seed. Built from aggregates only; nothing here reads a data row.
"""

from __future__ import annotations

import hashlib
import json
import platform
from importlib import metadata
from typing import Any

from great_expectations.expectations.registry import get_expectation_impl

from auditing.batch import AuditBatch
from auditing.gate import gate_verdict
from auditing.parameters import MODULES, AuditParameters
from expectations.fairness import NEEDS_TARGET
from expectations.levels import GATE_CHECKS
from expectations.rendering import interval

SCHEMA_VERSION = "1.0"
NOT_IN_SUITE = "the suite has no expectation of this module"
_VERSIONED = ("synthetic-data-auditor", "great_expectations", "pandas", "numpy", "scipy", "pyarrow")
_PART_NAMES = {
    "expect_synthetic_column_shapes_to_match_real": "column shapes",
    "expect_synthetic_column_pair_trends_to_match_real": "pair trends",
}


def module_of(expectation_type: str) -> str:
    """The report module an expectation type belongs to (its class's ``audit_module``)."""
    return getattr(get_expectation_impl(expectation_type), "audit_module", "") or "other"


def risk_level(results: list[dict[str, Any]]) -> str:
    """``high`` if a critical expectation failed, ``medium`` if a warning one did, else ``low``."""
    failed = {r["severity"] for r in results if not r["success"]}
    if "critical" in failed:
        return "high"
    return "medium" if "warning" in failed else "low"


def _fmt(value: float | None, signed: bool = False) -> str:
    return "n/a" if value is None else f"{value:{'+' if signed else ''}.3f}"


def _with_interval(value: float | None, bounds: list[float] | None, signed: bool = False) -> str:
    return _fmt(value, signed) + (f" {interval(bounds)}" if value is not None and bounds else "")


def _verdict_message(result: dict[str, Any]) -> str:
    """A result's verdict sentence (the comparison with the real data), or its figure alone."""
    verdict = result["details"].get("verdict") or {}
    return verdict.get("message") or "no verdict"


def _failed_first(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    failed = [r for r in results if not r["success"]]
    return sorted(failed, key=lambda r: r["severity"] != "critical")


def _failures(results: list[dict[str, Any]], name_of: Any) -> str:
    """'; '-joined "<name> (<severity>): <verdict message>" of every failed result, critical first."""
    return "; ".join(f"{name_of(r)} ({r['severity']}): {_verdict_message(r)}" for r in _failed_first(results))


def _fidelity_message(results: list[dict[str, Any]], score: float | None) -> str:
    """One sentence: the score, and the comparison that decided the verdict."""
    errors = [r["error"] for r in results if r["error"]]
    if errors:
        return f"Fidelity could not be measured: {errors[0]}"
    parts = {_PART_NAMES.get(r["type"], r["type"]): r for r in results}

    def name_of(result: dict[str, Any]) -> str:
        return _PART_NAMES.get(result["type"], result["type"])

    overall = _with_interval(score, _module_interval(results))
    failures = _failures(results, name_of)
    if failures:
        return f"Fidelity score {overall} fails: {failures}."
    verdicts = "; ".join(f"{name}: {_verdict_message(r)}" for name, r in parts.items())
    return f"Fidelity score {overall} passes: {verdicts}."


def _module_interval(results: list[dict[str, Any]]) -> list[float] | None:
    """The module score's 95% interval, as the module's metric reported it."""
    return next((r["details"]["module_interval"] for r in results if r["details"].get("module_interval")), None)


_PRIVACY_NAMES = {
    "exact_copies": "exact copies",
    "attack": "membership",
    "dcr_share": "DCR share",
    "dcr_profile": "too-close share",
    "inference": "attribute inference",
    "linkability": "linkability",
}


def _privacy_message(results: list[dict[str, Any]], score: float | None) -> str:
    """One sentence: the score, what failed with its comparison, the attack figure (the seed's
    "attack success rate"), the copies against the real data's own and the inference risk."""
    errors = [r["error"] for r in results if r["error"]]
    if errors:
        return f"Privacy could not be measured: {errors[0]}"
    by_part = {r["details"]["part"]: r for r in results}
    # A failed check's comparison is already in the head: the tail does not say it twice.
    failed = {r["details"]["part"] for r in results if not r["success"]}

    def comparison(part: str, text: str) -> str:
        return "" if part in failed else text

    attack = by_part.get("attack", {}).get("details", {})
    if "advantage" in attack:
        bounds = attack["intervals"]
        verdict = comparison("attack", f"; {_verdict_message(by_part['attack'])}")
        lead = (
            f"membership attack advantage {_with_interval(attack['advantage'], bounds['advantage'])}, its "
            f"'attack success rate' (best-threshold balanced accuracy {100 * attack['balanced_accuracy']:.1f}% vs 50% "
            f"by chance; AUC {_with_interval(attack['auc'], bounds['auc'])}{verdict})"
        )
    else:
        close = by_part.get("dcr_profile", {})
        lead = f"no membership figure: {attack.get('not_measured', 'it needs a holdout')}"
        if close and "close_share" in close["details"]:
            lead += comparison("dcr_profile", f"; {_verdict_message(close)} (about 0.05 expected)")
    copies = (
        comparison("exact_copies", f"; exact {_verdict_message(by_part['exact_copies'])}")
        if "exact_copies" in by_part
        else ""
    )
    inferred = by_part.get("inference", {})
    if inferred and "secrets" in inferred["details"]:
        copies += comparison("inference", f"; attribute inference: {_verdict_message(inferred)}")
    linked = by_part.get("linkability", {})
    if linked and "risk" in linked["details"]:
        copies += comparison("linkability", f"; linkability: {_verdict_message(linked)}")
    failures = _failures(results, lambda r: _PRIVACY_NAMES.get(r["details"]["part"], r["type"]))
    head = f"Privacy score {_with_interval(score, _module_interval(results))}"
    head += f" fails ({failures})" if failures else " passes"
    return f"{head}: {lead}{copies}."


_FAIRNESS_PARTS = {
    "amplification": "outcomes and bias amplification",
    "demographic_parity": "demographic parity difference",
    "representation": "representation",
}
_FAIRNESS_BASIS = {
    "dpd_synthetic": "1 − the largest single-attribute DPD of the synthetic data",
    "representation_tvd": "1 − the largest single-attribute representation TVD",
}


def _grouping_figure(grouping: dict[str, Any], figure: str) -> str:
    # An amplification carries its sign: it says whether the gap widened or narrowed.
    return _with_interval(grouping.get(figure), grouping["intervals"].get(figure), signed=figure == "amplification")


def _figures(groupings: list[dict[str, Any]], figure: str) -> str:
    return ", ".join(f"{g['attribute']} {_grouping_figure(g, figure)}" for g in groupings)


def _fairness_message(results: list[dict[str, Any]], score: float | None) -> str:
    """One sentence: the score, the failed checks with their comparisons, else the key figures."""
    errors = [r["error"] for r in results if r["error"]]
    if errors:
        return f"Fairness could not be measured: {errors[0]}"
    details = results[0]["details"]
    basis = _FAIRNESS_BASIS.get(details.get("score_basis") or "", "")
    head = f"Fairness score {_with_interval(score, _module_interval(results))}" + (f" ({basis})" if basis else "")
    if details["settings"]["target"] is None:
        tail = f"representation only; {NEEDS_TARGET}"
    else:
        tail = "DPD " + _figures(details["groupings"], "dpd_synthetic")
        amplified = [g for g in details["groupings"] if "amplification" in g]
        if amplified:
            tail += "; amplification vs real " + _figures(amplified, "amplification")
    failures = _failures(results, lambda r: _FAIRNESS_PARTS.get(r["details"]["part"], r["type"]))
    if failures:
        return f"{head} fails: {failures}. All figures: {tail}."
    return f"{head} passes: {tail}."


MESSAGES = {"fidelity": _fidelity_message, "privacy": _privacy_message, "fairness": _fairness_message}


def _module_entry(module: str, results: list[dict[str, Any]]) -> dict[str, Any]:
    if not results:
        return {
            "score": None,
            "interval": None,
            "status": "not_run",
            "reason": NOT_IN_SUITE,
            "risk_level": None,
            "message": f"The {module} audit did not run: {NOT_IN_SUITE}; it is not part of the overall score.",
        }
    not_run = next((r["details"]["module_not_run"] for r in results if r["details"].get("module_not_run")), None)
    if not_run:
        return {
            "score": None,
            "interval": None,
            "status": "not_run",
            "reason": not_run,
            "risk_level": None,
            "message": f"The {module} audit did not run: {not_run}; it is not part of the overall score.",
            "expectations": results,
        }
    # Every expectation of a module reads one metric, which states the module score (DESIGN §4).
    errors = any(r["error"] for r in results)
    score = (
        None
        if errors
        else next((r["details"]["module_score"] for r in results if "module_score" in r["details"]), None)
    )
    return {
        "score": score,
        "interval": _module_interval(results) if score is not None else None,
        "status": "ran" if score is not None else "failed",
        "reason": None if score is not None else "the audit metric raised an error",
        "risk_level": risk_level(results) if score is not None else "high",
        "message": MESSAGES[module](results, score),
        "expectations": results,
    }


def overall_score(module_scores: dict[str, float | None], weights: dict[str, float]) -> float | None:
    """Weighted mean of the module scores that exist; ``None`` when none does."""
    present = {m: s for m, s in module_scores.items() if s is not None and weights.get(m, 0) > 0}
    total = sum(weights[m] for m in present)
    return float(sum(weights[m] * s for m, s in present.items()) / total) if total else None


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def audit_id(inputs: dict[str, dict[str, Any]], parameters: AuditParameters) -> str:
    """Deterministic id: the same inputs, parameters and seed give the same id."""
    key = json.dumps(
        {"inputs": {r: i["sha256"] for r, i in inputs.items()}, "parameters": parameters.to_dict()}, sort_keys=True
    )
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _result_findings(modules: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Findings the expectations state (a check that needs a holdout, suppressed groups), once each."""
    seen, findings = set(), []
    for module, entry in modules.items():
        for result in entry.get("expectations", []):
            for finding in result["details"].get("findings", []):
                key = (module, finding["kind"], finding["message"])
                if key not in seen:
                    seen.add(key)
                    findings.append(
                        {
                            "module": module,
                            "kind": finding["kind"],
                            "message": finding["message"],
                            "columns": list(finding.get("columns", [])),
                            "count": finding.get("count"),
                        }
                    )
    return findings


def _raise_risk(entry: dict[str, Any] | None, finding: dict[str, Any]) -> None:
    """A critical input finding makes its module's risk high and leads its message."""
    if entry is None or finding.get("severity") != "critical":
        return
    entry["risk_level"] = "high"
    lead = finding["message"][:1].upper() + finding["message"][1:]
    entry["message"] = f"{lead}: this fails the gate. On the columns it has: {entry['message']}"


def build_report(
    batch: AuditBatch,
    results: list[dict[str, Any]],
    parameters: AuditParameters,
    success: bool,
    data_docs_url: str | None,
) -> dict[str, Any]:
    """Assemble the report from the checkpoint's per-expectation results."""
    grouped: dict[str, list[dict[str, Any]]] = {m: [] for m in MODULES}
    for result in results:
        grouped.setdefault(module_of(result["type"]), []).append(result)
    modules = {m: _module_entry(m, grouped[m]) for m in MODULES}
    input_findings = [f.to_dict() for f in batch.findings]
    for finding in input_findings:
        _raise_risk(modules.get(finding["module"]), finding)
    module_scores = {m: entry["score"] for m, entry in modules.items()}
    gate = gate_verdict(results, parameters.fail_on, input_findings)
    return {
        "schema_version": SCHEMA_VERSION,
        "audit_id": audit_id(batch.inputs, parameters),
        # What to gate on: the audit's gate (critical failures, or warnings too in strict mode).
        "success": gate["passed"],
        "gate": {
            **gate,
            "alpha": parameters.alpha,
            "check_alpha": parameters.check_alpha,
            "critical_checks": GATE_CHECKS,
            "checkpoint_success": bool(success),
        },
        "overall_score": overall_score(module_scores, parameters.weights),
        "module_scores": module_scores,
        "detailed_findings": {m: {"risk_level": e["risk_level"], "message": e["message"]} for m, e in modules.items()},
        "modules": modules,
        "findings": input_findings + _result_findings(modules),
        "columns": {name: batch.kinds[name] for name in batch.columns},
        "sample_sizes": batch.sample_sizes,
        "inputs": batch.inputs,
        "parameters": parameters.to_dict(),
        "seed": parameters.seed,
        "versions": library_versions(),
        "data_docs_url": data_docs_url,
    }
