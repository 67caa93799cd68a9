"""The scripts, styles and fonts GX's Data Docs pages load from CDNs, vendored into our package.

GX's page templates name 7 external hosts (and GX's S3 bucket for the logo, with the project's
``dataContextId`` in the query); offline, behind a strict proxy or a CSP, the pages lose their
styling, their status icons (a CDN font) and every chart. GX declined to bundle them
(great_expectations PR #2870, issues #994, #8734), so the site our ``OfflineSiteBuilder`` builds
serves these copies from its own ``static/vendor/`` folder instead.

Each file was taken from the npm registry at the version GX's templates pin (the newest of a
major where they name only the major, as the CDN resolves it) by ``python -m
expectations.data_docs.vendor``, which also writes ``static/vendor/NOTICE.md`` (package, version,
licence, sha256). Nothing is fetched when an audit runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

#: The folder whose ``vendor/`` subfolder is copied into a site's ``static/`` folder.
STATIC_DIR = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True)
class Asset:
    """One vendored file: where GX's templates load it from and where our copy lives."""

    package: str  # the npm package
    version: str
    path: str  # the file inside the package
    target: str  # below static/vendor/
    cdn_url: str | None = None  # the URL GX's templates name; None for a file another one loads (a font)


def _fonts() -> tuple[Asset, ...]:
    """Font Awesome's webfonts, which its stylesheet loads from ``../webfonts/``."""
    names = ("fa-brands-400", "fa-regular-400", "fa-solid-900", "fa-v4compatibility")
    return tuple(
        Asset("@fortawesome/fontawesome-free", "6.6.0", f"webfonts/{name}.{ext}", f"fontawesome/webfonts/{name}.{ext}")
        for name in names
        for ext in ("woff2", "ttf")
    )


ASSETS: tuple[Asset, ...] = (
    Asset("vega", "5.33.1", "build/vega.min.js", "vega/vega.min.js", "https://cdn.jsdelivr.net/npm/vega@5"),
    Asset(
        "vega-lite", "5.23.0", "build/vega-lite.min.js", "vega-lite/vega-lite.min.js",
        "https://cdn.jsdelivr.net/npm/vega-lite@5",
    ),
    Asset(
        "vega-embed", "6.29.0", "build/vega-embed.min.js", "vega-embed/vega-embed.min.js",
        "https://cdn.jsdelivr.net/npm/vega-embed@6",
    ),
    Asset(
        "@fortawesome/fontawesome-free", "6.6.0", "css/all.min.css", "fontawesome/css/all.min.css",
        "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css",
    ),
    *_fonts(),
    Asset("jquery", "3.7.1", "dist/jquery.min.js", "jquery/jquery.min.js", "https://code.jquery.com/jquery-3.7.1.min.js"),
    Asset(
        "popper.js", "1.12.9", "dist/umd/popper.min.js", "popper/popper.min.js",
        "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js",
    ),
    Asset(
        "bootstrap", "4.3.1", "dist/js/bootstrap.min.js", "bootstrap/bootstrap.min.js",
        "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js",
    ),
    Asset(
        "bootstrap", "4.3.1", "dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css",
        "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css",
    ),
    Asset(
        "bootstrap-table", "1.19.1", "dist/bootstrap-table.min.js", "bootstrap-table/bootstrap-table.min.js",
        "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js",
    ),
    Asset(
        "bootstrap-table", "1.19.1", "dist/bootstrap-table.min.css", "bootstrap-table/bootstrap-table.min.css",
        "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css",
    ),
    Asset(
        "bootstrap-table", "1.19.1", "dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
        "bootstrap-table/bootstrap-table-filter-control.min.js",
        "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js",
    ),
    # GX's pages name 1.19.0 for the filter-control styles (1.19.1 for the rest).
    Asset(
        "bootstrap-table", "1.19.0", "dist/extensions/filter-control/bootstrap-table-filter-control.css",
        "bootstrap-table-1.19.0/bootstrap-table-filter-control.css",
        "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css",
    ),
    Asset(
        "bootstrap-table", "1.19.0", "dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
        "bootstrap-table-1.19.0/bootstrap-table-filter-control.min.css",
        "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css",
    ),
    Asset(
        "bootstrap-datepicker", "1.9.0", "dist/js/bootstrap-datepicker.min.js",
        "bootstrap-datepicker/bootstrap-datepicker.min.js",
        "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js",
    ),
    Asset(
        "bootstrap-datepicker", "1.9.0", "dist/css/bootstrap-datepicker.min.css",
        "bootstrap-datepicker/bootstrap-datepicker.min.css",
        "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css",
    ),
    Asset(
        "@forevolve/bootstrap-dark", "1.1.0", "dist/css/bootstrap-prefers-dark.css",
        "bootstrap-dark/bootstrap-prefers-dark.css",
        "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css",
    ),
)  # fmt: skip
