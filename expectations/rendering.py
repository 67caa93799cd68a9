"""Helpers shared by the audit expectations' legacy Data Docs renderers.

The HTML site uses only the legacy renderers (``reference/gx.md`` §3). They receive either a
configuration with unresolved ``{"$PARAMETER": name}`` kwargs (suite page) or a validation
result whose configuration was substituted (validation page); everything here copes with both.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt
import pandas as pd
from great_expectations.core.suite_parameters import get_suite_parameter_key, is_suite_parameter
from great_expectations.render import (
    RenderedContentBlockContainer,
    RenderedGraphContent,
    RenderedStringTemplateContent,
    RenderedTableContent,
)

from expectations.levels import GATE_CHECKS


def configuration_kwargs(configuration: Any, result: Any) -> dict[str, Any]:
    """The kwargs of the expectation being rendered, from its configuration or its result."""
    config = configuration if configuration is not None else getattr(result, "expectation_config", None)
    return dict(getattr(config, "kwargs", None) or {})


def show(value: Any, digits: int = 3) -> str:
    """A kwarg or figure as text: suite parameters by name, floats rounded, missing as '—'."""
    if is_suite_parameter(value):
        return f"<suite parameter {get_suite_parameter_key(value)}>"
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, (list, tuple)):
        return ", ".join(show(v, digits) for v in value)
    return str(value)


def interval(bounds: Any, digits: int = 3) -> str:
    """A ``[low, high]`` interval as text, or '—' when there is none."""
    if not bounds:
        return "—"
    return f"[{bounds[0]:.{digits}f}, {bounds[1]:.{digits}f}]"


def _level(value: Any) -> str:
    """A test's level as set (0.0025, not rounded to 0.003 like a figure)."""
    return f"{value:g}" if isinstance(value, float) else show(value)


def sentence(template: str, params: dict[str, Any], styling: dict | None = None) -> RenderedStringTemplateContent:
    """A string-template block; ``$name`` in ``template`` is replaced by ``show(params[name])``."""
    return RenderedStringTemplateContent(
        content_block_type="string_template",
        string_template={
            "template": template,
            "params": {key: _level(value) if key == "alpha" else show(value) for key, value in params.items()},
            "styling": styling or {},
        },
    )


#: A check's state as the Status column shows it: (Font Awesome icon, Bootstrap colour).
STATUS_LOOK = {
    "passed": ("fa-check-circle", "text-success"),
    "failed": ("fa-times", "text-danger"),
    "failed (warning)": ("fa-exclamation-circle", "text-warning"),
    "not measured": ("fa-minus-circle", "text-secondary"),
}


def check_state(success: bool, severity: str, details: dict[str, Any]) -> str:
    """What a check's result means for a reader: passed, failed, failed (warning) or not measured.

    A check with nothing to judge (no holdout, no protected attributes) reports success to GX so
    it cannot fail the gate, but it is no pass, and a metric that could not run is no verdict.
    """
    if details.get("not_measured") or ("error" in details and success):
        return "not measured"
    if success:
        return "passed"
    return "failed" if severity == "critical" else "failed (warning)"


def status_cell(state: str) -> RenderedStringTemplateContent:
    """The Status cell: the icon and, so it reads without the icon font or colour, the state in words."""
    icon, colour = STATUS_LOOK[state]
    return RenderedStringTemplateContent(
        content_block_type="string_template",
        string_template={
            "template": "$icon $state",
            "params": {"icon": "", "state": state},
            "styling": {
                "params": {
                    "icon": {"tag": "i", "classes": ["fas", icon, colour]},
                    "state": {"classes": [colour, "small"]},
                }
            },
        },
        # GX's "show failed only" switch hides rows whose status parent carries this class.
        styling={"parent": {"classes": ["hide-succeeded-validation-target-child"]}} if "failed" not in state else None,
    )


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> RenderedTableContent:
    """A plain table of figures (strings, or numbers formatted by ``show``)."""
    return RenderedTableContent(
        content_block_type="table",
        header_row=list(header),
        table=[[show(cell) for cell in row] for row in rows],
        styling={"body": {"classes": ["table-sm", "table-bordered", "mt-2", "mb-2"]}},
    )


def grouped_bar_chart(panels: Sequence[GroupedBars]) -> RenderedGraphContent:
    """One vega-lite graph of grouped bar charts stacked vertically, passed as a JSON string.

    One graph per observed-value cell: the site gives every graph in a cell the same element
    id, so a second graph would replace the first. ``chart.to_json()`` rather than a dict: the
    site writes the graph into a ``<script>`` with Python's ``str()``, which turns
    ``True``/``None`` of a dict into invalid JavaScript.
    """
    charts = [_bars(*panel) for panel in panels]
    # Each panel its own category and offset scales: shared ones size every panel's bands for the
    # panel with the most groups, so bars overlap and run past the axis (Adult's race, sex & race).
    chart = (
        charts[0] if len(charts) == 1 else alt.vconcat(*charts).resolve_scale(x="independent", xOffset="independent")
    )
    # SVG rather than canvas: the marks stay in the page, readable by people with assistive tools and by tests.
    chart = chart.properties(usermeta={"embedOptions": {"renderer": "svg"}})
    return RenderedGraphContent(content_block_type="graph", graph=chart.to_json())


#: One panel: (records, category field, value field, group field, title).
GroupedBars = tuple[Sequence[dict[str, Any]], str, str, str, str]


def _bars(records: Sequence[dict[str, Any]], category: str, value: str, group: str, title: str) -> alt.Chart:
    frame = pd.DataFrame.from_records(records)
    return (
        alt.Chart(frame, title=title)
        .mark_bar()
        .encode(
            x=alt.X(f"{category}:N", sort=None, title=None),
            xOffset=alt.XOffset(f"{group}:N"),
            y=alt.Y(f"{value}:Q", title=value),
            color=alt.Color(f"{group}:N", title=None),
            tooltip=[category, group, alt.Tooltip(f"{value}:Q", format=".3f")],
        )
        .properties(width=420, height=180)
    )


def container(blocks: Sequence[Any]) -> RenderedContentBlockContainer:
    return RenderedContentBlockContainer(content_block_type="content_block_container", content_blocks=list(blocks))


def verdict_sentence(verdict: dict[str, Any] | None) -> Any:
    """The verdict line of an observed-value cell: the comparison, then the stated test and level.

    Text is escaped of ``$`` so a message is never read as template parameters.
    """
    if not verdict:
        return sentence("No verdict.", {})
    styling = {"classes": ["text-success" if verdict["passes"] else "text-danger"]}
    head = "Passes" if verdict["passes"] else "Fails"
    alpha = verdict["alpha"]
    text = (
        f"{head}: {verdict['message']}. Test: {verdict['test']}; level α = {alpha:g} (in the shipped suite: "
        f"the gate's {alpha * GATE_CHECKS:g} over its {GATE_CHECKS} critical checks)."
    )
    return sentence(text.replace("$", "$$"), {}, styling)


def with_verdict(blocks: Sequence[Any], verdict: dict[str, Any] | None) -> RenderedContentBlockContainer:
    """``blocks`` then the verdict line, as one cell."""
    return container([*blocks, verdict_sentence(verdict)])
