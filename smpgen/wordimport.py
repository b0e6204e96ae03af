"""The way back from Word: read a policy DOCX a person edited and write what changed into
the city's customization, clause by clause.

smpgen's DOCX carries every section's and clause's id in a hidden bookmark
(``_S``/``_C`` and a digest of the id, see :func:`smpgen.writers._ooxml.id_bookmark`);
Word and LibreOffice keep bookmarks through typing, cutting and pasting. The file is read
as it would be with every tracked change accepted. Each paragraph is then matched to its
clause by its bookmark: a clause whose text differs is written as the city's text, a
paragraph with no bookmark is a clause the person added, a clause missing is dropped, and
one found out of order is moved. Headings work the same way for sections. After writing,
the city is rendered again and compared with the file, so what could not be carried over
is reported rather than lost.
"""

from __future__ import annotations

import difflib
import io
import os
import re
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lxml import etree

from .customize import CHANGES, clauses_of, folder_of
from .deviations import moved
from .errors import UserError
from .numbering import Numbered, Scheme, number_sections, scheme_for
from .numbering import printed_text as printed
from .profile import Profile
from .tree import (
    Document,
    ListBlock,
    ListItem,
    Paragraph,
    Section,
)

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
MAX_PART = 50_000_000
"""The most bytes smpgen reads of one part of a DOCX (the shipped policy's is ~400 kB)."""
_NOTE_STYLES = {"DrafterNote"}


@dataclass(slots=True)
class Para:
    """One paragraph of the edited file, read with every tracked change accepted."""

    style: str
    clause: str | None = None
    """The clause id its bookmark names."""
    section: str | None = None
    """The section id a heading's bookmark names."""
    extra: list[str] = field(default_factory=list)
    """Other clauses whose bookmarks start here (paragraphs a person joined)."""
    markdown: str = ""
    """Its text as Markdown, references as ``{{ ref() }}``."""
    text: str = ""
    """Its text as printed."""
    level: int = 0
    """A heading's level; a list item's depth (1 = outermost); 0 for a paragraph."""
    ordered: bool = False
    """An item of an ordered list."""


@dataclass(slots=True)
class Taken:
    """What an import took from the file, and what it could not place."""

    changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    sections_added: list[str] = field(default_factory=list)
    sections_dropped: list[str] = field(default_factory=list)
    sections_moved: list[str] = field(default_factory=list)
    renamed: list[str] = field(default_factory=list)
    not_placed: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    read: list[Para] = field(default_factory=list)
    """The headings and paragraphs read from the file, in order."""

    @property
    def nothing(self) -> bool:
        """Whether the file holds no change to take."""
        return not any((self.changed, self.added, self.dropped, self.moved,
                        self.sections_added, self.sections_dropped, self.sections_moved,
                        self.renamed))

    def summary(self) -> list[str]:
        """What was taken, a line per kind, and what was not placed."""
        out = []
        for label, items in (("clauses changed", self.changed), ("clauses added", self.added),
                             ("clauses dropped", self.dropped), ("clauses moved", self.moved),
                             ("sections added", self.sections_added),
                             ("sections dropped", self.sections_dropped),
                             ("sections moved", self.sections_moved),
                             ("headings renamed", self.renamed)):
            if items:
                out.append(f"{label} ({len(items)}): {', '.join(items)}")
        out += [f"not placed: {item}" for item in self.not_placed]
        return out


# Reading the DOCX -----------------------------------------------------------------------------

def read_docx(path: Path, names: dict[str, tuple[str, str]],
              numbers: dict[str, Numbered]) -> list[Para]:
    """The body's paragraphs of the DOCX at ``path``, every tracked change accepted;
    ``names`` maps smpgen's bookmark names to (``S`` or ``C``, id), ``numbers`` gives a
    reference's printed number."""
    try:
        with _open_regular(path) as file, zipfile.ZipFile(file) as z:
            document = _part(z, "word/document.xml")
            rels = _part(z, "word/_rels/document.xml.rels", required=False)
            numbering = _part(z, "word/numbering.xml", required=False)
    except (OSError, zipfile.BadZipFile, KeyError) as e:
        raise UserError(f"{path}: not a Word file smpgen can read ({e})") from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(document, parser)
        links = _links(etree.fromstring(rels, parser)) if rels else {}
        formats = _list_formats(etree.fromstring(numbering, parser)) if numbering else {}
    except etree.XMLSyntaxError as e:
        raise UserError(f"{path}: its XML is damaged ({e})") from None
    body = root.find(f"{W}body")
    if body is None:
        raise UserError(f"{path}: has no document body")
    reader = _Reader(names, links, formats, numbers)
    return reader.body(body)


def _open_regular(path: Path) -> Any:
    """``path`` opened for reading if it is a regular file: a FIFO neither blocks the open
    (``O_NONBLOCK``) nor gets read, and a folder or device is refused."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UserError(f"{path}: not a regular file; give the Word file itself")
    return os.fdopen(fd, "rb")


def _part(z: zipfile.ZipFile, name: str, *, required: bool = True) -> bytes:
    try:
        info = z.getinfo(name)
    except KeyError:
        if required:
            raise
        return b""
    if info.file_size > MAX_PART:
        raise UserError(f"{name} in the file is {info.file_size:,} bytes; smpgen reads at most "
                        f"{MAX_PART:,}")
    with z.open(info) as f:
        data = f.read(MAX_PART + 1)
    if len(data) > MAX_PART:
        raise UserError(f"{name} in the file is more than {MAX_PART:,} bytes")
    return data


def _links(rels: Any) -> dict[str, str]:
    return {r.get("Id"): r.get("Target") for r in rels if r.get("TargetMode") == "External"}


def _list_formats(numbering: Any) -> dict[tuple[str, int], str]:
    """(numId, level) to the level's number format (``bullet``, ``decimal``, ...)."""
    abstract: dict[str, dict[int, str]] = {}
    for a in numbering.findall(f"{W}abstractNum"):
        levels = {}
        for lvl in a.findall(f"{W}lvl"):
            fmt = lvl.find(f"{W}numFmt")
            levels[int(lvl.get(f"{W}ilvl", "0"))] = fmt.get(f"{W}val") if fmt is not None \
                else "decimal"
        abstract[a.get(f"{W}abstractNumId")] = levels
    out: dict[tuple[str, int], str] = {}
    for n in numbering.findall(f"{W}num"):
        ref = n.find(f"{W}abstractNumId")
        if ref is None:
            continue
        for level, fmt in abstract.get(ref.get(f"{W}val"), {}).items():
            out[(n.get(f"{W}numId"), level)] = fmt
    return out


_SKIP = {f"{W}del", f"{W}moveFrom", f"{W}pPr", f"{W}rPr", f"{W}delText", f"{W}sdtPr",
         f"{W}instrText", f"{W}delInstrText", f"{W}customXmlDelRangeStart"}


class _Reader:
    def __init__(self, names: dict[str, tuple[str, str]], links: dict[str, str],
                 formats: dict[tuple[str, int], str], numbers: dict[str, Numbered]) -> None:
        self.names = names
        self.numbers = numbers
        self.links = links
        self.formats = formats
        self.pending: list[str] = []  # bookmarks opened between paragraphs

    def body(self, body: Any) -> list[Para]:
        out: list[Para] = []
        carry: Para | None = None  # a paragraph whose mark was deleted joins the next
        for p in self._paragraphs(body):
            if p.tag == f"{W}bookmarkStart":  # between paragraphs: it names the next one
                self.pending.append(p.get(f"{W}name", ""))
                continue
            para = self.paragraph(p)
            if carry is not None:
                para = _join(carry, para)
                carry = None
            if _mark_deleted(p):
                carry = para
                continue
            out.append(para)
        if carry is not None:
            out.append(carry)
        return out

    def _paragraphs(self, node: Any) -> list[Any]:
        found = []
        for child in node:
            if child.tag in (f"{W}p", f"{W}bookmarkStart"):
                found.append(child)
            elif child.tag in (f"{W}sdt", f"{W}sdtContent", f"{W}ins", f"{W}moveTo",
                               f"{W}customXml"):
                found.extend(self._paragraphs(child))
        return found

    def paragraph(self, p: Any) -> Para:
        ppr = p.find(f"{W}pPr")
        style_el = ppr.find(f"{W}pStyle") if ppr is not None else None
        style = style_el.get(f"{W}val", "") if style_el is not None else ""
        para = Para(style)
        heading = re.fullmatch(r"Heading(\d)", style)
        if heading:
            para.level = int(heading.group(1))
        num = ppr.find(f"{W}numPr") if ppr is not None else None
        if num is not None and not heading:
            ilvl_el, num_el = num.find(f"{W}ilvl"), num.find(f"{W}numId")
            ilvl = int(ilvl_el.get(f"{W}val", "0")) if ilvl_el is not None else 0
            num_id = num_el.get(f"{W}val", "") if num_el is not None else ""
            if num_id != "0":
                para.level = ilvl + 1
                para.ordered = self.formats.get((num_id, ilvl), "decimal") not in ("bullet",
                                                                                 "none")
        for name in self.pending:
            self._bookmark(name, para)
        self.pending = []
        parts: list[Piece] = []
        self._inline(p, parts, para, bold=False, italic=False)
        para.markdown = to_markdown(parts).strip()
        para.text = " ".join("".join(piece.shown for piece in parts).split())
        return para

    def _inline(self, node: Any, parts: list[Piece], para: Para, *, bold: bool,
                italic: bool) -> None:
        field: list[str] | None = None  # inside a complex field: its instruction so far
        showing = True
        for child in node:
            tag = child.tag
            if tag in (f"{W}del", f"{W}moveFrom"):
                # deleted text is not read, but its bookmarks still name the paragraph
                for mark in child.iter(f"{W}bookmarkStart"):
                    self._bookmark(mark.get(f"{W}name", ""), para)
                continue
            if tag in _SKIP:
                continue
            if tag == f"{W}bookmarkStart":
                self._bookmark(child.get(f"{W}name", ""), para)
            elif tag == f"{W}r":
                fld = child.find(f"{W}fldChar")
                if fld is not None:
                    kind = fld.get(f"{W}fldCharType")
                    if kind == "begin":
                        field, showing = [], True
                    elif kind == "separate":
                        showing = not self._field(" ".join(field or []), parts)
                    elif kind == "end":
                        field, showing = None, True
                    continue
                if field is not None and not showing:
                    continue
                if field is not None:
                    field.extend(t.text or "" for t in child.iter(f"{W}instrText"))
                    if child.find(f"{W}instrText") is not None:
                        continue
                self._run(child, parts, bold=bold, italic=italic)
            elif tag == f"{W}fldSimple":
                if not self._field(child.get(f"{W}instr", ""), parts):
                    self._inline(child, parts, para, bold=bold, italic=italic)
            elif tag == f"{W}hyperlink":
                inner: list[Piece] = []
                self._inline(child, inner, para, bold=bold, italic=italic)
                href = self.links.get(child.get(f"{R}id", ""), "")
                shown = "".join(piece.shown for piece in inner)
                md = to_markdown(inner)
                if href and not re.search(r"[\s<>]", href):
                    md = f"[{md}](<{href}>)"
                parts.append(Piece("md", md, shown))
            elif tag in (f"{W}ins", f"{W}moveTo", f"{W}sdt", f"{W}sdtContent", f"{W}smartTag",
                         f"{W}customXml"):
                self._inline(child, parts, para, bold=bold, italic=italic)

    def _bookmark(self, name: str, para: Para) -> None:
        # LibreOffice names the copy of a bookmark that a tracked move pastes "<name>_Copy_1".
        kind, ident = self.names.get(re.sub(r"_Copy_\d+$", "", name), ("", ""))
        if kind == "C":
            if para.clause is None:
                para.clause = ident
            else:
                para.extra.append(ident)
        elif kind == "S" and para.section is None:
            para.section = ident

    def _field(self, instr: str, parts: list[Piece]) -> bool:
        """A REF field to a section's bookmark, as a reference; False for other fields
        (their shown result is read as text)."""
        match = re.match(r"\s*REF\s+(\S+)", instr)
        if not match:
            return False
        kind, ident = self.names.get(match.group(1), ("", ""))
        if kind != "S":
            return False
        core = self.numbers[ident].core if ident in self.numbers else ident
        parts.append(Piece("ref", ident, core))
        return True

    def _run(self, run: Any, parts: list[Piece], *, bold: bool, italic: bool) -> None:
        rpr = run.find(f"{W}rPr")
        b = bold or _on(rpr, "b")
        i = italic or _on(rpr, "i")
        text = []
        for el in run:
            if el.tag == f"{W}t":
                text.append(el.text or "")
            elif el.tag in (f"{W}tab", f"{W}br", f"{W}cr"):
                text.append(" ")
            elif el.tag == f"{W}noBreakHyphen":
                text.append("\u2011")
        plain_text = "".join(text)
        if plain_text:
            parts.append(Piece("t", plain_text, plain_text, (b, i)))


def _on(rpr: Any, name: str) -> bool:
    if rpr is None:
        return False
    el = rpr.find(f"{W}{name}")
    return el is not None and el.get(f"{W}val", "true") not in ("0", "false", "off")


def _mark_deleted(p: Any) -> bool:
    """Whether the paragraph's mark is a tracked deletion (accepting joins it to the next)."""
    if p.tag != f"{W}p":
        return False
    rpr = p.find(f"{W}pPr/{W}rPr")
    return rpr is not None and (rpr.find(f"{W}del") is not None
                                or rpr.find(f"{W}moveFrom") is not None)


def _join(first: Para, second: Para) -> Para:
    """Two paragraphs made one by a deleted paragraph mark. A paragraph left with no text
    (deleted or moved away whole) leaves the next one as it is; its ids are kept as
    ``extra``, dropped only if they are found nowhere else."""
    if not first.text:
        second.extra = [*([first.clause] if first.clause else []), *first.extra,
                        *second.extra]
        return second
    if second.clause and second.clause != first.clause:
        first.extra.append(second.clause)
    first.extra += second.extra
    first.markdown = (first.markdown + " " + second.markdown).strip()
    first.text = (first.text + " " + second.text).strip()
    return first


@dataclass(slots=True)
class Piece:
    """A piece of a paragraph as read: text (``t``), a reference (``ref``, its ``text``
    the section id) or Markdown made already (``md``, a link)."""

    kind: str
    text: str
    """The text (``t``), the section id (``ref``) or the Markdown (``md``)."""
    shown: str
    """What the file shows."""
    fmt: tuple[bool, bool] = (False, False)
    """Bold, italic (``t``)."""


def to_markdown(parts: list[Piece]) -> str:
    """The pieces as Markdown: neighbouring text of one format joined before it is marked
    up, a reference as ``{{ ref() }}`` with the words the writer puts around it ("Section",
    "Sections 4 and 7", 'the "Title" section') taken into it."""
    merged: list[Piece] = []
    for piece in parts:
        last = merged[-1] if merged else None
        if last is not None and piece.kind == last.kind == "t" and piece.fmt == last.fmt:
            merged[-1] = Piece("t", last.text + piece.text, last.shown + piece.shown, last.fmt)
        else:
            merged.append(Piece(piece.kind, piece.text, piece.shown, piece.fmt))
    out: list[Piece] = []
    i = 0
    while i < len(merged):
        piece = merged[i]
        if piece.kind != "ref":
            out.append(piece)
            i += 1
            continue
        targets = [piece.text]
        j = i + 1
        while j + 1 < len(merged) and merged[j].kind == "t" and merged[j].text in _BETWEEN \
                and merged[j + 1].kind == "ref":
            targets.append(merged[j + 1].text)
            j += 2
        if out and out[-1].kind == "t":
            for word in _BEFORE:
                if out[-1].text.endswith(word):
                    out[-1].text = out[-1].text[: -len(word)]
                    break
        if j < len(merged) and merged[j].kind == "t":
            for word in _AFTER:
                if merged[j].text.startswith(word):
                    merged[j].text = merged[j].text[len(word):]
                    break
        call = "{{ ref(" + ", ".join(f'"{t}"' for t in targets) + ") }}"
        out.append(Piece("md", call, ""))
        i = j
    return "".join(_marked(p) for p in out)


def _marked(piece: Piece) -> str:
    if piece.kind != "t":
        return piece.text
    md = escape_markdown(piece.text)
    bold, italic = piece.fmt
    core = md.strip()
    if not core or not (bold or italic):
        return md
    mark = "***" if bold and italic else "**" if bold else "*"
    return f"{md[: len(md) - len(md.lstrip())]}{mark}{core}{mark}{md[len(md.rstrip()):]}"


_BETWEEN = (", ", " and ", "\u201d, \u201c", "\u201d and \u201c")
_BEFORE = ("Sections\u00a0", "Section\u00a0", "Sections ", "Section ", "the \u201c")
_AFTER = ("\u201d sections", "\u201d section")


_SPECIAL = re.compile(r"([\\`*_\[\]{}<>#|~\"'])")


def escape_markdown(text: str) -> str:
    """``text`` as Markdown that prints exactly it."""
    out = _SPECIAL.sub(r"\\\1", text)
    out = re.sub(r"^(\s*)([-+=>])", r"\1\\\2", out)
    # A backslash escapes punctuation only: "1." at the start is escaped at its period.
    return re.sub(r"^(\s*)(\d+)([.)])", r"\1\2\\\3", out)


# The current text, as the writer prints it -------------------------------------------------

def clause_printed(node: Paragraph | ListItem, sch: Scheme, numbers: dict[str, Numbered]) -> str:
    """A clause's first paragraph's words as printed."""
    if isinstance(node, Paragraph):
        return printed(node.children, sch, numbers)
    first = node.blocks[0] if node.blocks else None
    return printed(first.children, sch, numbers) if isinstance(first, Paragraph) else ""


def bookmark_names(doc: Document) -> dict[str, tuple[str, str]]:
    """smpgen's bookmark names in ``doc``'s DOCX, to (``S`` or ``C``, id)."""
    from .writers._ooxml import id_bookmark

    names: dict[str, tuple[str, str]] = {}

    def sections(items: list[Section]) -> None:
        for s in items:
            names[id_bookmark("S", s.id)] = ("S", s.id)
            sections([b for b in s.blocks if isinstance(b, Section)])

    sections(doc.sections)
    for found in clauses_of(list(doc.sections)):
        if found.node.id:
            names[id_bookmark("C", found.node.id)] = ("C", found.node.id)
    return names


# Comparing and writing ----------------------------------------------------------------------

@dataclass(slots=True)
class _Edited:
    """A section as the edited file has it."""

    id: str | None
    title: str
    level: int
    paras: list[Para] = field(default_factory=list)
    parent: str | None = None


def import_docx(profile: Profile, docx: Path) -> Taken:
    """Write the changes in ``docx`` (a policy DOCX of ``profile``'s city, edited in Word
    or LibreOffice) into the city's customization; what it took and what it could not
    place. Nothing is written when the file holds no change."""
    from .document import policy_document

    doc = policy_document(profile, "council")
    sch = scheme_for(doc.info)
    numbers = number_sections(doc, sch)
    names = bookmark_names(doc)
    paras = read_docx(docx, names, numbers)
    taken = Taken()
    edited = _sections_of(paras, taken)
    if not any(e.id for e in edited):
        raise UserError(f"{docx}: no section of {profile.stem}'s policy found in it (smpgen "
                        "finds sections by hidden bookmarks in the DOCX it wrote; was this "
                        "file written by smpgen for this city?)")
    plan = _Plan(profile, doc, sch, numbers)
    plan.compare(edited, taken)
    taken.read = [p for e in edited for p in ([Para("", text=e.title, level=e.level), *e.paras])]
    if not taken.nothing:
        taken.written = plan.write()
    return taken


def differences(taken: Taken, profile: Profile) -> list[str]:
    """Where the city's policy, rendered again after the import, still reads differently
    from the edited file: each is something the import could not carry over."""
    from .document import policy_document

    doc = policy_document(profile, "council")
    sch = scheme_for(doc.info)
    numbers = number_sections(doc, sch)
    mine = printed_lines(doc, sch, numbers)
    theirs = [p.text for p in taken.read if p.text]
    out = []
    matcher = difflib.SequenceMatcher(None, theirs, mine, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            continue
        for text in theirs[a1:a2]:
            out.append(f"the file's \u201c{_start(text)}\u201d reads differently after "
                       "the import")
        if a1 == a2:
            for text in mine[b1:b2]:
                out.append(f"\u201c{_start(text)}\u201d is in the policy but not in the file")
    return out


def printed_lines(doc: Document, sch: Scheme, numbers: dict[str, Numbered]) -> list[str]:
    """Each heading and paragraph of the policy's sections as the DOCX prints it."""
    out: list[str] = []

    def blocks(items: list[Any]) -> None:
        for block in items:
            if isinstance(block, Section):
                out.append(printed(block.title, sch, numbers))
                blocks(block.blocks)
            elif isinstance(block, Paragraph):
                out.append(printed(block.children, sch, numbers))
            elif isinstance(block, ListBlock):
                for item in block.items:
                    blocks(item.blocks)

    blocks(list(doc.sections))
    return [line for line in out if line]


def _start(text: str, words: int = 8) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" \u2026" if len(parts) > words else "")


def _sections_of(paras: list[Para], taken: Taken) -> list[_Edited]:
    """The paragraphs grouped by the heading above them; what comes before the first
    section (the title block) is left out."""
    out: list[_Edited] = []
    parents: dict[int, str | None] = {}
    for para in paras:
        if para.style in _NOTE_STYLES or not (para.text or para.level):
            continue
        # A bookmark says what a paragraph is; its style only when it has none (LibreOffice
        # can save the style of a paragraph whose mark was deleted on the next one).
        heading = para.section is not None or (
            para.clause is None and para.level > 0 and para.style.startswith("Heading"))
        if heading:
            if para.section is not None:
                para.level = para.section.count(".") + 1
            title = para.text
            parent = parents.get(para.level - 1) if para.level > 1 else None
            section = _Edited(para.section, title, para.level, parent=parent)
            out.append(section)
            parents[para.level] = para.section or _slug(title)
            continue
        if not out:
            continue  # the title block
        out[-1].paras.append(para)
    return out


class _Plan:
    """The changes to write, built from the comparison."""

    def __init__(self, profile: Profile, doc: Document, sch: Scheme,
                 numbers: dict[str, Numbered]) -> None:
        self.profile = profile
        self.doc = doc
        self.scheme = sch
        self.numbers = numbers
        self.sections: dict[str, dict[str, Any]] = {}
        self.clauses: dict[str, dict[str, Any]] = {}
        self.texts: dict[str, dict[str, str]] = {}  # section -> clause local id -> markdown
        self.ordered: dict[str, bool] = {}
        self.whole: dict[str, str] = {}  # sections written whole
        self.model_ids = {s.id for s in profile.model.sections}
        self.edited: list[_Edited] = []
        custom = profile.custom
        self.own: set[str] = set()
        """The sections whose whole text is the city's: written again whole when changed."""
        if custom is not None:
            self.own = {c.id for c in custom.own_sections(profile.model.section_ids())}
            self.own |= {c.id for c in custom.sections.values() if c.replace and "." not in c.id}
        self.touched: set[str] = set()
        """The city's own sections the file changes."""
        self._values: dict[str, str] | None = None

    def compare(self, edited: list[_Edited], taken: Taken) -> None:
        self.edited = edited
        current = {s.id: s for s in _all_sections(self.doc.sections)}
        clauses = {f.node.id: f for f in clauses_of(list(self.doc.sections)) if f.node.id}
        seen_sections = {e.id for e in edited if e.id}
        for sid in current:
            if sid not in seen_sections and not any(
                    sid.startswith(p + ".") for p in current if p not in seen_sections):
                self.sections.setdefault(sid, {})["drop"] = True
                taken.sections_dropped.append(sid)
        tops = [e.id for e in edited if e.level == 1 and e.id]
        base = [s.id for s in self.doc.sections if s.id in set(tops)]
        for sid in moved(base, tops):
            before = tops[tops.index(sid) - 1] if tops.index(sid) else None
            if before is not None:
                self.sections.setdefault(sid, {})["after"] = before
                taken.sections_moved.append(sid)
        previous_top: str | None = None
        used: set[str] = set(current) | set(clauses)
        for part in edited:
            if part.id is None:
                if part.level > 1:
                    taken.not_placed.append(f"the new subheading \u201c{part.title}\u201d "
                                            "(add a subsection in customize.yaml); its "
                                            "paragraphs were taken as clauses of the section")
                    if edited.index(part) > 0:
                        edited[edited.index(part) - 1].paras.extend(part.paras)
                    part.paras = []
                    continue
                sid = _unique(_slug(part.title), used)
                used.add(sid)
                part.id = sid
                self._new_section(sid, part, previous_top)
                taken.sections_added.append(sid)
                previous_top = sid
                continue
            node = current.get(part.id)
            if node is not None and _plain_title(node) != part.title:
                self.sections.setdefault(part.id, {})["title"] = part.title
                taken.renamed.append(part.id)
            if part.level == 1:
                previous_top = part.id
        self._clauses(edited, clauses, used, taken)

    def _new_section(self, sid: str, section: _Edited, after: str | None) -> None:
        entry: dict[str, Any] = {"title": section.title}
        if after:
            entry["after"] = after
        self.sections[sid] = entry
        lines = []
        for n, para in enumerate(section.paras, start=1):
            lines.append(_markdown_line(para, f"clause-{n}"))
        self.whole[sid] = "\n\n".join(lines) + "\n"

    def _clauses(self, edited: list[_Edited], clauses: dict[str, Any], used: set[str],
                 taken: Taken) -> None:
        order: list[str] = []  # clause ids in the edited file's order
        where: dict[str, str] = {}  # clause id -> top section id it sits in now
        present = {p.clause for part in edited for p in part.paras if p.clause}
        for part in edited:
            top = part.id.split(".", 1)[0] if part.id else None
            if top is None or top in self.whole:
                continue  # written whole
            own = top in self.own
            for para in part.paras:
                for joined in para.extra:
                    if joined in clauses and joined != para.clause and joined not in present:
                        if joined.split(".", 1)[0] in self.own:
                            self.touched.add(joined.split(".", 1)[0])
                        else:
                            self.clauses.setdefault(joined, {})["drop"] = True
                        taken.dropped.append(joined)
                if para.clause in clauses and para.clause not in where:
                    cid = para.clause
                    if own and cid.split(".", 1)[0] != top:
                        self.touched.add(top)  # a clause moved into the city's own text
                    where[cid] = top or ""
                    order.append(cid)
                    found = clauses[cid]
                    before = clause_printed(found.node, self.scheme, self.numbers)
                    if before != para.text:
                        para.markdown = values_kept(para.markdown, before, para.text,
                                                    self._value_names())
                        self._text(cid, para)
                        taken.changed.append(cid)
                        if own:
                            self.touched.add(top)
                    continue
                local = _unique(_slug(" ".join(para.text.split()[:4])) or "clause",
                                {c.split(".", 1)[1] for c in used if c.startswith(top + ".")})
                cid = f"{top}.{local}"
                used.add(cid)
                para.clause = cid
                self._text(cid, para)
                where[cid] = top
                order.append(cid)
                taken.added.append(cid)
                if own:
                    self.touched.add(top)
        for cid in clauses:
            home = cid.split(".", 1)[0]
            if cid not in where and home not in {
                    s for s, v in self.sections.items() if v.get("drop")}:
                if home in self.own:
                    self.touched.add(home)
                else:
                    self.clauses.setdefault(cid, {})["drop"] = True
                if cid not in taken.dropped:
                    taken.dropped.append(cid)
        known = [c for c in clauses if c in where]
        shifted = moved(known, [c for c in order if c in clauses])
        for cid in order:
            if where[cid] in self.own:  # the city's own text is written again in order
                if cid in shifted:
                    self.touched.add(where[cid])
                    taken.moved.append(cid)
                continue
            if cid in taken.added or cid in shifted:
                index = order.index(cid)
                if index and where[order[index - 1]] == where[cid]:
                    self.clauses.setdefault(cid, {})["after"] = order[index - 1]
                elif index + 1 < len(order) and where[order[index + 1]] == where[cid]:
                    self.clauses.setdefault(cid, {})["before"] = order[index + 1]
                if cid in shifted:
                    taken.moved.append(cid)

    def _value_names(self) -> dict[str, str]:
        """:func:`value_names` of the profile, worked out once."""
        if self._values is None:
            self._values = value_names(self.profile)
        return self._values

    def _text(self, cid: str, para: Para) -> None:
        section, local = cid.split(".", 1)
        self.texts.setdefault(section, {})[local] = _markdown_line(para, local)

    def write(self) -> list[Path]:
        """Write customize.yaml and the text files; the paths written."""
        from .safefiles import write_new_file

        folder = folder_of(self.profile.path)
        folder.mkdir(exist_ok=True)
        written = []
        custom = self.profile.custom
        for sid, text in self.whole.items():
            path = folder / f"{sid}.md"
            write_new_file(path, text.encode(), replace=path.exists())
            written.append(path)
        for section in sorted(set(self.texts) | self.touched):
            if section in self.whole:
                continue
            path = folder / f"{section}.md"
            existing = custom.texts[section].text if custom and section in custom.texts else ""
            text = self.own_text(section, existing) if section in self.own else \
                _replace_units(existing, self.texts[section])
            write_new_file(path, text.encode(), replace=path.exists())
            written.append(path)
        if self.sections or self.clauses:
            written.append(self._write_changes(folder))
        return written

    def own_text(self, section: str, existing: str) -> str:
        """The whole text of a section the city wrote, as the edited file has it: a
        paragraph left as it was keeps its block of ``existing`` (values and all)."""
        raw = _raw_units(existing)
        lines = []
        for part in self.edited:
            if part.id is None or not (part.id == section or part.id.startswith(section + ".")):
                continue
            if part.id != section:
                local = part.id.split(".", 1)[1].rsplit(".", 1)[-1]
                lines.append("#" * part.level + f" {escape_markdown(part.title)} {{#{local}}}")
            for para in part.paras:
                cid = para.clause or ""
                local = cid.split(".", 1)[1] if cid.startswith(section + ".") else ""
                changed = self.texts.get(section, {}).get(local)
                if changed is not None:
                    lines.append(changed)
                elif local in raw:
                    lines.append(raw[local])
                else:
                    lines.append(_markdown_line(para, local or "clause"))
        return "\n\n".join(lines) + "\n"

    def _write_changes(self, folder: Path) -> Path:
        from ruamel.yaml import YAML
        from ruamel.yaml.comments import CommentedMap

        from .safefiles import write_new_file

        path = folder / CHANGES
        yaml = YAML()
        yaml.width = 4096  # never fold the person's lines
        yaml.preserve_quotes = True
        data = yaml.load(path.read_text("utf-8")) if path.exists() else None
        if not isinstance(data, CommentedMap):
            data = CommentedMap()
        for group, changes in (("sections", self.sections), ("clauses", self.clauses)):
            if not changes:
                continue
            if not isinstance(data.get(group), CommentedMap):
                data[group] = CommentedMap()
            for ident, values in changes.items():
                entry = data[group].get(ident)
                if not isinstance(entry, CommentedMap):
                    entry = CommentedMap()
                    data[group][ident] = entry
                if values.get("drop"):
                    for key in [k for k in entry if k != "why"]:
                        del entry[key]
                for key, value in values.items():
                    entry[key] = value
                    if key in ("after", "before"):
                        entry.pop("before" if key == "after" else "after", None)
        buf = io.StringIO()
        yaml.dump(data, buf)
        write_new_file(path, buf.getvalue().encode(), replace=path.exists())
        return path


_VALUE_GROUPS = {"city", "officials", "records", "public_comments", "review", "blocking",
                 "records_law"}
"""The profile's groups whose values a changed clause may print again as ``{{ name }}``."""
_NOT_VALUES = {"city.kind", "city.state", "city.state_name", "records_law.state"}
"""Values that are also ordinary words of the text ("City", "Minnesota")."""


def value_names(profile: Profile) -> dict[str, str]:
    """The profile's values that name one field alone, each with that field's dotted name
    (``{"Lakeview": "city.name"}``), longest first: the values an edited clause may print
    again as ``{{ name }}``. A value several fields share names none of them, so it is
    not here."""
    from .context import profile_context

    found: dict[str, set[str]] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key))
        elif isinstance(node, str) and len(node) >= 6 and path.split(".")[0] in \
                _VALUE_GROUPS and path not in _NOT_VALUES:
            found.setdefault(node, set()).add(path)

    walk(profile_context(profile), "")
    return {v: next(iter(p)) for v, p in sorted(found.items(), key=lambda item: -len(item[0]))
            if len(p) == 1}


def values_kept(markdown: str, before: str, after: str, names: dict[str, str]) -> str:
    """``markdown`` with each profile value the edit left as it was (printed as often
    after the edit as before) written as ``{{ name }}`` again, so the clause still
    follows the profile. ``before`` and ``after`` are the clause's printed words before
    and after the edit; ``names`` is :func:`value_names` of the profile (longest first, so
    a value inside a longer one is not written back into it)."""
    for value, name in names.items():
        count = before.count(value)
        if count and after.count(value) == count:
            markdown = markdown.replace(escape_markdown(value), "{{ " + name + " }}")
    return markdown


def _raw_units(text: str) -> dict[str, str]:
    """The city's text cut into its clauses as written: each piece ends with the line that
    carries its ``{#id}`` (a list item's continuation lines and indentation kept)."""
    out: dict[str, str] = {}
    piece: list[str] = []
    for line in text.splitlines():
        if not piece and not line.strip():
            continue
        piece.append(line)
        match = re.search(r"\{#([a-z0-9][a-z0-9-]*)\}\s*$", line)
        if match:
            out[match.group(1)] = "\n".join(piece).rstrip()
            piece = []
    return out


def _replace_units(existing: str, units: dict[str, str]) -> str:
    """``existing`` clause texts (blocks ending in ``{#id}``) with ``units`` put in: a
    block of the same id replaced, new ones added at the end."""
    blocks = [b.strip() for b in re.split(r"\n\s*\n", existing) if b.strip()]
    out = []
    done = set()
    for block in blocks:
        match = re.search(r"\{#([a-z0-9][a-z0-9-]*)\}\s*$", block)
        if match and match.group(1) in units:
            out.append(units[match.group(1)])
            done.add(match.group(1))
        else:
            out.append(block)
    out += [text for local, text in units.items() if local not in done]
    return "\n\n".join(out) + "\n"


def _markdown_line(para: Para, local: str) -> str:
    marker = ""
    if para.level and not para.style.startswith("Heading"):
        # four spaces a level nest under "- " and "1. " alike
        marker = "    " * (para.level - 1) + ("1. " if para.ordered else "- ")
    return f"{marker}{para.markdown} {{#{local}}}"


def _all_sections(sections: list[Section]) -> list[Section]:
    out = []
    for s in sections:
        out.append(s)
        out += _all_sections([b for b in s.blocks if isinstance(b, Section)])
    return out


def _plain_title(section: Section) -> str:
    from .tree import plain

    return " ".join(plain(section.title).split())



def _slug(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower())
    return "-".join(words[:4])[:28].strip("-")


def _unique(stem: str, taken: set[str]) -> str:
    stem = stem or "section"
    if stem not in taken:
        return stem
    n = 2
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"
