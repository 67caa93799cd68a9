"""Fetch vendored web assets from the npm registry: ``python -m expectations.data_docs.vendor``.

A maintainer's tool, run when an asset list changes (never by an audit): ``npm pack`` each
package at its version, copy the named files into the folder and write its ``NOTICE.md`` with
each package's licence and each file's sha256. Without arguments it vendors the Data Docs
assets (``assets.ASSETS`` into ``static/vendor/``); ``api.static_assets`` reuses ``vendor``.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile
import tempfile
from collections.abc import Sequence
from pathlib import Path

from expectations.data_docs.assets import ASSETS, STATIC_DIR, Asset


def _pack(package: str, version: str, into: Path) -> Path:
    name = (
        subprocess.run(
            ["npm", "pack", "--silent", f"{package}@{version}"], cwd=into, capture_output=True, text=True, check=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    return into / name


def vendor(assets: Sequence[Asset], folder: Path) -> None:
    """Copy each asset's file from its npm package into ``folder`` and write ``folder/NOTICE.md``."""
    notices: dict[tuple[str, str], str] = {}
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        tarballs: dict[tuple[str, str], Path] = {}
        for asset in assets:
            key = (asset.package, asset.version)
            if key not in tarballs:
                tarballs[key] = _pack(asset.package, asset.version, Path(scratch))
            with tarfile.open(tarballs[key]) as archive:
                data = archive.extractfile(f"package/{asset.path}").read()
                if key not in notices:
                    manifest = json.loads(archive.extractfile("package/package.json").read())
                    notices[key] = str(manifest.get("license", "see the package"))
            target = folder / asset.target
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            rows.append(
                f"| `{asset.target}` | {asset.package} {asset.version} | {notices[key]} | "
                f"`{hashlib.sha256(data).hexdigest()}` |"
            )
    (folder / "NOTICE.md").write_text(
        "# Vendored web assets\n\n"
        "Copied unchanged from the npm registry (`expectations.data_docs.vendor`); each keeps\n"
        "its own licence (the package's `license` field below).\n\n"
        "| file | package | licence | sha256 |\n| --- | --- | --- | --- |\n" + "\n".join(rows) + "\n"
    )


if __name__ == "__main__":
    vendor(ASSETS, STATIC_DIR / "vendor")
