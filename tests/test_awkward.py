"""Every awkward file of ``tests/awkward.py`` from the command line and the API alike: a verdict
(exit 0 / 1, HTTP 200) with the findings it must have, or an input error (exit 2, HTTP 422)
naming the file, column and problem; never a traceback or a 500."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from fastapi.testclient import TestClient

from auditing.cli import main
from tests.awkward import CASES, Case, base_frames, command_line

SCHEMA = json.loads((Path(__file__).parents[1] / "auditing" / "report.schema.json").read_text())
#: Figures of the reports are not what these cases are about: keep the audits short.
QUICK = {"bootstrap_replicates": 0}


@pytest.fixture(scope="module")
def frames():
    return base_frames()


def _write(case: Case, frames: dict, folder: Path) -> dict[str, str]:
    folder.mkdir(parents=True, exist_ok=True)
    names = {}
    for role, (name, body) in case.files(frames).items():
        (folder / name).write_bytes(body)
        names[role] = name
    return names


def _judge(case: Case, report: dict[str, Any]) -> None:
    jsonschema.validate(report, SCHEMA)
    kinds = {finding["kind"] for finding in report["findings"]}
    for module in report["modules"].values():
        for result in module.get("expectations", []):
            kinds |= {finding["kind"] for finding in result["details"].get("findings", [])}
    assert set(case.words) <= kinds, kinds
    assert not set(case.absent) & kinds, kinds
    if isinstance(case.expect, bool):
        assert report["success"] is case.expect, report["gate"]
    if case.check is not None:
        case.check(report)


def _message_names_the_problem(case: Case, message: str) -> None:
    assert "Traceback" not in message and 'File "' not in message, message
    for words in case.words:
        assert words in message, message


def test_the_corpus_is_at_least_thirty_strong():
    assert len(CASES) >= 30 and len({case.name for case in CASES}) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_command_line_answers_every_awkward_file(case: Case, frames, tmp_path, capsys, monkeypatch):
    names = _write(case, frames, tmp_path / "data")
    monkeypatch.chdir(tmp_path / "data")  # the files named as a user in their folder names them
    argv = ["audit", *[a for role, name in names.items() for a in (f"--{role}", name)]]
    argv += ["--out", str(tmp_path / "out"), "--bootstrap", "0", "--json", "--no-docs", "--quiet"]
    code = main([*argv, *command_line(case.settings)])
    out, err = capsys.readouterr()
    if case.expect == "error":
        assert code == 2, out[-2000:]
        _message_names_the_problem(case, err)
        return
    assert code in (0, 1), err
    assert "Traceback" not in err, err
    report = json.loads(out)
    assert code == (0 if report["success"] else 1)
    _judge(case, report)


@pytest.fixture
def local_api(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("SYNTH_AUDIT_LOCAL_DATA_DIR", str(data))
    monkeypatch.setenv("SYNTH_AUDIT_LOCAL_RESULTS_DIR", str(tmp_path / "results"))
    for key in ("SYNTH_AUDIT_RESULTS_BUCKET", "SYNTH_AUDIT_ALLOWED_BUCKETS", "SYNTH_AUDIT_WORK_DIR"):
        monkeypatch.delenv(key, raising=False)
    from api.main import app

    return data, TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_the_api_answers_every_awkward_file(case: Case, frames, local_api):
    data, client = local_api
    names = _write(case, frames, data)
    body = {f"{role}_data_url": name for role, name in names.items()} | QUICK | case.settings
    answer = client.post("/audit", json=body)
    if case.expect == "error":
        assert answer.status_code == 422, answer.text
        problem = answer.json()
        _message_names_the_problem(case, problem["detail"])
        return
    assert answer.status_code == 200, answer.text
    _judge(case, answer.json())
