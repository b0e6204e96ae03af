"""The removed-comments tracking form as the writers see it: its fields, its rows
(declared once for both form writers) and the record of one removal that fills it in.
Building a form from a profile and reading a record are :mod:`smpgen.removals`'."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from .tree import long_date

OTHER = "other"
"""The reason a record gives for a removal outside the listed categories."""


@dataclass(slots=True)
class RemovalRecord:
    """One removed comment, as documented on a filled form."""

    account: str
    posted: dt.date
    screen_name: str
    comment: str
    reasons: list[str]
    other_reason: str | None
    removed: dt.date
    removed_by: str
    other_information: str | None
    received: dt.date | None


@dataclass(slots=True)
class TrackingForm:
    """Everything the form shows; the writers lay it out."""

    jurisdiction: str
    """E.g. ``City of Lakeview``."""
    accounts: list[str]
    """The city's sites and accounts, one checkbox each (empty: a text field instead)."""
    categories: list[str]
    """The removal categories, in the policy's order: one checkbox each."""
    coordinator: str
    """The coordinator's title, who receives the form."""
    retention: str
    """How long the city keeps the form, e.g. ``one year``."""
    draft: bool
    """Mark DRAFT while the policy is not adopted."""
    language: str
    """Document language."""
    footer_label: str = ""
    """E.g. ``Agenda item 6.e. | Attachment B`` in the council packet."""
    record: RemovalRecord | None = None
    """The removal that fills in the form, or None for a blank form."""
    date: dt.date | None = None
    """The date for file properties."""
    provenance: dict[str, str] = field(default_factory=dict)
    """Model, smpgen version and profile hash."""

    title: str = "Removed Comment Tracking Form"

    @property
    def instructions(self) -> str:
        """The sentence under the title."""
        return (f"Complete one form for each comment removed from a {self.jurisdiction} "
                f"social media account and deliver it to the {self.coordinator}.")

    @property
    def retention_statement(self) -> str:
        """What the city does with the form."""
        return (f"The {self.jurisdiction} keeps this form as a public record for "
                f"{self.retention} after the {self.coordinator} receives it.")


RowKind = Literal["text", "date", "multiline", "choices"]
"""How a row is filled in: one line of text, a date, a box of several lines, or check boxes."""


@dataclass(frozen=True, slots=True)
class FormField:
    """A text field that belongs to a check box (the reason an "Other" box stands for)."""

    name: str
    """The field's name, in the PDF and in a removal record."""
    label: str
    """Its prompt in the PDF; the DOCX prints the value after the check box's label."""
    value: str = ""
    """The filled record's value as printed ('' on a blank form)."""


@dataclass(frozen=True, slots=True)
class Choice:
    """One check box of a ``choices`` row."""

    name: str
    """The check box's field name in the PDF and its content-control tag in the DOCX."""
    label: str
    """Printed beside the box, and its accessible name."""
    checked: bool = False
    """Ticked by the filled record."""
    detail: FormField | None = None
    """A text field that goes with this box, e.g. the reason for "Other (describe)"."""


@dataclass(frozen=True, slots=True)
class FormRow:
    """One row of the tracking form: its label, then the field (or check boxes) to fill.

    The rows are declared once, by :func:`form_rows`; every form writer lays out the same
    rows in the same order, so a row added there appears in the PDF and the DOCX."""

    name: str
    """The field's name in the PDF and the removal record's key."""
    label: str
    """The row's heading, also the field's accessible name."""
    kind: RowKind
    """How it is filled in."""
    value: str = ""
    """The filled record's value as printed ('' on a blank form or a ``choices`` row)."""
    choices: tuple[Choice, ...] = ()
    """A ``choices`` row's check boxes, in order."""
    size: Literal["medium", "long"] = "medium"
    """A ``multiline`` row's height: a few lines, or as tall as the page allows."""


def form_rows(form: TrackingForm) -> tuple[FormRow, ...]:
    """The form's rows, in order, filled in from ``form.record`` when it has one."""
    record = form.record
    reasons = record.reasons if record else []

    def row(name: str, label: str, kind: RowKind,
            size: Literal["medium", "long"] = "medium") -> FormRow:
        return FormRow(name, label, kind, field_value(record, name), size=size)

    if form.accounts:  # one check box per account; a city that lists none writes it in
        account = FormRow("account", "City site or account", "choices", choices=tuple(
            Choice(f"account-{i:02d}", a, record is not None and record.account == a)
            for i, a in enumerate(form.accounts, start=1)))
    else:
        account = row("account", "City site or account", "text")
    other = FormField("other_reason", "Other reason", field_value(record, "other_reason"))
    return (
        account,
        row("posted", "Date of original post", "date"),
        row("screen_name", "Screen name of poster", "text"),
        row("comment", "Entire comment removed", "multiline", size="long"),
        FormRow("reasons", "Reason for removal", "choices", choices=(
            *(Choice(f"reason-{i:02d}", c, c in reasons)
              for i, c in enumerate(form.categories, start=1)),
            Choice("reason-other", "Other (describe)", OTHER in reasons, other))),
        row("removed", "Date removed", "date"),
        row("removed_by", "Removed by (name and title)", "text"),
        row("other_information", "Other pertinent information", "multiline"),
        row("received", f"Date received by the {form.coordinator}", "date"),
    )


def field_value(record: RemovalRecord | None, name: str) -> str:
    """A record's value for a form field, as printed ('' for a blank form)."""
    if record is None:
        return ""
    value = getattr(record, name)
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return long_date(value)
    return str(value)
