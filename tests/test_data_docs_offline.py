"""Data Docs that open offline: no request leaves the site folder, every chart is drawn, charts fit.

Pages are opened in headless Chromium with every host unresolvable and its network log read
(``tests.browser.load_offline``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import great_expectations as gx
import pandas as pd
import pytest

import expectations  # noqa: F401  (registers the audit expectations)
from auditing.demo import DEMO_FAIRNESS, write_demo_data
from auditing.engine import run_audit
from auditing.parameters import AuditParameters
from expectations.data_docs.assets import ASSETS, STATIC_DIR
from expectations.rendering import STATUS_LOOK, check_state, grouped_bar_chart
from tests.browser import load_offline, visible_text

GX_TEMPLATES = Path(gx.__file__).parent / "render" / "view" / "templates"
_MARKS = re.compile(r'<svg[^>]*class="marks"')


@pytest.fixture(scope="module")
def poor_audit(tmp_path_factory):
    """The demo's poor set (as files, so inputs have names) with fairness on: every module fails."""
    out = tmp_path_factory.mktemp("offline")
    files = write_demo_data(out / "data", seed=0)
    return run_audit(
        files["real"],
        files["poor"],
        files["holdout"],
        out_dir=out / "audit",
        parameters=AuditParameters(**DEMO_FAIRNESS),
    )


def _chart_targets(html: str) -> list[str]:
    return re.findall(r"vegaEmbed\('#([^']+)'", html)


def test_every_page_of_the_site_opens_offline_with_its_charts_drawn(poor_audit, chromium):
    site = poor_audit.data_docs_page.parents[4]
    pages = [poor_audit.data_docs_page, site / "index.html", *sorted((site / "expectations").glob("*.html"))]
    assert len(pages) == 3
    for page in pages:
        loaded = load_offline(chromium, page)
        assert loaded.requests == [], page.name
        assert "newsletter" not in loaded.dom and "amazonaws" not in loaded.dom
    validation = load_offline(chromium, poor_audit.data_docs_page)
    targets = _chart_targets(poor_audit.data_docs_page.read_text())
    assert len(targets) >= 4  # fidelity's two, fairness' rates and shares
    for target in targets:
        drawn = validation.dom[validation.dom.index(f'id="{target}"') :]
        assert _MARKS.search(drawn[:2000]), f"chart {target} has no drawn marks"
    assert len(_MARKS.findall(validation.dom)) == len(targets)
    assert validation.dom.count('class="mark-rect role-mark') >= len(targets)  # bars, not empty frames


def test_the_page_opens_with_the_answer_and_says_each_checks_state(poor_audit, chromium):
    report = poor_audit.to_dict()
    text = visible_text(load_offline(chromium, poor_audit.data_docs_page).dom)
    start = text.index("Audit FAIL failed: exact_copy_rate_to_be_below")
    head = text[start : text.index("Overview", start)]  # the headline: before GX's own overview section
    assert text.index("Table-Level Expectations") < start  # only the sidebar's contents come first
    assert f"Overall score {report['overall_score']:.3f}" in head
    for name, module in report["modules"].items():
        low, high = module["interval"]
        assert f"{name} {module['score']:.3f} [{low:.3f}, {high:.3f}] {module['risk_level']}" in head
    for role, item in report["inputs"].items():
        assert f"{role} {item['source']} {item['format']} {item['rows']:,} {item['columns']:,} {item['sha256']}" in head
    # (visible_text joins text nodes with a space: the id is a <code> element.)
    assert f"Audit id {report['audit_id']} , seed {report['seed']};" in head
    # Each check's state in words in the Status column, as many of each as the report has.
    checks = [c for m in report["modules"].values() for c in m["expectations"]]
    states = [check_state(c["success"], c["severity"], c["details"]) for c in checks]
    assert {"failed", "failed (warning)", "not measured"} <= set(states)
    counted = ", ".join(f"{states.count(s)} {s}" for s in STATUS_LOOK if s in states)
    assert f"{len(checks)} checks: {counted}." in head
    status = re.compile(r'<i class="fas [\w-]+ [\w-]+"[^>]*></i>\s*<span[^>]*>([^<]+)</span>')
    assert status.findall(poor_audit.data_docs_page.read_text()) == states
    # Runs tell apart in the index by the synthetic input's name.
    assert f"/{report['inputs']['synthetic']['source']}/" in poor_audit.data_docs_page.as_posix()


def test_the_request_log_catches_a_page_that_reaches_outside(poor_audit, chromium, tmp_path):
    """The control for the test above: the same page with one asset back on its CDN is caught."""
    jquery = next(a for a in ASSETS if a.package == "jquery")
    html = poor_audit.data_docs_page.read_text()
    local = re.search(r'src="([^"]*static/vendor/jquery/jquery\.min\.js)"', html).group(1)
    copy = poor_audit.data_docs_page.with_name("with-cdn.html")
    copy.write_text(html.replace(local, jquery.cdn_url))
    assert load_offline(chromium, copy).requests == [jquery.cdn_url]


def test_the_vendored_files_are_the_ones_gx_names(tmp_path):
    template_text = "\n".join(p.read_text() for p in GX_TEMPLATES.glob("*.j2") if not p.name.startswith("markdown"))
    # Every script and stylesheet GX's HTML templates load from outside has a vendored copy.
    loaded = set(re.findall(r'<(?:script|link)[^>]*(?:src|href)="(https?://[^"]+)"', template_text))
    assert loaded == {a.cdn_url for a in ASSETS if a.cdn_url}
    # Where GX pins a file by its hash, our copy has that hash: they are the same bytes.
    pinned = re.findall(r'src="(https?://[^"]+)"[^>]*integrity="sha384-([^"]+)"', template_text)
    assert len(pinned) == 2
    for url, digest in pinned:
        (asset,) = [a for a in ASSETS if a.cdn_url == url]
        data = (STATIC_DIR / "vendor" / asset.target).read_bytes()
        assert base64.b64encode(hashlib.sha384(data).digest()).decode() == digest
    # The notice lists each file with its sha256.
    notice = (STATIC_DIR / "vendor" / "NOTICE.md").read_text()
    for asset in ASSETS:
        digest = hashlib.sha256((STATIC_DIR / "vendor" / asset.target).read_bytes()).hexdigest()
        assert f"| `{asset.target}` | {asset.package} {asset.version} |" in notice and digest in notice


def test_a_pipelines_own_project_builds_offline_pages_with_gx_alone(chromium, tmp_path):
    """Our assets travel with the package: a project of its own, GX's plain calls, our site class."""
    context = gx.get_context(mode="file", project_root_dir=str(tmp_path))
    context.add_data_docs_site(
        site_name="offline",
        site_config={
            "module_name": "expectations.data_docs.site",
            "class_name": "OfflineSiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(tmp_path / "docs")},
        },
    )
    batch = context.data_sources.add_pandas("frames").add_dataframe_asset("people")
    suite = context.suites.add(gx.ExpectationSuite(name="people"))
    suite.add_expectation(gx.expectations.ExpectColumnValuesToBeBetween(column="age", min_value=0, max_value=120))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="people", data=batch.add_batch_definition_whole_dataframe("all"), suite=suite)
    )
    definition.run(batch_parameters={"dataframe": pd.DataFrame({"age": [30, 41, 57]})})
    context.build_data_docs(site_names=["offline"])
    (page,) = (tmp_path / "docs" / "validations").rglob("*.html")
    assert load_offline(chromium, page).requests == []
    assert load_offline(chromium, tmp_path / "docs" / "index.html").requests == []


_CHART_PAGE = """<!DOCTYPE html><html><head>
<script src="{vendor}/vega/vega.min.js"></script>
<script src="{vendor}/vega-lite/vega-lite.min.js"></script>
<script src="{vendor}/vega-embed/vega-embed.min.js"></script>
</head><body><div id="chart"></div><script>
vegaEmbed('#chart', {spec}).then(() => {{
  // Each bar's box and its panel's x-axis line, in page coordinates, from the drawn SVG.
  const panels = [...document.querySelectorAll('g.mark-rect.role-mark')].map(bars => {{
    const scope = bars.closest('g.role-scope');
    const line = [...scope.querySelectorAll('g.role-axis-domain > *')]
      .map(p => p.getBoundingClientRect()).find(r => r.height < 1);
    const boxes = [...bars.querySelectorAll('path')].map(p => p.getBoundingClientRect())
      .map(r => [r.left, r.right]);
    return {{axis: [line.left, line.right], bars: boxes}};
  }});
  document.body.setAttribute('data-geometry', JSON.stringify(panels));
}});
</script></body></html>
"""


def test_grouped_bars_stay_in_their_bands_for_2_7_and_30_groups(chromium, tmp_path):
    """One chart of three panels, as a cell stacks them: each panel's bars must fit its own axis."""
    sizes = (2, 7, 30)
    panels = [
        (
            [
                {"group": f"group {i:02d}", "side": side, "rate": 0.1 + 0.8 * ((i * 7 + (side == "real")) % 10) / 10}
                for i in range(n)
                for side in ("real", "synthetic")
            ],
            "group",
            "rate",
            "side",
            f"{n} groups",
        )
        for n in sizes
    ]
    spec = grouped_bar_chart(panels).graph
    page = tmp_path / "chart.html"
    page.write_text(_CHART_PAGE.format(vendor=(STATIC_DIR / "vendor").as_uri(), spec=spec))
    loaded = load_offline(chromium, page)
    assert loaded.requests == []
    geometry = json.loads(re.search(r'data-geometry="([^"]*)"', loaded.dom).group(1).replace("&quot;", '"'))
    assert [len(panel["bars"]) for panel in geometry] == [2 * n for n in sizes]
    for panel in geometry:
        left, right = panel["axis"]
        bars = sorted(panel["bars"])
        assert all(left - 0.5 <= a and b <= right + 0.5 for a, b in bars), "a bar runs past its axis"
        assert all(b1 <= a2 + 0.5 for (_, b1), (a2, _) in zip(bars, bars[1:], strict=False)), "bars overlap"


def test_the_one_file_report_opens_alone_offline(poor_audit, chromium, tmp_path):
    """report.html carries everything inline: copied alone elsewhere it still draws and says the answer."""
    alone = tmp_path / "attached.html"
    alone.write_bytes(poor_audit.report_html.read_bytes())
    html = alone.read_text()
    markup = re.sub(r"<script>.*?</script>", "", html, flags=re.DOTALL)  # the page, not the libraries' code
    assert not re.search(r'<(?:script|link|img)[^>]*(?:src|href)="(?!data:)[^"]+"', markup)  # nothing to fetch
    loaded = load_offline(chromium, alone)
    assert loaded.requests == []
    targets = _chart_targets(html)
    assert len(targets) >= 4 and len(_MARKS.findall(loaded.dom)) == len(targets)
    text = visible_text(loaded.dom)
    assert "Audit FAIL failed: exact_copy_rate_to_be_below" in text and poor_audit.audit_id in text
    assert "not measured" in text and "failed (warning)" in text
