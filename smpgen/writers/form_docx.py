"""The tracking form as a clean printable DOCX, with Word check boxes. It prints the same
layout as the PDF (:func:`smpgen.form.form_layout`): Times New Roman has the embedded
Liberation Serif's widths, so the same sizes fit the same page."""

from __future__ import annotations

from typing import Any, assert_never

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_LINE_SPACING
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from docx.shared import Pt

from ..form import Choice, TrackingForm
from ..formlayout import (
    BORDER,
    BOX,
    BOX_GAP,
    CAPTION,
    CAPTION_GAP,
    CHOICE_GAP,
    INTRO_GAP,
    LEADING,
    MARGIN_BOTTOM,
    MARGIN_SIDE,
    MARGIN_TOP,
    PAD_H,
    PAD_V,
    RETENTION_GAP,
    TITLE_GAP,
    TITLE_PAD,
    TITLE_RULE,
    TITLE_SIZES,
    TITLE_SPACE,
    WIDTH,
    Cell,
    FormLayout,
    form_layout,
)
from ..tree import Document, DocumentInfo, Text
from . import _ooxml
from .docx import DocxWriter

WIDEN = 1.3
"""Room for text this many times wider than Times New Roman: where it is missing,
LibreOffice sets the form in DejaVu Serif, 25 to 30 per cent wider."""


def _twips(points: float) -> int:
    return round(points * 20)


class FormDocxWriter(DocxWriter):
    """The policy writer's styles, header and footer, with the form's page and body."""

    def __init__(self, form: TrackingForm) -> None:
        info = DocumentInfo(
            jurisdiction=[Text(form.jurisdiction)], title=form.title, meta=[], table=[],
            table_caption="", draft=False, numbering="plain", number_prefix=None,
            language=form.language, subject=f"{form.title} of the {form.jurisdiction}",
            footer_label=form.footer_label, date=form.date, provenance=form.provenance)
        super().__init__(Document(info, [], []))
        self.form = form
        # Room for the wider font where it fits; else the page Word lays out with Times.
        wide = form_layout(form, widen=WIDEN)
        self.layout: FormLayout = wide if wide.fits else form_layout(form)

    def setup_styles(self) -> None:
        super().setup_styles()
        size = self.layout.size
        jurisdiction, title = (size * scale for scale in TITLE_SIZES)
        for name, points, bold, after in (("Form Text", size, False, 0.0),
                                          ("Form Caption", CAPTION * size, True, CAPTION_GAP)):
            style = self.out.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = self.style("Normal")
            style.font.size, style.font.bold = Pt(points), bold
            _spacing(style.paragraph_format, points, after)
        _spacing(self.style("Jurisdiction").paragraph_format, jurisdiction, 0.0)
        self.style("Jurisdiction").font.size = Pt(jurisdiction)
        self.style("Title").font.size = Pt(title)
        _spacing(self.style("Title").paragraph_format, title, TITLE_PAD)
        self.style("Title").paragraph_format.space_before = Pt(TITLE_GAP)

    def setup_page(self) -> None:
        super().setup_page()
        section = self.out.sections[0]
        section.top_margin, section.bottom_margin = Pt(MARGIN_TOP), Pt(MARGIN_BOTTOM)
        section.left_margin = section.right_margin = Pt(MARGIN_SIDE)
        section.header_distance = section.footer_distance = Pt(MARGIN_TOP / 2)

    def title_block(self) -> None:
        self.inlines(self.paragraph("Jurisdiction"), self.doc.info.jurisdiction)
        title = self.paragraph("Title", self.form.title)
        # The PDF's rule under the title is space here, the same height: LibreOffice's
        # PDF/UA export leaves a paragraph border untagged (PDF/UA-1 7.1-3).
        title.paragraph_format.space_after = Pt(TITLE_PAD + TITLE_RULE + TITLE_SPACE)

    def body(self) -> None:
        form, layout = self.form, self.layout
        intro = self.paragraph("Form Text", form.instructions)
        intro.paragraph_format.space_after = Pt(INTRO_GAP)
        table = self.out.add_table(rows=0, cols=2)
        table.autofit = False
        _table_properties(table, borders=True, margins=(PAD_V, PAD_H, PAD_V, PAD_H))
        _ooxml.layout_table(table._tbl)  # a form: each caption read before its field
        for line in layout.lines:
            self.line(table, line)
        closing = self.paragraph("Form Text")
        closing.paragraph_format.space_before = Pt(RETENTION_GAP)
        closing.add_run(form.retention_statement).italic = True

    def line(self, table: Any, line: tuple[Cell, ...]) -> None:
        """One line of the form: a full cell, or two half cells."""
        row = table.add_row()
        trpr = row._tr.get_or_add_trPr()
        trpr.append(parse_xml(f'<w:cantSplit {nsdecls("w")}/>'))  # a row never splits
        if not any(cell.grid for cell in line):  # room to write; check boxes take their own
            _ooxml.row_height(row, _twips(self.layout.height(line) - BORDER))
        cells = row.cells
        for c in cells:
            c.width = Pt(WIDTH / 2)
        targets = [cells[0].merge(cells[1])] if len(line) == 1 else cells
        for target, cell in zip(targets, line, strict=True):
            self.cell(target, cell)

    def cell(self, target: Any, cell: Cell) -> None:
        """A caption in bold, then the value, or the check boxes."""
        caption = target.paragraphs[0]
        caption.style = self.style("Form Caption")
        caption.add_run(cell.caption)
        match cell.row.kind:
            case "text" | "date" | "multiline":
                target.add_paragraph(cell.row.value, self.style("Form Text"))
            case "choices":
                self.boxes(target, cell)
            case _:
                assert_never(cell.row.kind)

    def boxes(self, target: Any, cell: Cell) -> None:
        """The check boxes as a borderless table, a Word check box before each label."""
        columns = len(cell.grid[0]) if cell.grid else 1
        width = (WIDTH if cell.full else WIDTH / 2) - 2 * PAD_H - BORDER
        grid = target.add_table(rows=len(cell.grid), cols=columns)
        grid.autofit = False
        _table_properties(grid, borders=False, margins=(0.0, 0.0, CHOICE_GAP, PAD_H))
        _ooxml.layout_table(grid._tbl)  # check boxes, read in order
        for column in grid.columns:
            column.width = Pt(width / columns)
        for line, row in zip(cell.grid, grid.rows, strict=True):
            for choice, place in zip(line, row.cells, strict=True):
                place.width = Pt(width / columns)
                place.paragraphs[0].style = self.style("Form Text")
                if choice is not None:
                    self.box(place.paragraphs[0], choice)
        # Word ends every cell with a paragraph: the one after the grid takes no room.
        end = target.paragraphs[-1]
        end.style = self.style("Form Text")
        end.paragraph_format.line_spacing = Pt(1)
        end.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        end.add_run().font.size = Pt(1)

    def box(self, p: Any, choice: Choice) -> None:
        """A check box and its label, the label's lines aligned after the box."""
        indent = (BOX + BOX_GAP) * self.layout.size
        p.style = self.style("Form Text")
        p.paragraph_format.left_indent = Pt(indent)
        p.paragraph_format.first_line_indent = Pt(-indent)
        p._p.append(_ooxml.checkbox(choice.name, choice.checked))
        p.add_run("\t" + choice.label)


def _spacing(fmt: Any, size: float, after: float) -> None:
    fmt.space_before, fmt.space_after = Pt(0), Pt(after)
    fmt.line_spacing, fmt.line_spacing_rule = Pt(LEADING * size), WD_LINE_SPACING.AT_LEAST


def _table_properties(table: Any, *, borders: bool,
                      margins: tuple[float, float, float, float]) -> None:
    """A fixed-width table's borders (or none) and its cells' margins (top, left, bottom,
    right), as the PDF's CSS sets them."""
    tblpr = table._tbl.tblPr
    line = f'w:val="single" w:sz="{round(BORDER * 8)}" w:space="0" w:color="000000"' \
        if borders else 'w:val="nil"'
    # The schema fixes the order of a table's properties.
    tblpr.insert_element_before(parse_xml(
        f'<w:tblBorders {nsdecls("w")}>' + "".join(
            f"<w:{side} {line}/>" for side in ("top", "left", "bottom", "right", "insideH",
                                              "insideV")) + "</w:tblBorders>"),
        "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption",
        "w:tblDescription", "w:tblPrChange")
    top, left, bottom, right = margins
    tblpr.insert_element_before(parse_xml(
        f'<w:tblCellMar {nsdecls("w")}><w:top w:w="{_twips(top)}" w:type="dxa"/>'
        f'<w:left w:w="{_twips(left)}" w:type="dxa"/><w:bottom w:w="{_twips(bottom)}" '
        f'w:type="dxa"/><w:right w:w="{_twips(right)}" w:type="dxa"/></w:tblCellMar>'),
        "w:tblLook", "w:tblCaption", "w:tblDescription", "w:tblPrChange")


def write_form_docx(form: TrackingForm) -> bytes:
    """The tracking form's .docx bytes."""
    return FormDocxWriter(form).write()
