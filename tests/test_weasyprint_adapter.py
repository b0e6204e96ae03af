"""smpgen/writers/_weasyprint.py against the installed WeasyPrint: each function of the
adapter relies on something WeasyPrint does not promise, so an upgrade that changes it
must fail here, naming what changed, before it changes a PDF quietly."""

from __future__ import annotations

import ast
import importlib.util
import io
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from smpgen.writers import _weasyprint
from smpgen.writers.pdf import font_css, lay_out

VERSION = _weasyprint.weasyprint_version()
ADAPTER = "smpgen/writers/_weasyprint.py"


def page_html(body: str, css: str = "") -> str:
    """A page in the embedded fonts (laid out by smpgen's own :func:`lay_out`, which also
    keeps fontconfig to those fonts for the rest of the test run)."""
    return (f"<!DOCTYPE html><html lang=en><head><title>t</title><style>{font_css()}"
            f"body {{ font-family: 'Smpgen Serif' }} {css}</style></head>"
            f"<body>{body}</body></html>")


def pdf_text(document: Any) -> str:
    """The text of a WeasyPrint document's PDF."""
    reader = PdfReader(io.BytesIO(document.write_pdf()))
    return " ".join(page.extract_text() or "" for page in reader.pages)


def test_the_library_names_are_weasyprints() -> None:
    spec = importlib.util.find_spec("weasyprint.text.ffi")
    assert spec and spec.origin
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    tried = [tuple(arg.value for arg in call.args[1:] if isinstance(arg, ast.Constant))
             for call in ast.walk(tree) if isinstance(call, ast.Call)
             and isinstance(call.func, ast.Name) and call.func.id == "_dlopen"]
    ours = [library.names for library in _weasyprint.NATIVE_LIBRARIES]
    assert sorted(tried) == sorted(ours), (
        f"WeasyPrint {VERSION} loads other native libraries, or under other names, than "
        f"NATIVE_LIBRARIES in {ADAPTER} (weasyprint/text/ffi.py's _dlopen calls): "
        f"{sorted(set(tried) ^ set(ours))}")


IMPORT_PROBE = """
import ctypes.util, json, sys
searched = []
search = ctypes.util.find_library
ctypes.util.find_library = lambda name: searched.append(name) or search(name)
import cffi
ordinary = cffi.FFI
from smpgen.writers import _weasyprint
_weasyprint.import_weasyprint()
from weasyprint.text import ffi
loaded = {name: getattr(ffi, name) is not None for name in (
    "gobject", "pango", "harfbuzz", "harfbuzz_subset", "harfbuzz_vector", "fontconfig",
    "pangoft2")}
print(json.dumps({"searched": searched, "loaded": loaded, "restored": cffi.FFI is ordinary,
                  "class": type(ffi.ffi).__name__,
                  "vector": _weasyprint._loader_opens("libharfbuzz-vector.so.0")}))
"""


def test_import_opens_every_library_by_its_file_name() -> None:
    # A fresh interpreter: this one may have imported WeasyPrint already.
    out = subprocess.run([sys.executable, "-c", IMPORT_PROBE], capture_output=True,
                         text=True, check=True).stdout
    probe = json.loads(out)
    assert probe["class"] == "SonamesFirst", (
        f"WeasyPrint {VERSION} no longer loads its libraries through a cffi.FFI made when "
        f"weasyprint.text.ffi is imported; {ADAPTER}'s import_weasyprint needs updating")
    assert probe["searched"] == [], (
        f"importing WeasyPrint {VERSION} still searched for {probe['searched']} with "
        f"ctypes.util.find_library (slow); update NATIVE_LIBRARIES in {ADAPTER}")
    assert probe["restored"], "cffi.FFI must be the ordinary class again after the import"
    loaded = probe["loaded"]
    assert loaded.pop("harfbuzz_vector") == probe["vector"]  # optional: only if installed
    assert all(loaded.values()), loaded


def test_font_folder_is_where_weasyprint_copies_font_files() -> None:
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    lay_out(page_html("x"))  # WeasyPrint imported, fontconfig kept to the embedded fonts
    config = FontConfiguration()
    assert _weasyprint.font_folder(config) is None, (
        f"WeasyPrint {VERSION}: a new FontConfiguration._folder should be None")
    HTML(string=page_html("x")).render(font_config=config)
    folder = _weasyprint.font_folder(config)
    assert folder is not None and folder.is_dir() and any(folder.iterdir()), (
        f"WeasyPrint {VERSION} no longer copies @font-face files into "
        f"FontConfiguration._folder; {ADAPTER}'s font_folder needs updating")
    shutil.rmtree(folder)  # as smpgen does at exit: WeasyPrint would only when collected


def test_without_margin_box_drops_one_margin_box() -> None:
    css = ('@page { @bottom-left { content: "Left label" } '
           '@bottom-right { content: "Right label" } }')
    document = lay_out(page_html("<p>Body text</p>", css)).document
    page = document.pages[0]
    assert _weasyprint.without_margin_box(page, "@top-center") is page  # none to drop
    trimmed = _weasyprint.without_margin_box(page, "@bottom-left")
    assert trimmed is not page
    before, after = pdf_text(document), pdf_text(document.copy([trimmed]))
    assert "Left label" in before and "Right label" in before
    assert "Left label" not in after, (
        f"WeasyPrint {VERSION}: Page._page_box's children no longer hold the page-margin "
        f"boxes by at_keyword; {ADAPTER}'s without_margin_box needs updating")
    assert "Right label" in after and "Body text" in after
    assert "Left label" in pdf_text(document)  # the page itself is left as it was


def test_with_margin_box_moves_a_margin_box_onto_another_page() -> None:
    css = ("@page { size: 400px 300px; margin: 20px 30px 40px 50px; "
           '@bottom-left { content: "Own label" } @bottom-right { content: "Own right" } }')
    page = lay_out(page_html("<p>Body text</p>", css)).document.pages[0]
    assert _weasyprint.page_margins(page) == (20, 30, 40, 50), (
        f"WeasyPrint {VERSION}: Page._page_box no longer has margin_top (right, bottom, "
        f"left) in CSS pixels; {ADAPTER}'s page_margins needs updating")
    source = lay_out(page_html("<p>Other text</p>", css.replace("Own right", "Moved")))
    document = source.document.copy([_weasyprint.with_margin_box(
        page, source.document.pages[0], "@bottom-right")])
    text = pdf_text(document)
    assert "Moved" in text and "Own right" not in text, (
        f"WeasyPrint {VERSION}: a margin box put among Page._page_box's children is no "
        f"longer drawn; {ADAPTER}'s with_margin_box needs updating: {text!r}")
    assert "Body text" in text and "Own label" in text and "Other text" not in text
    with pytest.raises(ValueError, match="@top-center"):
        _weasyprint.with_margin_box(page, page, "@top-center")


def test_mend_form_fields() -> None:
    document = lay_out(page_html(
        '<form><input type="text" name="who" title="Who"> '
        '<input type="checkbox" name="ok" title="OK"></form>'), forms=True).document
    seen: list[str] = []

    def finish(_document: Any, pdf: Any) -> None:
        seen.extend(obj["DA"].string.decode() if isinstance(obj["DA"].string, bytes)
                    else str(obj["DA"].string)
                    for obj in pdf.objects if isinstance(obj, dict) and "DA" in obj)
        _weasyprint.mend_form_fields(pdf)

    data = document.write_pdf(pdf_forms=True, finisher=finish)
    assert any(re.search(r"/\S+ gs", da) for da in seen), (
        f"WeasyPrint {VERSION} no longer puts a graphics state in fields' /DA; "
        f"{ADAPTER}'s mend_form_fields may no longer be needed: {seen}")
    reader = PdfReader(io.BytesIO(data))
    acroform = reader.trailer["/Root"]["/AcroForm"]
    assert re.fullmatch(r"0 g /\S+ 10 Tf", str(acroform["/DA"]))
    assert "/ZaDb" in acroform["/DR"]["/Font"]
    for annotation in reader.pages[0]["/Annots"]:
        assert " gs" not in str(annotation.get_object().get("/DA", ""))
    assert set(reader.get_fields() or {}) == {"who", "ok"}


def test_a_lost_private_attribute_is_named() -> None:
    class NotAPage:
        pass

    try:
        _weasyprint.without_margin_box(NotAPage(), "@bottom-left")
    except AttributeError as e:
        assert f"WeasyPrint {VERSION} has no NotAPage._page_box" in str(e)
        assert ADAPTER in str(e)
    else:
        raise AssertionError("expected an AttributeError")
