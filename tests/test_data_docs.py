"""Data Docs as a reviewer sees them: pages opened in headless Chromium."""

from __future__ import annotations

import json
import re
from pathlib import Path

import altair as alt
import pandas as pd
import pytest

from auditing.checkpoint import data_docs_page, open_context, result_dicts, run_checkpoint
from auditing.engine import run_audit
from auditing.parameters import AuditParameters
from expectations import AUDIT_EXPECTATION_TYPES
from expectations.metrics.significance import format_p
from tests.browser import interval_text, rendered_dom, visible_text


@pytest.fixture(scope="module")
def demo_audit(demo, tmp_path_factory):
    return run_audit(demo["real"], demo["good"], demo["holdout"], out_dir=tmp_path_factory.mktemp("docs"))


def test_validation_page_shows_sentences_figures_and_no_raw_kwargs(demo_audit, chromium):
    text = visible_text(rendered_dom(chromium, demo_audit.data_docs_page))
    assert (
        "Fidelity, column shapes: each column of the synthetic rows must be distributed as in the real rows "
        "up to real data's own noise: no column's TVD may exceed its reference (the TVD a real sample of the "
        "synthetic size shows) by more than 0.030 with Pearson's χ² significant at level 0.0025" in text
    )
    assert "Fidelity, column pair trends: pairs of columns in the synthetic rows must vary together" in text
    shapes = demo_audit.fidelity.check("column_shapes_to_match_real")
    trends = demo_audit.fidelity.check("column_pair_trends_to_match_real")
    shapes_interval = interval_text(shapes.details["interval"])
    assert f"Column-shapes score {shapes.observed_value:.3f} (95% interval {shapes_interval}) over 7 columns" in text
    assert f"noise floor, train vs holdout: {shapes.details['noise_floor']:.3f}" in text
    assert "Rows: 5,000 real, 5,000 synthetic, 2,500 holdout." in text
    trends_interval = interval_text(trends.details["interval"])
    assert (
        f"Pair-trends score {trends.observed_value:.3f} (95% interval {trends_interval}) over 21 column pairs" in text
    )
    assert f"Passes: {shapes.details['verdict']['message']}. Test: per column: TVD above its reference" in text
    header = "Column Kind TVD TVD 95% interval Reference TVD Holm p Verdict KS TVD train–holdout KS train–holdout"
    assert header in text
    for row in shapes.details["columns"]:
        judged = next(j for j in shapes.details["verdict"]["judged"] if j["name"] == row["column"])
        assert (
            f"{row['column']} {row['kind']} {row['tvd']:.3f} {interval_text(row['tvd_interval'])} "
            f"{row['reference_tvd']:.3f} {format_p(judged['adjusted_p'])} ok"
        ) in text
    rarity = demo_audit.check("membership_advantage_to_be_below").details["rarity"]
    assert rarity["reference_rank"] == 1  # 3,000 targets against 5,000 synthetic rows
    assert "Rarity attack (real side: each target's 1st closest other target), training records matched" in text
    for raw in ("**kwargs", "expect_synthetic_column_shapes_to_match_real(", "$min_score", "$PARAMETER"):
        assert raw not in text


def test_validation_page_carries_one_vega_lite_chart_per_cell_as_json(demo_audit):
    html = demo_audit.data_docs_page.read_text()
    specs = [json.loads(spec) for spec in re.findall(r"vlSpec = (\{.*?\n\});", html, flags=re.DOTALL)]
    targets = re.findall(r"vegaEmbed\('(#[^']+)'", html)
    assert len(specs) == len(targets) == 2 and len(set(targets)) == 2  # a shared target would hide a chart
    assert all(spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v5") for spec in specs)
    shapes_chart, pairs_chart = specs
    worst = [d["column"] for d in demo_audit.check("column_shapes_to_match_real").details["distributions"]]
    assert [panel["title"] for panel in shapes_chart["vconcat"]] == [f"{c}: real vs synthetic" for c in worst]
    assert pairs_chart["title"] == "Least similar pairs vs the real data"
    # Valid against the vega-lite 5 JSON schema (bundled with altair), which the page's vega-lite 5 reads.
    alt.VConcatChart.from_dict(shapes_chart)
    alt.Chart.from_dict(pairs_chart)


def test_suite_page_renders_unresolved_suite_parameters(demo_audit, chromium):
    site = Path(demo_audit.data_docs_page).parents[4]
    text = visible_text(rendered_dom(chromium, site / "expectations" / "synthetic_data_audit.html"))
    # Every check's sentence names its test, its level and its margin (as suite parameters here).
    assert "by more than <suite parameter fidelity_column_margin> with Pearson's χ² significant at level" in text
    assert "level <suite parameter check_alpha> after Holm over the columns" in text
    assert "on <suite parameter fidelity_n_bins> real-data quantile bins" in text
    assert "the empirical ε lower bound (TPR's lower over FPR's upper Clopper–Pearson bound) is at most" in text
    assert "<suite parameter privacy_max_epsilon>" in text
    assert "not significantly above <suite parameter privacy_max_advantage>" in text
    assert "no more often than holdout rows do" in text and "<suite parameter privacy_max_copy_excess>" in text
    assert "**kwargs" not in text


def test_a_metric_that_cannot_run_is_a_clear_finding_not_a_traceback(tmp_path, chromium):
    """A pipeline-made batch without synthetic rows: the page and report say why, with no stack trace."""
    batch = pd.DataFrame({"x": [1.0, 2.0], "_audit_source": ["real", "real"]})
    context = open_context(tmp_path)
    result = run_checkpoint(context, batch, AuditParameters())
    page = data_docs_page(context, result)
    html = page.read_text()
    assert "Traceback" not in html and 'File "' not in html
    text = visible_text(rendered_dom(chromium, page))
    assert "Not measured: the audit batch has no rows labelled 'synthetic' in column '_audit_source'" in text
    stored = "".join(p.read_text() for p in (tmp_path / "validations").rglob("*.json"))
    assert "Traceback" not in stored
    results = result_dicts(result)
    expected = "the audit batch has no rows labelled 'synthetic' in column '_audit_source'"
    assert [r["error"] for r in results] == [expected] * len(AUDIT_EXPECTATION_TYPES)
    assert result.success is False
