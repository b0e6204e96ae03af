"""PDF writer: the HTML writer's page laid out by WeasyPrint, with the project's own font.

WeasyPrint may fetch nothing but the package's asset files and ``data:`` URLs, so no
profile or model can make it read a local file or open a connection.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import FontError
from ..tree import Document
from .html import HTMLWriter

FONT_FILES = {
    ("normal", "normal"): "LiberationSerif-Regular.ttf",
    ("bold", "normal"): "LiberationSerif-Bold.ttf",
    ("normal", "italic"): "LiberationSerif-Italic.ttf",
    ("bold", "italic"): "LiberationSerif-BoldItalic.ttf",
}
"""The embedded serif, metric-compatible with Times New Roman (SIL OFL 1.1)."""


def assets_dir() -> Path:
    """The package's asset folder (fonts, stylesheets)."""
    return Path(str(resources.files("smpgen"))) / "assets"


def font_css() -> str:
    """``@font-face`` rules for the embedded serif; :class:`FontError` if a file is missing."""
    rules = []
    fonts = assets_dir() / "fonts"
    for (weight, style), name in FONT_FILES.items():
        path = fonts / name
        if not path.is_file():
            raise FontError(f"the font file {path} is missing; reinstall smpgen "
                            "(the PDF embeds only its own fonts)")
        rules.append(f'@font-face {{ font-family: "Smpgen Serif"; font-weight: {weight}; '
                     f'font-style: {style}; src: url("{path.as_uri()}"); }}\n')
    return "".join(rules)


def _fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    allowed = assets_dir().resolve()

    class AssetsOnly(URLFetcher):  # type: ignore[misc]
        """Fetches ``data:`` URLs and the package's own files; refuses everything else."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            if url.startswith("file://"):
                from urllib.parse import unquote, urlparse

                path = Path(unquote(urlparse(url).path)).resolve()
                if path.is_relative_to(allowed) and path.is_file():
                    return super().fetch(url, headers)
            raise ValueError(f"smpgen does not fetch {url[:80]!r}")

    return AssetsOnly()


def write_pdf(doc: Document) -> bytes:
    """The tagged (PDF/UA-1) PDF for ``doc``."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    html = HTMLWriter(doc, extra_css=font_css()).write()
    identifier = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
    pdf: bytes = HTML(string=html, base_url=assets_dir().as_uri() + "/",
                      url_fetcher=_fetcher()).write_pdf(
        font_config=FontConfiguration(),
        pdf_variant="pdf/ua-1",
        pdf_identifier=identifier,
    )
    return pdf
