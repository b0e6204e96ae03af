"""The tracking form's rows are declared once (``smpgen.form.form_rows``) and both writers
lay out every one of them: a row added to the spec appears in the PDF and in the DOCX,
with its label, its field and the filled record's value."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import replace

import pytest
from docx import Document as open_docx
from pypdf import PdfReader

from smpgen.form import FormRow, RemovalRecord, TrackingForm, form_rows
from smpgen.writers.form_docx import write_form_docx
from smpgen.writers.pdf import write_form_pdf

BLANK = TrackingForm(
    jurisdiction="City of Lakeview",
    accounts=["Facebook: City of Lakeview, Minnesota", "Instagram: @lakeviewmn.example",
              "YouTube: Lakeview Council Chambers"],
    categories=[
        "obscene or sexually explicit material",
        "true threats of violence against a person or group",
        "discrimination or harassment based on a characteristic protected by law",
        "confidential information or another person\u2019s private data",
        "information that could compromise an investigation or public safety",
        "infringement of copyright, trademark or other intellectual property",
        "commercial advertising, solicitation or spam",
        "encouragement of illegal activity",
        "campaigning for or against a candidate or ballot measure",
        "content clearly unrelated to the subject of the Post"],
    coordinator="Communications and Engagement Coordinator",
    retention="24 months",
    draft=True,
    language="en-US",
)
"""The largest of the example cities' forms (Lakeview's)."""

RECORD = RemovalRecord(
    account="Instagram: @lakeviewmn.example", posted=dt.date(2026, 11, 2),
    screen_name="river_fan_22", comment="Cheap watches!!!\nSecond line.",
    reasons=["commercial advertising, solicitation or spam", "other"],
    other_reason="posted eleven times in an hour", removed=dt.date(2026, 11, 3),
    removed_by="Digital Engagement Specialist", other_information="Screenshot kept.",
    received=dt.date(2026, 11, 4))

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


def choice_text(row: FormRow) -> list[str]:
    """What the DOCX prints beside each of a row's check boxes."""
    return [(c.label + (f": {c.detail.value}" if c.detail else "")).strip()
            for c in row.choices]


def test_the_spec_declares_every_row_once(form: TrackingForm) -> None:
    rows = form_rows(form)
    names = [row.name for row in rows]
    assert len(set(names)) == len(names)
    assert rows[0].kind == ("choices" if form.accounts else "text")
    assert [row.label for row in rows][-1] == "Date received by the " + form.coordinator


def test_every_row_is_in_the_docx(form: TrackingForm) -> None:
    data = write_form_docx(form)
    table = open_docx(io.BytesIO(data)).tables[0]
    rows = form_rows(form)
    assert [r.cells[0].text for r in table.rows] == [row.label for row in rows]
    for row, docx_row in zip(rows, table.rows, strict=True):
        cell = docx_row.cells[1]
        if row.kind == "choices":
            assert [p.text.strip() for p in cell.paragraphs] == choice_text(row), row.name
        else:
            assert cell.text == row.value, row.name
    checked = sum(c.checked for row in rows for c in row.choices)
    assert data and checked == (3 if form.record and form.accounts else 2 if form.record else 0)
    from zipfile import ZipFile

    xml = ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert xml.count("<w14:checkbox>") == sum(len(row.choices) for row in rows)
    assert xml.count('<w14:checked w14:val="1"/>') == checked


def test_every_row_is_in_the_pdf(form: TrackingForm) -> None:
    reader = PdfReader(io.BytesIO(write_form_pdf(form)))
    assert len(reader.pages) == 1, "the tracking form must stay one page"
    text = re.sub(r"\s+", " ", reader.pages[0].extract_text() or "")
    fields = {name: (str(f.get("/FT")), str(f.get("/V", "")), str(f.get("/TU", "")))
              for name, f in (reader.get_fields() or {}).items()}
    multiline = {str(a.get_object()["/T"]) for a in reader.pages[0]["/Annots"]
                 if int(a.get_object().get("/Ff", 0)) & (1 << 12)}
    expected: set[str] = set()
    for row in form_rows(form):
        assert row.label in text or row.label in {tip for _, _, tip in fields.values()}, \
            row.label
        if row.kind != "choices":
            assert fields[row.name] == ("/Tx", row.value, row.label)
            assert (row.name in multiline) == (row.kind == "multiline"), row.name
            expected.add(row.name)
        for choice in row.choices:
            assert fields[choice.name] == ("/Btn", "/on" if choice.checked else "/Off",
                                           choice.label)
            expected.add(choice.name)
            if choice.detail:
                detail = choice.detail
                assert fields[detail.name] == ("/Tx", detail.value, detail.label)
                expected.add(detail.name)
    assert set(fields) == expected  # no field that the spec does not declare
