"""The one place smpgen relies on WeasyPrint's (and pydyf's) private parts.

WeasyPrint is pinned (70); each function here names the private attribute or internal
behaviour it depends on, and tests/test_weasyprint_adapter.py exercises every one of them
against the installed WeasyPrint (tests/test_pdfua.py: :func:`mend_structure` and
:func:`errors_raised`, through the PDF/UA checks), so an upgrade that changes them fails
there, loudly, instead of quietly changing the PDFs. Everything else in smpgen uses
WeasyPrint's public API only, after :func:`import_weasyprint`.
"""

from __future__ import annotations

import copy
import importlib
import logging
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import PDFAccessibilityError, printable


@dataclass(frozen=True, slots=True)
class NativeLibrary:
    """A C library WeasyPrint loads when it is imported (``weasyprint/text/ffi.py``)."""

    soname: str
    """Its file name on Linux, which the dynamic loader finds without any search."""
    names: tuple[str, ...]
    """Every name WeasyPrint 70 tries for it, in its order."""
    optional: bool = False
    """WeasyPrint carries on without it."""


NATIVE_LIBRARIES = (
    NativeLibrary("libgobject-2.0.so.0", (
        "libgobject-2.0-0", "gobject-2.0-0", "gobject-2.0", "libgobject-2.0.so.0",
        "libgobject-2.0.0.dylib", "libgobject-2.0-0.dll")),
    NativeLibrary("libpango-1.0.so.0", (
        "libpango-1.0-0", "pango-1.0-0", "pango-1.0", "libpango-1.0.so.0",
        "libpango-1.0.dylib", "libpango-1.0-0.dll")),
    NativeLibrary("libharfbuzz.so.0", (
        "libharfbuzz-0", "harfbuzz", "harfbuzz-0.0", "libharfbuzz.so.0",
        "libharfbuzz.0.dylib", "libharfbuzz-0.dll")),
    NativeLibrary("libharfbuzz-subset.so.0", (
        "libharfbuzz-subset-0", "harfbuzz-subset", "harfbuzz-subset-0.0",
        "libharfbuzz-subset.so.0", "libharfbuzz-subset.0.dylib", "libharfbuzz-subset-0.dll")),
    # Only paints colour (COLR) glyphs, which the embedded fonts do not have; Debian does
    # not ship it, so it is looked for under its file name alone (a search for its six
    # names would cost 0.06 s).
    NativeLibrary("libharfbuzz-vector.so.0", (
        "libharfbuzz-vector-0", "harfbuzz-vector", "harfbuzz-vector-0.0",
        "libharfbuzz-vector.so.0", "libharfbuzz-vector.0.dylib", "libharfbuzz-vector-0.dll"),
        optional=True),
    NativeLibrary("libfontconfig.so.1", (
        "libfontconfig-1", "fontconfig-1", "fontconfig", "libfontconfig.so.1",
        "libfontconfig.1.dylib", "libfontconfig-1.dll")),
    NativeLibrary("libpangoft2-1.0.so.0", (
        "libpangoft2-1.0-0", "pangoft2-1.0-0", "pangoft2-1.0", "libpangoft2-1.0.so.0",
        "libpangoft2-1.0.dylib", "libpangoft2-1.0-0.dll")),
)
"""WeasyPrint's native libraries, with the names it tries for each."""

_BY_NAME = {name: library for library in NATIVE_LIBRARIES for name in library.names}
_IMPORT_LOCK = threading.Lock()


def weasyprint_version() -> str:
    """The installed WeasyPrint's version, for messages (without importing WeasyPrint)."""
    from importlib.metadata import version

    return version("weasyprint")


def import_weasyprint() -> None:
    """Import WeasyPrint once, its native libraries loaded by their Linux file names.

    WeasyPrint tries several names for each library (for Windows, macOS and Linux) and
    cffi hands each name it cannot open directly to ``ctypes.util.find_library``, which
    runs ldconfig, the C compiler and the linker: about 0.17 s of every process that
    writes a PDF. Here, while WeasyPrint's ``text/ffi.py`` makes its ``cffi.FFI()``, that
    class is one that opens the library's Linux file name first. Nothing else changes:
    ctypes is only asked, never altered; ``cffi.FFI`` is itself again once WeasyPrint is
    imported (and differs only for WeasyPrint's library names meanwhile); a required
    library whose file name does not open is searched for the usual way; only the
    optional HarfBuzz vector library is not searched for under its other names.

    Private: the names ``weasyprint/text/ffi.py`` tries (:data:`NATIVE_LIBRARIES`), and
    that it loads them through a ``cffi.FFI`` it makes at import.
    """
    with _IMPORT_LOCK:
        if "weasyprint" in sys.modules:
            return
        with _sonames_first() if sys.platform.startswith("linux") else nullcontext():
            importlib.import_module("weasyprint")


@contextmanager
def _sonames_first() -> Iterator[None]:
    import cffi  # type: ignore[import-untyped]

    ordinary = cffi.FFI
    cffi.FFI = _sonames_first_class(ordinary)
    try:
        yield
    finally:
        cffi.FFI = ordinary


def _sonames_first_class(ordinary: Any) -> Any:
    class SonamesFirst(ordinary):  # type: ignore[misc]
        """A ``cffi.FFI`` that opens WeasyPrint's libraries by their Linux file names."""

        def dlopen(self, name: Any, flags: int = 0) -> Any:
            library = _BY_NAME.get(name) if isinstance(name, str) else None
            if library is None:
                return super().dlopen(name, flags)
            if _loader_opens(library.soname):
                return super().dlopen(library.soname, flags)  # opens at once: no search
            if library.optional:  # WeasyPrint goes on without it, and need not search
                raise OSError(f"{library.soname} is not installed")
            return super().dlopen(name, flags)  # WeasyPrint's own search

    return SonamesFirst


def _loader_opens(soname: str) -> bool:
    """Whether the dynamic loader alone opens ``soname`` (from LD_LIBRARY_PATH, its cache
    or the system folders). Asked through ctypes, which, unlike cffi, does not go on to
    search with ``find_library`` when it cannot."""
    import ctypes

    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


class _Recorder(logging.Handler):
    """Keeps the messages of the ERROR records one thread logs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.thread = threading.get_ident()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread == self.thread:
            self.messages.append(record.getMessage())


@contextmanager
def errors_raised(what: str) -> Iterator[None]:
    """Raise :class:`PDFAccessibilityError` after the block if WeasyPrint logged an error
    in it (this thread's records of the ``weasyprint`` logger at ERROR or above; WeasyPrint
    only logs these and writes the PDF regardless). ``what`` names the document.

    Relies on WeasyPrint's documented logger name and on its reporting the tagging
    problems of ``pdf/tags.py`` (and dead internal links, ``pdf/anchors.py``) as ERROR
    records while ``write_pdf`` runs (tests/test_pdfua.py checks that it still does)."""
    logger = logging.getLogger("weasyprint")
    recorder = _Recorder()
    level = logger.level
    silenced = not logger.isEnabledFor(logging.ERROR)
    if silenced:  # by an application using smpgen: heard here all the same
        logger.setLevel(logging.ERROR)
    logger.addHandler(recorder)
    try:
        yield
    finally:
        logger.removeHandler(recorder)
        if silenced:
            logger.setLevel(level)
    if recorder.messages:
        listed = "; ".join(printable(m if len(m) <= 200 else m[:199] + "\u2026")
                           for m in dict.fromkeys(recorder.messages))
        raise PDFAccessibilityError(
            f"the PDF of {what} would not be accessible (PDF/UA-1), so it was not written: "
            f"WeasyPrint {weasyprint_version()} reported: {listed}. This is a fault in "
            "smpgen; please report it")


def font_folder(config: Any) -> Path | None:
    """The folder where a ``FontConfiguration`` copies ``@font-face`` files (None until it
    copies one); WeasyPrint deletes it only when the configuration is collected.

    Private: ``FontConfiguration._folder``."""
    folder = _private(config, "_folder")
    return Path(folder) if folder else None


def without_margin_box(page: Any, at_keyword: str) -> Any:
    """``page`` without its page-margin box ``at_keyword`` (e.g. ``"@bottom-left"``): a
    copy when it has one, else ``page`` itself. WeasyPrint has no public way to change a
    laid-out page.

    Private: ``Page._page_box``, its ``children``, each margin box's ``at_keyword`` and
    ``Box.copy_with_children``."""
    box = _private(page, "_page_box")
    kept = [child for child in box.children if getattr(child, "at_keyword", None) != at_keyword]
    if len(kept) == len(box.children):
        return page
    new = copy.copy(page)
    new._page_box = box.copy_with_children(kept)
    return new


def page_margins(page: Any) -> tuple[float, float, float, float]:
    """The top, right, bottom and left margins of a laid-out page, in CSS pixels.

    Private: ``Page._page_box`` and its ``margin_top`` (and right, bottom, left)."""
    box = _private(page, "_page_box")
    top, right, bottom, left = (float(_private(box, f"margin_{side}"))
                                for side in ("top", "right", "bottom", "left"))
    return top, right, bottom, left


def with_margin_box(page: Any, source: Any, at_keyword: str) -> Any:
    """A copy of ``page`` with ``source``'s page-margin box ``at_keyword`` (in place of
    its own, if it has one): ``source`` is a page of the same size and margins, laid out
    with the same font configuration, so the box sits where it would on ``page``.

    Private: as :func:`without_margin_box`."""
    box = _private(page, "_page_box")
    added = [child for child in _private(source, "_page_box").children
             if getattr(child, "at_keyword", None) == at_keyword]
    if not added:
        raise ValueError(f"the source page has no {at_keyword} box")
    kept = [child for child in box.children if getattr(child, "at_keyword", None) != at_keyword]
    new = copy.copy(page)
    new._page_box = box.copy_with_children(kept + added)
    return new


def mend_form_fields(pdf: Any) -> None:
    """Mend WeasyPrint's form dictionaries in ``pdf`` (a ``pydyf.PDF``, as a ``finisher``
    receives it) before it is written.

    WeasyPrint starts every field's /DA with a graphics-state operator (``/a1.0 gs``),
    which the PDF standard does not allow there, and gives the form no default /DA or
    ZapfDingbats (``/ZaDb``) for redrawn check boxes; poppler-based readers then complain
    of a missing font.

    Private: how WeasyPrint writes fields' /DA, and that it stores the AcroForm's /DR and
    its /Font as references (``b"N 0 R"``) into ``pdf.objects``."""
    import pydyf

    acroform = pdf.catalog.get("AcroForm")
    if acroform is None:
        return
    for obj in pdf.objects:
        if isinstance(obj, pydyf.Dictionary) and isinstance(obj.get("DA"), pydyf.String):
            da = obj["DA"].string
            text = da.decode() if isinstance(da, bytes) else str(da)
            obj["DA"] = pydyf.String(re.sub(r"/\S+ gs\s*", "", text))
    fonts = _deref(pdf, _deref(pdf, acroform["DR"])["Font"])
    first = next(iter(fonts))
    acroform["DA"] = pydyf.String(f"0 g /{first} 10 Tf")
    zadb = pydyf.Dictionary({"Type": "/Font", "Subtype": "/Type1", "BaseFont": "/ZapfDingbats"})
    pdf.add_object(zadb)
    fonts["ZaDb"] = zadb.reference


_TABLE_PARTS = ("/Table", "/THead", "/TBody", "/TFoot", "/TR", "/TH", "/TD")


def mend_structure(pdf: Any) -> None:
    """Mend WeasyPrint's structure tree in ``pdf`` (a ``pydyf.PDF``, as a ``finisher``
    receives it) before it is written, where PDF/UA asks more than WeasyPrint gives.

    - A table without a single header cell is a layout table (the tracking form's grid of
      captions and fields, its grid of check boxes): PDF/UA tags a table only for data,
      each cell with a header, so its table, row and cell elements become ``Div``s, the
      content in them unchanged. HTML cannot say this to WeasyPrint (``role`` is not
      read), and the form's grid needs a table's spanning cells.
    - WeasyPrint gives each header cell an identifier (``/ID``) for the data cells'
      ``/Headers`` but no ``/IDTree``, without which those identifiers lead nowhere
      (ISO 32000-1, 14.7.2): the tree is added.

    Private: that WeasyPrint's structure elements are ``pydyf.Dictionary`` objects in
    ``pdf.objects`` with ``/Type /StructElem``, their ``S`` a name string and their ``K``
    an array of references (``b"N 0 R"``), MCIDs and ``/OBJR`` references; that
    ``StructTreeRoot`` is a reference in ``pdf.catalog``; that a header cell's ``ID`` is
    a ``pydyf.String``."""
    import pydyf

    root = _deref(pdf, pdf.catalog.get("StructTreeRoot"))
    if root is None:
        return
    elements = [obj for obj in pdf.objects if isinstance(obj, pydyf.Dictionary)
                and obj.get("Type") == "/StructElem"]
    for table in elements:
        if table.get("S") == "/Table":
            parts = list(_table_parts(pdf, table))
            if not any(part["S"] == "/TH" for part in parts):
                for part in [table, *parts]:
                    part["S"] = "/Div"
                    part.pop("A", None)  # the table attributes (/O /Table) go with it
    ids = sorted(((element["ID"], element) for element in elements
                  if isinstance(element.get("ID"), pydyf.String)),
                 key=lambda pair: _string_bytes(pair[0]))
    if ids:
        names = pydyf.Array()
        for identifier, element in ids:
            names.extend([identifier, element.reference])
        tree = pydyf.Dictionary({"Names": names})
        pdf.add_object(tree)
        root["IDTree"] = tree.reference


def _table_parts(pdf: Any, table: Any) -> Iterator[Any]:
    """The row groups, rows and cells of ``table``, not those of a table inside one of its
    cells (which is judged on its own)."""
    import pydyf

    todo = list(table.get("K", ()))
    while todo:
        kid = _deref(pdf, todo.pop(0))
        if not isinstance(kid, pydyf.Dictionary) or kid.get("Type") != "/StructElem":
            continue
        if kid.get("S") == "/Table" or kid.get("S") not in _TABLE_PARTS:
            continue  # a nested table, or a cell's content
        yield kid
        todo.extend(kid.get("K", ()))


def _string_bytes(value: Any) -> bytes:
    """A ``pydyf.String``'s bytes, the order of a name tree's keys (WeasyPrint's
    identifiers are ASCII)."""
    text = value.string
    return text if isinstance(text, bytes) else str(text).encode()


def _deref(pdf: Any, value: Any) -> Any:
    """The object an indirect reference (``b"N 0 R"``) points to; anything else as is."""
    return pdf.objects[int(value.split()[0])] if isinstance(value, bytes) else value


def _private(obj: Any, name: str) -> Any:
    """``obj.name``, or an error that says which private attribute WeasyPrint lost."""
    try:
        return getattr(obj, name)
    except AttributeError:
        raise AttributeError(
            f"WeasyPrint {weasyprint_version()} has no {type(obj).__name__}.{name}, which "
            "smpgen/writers/_weasyprint.py relies on; update that module for this "
            "version") from None
