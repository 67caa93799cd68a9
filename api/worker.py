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
