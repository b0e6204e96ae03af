"""PDF/UA-1 checks of a PDF: the ``page-validation`` checker's PDF/UA-1 profile (its 104
rules, run in this process), and smpgen's own checks, with pikepdf, of what that profile
does not look at but a screen reader or a PDF reader needs: the title shown in the title
bar, the document's language, the PDF/UA identification in the XMP metadata, alternative
text on figures, accessible names on form fields, a structure tree whose parent tree,
identifiers and role map hold together (which a packet made of several documents must
keep), tables with header cells, and the tab order of each page.

Any PDF can be checked, not only smpgen's; a file that is not a PDF, or cannot be read,
is one finding, never an exception.
"""

from __future__ import annotations

import io
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import Finding

if TYPE_CHECKING:
    import page
    import pikepdf

CHECKER = "page-validation"
"""The PyPI distribution of the PDF/UA checker (imported as ``page``)."""
CHECKER_VERSION = "0.11.0"
"""The checker's version these checks are written for: its rule ids and their number
(104 for PDF/UA-1) change between versions, so ``pyproject.toml`` pins it exactly."""
REQUIREMENT = f"{CHECKER}=={CHECKER_VERSION}"
"""The requirement ``pyproject.toml`` lists among smpgen's dependencies."""

MAX_SIZE = 200_000_000
"""The largest file checked (bytes): a council packet is a few megabytes."""

STANDARD_TYPES = frozenset((
    "Document", "Part", "Art", "Sect", "Div", "BlockQuote", "Caption", "TOC", "TOCI", "Index",
    "NonStruct", "Private", "P", "H", "H1", "H2", "H3", "H4", "H5", "H6", "L", "LI", "Lbl",
    "LBody", "Table", "TR", "TH", "TD", "THead", "TBody", "TFoot", "Span", "Quote", "Note",
    "Reference", "BibEntry", "Code", "Link", "Annot", "Ruby", "RB", "RT", "RP", "Warichu",
    "WT", "WP", "Figure", "Formula", "Form"))
"""The standard structure types of PDF 1.7 (ISO 32000-1, 14.8.4), which need no role map."""

_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")
_DC = "{http://purl.org/dc/elements/1.1/}"
_PDFUAID = "{http://www.aiim.org/pdfua/ns/id/}part"


def check_pdf(path: Path) -> list[Finding]:
    """Every PDF/UA-1 problem found in the PDF at ``path``: one finding for each rule of
    the checker that fails (located at a page when the checker names one object), then
    one for each of smpgen's own checks that fails. An empty list: the file passes. A file
    that is not a PDF, or that neither reader can parse, is one finding."""
    data, problem = _read(path)
    if data is None:
        return [Finding(path, "", "pdf file", problem)]
    import page
    import pikepdf

    try:
        report = page.validate_pdf_bytes(data, profile=page.ValidationProfile.PDF_UA_1)
    except page.SafetyLimitError as e:
        return [Finding(path, "", "pdf file", f"too large or too deeply nested for the PDF/UA "
                        f"checker's safety limits; not checked ({_short(e)})")]
    except page.PageError as e:
        return [Finding(path, "", "pdf file", f"this PDF cannot be read ({_short(e)})")]
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return _failures(path, report, pdf) + _own_checks(path, pdf)
    except (pikepdf.PdfError, ValueError, TypeError, AttributeError, KeyError,
            RecursionError) as e:
        return [Finding(path, "", "pdf file", f"the PDF is damaged and cannot be checked "
                        f"({_short(e)})")]


def _read(path: Path) -> tuple[bytes | None, str]:
    """The file's bytes, or None and why it cannot be checked."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"
        if info.st_size > MAX_SIZE:
            return None, f"larger than {MAX_SIZE:,} bytes; not checked"
        data = path.read_bytes()
    except OSError as e:
        return None, f"cannot be read: {e.strerror or e}"
    if b"%PDF-" not in data[:1024]:
        return None, "not a PDF (no %PDF- header at its start)"
    return data, ""


def _short(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[-1][:200] if text else type(error).__name__


# The checker --------------------------------------------------------------------------


def _failures(path: Path, report: page.ValidationReport, pdf: pikepdf.Pdf) -> list[Finding]:
    """The checker's failed rules, one finding each."""
    pages = _page_numbers(pdf)
    found = []
    for failure in report.failures:
        where = ""
        if failure.object_id is not None:
            where = _where(pdf, pages, failure.object_id.object_number,
                           failure.object_id.generation)
        message = failure.message[:1].upper() + failure.message[1:]
        found.append(Finding(path, where, failure.rule_id, message))
    return found


def _where(pdf: pikepdf.Pdf, pages: dict[tuple[int, int], int], number: int,
           generation: int) -> str:
    """The page an object is on (a page, an annotation, a structure element or one of its
    descendants), else the object's number."""
    import pikepdf

    try:
        obj = pdf.get_object((number, generation))
    except (pikepdf.PdfError, ValueError):
        return f"object {number}"
    page = _page_of(obj, pages)
    return f"page {page}" if page else f"object {number}"


def _page_of(obj: pikepdf.Object, pages: dict[tuple[int, int], int]) -> int | None:
    """The number of the page ``obj`` is, or is on (through ``/Pg`` or ``/P``, or a
    structure element's first descendant that says)."""
    import pikepdf

    seen: set[tuple[int, int]] = set()
    todo = [obj]
    while todo and len(seen) < 10_000:
        node = todo.pop(0)
        if not isinstance(node, pikepdf.Dictionary):
            continue
        if node.is_indirect:
            if node.objgen in pages:
                return pages[node.objgen]
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        for key in ("/Pg", "/P"):
            target = node.get(key)
            if isinstance(target, pikepdf.Dictionary) and target.objgen in pages:
                return pages[target.objgen]
        todo.extend(_kids(node))
    return None


def _page_numbers(pdf: pikepdf.Pdf) -> dict[tuple[int, int], int]:
    return {page.obj.objgen: number for number, page in enumerate(pdf.pages, 1)}


# smpgen's own checks -----------------------------------------------------------------


@dataclass(slots=True)
class _Own:
    """The findings of smpgen's own checks, as they are made."""

    path: Path
    found: list[Finding]

    def add(self, where: str, rule: str, message: str) -> None:
        self.found.append(Finding(self.path, where, f"pdf {rule}", message))


def _own_checks(path: Path, pdf: pikepdf.Pdf) -> list[Finding]:
    """What the checker's profile leaves out, each as its own rule (``pdf lang``...)."""
    own = _Own(path, [])
    _catalog(own, pdf)
    _metadata(own, pdf)
    pages = _page_numbers(pdf)
    elements = _structure(own, pdf, pages)
    _parent_tree(own, pdf, pages)
    _figures_and_tables(own, elements, pages)
    _fields(own, pdf, pages)
    return own.found


def _catalog(own: _Own, pdf: pikepdf.Pdf) -> None:
    import pikepdf

    root = pdf.Root
    prefs = root.get("/ViewerPreferences")
    if not (isinstance(prefs, pikepdf.Dictionary) and _true(prefs.get("/DisplayDocTitle"))):
        own.add("", "display-doc-title", "a PDF reader shows the file name, not the title, "
                "in its title bar: /ViewerPreferences /DisplayDocTitle must be true")
    lang = root.get("/Lang")
    text = str(lang) if isinstance(lang, pikepdf.String) else ""
    if not text:
        own.add("", "lang", "the document's language is not set (/Lang in the catalog), so a "
                "screen reader may read it in the wrong language")
    elif not _LANGUAGE.fullmatch(text):
        own.add("", "lang", f"the document's language {text!r} (/Lang) is not a language tag "
                "such as en-US")
    mark = root.get("/MarkInfo")
    if not (isinstance(mark, pikepdf.Dictionary) and _true(mark.get("/Marked"))):
        own.add("", "marked", "the PDF does not say it is tagged (/MarkInfo /Marked true)")
    # PDF/UA-1 7.18.3: a page with annotations (links, fields) orders them by structure.
    untabbed = [number for number, page in enumerate(pdf.pages, 1)
                if len(page.obj.get("/Annots", [])) and page.obj.get("/Tabs") != pikepdf.Name.S]
    if untabbed:  # one finding for them all: a file from elsewhere may lack it on every page
        own.add(_pages(untabbed), "tabs", "the tab key does not follow the structure order "
                "(/Tabs /S on each page with links or fields)")


def _metadata(own: _Own, pdf: pikepdf.Pdf) -> None:
    import pikepdf

    try:
        meta = pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False)
        part = meta.get(_PDFUAID)
        title = meta.get(f"{_DC}title")
    except (pikepdf.PdfError, ValueError, KeyError) as e:  # unreadable XMP
        own.add("", "xmp", f"the XMP metadata cannot be read ({_short(e)})")
        return
    if str(part or "").strip() != "1":
        own.add("", "pdfuaid", "the XMP metadata does not identify the file as PDF/UA-1 "
                f"(pdfuaid:part is {part!r}, not 1)" if part else
                "the XMP metadata does not identify the file as PDF/UA-1 (no pdfuaid:part)")
    if not str(title or "").strip():
        own.add("", "title", "the document has no title (dc:title in its XMP metadata)")


@dataclass(frozen=True, slots=True)
class _Element:
    """A structure element met in the walk of the tree."""

    node: pikepdf.Dictionary
    kind: str
    """Its type as mapped to a standard one (``/Table``)."""
    parent: _Element | None


def _structure(own: _Own, pdf: pikepdf.Pdf, pages: dict[tuple[int, int], int]
               ) -> list[_Element]:
    """Walk the structure tree: its root has children, every type is standard or role
    mapped to one, every element identifier is in the ID tree. The elements, in order."""
    import pikepdf

    root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root, pikepdf.Dictionary) or not _kids(root):
        own.add("", "structure", "the PDF has no structure tree (it is not tagged), so a "
                "screen reader cannot tell headings, lists or tables from plain text")
        return []
    roles = root.get("/RoleMap")
    role_map = ({str(k): v for k, v in roles.items()}
                if isinstance(roles, pikepdf.Dictionary) else {})
    ids = _id_tree(root)
    elements: list[_Element] = []
    seen: set[tuple[int, int]] = set()
    todo: list[tuple[pikepdf.Object, _Element | None]] = [(k, None) for k in _kids(root)]
    todo.reverse()
    while todo:
        node, parent = todo.pop()
        if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
            continue
        if node.is_indirect:
            if node.objgen in seen:
                continue
            seen.add(node.objgen)
        where = _at(node, pages)
        kind = _mapped(str(node.S), role_map)
        if kind is None:
            own.add(where, "role-map", f"the structure type {node.S} is neither standard "
                    "nor mapped to a standard type in the role map")
            kind = str(node.S)
        identifier = node.get("/ID")
        if identifier is not None:
            target = ids.get(str(identifier))
            if target is None or target.objgen != node.objgen:
                own.add(where, "id-tree", f"the structure element {kind} with the identifier "
                        f"{str(identifier)!r} is not found by it in the ID tree (/IDTree), "
                        "so table cells cannot reach their headers")
        element = _Element(node, kind, parent)
        elements.append(element)
        todo.extend((k, element) for k in reversed(_kids(node)))
    return elements


def _mapped(kind: str, role_map: dict[str, pikepdf.Object]) -> str | None:
    """``kind`` followed through the role map to a standard type (None: it reaches none)."""
    for _ in range(32):
        if kind[1:] in STANDARD_TYPES:
            return kind
        target = role_map.get(kind)
        if target is None:
            return None
        kind = str(target)
    return None


def _id_tree(root: pikepdf.Dictionary) -> dict[str, pikepdf.Object]:
    """The structure tree's element identifiers (``/IDTree``), each to its element."""
    import pikepdf

    tree = root.get("/IDTree")
    if not isinstance(tree, pikepdf.Dictionary):
        return {}
    return {str(k): v for k, v in pikepdf.NameTree(tree).items()}


def _parent_tree(own: _Own, pdf: pikepdf.Pdf, pages: dict[tuple[int, int], int]) -> None:
    """Every marked-content sequence on a page, and every link and form field, leads back to
    its structure element through the parent tree: what a packet of joined documents
    loses first."""
    import pikepdf

    root = pdf.Root.get("/StructTreeRoot")
    if not isinstance(root, pikepdf.Dictionary):
        return
    tree = root.get("/ParentTree")
    if not isinstance(tree, pikepdf.Dictionary):
        own.add("", "parent-tree", "the structure tree has no parent tree, so a reader cannot "
                "find the tag of any text on a page")
        return
    parents = dict(pikepdf.NumberTree(tree).items())
    for number, page in enumerate(pdf.pages, 1):
        mcids = _mcids(page)
        key = page.obj.get("/StructParents")
        entry = parents.get(int(key)) if isinstance(key, int) else None
        if mcids and not isinstance(entry, pikepdf.Array):
            own.add(f"page {number}", "parent-tree", "the page's tagged content is not in the "
                    "parent tree (/StructParents), so a reader cannot find its tags")
        elif mcids and isinstance(entry, pikepdf.Array):
            lost = [m for m in mcids if m >= len(entry)
                    or not isinstance(entry[m], pikepdf.Dictionary)]
            if lost:
                own.add(f"page {number}", "parent-tree", f"{len(lost)} tagged passages of the "
                        f"page (MCID {', '.join(map(str, lost[:5]))}) lead to no structure "
                        "element in the parent tree")
        for annot in page.obj.get("/Annots", pikepdf.Array()):
            if not isinstance(annot, pikepdf.Dictionary) or annot.get("/Subtype") not in (
                    pikepdf.Name.Link, pikepdf.Name.Widget):
                continue
            key = annot.get("/StructParent")
            if not (isinstance(key, int) and isinstance(parents.get(int(key)),
                                                        pikepdf.Dictionary)):
                kind = "link" if annot.Subtype == pikepdf.Name.Link else "form field"
                own.add(f"page {number}", "parent-tree", f"a {kind} is not tied to the "
                        "structure tree (/StructParent), so a screen reader skips it")


def _mcids(page: pikepdf.Page) -> list[int]:
    """The marked-content identifiers used in the page's content stream, in order."""
    import pikepdf

    out = []
    for instruction in pikepdf.parse_content_stream(page, "BDC"):
        if not isinstance(instruction, pikepdf.ContentStreamInstruction):
            continue
        operands = list(instruction.operands)
        props = operands[1] if len(operands) > 1 else None
        if isinstance(props, pikepdf.Dictionary) and isinstance(props.get("/MCID"), int):
            out.append(int(props.MCID))
    return sorted(set(out))


def _figures_and_tables(own: _Own, elements: list[_Element],
                        pages: dict[tuple[int, int], int]) -> None:
    """Every figure has alternative text; every data cell of a table has a header."""
    import pikepdf

    for element in elements:
        node = element.node
        if element.kind == "/Figure":
            alt = node.get("/Alt", node.get("/ActualText"))
            if not (isinstance(alt, pikepdf.String) and str(alt).strip()):
                own.add(_at(node, pages), "figure-alt", "a figure has no alternative text "
                        "(/Alt), so a screen reader cannot say what it shows")
        if element.kind == "/Table":
            bare, no_headers = _cells_without_header(element, elements)
            if bare and no_headers:
                own.add(_at(node, pages), "table-headers", f"a table has no header cells, so "
                        f"none of its {bare} cells has a header (a table used only for "
                        "layout must not be tagged as a table)")
            elif bare:
                own.add(_at(node, pages), "table-headers", f"{bare} cells of a table have "
                        "no header (no /Headers, and no header cell in their row or column)")


def _cells_without_header(table: _Element, elements: list[_Element]) -> tuple[int, bool]:
    """How many data cells of ``table`` (not of a table inside it) have no header: none
    named in ``/Headers``, none in their row, and no row of header cells in the table;
    and whether the table has no header cell at all. ``(0, ...)``: every cell has one."""
    rows: dict[int, list[_Element]] = {}
    for element in elements:
        if element.kind in ("/TD", "/TH") and _table_of(element) is table \
                and element.parent is not None:
            rows.setdefault(id(element.parent), []).append(element)
    any_header = any(c.kind == "/TH" for row in rows.values() for c in row)
    header_row = any(all(c.kind == "/TH" for c in row) for row in rows.values())
    bare = sum(1 for row in rows.values() for c in row if c.kind == "/TD"
               and not header_row and not _named_headers(c)
               and not any(other.kind == "/TH" for other in row))
    return bare, not any_header


def _table_of(cell: _Element) -> _Element | None:
    up = cell.parent
    while up is not None and up.kind != "/Table":
        up = up.parent
    return up


def _named_headers(cell: _Element) -> bool:
    import pikepdf

    return any(isinstance(a.get("/Headers"), pikepdf.Array) and len(a.Headers) > 0
               for a in _attributes(cell.node))


def _attributes(node: pikepdf.Dictionary) -> list[pikepdf.Dictionary]:
    import pikepdf

    value = node.get("/A")
    if isinstance(value, pikepdf.Dictionary):
        return [value]
    if isinstance(value, pikepdf.Array):
        return [v for v in value if isinstance(v, pikepdf.Dictionary)]
    return []


def _fields(own: _Own, pdf: pikepdf.Pdf, pages: dict[tuple[int, int], int]) -> None:
    """Every form field's widget has an accessible name (/TU, on it or its field)."""
    import pikepdf

    for number, page in enumerate(pdf.pages, 1):
        for annot in page.obj.get("/Annots", pikepdf.Array()):
            if not isinstance(annot, pikepdf.Dictionary) or \
                    annot.get("/Subtype") != pikepdf.Name.Widget:
                continue
            name, label = _field_names(annot)
            if not label:
                own.add(f"page {number}", "field-name", f"the form field {name or '(unnamed)'} "
                        "has no accessible name (/TU), so a screen reader cannot say what to "
                        "fill in")


def _field_names(annot: pikepdf.Dictionary) -> tuple[str, str]:
    """A widget's field name (/T) and accessible name (/TU), looked up through its parents."""
    import pikepdf

    name = label = ""
    node: pikepdf.Object | None = annot
    for _ in range(32):
        if not isinstance(node, pikepdf.Dictionary):
            break
        if not name and isinstance(node.get("/T"), pikepdf.String):
            name = str(node.T)
        if not label and isinstance(node.get("/TU"), pikepdf.String):
            label = str(node.TU).strip()
        node = node.get("/Parent")
    return name, label


def _pages(numbers: list[int]) -> str:
    """``page 3``, or ``pages 1-4, 7`` for several."""
    runs: list[list[int]] = []
    for number in numbers:
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    text = ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 1 else f"{run[0]}" for run in runs)
    return f"page {text}" if len(numbers) == 1 else f"pages {text}"


def _true(value: object) -> bool:
    """Whether a PDF value is the boolean true (pikepdf gives it as Python's ``True``)."""
    return value is True


def _kids(node: pikepdf.Dictionary) -> list[pikepdf.Object]:
    import pikepdf

    kids = node.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _at(node: pikepdf.Dictionary, pages: dict[tuple[int, int], int]) -> str:
    page = _page_of(node, pages)
    return f"page {page}" if page else ""
