"""The SAM template: cfn-lint and `sam validate --lint` clean, and the security settings DESIGN §7 asks for."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from cfnlint.decode import decode

from tests.conftest import require

TEMPLATE = Path(__file__).resolve().parents[1] / "template.yaml"


@pytest.fixture(scope="module")
def template() -> dict:
    decoded, errors = decode(str(TEMPLATE))
    assert not errors
    return decoded


def test_cfn_lint_is_clean():
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    completed = subprocess.run([str(cfn_lint), str(TEMPLATE)], capture_output=True, text=True, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_sam_validate_lint_passes(tmp_path):
    sam = os.environ.get("SYNTH_AUDIT_SAM") or shutil.which("sam")
    require(sam is not None, "the SAM CLI is not installed (.ci/run installs it; set SYNTH_AUDIT_SAM)")
    completed = subprocess.run(
        [str(sam), "validate", "--lint", "--region", "us-east-1", "--template-file", str(TEMPLATE)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "SAM_CLI_TELEMETRY": "0", "HOME": str(tmp_path)},
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "is a valid SAM Template" in completed.stdout + completed.stderr


def test_api_requires_iam_authentication(template):
    auth = template["Resources"]["Api"]["Properties"]["Auth"]
    assert auth["DefaultAuthorizer"] == "AWS_IAM" and auth["EnableIamAuthorizer"] is True


def test_results_bucket_is_private_encrypted_expiring_and_tls_only(template):
    bucket = template["Resources"]["ResultsBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values()) and len(bucket["PublicAccessBlockConfiguration"]) == 4
    assert bucket["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "BucketOwnerEnforced"
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert any("ExpirationInDays" in rule for rule in bucket["LifecycleConfiguration"]["Rules"])
    (statement,) = template["Resources"]["ResultsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Effect"] == "Deny" and statement["Condition"]["Bool"]["aws:SecureTransport"] == "false"


def test_function_role_reads_only_input_objects_and_writes_only_the_results_prefix(template):
    function = template["Resources"]["AuditFunction"]["Properties"]
    (policy,) = function["Policies"]
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert set(statements) == {"ReadInputs", "WriteResults", "JobRecords", "QueueJobs"}
    assert statements["ReadInputs"]["Action"] == "s3:GetObject"
    assert sorted(statements["JobRecords"]["Action"]) == ["dynamodb:GetItem", "dynamodb:PutItem"]
    assert statements["QueueJobs"]["Action"] == "sqs:SendMessage"
    assert sorted(statements["WriteResults"]["Action"]) == ["s3:GetObject", "s3:PutObject"]
    assert statements["WriteResults"]["Resource"] == {"Fn::Sub": "${ResultsBucket.Arn}/audits/*"}
    assert function["PackageType"] == "Image" and function["ImageConfig"]["Command"] == ["api.main.handler"]
    assert function["Environment"]["Variables"]["SYNTH_AUDIT_RESULTS_PREFIX"] == "audits/"


def test_worker_takes_one_job_at_a_time_and_dead_letters_after_two_failures(template):
    resources = template["Resources"]
    worker = resources["WorkerFunction"]["Properties"]
    assert worker["ImageConfig"]["Command"] == ["api.worker.handler"]
    jobs = worker["Events"]["Jobs"]["Properties"]
    assert jobs["BatchSize"] == 1 and jobs["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    queue = resources["JobsQueue"]["Properties"]
    assert queue["VisibilityTimeout"] >= 6 * worker["Timeout"]
    assert queue["RedrivePolicy"]["maxReceiveCount"] == 2 and queue["SqsManagedSseEnabled"] is True
    assert worker["Environment"]["Variables"]["SYNTH_AUDIT_JOB_LEASE_SECONDS"] == str(worker["Timeout"])
    (policy,) = worker["Policies"]
    actions = {s["Sid"]: s["Action"] for s in policy["Statement"]}
    assert sorted(actions["JobRecords"]) == ["dynamodb:GetItem", "dynamodb:UpdateItem"]  # never creates or deletes
    assert actions["WriteResults"] == "s3:PutObject"
    table = resources["JobsTable"]["Properties"]
    assert table["SSESpecification"]["SSEEnabled"] and table["TimeToLiveSpecification"]["AttributeName"] == "expires_at"
