"""The one place smpgen relies on WeasyPrint's (and pydyf's) private parts.

WeasyPrint is pinned (70); each function here names the private attribute or internal
behaviour it depends on, and tests/test_weasyprint_adapter.py exercises every one of them
against the installed WeasyPrint, so an upgrade that changes them fails there, loudly,
instead of quietly changing the PDFs. Everything else in smpgen uses WeasyPrint's public
API only, after :func:`import_weasyprint`.
"""

from __future__ import annotations

import copy
import importlib
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any


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
