"""The tracking form as a clean printable DOCX, with Word check boxes."""

from __future__ import annotations

from typing import Any

from docx.shared import Inches, Pt

from ..form import OTHER, TrackingForm, field_value
from ..tree import Document, DocumentInfo, Text
from . import _ooxml
from .docx import DocxWriter

LABEL_WIDTH, VALUE_WIDTH = Inches(1.9), Inches(4.6)


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
        form, record = self.form, self.form.record
        self.out.add_paragraph(form.instructions)
        table = self.out.add_table(rows=0, cols=2)
        table.style = self.style("Table Grid")

        def row(label: str, height: float | None = None) -> Any:
            cells = table.add_row().cells
            cells[0].width, cells[1].width = LABEL_WIDTH, VALUE_WIDTH
            cells[0].paragraphs[0].add_run(label).bold = True
            if height:
                _ooxml.row_height(table.rows[-1], int(height * 1440))
            return cells[1]

        def text(label: str, name: str, height: float | None = None) -> None:
            cell = row(label, height)
            cell.paragraphs[0].add_run(field_value(record, name))

        def boxes(cell: Any, items: list[tuple[str, str, bool]]) -> None:
            for i, (tag, label, checked) in enumerate(items):
                p = cell.paragraphs[0] if i == 0 else cell.add_paragraph()
                p._p.append(_ooxml.checkbox(tag, checked))
                p.add_run(" " + label)

        if form.accounts:
            boxes(row("City site or account"),
                  [(f"account-{i:02d}", a, record is not None and record.account == a)
                   for i, a in enumerate(form.accounts, start=1)])
        else:
            text("City site or account", "account")
        text("Date of original post", "posted")
        text("Screen name of poster", "screen_name")
        text("Entire comment removed", "comment", height=2.3)
        reasons = record.reasons if record else []
        cell = row("Reason for removal")
        boxes(cell, [(f"reason-{i:02d}", c, c in reasons)
                     for i, c in enumerate(form.categories, start=1)]
              + [("reason-other", "Other (describe): " + field_value(record, "other_reason"),
                  OTHER in reasons)])
        text("Date removed", "removed")
        text("Removed by (name and title)", "removed_by")
        text("Other pertinent information", "other_information", height=0.8)
        text(f"Date received by the {form.coordinator}", "received")
        for r in table.rows:
            for c in r.cells:
                for p in c.paragraphs:
                    p.paragraph_format.space_after = Pt(2)
        closing = self.out.add_paragraph()
        closing.paragraph_format.space_before = Pt(8)
        closing.add_run(form.retention_statement).italic = True


def write_form_docx(form: TrackingForm) -> bytes:
    """The tracking form's .docx bytes."""
    return FormDocxWriter(form).write()
