"""The two locks: requirements.lock pins everything the commands install; requirements-core.lock
pins only what the library itself needs, so it composes with an orchestrator's own pins."""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _name(text: str) -> str:
    return re.sub(r"[-_.]+", "-", text).lower()


def _pins(path: Path) -> dict[str, str]:
    lines = (line.strip() for line in path.read_text().splitlines())
    return {_name(line.split("==")[0]): line for line in lines if "==" in line}


def _core_closure() -> set[str]:
    """Every distribution the project's dependencies (no extras) pull in, by installed metadata."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in metadata.requires("synthetic-data-auditor") or [] if "extra ==" not in r]
    while todo:
        requirement = todo.pop()
        if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
            continue
        if _name(requirement.name) in seen:
            continue
        seen.add(_name(requirement.name))
        todo += [Requirement(r) for r in metadata.requires(requirement.name) or []]
    return seen


def test_the_core_lock_is_the_full_locks_pins_of_the_core_dependencies():
    full, core = _pins(ROOT / "requirements.lock"), _pins(ROOT / "requirements-core.lock")
    expected = {name: full[name] for name in _core_closure() if name in full}
    assert core == expected
    # What Airflow 3.3 refuses (fastapi<0.137) belongs to the API extra, not the core.
    assert not {"fastapi", "mangum", "uvicorn", "boto3", "pyspark", "moto"} & set(core)
