"""Progress of long computations, told to whoever listens (the CLI prints it on stderr).

The metrics stay pure: without a listener (the default) a ``Ticker`` only counts. A listener is
set for the length of one audit with ``reporting``; it is process-wide rather than a context
variable because the searches tick from worker threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str], None]
#: Seconds between two progress lines of one computation.
EVERY = 10.0

_listener: Listener | None = None
_lock = threading.Lock()


@contextmanager
def reporting(listener: Listener | None) -> Iterator[None]:
    """Send progress lines to ``listener`` inside the block (None: keep them silent)."""
    global _listener
    previous, _listener = _listener, listener
    try:
        yield
    finally:
        _listener = previous


def announce(line: str) -> None:
    """One progress line, if anyone listens."""
    listener = _listener
    if listener is not None:
        listener(line)


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 90 else f"{seconds / 60:.0f} min"


class Ticker:
    """Counts work done out of ``total`` units and, every ``EVERY`` seconds, says how far it is and
    the time left at the pace so far (safe to advance from several threads)."""

    def __init__(self, what: str, total: float) -> None:
        self.what, self.total, self.done = what, float(total), 0.0
        self.started = self.last = time.perf_counter()

    def advance(self, amount: float = 1.0) -> None:
        if _listener is None:
            return
        with _lock:
            self.done += amount
            now = time.perf_counter()
            if now - self.last < EVERY or not 0 < self.done < self.total:
                return
            self.last = now
            left = (now - self.started) / self.done * (self.total - self.done)
            share = 100 * self.done / self.total
        announce(f"{self.what}: {share:.0f}% done, about {_duration(left)} left")
