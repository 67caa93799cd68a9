"""`synth-audit` end to end: exit codes, report.json schema, messages for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from auditing.cli import main
from expectations.metrics.inference import INFERENCE_TARGETS
from tests.conftest import verdict_levels

SCHEMA = json.loads((Path(__file__).resolve().parents[1] / "auditing" / "report.schema.json").read_text())
CLI = [sys.executable, "-m", "auditing.cli"]


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory) -> dict[str, Path]:
    from auditing.demo import write_demo_data

    return write_demo_data(tmp_path_factory.mktemp("demo"), seed=0)


def audit_argv(real: Path, synthetic: Path, out: Path, *extra: str) -> list[str]:
    return ["audit", "--real", str(real), "--synthetic", str(synthetic), "--out", str(out), *extra]


def _audit(files: dict[str, Path], synthetic: str, out: Path, *extra: str) -> subprocess.CompletedProcess:
    argv = audit_argv(files["real"], files[synthetic], out, "--holdout", str(files["holdout"]), *extra)
    return subprocess.run([*CLI, *argv], capture_output=True, text=True, timeout=300)


def test_passing_audit_exits_0_with_summary_table_and_report(demo_files, tmp_path):
    completed = _audit(demo_files, "good", tmp_path)
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0].split() == ["module", "score", "risk", "message"]
    assert lines[3].startswith("fidelity") and " low " in lines[3]
    overall = next(line for line in lines if line.startswith("overall"))
    assert lines[1].startswith("privacy") and " low " in lines[1]
    assert "did not run: no protected attributes were given" in lines[2] and overall.split()[-1] == "PASS"
    assert "checkpoint" in completed.stderr  # progress goes to stderr, not into the table
    report = json.loads((tmp_path / "report.json").read_text())
    jsonschema.validate(report, SCHEMA)
    assert report["success"] is True
    scores = report["module_scores"]
    assert (
        scores["fairness"] is None and report["modules"]["fairness"]["reason"] == "no protected attributes were given"
    )
    assert report["overall_score"] == pytest.approx((scores["privacy"] + scores["fidelity"]) / 2)
    assert Path(report["data_docs_url"].removeprefix("file://")).is_file()


def test_failing_audit_exits_1_and_json_flag_prints_the_report(demo_files, tmp_path):
    completed = _audit(demo_files, "poor", tmp_path, "--json")
    assert completed.returncode == 1, completed.stderr
    report = json.loads(completed.stdout)
    jsonschema.validate(report, SCHEMA)
    assert report["success"] is False
    assert report["detailed_findings"]["fidelity"]["risk_level"] == "high"
    assert (
        "column shapes (critical): 8 of 8 column tests worse than real data"
        in report["detailed_findings"]["fidelity"]["message"]
    )
    assert report == json.loads((tmp_path / "report.json").read_text())


def test_same_inputs_and_seed_give_the_same_report(demo_files, tmp_path):
    runs = (main(audit_argv(demo_files["real"], demo_files["good"], tmp_path / n, "--seed", "7")) for n in "ab")
    first, second = runs
    assert first == second == 0
    reports = [json.loads((tmp_path / name / "report.json").read_text()) for name in ("a", "b")]
    for report in reports:
        report.pop("data_docs_url")
    assert reports[0] == reports[1] and reports[0]["seed"] == 7


def _input_error(capsys, *argv: str) -> str:
    assert main(list(argv)) == 2
    return capsys.readouterr().err


def test_missing_file_exits_2_naming_it(capsys, demo_files, tmp_path):
    err = _input_error(capsys, *audit_argv(tmp_path / "absent.csv", demo_files["good"], tmp_path / "o"))
    assert f"real data file '{tmp_path / 'absent.csv'}' does not exist" in err


def test_empty_file_exits_2_naming_it(capsys, demo_files, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    err = _input_error(capsys, *audit_argv(demo_files["real"], empty, tmp_path / "o"))
    assert f"synthetic data file '{empty}' is empty (0 bytes)" in err


def test_no_shared_columns_exits_2(capsys, demo_files, tmp_path):
    other = tmp_path / "other.csv"
    pd.DataFrame({"height": [1.7, 1.8], "colour": ["red", "blue"]}).to_csv(other, index=False)
    err = _input_error(capsys, *audit_argv(demo_files["real"], other, tmp_path / "o"))
    assert "the real and synthetic data share no column" in err and "'colour'" in err


def test_text_in_a_numeric_column_is_a_finding_naming_column_and_count(capsys, demo_files, tmp_path):
    synthetic = pd.read_csv(demo_files["good"])
    synthetic["age"] = synthetic["age"].astype(object)
    synthetic.loc[:2, "age"] = "unknown-text"
    path = tmp_path / "text_in_age.csv"
    synthetic.to_csv(path, index=False)
    code = main(audit_argv(demo_files["real"], path, tmp_path / "o"))
    out = capsys.readouterr().out
    assert code in (0, 1)
    assert "note: column 'age': 3 of 5,000 synthetic values are not numbers" in out
    report = json.loads((tmp_path / "o" / "report.json").read_text())
    mismatches = [f for f in report["findings"] if f["kind"] == "type_mismatch"]
    assert [(f["columns"], f["count"]) for f in mismatches] == [(["age"], 3)]
    assert "unknown-text" not in json.dumps(report)


def test_an_unknown_secret_column_exits_2_naming_it(capsys, demo_files, tmp_path):
    argv = audit_argv(demo_files["real"], demo_files["good"], tmp_path / "o", "--secret", "outcome,salary")
    err = _input_error(capsys, *argv, "--holdout", str(demo_files["holdout"]))
    assert "secret column(s) 'salary' not among the audit columns" in err and "'outcome'" in err


def test_an_unknown_link_column_exits_2_naming_it(capsys, demo_files, tmp_path):
    argv = audit_argv(demo_files["real"], demo_files["good"], tmp_path / "o", "--link-columns", "outcome,salary")
    err = _input_error(capsys, *argv, "--holdout", str(demo_files["holdout"]))
    assert "link column(s) 'salary' not among the audit columns" in err


def test_link_columns_split_the_linkability_attack(demo_files, tmp_path):
    argv = audit_argv(demo_files["real"], demo_files["good"], tmp_path, "--link-columns", "outcome", "--bootstrap", "0")
    assert main([*argv, "--holdout", str(demo_files["holdout"])]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    (linked,) = [e for e in report["modules"]["privacy"]["expectations"] if e["details"].get("part") == "linkability"]
    assert linked["success"] is True and linked["details"]["link_columns"] == ["outcome"]
    assert "outcome" not in linked["details"]["other_columns"] and linked["details"]["other_columns"]
    assert "; linkability: links the two halves" in report["detailed_findings"]["privacy"]["message"]


def test_secret_columns_get_an_inference_figure_and_verdict(demo_files, tmp_path):
    argv = audit_argv(demo_files["real"], demo_files["good"], tmp_path, "--secret", "outcome", "--bootstrap", "20")
    assert main([*argv, "--holdout", str(demo_files["holdout"])]) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    (inference,) = [e for e in report["modules"]["privacy"]["expectations"] if e["details"].get("part") == "inference"]
    (outcome,) = inference["details"]["secrets"]
    assert inference["success"] is True and outcome["secret"] == "outcome"
    # The first INFERENCE_TARGETS of the membership attack's 2,500 members and 2,500 non-members.
    assert outcome["members"] == outcome["non_members"] == INFERENCE_TARGETS == 2_000
    risk = (outcome["train_success"] - outcome["control_success"]) / (1 - outcome["control_success"])
    assert outcome["risk"] == pytest.approx(risk) and inference["observed_value"] == pytest.approx(risk)
    assert "attribute inference: outcome: guessed for" in report["detailed_findings"]["privacy"]["message"]


def test_alpha_sets_the_gates_level_and_each_checks_share(capsys, demo_files, tmp_path):
    from expectations.levels import DEFAULT_GATE_ALPHA, GATE_CHECKS

    assert main(["audit", "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"over its {GATE_CHECKS} critical checks (default {DEFAULT_GATE_ALPHA:g})" in help_text
    argv = audit_argv(demo_files["real"], demo_files["good"], tmp_path, "--alpha", "0.04", "--bootstrap", "0")
    assert main(argv) == 0
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["gate"]["alpha"] == 0.04 and report["gate"]["check_alpha"] == 0.04 / GATE_CHECKS
    assert report["parameters"]["alpha"] == 0.04
    assert verdict_levels(report) == {0.04 / GATE_CHECKS}
    assert "must be between 0 and 1, got 2.0" in _input_error(
        capsys, *audit_argv(demo_files["real"], demo_files["good"], tmp_path / "o", "--alpha", "2")
    )


def test_usage_errors_exit_2(capsys, demo_files, tmp_path):
    assert _input_error(capsys, "audit", "--synthetic", "x.csv")  # --real missing
    argv = audit_argv(demo_files["real"], demo_files["good"], tmp_path / "o", "--min-column-shapes", "1.5")
    err = _input_error(capsys, *argv)
    assert "fidelity_min_column_shapes_score must be between 0 and 1, got 1.5" in err


def test_demo_runs_a_good_and_a_poor_set_and_says_where_the_html_is(tmp_path):
    completed = subprocess.run([*CLI, "demo", "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stderr
    assert "== demo: good synthetic set (PASS) ==" in completed.stdout
    assert "== demo: poor synthetic set (FAIL) ==" in completed.stdout
    # Results on stdout, paths and progress on stderr, as for `synth-audit audit`.
    lines = completed.stderr.splitlines()
    pages = [Path(line.split(": ", 1)[1]) for line in lines if line.startswith("Data Docs (")]
    assert len(pages) == 2 and all(page.is_file() and page.suffix == ".html" for page in pages)
    assert "Data Docs" not in completed.stdout
    again = subprocess.run([*CLI, "demo", "--out", str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    # A rerun replaces the demo's output instead of adding a second run to each Data Docs index.
    assert len(list((tmp_path / "good" / "validations").rglob("*.json"))) == 1
    other = tmp_path / "other"
    other.mkdir()
    (other / "keep.txt").write_text("mine")
    refused = subprocess.run([*CLI, "demo", "--out", str(other)], capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "holds files the demo did not write" in refused.stderr
    assert (other / "keep.txt").read_text() == "mine"


def test_a_reader_that_stops_early_does_not_change_the_exit_code(demo_files, tmp_path):
    argv = audit_argv(demo_files["real"], demo_files["good"], tmp_path, "--bootstrap", "0")
    process = subprocess.Popen([*CLI, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()  # like `| head` gone before the table is written: the write hits a closed pipe
    errors = process.stderr.read()
    process.wait(timeout=300)
    assert process.returncode == 0 and "BrokenPipe" not in errors and "Traceback" not in errors


def test_a_wrong_path_is_answered_before_the_engine_loads(tmp_path):
    """Files and the output folder are vetted first: no Great Expectations import for a typo."""
    script = (
        "import sys\nfrom auditing.cli import main\n"
        f"code = main(['audit', '--real', {str(tmp_path / 'absent.csv')!r}, '--synthetic', {str(tmp_path)!r}])\n"
        "print(code, 'great_expectations' in sys.modules)\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert completed.stdout.split() == ["2", "False"]
    assert f"real data file '{tmp_path / 'absent.csv'}' does not exist" in completed.stderr


def test_an_output_folder_that_is_a_file_exits_2_naming_it(capsys, demo_files, tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    err = _input_error(capsys, *audit_argv(demo_files["real"], demo_files["good"], taken))
    assert f"--out '{taken}' is a file, not a folder" in err


def test_version(capsys):
    from importlib.metadata import version

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"synth-audit {version('synthetic-data-auditor')}"


def test_repeated_or_blank_column_names_exit_2_naming_them(capsys, demo_files, tmp_path):
    real = pd.read_csv(demo_files["real"])
    repeated, blank = tmp_path / "repeated.csv", tmp_path / "blank.csv"
    header = ",".join([*real.columns, real.columns[0]])
    repeated.write_text(header + "\n" + "\n".join(",".join([*map(str, r), str(r[0])]) for r in real.head(50).values))
    blank.write_text(",".join([*real.columns[:-1], " "]) + "\n" + real.head(50).to_csv(index=False, header=False))
    err = _input_error(capsys, *audit_argv(demo_files["real"], repeated, tmp_path / "o"))
    assert f"synthetic data file '{repeated}' has repeated column names: '{real.columns[0]}' (2 times)" in err
    err = _input_error(capsys, *audit_argv(blank, demo_files["good"], tmp_path / "o"))
    assert f"real data file '{blank}' has columns without a name (column {len(real.columns)})" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("variant", "fmt"),
    [("semicolon", "csv (semicolon-separated)"), ("tab", "csv (tab-separated)"), ("cp1252", "csv (cp1252, not UTF-8)")],
)
def test_separators_and_encodings_are_recognised_and_named(demo_files, tmp_path, variant, fmt):
    """A file with another separator or not in UTF-8 reads as the same table, and the report says how it was read."""
    real = pd.read_csv(demo_files["real"])
    # A category with non-ASCII letters on both sides, so a misread encoding would make it a new category.
    accented = real.assign(region=real["region"].where(real["region"] != real["region"].iloc[0], "Île-de-Zoë"))
    accented.to_csv(tmp_path / "real.csv", index=False)
    synthetic = tmp_path / f"synthetic-{variant}.csv"
    options = {"semicolon": {"sep": ";"}, "tab": {"sep": "\t"}, "cp1252": {"encoding": "cp1252"}}[variant]
    accented.sample(frac=0.5, random_state=1).to_csv(synthetic, index=False, **options)
    argv = audit_argv(tmp_path / "real.csv", synthetic, tmp_path / "out", "--json", "--bootstrap", "0")
    completed = subprocess.run([*CLI, *argv], capture_output=True, text=True, timeout=300)
    assert completed.returncode in (0, 1), completed.stderr
    report = json.loads(completed.stdout)
    assert report["inputs"]["synthetic"]["format"] == fmt and report["inputs"]["real"]["format"] == "csv"
    assert report["inputs"]["synthetic"]["columns"] == len(real.columns)
    assert not [f for f in report["findings"] if "region" in f["columns"]]  # no new categories, no unread values


def test_no_docs_writes_the_report_alone_and_quiet_prints_no_progress(demo_files, tmp_path):
    full = _audit(demo_files, "poor", tmp_path / "full", "--json")
    bare = _audit(demo_files, "poor", tmp_path / "bare", "--json", "--no-docs", "--quiet")
    assert full.returncode == bare.returncode == 1
    assert not (tmp_path / "bare" / "data_docs").exists() and not (tmp_path / "bare" / "report.html").exists()
    report = json.loads((tmp_path / "bare" / "report.json").read_text())
    jsonschema.validate(report, SCHEMA)
    assert report["data_docs_url"] is None and report == {**json.loads(full.stdout), "data_docs_url": None}
    assert json.loads(bare.stdout) == report
    assert "[" not in bare.stderr and "loading the audit engine" in full.stderr
    assert bare.stderr.strip() == f"report: {(tmp_path / 'bare' / 'report.json').resolve()}"


def test_config_file_limits_weights_and_separator_options(capsys, demo_files, tmp_path):
    """A --config file takes the API request's keys; options on the command line win over it."""
    for role, source in (("real", demo_files["real"]), ("synthetic", demo_files["good"])):
        pd.read_csv(source).to_csv(tmp_path / f"{role}.csv", index=False, sep="|")  # a separator serves all files
    config = tmp_path / "audit.toml"
    config.write_text(
        'real_data_url = "real.csv"\nsynthetic_data_url = "synthetic.csv"\n'
        'bootstrap_replicates = 0\nweights = {privacy = 2}\ncsv_separator = "|"\n'
        "[thresholds]\nprivacy_max_dcr_share = 0.6\n"
    )
    argv = ["audit", "--config", str(config), "--out", str(tmp_path / "o"), "--json", "--no-docs", "--quiet"]
    assert main([*argv, "--max-advantage", "0.2", "--weights", "fidelity=3"]) in (0, 1)
    report = json.loads(capsys.readouterr().out)
    parameters = report["parameters"]
    assert parameters["privacy_max_dcr_share"] == 0.6 and parameters["privacy_max_advantage"] == 0.2
    assert parameters["weights"] == {"privacy": 1.0, "fairness": 1.0, "fidelity": 3.0}
    assert parameters["bootstrap_replicates"] == 0 and report["inputs"]["synthetic"]["format"] == "csv (pipe-separated)"
    config.write_text(config.read_text() + "max_dpd = 3\n")
    err = _input_error(capsys, *argv)
    assert "--config file" in err and "thresholds.max_dpd" in err
    config.write_text("seed = \n")
    assert f"--config file '{config}' is not valid TOML" in _input_error(capsys, *argv)
    assert "--synthetic is required" in _input_error(capsys, "audit", "--real", str(demo_files["real"]))
    small = tmp_path / "small.csv"
    pd.read_csv(demo_files["good"]).head(5).to_csv(small, index=False)
    err = _input_error(capsys, *audit_argv(demo_files["real"], small, tmp_path / "o2"))
    assert f"synthetic data file '{small.name}' has 5 row(s); an audit needs at least 30" in err
    err = _input_error(
        capsys,
        *audit_argv(
            demo_files["real"], demo_files["good"], tmp_path / "o3", "--target", "outcome", "--positive-label", "yes"
        ),
    )
    assert "a target column is judged per protected group" in err


def test_limit_flags_defaults_are_the_parameters_defaults():
    """--help states each limit's default without loading the engine; they must be AuditParameters'."""
    from auditing.cli import LIMIT_FLAGS
    from auditing.parameters import AuditParameters

    for flag, (parameter, text) in LIMIT_FLAGS.items():
        assert f"default {getattr(AuditParameters, parameter):g}" in text, flag
