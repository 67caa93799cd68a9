"""``report.html``: the validation page as one file, for a ticket or an email.

The page GX rendered (with the headline) with every script, stylesheet, font and image it loads
from the site put inline, so the file opens anywhere with no folder beside it and no network.
Links to the rest of the site (the index, the suite page) stay links.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path

#: What the page loads from its site: a script, a stylesheet, an image or the favicon (one pass,
#: so nothing put inline is scanned again: a library's source holds such tags in strings).
_LOADED = re.compile(
    r'<script src="(?P<script>[^":]+)"></script>'
    r'|<link rel="stylesheet"[^>]*?href="(?P<style>[^":]+)"[^>]*>'
    r'|(?P<attribute><img[^>]*?src=|<link rel="shortcut icon" href=)"(?P<image>[^":]+)"'
)
_CSS_URL = re.compile(r"url\(([^)\"':]+)\)")
#: Font Awesome names a TrueType fallback beside each WOFF2 font; every browser that runs the page reads WOFF2.
_TTF_FALLBACK = re.compile(r',\s*url\([^)]+\.ttf\)\s*format\("truetype"\)')


def _data_uri(path: Path) -> str:
    fallback = "font/woff2" if path.suffix == ".woff2" else "application/octet-stream"
    kind = mimetypes.guess_type(path.name)[0] or fallback
    return f"data:{kind};base64,{base64.b64encode(path.read_bytes()).decode()}"


def _inline_css(css_file: Path) -> str:
    css = _TTF_FALLBACK.sub("", css_file.read_text())
    return _CSS_URL.sub(lambda m: f"url({_data_uri((css_file.parent / m.group(1)).resolve())})", css)


def single_file_html(page: Path) -> str:
    """The page at ``page`` with what it loads from its site inline."""
    html = page.read_text()

    def inline(match: re.Match[str]) -> str:
        if match["script"]:
            # "</script" inside a library's source would end the inline element early.
            code = (page.parent / match["script"]).resolve().read_text().replace("</script", "<\\/script")
            return f"<script>{code}</script>"
        if match["style"]:
            return f"<style>{_inline_css((page.parent / match['style']).resolve())}</style>"
        return f'{match["attribute"]}"{_data_uri((page.parent / match["image"]).resolve())}"'

    return _LOADED.sub(inline, html)


def write_single_file(page: Path, target: Path) -> Path:
    """Write ``single_file_html(page)`` to ``target``; return ``target``."""
    target.write_text(single_file_html(page))
    return target
