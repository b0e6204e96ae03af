"""The DOCX accessibility lint: what a screen reader needs from a Word file, read from the
WordprocessingML itself (lxml over the zip, never python-docx's reading of it, so a file
any program wrote is judged by what it says).

Each rule is a function over the parsed package returning its findings:

- ``docx title`` and ``docx language``: the file's title (``docProps/core.xml``
  ``dc:title``) and its language (``w:lang`` in the styles' defaults, or the settings'
  ``w:themeFontLang``), which a screen reader announces and reads with.
- ``docx heading-levels``: headings (a ``Heading N`` style, any style or paragraph with
  an outline level) start at level 1, or at the ``Title`` then level 1, and never skip a
  level going down (1 then 3).
- ``docx typed-list``: a list is a Word list (``w:numPr``), never a bullet or number
  typed as text (``•``, ``-``, ``1.``, ``(a)`` at the start of a paragraph), which a
  screen reader reads as text instead of announcing a list and its length;
  ``docx list-numbering``: a list paragraph's numbering exists in ``numbering.xml``.
- ``docx table-header``: a data table's first row is a header row (``w:tblHeader``:
  Layout ▸ Repeat Header Rows), so each cell is read with its column's heading. A table
  that is not a data table says so: its ``w:tblLook`` turns the header row off
  (``w:firstRow="0"``, Table Design ▸ Header Row unchecked) and it is read as the text it
  holds, in order: the tracking form's boxes, a label beside its value.
- ``docx alt-text``: every drawing has alternative text (``wp:docPr/@descr``) or is
  marked decorative; every VML picture has ``alt``.
- ``docx empty-paragraph``: no empty paragraph used for space (spacing belongs to the
  paragraph's own format). Allowed, where Word needs a paragraph: the last paragraph of
  a table cell (every cell ends with one: an empty cell, a cell ending with a nested
  table, a form's field left to fill in), the paragraph that ends the document after a
  table, and a paragraph carrying a section break or a page break.

Problems are located as ``paragraph N`` (the body's paragraphs in order, those in tables
counted too) or ``table N row M`` (tables in order, nested ones counted too).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from . import Finding

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W_NS,
    "wp": "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "v": "urn:schemas-microsoft-com:vml",
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "adec": "http://schemas.microsoft.com/office/drawing/2017/decorative",
}
MAX_PART = 64 * 1024 * 1024
"""Bytes one XML part may hold unpacked: more is not a document smpgen (or Word) wrote,
and is refused rather than read into memory."""
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)

TYPED_MARKER = re.compile(
    r"^\s*(?:[\u2022\u00b7\u25e6\u25aa\u25ab\u25a0\u25a1\u25cf\u25cb\u2023\u2043\u2013\u2014"
    r"\uf0b7\uf0a7\-*>]"
    r"|\(?(?:\d{1,3}|[a-zA-Z]|[ivxlcIVXLC]{1,6})[.)])[ \t\u00a0]")
"""A bullet or a number typed at the start of a paragraph: ``• ``, ``- ``, ``1. ``,
``a) ``, ``(iv) `` (Symbol-font bullets included)."""


def _w(name: str) -> str:
    return f"{{{W_NS}}}{name}"


def _on(element: Any, attribute: str = "val") -> bool:
    """A WordprocessingML on/off property: present and not turned off."""
    if element is None:
        return False
    return element.get(_w(attribute)) not in ("0", "false", "off")


@dataclass(slots=True)
class _Para:
    """A body paragraph and where it is."""

    element: Any
    index: int
    """1-based, in body order, paragraphs in tables counted."""
    table: int | None = None
    """The innermost table holding it (1-based, in body order), if any."""
    row: int | None = None

    @property
    def where(self) -> str:
        if self.table is not None:
            return f"table {self.table} row {self.row}"
        return f"paragraph {self.index}"


@dataclass(slots=True)
class _Table:
    element: Any
    index: int


@dataclass(slots=True)
class _Package:
    """The parts the rules read."""

    path: Path
    document: Any
    styles: Any | None
    settings: Any | None
    core: Any | None
    numbering: Any | None
    others: dict[str, Any] = field(default_factory=dict)
    """Headers and footers, by part name."""
    paragraphs: list[_Para] = field(default_factory=list)
    tables: list[_Table] = field(default_factory=list)

    def finding(self, where: str, rule: str, message: str) -> Finding:
        return Finding(self.path, where, f"docx {rule}", message)


class _Unreadable(Exception):
    """The file is not a DOCX this lint can read."""


def check_docx(path: Path) -> list[Finding]:
    """Every accessibility problem of the DOCX at ``path``, located; a file that is not a
    readable DOCX is one finding."""
    try:
        package = _load(path)
    except _Unreadable as e:
        return [Finding(path, "", "docx not-docx", str(e))]
    found: list[Finding] = []
    for rule in RULES:
        found.extend(rule(package))
    return found


def _load(path: Path) -> _Package:
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            if "word/document.xml" not in names:
                raise _Unreadable("not a Word document: the file has no word/document.xml "
                                  "(save it from Word as .docx)")

            def part(name: str) -> Any | None:
                if name not in names:
                    return None
                if z.getinfo(name).file_size > MAX_PART:
                    raise _Unreadable(f"{name} unpacks to more than {MAX_PART} bytes")
                try:
                    return etree.fromstring(z.read(name), _PARSER)
                except etree.XMLSyntaxError as e:
                    raise _Unreadable(f"{name} is not well-formed XML ({e}); the file is "
                                      "damaged") from e

            package = _Package(path, part("word/document.xml"), part("word/styles.xml"),
                               part("word/settings.xml"), part("docProps/core.xml"),
                               part("word/numbering.xml"))
            for name in sorted(names):
                if re.fullmatch(r"word/(header|footer)\d*\.xml", name):
                    package.others[name] = part(name)
    except (OSError, EOFError, zlib.error, NotImplementedError, zipfile.BadZipFile,
            zipfile.LargeZipFile, KeyError) as e:
        raise _Unreadable(f"not a DOCX: cannot be read as a zip package ({e})") from e
    body = package.document.find(_w("body"))
    if body is None:
        raise _Unreadable("word/document.xml has no w:body; the file is damaged")
    _walk(package, body, None, None)
    return package


def _walk(package: _Package, parent: Any, table: int | None, row: int | None) -> None:
    """Number the paragraphs and tables under ``parent`` in body order."""
    for child in parent:
        if child.tag == _w("p"):
            package.paragraphs.append(_Para(child, len(package.paragraphs) + 1, table, row))
        elif child.tag == _w("tbl"):
            number = len(package.tables) + 1
            package.tables.append(_Table(child, number))
            for r, tr in enumerate(child.iterfind(_w("tr")), 1):
                for tc in tr.iterfind(_w("tc")):
                    _walk(package, tc, number, r)
        elif child.tag in (_w("sdt"), _w("customXml")):
            content = child.find(_w("sdtContent")) if child.tag == _w("sdt") else child
            if content is not None:
                _walk(package, content, table, row)


# The rules -----------------------------------------------------------------------------

def _title(package: _Package) -> Iterator[Finding]:
    title = package.core.find("dc:title", NS) if package.core is not None else None
    if title is None or not (title.text or "").strip():
        yield package.finding("", "title", "the document has no title (docProps/core.xml "
                              "dc:title): set one in File ▸ Info ▸ Properties ▸ Title")


def _language(package: _Package) -> Iterator[Finding]:
    langs: list[str | None] = []
    if package.styles is not None:
        langs += [e.get(_w("val")) for e in package.styles.iterfind(
            "w:docDefaults/w:rPrDefault/w:rPr/w:lang", NS)]
    if package.settings is not None:
        langs += [e.get(_w("val")) for e in package.settings.iterfind("w:themeFontLang", NS)]
    if not any(lang and lang.strip() for lang in langs):
        yield package.finding("", "language", "the document's language is not set (no w:lang "
                              "in the default style, no w:themeFontLang): set it in Review ▸ "
                              "Language, for all the text")


class _Styles:
    """Paragraph styles by id: each one's outline level and list numbering, through the
    styles it is based on."""

    def __init__(self, styles: Any | None) -> None:
        self.by_id: dict[str, Any] = {}
        self.default: str | None = None
        if styles is None:
            return
        for style in styles.iterfind("w:style", NS):
            if style.get(_w("type")) != "paragraph":
                continue
            sid = style.get(_w("styleId"))
            if sid:
                self.by_id[sid] = style
                if _on(style, "default") and style.get(_w("default")) is not None:
                    self.default = sid

    def chain(self, sid: str | None) -> Iterator[Any]:
        seen: set[str] = set()
        sid = sid or self.default
        while sid and sid in self.by_id and sid not in seen:
            seen.add(sid)
            style = self.by_id[sid]
            yield style
            based = style.find("w:basedOn", NS)
            sid = based.get(_w("val")) if based is not None else None

    def name(self, sid: str | None) -> str:
        style = self.by_id.get(sid or "") if sid else None
        name = style.find("w:name", NS) if style is not None else None
        return (name.get(_w("val")) or "") if name is not None else ""

    def find(self, sid: str | None, path: str) -> Any | None:
        for style in self.chain(sid):
            found = style.find(path, NS)
            if found is not None:
                return found
        return None


def _style_id(p: Any) -> str | None:
    style = p.find("w:pPr/w:pStyle", NS)
    return style.get(_w("val")) if style is not None else None


def _heading_level(p: Any, styles: _Styles) -> int | None:
    """0 for a title, 1 to 9 for a heading, None for body text."""
    sid = _style_id(p)
    if sid == "Title" or styles.name(sid).lower() == "title":
        return 0
    outline = p.find("w:pPr/w:outlineLvl", NS)
    if outline is None:
        outline = styles.find(sid, "w:pPr/w:outlineLvl")
    if outline is not None:
        try:
            level = int(outline.get(_w("val"), "9"))
        except ValueError:
            return None
        return level + 1 if 0 <= level < 9 else None
    named = re.fullmatch(r"heading ([1-9])", styles.name(sid).lower())
    return int(named.group(1)) if named else None


def _headings(package: _Package) -> Iterator[Finding]:
    styles = _Styles(package.styles)
    last: int | None = None
    for para in package.paragraphs:
        level = _heading_level(para.element, styles)
        if level is None:
            continue
        if level == 0:
            last = 0 if last is None else last
            continue
        top = 0 if last is None else last
        if level > top + 1:
            before = "the document's start" if last is None else \
                "the title" if last == 0 else f"a level {last} heading"
            yield package.finding(
                para.where, "heading-levels",
                f"a level {level} heading after {before} (“{_text(para.element)[:60]}”): "
                f"headings go down one level at a time, starting at 1; make it Heading "
                f"{top + 1}")
        last = level


def _text(p: Any, *, deleted: bool = False) -> str:
    """The paragraph's text as it reads (without deleted or moved-away text unless
    ``deleted``)."""
    out: list[str] = []
    for el in p.iter(_w("t"), _w("tab"), _w("delText")):
        if el.getparent().tag != _w("r"):  # a tab stop's definition, not a tab
            continue
        if not deleted and any(a.tag in (_w("del"), _w("moveFrom")) for a in el.iterancestors()):
            continue
        if el.tag == _w("delText") and not deleted:
            continue
        out.append("\t" if el.tag == _w("tab") else el.text or "")
    return "".join(out)


def _typed_lists(package: _Package) -> Iterator[Finding]:
    for para in package.paragraphs:
        text = _text(para.element)
        if TYPED_MARKER.match(text):
            yield package.finding(
                para.where, "typed-list",
                f"a list marker typed as text (“{text.strip()[:40]}”): make the paragraph a "
                "list item (Home ▸ Bullets or Numbering) and delete the typed marker")


def _numbering(package: _Package) -> Iterator[Finding]:
    """A paragraph's list numbering refers to a list that exists."""
    nums: set[str] = set()
    if package.numbering is not None:
        nums = {n.get(_w("numId")) for n in package.numbering.iterfind("w:num", NS)}
    for para in package.paragraphs:
        num = para.element.find("w:pPr/w:numPr/w:numId", NS)
        if num is None:
            continue
        value = num.get(_w("val"))
        if value != "0" and value not in nums:
            yield package.finding(
                para.where, "list-numbering", f"the paragraph's list (w:numId {value}) is not "
                "defined in word/numbering.xml, so it shows no marker: apply the list again")


def _layout(tbl: Any) -> bool:
    """Whether the table says it has no header row (Table Design ▸ Header Row off)."""
    look = tbl.find("w:tblPr/w:tblLook", NS)
    if look is None:
        return False
    first = look.get(_w("firstRow"))
    if first is not None:
        return first in ("0", "false", "off")
    val = look.get(_w("val"))
    try:
        return val is not None and not int(val, 16) & 0x0020
    except ValueError:
        return False


def _tables(package: _Package) -> Iterator[Finding]:
    for table in package.tables:
        first = table.element.find("w:tr", NS)
        if first is None or _layout(table.element):
            continue
        if not _on(first.find("w:trPr/w:tblHeader", NS)):
            yield package.finding(
                f"table {table.index} row 1", "table-header",
                "the table's first row is not marked as its header row: select it and turn "
                "on Layout ▸ Repeat Header Rows (or, for a table that only lays text out, turn "
                "off Table Design ▸ Header Row)")


_DECORATIVE = "{C183D7F6-B498-43B3-948B-1728B52AA6E4}"


def _alt_text(package: _Package) -> Iterator[Finding]:
    where: dict[Any, str] = {}
    for para in package.paragraphs:
        for el in para.element.iter(_w("drawing"), _w("pict")):
            where.setdefault(el, para.where)
    parts = [("", package.document), *package.others.items()]
    for name, root in parts:
        for drawing in root.iter(_w("drawing")):
            doc_pr = drawing.find(".//wp:docPr", NS)
            decorative = drawing.find(f".//a:ext[@uri='{_DECORATIVE}']/adec:decorative", NS)
            if decorative is not None and decorative.get("val") in ("1", "true"):
                continue
            if doc_pr is None or not (doc_pr.get("descr") or "").strip():
                yield package.finding(
                    where.get(drawing, name), "alt-text",
                    "a picture or drawing without alternative text: right-click it, "
                    "View Alt Text, and describe it (or mark it decorative)")
        for image in root.iter("{urn:schemas-microsoft-com:vml}imagedata"):
            shape = image.getparent()
            pict = next((a for a in image.iterancestors(_w("pict"))), None)
            if not (shape.get("alt") or "").strip():
                yield package.finding(
                    where.get(pict, name), "alt-text",
                    "a picture without alternative text: right-click it, View Alt Text, "
                    "and describe it")


_CONTENT = tuple(_w(tag) for tag in ("drawing", "pict", "object", "sym", "fldSimple",
                                      "instrText", "fldChar"))


def _empty(p: Any) -> bool:
    """No text, picture, field or check box: only space."""
    if _text(p, deleted=True).strip():
        return False
    if any(True for _ in p.iter(*_CONTENT)):
        return False
    return not any(br.get(_w("type")) in ("page", "column") for br in p.iter(_w("br")))


def _empty_paragraphs(package: _Package) -> Iterator[Finding]:
    body = package.document.find(_w("body"))
    for para in package.paragraphs:
        p = para.element
        if not _empty(p) or p.find("w:pPr/w:sectPr", NS) is not None:
            continue
        parent = p.getparent()
        siblings = [c for c in parent if c.tag in (_w("p"), _w("tbl"))]
        previous = siblings[siblings.index(p) - 1] if siblings.index(p) else None
        last = siblings[-1] is p
        if parent.tag == _w("tc") and last:
            continue  # a cell ends with a paragraph (a form's, where the value is written)
        if parent is body and last and previous is not None and previous.tag == _w("tbl"):
            continue  # a document ends with a paragraph
        yield package.finding(
            para.where, "empty-paragraph",
            "an empty paragraph used as space: delete it and set the space before or after "
            "the paragraphs around it (Layout ▸ Spacing), which a screen reader does not "
            "read out as a blank")


RULES: tuple[Callable[[_Package], Iterator[Finding]], ...] = (
    _title, _language, _headings, _typed_lists, _numbering, _tables, _alt_text,
    _empty_paragraphs)
"""Every rule, in the order its findings are listed."""
