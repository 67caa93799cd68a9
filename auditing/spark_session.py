"""A local Spark session for the command line, the tests and the benchmarks.

On EMR, Glue or Databricks the platform's session is used instead (``SparkSession.getActiveSession``);
GX's Spark data source reuses whichever session is active.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


def local_spark_session(cores: int | None = None, driver_memory: str = "4g") -> Any:
    """The active Spark session, or a new local-mode one bound to 127.0.0.1 with the UI off.

    ``cores`` defaults to every core of the machine (``local[*]``). Shuffles use a few partitions
    per core instead of Spark's 200: the audit's aggregates are small, and 200 tasks per shuffle
    would dominate a local run.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise RuntimeError("the Spark engine needs pyspark: pip install 'synthetic-data-auditor[spark]'") from error

    active = SparkSession.getActiveSession()
    if active is not None:
        return active
    workers = cores or os.cpu_count() or 2
    # Python workers run this interpreter, so they import the same packages as the driver.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master(f"local[{cores or '*'}]")
        .appName("synthetic-data-auditor")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.shuffle.partitions", str(4 * workers))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        # The counting UDFs are vectorised: larger Arrow batches mean fewer Python round trips.
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "100000")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


@contextmanager
def spark_session_for_run(cores: int | None = None) -> Iterator[Any]:
    """The active session, or a local one that is stopped afterwards (a session this did not start is left running)."""
    from pyspark.sql import SparkSession

    started = SparkSession.getActiveSession() is None
    session = local_spark_session(cores)
    try:
        yield session
    finally:
        if started:
            session.stop()
