"""PDF writer: the HTML writer's page laid out by WeasyPrint, with the project's own font.

WeasyPrint may fetch nothing but the package's asset files and ``data:`` URLs, so no
profile or model can make it read a local file or open a connection.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import tempfile
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import FontError
from ..form import TrackingForm
from ..tree import Document
from .form_html import write_form_html
from .html import HTMLWriter

FONT_FILES = {
    ("Smpgen Serif", "normal", "normal"): "LiberationSerif-Regular.ttf",
    ("Smpgen Serif", "bold", "normal"): "LiberationSerif-Bold.ttf",
    ("Smpgen Serif", "normal", "italic"): "LiberationSerif-Italic.ttf",
    ("Smpgen Serif", "bold", "italic"): "LiberationSerif-BoldItalic.ttf",
    ("Smpgen Fallback", "normal", "normal"): "DejaVuSans.ttf",
}
"""The embedded faces: a serif metric-compatible with Times New Roman (SIL OFL 1.1), and a
sans for characters it lacks (Bitstream Vera licence); see assets/fonts/README.txt."""


def assets_dir() -> Path:
    """The package's asset folder (fonts, stylesheets)."""
    return Path(str(resources.files("smpgen"))) / "assets"


def font_css() -> str:
    """``@font-face`` rules for the embedded serif; :class:`FontError` if a file is missing."""
    rules = []
    fonts = assets_dir() / "fonts"
    for (family, weight, style), name in FONT_FILES.items():
        path = fonts / name
        if not path.is_file():
            raise FontError(f"the font file {path} is missing; reinstall smpgen "
                            "(the PDF embeds only its own fonts)")
        rules.append(f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
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


def _only_own_fonts() -> None:
    """Point fontconfig at the package's fonts alone, before WeasyPrint loads it, so a
    character the embedded fonts lack prints as an empty box rather than in whatever font
    this machine has: the same input gives the same PDF everywhere."""
    if "weasyprint" in sys.modules or os.environ.get("SMPGEN_SYSTEM_FONTS") == "1":
        return
    folder = Path(tempfile.gettempdir()) / f"smpgen-fontconfig-{os.getuid()}"
    conf = folder / "fonts.conf"
    text = (f'<?xml version="1.0"?>\n<fontconfig>\n  <dir>{assets_dir() / "fonts"}</dir>\n'
            f"  <cachedir>{folder / 'cache'}</cachedir>\n</fontconfig>\n")
    if not conf.exists() or conf.read_text() != text:
        folder.mkdir(exist_ok=True)
        part = folder / f"fonts.conf.{os.getpid()}"
        part.write_text(text)
        os.replace(part, conf)
    os.environ["FONTCONFIG_FILE"] = str(conf)


def html_to_pdf(html: str, *, forms: bool = False, finisher: Any = None) -> bytes:
    """Lay out ``html`` (which must already carry :func:`font_css`) as a tagged PDF."""
    _only_own_fonts()
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    # The identifier comes from the content, so equal input gives equal bytes.
    identifier = hashlib.sha256(html.encode()).hexdigest()[:32].encode()
    pdf: bytes = HTML(string=html, base_url=assets_dir().as_uri() + "/",
                      url_fetcher=_fetcher()).write_pdf(
        font_config=FontConfiguration(),
        pdf_variant="pdf/ua-1",
        pdf_identifier=identifier,
        pdf_forms=forms,
        custom_metadata=True,
        finisher=finisher,
    )
    return pdf


def write_pdf(doc: Document) -> bytes:
    """The tagged (PDF/UA-1) PDF for ``doc``."""
    return html_to_pdf(HTMLWriter(doc, extra_css=font_css()).write())


def write_form_pdf(form: TrackingForm) -> bytes:
    """The tracking form as a fillable PDF (AcroForm fields)."""
    return html_to_pdf(write_form_html(form, extra_css=font_css()), forms=True,
                       finisher=_field_appearance)


def _field_appearance(_document: Any, pdf: Any) -> None:
    """Mend WeasyPrint's form dictionaries before the PDF is written.

    WeasyPrint starts every field's /DA with a graphics-state operator (``/a1.0 gs``),
    which the PDF standard does not allow there, and gives the form no default /DA or
    ZapfDingbats (``/ZaDb``) for redrawn check boxes; poppler-based readers then complain
    of a missing font.
    """
    import pydyf

    acroform = pdf.catalog.get("AcroForm")
    if acroform is None:
        return
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and isinstance(obj.get("DA"), pydyf.String):
            da = obj["DA"].string
            text = da.decode() if isinstance(da, bytes) else str(da)
            obj["DA"] = pydyf.String(re.sub(r"/\S+ gs\s*", "", text))
    def deref(value: Any) -> Any:  # pydyf keeps indirect objects as b"N 0 R"
        return pdf.objects[int(value.split()[0])] if isinstance(value, bytes) else value

    fonts = deref(deref(acroform["DR"])["Font"])
    first = next(iter(fonts))
    acroform["DA"] = pydyf.String(f"0 g /{first} 10 Tf")
    zadb = pydyf.Dictionary({"Type": "/Font", "Subtype": "/Type1",
                             "BaseFont": "/ZapfDingbats"})
    pdf.add_object(zadb)
    fonts["ZaDb"] = zadb.reference
