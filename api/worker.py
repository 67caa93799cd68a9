"""The job worker Lambda: ``api.worker.handler`` takes audit jobs from the SQS queue.

Batch size 1; the queue's visibility timeout is longer than this function's timeout, and a
message moves to the dead-letter queue after two failed receives. A job that fails for a passing
reason is reported as a batch item failure, so SQS delivers it again; on its last attempt it is
recorded as ``failed`` with its cause and the message goes on to the dead-letter queue. A
delivery of a job that is finished, or held by a live attempt, is dropped.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from api.jobs import execute, job_store, worker_info
from api.settings import Settings
from auditing.jobs import run_job

logger = logging.getLogger("synth_audit.worker")
logger.setLevel(logging.INFO)


def handler(event: dict[str, Any], context: Any) -> dict[str, list[dict[str, str]]]:
    settings = Settings.from_env()
    store = job_store(settings)
    if store is None:
        raise RuntimeError("the worker needs SYNTH_AUDIT_JOBS_TABLE and SYNTH_AUDIT_JOBS_QUEUE_URL")
    failures = []
    for record in event.get("Records", []):
        try:
            message = json.loads(record["body"])
            job_id, request = str(message["job_id"]), dict(message["request"])
        except (KeyError, TypeError, ValueError):
            # Not one of ours: nothing can be recorded for it; retrying would not help.
            logger.error("dropped a malformed message")
            continue
        end = run_job(
            store,
            job_id,
            lambda request=request: execute(request, settings),
            lease_seconds=settings.job_lease_seconds,
            max_attempts=settings.job_max_attempts,
            worker=worker_info,
        )
        logger.info("job %s: %s", job_id, end)
        if end in ("retry", "gave_up"):
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}


def sqs_event(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """The SQS event Lambda's event source mapping would build for one received message."""
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": message.get("Attributes", {}),
                "messageAttributes": {},
                "md5OfBody": message.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": queue_arn.split(":")[3] if queue_arn.count(":") >= 5 else "",
            }
        ]
    }


def poll(until_empty: bool = False) -> int:
    """Run the worker outside Lambda: take messages from the queue and hand each to ``handler``.

    Does what the event source mapping does (delete a message after a batch without failures,
    leave it for redelivery otherwise), for a moto server or a container worker. Returns the
    number of messages handled.
    """
    from api.jobs import aws_client

    settings = Settings.from_env()
    sqs = aws_client("sqs", settings)
    queue = settings.jobs_queue_url
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    handled = 0
    while True:
        answer = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1, AttributeNames=["All"], WaitTimeSeconds=2)
        messages = answer.get("Messages", [])
        if not messages:
            if until_empty:
                return handled
            continue
        (message,) = messages
        outcome = handler(sqs_event(message, arn), None)
        if not outcome["batchItemFailures"]:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
        handled += 1


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Run the audit job worker against the SQS queue.")
    parser.add_argument("--until-empty", action="store_true", help="stop when the queue has no message")
    print(f"handled {poll(parser.parse_args().until_empty)} message(s)")
