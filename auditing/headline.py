"""The answer at the top of the validation page: the verdict, the scores, what was compared.

GX's page opens with its own statistics ("4 of 9 successful", which counts a check with nothing
to judge as a success) and never shows the report's answer. ``run_audit`` writes this block,
rendered from the report, as the first thing on the page once the report exists. Only the
report's own figures and sentences appear (aggregates, file names, fingerprints), never a row.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from expectations.rendering import STATUS_LOOK, check_state

#: Where the page's main column starts in GX's ``page.j2``; the headline goes right after it.
MAIN_COLUMN = '<div class="col-md-10 col-lg-10 col-xs-12 pl-md-4 pr-md-3">'
HEADLINE_ID = "synthetic-audit-headline"


def _score(value: float | None, interval: list[float] | None = None) -> str:
    if value is None:
        return "not run"
    bounds = f" [{interval[0]:.3f}, {interval[1]:.3f}]" if interval else ""
    return f"{value:.3f}{bounds}"


def _verdict(report: dict[str, Any]) -> str:
    gate = report["gate"]
    if gate["passed"]:
        head, colour = "PASS", "success"
        why = "no critical check failed" if gate["fail_on"] == "critical" else "no check failed"
    else:
        head, colour = "FAIL", "danger"
        failed = gate["failed_critical"] + (gate["failed_warning"] if gate["fail_on"] == "warning" else [])
        why = "failed: " + ", ".join(name.removeprefix("expect_synthetic_") for name in failed)
    return (
        f'<h2 class="text-{colour}">Audit {head}</h2>'
        f"<p>{escape(why)}. Gate: {escape(gate['fail_on'])} failures fail it; level α = {gate['alpha']:g} "
        f"(each of its {gate['critical_checks']} critical checks at {gate['check_alpha']:g}). "
        f"Overall score {_score(report['overall_score'])}.</p>"
    )


def _modules(report: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><th>{escape(name)}</th><td>{_score(module['score'], module['interval'])}</td>"
        f"<td>{escape(str(module['risk_level'] or 'not run'))}</td><td>{escape(module['message'])}</td></tr>"
        for name, module in report["modules"].items()
    )
    return (
        '<table class="table table-sm table-bordered"><thead><tr><th>Module</th><th>Score [95% interval]</th>'
        f"<th>Risk</th><th>Finding</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _counts(report: dict[str, Any]) -> str:
    states = [
        check_state(e["success"], e["severity"], e["details"])
        for module in report["modules"].values()
        for e in module.get("expectations", ())
    ]
    parts = ", ".join(f"{states.count(state)} {state}" for state in STATUS_LOOK if states.count(state))
    return (
        f"<p>{len(states)} checks: {parts}. GX's own statistics below count a check that was not measured "
        "as a success.</p>"
    )


def _inputs(report: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><th>{escape(role)}</th><td>{escape(str(item['source']))}</td><td>{escape(str(item['format']))}</td>"
        f"<td>{item['rows']:,}</td><td>{item['columns']:,}</td><td><code>{escape(item['sha256'])}</code></td></tr>"
        for role, item in report["inputs"].items()
    )
    return (
        '<table class="table table-sm table-bordered"><thead><tr><th>Input</th><th>Source</th><th>Format</th>'
        f"<th>Rows</th><th>Columns</th><th>sha256</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def _settings(report: dict[str, Any]) -> str:
    parameters = "".join(
        f"<tr><th>{escape(name)}</th><td><code>{escape(str(value))}</code></td></tr>"
        for name, value in report["parameters"].items()
    )
    versions = ", ".join(f"{escape(name)} {escape(str(version))}" for name, version in report["versions"].items())
    return (
        f"<p>Audit id <code>{escape(report['audit_id'])}</code>, seed {report['seed']}; {versions}.</p>"
        '<details><summary>Parameters</summary><table class="table table-sm table-bordered">'
        f"<tbody>{parameters}</tbody></table></details>"
    )


def headline_html(report: dict[str, Any]) -> str:
    """The headline block of ``report`` (escaped HTML)."""
    return (
        f'<section id="{HEADLINE_ID}" class="card mb-4"><div class="card-body">'
        f"{_verdict(report)}{_modules(report)}{_counts(report)}{_inputs(report)}{_settings(report)}"
        "</div></section>"
    )


def add_headline(page: Path, report: dict[str, Any]) -> None:
    """Write the headline at the top of the validation page's main column."""
    html = page.read_text()
    if MAIN_COLUMN not in html:
        raise RuntimeError(f"the validation page {page.name} has no main column to put the headline in")
    page.write_text(html.replace(MAIN_COLUMN, MAIN_COLUMN + headline_html(report), 1))
