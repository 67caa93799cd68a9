"""``run_audit`` returns a typed ``AuditReport``; in memory without an output folder."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

import jsonschema
import pytest

from auditing import AuditReport, run_audit

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "auditing" / "report.schema.json").read_text())


@pytest.fixture(scope="module")
def audits(demo, tmp_path_factory) -> dict[str, AuditReport]:
    written = tmp_path_factory.mktemp("written")
    return {
        "written": run_audit(demo["real"], demo["good"], demo["holdout"], out_dir=written),
        "memory": run_audit(demo["real"], demo["good"], demo["holdout"]),
        "poor": run_audit(demo["real"], demo["poor"], demo["holdout"]),
    }


def test_to_dict_is_the_report_json_and_follows_its_schema(audits):
    written = audits["written"]
    assert written.to_dict() == json.loads(written.report_path.read_text())
    assert json.loads(written.to_json()) == written.to_dict()
    jsonschema.validate(written.to_dict(), SCHEMA)
    assert AuditReport.from_json(written.to_json()).to_dict() == written.to_dict()


def test_an_audit_without_an_output_folder_runs_in_memory(demo, audits, tmp_path, monkeypatch):
    memory = audits["memory"]
    assert memory.report_path is None and memory.data_docs_page is None and memory.data_docs_url is None
    jsonschema.validate(memory.to_dict(), SCHEMA)
    # The same audit as with an output folder, but for where the pages went.
    written = audits["written"].to_dict()
    assert written["data_docs_url"].startswith("file://")
    assert memory.to_dict() == {**written, "data_docs_url": None}
    # Nothing is left behind: GX's validation store lived in a temporary folder that is gone.
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    run_audit(demo["real"], demo["good"], demo["holdout"])
    assert list(tmp_path.iterdir()) == []


def test_accessors_read_the_report(audits):
    report, raw = audits["written"], audits["written"].to_dict()
    assert report.passed is raw["success"] is report.gate.passed is True
    assert report.get_score() == report.score == raw["overall_score"]
    assert report.gate.alpha == raw["gate"]["alpha"] and report.gate.critical_checks == raw["gate"]["critical_checks"]
    for name in ("privacy", "fairness", "fidelity"):
        module, stored = getattr(report, name), raw["modules"][name]
        assert module is report.modules[name]
        assert (module.score, module.risk_level) == (stored["score"], stored["risk_level"])
        assert module.status == stored["status"]
        assert [c.type for c in module.checks] == [e["type"] for e in stored["expectations"]]
        assert dict(module.figures) == {
            e["type"].removeprefix("expect_synthetic_"): e["observed_value"] for e in stored["expectations"]
        }
    copies = report.check("exact_copy_rate_to_be_below")
    assert copies is report.check("expect_synthetic_exact_copy_rate_to_be_below")
    stored = raw["modules"]["privacy"]["expectations"][0]
    assert (copies.severity, copies.observed_value, copies.details["rate"]) == (
        stored["severity"],
        stored["observed_value"],
        stored["details"]["rate"],
    )
    assert copies.measured and not report.check("bias_amplification_to_be_below").measured  # no protected attributes
    assert [f.message for f in report.findings] == [f["message"] for f in raw["findings"]]
    assert report.inputs["real"]["sha256"] == raw["inputs"]["real"]["sha256"]
    with pytest.raises(KeyError, match="no check 'membership'; the checks are exact_copy_rate_to_be_below, "):
        report.check("membership")


def test_a_failed_audit_names_its_failed_checks(audits):
    poor = audits["poor"]
    assert poor.passed is False
    failed_critical = [c.type for c in poor.failed_checks if c.severity == "critical"]
    assert failed_critical and failed_critical == list(poor.gate.failed_critical)
    assert not all(module.passed for module in poor.modules.values())


def test_the_report_is_read_only(audits):
    report = audits["written"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.passed = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        report.privacy.check("exact_copy_rate_to_be_below").details["rate"] = 0.5  # type: ignore[index]
    mutated = report.to_dict()
    mutated["modules"]["privacy"]["score"] = -1
    assert report.to_dict()["modules"]["privacy"]["score"] == report.privacy.score != -1
