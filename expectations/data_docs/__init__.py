"""Data Docs that open offline: the vendored CDN assets (``assets``) and the site builder serving them (``site``)."""
