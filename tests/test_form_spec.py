"""The tracking form's rows are declared once (``smpgen.form.form_rows``) and both writers
lay out every one of them: a row added to the spec appears in the PDF and in the DOCX,
with its label, its field and the filled record's value."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import replace
from typing import Any
from zipfile import ZipFile

import pytest
from docx import Document as open_docx
from pypdf import PdfReader

import smpgen
from smpgen.form import ACTIONS, FormRow, RemovalRecord, TrackingForm, form_rows
from smpgen.formlayout import form_layout
from smpgen.removals import record_variables
from smpgen.writers.form_docx import write_form_docx
from smpgen.writers.pdf import write_form_pdf

CATEGORIES: tuple[str, ...] = tuple(next(
    v for m in smpgen.list_models() if m.id == "city-social-media" for v in m.variables
    if v.key == "removal_categories").default)
"""The shipped model's removal categories, which the example cities use."""
SPAM = next(c for c in CATEGORIES if "spam" in c)

BLANK = TrackingForm(
    jurisdiction="City of Lakeview",
    kind="City",
    accounts=["Facebook: City of Lakeview, Minnesota", "Instagram: @lakeviewmn.example",
              "YouTube: Lakeview Council Chambers"],
    categories=list(CATEGORIES),
    coordinator="Communications and Engagement Coordinator",
    retention="six years",
    language="en-US",
)
"""The largest of the example cities' forms (Lakeview's)."""

RECORD = RemovalRecord(
    account="Instagram: @lakeviewmn.example",
    post="https://www.instagram.com/p/C0ffee/", commented=dt.datetime(2026, 11, 2, 21, 47),
    screen_name="river_fan_22", comment="Cheap watches!!!\nSecond line.",
    reasons=[SPAM], action=["hidden", "blocked"],
    removed=dt.date(2026, 11, 3), removed_by="Digital Engagement Specialist",
    block_approved_by="Casey Morgan, City Administrator", block_review=dt.date(2026, 12, 3),
    question="Why was it hidden?", answered=dt.date(2026, 11, 6),
    other_information="Screenshot kept.", received=dt.date(2026, 11, 4))

FORMS = {
    "blank": BLANK,
    "filled": replace(BLANK, record=RECORD),
    "no accounts": replace(BLANK, accounts=[], record=replace(RECORD, account="Nextdoor")),
}


@pytest.fixture(params=list(FORMS))
def form(request: pytest.FixtureRequest) -> TrackingForm:
    """The form blank, filled in, and for a city that lists no accounts."""
    chosen: TrackingForm = FORMS[request.param]
    return chosen


def checked_boxes(form: TrackingForm) -> int:
    """Boxes the record ticks: its account (when listed), reasons and actions."""
    record = form.record
    if record is None:
        return 0
    return bool(form.accounts) + len(record.reasons) + len(record.action)


def test_the_spec_declares_every_row_once(form: TrackingForm) -> None:
    rows = form_rows(form)
    names = [row.name for row in rows]
    assert len(set(names)) == len(names)
    assert rows[0].kind == ("choices" if form.accounts else "text")
    assert rows[-1].label == "Date received by the " + form.coordinator
    # The record's keys are the rows' names (and nothing else).
    assert names == [v.key for v in record_variables()]
    # No "other" reason: the reasons are the policy's categories, and only those.
    reasons = next(row for row in rows if row.name == "reasons")
    assert [c.label for c in reasons.choices] == form.categories
    assert not any(c.label.lower().startswith("other") or c.name.endswith("other")
                   for row in rows for c in row.choices)
    actions = next(row for row in rows if row.name == "action")
    assert [c.label for c in actions.choices] == list(ACTIONS.values())
    assert sum(c.checked for row in rows for c in row.choices) == checked_boxes(form)


def test_the_record_declares_the_actions_the_form_prints() -> None:
    action = next(v for v in record_variables() if v.key == "action")
    assert action.item is not None and action.item.choices == tuple(ACTIONS)


def docx_cells(data: bytes) -> list[Any]:
    """The form table's cells in reading order, a merged cell once."""
    table = open_docx(io.BytesIO(data)).tables[0]
    out: list[Any] = []
    for row in table.rows:
        for cell in row.cells:
            if not out or cell._tc is not out[-1]._tc:
                out.append(cell)
    return out


def test_every_row_is_in_the_docx(form: TrackingForm) -> None:
    data = write_form_docx(form)
    cells = docx_cells(data)
    rows = form_rows(form)
    assert [c.paragraphs[0].text for c in cells] == [row.label for row in rows]
    for row, cell in zip(rows, cells, strict=True):
        if row.kind == "choices":
            (grid,) = cell.tables
            labels = [p.text.strip() for r in grid.rows for c in r.cells for p in c.paragraphs
                      if p.text.strip()]
            assert sorted(labels) == sorted(c.label for c in row.choices), row.name
        else:
            assert "\n".join(p.text for p in cell.paragraphs[1:]) == row.value, row.name
    xml = ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert xml.count("<w14:checkbox>") == sum(len(row.choices) for row in rows)
    assert xml.count('<w14:checked w14:val="1"/>') == checked_boxes(form)
    assert xml.count("<w:cantSplit/>") == len(form_layout(form).lines)  # a row never splits


def pdf_fields(data: bytes) -> tuple[PdfReader, dict[str, tuple[str, str, str]]]:
    reader = PdfReader(io.BytesIO(data))
    return reader, {name: (str(f.get("/FT")), str(f.get("/V", "")), str(f.get("/TU", "")))
                    for name, f in (reader.get_fields() or {}).items()}


def test_every_row_is_in_the_pdf(form: TrackingForm) -> None:
    reader, fields = pdf_fields(write_form_pdf(form))
    assert len(reader.pages) == 1, "the tracking form must stay one page"
    text = re.sub(r"\s+", " ", reader.pages[0].extract_text() or "")
    multiline = {str(a.get_object()["/T"]) for a in reader.pages[0]["/Annots"]
                 if int(a.get_object().get("/Ff", 0)) & (1 << 12)}
    expected: set[str] = set()
    rows: list[FormRow] = []
    for line in form_layout(form).lines:
        for cell in line:
            row = cell.row
            rows.append(row)
            assert row.label in text, row.label
            if row.kind != "choices":
                assert fields[row.name] == ("/Tx", row.value, row.label)
                assert (row.name in multiline) == cell.multiline, row.name
                expected.add(row.name)
            for choice in row.choices:
                assert fields[choice.name] == ("/Btn", "/on" if choice.checked else "/Off",
                                               choice.label)
                expected.add(choice.name)
    assert rows == list(form_rows(form))  # every row, in the spec's order
    assert {"comment", "other_information", "question"} <= multiline
    assert set(fields) == expected  # no field that the spec does not declare
    assert "DRAFT" not in text


def test_field_names_are_stable() -> None:
    _, fields = pdf_fields(write_form_pdf(FORMS["filled"]))
    assert sorted(fields) == sorted([
        "account-01", "account-02", "account-03", "post", "commented", "screen_name",
        "comment", *(f"reason-{i:02d}" for i in range(1, 11)), "action-hidden",
        "action-deleted", "action-filtered", "action-blocked", "removed", "removed_by",
        "block_approved_by", "block_review", "other_information", "question", "answered",
        "received"])
    assert fields["commented"][1] == "November 2, 2026, 9:47 p.m."
    assert fields["action-blocked"] == ("/Btn", "/on", "User blocked")
