"""Publishing an audit's Data Docs and report: to the results bucket, or to a local folder.

GX 1.x has no S3 store for Data Docs (``reference/aws.md`` §3), so the site is built under the
request's temp folder and uploaded here. A pre-signed link signs one object, and the GX pages
link relatively to the rest of the site, so the link points at the validation page itself.
"""

from __future__ import annotations

import json
import mimetypes
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from auditing.audit_report import AuditReport

#: Seconds a Data Docs link stays valid.
LINK_SECONDS = 900


@dataclass(frozen=True)
class Published:
    """Where an audit's results went: the page's location and, for S3, its object key."""

    page_key: str  # the validation page: its S3 key, or its path below the local results folder
    page_location: str  # s3://bucket/key of the page, or its local path
    report_location: str  # s3://bucket/key or a local path of report.json


def _site_files(outcome: AuditReport) -> tuple[Path, list[Path]]:
    """The Data Docs site and the one-file ``report.html``, below the audit's output folder."""
    out = outcome.report_path.parent
    single = [outcome.report_html] if outcome.report_html else []
    return out, sorted([*(p for p in (out / "data_docs").rglob("*") if p.is_file()), *single])


def _page_key(outcome: AuditReport) -> str:
    if outcome.data_docs_page is None:
        raise RuntimeError("the checkpoint built no Data Docs validation page")
    return outcome.data_docs_page.relative_to(outcome.report_path.parent).as_posix()


def publish_to_s3(outcome: AuditReport, client: Any, bucket: str, prefix: str) -> Published:
    """Upload the Data Docs site, ``report.html`` and the report under ``prefix/<audit id>/`` (SSE-encrypted)."""
    out, files = _site_files(outcome)
    folder = f"{prefix.strip('/')}/{outcome.audit_id}".lstrip("/")
    page_key = _page_key(outcome)
    for path in files:
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        client.put_object(
            Bucket=bucket,
            Key=f"{folder}/{path.relative_to(out).as_posix()}",
            Body=path.read_bytes(),
            ContentType=content_type,
            ServerSideEncryption="AES256",
        )
    stored = {**outcome.to_dict(), "data_docs_url": f"s3://{bucket}/{folder}/{page_key}"}
    client.put_object(
        Bucket=bucket,
        Key=f"{folder}/report.json",
        Body=json.dumps(stored, indent=2, allow_nan=False).encode(),
        ContentType="application/json",
        ServerSideEncryption="AES256",
    )
    return Published(
        f"{folder}/{page_key}", f"s3://{bucket}/{folder}/{page_key}", f"s3://{bucket}/{folder}/report.json"
    )


def presigned_link(client: Any, bucket: str, key: str, seconds: int = LINK_SECONDS) -> str:
    """A GET link to one object, valid for ``seconds``."""
    return client.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=seconds)


def publish_locally(outcome: AuditReport, results_dir: Path) -> Published:
    """Copy the Data Docs site, ``report.html`` and the report to ``results_dir/<audit id>/`` (local mode)."""
    out, files = _site_files(outcome)
    folder = results_dir / outcome.audit_id
    if folder.exists():
        shutil.rmtree(folder)
    for path in files:
        target = folder / path.relative_to(out)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    page_key = _page_key(outcome)
    stored = {**outcome.to_dict(), "data_docs_url": f"{outcome.audit_id}/{page_key}"}
    (folder / "report.json").write_text(json.dumps(stored, indent=2, allow_nan=False) + "\n")
    return Published(f"{outcome.audit_id}/{page_key}", str(folder / page_key), str(folder / "report.json"))
