"""Open a page in Debian's headless Chromium and return the DOM it rendered, as text."""

from __future__ import annotations

import json
import subprocess
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

# The flags keep Chromium from reaching for the network (the machine has none) and from
# needing a sandbox or a GPU when run as root in CI.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(" ".join(data.split()))


def rendered_dom(chromium: str, page: Path) -> str:
    """The page's DOM after Chromium loaded it (``--dump-dom``)."""
    with tempfile.TemporaryDirectory() as profile:
        completed = subprocess.run(
            [chromium, *FLAGS, f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    return completed.stdout


@dataclass(frozen=True)
class OfflineLoad:
    """What a page did with the network gone: its DOM once scripts ran, and every request it made."""

    dom: str
    requests: list[str]  # URLs the page asked for (not Chromium's own background traffic)


def load_offline(chromium: str, page: Path | str, seconds: int = 20) -> OfflineLoad:
    """Open ``page`` (a file, or a URL on 127.0.0.1) with every host name unresolvable, let its
    scripts run, log its network requests.

    Chromium's NetLog records each request; the page's own carry its origin as initiator (``null``
    for a ``file://`` page), Chromium's background requests "not an origin". File reads are not
    network requests, so what is left is exactly what the page fetched from outside its folder.
    """
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "netlog.json"
        completed = subprocess.run(
            [
                chromium, *FLAGS, f"--user-data-dir={scratch}/profile",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                f"--log-net-log={log}", f"--virtual-time-budget={seconds * 1000}",
                "--dump-dom", page if isinstance(page, str) else page.resolve().as_uri(),
            ],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        netlog = json.loads(log.read_text())
    start = netlog["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    requests = [
        event["params"]["url"]
        for event in netlog["events"]
        if event["type"] == start and event.get("params", {}).get("initiator", "not an origin") != "not an origin"
    ]
    return OfflineLoad(completed.stdout, requests)


def visible_text(dom: str) -> str:
    parser = _Text()
    parser.feed(dom)
    return " ".join(parser.parts)


def interval_text(bounds: list[float]) -> str:
    """An interval as the pages print it."""
    return f"[{bounds[0]:.3f}, {bounds[1]:.3f}]"
