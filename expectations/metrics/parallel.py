"""Threads for the exact searches: the neighbour and rarity kernels split into independent parts.

The searches (``expectations.metrics.neighbours``, ``expectations.metrics.rarity``) are numpy
kernels that release the GIL — float32 matrix products, reductions, gathers — and about half their
time is single-threaded reductions, so two threads each with a one-thread BLAS beat one thread with
a two-thread BLAS (measured: ``bench/README.md``). Every part computes an exact result on its own
rows and the parts are combined exactly (concatenation, elementwise minimum), so a figure does not
depend on the number of threads.

The number of threads is ``SYNTH_AUDIT_THREADS`` when set, else the CPUs this process may run on.
Where processes already share the cores (Spark tasks, the calibration harness's worker pool), run
with one thread per process.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from threadpoolctl import threadpool_limits

#: The environment variable that sets the search threads (a positive integer).
THREADS_VARIABLE = "SYNTH_AUDIT_THREADS"

_Result = TypeVar("_Result")


def search_threads() -> int:
    """The threads a search may use: ``SYNTH_AUDIT_THREADS``, else the CPUs available to this process."""
    text = os.environ.get(THREADS_VARIABLE, "").strip()
    if text:
        try:
            threads = int(text)
        except ValueError:
            threads = 0
        if threads < 1:
            raise ValueError(f"{THREADS_VARIABLE} must be a positive integer, got {text!r}")
        return threads
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def use_search_threads(threads: int) -> None:
    """Set this process's (and its children's) search threads, e.g. in a process pool's initializer."""
    os.environ[THREADS_VARIABLE] = str(max(1, int(threads)))


def row_parts(n_rows: int, threads: int | None, minimum: int) -> list[tuple[int, int]]:
    """Contiguous (start, stop) ranges covering ``n_rows``: ``threads`` of them (None:
    ``search_threads()``), fewer when a part would hold under ``minimum`` rows (a thread's start-up
    then costs more than it saves)."""
    threads = search_threads() if threads is None else threads
    parts = max(1, min(threads, n_rows // max(1, minimum)))
    bounds = [n_rows * i // parts for i in range(parts + 1)]
    return list(zip(bounds[:-1], bounds[1:], strict=True))


def map_parts(function: Callable[[int, int], _Result], parts: Sequence[tuple[int, int]]) -> list[_Result]:
    """``function(start, stop)`` for every part, in order; in threads, each with a one-thread BLAS,
    when there is more than one part."""
    if len(parts) <= 1:
        return [function(start, stop) for start, stop in parts]
    # threadpoolctl's limit is process-wide: two BLAS threads per search thread would oversubscribe.
    with threadpool_limits(limits=1), ThreadPoolExecutor(max_workers=len(parts)) as pool:
        return list(pool.map(lambda part: function(*part), parts))
