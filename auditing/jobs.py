"""Asynchronous audit jobs: their records, and the rules by which a worker runs one.

A job record moves ``queued → running → succeeded | failed``; a worker whose attempt failed for
a passing reason moves it back to ``queued`` for the retry. Every change is conditional on the
record's current status and attempt number, so a retried or duplicated delivery can neither
move a finished job backwards nor run a job twice at once: a second worker can take a
``running`` job over only when the first one's lease has run out (it crashed).

Two stores keep the records: DynamoDB (deployed; conditional writes are its native operation,
items expire through its TTL) and a local folder (local mode; a file lock serialises changes).
Records hold ids, statuses, times, input locations without query strings, where the report is,
and an error's kind and message: never data and never a pre-signed URL's signature.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

from auditing.errors import InputError

QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
FINISHED = (SUCCEEDED, FAILED)
#: Days a job record is kept (DynamoDB TTL; the local store keeps them until removed).
RECORD_DAYS = 30


def now_ms() -> int:
    return int(time.time() * 1000)


def new_job_id() -> str:
    return uuid.uuid4().hex


@dataclass(frozen=True)
class JobRecord:
    job_id: str
    owner: str
    status: str = QUEUED
    created_at: int = field(default_factory=now_ms)
    updated_at: int = field(default_factory=now_ms)
    attempts: int = 0
    lease_until: int | None = None
    started_at: int | None = None
    finished_at: int | None = None
    inputs: dict[str, str] = field(default_factory=dict)  # role -> location shown (no query string)
    fingerprints: dict[str, str] | None = None  # role -> sha256 of the input as read
    audit_id: str | None = None
    report_location: str | None = None
    page_key: str | None = None
    error: dict[str, str] | None = None  # {"kind": ..., "detail": ...}
    worker: dict[str, int] | None = None  # pid and peak memory of the process that ran it
    expires_at: int = field(default_factory=lambda: int(time.time()) + RECORD_DAYS * 86_400)

    def to_item(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> JobRecord:
        return cls(**{k: _plain(v) for k, v in item.items() if k in cls.__dataclass_fields__})


def _plain(value: Any) -> Any:
    """DynamoDB answers numbers as Decimal; records hold ints."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


class JobStore(Protocol):
    def create(self, record: JobRecord) -> None: ...

    def get(self, job_id: str) -> JobRecord | None: ...

    def claim(self, job_id: str, lease_seconds: float) -> JobRecord | None:
        """Start an attempt: ``queued``, or ``running`` with a lapsed lease, becomes ``running``
        with one more attempt; ``None`` when the job is finished or another attempt holds it."""
        ...

    def finish(self, job_id: str, attempt: int, changes: dict[str, Any]) -> bool:
        """Apply ``changes`` (a new status and its fields) if the job is still ``running`` in ``attempt``."""
        ...


class LocalJobStore:
    """Job records as JSON files in a folder; one lock file serialises every change."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    def _path(self, job_id: str) -> Path:
        if not job_id.isalnum():
            raise KeyError(job_id)
        return self.folder / f"{job_id}.json"

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with (self.folder / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _write(self, record: JobRecord) -> None:
        path = self._path(record.job_id)
        staged = path.with_suffix(".tmp")
        staged.write_text(json.dumps(record.to_item()))
        os.replace(staged, path)  # readers see the old or the new record, never half of one

    def create(self, record: JobRecord) -> None:
        with self._locked():
            if self._path(record.job_id).exists():
                raise ValueError(f"job {record.job_id} exists")
            self._write(record)

    def get(self, job_id: str) -> JobRecord | None:
        try:
            return JobRecord.from_item(json.loads(self._path(job_id).read_text()))
        except (KeyError, FileNotFoundError):
            return None

    def claim(self, job_id: str, lease_seconds: float) -> JobRecord | None:
        with self._locked():
            record = self.get(job_id)
            if record is None or not _claimable(record, now_ms()):
                return None
            claimed = _claimed(record, lease_seconds)
            self._write(claimed)
            return claimed

    def finish(self, job_id: str, attempt: int, changes: dict[str, Any]) -> bool:
        with self._locked():
            record = self.get(job_id)
            if record is None or record.status != RUNNING or record.attempts != attempt:
                return False
            self._write(replace(record, updated_at=now_ms(), **changes))
            return True


def _claimable(record: JobRecord, now: int) -> bool:
    return record.status == QUEUED or (record.status == RUNNING and (record.lease_until or 0) < now)


def _claimed(record: JobRecord, lease_seconds: float) -> JobRecord:
    now = now_ms()
    return replace(
        record,
        status=RUNNING,
        attempts=record.attempts + 1,
        lease_until=now + int(lease_seconds * 1000),
        started_at=now,
        updated_at=now,
    )


class DynamoJobStore:
    """Job records in a DynamoDB table keyed by ``job_id``; every change is a conditional write."""

    def __init__(self, table: Any) -> None:
        self.table = table  # a boto3 ``dynamodb.Table``

    def create(self, record: JobRecord) -> None:
        self.table.put_item(Item=record.to_item(), ConditionExpression="attribute_not_exists(job_id)")

    def get(self, job_id: str) -> JobRecord | None:
        item = self.table.get_item(Key={"job_id": job_id}, ConsistentRead=True).get("Item")
        return JobRecord.from_item(item) if item else None

    def claim(self, job_id: str, lease_seconds: float) -> JobRecord | None:
        from botocore.exceptions import ClientError

        now = now_ms()
        lease = now + int(lease_seconds * 1000)
        try:
            answer = self.table.update_item(
                Key={"job_id": job_id},
                UpdateExpression=(
                    "SET #s = :running, attempts = attempts + :one, lease_until = :lease, "
                    "started_at = :now, updated_at = :now"
                ),
                ConditionExpression="#s = :queued OR (#s = :running AND lease_until < :now)",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues={
                    ":running": RUNNING,
                    ":queued": QUEUED,
                    ":one": 1,
                    ":lease": lease,
                    ":now": now,
                },
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return None
            raise
        return JobRecord.from_item(answer["Attributes"])

    def finish(self, job_id: str, attempt: int, changes: dict[str, Any]) -> bool:
        from botocore.exceptions import ClientError

        values = {**changes, "updated_at": now_ms()}
        names = {f"#f{i}": name for i, name in enumerate(values)}
        # A None clears the attribute (DynamoDB stores no nulls in these records).
        removals = [f"#f{i}" for i, v in enumerate(values.values()) if v is None]
        setters = ", ".join(f"#f{i} = :v{i}" for i, v in enumerate(values.values()) if v is not None)
        expression = f"SET {setters}" + (f" REMOVE {', '.join(removals)}" if removals else "")
        try:
            self.table.update_item(
                Key={"job_id": job_id},
                UpdateExpression=expression,
                ConditionExpression="#status = :running AND attempts = :attempt",
                ExpressionAttributeNames={**names, "#status": "status"},
                ExpressionAttributeValues={
                    **{f":v{i}": v for i, v in enumerate(values.values()) if v is not None},
                    ":running": RUNNING,
                    ":attempt": attempt,
                },
            )
        except ClientError as error:
            if error.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True


@dataclass(frozen=True)
class JobResult:
    """What an audit job produced, for its record."""

    audit_id: str
    report_location: str | None
    page_key: str | None
    fingerprints: dict[str, str] = field(default_factory=dict)


#: How a run ended: ``done`` (succeeded or failed for good), ``skipped`` (finished or held by
#: another attempt), ``retry`` (failed for a passing reason; deliver again), ``gave_up`` (failed
#: on its last attempt; recorded as failed, the message goes to the dead-letter queue).
RunEnd = str


def run_job(
    store: JobStore,
    job_id: str,
    execute: Callable[[], JobResult],
    *,
    lease_seconds: float,
    max_attempts: int,
    worker: Callable[[], dict[str, int]] = lambda: {},
) -> RunEnd:
    """Run one delivery of a job under the record's rules (see the module docstring).

    An ``InputError`` is the caller's to fix, so the job fails at once with its kind and
    message; any other exception is retried until ``max_attempts``, then recorded by type only
    (its message could quote data).
    """
    record = store.claim(job_id, lease_seconds)
    if record is None:
        return "skipped"
    attempt = record.attempts
    try:
        result = execute()
    except InputError as error:
        store.finish(job_id, attempt, _failed({"kind": error.kind, "detail": str(error)}, worker()))
        return "done"
    except Exception as error:  # noqa: BLE001 - every other failure is retried, then recorded
        if attempt >= max_attempts:
            detail = f"the audit failed ({type(error).__name__}) on each of {attempt} attempts"
            store.finish(job_id, attempt, _failed({"kind": "internal-error", "detail": detail}, worker()))
            return "gave_up"
        store.finish(job_id, attempt, {"status": QUEUED, "lease_until": None})
        return "retry"
    store.finish(
        job_id,
        attempt,
        {
            "status": SUCCEEDED,
            "finished_at": now_ms(),
            "lease_until": None,
            "audit_id": result.audit_id,
            "report_location": result.report_location,
            "page_key": result.page_key,
            "fingerprints": result.fingerprints or None,
            "worker": worker() or None,
        },
    )
    return "done"


def _failed(error: dict[str, str], worker: dict[str, int]) -> dict[str, Any]:
    return {"status": FAILED, "finished_at": now_ms(), "lease_until": None, "error": error, "worker": worker or None}
