"""Shared fixtures: the shared Adult files, the demo tables, a headless Chromium.

Tests that need something outside the repo (the shared Adult data, Debian's chromium) skip
with the reason when it is absent; under CI (``SYNTH_AUDIT_REQUIRE_SHARED=1``, set by
``.ci/run``) the skip becomes a failure so a green CI always means they ran.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
ADULT_DIR = Path(os.environ.get("SYNTH_AUDIT_ADULT_DIR", REPO.parent / "shared" / "data" / "adult"))
ADULT_FILES = ("train", "holdout", "synthetic_gc", "synthetic_leaky", "synthetic_biased")


def verdict_levels(report: dict) -> set[float]:
    """The levels the report's verdicts were tested at (expectations without a verdict left out)."""
    verdicts = (e["details"].get("verdict") for m in report["modules"].values() for e in m["expectations"])
    return {v["alpha"] for v in verdicts if v}


#: An expectation type nobody registers, for projects whose suite GX would silently shorten.
UNKNOWN_TYPE = "expect_synthetic_membership_to_be_private"


def write_project_with_unknown_type(project: Path) -> Path:
    """A copy of the shipped GX project at ``project`` whose suite also names ``UNKNOWN_TYPE``."""
    from auditing.checkpoint import DEFAULT_GX_DIR

    shutil.copytree(DEFAULT_GX_DIR, project, ignore=shutil.ignore_patterns("uncommitted"))
    suite_file = project / "expectations" / "synthetic_data_audit.json"
    suite = json.loads(suite_file.read_text())
    suite["expectations"].append({"type": UNKNOWN_TYPE, "kwargs": {}, "meta": {}})
    suite_file.write_text(json.dumps(suite))
    return project


def require(condition: bool, reason: str) -> None:
    """Skip with ``reason`` unless CI demands everything run, then fail."""
    if condition:
        return
    if os.environ.get("SYNTH_AUDIT_REQUIRE_SHARED") == "1":
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def adult_dir() -> Path:
    missing = [name for name in ADULT_FILES if not (ADULT_DIR / f"{name}.csv").is_file()]
    require(not missing, f"shared Adult data absent from {ADULT_DIR} ({', '.join(missing)})")
    return ADULT_DIR


@pytest.fixture(scope="session")
def adult(adult_dir: Path) -> dict[str, pd.DataFrame]:
    """The Adult tables as pandas reads them by default (empty field = missing)."""
    return {name: pd.read_csv(adult_dir / f"{name}.csv") for name in ADULT_FILES}


@pytest.fixture(scope="session")
def demo() -> dict[str, pd.DataFrame]:
    from auditing.demo import demo_frames

    return demo_frames(seed=0)


@pytest.fixture(scope="session")
def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    require(path is not None, "Debian's chromium is not installed (apt-get install chromium)")
    return str(path)


@pytest.fixture(scope="session")
def moto_endpoint():
    """A moto server on 127.0.0.1 (S3, SQS, DynamoDB) that boto3 reaches over real HTTP."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    with pytest.MonkeyPatch.context() as patch:
        for key, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": "us-east-1",
        }.items():
            patch.setenv(key, value)
        yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="session")
def spark():
    """A local-mode Spark session (pyspark from the ``spark`` extra, Java 17), shared by the Spark tests."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        require(False, "pyspark is not installed (pip install -e '.[spark]')")
    require(shutil.which("java") is not None, "no Java runtime for Spark")
    from auditing.spark_session import local_spark_session

    session = local_spark_session(cores=2)
    yield session
    session.stop()
