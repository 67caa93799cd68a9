"""A Data Docs site that opens offline: GX's pages with every CDN asset served from the site.

Name it in a project's ``great_expectations.yml`` (the shipped ``gx/`` does)::

    data_docs_sites:
      local_site:
        module_name: expectations.data_docs.site
        class_name: OfflineSiteBuilder
        store_backend: {class_name: TupleFilesystemStoreBackend, base_directory: ...}

It builds what GX's ``SiteBuilder`` builds, through GX's own ``build_data_docs()`` and
``UpdateDataDocsAction``, then copies ``assets.ASSETS`` into the site's ``static/vendor/``; its
views rewrite each CDN address in a page to the page-relative path of that copy, drop the
``integrity`` / ``crossorigin`` attributes (a ``file://`` page cannot load a CORS-mode script;
the files are the very ones those hashes name, which the tests check), point the logo at GX's
local copy instead of its S3 bucket (whose address carries the project's ``dataContextId``) and
leave out GX's newsletter footer.
"""

from __future__ import annotations

import re
from typing import Any

from great_expectations.render.renderer.site_builder import SiteBuilder
from great_expectations.render.view.view import DefaultJinjaIndexPageView, DefaultJinjaPageView

from expectations.data_docs.assets import ASSETS, STATIC_DIR

_VIEWS_MODULE = __name__
#: GX's own web-asset bucket: the logo (with the project id in its query) and a dark-mode logo.
_GX_BUCKET = re.compile(r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/([\w.-]+)[^\"')\s]*")
_SRI = re.compile(r'\s+(?:integrity="[^"]*"|crossorigin="[^"]*")')
#: GX's favicon link counts one folder too few on validation pages.
_FAVICON = re.compile(r'<link rel="shortcut icon" href="[^"]*"')
_NEWSLETTER = re.compile(r"<footer>\s*<p>Stay current on everything GX with our newsletter.*?</footer>", re.DOTALL)


def site_root(document: dict[str, Any]) -> str:
    """The relative path from a page to the site's root, as GX's own navbar template computes it."""
    kind = str(document.get("renderer_type") or "")
    dots = str(document.get("expectation_suite_name") or "").count(".")
    if "ValidationResults" in kind or "ProfilingResults" in kind:
        return "../" * (dots + 4)
    if "ExpectationSuite" in kind:
        return "../" * (dots + 1)
    return "./"


def offline_html(html: str, root: str) -> str:
    """A rendered GX page with its CDN assets, logo and favicon made local and no newsletter footer."""
    for asset in ASSETS:
        if asset.cdn_url:
            html = html.replace(f'"{asset.cdn_url}"', f'"{root}static/vendor/{asset.target}"')
    html = _SRI.sub("", html)
    # The logo GX ships itself; anything else from its bucket (a dark-mode logo in the styles) is dropped.
    html = _GX_BUCKET.sub(
        lambda m: f"{root}static/images/logo-long.png" if m.group(1) == "logo-long.png" else "data:,", html
    )
    html = _FAVICON.sub(f'<link rel="shortcut icon" href="{root}static/images/favicon.ico"', html)
    return _NEWSLETTER.sub("", html)


def _document_dict(document: Any) -> dict[str, Any]:
    return document.to_json_dict() if hasattr(document, "to_json_dict") else dict(document)


class OfflinePageView(DefaultJinjaPageView):
    """GX's page view, offline (validation results and suite pages)."""

    def render(self, document: Any, template: Any = None, **kwargs: Any) -> str:
        return offline_html(super().render(document, template, **kwargs), site_root(_document_dict(document)))


class OfflineIndexPageView(DefaultJinjaIndexPageView):
    """GX's index page view, offline."""

    def render(self, document: Any, template: Any = None, **kwargs: Any) -> str:
        return offline_html(super().render(document, template, **kwargs), site_root(_document_dict(document)))


class OfflineSiteBuilder(SiteBuilder):
    """GX's ``SiteBuilder`` with offline views and the vendored assets copied into the site."""

    def __init__(  # noqa: PLR0913 - GX passes these by name (instantiate_class_from_config reads the signature)
        self,
        data_context: Any,
        store_backend: Any,
        site_name: str | None = None,
        site_index_builder: dict | None = None,
        show_how_to_buttons: bool = True,
        site_section_builders: dict | None = None,
        runtime_environment: dict | None = None,
        **kwargs: Any,
    ) -> None:
        page_view = {"module_name": _VIEWS_MODULE, "class_name": OfflinePageView.__name__}
        sections: dict[str, Any] = {name: {"view": page_view} for name in ("expectations", "validations", "profiling")}
        for name, config in (site_section_builders or {}).items():
            sections[name] = {**sections.get(name, {}), **config} if isinstance(config, dict) else config
        index = {
            "class_name": "DefaultSiteIndexBuilder",
            "view": {"module_name": _VIEWS_MODULE, "class_name": OfflineIndexPageView.__name__},
            **(site_index_builder or {}),
        }
        super().__init__(
            data_context,
            store_backend,
            site_name=site_name,
            site_index_builder=index,
            show_how_to_buttons=show_how_to_buttons,
            site_section_builders=sections,
            runtime_environment=runtime_environment,
            **kwargs,
        )

    def build(self, resource_identifiers: Any = None, build_index: bool = True) -> Any:
        built = super().build(resource_identifiers=resource_identifiers, build_index=build_index)
        self.target_store.copy_static_assets(str(STATIC_DIR))
        return built
