"""The built wheel works outside the repository: it carries the GX project, so a user who only
installed it can open the project, run the checkpoint and build Data Docs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

_SCRIPT = """
import json, sys
from pathlib import Path
import auditing
from auditing import run_audit
from auditing.checkpoint import DEFAULT_GX_DIR
from auditing.demo import write_demo_data
out = Path(sys.argv[1])
files = write_demo_data(out / "demo", seed=0)
result = run_audit(files["real"], files["good"], files["holdout"], out_dir=out / "audit")
print(json.dumps({"auditing": auditing.__file__, "project": str(DEFAULT_GX_DIR), "success": result.passed,
                  "page": str(result.data_docs_page)}))
"""


def test_the_package_list_is_every_package_in_the_tree():
    from setuptools import find_packages

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    found = set(find_packages(str(ROOT), include=["expectations*", "auditing*", "api*"]))
    assert listed - {"auditing.gx_project"} == found


@pytest.mark.slow
def test_a_wheel_installed_outside_the_repository_runs_the_audit(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path / "dist"), str(ROOT)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("synthetic_data_auditor-*.whl")
    target = tmp_path / "site"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target), str(wheel)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stderr[-2000:]
    # The wheel's packages come first on the path (the checkout's editable finder comes last);
    # the dependencies are this environment's. Run from a folder outside the repository.
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("SYNTH_AUDIT_GX_DIR", None)
    ran = subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(tmp_path / "run")],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, env=env,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-2000:]
    answer = json.loads(ran.stdout.strip().splitlines()[-1])
    assert Path(answer["auditing"]).is_relative_to(target)
    assert Path(answer["project"]) == target / "auditing" / "gx_project"
    assert answer["success"] is True
    assert Path(answer["page"]).is_file() and Path(answer["page"]).is_relative_to(tmp_path / "run")
    # The Data Docs assets travel in the wheel: the site it built serves its own copies.
    site = Path(answer["page"]).parents[4]
    assert (target / "expectations" / "data_docs" / "static" / "vendor" / "NOTICE.md").is_file()
    assert (site / "static" / "vendor" / "vega" / "vega.min.js").is_file()
    assert "https://cdn.jsdelivr.net" not in Path(answer["page"]).read_text()
