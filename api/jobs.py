"""Asynchronous audits behind ``POST /audits``: where jobs are recorded, queued and run.

Deployed, a job is a DynamoDB record plus an SQS message carrying the request (the queue is
encrypted; the record never holds a pre-signed URL) and the worker Lambda (``api.worker``)
runs it. Locally, records live in a folder and a pool of worker processes on this machine runs
the jobs, so at most ``SYNTH_AUDIT_LOCAL_WORKERS`` audits hold memory at once.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import threading
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from api.models import AuditRequest
from api.settings import Settings
from auditing.jobs import DynamoJobStore, JobResult, JobStore, LocalJobStore, run_job
from auditing.service import audit_locations, vet_locations

_POOL: ProcessPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def aws_client(service: str, settings: Settings) -> Any:
    import boto3

    return boto3.client(service, endpoint_url=settings.aws_endpoint_url)


def job_store(settings: Settings) -> JobStore | None:
    """The store of this deployment's job records; None when asynchronous audits are off."""
    if settings.jobs_on_aws:
        import boto3

        table = boto3.resource("dynamodb", endpoint_url=settings.aws_endpoint_url).Table(settings.jobs_table)
        return DynamoJobStore(table)
    if settings.local_jobs_dir is not None:
        return LocalJobStore(settings.local_jobs_dir)
    return None


def execute(request: dict[str, Any], settings: Settings) -> JobResult:
    """Run the audit a job's request asks for and publish its results."""
    body = AuditRequest.model_validate(request)
    locations = vet_locations(body.locations(), settings.policy)
    done = audit_locations(
        locations,
        body.parameters(),
        settings.policy,
        settings.results_target,
        work_dir=settings.work_dir,
        dialect=body.dialect(),
    )
    published = done.published
    return JobResult(
        done.report["audit_id"],
        published.report_location if published else None,
        published.page_key if published else None,
        {role: entry["sha256"] for role, entry in done.report["inputs"].items()},
    )


def worker_info() -> dict[str, int]:
    """This process's id and peak resident memory (kB), kept in the job record."""
    return {"pid": os.getpid(), "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


def run_local_job(job_id: str, request: dict[str, Any], settings: Settings) -> str:
    """One job in a local worker process; a passing failure is retried here, up to the attempts."""
    store = LocalJobStore(settings.local_jobs_dir)  # type: ignore[arg-type]
    end = "retry"
    while end == "retry":
        end = run_job(
            store,
            job_id,
            lambda: execute(request, settings),
            lease_seconds=settings.job_lease_seconds,
            max_attempts=settings.job_max_attempts,
            worker=worker_info,
        )
    return end


def local_pool(settings: Settings) -> ProcessPoolExecutor:
    """The worker processes (spawned: a fork of a threaded server could copy a held lock)."""
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ProcessPoolExecutor(
                max_workers=settings.local_workers, mp_context=multiprocessing.get_context("spawn")
            )
        return _POOL


def shutdown_local_pool() -> None:
    global _POOL
    with _POOL_LOCK:
        if _POOL is not None:
            _POOL.shutdown(wait=True)
            _POOL = None


def enqueue(job_id: str, request: dict[str, Any], settings: Settings) -> None:
    if settings.jobs_on_aws:
        message = json.dumps({"job_id": job_id, "request": request})
        aws_client("sqs", settings).send_message(QueueUrl=settings.jobs_queue_url, MessageBody=message)
    else:
        local_pool(settings).submit(run_local_job, job_id, request, settings)
