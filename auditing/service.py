"""One audit of remote or local inputs, as a service runs it (the API's /audit and the job worker).

Vet every location first, fetch each into a per-request temp folder, read it with the caps, run
the engine, publish Data Docs and the report, and remove the temp folder on every exit (a warm
Lambda container must not keep one caller's data for the next).
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditing.engine import run_audit
from auditing.fetch import InputPolicy, Location, S3Location, check_location, fetch_input, s3_client_for
from auditing.io import FROM_FILE, CsvDialect, read_table
from auditing.parameters import AuditParameters
from auditing.results import Published, publish_locally, publish_to_s3

#: GX data contexts are not safe to run concurrently in one process (DESIGN §6); Lambda runs one
#: request per container anyway, a local server's thread pool could run several.
AUDIT_LOCK = threading.Lock()


@dataclass(frozen=True)
class ResultsTarget:
    """Where results go: a bucket and key prefix, or a local folder (neither: not kept)."""

    bucket: str | None = None
    prefix: str = "audits/"
    local_dir: Path | None = None


@dataclass(frozen=True)
class ServiceAudit:
    report: dict[str, Any]
    published: Published | None


def vet_locations(urls: dict[str, str], policy: InputPolicy) -> dict[str, Location]:
    """Every location checked before any is fetched: a refused one costs no download."""
    return {role: check_location(url, role, policy) for role, url in urls.items()}


def audit_locations(
    locations: dict[str, Location],
    parameters: AuditParameters,
    policy: InputPolicy,
    target: ResultsTarget,
    *,
    work_dir: Path | None = None,
    s3_client: Any = None,
    dialect: CsvDialect = FROM_FILE,
) -> ServiceAudit:
    """Fetch, read (CSV files with ``dialect``), audit and publish; the report's ``data_docs_url`` is
    where the page was stored."""
    if work_dir is not None:
        work_dir.mkdir(parents=True, exist_ok=True)
    reads_s3 = any(isinstance(location, S3Location) for location in locations.values())
    client = s3_client or (s3_client_for(policy) if target.bucket or reads_s3 else None)
    with tempfile.TemporaryDirectory(prefix="synth-audit-", dir=work_dir) as work:
        folder = Path(work)
        tables = {}
        for role, location in locations.items():
            path = fetch_input(location, role, folder, policy, s3_client=client)
            tables[role] = read_table(
                path,
                role,
                display=location.display(),
                max_rows=policy.limits.max_rows,
                max_columns=policy.limits.max_columns,
                dialect=dialect,
            )
        with AUDIT_LOCK:
            outcome = run_audit(
                tables.get("real"),
                tables["synthetic"],
                tables.get("holdout"),
                out_dir=folder / "out",
                parameters=parameters,
            )
        published = None
        if target.bucket:
            published = publish_to_s3(outcome, client, target.bucket, target.prefix)
        elif target.local_dir is not None:
            published = publish_locally(outcome, target.local_dir)
        report = {**outcome.to_dict(), "data_docs_url": published.page_location if published else None}
    return ServiceAudit(report, published)
