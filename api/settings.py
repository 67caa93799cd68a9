"""The API's settings, from environment variables (documented in the README's configuration table)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from auditing.fetch import FetchLimits, InputPolicy
from auditing.service import ResultsTarget

PREFIX = "SYNTH_AUDIT_"


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(PREFIX + name)
    return value if value not in (None, "") else default


def _number(name: str, default: float) -> float:
    text = _env(name)
    try:
        return float(text) if text is not None else default
    except ValueError:
        raise RuntimeError(f"setting {PREFIX}{name} must be a number") from None


@dataclass(frozen=True)
class Settings:
    """Where inputs may come from, where results go, and the caps on one request."""

    policy: InputPolicy
    results_bucket: str | None
    results_prefix: str
    local_results_dir: Path | None
    work_dir: Path | None
    link_seconds: int
    sync_max_bytes: int = 50 * 1024 * 1024
    jobs_table: str | None = None
    jobs_queue_url: str | None = None
    aws_endpoint_url: str | None = None
    local_jobs_dir: Path | None = None
    local_workers: int = 2
    job_lease_seconds: float = 900.0
    job_max_attempts: int = 2

    @property
    def jobs_on_aws(self) -> bool:
        return bool(self.jobs_table and self.jobs_queue_url)

    @property
    def results_target(self) -> ResultsTarget:
        return ResultsTarget(self.results_bucket, self.results_prefix, self.local_results_dir)

    @classmethod
    def from_env(cls) -> Settings:
        buckets = frozenset(b.strip() for b in (_env("ALLOWED_BUCKETS", "") or "").split(",") if b.strip())
        data_dir = _env("LOCAL_DATA_DIR")
        results_dir = _env("LOCAL_RESULTS_DIR")
        work_dir = _env("WORK_DIR")
        limits = FetchLimits(
            max_bytes=int(_number("MAX_BYTES", FetchLimits.max_bytes)),
            max_rows=int(_number("MAX_ROWS", FetchLimits.max_rows)),
            max_columns=int(_number("MAX_COLUMNS", FetchLimits.max_columns)),
            connect_timeout=_number("CONNECT_TIMEOUT", FetchLimits.connect_timeout),
            read_timeout=_number("READ_TIMEOUT", FetchLimits.read_timeout),
            deadline=_number("FETCH_DEADLINE", FetchLimits.deadline),
        )
        return cls(
            policy=InputPolicy(
                allowed_buckets=buckets,
                local_data_dir=Path(data_dir) if data_dir else None,
                s3_endpoint_url=_env("S3_ENDPOINT_URL"),
                limits=limits,
            ),
            results_bucket=_env("RESULTS_BUCKET"),
            results_prefix=_env("RESULTS_PREFIX", "audits/") or "audits/",
            local_results_dir=Path(results_dir) if results_dir else None,
            work_dir=Path(work_dir) if work_dir else None,
            link_seconds=int(_number("LINK_SECONDS", 900)),
            sync_max_bytes=int(_number("SYNC_MAX_BYTES", 50 * 1024 * 1024)),
            jobs_table=_env("JOBS_TABLE"),
            jobs_queue_url=_env("JOBS_QUEUE_URL"),
            aws_endpoint_url=_env("AWS_ENDPOINT_URL"),
            local_jobs_dir=Path(jobs_dir) if (jobs_dir := _env("LOCAL_JOBS_DIR")) else None,
            local_workers=max(1, int(_number("LOCAL_WORKERS", 2))),
            job_lease_seconds=_number("JOB_LEASE_SECONDS", 900.0),
            job_max_attempts=max(1, int(_number("JOB_MAX_ATTEMPTS", 2))),
        )
