"""PDF writer: the HTML writer's page laid out by WeasyPrint, with the project's own font.

WeasyPrint may fetch nothing but the package's asset files and ``data:`` URLs, so no
profile or model can make it read a local file or open a connection. This module uses
WeasyPrint's public API only; what needs its private parts is in :mod:`._weasyprint`.
"""

from __future__ import annotations

import atexit
import copy
import hashlib
import os
import shutil
import stat
import sys
import tempfile
import threading
from dataclasses import dataclass, replace
from importlib import resources
from multiprocessing.util import Finalize
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from ..errors import FontError, OutputError
from ..form import TrackingForm
from ..tree import Document
from . import _weasyprint
from .form_html import write_form_html
from .html import HTMLWriter, stylesheet

PDF_VARIANT = "pdf/ua-1"
"""Tagged PDF for screen readers: the council packet is published."""

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
    try:
        conf = _font_settings(_cache_folder())
    except OSError:  # say, a full disk where the cache folder is: a private one will do
        try:
            conf = _font_settings(_temporary_folder())
        except OSError as e:
            raise OutputError(f"cannot write fontconfig's settings for the PDF: "
                              f"{e.strerror or e}") from None
    os.environ["FONTCONFIG_FILE"] = str(conf)


def _font_settings(folder: Path) -> Path:
    """``folder``'s fontconfig file, naming the packaged fonts alone (written if it is not
    already so)."""
    conf = folder / "fonts.conf"
    text = (f'<?xml version="1.0"?>\n<fontconfig>\n  <dir>{escape(str(assets_dir() / "fonts"))}'
            f"</dir>\n  <cachedir>{escape(str(folder / 'cache'))}</cachedir>\n</fontconfig>\n")
    try:
        current = conf.read_text() if stat.S_ISREG(os.lstat(conf).st_mode) else None
    except (OSError, UnicodeDecodeError):
        current = None
    if current != text:
        staged = Path(tempfile.mkdtemp(prefix=".fonts-", dir=folder))
        try:
            (staged / "fonts.conf").write_text(text)
            os.replace(staged / "fonts.conf", conf)  # replaces a planted link, never follows it
        finally:
            shutil.rmtree(staged, ignore_errors=True)
    return conf


def prepare() -> None:
    """Everything the first PDF of a process needs besides its document: fontconfig kept
    to the packaged fonts, and WeasyPrint imported."""
    _only_own_fonts()
    _weasyprint.import_weasyprint()


def _cache_folder() -> Path:
    """smpgen's own folder for fontconfig's settings and cache: the user's cache folder
    (``$XDG_CACHE_HOME/smpgen``), made private; a fresh private temporary folder when that
    cannot be had. Never a fixed name in a shared folder, where another user could have
    put a link first."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "smpgen"
    try:
        base.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(base)
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.getuid() and os.access(base, os.W_OK):
            return base
    except OSError:
        pass
    return _temporary_folder()


def _temporary_folder() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="smpgen-fontconfig-"))
    atexit.register(shutil.rmtree, folder, True)
    return folder


@dataclass(frozen=True, slots=True)
class LaidOut:
    """A document laid out by WeasyPrint once, to be written as one or more PDFs (its own
    file, and its pages inside the council packet) without laying it out again."""

    document: Any
    """The :class:`weasyprint.Document`."""
    html: str
    """The HTML it came from (its digest names the PDF)."""
    forms: bool
    """True when it holds fillable fields."""
    plain_html: str
    """The HTML without the packet's footer label: the digest that names the part's own
    file, so that file is the same with or without the packet."""


def lay_out(html: str, *, forms: bool = False, plain_html: str | None = None) -> LaidOut:
    """Lay out ``html`` (which must already carry :func:`font_css`) for a tagged PDF;
    ``plain_html`` is the same page without a packet footer label, if it has one."""
    _only_own_fonts()
    _weasyprint.import_weasyprint()
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    document = HTML(string=html, base_url=assets_dir().as_uri() + "/",
                    url_fetcher=_fetcher()).render(font_config=_font_config(FontConfiguration),
                                                   pdf_variant=PDF_VARIANT, pdf_forms=forms)
    return LaidOut(document, html, forms, html if plain_html is None else plain_html)


_FONT_CONFIGS = threading.local()
_INHERITED: list[Any] = []


def _font_config(make: Any) -> Any:
    """One WeasyPrint font configuration per process and thread, reused by every layout:
    each new one holds on to native font memory (about 1.5 MB a document, so a batch
    worker grew without end), and the PDFs come out the same byte for byte."""
    pid = os.getpid()
    if getattr(_FONT_CONFIGS, "pid", None) != pid:
        if hasattr(_FONT_CONFIGS, "config"):
            # Inherited through fork: never let it be collected here, as its finaliser
            # would delete the font folder the parent process is still using.
            _INHERITED.append(_FONT_CONFIGS.config)
        config = make()
        # Never finalised while the process runs, so its font folder is removed at exit
        # (multiprocessing's exit hook runs in forked helpers too, atexit does not).
        Finalize(None, _remove_font_folder, args=(config,), exitpriority=0)
        _FONT_CONFIGS.pid, _FONT_CONFIGS.config = pid, config
    return _FONT_CONFIGS.config


def _remove_font_folder(config: Any) -> None:
    folder = _weasyprint.font_folder(config)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def to_pdf(laid: LaidOut, *, footer_label: bool = True) -> bytes:
    """The PDF of a laid-out document; ``footer_label=False`` leaves out the footer's
    left-hand label (the packet's ``Agenda item | Attachment``) from every page."""
    document = laid.document if footer_label else _without_footer_label(laid.document)
    # The identifier comes from the content, so equal input gives equal bytes.
    identifier = _digest(laid.html if footer_label else laid.plain_html)
    return _write(document, identifier, forms=laid.forms)


def lay_out_document(doc: Document, *, packet_label: str = "") -> LaidOut:
    """``doc`` laid out for the PDF; with ``packet_label``, each page's footer shows it
    (which :func:`to_pdf` can leave out again)."""
    css = font_css()
    html = HTMLWriter(doc, extra_css=css).write()
    if not packet_label:
        return lay_out(html)
    labelled = replace(doc, info=replace(doc.info, footer_label=packet_label))
    return lay_out(HTMLWriter(labelled, extra_css=css).write(), plain_html=html)


def lay_out_form(form: TrackingForm, *, packet_label: str = "") -> LaidOut:
    """The tracking form laid out as a fillable PDF (AcroForm fields); ``packet_label`` as
    for :func:`lay_out_document`."""
    css = font_css()
    html = write_form_html(form, extra_css=css)
    if not packet_label:
        return lay_out(html, forms=True)
    labelled = write_form_html(replace(form, footer_label=packet_label), extra_css=css)
    return lay_out(labelled, forms=True, plain_html=html)


def write_pdf(doc: Document) -> bytes:
    """The tagged (PDF/UA-1) PDF for ``doc``."""
    return to_pdf(lay_out_document(doc))


def write_form_pdf(form: TrackingForm) -> bytes:
    """The tracking form as a fillable PDF."""
    return to_pdf(lay_out_form(form))


def write_packet(parts: list[tuple[str, LaidOut]], *, title: str) -> bytes:
    """One tagged PDF of every part's pages in order, as they were laid out (each keeps its
    own page numbers and footer), every page also numbered in the packet ("Packet page 5
    of 19", bottom right). Each part gets a bookmark titled as given, with its own
    headings' bookmarks under it (its title's own bookmark left out: the part's stands
    for it), and its link targets are kept to itself."""
    _weasyprint.import_weasyprint()
    from weasyprint import Document as WeasyDocument

    pages: list[Any] = []
    for index, (bookmark, laid) in enumerate(parts):
        pages.extend(_packet_pages(laid.document.pages, f"part{index + 1}-", bookmark))
    pages = _numbered(pages)
    first = parts[0][1].document
    metadata = copy.copy(first.metadata)
    metadata.title = title
    packet = WeasyDocument(pages, metadata, first.url_fetcher, first.font_config,
                           first.color_profiles, first.output_intent)
    identifier = _digest(*(laid.html for _, laid in parts))
    return _write(packet, identifier, forms=any(laid.forms for _, laid in parts),
                  outlines=True)


def _packet_page_label(number: int, total: int) -> str:
    """The packet's own page number on each of its pages."""
    return f"Packet page {number} of {total}"


def _numbered(pages: list[Any]) -> list[Any]:
    """``pages`` with their packet page numbers at the bottom right: laid out as pages of
    the same sizes and margins holding nothing else, and each one's margin box moved onto
    its page. The parts' own layouts (and so their own files) are left as they were."""
    shapes = [(page.width, page.height, *_weasyprint.page_margins(page)) for page in pages]
    names = {shape: f"packet{i}" for i, shape in enumerate(dict.fromkeys(shapes))}
    rules = "".join(f"@page {name} {{ size: {w}px {h}px; margin: {t}px {r}px {b}px {left}px; }}\n"
                    f".{name} {{ page: {name}; }}\n"
                    for (w, h, t, r, b, left), name in names.items())
    body = "".join(f'<div class="packet-page {names[shape]}">'
                   f"{_packet_page_label(number, len(pages))}</div>\n"
                   for number, shape in enumerate(shapes, 1))
    stamps = lay_out(f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                     f"<title>Packet page numbers</title><style>\n{font_css()}"
                     f"{stylesheet('packet.css')}{rules}</style></head>\n<body>\n{body}"
                     "</body></html>\n").document.pages
    if len(stamps) != len(pages):
        raise AssertionError(f"{len(stamps)} packet page numbers for {len(pages)} pages")
    return [_weasyprint.with_margin_box(page, stamp, "@bottom-right")
            for page, stamp in zip(pages, stamps, strict=True)]


def _packet_pages(pages: list[Any], prefix: str, bookmark: str) -> list[Any]:
    """A part's pages for the packet: its anchors and internal links prefixed, so that two
    parts' equal ids cannot point into each other, and its bookmarks under ``bookmark``
    (level 1, at the top of its first page). The part's title, when it is the one
    bookmark at the part's top level and comes first, is left out, as ``bookmark``
    names it; the headings below keep their nesting, one level under ``bookmark``."""
    marks = [mark for page in pages for mark in page.bookmarks]
    levels = [level for level, *_ in marks]
    title = (marks[0] if marks and levels.count(min(levels)) == 1 and levels[0] == min(levels)
             else None)
    rest = [mark[0] for mark in marks if mark is not title]
    shift = 2 - min(rest) if rest else 0
    out = []
    for number, page in enumerate(pages):
        new = copy.copy(page)
        new.bookmarks = [(level + shift, label, target, state)
                         for mark in page.bookmarks if mark is not title
                         for level, label, target, state in [mark]]
        if number == 0:
            new.bookmarks.insert(0, (1, bookmark, (0, 0), "open"))
        new.anchors = {prefix + name: point for name, point in page.anchors.items()}
        new.links = [(kind, prefix + target if kind == "internal" else target, rect, box)
                     for kind, target, rect, box in page.links]
        out.append(new)
    return out


def _without_footer_label(document: Any) -> Any:
    """A copy of ``document`` whose pages lack the bottom-left margin box (the label)."""
    return document.copy([_weasyprint.without_margin_box(page, "@bottom-left")
                          for page in document.pages])


def _digest(*texts: str) -> bytes:
    return hashlib.sha256("\0".join(texts).encode()).hexdigest()[:32].encode()


def _write(document: Any, identifier: bytes, *, forms: bool, outlines: bool = False) -> bytes:
    def finish(doc: Any, pdf: Any) -> None:
        _weasyprint.mend_structure(pdf)
        if forms:
            _weasyprint.mend_form_fields(pdf)
        if outlines:  # open with the bookmarks shown, as a packet of parts should
            pdf.catalog["PageMode"] = "/UseOutlines"

    with _weasyprint.errors_raised(repr(document.metadata.title or "a document")):
        pdf: bytes = document.write_pdf(
            pdf_variant=PDF_VARIANT,
            pdf_identifier=identifier,
            pdf_forms=forms,
            custom_metadata=True,
            finisher=finish,
        )
    return pdf
