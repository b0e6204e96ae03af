"""The tracking form as a clean printable DOCX, with Word check boxes."""

from __future__ import annotations

from typing import Any, assert_never

from docx.shared import Inches, Pt

from ..form import Choice, FormRow, TrackingForm, form_rows
from ..tree import Document, DocumentInfo, Text
from . import _ooxml
from .docx import DocxWriter

LABEL_WIDTH, VALUE_WIDTH = Inches(1.9), Inches(4.6)
MULTILINE_HEIGHTS = {"medium": 0.8, "long": 2.3}
"""Inches of a ``multiline`` row, by its size (Word lets the writer grow it)."""


class FormDocxWriter(DocxWriter):
    """The policy writer's page, styles and title block, with the form as the body."""

    def __init__(self, form: TrackingForm) -> None:
        info = DocumentInfo(
            jurisdiction=[Text(form.jurisdiction)], title=form.title, meta=[], table=[],
            table_caption="", draft=form.draft, numbering="plain", number_prefix=None,
            language=form.language, subject=f"{form.title} of the {form.jurisdiction}",
            footer_label=form.footer_label, date=form.date, provenance=form.provenance)
        super().__init__(Document(info, [], []))
        self.form = form

    def body(self) -> None:
        form = self.form
        self.out.add_paragraph(form.instructions)
        table = self.out.add_table(rows=0, cols=2)
        table.style = self.style("Table Grid")
        for row in form_rows(form):
            self.row(table, row)
        for r in table.rows:
            for c in r.cells:
                for p in c.paragraphs:
                    p.paragraph_format.space_after = Pt(2)
        closing = self.out.add_paragraph()
        closing.paragraph_format.space_before = Pt(8)
        closing.add_run(form.retention_statement).italic = True

    def row(self, table: Any, row: FormRow) -> None:
        """One row of the form: its label in bold, then its value or check boxes."""
        cells = table.add_row().cells
        cells[0].width, cells[1].width = LABEL_WIDTH, VALUE_WIDTH
        cells[0].paragraphs[0].add_run(row.label).bold = True
        match row.kind:
            case "text" | "date":
                cells[1].paragraphs[0].add_run(row.value)
            case "multiline":
                _ooxml.row_height(table.rows[-1], int(MULTILINE_HEIGHTS[row.size] * 1440))
                cells[1].paragraphs[0].add_run(row.value)
            case "choices":
                self.boxes(cells[1], row.choices)
            case _:
                assert_never(row.kind)

    def boxes(self, cell: Any, choices: tuple[Choice, ...]) -> None:
        """A Word check box and its label per choice, one a line; a choice's own text field
        (the other reason) is printed after its label."""
        for i, choice in enumerate(choices):
            p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
            p._p.append(_ooxml.checkbox(choice.name, choice.checked))
            detail = f": {choice.detail.value}" if choice.detail else ""
            p.add_run(f" {choice.label}{detail}")


def write_form_docx(form: TrackingForm) -> bytes:
    """The tracking form's .docx bytes."""
    return FormDocxWriter(form).write()
