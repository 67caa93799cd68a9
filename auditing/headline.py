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

from auditing.audit_report import TYPE_PREFIX
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
        why = "failed: " + ", ".join(name.removeprefix(TYPE_PREFIX) for name in failed)
    return (
        f'<h2 class="text-{colour}">Audit {head}</h2>'
        f"<p>{escape(why)}. Gate: {escape(gate['fail_on'])} failures fail it; level α = {gate['alpha']:g} "
        f"(each of its {gate['critical_checks']} critical checks at {gate['check_alpha']:g}). "
        f"Overall score {_score(report['overall_score'])}.</p>"
    )


def _table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    """A Bootstrap table; the cells are HTML already (escaped by the caller), the first of a row a heading."""
    head = "".join(f"<th>{escape(name)}</th>" for name in header)
    body = "".join(f"<tr><th>{row[0]}</th>" + "".join(f"<td>{cell}</td>" for cell in row[1:]) + "</tr>" for row in rows)
    return f'<table class="table table-sm table-bordered"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _modules(report: dict[str, Any]) -> str:
    def row(name: str, module: dict[str, Any]) -> tuple[str, ...]:
        risk = escape(str(module["risk_level"] or "not run"))
        return escape(name), _score(module["score"], module["interval"]), risk, escape(module["message"])

    rows = [row(name, module) for name, module in report["modules"].items()]
    return _table(("Module", "Score [95% interval]", "Risk", "Finding"), rows)


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
    rows = [
        (
            escape(role),
            escape(str(item["source"])),
            escape(str(item["format"])),
            f"{item['rows']:,}",
            f"{item['columns']:,}",
            f"<code>{escape(item['sha256'])}</code>",
        )
        for role, item in report["inputs"].items()
    ]
    return _table(("Input", "Source", "Format", "Rows", "Columns", "sha256"), rows)


def _settings(report: dict[str, Any]) -> str:
    rows = [(escape(name), f"<code>{escape(str(value))}</code>") for name, value in report["parameters"].items()]
    versions = ", ".join(f"{escape(name)} {escape(str(version))}" for name, version in report["versions"].items())
    return (
        f"<p>Audit id <code>{escape(report['audit_id'])}</code>, seed {report['seed']}; {versions}.</p>"
        f"<details><summary>Parameters</summary>{_table(('Parameter', 'Value'), rows)}</details>"
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
