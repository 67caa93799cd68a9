"""The Swagger UI files ``/docs`` serves from the service itself, so the page works offline.

FastAPI's default ``/docs`` loads Swagger UI from cdn.jsdelivr.net and its favicon from
fastapi.tiangolo.com: blank behind a strict proxy or a CSP. These are npm's swagger-ui-dist
files at the version that CDN address resolves to, vendored by ``python -m api.static_assets``
(with ``static/NOTICE.md``: licence, sha256); nothing is fetched at run time.
"""

from __future__ import annotations

import base64
from functools import cache
from pathlib import Path

from expectations.data_docs.assets import Asset

STATIC_DIR = Path(__file__).resolve().parent / "static"
#: The URL path the files are served under.
STATIC_PATH = "/static"

_SWAGGER = ("swagger-ui-dist", "5.35.0")
SWAGGER_JS, SWAGGER_CSS, SWAGGER_FAVICON = (
    Asset(*_SWAGGER, name, f"swagger-ui/{name}", cdn)
    for name, cdn in (
        ("swagger-ui-bundle.js", "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"),
        ("swagger-ui.css", "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css"),
        ("favicon-32x32.png", None),
    )
)
ASSETS = (SWAGGER_JS, SWAGGER_CSS, SWAGGER_FAVICON)


def url(asset: Asset, root_path: str = "") -> str:
    """Where the service serves ``asset``, below the deployment's root path (an API Gateway stage)."""
    return f"{root_path.rstrip('/')}{STATIC_PATH}/{asset.target}"


@cache
def favicon_data_uri() -> str:
    """The favicon inline: a page request fewer, and no binary response for API Gateway to mangle."""
    return "data:image/png;base64," + base64.b64encode((STATIC_DIR / SWAGGER_FAVICON.target).read_bytes()).decode()


if __name__ == "__main__":
    from expectations.data_docs.vendor import vendor

    vendor(ASSETS, STATIC_DIR)
