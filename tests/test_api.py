"""The HTTP API as deployed and as run locally: Lambda events, S3 over HTTP, hostile locations, bad files.

S3 is a moto server on 127.0.0.1 that boto3 reaches over real HTTP (no in-process patching);
the Lambda handler gets API Gateway REST (v1), HTTP API (v2) and Function URL event JSON.
"""

from __future__ import annotations

import copy
import gzip
import io
import json
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import boto3
import jsonschema
import pytest
from fastapi.testclient import TestClient

import auditing.fetch as fetch
from auditing.demo import demo_frames
from tests.browser import load_offline

EVENTS = Path(__file__).parent / "events"
INPUTS, RESULTS = "audit-inputs", "audit-results"
SIGNED = (
    "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20261126%2Fus-east-1%2Fs3%2Faws4_request"
    "&X-Amz-Date=20261126T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=deadbeefsecret"
)


@pytest.fixture(scope="module")
def s3_server(moto_endpoint):
    client = boto3.client("s3", endpoint_url=moto_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=INPUTS)
    client.create_bucket(Bucket=RESULTS)
    frames = demo_frames(seed=1)
    small = {"real": frames["real"].head(1_500), "holdout": frames["holdout"].head(800)}
    small["synthetic"] = frames["good"].head(1_500)
    for role, frame in small.items():
        client.put_object(Bucket=INPUTS, Key=f"demo/{role}.csv", Body=frame.to_csv(index=False).encode())
    parquet = io.BytesIO()
    small["synthetic"].to_parquet(parquet, index=False)
    client.put_object(Bucket=INPUTS, Key="demo/synthetic-parquet.csv", Body=parquet.getvalue())  # mislabeled
    client.put_object(
        Bucket=INPUTS, Key="demo/synthetic.csv.gz", Body=gzip.compress(small["synthetic"].to_csv(index=False).encode())
    )
    return SimpleNamespace(endpoint=moto_endpoint, client=client, frames=small)


@pytest.fixture
def api_env(s3_server, tmp_path, monkeypatch):
    """Settings of a deployed function: inputs from the allow-listed bucket, results to S3."""
    work = tmp_path / "work"
    for key, value in {
        "SYNTH_AUDIT_ALLOWED_BUCKETS": INPUTS,
        "SYNTH_AUDIT_RESULTS_BUCKET": RESULTS,
        "SYNTH_AUDIT_S3_ENDPOINT_URL": s3_server.endpoint,
        "SYNTH_AUDIT_WORK_DIR": str(work),
    }.items():
        monkeypatch.setenv(key, value)
    for key in ("SYNTH_AUDIT_LOCAL_DATA_DIR", "SYNTH_AUDIT_LOCAL_RESULTS_DIR", "SYNTH_AUDIT_MAX_BYTES"):
        monkeypatch.delenv(key, raising=False)
    return SimpleNamespace(work=work, s3=s3_server)


def _body(**extra) -> dict:
    return {
        "synthetic_data_url": f"s3://{INPUTS}/demo/synthetic.csv",
        "real_data_url": f"s3://{INPUTS}/demo/real.csv",
        "holdout_data_url": f"s3://{INPUTS}/demo/holdout.csv",
        "protected_attributes": ["sex"],
        "target_column": "outcome",
        "positive_label": "yes",
        "bootstrap_replicates": 20,
        **extra,
    }


def _invoke(event_file: str, body: dict) -> dict:
    from api.main import handler

    event = json.loads((EVENTS / event_file).read_text())
    event["body"] = json.dumps(body)
    context = SimpleNamespace(function_name="synthetic-data-auditor", aws_request_id="test", memory_limit_in_mb=4096)
    return handler(copy.deepcopy(event), context)


@pytest.mark.parametrize("event_file", ["api_gateway_rest_v1.json", "http_api_v2.json", "function_url.json"])
def test_lambda_handler_audits_s3_inputs_and_links_data_docs(api_env, event_file):
    answer = _invoke(event_file, _body())
    assert answer["statusCode"] == 200, answer["body"]
    report = json.loads(answer["body"])
    schema = json.loads((Path(__file__).parents[1] / "auditing" / "report.schema.json").read_text())
    jsonschema.validate(report, schema)
    assert set(report["module_scores"]) == {"privacy", "fairness", "fidelity"}
    assert report["detailed_findings"]["fidelity"]["risk_level"] == "low"
    assert report["module_scores"]["fairness"] is not None
    assert report["inputs"]["real"]["source"] == f"s3://{INPUTS}/demo/real.csv"
    # The link is a pre-signed GET of the validation page on the results bucket (the moto server).
    link = report["data_docs_url"]
    assert link.startswith(f"{api_env.s3.endpoint}/{RESULTS}/audits/{report['audit_id']}/") and "Signature" in link
    with urllib.request.urlopen(link, timeout=30) as page:
        html = page.read().decode()
    assert "Fairness, demographic parity" in html and "Privacy, membership inference" in html
    assert "Privacy, attribute inference" in html  # the target is the default secret
    stored = api_env.s3.client.get_object(Bucket=RESULTS, Key=f"audits/{report['audit_id']}/report.json")
    stored_report = json.loads(stored["Body"].read())
    assert stored_report["overall_score"] == report["overall_score"]
    assert stored_report["data_docs_url"].startswith(f"s3://{RESULTS}/audits/")  # never a link that expires
    single = api_env.s3.client.get_object(Bucket=RESULTS, Key=f"audits/{report['audit_id']}/report.html")
    assert single["ContentType"] == "text/html" and b"synthetic-audit-headline" in single["Body"].read()
    assert list(api_env.work.iterdir()) == []  # the request's temp folder is gone


def test_parquet_named_csv_and_gzip_csv_are_read_by_content(api_env):
    client = TestClient(_app())
    for key, expected in (("demo/synthetic-parquet.csv", "parquet"), ("demo/synthetic.csv.gz", "csv.gz")):
        answer = client.post("/audit", json=_body(synthetic_data_url=f"s3://{INPUTS}/{key}"))
        assert answer.status_code == 200, answer.text
        assert answer.json()["inputs"]["synthetic"]["format"] == expected
    assert list(api_env.work.iterdir()) == []


def _app():
    from api.main import app

    return app


PUBLIC = "52.216.0.10"
# (location, problem kind): every one refused before anything is fetched.
HOSTILE = [
    (f"http://{INPUTS}.s3.amazonaws.com/demo/real.csv?{SIGNED}", "bad-location"),
    ("file:///proc/self/environ", "bad-location"),
    ("ftp://audit-inputs/demo/real.csv", "bad-location"),
    (f"https://evil.example/demo/real.csv?{SIGNED}", "bad-location"),
    (f"https://{INPUTS}.s3.amazonaws.com.evil.example/demo/real.csv?{SIGNED}", "bad-location"),
    (f"https://{INPUTS}.s3.amazonaws.com%2eevil.example/demo/real.csv?{SIGNED}", "bad-location"),
    (f"https://ec2-52-216-0-10.compute-1.amazonaws.com/demo/real.csv?{SIGNED}", "bad-location"),
    (f"https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/Prod/real.csv?{SIGNED}", "bad-location"),
    (f"https://user:secret@{INPUTS}.s3.amazonaws.com/demo/real.csv?{SIGNED}", "bad-location"),
    (f"https://{INPUTS}.s3.amazonaws.com@169.254.169.254/latest/meta-data/?{SIGNED}", "bad-location"),
    (f"https://{INPUTS}.s3.amazonaws.com:8443/demo/real.csv?{SIGNED}", "bad-location"),
    (f"https://{INPUTS}.s3.amazonaws.com:9001/2018-06-01/runtime/invocation/next?{SIGNED}", "bad-location"),
    (f"https://169.254.169.254/latest/meta-data/iam/security-credentials/?{SIGNED}", "bad-location"),
    (f"https://2852039166/latest/meta-data/?{SIGNED}", "bad-location"),
    (f"https://0xA9FEA9FE/latest/meta-data/?{SIGNED}", "bad-location"),
    (f"https://[::ffff:169.254.169.254]/latest/meta-data/?{SIGNED}", "bad-location"),
    (f"https://127.0.0.1/demo/real.csv?{SIGNED}", "bad-location"),
    (f"https://10.0.0.1/demo/real.csv?{SIGNED}", "bad-location"),
    (f"https://{INPUTS}.s3.amazonaws.com/demo/real.csv", "bad-location"),  # unsigned
    (f"https://{INPUTS}.s3.amazonaws.com/demo/real.csv?X-Amz-Signature=deadbeefsecret", "bad-location"),
    (f"https://other-bucket.s3.amazonaws.com/demo/real.csv?{SIGNED}", "not-allowed"),
    (f"https://s3.us-east-1.amazonaws.com/other-bucket/demo/real.csv?{SIGNED}", "not-allowed"),
    ("s3://other-bucket/demo/real.csv", "not-allowed"),
    (f"s3://{INPUTS}/demo/real.csv?versionId=1", "bad-location"),
    (f"s3://{INPUTS}/", "bad-location"),
    ("../../etc/passwd", "bad-location"),  # no local files in a deployment
    ("/etc/passwd", "bad-location"),
]
# Pass every check of the text, then the host resolves to a private address: refused, not fetched.
REBOUND = [
    (f"https://{INPUTS}.s3.amazonaws.com/demo/real.csv?{SIGNED}", ["169.254.169.254"]),
    (f"https://{INPUTS}.s3.us-east-1.amazonaws.com/demo/real.csv?{SIGNED}", ["::ffff:10.0.0.1"]),
    (f"https://s3.amazonaws.com/{INPUTS}/demo/real.csv?{SIGNED}", [PUBLIC, "127.0.0.1"]),
]


@pytest.fixture
def no_network(monkeypatch):
    """Record every attempt to fetch, by any route; resolve hosts to fixed addresses."""
    attempts: list[str] = []
    addresses: dict[str, list[str]] = {}

    def opener(address, host, path, limits):
        attempts.append(f"https {host}")
        raise AssertionError("nothing may be fetched")

    def s3_fetch(location, *args, **kwargs):
        attempts.append(f"s3 {location.bucket}")
        raise AssertionError("nothing may be fetched")

    monkeypatch.setattr(fetch, "https_open", opener)
    monkeypatch.setattr(fetch, "_fetch_s3", s3_fetch)
    monkeypatch.setattr(fetch, "resolve_host", lambda host, port: addresses.get(host, [PUBLIC]))
    return SimpleNamespace(attempts=attempts, addresses=addresses)


def _assert_problem(answer, kind: str, secret: str = "deadbeefsecret") -> dict:
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"].endswith(f"problem/{kind}") and problem["status"] == answer.status_code
    assert secret not in answer.text and "Traceback" not in answer.text and "X-Amz-" not in answer.text
    return problem


def test_hostile_table_is_at_least_twenty_strong():
    assert len(HOSTILE) + len(REBOUND) >= 20


@pytest.mark.parametrize(("location", "kind"), HOSTILE)
def test_hostile_locations_are_refused_and_nothing_is_fetched(api_env, no_network, location, kind):
    answer = TestClient(_app()).post("/audit", json=_body(synthetic_data_url=location))
    assert answer.status_code == {"bad-location": 400, "not-allowed": 403}[kind]
    _assert_problem(answer, kind)
    assert no_network.attempts == []


@pytest.mark.parametrize(("location", "addresses"), REBOUND)
def test_hosts_resolving_to_private_addresses_are_refused_before_connecting(api_env, no_network, location, addresses):
    host = location.split("/")[2]
    no_network.addresses[host] = addresses
    # The real data is fetched first: its host's addresses are judged before any connection.
    answer = TestClient(_app()).post("/audit", json=_body(real_data_url=location, holdout_data_url=None))
    assert answer.status_code == 403
    assert "non-public address" in _assert_problem(answer, "not-allowed")["detail"]
    assert no_network.attempts == []


def test_a_redirect_is_not_followed_and_its_body_not_read(api_env, monkeypatch):
    calls, reads = [], []

    class Redirect:
        status = 301

        def header(self, name):
            return "http://169.254.169.254/latest/meta-data/" if name == "Location" else None

        def chunks(self):
            reads.append(1)
            yield b"secret"

        def close(self):
            pass

    monkeypatch.setattr(fetch, "resolve_host", lambda host, port: [PUBLIC])
    monkeypatch.setattr(fetch, "https_open", lambda *args: calls.append(args) or Redirect())
    location = f"https://{INPUTS}.s3.amazonaws.com/demo/real.csv?{SIGNED}"
    answer = TestClient(_app()).post("/audit", json=_body(real_data_url=location))
    assert answer.status_code == 422
    assert "redirect" in _assert_problem(answer, "input-unavailable")["detail"]
    assert len(calls) == 1 and calls[0][0] == PUBLIC and reads == []
    assert list(api_env.work.iterdir()) == []


def _put(s3_server, key: str, body: bytes) -> str:
    s3_server.client.put_object(Bucket=INPUTS, Key=key, Body=body)
    return f"s3://{INPUTS}/{key}"


def test_bad_files_get_the_right_problem_and_leave_no_temp_folder(api_env, monkeypatch):
    s3 = api_env.s3
    csv = s3.frames["synthetic"].to_csv(index=False).encode()
    parquet = io.BytesIO()
    s3.frames["synthetic"].to_parquet(parquet, index=False)
    cases = [
        (_put(s3, "bad/empty.csv", b""), 422, "unreadable-file", "is empty"),
        (_put(s3, "bad/header.csv", b"a,b,c\n"), 422, "unreadable-file", "no rows"),
        (_put(s3, "bad/truncated.parquet", parquet.getvalue()[:2_000]), 422, "unreadable-file", "could not be read"),
        (_put(s3, "bad/truncated.csv.gz", gzip.compress(csv)[:1_000]), 422, "unreadable-file", "could not be read"),
        (_put(s3, "bad/ragged.csv", b"a,b\n1,2\n3,4,5\n"), 422, "unreadable-file", "a row has 3 fields"),
        (_put(s3, "bad/book.xlsx", b"PK\x03\x04" + bytes(200)), 422, "unreadable-file", "a ZIP archive"),
        (_put(s3, "bad/repeated.csv", b"a,b,a\n1,2,3\n"), 422, "unreadable-file", "repeated column names: 'a'"),
        (_put(s3, "bad/unnamed.csv", b"a,,c\n1,2,3\n"), 422, "unreadable-file", "columns without a name"),
        (_put(s3, "bad/missing-target.csv", csv.replace(b"outcome", b"result")), 422, "unknown-column", "'outcome'"),
        (f"s3://{INPUTS}/bad/absent.csv", 422, "input-unavailable", "does not exist"),
    ]
    client = TestClient(_app())
    for location, status, kind, words in cases:
        answer = client.post("/audit", json=_body(synthetic_data_url=location))
        assert answer.status_code == status, (location, answer.text)
        problem = _assert_problem(answer, kind)
        assert words in problem["detail"], (location, problem["detail"])
        assert list(api_env.work.iterdir()) == [], location

    answer = client.post("/audit", json=_body(secret_columns=["outcome", "salary"]))
    assert answer.status_code == 422, answer.text
    assert (
        "secret column(s) 'salary' not among the audit columns" in _assert_problem(answer, "unknown-column")["detail"]
    )
    assert list(api_env.work.iterdir()) == []

    answer = client.post("/audit", json=_body(link_columns=["salary"]))
    assert answer.status_code == 422, answer.text
    assert "link column(s) 'salary' not among" in _assert_problem(answer, "unknown-column")["detail"]

    monkeypatch.setenv("SYNTH_AUDIT_MAX_BYTES", "10000")
    answer = client.post("/audit", json=_body())
    assert answer.status_code == 413
    assert "cap of 10,000 bytes" in _assert_problem(answer, "too-large")["detail"]
    monkeypatch.setenv("SYNTH_AUDIT_MAX_BYTES", str(10**9))
    monkeypatch.setenv("SYNTH_AUDIT_MAX_ROWS", "1000")
    answer = client.post("/audit", json=_body(synthetic_data_url=f"s3://{INPUTS}/demo/synthetic-parquet.csv"))
    assert answer.status_code == 413
    assert "cap of 1,000 rows" in _assert_problem(answer, "too-large")["detail"]
    assert list(api_env.work.iterdir()) == []


def test_request_errors_do_not_echo_what_was_sent(api_env):
    client = TestClient(_app())
    answer = client.post("/audit", json={"synthetic_data_url": 5, "real_data_url": "s3://x/y?token=hunter2", "bad": 1})
    problem = _assert_problem(answer, "invalid-request", secret="hunter2")
    assert {e["field"] for e in problem["errors"]} == {"body.synthetic_data_url", "body.bad"}
    answer = client.post("/audit", content=b"{not json", headers={"content-type": "application/json"})
    _assert_problem(answer, "invalid-request")
    answer = client.post("/audit", json=_body(target_column="outcome", positive_label=None))
    assert "positive label" in _assert_problem(answer, "invalid-input")["detail"]


def test_local_mode_reads_the_data_folder_and_serves_the_pages(tmp_path, monkeypatch):
    data, results = tmp_path / "data", tmp_path / "results"
    data.mkdir()
    frames = demo_frames(seed=2)
    for role, frame in (("real", frames["real"].head(1_200)), ("synthetic", frames["good"].head(1_200))):
        frame.to_csv(data / f"{role}.csv", index=False)
    monkeypatch.setenv("SYNTH_AUDIT_LOCAL_DATA_DIR", str(data))
    monkeypatch.setenv("SYNTH_AUDIT_LOCAL_RESULTS_DIR", str(results))
    for key in ("SYNTH_AUDIT_RESULTS_BUCKET", "SYNTH_AUDIT_ALLOWED_BUCKETS", "SYNTH_AUDIT_WORK_DIR"):
        monkeypatch.delenv(key, raising=False)
    client = TestClient(_app())
    answer = client.post(
        "/audit", json={"synthetic_data_url": "synthetic.csv", "real_data_url": "real.csv", "bootstrap_replicates": 0}
    )
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["detailed_findings"]["fairness"]["risk_level"] is None  # no protected attributes asked
    page = client.get(report["data_docs_url"])
    assert page.status_code == 200 and "Fidelity, column shapes" in page.text
    assert (results / report["audit_id"] / "report.json").is_file()
    assert (results / report["audit_id"] / "report.html").is_file()
    for escape in ("../data/real.csv", "..%2Fdata%2Freal.csv"):
        assert client.get(f"/results/{escape}").status_code == 404
    outside = client.post("/audit", json={"synthetic_data_url": "../results", "real_data_url": "real.csv"})
    assert outside.status_code == 403
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/docs").status_code == 200


def test_fetch_cap_counts_bytes_as_they_arrive_not_the_declared_length(tmp_path):
    limits = fetch.FetchLimits(max_bytes=100)
    with pytest.raises(fetch.InputTooLarge, match="cap of 100 bytes"):
        fetch.write_capped(iter([b"x" * 60, b"x" * 60]), tmp_path / "f", "synthetic_data_url", limits, time.monotonic())


@pytest.mark.parametrize("event_file", ["api_gateway_rest_v1.json", "http_api_v2.json", "function_url.json"])
def test_lambda_problem_answers_are_plain_problem_json(api_env, event_file):
    answer = _invoke(event_file, _body(synthetic_data_url="file:///proc/self/environ"))
    assert answer["statusCode"] == 400 and answer["isBase64Encoded"] is False
    headers = {k.lower(): v for k, v in answer["headers"].items()}
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(answer["body"])["type"].endswith("problem/bad-location")


def test_docs_serve_swagger_ui_from_the_service_itself():
    from api import static_assets
    from api.main import app

    client = TestClient(app)
    page = client.get("/docs").text
    for outside in ("cdn.jsdelivr.net", "fastapi.tiangolo.com", "validator.swagger.io", "unpkg.com"):
        assert outside not in page
    for asset in (static_assets.SWAGGER_JS, static_assets.SWAGGER_CSS):
        assert f'"{static_assets.url(asset)}"' in page
        served = client.get(static_assets.url(asset))
        assert served.status_code == 200 and served.content == (static_assets.STATIC_DIR / asset.target).read_bytes()
    # Below an API Gateway stage the links carry the stage.
    staged = TestClient(app, root_path="/Prod").get("/docs").text
    assert '"/Prod/static/swagger-ui/swagger-ui-bundle.js"' in staged and "'/Prod/openapi.json'" in staged
    assert client.get("/redoc").status_code == 404  # not left to a CDN
    assert client.get("/static/../main.py").status_code == 404


def test_docs_open_offline_in_a_browser(chromium):
    """Served over real HTTP on 127.0.0.1, every host name unresolvable: Swagger UI draws the API."""
    import socket
    import threading

    import uvicorn

    from api.main import app

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        origin = f"http://127.0.0.1:{port}"
        loaded = load_offline(chromium, f"{origin}/docs")
    finally:
        server.should_exit = True
        thread.join(timeout=10)
    assert loaded.requests and all(url.startswith(origin + "/") for url in loaded.requests), loaded.requests
    assert 'class="swagger-ui' in loaded.dom and "/audits" in loaded.dom  # the operations are drawn


def test_synthetic_data_alone_is_audited_for_fairness_and_needs_protected_attributes(api_env):
    from auditing.roles import ALONE_NEEDS_FAIRNESS, HOLDOUT_NEEDS_REAL

    client = TestClient(_app())
    alone = {key: value for key, value in _body().items() if key not in ("real_data_url", "holdout_data_url")}
    answer = client.post("/audit", json=alone)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["module_scores"]["privacy"] is None and report["module_scores"]["fidelity"] is None
    assert report["module_scores"]["fairness"] is not None and set(report["inputs"]) == {"synthetic"}
    for body, message in (
        ({**alone, "protected_attributes": []}, ALONE_NEEDS_FAIRNESS),
        ({**alone, "holdout_data_url": _body()["holdout_data_url"]}, HOLDOUT_NEEDS_REAL),
    ):
        answer = client.post("/audit", json=body)
        assert answer.status_code == 422 and message in answer.text, answer.text
    assert list(api_env.work.iterdir()) == []
