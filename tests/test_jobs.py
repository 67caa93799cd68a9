"""Asynchronous audits: POST /audits, the SQS worker, retries and the dead-letter queue, the local pool.

AWS parts (S3, SQS, DynamoDB) are a moto server on 127.0.0.1 reached over HTTP; the worker
handler gets the SQS event built from the message that server delivers.
"""

from __future__ import annotations

import copy
import json
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import boto3
import pytest
from fastapi.testclient import TestClient

from auditing.demo import demo_frames

EVENTS = Path(__file__).parent / "events"
INPUTS, RESULTS, TABLE = "job-inputs", "job-results", "audit-jobs"
OWNER = "arn:aws:sts::123456789012:assumed-role/ci-auditor/ci-job"
CONTEXT = SimpleNamespace(function_name="synthetic-data-auditor", aws_request_id="test", memory_limit_in_mb=4096)


class Crash(BaseException):
    """The worker process dying mid-job (not an exception the handler could catch and record)."""


@pytest.fixture(scope="module")
def aws(moto_endpoint, adult_dir):
    s3 = boto3.client("s3", endpoint_url=moto_endpoint)
    for bucket in (INPUTS, RESULTS):
        s3.create_bucket(Bucket=bucket)
    for name in ("train", "holdout", "synthetic_biased"):
        s3.upload_file(str(adult_dir / f"{name}.csv"), INPUTS, f"adult/{name}.csv")
    small = demo_frames(seed=3)
    for role, frame in (("real", small["real"].head(600)), ("synthetic", small["good"].head(600))):
        s3.put_object(Bucket=INPUTS, Key=f"demo/{role}.csv", Body=frame.to_csv(index=False).encode())
    boto3.client("dynamodb", endpoint_url=moto_endpoint).create_table(
        TableName=TABLE,
        AttributeDefinitions=[{"AttributeName": "job_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "job_id", "KeyType": "HASH"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return SimpleNamespace(endpoint=moto_endpoint, s3=s3, sqs=boto3.client("sqs", endpoint_url=moto_endpoint))


@pytest.fixture
def queues(aws, request):
    """A fresh queue and dead-letter queue per test (two receives, then the dead-letter queue)."""
    name = f"jobs-{request.node.name[:40].replace('[', '-').replace(']', '')}-{time.monotonic_ns()}"
    dlq = aws.sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = aws.sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})
    queue = aws.sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "2", "RedrivePolicy": redrive})[
        "QueueUrl"
    ]
    return SimpleNamespace(queue=queue, dlq=dlq)


@pytest.fixture
def deployed(aws, queues, tmp_path, monkeypatch):
    settings = {
        "SYNTH_AUDIT_ALLOWED_BUCKETS": INPUTS,
        "SYNTH_AUDIT_RESULTS_BUCKET": RESULTS,
        "SYNTH_AUDIT_S3_ENDPOINT_URL": aws.endpoint,
        "SYNTH_AUDIT_AWS_ENDPOINT_URL": aws.endpoint,
        "SYNTH_AUDIT_JOBS_TABLE": TABLE,
        "SYNTH_AUDIT_JOBS_QUEUE_URL": queues.queue,
        "SYNTH_AUDIT_WORK_DIR": str(tmp_path / "work"),
        "SYNTH_AUDIT_JOB_LEASE_SECONDS": "1",
    }
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    for key in ("SYNTH_AUDIT_LOCAL_DATA_DIR", "SYNTH_AUDIT_LOCAL_RESULTS_DIR", "SYNTH_AUDIT_LOCAL_JOBS_DIR"):
        monkeypatch.delenv(key, raising=False)
    return SimpleNamespace(aws=aws, queues=queues, work=tmp_path / "work")


def _http(method: str, path: str, body: dict | None = None, owner: str = OWNER) -> tuple[int, dict]:
    """Call the API's Lambda handler with an HTTP API (v2) event from the caller ``owner``."""
    from api.main import handler

    event = json.loads((EVENTS / "http_api_v2.json").read_text())
    event["rawPath"] = event["requestContext"]["http"]["path"] = path
    event["requestContext"]["http"]["method"] = method
    event["requestContext"]["authorizer"]["iam"]["userArn"] = owner
    event["body"] = json.dumps(body) if body is not None else None
    answer = handler(event, CONTEXT)
    return answer["statusCode"], json.loads(answer["body"])


def _adult_request() -> dict:
    return {
        "synthetic_data_url": f"s3://{INPUTS}/adult/synthetic_biased.csv",
        "real_data_url": f"s3://{INPUTS}/adult/train.csv",
        "holdout_data_url": f"s3://{INPUTS}/adult/holdout.csv",
        "protected_attributes": ["sex", "race"],
        "target_column": "income",
        "positive_label": ">50K",
    }


def _small_request() -> dict:
    return {
        "synthetic_data_url": f"s3://{INPUTS}/demo/synthetic.csv",
        "real_data_url": f"s3://{INPUTS}/demo/real.csv",
        "bootstrap_replicates": 0,
    }


def _receive(sqs, queue: str) -> dict | None:
    """One message as the Lambda event source mapping would deliver it, as an SQS event."""
    answer = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1, AttributeNames=["All"], WaitTimeSeconds=1)
    messages = answer.get("Messages", [])
    if not messages:
        return None
    (message,) = messages
    event = json.loads((EVENTS / "sqs_event.json").read_text())
    record = event["Records"][0]
    record.update(messageId=message["MessageId"], receiptHandle=message["ReceiptHandle"], body=message["Body"])
    record["attributes"]["ApproximateReceiveCount"] = message["Attributes"]["ApproximateReceiveCount"]
    return event


def _work(event: dict) -> dict:
    from api.worker import handler

    return handler(copy.deepcopy(event), CONTEXT)


def _delete(deployed, event: dict) -> None:
    """What the event source mapping does after a batch without failures."""
    deployed.aws.sqs.delete_message(QueueUrl=deployed.queues.queue, ReceiptHandle=event["Records"][0]["receiptHandle"])


def test_adult_job_end_to_end_on_the_moto_server(deployed):
    status, accepted = _http("POST", "/audits", _adult_request())
    assert status == 202 and accepted["status"] == "queued"
    job = accepted["job_id"]
    assert _http("GET", f"/audits/{job}")[1]["status"] == "queued"
    event = _receive(deployed.aws.sqs, deployed.queues.queue)
    assert json.loads(event["Records"][0]["body"])["job_id"] == job
    assert _work(event) == {"batchItemFailures": []}
    _delete(deployed, event)
    status, answer = _http("GET", f"/audits/{job}")
    assert status == 200 and answer["status"] == "succeeded" and answer["attempts"] == 1
    report = answer["report"]
    assert answer["fingerprints"] == {role: entry["sha256"] for role, entry in report["inputs"].items()}
    assert answer["inputs"]["real"] == f"s3://{INPUTS}/adult/train.csv"
    assert report["detailed_findings"]["fairness"]["risk_level"] == "high"
    assert "amplification vs real sex +0.036" in report["detailed_findings"]["fairness"]["message"]
    with urllib.request.urlopen(report["data_docs_url"], timeout=30) as page:
        assert "Fairness, outcomes and bias amplification" in page.read().decode()
    time.sleep(1.1)  # a link signed a second later carries another date and signature
    again = _http("GET", f"/audits/{job}")[1]["report"]["data_docs_url"]
    assert again != report["data_docs_url"] and again.split("?")[0] == report["data_docs_url"].split("?")[0]
    assert _http("GET", f"/audits/{job}", owner="arn:aws:sts::123456789012:assumed-role/other/x")[0] == 404
    assert list(deployed.work.iterdir()) == []


def test_a_crashed_worker_is_retried_and_the_job_finishes_once(deployed, monkeypatch):
    import api.worker

    _, accepted = _http("POST", "/audits", _small_request())
    job = accepted["job_id"]
    real_execute, runs = api.worker.execute, []

    def crash(request, settings):
        raise Crash()

    monkeypatch.setattr(api.worker, "execute", crash)
    first = _receive(deployed.aws.sqs, deployed.queues.queue)
    with pytest.raises(Crash):
        _work(first)
    assert _http("GET", f"/audits/{job}")[1]["status"] == "running"

    def counted(request, settings):
        runs.append(1)
        return real_execute(request, settings)

    monkeypatch.setattr(api.worker, "execute", counted)
    time.sleep(2.5)  # the visibility timeout (2 s) and the dead attempt's lease (1 s) run out
    second = _receive(deployed.aws.sqs, deployed.queues.queue)
    assert second["Records"][0]["attributes"]["ApproximateReceiveCount"] == "2"
    assert _work(second) == {"batchItemFailures": []}
    finished = _http("GET", f"/audits/{job}")[1]
    assert finished["status"] == "succeeded" and finished["attempts"] == 2
    # A duplicate delivery of the finished job is dropped: no second run, the record unchanged.
    assert _work(second) == {"batchItemFailures": []}
    after = _http("GET", f"/audits/{job}")[1]
    # The answer differs only in the Data Docs link, which is signed afresh on every call.
    unsigned = [{**a, "report": {**a["report"], "data_docs_url": None}} for a in (finished, after)]
    assert runs == [1] and unsigned[0] == unsigned[1]


def test_after_two_failures_the_job_fails_with_its_cause_and_the_message_is_dead_lettered(deployed, monkeypatch):
    import api.worker

    def broken(request, settings):
        raise RuntimeError("boom with a data value 123-45-6789")

    monkeypatch.setattr(api.worker, "execute", broken)
    _, accepted = _http("POST", "/audits", _small_request())
    job = accepted["job_id"]
    sqs, queue = deployed.aws.sqs, deployed.queues.queue
    for attempt in (1, 2):
        event = _receive(sqs, queue)
        assert event is not None, attempt
        message_id = event["Records"][0]["messageId"]
        assert _work(event) == {"batchItemFailures": [{"itemIdentifier": message_id}]}
        record = _http("GET", f"/audits/{job}")[1]
        assert record["attempts"] == attempt
        assert record["status"] == ("queued" if attempt == 1 else "failed")
        sqs.change_message_visibility(
            QueueUrl=queue, ReceiptHandle=event["Records"][0]["receiptHandle"], VisibilityTimeout=0
        )
    assert _receive(sqs, queue) is None  # a third receive moves it to the dead-letter queue
    dead = sqs.receive_message(QueueUrl=deployed.queues.dlq, WaitTimeSeconds=1).get("Messages", [])
    assert [json.loads(m["Body"])["job_id"] for m in dead] == [job]
    problem = _http("GET", f"/audits/{job}")[1]["problem"]
    assert problem["type"].endswith("problem/internal-error") and problem["status"] == 500
    assert problem["detail"] == "the audit failed (RuntimeError) on each of 2 attempts"
    assert "123-45-6789" not in json.dumps(problem)


def test_a_bad_input_fails_the_job_at_once_with_its_problem(deployed):
    body = {**_small_request(), "protected_attributes": ["nationality"]}
    _, accepted = _http("POST", "/audits", body)
    event = _receive(deployed.aws.sqs, deployed.queues.queue)
    assert _work(event) == {"batchItemFailures": []}  # not retried: the caller must fix it
    answer = _http("GET", f"/audits/{accepted['job_id']}")[1]
    assert answer["status"] == "failed" and answer["attempts"] == 1
    assert (
        answer["problem"]["type"].endswith("problem/unknown-column") and "'nationality'" in answer["problem"]["detail"]
    )


def test_refused_locations_are_refused_at_submission_and_nothing_is_queued(deployed):
    status, problem = _http("POST", "/audits", {**_small_request(), "real_data_url": "s3://elsewhere/real.csv"})
    assert status == 403 and problem["type"].endswith("problem/not-allowed")
    assert _receive(deployed.aws.sqs, deployed.queues.queue) is None


@pytest.fixture
def local_jobs(tmp_path, monkeypatch):
    from api.jobs import shutdown_local_pool

    data = tmp_path / "data"
    data.mkdir()
    frames = demo_frames(seed=4)
    frames["real"].head(800).to_csv(data / "real.csv", index=False)
    frames["good"].head(800).to_csv(data / "synthetic.csv", index=False)
    settings = {
        "SYNTH_AUDIT_LOCAL_DATA_DIR": str(data),
        "SYNTH_AUDIT_LOCAL_RESULTS_DIR": str(tmp_path / "results"),
        "SYNTH_AUDIT_LOCAL_JOBS_DIR": str(tmp_path / "jobs"),
        "SYNTH_AUDIT_LOCAL_WORKERS": "2",
        "SYNTH_AUDIT_WORK_DIR": str(tmp_path / "work"),
    }
    for key, value in settings.items():
        monkeypatch.setenv(key, value)
    for key in ("SYNTH_AUDIT_RESULTS_BUCKET", "SYNTH_AUDIT_JOBS_TABLE", "SYNTH_AUDIT_JOBS_QUEUE_URL"):
        monkeypatch.delenv(key, raising=False)
    yield SimpleNamespace(data=data, work=tmp_path / "work", jobs=tmp_path / "jobs")
    shutdown_local_pool()


def _wait(client: TestClient, jobs: list[str], seconds: float) -> list[dict]:
    deadline = time.monotonic() + seconds
    while True:
        answers = [client.get(f"/audits/{job}").json() for job in jobs]
        if all(a["status"] in ("succeeded", "failed") for a in answers) or time.monotonic() > deadline:
            return answers
        time.sleep(0.5)


def test_twenty_local_jobs_finish_with_at_most_the_pool_running_at_once(local_jobs):
    from api.main import app

    client = TestClient(app)
    body = {"synthetic_data_url": "synthetic.csv", "real_data_url": "real.csv", "bootstrap_replicates": 0}
    jobs = [client.post("/audits", json={**body, "seed": seed}).json()["job_id"] for seed in range(20)]
    answers = _wait(client, jobs, 600)
    assert [a["status"] for a in answers] == ["succeeded"] * 20
    assert all(client.get(a["report"]["data_docs_url"]).status_code == 200 for a in answers[:3])
    records = [json.loads((local_jobs.jobs / f"{job}.json").read_text()) for job in jobs]
    assert len({r["worker"]["pid"] for r in records}) <= 2  # the pool's processes ran every job
    events = sorted([(r["started_at"], 1) for r in records] + [(r["finished_at"], -1) for r in records])
    running, most = 0, 0
    for _, change in events:
        running += change
        most = max(most, running)
    assert most <= 2  # so memory is bounded by two audits' worth
    peaks = [r["worker"]["peak_rss_kb"] for r in records]
    assert max(peaks) < 4 * 1024 * 1024  # each worker process stayed under 4 GiB
    assert list(local_jobs.work.iterdir()) == []


def test_adult_job_end_to_end_locally(local_jobs, adult_dir):
    from api.main import app

    for name in ("train", "holdout", "synthetic_biased"):
        (local_jobs.data / f"{name}.csv").write_bytes((adult_dir / f"{name}.csv").read_bytes())
    client = TestClient(app)
    body = {
        "synthetic_data_url": "synthetic_biased.csv",
        "real_data_url": "train.csv",
        "holdout_data_url": "holdout.csv",
        "protected_attributes": ["sex", "race"],
        "target_column": "income",
        "positive_label": ">50K",
    }
    accepted = client.post("/audits", json=body)
    assert accepted.status_code == 202 and accepted.headers["location"].endswith(accepted.json()["job_id"])
    (answer,) = _wait(client, [accepted.json()["job_id"]], 300)
    assert answer["status"] == "succeeded"
    assert answer["report"]["detailed_findings"]["fairness"]["risk_level"] == "high"
    assert "Fairness, outcomes and bias amplification" in client.get(answer["report"]["data_docs_url"]).text


def test_audit_points_inputs_too_large_for_one_request_to_audits(local_jobs, monkeypatch):
    from api.main import app

    monkeypatch.setenv("SYNTH_AUDIT_SYNC_MAX_BYTES", "2000")
    answer = TestClient(app).post("/audit", json={"synthetic_data_url": "synthetic.csv", "real_data_url": "real.csv"})
    assert answer.status_code == 413
    assert "POST /audits audits inputs up to" in answer.json()["detail"]


def test_without_job_settings_audits_answer_503(tmp_path, monkeypatch):
    from api.main import app

    for key in ("SYNTH_AUDIT_LOCAL_JOBS_DIR", "SYNTH_AUDIT_JOBS_TABLE", "SYNTH_AUDIT_JOBS_QUEUE_URL"):
        monkeypatch.delenv(key, raising=False)
    answer = TestClient(app).post("/audits", json={"synthetic_data_url": "a.csv", "real_data_url": "b.csv"})
    assert answer.status_code == 503 and answer.json()["type"].endswith("problem/not-configured")


def test_the_queue_poller_runs_jobs_outside_lambda(deployed):
    from api.worker import poll

    jobs = [_http("POST", "/audits", {**_small_request(), "seed": seed})[1]["job_id"] for seed in (1, 2)]
    assert poll(until_empty=True) == 2
    assert [_http("GET", f"/audits/{job}")[1]["status"] for job in jobs] == ["succeeded", "succeeded"]
    assert _receive(deployed.aws.sqs, deployed.queues.queue) is None  # deleted after success
