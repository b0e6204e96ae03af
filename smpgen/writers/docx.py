"""DOCX writer: real Word styles, numbering, fields and properties, for the attorney who
edits the policy in Word."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from xml.sax.saxutils import quoteattr

from docx import Document as new_docx
from docx.enum.section import WD_SECTION_START
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Inches, Pt, RGBColor

from ..document import alternative_label
from ..numbering import Numbered, Scheme, number_sections, ref_words, scheme_for
from ..tree import (
    BLANK_LINE,
    Blank,
    Block,
    Deleted,
    Document,
    Emphasis,
    Inline,
    Inserted,
    Link,
    ListBlock,
    Note,
    Paragraph,
    Section,
    Strong,
    Text,
    XRef,
    plain,
)
from . import UnknownNode, _ooxml
from ._contentcontrols import ValueStore, block_control

NAME = "docx"
FONT = "Times New Roman"
HEADINGS_ABSTRACT, LIST_ABSTRACT, BULLET_ABSTRACT = 90, 91, 92
HEADINGS_NUM = 90
LIST_INDENT, LIST_HANGING = 720, 432
"""Twips: list text starts half an inch in per level; markers hang 0.3 inch before it."""
TITLE_BLOCK_AFTER = 20
"""Points of space after the title block's last paragraph, where the body starts."""
FIXED_TIME = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
"""Written as the DOCX's dates when the profile gives none, so equal input, equal bytes."""


class DocxWriter:
    """Turns a :class:`Document` into .docx bytes."""

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.scheme: Scheme = scheme_for(doc.info)
        self.numbers: dict[str, Numbered] = number_sections(doc, self.scheme)
        self.bookmarks: dict[str, str] = {}
        self.next_bookmark = 0
        """The last id given to a bookmark, a tracked change or a content control (one
        counter for all three, so every id in the file is unique)."""
        self.deleted = 0
        """How deep inside deleted text the writer is."""
        self.moves: dict[str, str] = {}
        """A moved clause's or section's id to the name pairing its two places."""
        self.next_num = 100
        self.space_before = 0.0
        """Points of space before the next paragraph (the body's first, after a table)."""
        self._styles: dict[str, Any] = {}
        self.values = ValueStore(" ".join([doc.info.title, *(
            f"{k}={v}" for k, v in sorted(doc.info.provenance.items()))]))
        """The blanks' content controls and the one value each variable is bound to (its
        store's id made from what the document is: equal input, equal bytes)."""
        self.out = new_docx()
        self.numbering = self.out.part.numbering_part.element

    def write(self) -> bytes:
        """The .docx file's bytes."""
        self.setup_styles()
        self.setup_numbering()
        self.setup_page()
        self.title_block()
        self.body()
        self.properties()
        if self.values:  # a document without blanks is as it was before they were bound
            self.values.add_parts(self.out.part, self.out.styles.element)
        if self.doc.redline is not None:  # the attorney's own edits are tracked too
            settings = self.out.settings.element
            tab = settings.find(qn("w:defaultTabStop"))
            track = parse_xml(f'<w:trackRevisions {nsdecls("w")}/>')
            if tab is not None:
                tab.addprevious(track)
            else:
                settings.append(track)
        buf = io.BytesIO()
        self.out.save(buf)
        return _ooxml.pin_zip(buf.getvalue())

    def style(self, name: str) -> Any:
        """A style object by name, looked up once (python-docx scans every style per name)."""
        if name not in self._styles:
            self._styles[name] = self.out.styles[name]
        return self._styles[name]

    def paragraph(self, style: str | None = None, text: str = "") -> Any:
        """A new body paragraph in ``style``, its style id written directly (python-docx
        would compare the style with the default one, scanning every style, each time)."""
        p = self.out.add_paragraph(text)
        if style is not None:
            p._p.style = self.style(style).style_id
        if self.space_before:
            p.paragraph_format.space_before = Pt(self.space_before)
            self.space_before = 0.0
        return p

    # Set-up -------------------------------------------------------------------------

    def setup_styles(self) -> None:
        styles = self.out.styles
        normal = styles["Normal"]
        _font(normal, FONT, 12)
        normal.paragraph_format.space_after = Pt(8)
        normal.paragraph_format.line_spacing = 1.1
        lang = self.doc.info.language
        rpr = styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        for old in rpr.findall(qn("w:lang")):
            rpr.remove(old)
        rpr.append(parse_xml(f'<w:lang {nsdecls("w")} w:val={quoteattr(lang)} '
                             f'w:eastAsia={quoteattr(lang)} w:bidi="ar-SA"/>'))
        for old in rpr.findall(qn("w:rFonts")):
            rpr.remove(old)
        font = quoteattr(FONT)
        rpr.insert(0, parse_xml(f'<w:rFonts {nsdecls("w")} w:ascii={font} w:hAnsi={font} '
                                f"w:eastAsia={font} w:cs={font}/>"))
        for level, size in ((1, 13), (2, 12), (3, 12)):
            style = styles[f"Heading {level}"]
            _font(style, FONT, size, bold=True, italic=level == 3)
            style.font.color.rgb = RGBColor(0, 0, 0)
            style.font.all_caps = self.scheme.capitals and level < 3
            fmt = style.paragraph_format
            fmt.space_before, fmt.space_after, fmt.keep_with_next = Pt(14), Pt(6), True
        title = styles["Title"]
        _font(title, FONT, 20, bold=True)
        title.font.color.rgb = RGBColor(0, 0, 0)
        title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.space_after = Pt(8)
        rpr_title = title.element.get_or_add_rPr()
        for border in rpr_title.findall(qn("w:bdr")):
            rpr_title.remove(border)
        ppr_title = title.element.get_or_add_pPr()
        for border in ppr_title.findall(qn("w:pBdr")):
            ppr_title.remove(border)
        jur = styles.add_style("Jurisdiction", WD_STYLE_TYPE.PARAGRAPH)
        jur.base_style = normal
        _font(jur, FONT, 14, bold=True)
        jur.font.all_caps = True
        jur.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        jur.paragraph_format.space_after = Pt(2)
        meta = styles.add_style("Title Block Details", WD_STYLE_TYPE.PARAGRAPH)
        meta.base_style = normal
        _font(meta, FONT, 11)
        meta.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        note = styles.add_style("Drafter Note", WD_STYLE_TYPE.PARAGRAPH)
        note.base_style = normal
        _font(note, FONT, 10.5)
        note.paragraph_format.left_indent = Inches(0.15)
        note.paragraph_format.right_indent = Inches(0.15)
        note.paragraph_format.space_after = Pt(4)
        # A shaded box without borders: LibreOffice's PDF/UA export paints paragraph
        # borders as untagged content (PDF/UA-1 7.1-3), its shading as an artifact.
        note.element.get_or_add_pPr().insert_element_before(parse_xml(
            f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="EEF3F8"/>'),
            "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
            "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
            "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind")
        # No longer used (a blank is one run of placeholder text), kept so that a
        # document without blanks is byte for byte what it was.
        blank = styles.add_style("Blank Suggestion", WD_STYLE_TYPE.CHARACTER)
        blank.font.italic = True
        listp = styles["List Paragraph"]
        listp.paragraph_format.space_after = Pt(4)
        listp.element.get_or_add_pPr()
        for spacing in listp.element.pPr.findall(qn("w:contextualSpacing")):
            listp.element.pPr.remove(spacing)
        for name in ("Header", "Footer"):
            _font(styles[name], FONT, 9)
            ppr = styles[name].element.get_or_add_pPr()
            for tabs in ppr.findall(qn("w:tabs")):
                ppr.remove(tabs)
            # One right tab at the right margin: city on the left, title on the right.
            ppr.append(parse_xml(f'<w:tabs {nsdecls("w")}><w:tab w:val="right" w:pos="9360"/>'
                                 "</w:tabs>"))

    def setup_numbering(self) -> None:
        if self.scheme.numbered:
            _ooxml.add_to_numbering(self.numbering, _ooxml.abstract_num(
                HEADINGS_ABSTRACT, "smpgen headings", self.scheme.headings,
                styles=("Heading1", "Heading2", "Heading3"), indent=720, hanging=720))
            self.numbering.append(_ooxml.num(HEADINGS_NUM, HEADINGS_ABSTRACT))
            for level in (1, 2, 3):
                ppr = self.out.styles[f"Heading {level}"].element.get_or_add_pPr()
                ppr.insert(0, _ooxml.num_pr(HEADINGS_NUM, level - 1))
        _ooxml.add_to_numbering(self.numbering, _ooxml.abstract_num(
            LIST_ABSTRACT, "smpgen ordered list", self.scheme.lists))
        _ooxml.add_to_numbering(self.numbering, _ooxml.abstract_num(
            BULLET_ABSTRACT, "smpgen bullets", _ooxml.bullet_levels()))

    def setup_page(self) -> None:
        section = self.out.sections[0]
        section.start_type = WD_SECTION_START.NEW_PAGE
        section.page_width, section.page_height = Inches(8.5), Inches(11)
        for side in ("left", "right", "top", "bottom"):
            setattr(section, f"{side}_margin", Inches(1))
        section.header_distance = section.footer_distance = Inches(0.5)
        section.different_first_page_header_footer = True
        info = self.doc.info
        header = section.header.paragraphs[0]
        self.inlines(header, info.jurisdiction)
        header.add_run("\t" + info.title)
        for footer in (section.footer, section.first_page_footer):
            p = footer.paragraphs[0]
            if info.footer_label:
                p.add_run(info.footer_label + "\t")
            else:
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
            p.add_run("Page ")
            p._p.append(_ooxml.field("PAGE", "1"))
            p.add_run(" of ")
            p._p.append(_ooxml.field("NUMPAGES", "1"))
        if info.draft:
            for hdr in (section.header, section.first_page_header):
                hdr.paragraphs[0]._p.append(_ooxml.watermark_run("DRAFT"))

    def title_block(self) -> None:
        info = self.doc.info
        self.inlines(self.paragraph("Jurisdiction"), info.jurisdiction)
        self.paragraph("Title", info.title)
        if info.meta:
            details = self.paragraph("Title Block Details")
            for i, (label, value) in enumerate(info.meta):
                if i and i == len(info.meta) - 1:
                    details.add_run().add_break()
                elif i:
                    details.add_run("    ")
                if label:
                    details.add_run(f"{label}: ").bold = True
                self.inlines(details, value)
        if info.table:
            if info.table_caption:
                caption = self.paragraph("Title Block Details")
                caption.add_run(info.table_caption).bold = True
                caption.paragraph_format.space_after = Pt(2)
            table = self.out.add_table(rows=0, cols=2)
            table.style = self.style("Table Grid")
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            widths = (Inches(1.6), Inches(4.2))
            # The grid carries the widths too: LibreOffice lays out by the grid, not the cells.
            for column, width in zip(table.columns, widths, strict=True):
                column.width = width
            for row_label, lines in info.table:
                cells = table.add_row().cells
                cells[0].width, cells[1].width = widths
                cells[0].paragraphs[0].add_run(row_label).bold = True
                for i, line in enumerate(lines):
                    p = cells[1].paragraphs[0] if i == 0 else cells[1].add_paragraph()
                    self.inlines(p, line)
                for c in cells:
                    for p in c.paragraphs:
                        p.paragraph_format.space_after = Pt(0)
            # Labels beside their values, read in order: no header row (see _ooxml).
            _ooxml.layout_table(table._tbl, first_column=True)
        # Space, not a rule, ends the title block: an empty paragraph drawn as a rule reads
        # as a blank line, and LibreOffice's PDF/UA export leaves a paragraph border
        # untagged (PDF/UA-1 7.1-3).
        if info.table:
            self.space_before = TITLE_BLOCK_AFTER
        else:
            self.out.paragraphs[-1].paragraph_format.space_after = Pt(TITLE_BLOCK_AFTER)

    def body(self) -> None:
        """Everything after the title block."""
        # Bookmark names are fixed before writing so forward references resolve, the
        # front note's included.
        for sid in self.numbers:
            self.bookmarks[sid] = _ooxml.id_bookmark("S", sid)
        for block in self.doc.front:
            self.block(block, note=False)
        for section in self.doc.sections:
            self.block(section, note=False)

    def properties(self) -> None:
        info = self.doc.info
        cp = self.out.core_properties
        cp.title = _core_property(f"{plain(info.jurisdiction)} {info.title}")
        cp.subject = _core_property(info.subject)
        cp.language = info.language
        cp.author = cp.last_modified_by = info.author or "smpgen"
        cp.keywords = "social media policy"
        cp.comments = "; ".join(f"{k}={v}" for k, v in sorted(info.provenance.items()))
        cp.category = "Policy"
        when = dt.datetime.combine(info.date, dt.time(), dt.UTC) if info.date else FIXED_TIME
        cp.created = cp.modified = when
        cp.revision = 1

    # Blocks -------------------------------------------------------------------------

    def block(self, node: Block, *, note: bool, depth: int = 0) -> None:
        match node:
            case Section():
                self.section(node)
            case Paragraph():
                p = self.paragraph("Drafter Note" if note else None)
                self.changed_inlines(p, node.change, node.children)
                self.track(p, node.change, node.id)
                if node.id and node.change != "moved-from":
                    self.mark(p, node.id)
            case ListBlock():
                self.list_block(node, note=note, depth=depth)
            case Note():
                label = self.paragraph("Drafter Note")
                run = label.add_run("Drafter\u2019s note")
                run.bold = run.font.all_caps = True
                run.font.color.rgb = RGBColor(0x1F, 0x4E, 0x79)
                for b in node.blocks:
                    self.block(b, note=True)
            case _:
                raise UnknownNode(NAME, node)

    def section(self, node: Section) -> None:
        heading = self.paragraph(f"Heading {node.level}")
        self.changed_inlines(heading, node.change, node.title)
        self.track(heading, node.change, node.id)
        if node.change != "moved-from":  # the target of references is where it is now
            self.next_bookmark += 1
            _ooxml.bookmark(heading, self.next_bookmark, self.bookmarks[node.id])
        for b in node.blocks:
            self.block(b, note=False)

    def list_block(self, node: ListBlock, *, note: bool, depth: int) -> None:
        abstract = LIST_ABSTRACT if node.ordered else BULLET_ABSTRACT
        num_id = self.next_num
        self.next_num += 1
        self.numbering.append(_ooxml.num(num_id, abstract, restart_levels=3))
        ilvl = min(depth, 2)
        last: Any = None
        for item in node.items:
            label = alternative_label(item)
            start = len(self.body_elements())
            first = True
            for b in item.blocks:
                if isinstance(b, ListBlock):
                    self.list_block(b, note=note, depth=depth + 1)
                    continue
                if not isinstance(b, Paragraph):
                    raise UnknownNode(NAME, b)
                p = self.paragraph("Drafter Note" if note else "List Paragraph")
                ppr = p._p.get_or_add_pPr()
                if first:
                    ppr.append(_ooxml.num_pr(num_id, ilvl))
                indent = LIST_INDENT * (ilvl + 1) + (360 if note else 0)
                ppr.append(parse_xml(f'<w:ind {nsdecls("w")} w:left="{indent}" '
                                     f'w:hanging="{LIST_HANGING if first else 0}"/>'))
                change = item.change or b.change
                self.changed_inlines(p, change, b.children)
                self.track(p, change, item.id if first else None)
                if first and item.id and change != "moved-from":
                    self.mark(p, item.id)
                first = False
                last = p
            if label is not None:  # one of a choice's alternatives: a control, to delete
                self.next_bookmark += 1
                block_control(item.id or "", label, self.next_bookmark,
                              self.body_elements()[start:])
        if depth == 0 and not note and last is not None:
            # the list ends with the space a paragraph has after it, not an item's
            last.paragraph_format.space_after = Pt(8)

    def body_elements(self) -> list[Any]:
        """The body's paragraphs and tables so far (its section properties left out)."""
        return [el for el in self.out.element.body if el.tag != qn("w:sectPr")]

    # Redlines -----------------------------------------------------------------------

    def changed_inlines(self, p: Any, change: str | None, nodes: list[Inline]) -> None:
        """A block's inlines; inside a block deleted (or moved away) references print
        the numbers they had before."""
        gone = change in ("deleted", "moved-from")
        self.deleted += gone
        try:
            self.inlines(p, nodes)
        finally:
            self.deleted -= gone

    def revision(self, kind: str, **extra: str) -> Any:
        """A ``w:ins``, ``w:del``, ``w:moveFrom`` ... element with the next id (shared with
        bookmarks, so every id in the file is unique), the redline's author and date."""
        redline = self.doc.redline
        assert redline is not None
        self.next_bookmark += 1
        when = (redline.date or FIXED_TIME.date()).isoformat() + "T00:00:00Z"
        attrs = " ".join(f"w:{k}={quoteattr(v)}" for k, v in extra.items())
        return parse_xml(f'<w:{kind} {nsdecls("w")} w:id="{self.next_bookmark}" '
                         f"w:author={quoteattr(redline.author)} w:date={quoteattr(when)} "
                         f"{attrs}/>")

    def track(self, p: Any, change: str | None, key: str | None) -> None:
        """Mark a whole paragraph as a tracked change: its runs and its paragraph mark, and
        for a move the range that pairs its old and new places."""
        if change is None or self.doc.redline is None:
            return
        kind = {"inserted": "ins", "deleted": "del", "moved-to": "moveTo",
                "moved-from": "moveFrom"}[change]
        ppr = p._p.get_or_add_pPr()
        self.wrap(p._p, list(p._p).index(ppr) + 1, kind)
        rpr = ppr.find(qn("w:rPr"))
        if rpr is None:
            rpr = parse_xml(f'<w:rPr {nsdecls("w")}/>')
            ppr.append(rpr)
        rpr.append(self.revision(kind))
        if kind in ("moveTo", "moveFrom"):
            name = self.moves.setdefault(key or f"anonymous-{len(self.moves)}",
                                         f"move{len(self.moves) + 1}")
            start = self.revision(f"{kind}RangeStart", name=name)
            ppr.addnext(start)
            p._p.append(parse_xml(f'<w:{kind}RangeEnd {nsdecls("w")} '
                                  f'w:id="{start.get(qn("w:id"))}"/>'))

    def wrap(self, parent: Any, start: int, kind: str) -> None:
        """Put the runs among ``parent``'s children from ``start`` on into ``kind``
        elements; a hyperlink's runs are put in one inside it (a change may hold runs,
        never a hyperlink)."""
        group: list[Any] = []

        def flush() -> None:
            if group:
                element = self.revision(kind)
                group[0].addprevious(element)
                for run in group:
                    element.append(run)
                if kind == "del":
                    for tag, new in (("w:t", "w:delText"), ("w:instrText", "w:delInstrText")):
                        for el in element.iter(qn(tag)):
                            el.tag = qn(new)
                group.clear()

        for child in list(parent)[start:]:
            if child.tag in (qn("w:r"), qn("w:sdt")):
                group.append(child)
                continue
            flush()
            if child.tag == qn("w:hyperlink"):
                self.wrap(child, 0, kind)
        flush()

    def mark(self, p: Any, clause: str) -> None:
        """Bookmark a clause's paragraph with its id, for the way back from Word."""
        self.next_bookmark += 1
        _ooxml.bookmark(p, self.next_bookmark, _ooxml.id_bookmark("C", clause))

    # Inlines ------------------------------------------------------------------------

    def inlines(self, p: Any, nodes: list[Inline], *, bold: bool = False,
                italic: bool = False) -> None:
        for node in nodes:
            self.inline(p, node, bold=bold, italic=italic)

    def inline(self, p: Any, node: Inline, *, bold: bool, italic: bool) -> None:
        match node:
            case Text():
                run = p.add_run(node.text)
                run.bold = bold or None
                run.italic = italic or None
            case Strong():
                self.inlines(p, node.children, bold=True, italic=italic)
            case Emphasis():
                self.inlines(p, node.children, bold=bold, italic=True)
            case Link():
                rid = p.part.relate_to(node.href, _HYPERLINK, is_external=True)
                link = parse_xml(f'<w:hyperlink {nsdecls("w", "r")} r:id={quoteattr(rid)}/>')
                start = len(p._p)
                self.inlines(p, node.children, bold=bold, italic=italic)
                for r in list(p._p)[start:]:
                    link.append(r)
                for r in link.iter(qn("w:r")):  # a redline's runs are inside its changes
                    r.get_or_add_rPr().insert(0, parse_xml(
                        f'<w:rStyle {nsdecls("w")} w:val="Hyperlink"/>'))
                p._p.append(link)
            case Blank():
                self.next_bookmark += 1  # a control's id is unique among the bookmarks' too
                prompt = BLANK_LINE + (f" ({node.suggestion})" if node.suggestion else "")
                p._p.append(self.values.control(node.name, prompt, self.next_bookmark,
                                                bound=not self.deleted, bold=bold,
                                                italic=italic))
            case XRef():
                before, after = ref_words(self.scheme, node)
                switches = "\\w \\h" if self.scheme.numbered else "\\h"
                if before:
                    p.add_run(before)
                instr = f"REF {self.bookmarks[node.target]} {switches}"
                if self.doc.redline is None:
                    p._p.append(_ooxml.field(instr, self.numbers[node.target].core))
                else:  # runs, which a tracked change may hold (a simple field it may not)
                    for run in _ooxml.field_runs(instr, self.ref_number(node.target).core):
                        p._p.append(run)
                if after:
                    p.add_run(after)
            case Inserted() | Deleted():
                start = len(p._p)
                gone = isinstance(node, Deleted)
                self.deleted += gone
                try:
                    self.inlines(p, node.children, bold=bold, italic=italic)
                finally:
                    self.deleted -= gone
                self.wrap(p._p, start, "del" if gone else "ins")
            case _:
                raise UnknownNode(NAME, node)

    def ref_number(self, target: str) -> Numbered:
        """A reference's number: in a redline, as the text reads with the changes
        accepted, or inside deleted text as it read before."""
        redline = self.doc.redline
        found = redline.number(target, before=bool(self.deleted)) if redline else None
        return found or self.numbers[target]


_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


CORE_PROPERTY_LIMIT = 255
"""Characters python-docx (and Word) allow in a file property such as the title."""


def _core_property(text: str) -> str:
    """``text`` shortened to fit a file property: a long city name or title is valid in the
    document, and only its copy in the properties is cut."""
    if len(text) <= CORE_PROPERTY_LIMIT:
        return text
    return text[:CORE_PROPERTY_LIMIT - 1].rstrip() + "\u2026"


def _font(style: Any, name: str, size: float, *, bold: bool = False, italic: bool = False) -> None:
    style.font.name = name
    style.font.size = Pt(size)
    style.font.bold = bold or None
    style.font.italic = italic or None
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)


def write_docx(doc: Document) -> bytes:
    """The .docx bytes for ``doc``."""
    return DocxWriter(doc).write()
