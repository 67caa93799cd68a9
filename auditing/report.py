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
from auditing.parameters import MODULES, AuditParameters
from expectations.fairness import NEEDS_TARGET
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


def _fidelity_message(results: list[dict[str, Any]], score: float | None) -> str:
    """One sentence: the score, and the number that decided the verdict."""
    errors = [r["error"] for r in results if r["error"]]
    if errors:
        return f"Fidelity could not be measured: {errors[0]}"
    parts = {_PART_NAMES.get(r["type"], r["type"]): r for r in results}
    failed = sorted((r for r in results if not r["success"]), key=lambda r: r["severity"] != "critical")
    worst_column = next(iter(parts.get("column shapes", {}).get("details", {}).get("columns", [])), None)
    worst = (
        f"; least similar column '{worst_column['column']}' (TVD {_fmt(worst_column['tvd'])})" if worst_column else ""
    )
    if failed:
        first = failed[0]
        name = _PART_NAMES.get(first["type"], first["type"])
        thresholds = first["details"].get("thresholds", {})
        over = first["details"].get("columns_over_max_tvd")
        if over and first["observed_value"] >= thresholds["min_score"]:
            limit = _fmt(thresholds["max_column_tvd"])
            return f"Fidelity {name}: column(s) {', '.join(over)} exceed the maximum TVD {limit}{worst}."
        score_text = _with_interval(first["observed_value"], first["details"].get("interval"))
        limit = _fmt(thresholds["min_score"])
        return f"Fidelity {name} score {score_text} is below the minimum {limit}{worst}."
    figures = ", ".join(
        f"{name} {_with_interval(r['observed_value'], r['details'].get('interval'))}" for name, r in parts.items()
    )
    floors = [r["details"].get("noise_floor") for r in parts.values()]
    floor = f" (train vs holdout: {', '.join(_fmt(f) for f in floors)})" if all(f is not None for f in floors) else ""
    overall = _with_interval(score, _module_interval(results))
    return f"Fidelity score {overall} passes: {figures}{floor}{worst}."


def _module_interval(results: list[dict[str, Any]]) -> list[float] | None:
    """The module score's 95% interval, as the module's metric reported it."""
    return next((r["details"]["module_interval"] for r in results if r["details"].get("module_interval")), None)


_PRIVACY_LIMITS = {
    "exact_copies": ("exact-copy rate", "max_copy_rate"),
    "attack": ("membership advantage", "max_advantage"),
    "dcr_share": ("DCR share", "max_dcr_share"),
    "dcr_profile": ("too-close share", "max_close_share"),
}


def _privacy_message(results: list[dict[str, Any]], score: float | None) -> str:
    """One sentence: the score, what failed, the attack figure (the seed's "attack success rate") and copies."""
    errors = [r["error"] for r in results if r["error"]]
    if errors:
        return f"Privacy could not be measured: {errors[0]}"
    by_part = {r["details"]["part"]: r for r in results}
    details = next(iter(by_part.values()))["details"]
    copies = details["exact_copies"]
    copy_text = f"exact copies {100 * copies['rate']:.2f}% of synthetic rows"
    if copies["holdout_rate"] is not None:
        copy_text += f" (holdout rows that repeat a training row: {100 * copies['holdout_rate']:.2f}%)"
    attack = by_part.get("attack", {}).get("details", {})
    if "advantage" in attack:
        bounds = attack["intervals"]
        lead = (
            f"membership attack advantage {_with_interval(attack['advantage'], bounds['advantage'])}, the seed's "
            f"'attack success rate' (best-threshold balanced accuracy {100 * attack['balanced_accuracy']:.1f}% vs 50% "
            f"by chance; AUC {_with_interval(attack['auc'], bounds['auc'])})"
        )
    else:
        close = by_part.get("dcr_profile", {}).get("details", {})
        lead = f"no membership figure: {attack.get('not_measured', 'it needs a holdout')}"
        if "close_share" in close:
            too_close = _with_interval(close["close_share"], close["interval"])
            lead += f"; synthetic rows too close to the real data: {too_close} (about 0.05 expected)"
    failed = sorted((r for r in results if not r["success"]), key=lambda r: r["severity"] != "critical")
    verdicts = []
    for result in failed:
        name, limit = _PRIVACY_LIMITS[result["details"]["part"]]
        verdicts.append(
            f"{name} {_fmt(result['observed_value'])} above the maximum {_fmt(result['details']['thresholds'][limit])}"
        )
    head = f"Privacy score {_with_interval(score, _module_interval(results))}"
    head += f" fails ({'; '.join(verdicts)})" if verdicts else " passes"
    return f"{head}: {lead}; {copy_text}."


_FAIRNESS_PARTS = {
    "amplification": "bias amplification",
    "demographic_parity": "demographic parity difference",
    "representation": "representation TVD",
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
    """One sentence: the score, the groupings that failed with their figures, else the key figures."""
    errors = [r["error"] for r in results if r["error"]]
    if errors:
        return f"Fairness could not be measured: {errors[0]}"
    details = results[0]["details"]
    by_name = {g["attribute"]: g for g in details["groupings"]}
    failed = sorted((r for r in results if not r["success"]), key=lambda r: r["severity"] != "critical")
    verdicts = []
    for result in failed:
        part, figure = result["details"]["part"], result["details"]["figure"]
        limit = next(iter(result["details"]["thresholds"].values()))
        for name in result["details"]["groupings_over"]:
            grouping = by_name[name]
            text = (
                f"{_FAIRNESS_PARTS[part]} for {name} {_grouping_figure(grouping, figure)} above the maximum {limit:.3f}"
            )
            if part == "amplification":
                text += f" (DPD {grouping['dpd_synthetic']:.3f} synthetic vs {grouping['dpd_real']:.3f} real)"
            verdicts.append(text)
    basis = _FAIRNESS_BASIS.get(details.get("score_basis") or "", "")
    head = f"Fairness score {_with_interval(score, _module_interval(results))}" + (f" ({basis})" if basis else "")
    if details["settings"]["target"] is None:
        tail = f"representation only; {NEEDS_TARGET}"
    else:
        tail = "DPD " + _figures(details["groupings"], "dpd_synthetic")
        amplified = [g for g in details["groupings"] if "amplification" in g]
        if amplified:
            tail += "; amplification vs real " + _figures(amplified, "amplification")
    if verdicts:
        return f"{head} fails: {'; '.join(verdicts)}. All figures: {tail}."
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
    module_scores = {m: entry["score"] for m, entry in modules.items()}
    return {
        "schema_version": SCHEMA_VERSION,
        "audit_id": audit_id(batch.inputs, parameters),
        "success": bool(success),
        "overall_score": overall_score(module_scores, parameters.weights),
        "module_scores": module_scores,
        "detailed_findings": {m: {"risk_level": e["risk_level"], "message": e["message"]} for m, e in modules.items()},
        "modules": modules,
        "findings": [f.to_dict() for f in batch.findings] + _result_findings(modules),
        "columns": {name: batch.kinds[name] for name in batch.columns},
        "sample_sizes": batch.sample_sizes,
        "inputs": batch.inputs,
        "parameters": parameters.to_dict(),
        "seed": parameters.seed,
        "versions": library_versions(),
        "data_docs_url": data_docs_url,
    }
