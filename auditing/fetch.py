"""Fetching the API's inputs (DESIGN §7, ``reference/aws.md`` §3): only what a deployment allows.

Three kinds of location are accepted, each checked before anything is contacted:

- ``s3://bucket/key`` of an allow-listed bucket, read with boto3 under the function's role;
- a pre-signed S3 HTTPS URL (SigV4 query) whose host is an S3 endpoint naming an allow-listed
  bucket, fetched from a vetted public address: every address the host resolves to must be
  global, the connection goes to that address with the hostname for TLS (no second lookup
  an attacker could rebind), no redirects, connect/read timeouts and an overall deadline;
- in local mode only, a path inside the configured data folder.

Every download streams into a per-request folder with a byte cap checked as bytes arrive (a
``Content-Length`` is checked first but never trusted); the format is then detected from the
content by ``auditing.io.read_table``. No user string ever reaches pandas, fsspec or GX, and no
message carries a URL's query string (it is a bearer token).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlsplit

from auditing.errors import BadLocation, InputTooLarge, InputUnavailable, LocationNotAllowed

_BUCKET = r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]"
_REGION = r"(?:[.-](?:dualstack\.)?[a-z]{2}(?:-gov)?-[a-z]+-\d)?"
#: ``bucket.s3.amazonaws.com``, ``bucket.s3.eu-west-1.amazonaws.com``, ``bucket.s3-eu-west-1...``
VIRTUAL_HOSTED = re.compile(rf"^(?P<bucket>{_BUCKET})\.s3{_REGION}\.amazonaws\.com$")
#: ``s3.amazonaws.com/bucket/key``, ``s3.eu-west-1.amazonaws.com/bucket/key``
PATH_STYLE = re.compile(rf"^s3{_REGION}\.amazonaws\.com$")
BUCKET_NAME = re.compile(rf"^{_BUCKET}$")
SIGNED_QUERY = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-Expires")
CHUNK = 1 << 16


@dataclass(frozen=True)
class FetchLimits:
    """Caps on one input and on the time spent fetching it (settings of the API)."""

    max_bytes: int = 200 * 1024 * 1024
    max_rows: int = 2_000_000
    max_columns: int = 500
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    deadline: float = 120.0


@dataclass(frozen=True)
class InputPolicy:
    """What a deployment may read: allow-listed buckets, a local data folder (local mode only)."""

    allowed_buckets: frozenset[str] = frozenset()
    local_data_dir: Path | None = None
    s3_endpoint_url: str | None = None  # a moto server or an S3-compatible endpoint; None: AWS
    limits: FetchLimits = field(default_factory=FetchLimits)


@dataclass(frozen=True)
class S3Location:
    bucket: str
    key: str

    def display(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


@dataclass(frozen=True)
class PresignedLocation:
    host: str
    bucket: str
    path: str  # path and query, as sent
    key: str

    def display(self) -> str:
        # The query string is a bearer credential: never shown, logged or stored.
        path_style = not VIRTUAL_HOSTED.match(self.host)
        return f"https://{self.host}/{self.bucket + '/' if path_style else ''}{self.key}"


@dataclass(frozen=True)
class LocalLocation:
    path: Path
    name: str

    def display(self) -> str:
        return self.name


Location = S3Location | PresignedLocation | LocalLocation


def _field(role: str) -> str:
    return f"{role}_data_url"


def check_location(location: str, role: str, policy: InputPolicy) -> Location:
    """Parse and vet ``location`` without contacting anything; raise a named error if refused.

    ``BadLocation`` for a malformed location or a form never read (``http:``, ``file:``, another
    host, userinfo, a port, an unsigned URL); ``LocationNotAllowed`` for a bucket outside the
    allow-list or a local path when local files are off or outside the data folder.
    """
    name = _field(role)
    if not isinstance(location, str) or not location.strip() or len(location) > 4096:
        raise BadLocation(f"{name} must be a non-empty location of at most 4,096 characters")
    if any(ord(c) < 0x21 or ord(c) == 0x7F for c in location):
        raise BadLocation(f"{name} contains spaces or control characters")
    if "://" not in location:
        return _local(location, name, policy)
    try:
        parts = urlsplit(location)
        port = parts.port
    except ValueError:
        raise BadLocation(f"{name} is not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme == "s3":
        bucket, key = parts.netloc, parts.path.lstrip("/")
        if parts.query or parts.fragment or "@" in parts.netloc or port is not None:
            raise BadLocation(f"{name}: an s3:// location is s3://bucket/key, with nothing else")
        if not BUCKET_NAME.match(bucket) or not key:
            raise BadLocation(f"{name}: an s3:// location needs a valid bucket name and a key")
        _allowed(bucket, name, policy)
        return S3Location(bucket, unquote(key))
    if scheme != "https":
        raise BadLocation(f"{name}: only s3:// and pre-signed https:// S3 locations are read, not {scheme}:")
    if "@" in parts.netloc:
        raise BadLocation(f"{name}: a URL with user information is not read")
    if port not in (None, 443):
        raise BadLocation(f"{name}: only the HTTPS port 443 is used")
    host = (parts.hostname or "").lower()
    virtual, path_style = VIRTUAL_HOSTED.match(host), PATH_STYLE.match(host)
    if virtual:
        bucket, key = virtual.group("bucket"), parts.path.lstrip("/")
    elif path_style:
        bucket, _, key = parts.path.lstrip("/").partition("/")
    else:
        raise BadLocation(f"{name}: the host is not an Amazon S3 endpoint")
    if not key or not BUCKET_NAME.match(bucket):
        raise BadLocation(f"{name}: the URL names no S3 bucket and object")
    query = parse_qs(parts.query, keep_blank_values=True)
    if any(len(query.get(k, [])) != 1 or not query[k][0] for k in SIGNED_QUERY):
        raise BadLocation(f"{name}: the URL is not a pre-signed (SigV4) S3 URL")
    if parts.fragment:
        raise BadLocation(f"{name}: a pre-signed URL has no fragment")
    _allowed(bucket, name, policy)
    return PresignedLocation(host, bucket, f"{parts.path}?{parts.query}", unquote(key))


def _allowed(bucket: str, name: str, policy: InputPolicy) -> None:
    if bucket not in policy.allowed_buckets:
        raise LocationNotAllowed(f"{name}: bucket '{bucket}' is not in this deployment's allow-list")


def _local(location: str, name: str, policy: InputPolicy) -> LocalLocation:
    if policy.local_data_dir is None:
        raise BadLocation(f"{name}: give an s3:// or pre-signed https:// S3 location (local files are off)")
    root = policy.local_data_dir.resolve()
    path = (root / location).resolve()  # resolves '..' and symbolic links before the check
    if not path.is_relative_to(root) or path == root:
        raise LocationNotAllowed(f"{name}: local paths must lie inside the configured data folder")
    shown = path.relative_to(root).as_posix()
    if not path.is_file():  # said now, so a queued job does not fail later for it
        raise InputUnavailable(f"{name}: '{shown}' is not a file in the data folder")
    return LocalLocation(path, shown)


Resolver = Callable[[str, int], list[str]]


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (IPv4 and IPv6)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    return sorted({info[4][0] for info in infos})


def public_address(host: str, name: str, resolver: Resolver) -> str:
    """One vetted address of ``host``; ``LocationNotAllowed`` unless every address is global.

    IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry, so
    ``::ffff:169.254.169.254`` is the metadata address it is.
    """
    addresses = resolver(host, 443)
    if not addresses:
        raise InputUnavailable(f"{name}: the host does not resolve")
    for text in addresses:
        address = ipaddress.ip_address(text.split("%")[0])
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if not address.is_global:
            raise LocationNotAllowed(f"{name}: the host resolves to a non-public address")
    return addresses[0]


class Response(Protocol):
    status: int

    def header(self, name: str) -> str | None: ...

    def chunks(self) -> Iterator[bytes]: ...

    def close(self) -> None: ...


Opener = Callable[[str, str, str, FetchLimits], Response]


class _Urllib3Response:
    def __init__(self, response: Any) -> None:
        self._response = response
        self.status = response.status

    def header(self, name: str) -> str | None:
        return self._response.headers.get(name)

    def chunks(self) -> Iterator[bytes]:
        return self._response.stream(CHUNK, decode_content=False)

    def close(self) -> None:
        self._response.release_conn()


def https_open(address: str, host: str, path: str, limits: FetchLimits) -> Response:
    """GET ``path`` from ``address`` with TLS verified for ``host``; no redirects, no retries."""
    import urllib3

    pool = urllib3.HTTPSConnectionPool(
        address,
        port=443,
        server_hostname=host,
        assert_hostname=host,
        timeout=urllib3.Timeout(connect=limits.connect_timeout, read=limits.read_timeout),
        retries=False,
        maxsize=1,
    )
    headers = {"Host": host, "Accept-Encoding": "identity", "User-Agent": "synthetic-data-auditor"}
    response = pool.urlopen("GET", path, headers=headers, redirect=False, preload_content=False, retries=False)
    return _Urllib3Response(response)


def write_capped(chunks: Iterator[bytes], destination: Path, name: str, limits: FetchLimits, started: float) -> int:
    """Stream ``chunks`` into ``destination``; stop above the byte cap or past the deadline."""
    written = 0
    with destination.open("wb") as handle:
        for chunk in chunks:
            written += len(chunk)
            if written > limits.max_bytes:
                raise _too_many_bytes(name, limits)
            if time.monotonic() - started > limits.deadline:
                raise InputUnavailable(f"{name} took longer than the {limits.deadline:g} s fetch deadline")
            handle.write(chunk)
    return written


def _check_length(length: str | int | None, name: str, limits: FetchLimits) -> None:
    if length is not None and str(length).isdigit() and int(length) > limits.max_bytes:
        raise _too_many_bytes(name, limits)


def _too_many_bytes(name: str, limits: FetchLimits) -> InputTooLarge:
    return InputTooLarge(f"{name} is larger than the cap of {limits.max_bytes:,} bytes", "bytes")


def fetch_input(
    location: Location,
    role: str,
    folder: Path,
    policy: InputPolicy,
    *,
    s3_client: Any = None,
    resolver: Resolver | None = None,
    opener: Opener | None = None,
) -> Path:
    """Download a vetted location into ``folder`` (a local location is used in place).

    ``resolver`` and ``opener`` default to the real DNS lookup and HTTPS client (looked up at
    call time, so a test can stand in for the network).
    """
    name = _field(role)
    if isinstance(location, LocalLocation):
        if not location.path.is_file():
            raise InputUnavailable(f"{name}: '{location.name}' is not a file in the data folder")
        size = location.path.stat().st_size
        _check_length(size, name, policy.limits)
        return location.path
    destination = folder / f"{role}.input"
    started = time.monotonic()
    if isinstance(location, S3Location):
        return _fetch_s3(location, destination, name, policy, s3_client, started)
    address = public_address(location.host, name, resolver or resolve_host)
    try:
        response = (opener or https_open)(address, location.host, location.path, policy.limits)
    except InputTooLarge:
        raise
    except Exception as error:  # noqa: BLE001 - network errors become one named, value-free answer
        raise InputUnavailable(f"{name} could not be fetched ({type(error).__name__})") from None
    try:
        if 300 <= response.status < 400:
            raise InputUnavailable(f"{name}: the server answered with a redirect, which is not followed")
        if response.status != 200:
            raise InputUnavailable(f"{name}: the server answered HTTP {response.status}")
        _check_length(response.header("Content-Length"), name, policy.limits)
        try:
            write_capped(response.chunks(), destination, name, policy.limits, started)
        except (InputTooLarge, InputUnavailable):
            raise
        except Exception as error:  # noqa: BLE001
            raise InputUnavailable(f"{name} could not be fetched ({type(error).__name__})") from None
    finally:
        response.close()
    return destination


def s3_client_for(policy: InputPolicy) -> Any:
    """A boto3 S3 client with the policy's endpoint and the fetch timeouts."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=policy.limits.connect_timeout,
        read_timeout=policy.limits.read_timeout,
        retries={"max_attempts": 2, "mode": "standard"},
        signature_version="s3v4",
    )
    return boto3.client("s3", endpoint_url=policy.s3_endpoint_url, config=config)


def _fetch_s3(
    location: S3Location, destination: Path, name: str, policy: InputPolicy, client: Any, started: float
) -> Path:
    from botocore.exceptions import BotoCoreError, ClientError

    client = client or s3_client_for(policy)
    try:
        answer = client.get_object(Bucket=location.bucket, Key=location.key)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "error")
        if code in ("NoSuchKey", "404", "NotFound"):
            raise InputUnavailable(f"{name}: {location.display()} does not exist") from None
        raise InputUnavailable(f"{name}: {location.display()} could not be read ({code})") from None
    except BotoCoreError as error:
        raise InputUnavailable(f"{name} could not be fetched ({type(error).__name__})") from None
    body = answer["Body"]
    try:
        _check_length(answer.get("ContentLength"), name, policy.limits)
        write_capped(body.iter_chunks(CHUNK), destination, name, policy.limits, started)
    except (InputTooLarge, InputUnavailable):
        raise
    except (BotoCoreError, OSError) as error:
        raise InputUnavailable(f"{name} could not be fetched ({type(error).__name__})") from None
    finally:
        body.close()
    return destination
