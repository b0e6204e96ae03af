"""The removed-comments tracking form as the writers see it: its rows (declared once for
both form writers), the record of one removal that fills them in, and the layout that
fits them on one page. Building a form from a profile and reading a record are
:mod:`smpgen.removals`'."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from .tree import long_date

ACTIONS: dict[str, str] = {
    "hidden": "Comment hidden",
    "deleted": "Comment deleted",
    "filtered": "Held by a keyword filter",
    "blocked": "User blocked",
}
"""What was done, by the word a removal record gives, with its label on the form."""
BLOCKED = "blocked"
"""The action that needs an official's written approval and a review date."""


@dataclass(slots=True)
class RemovalRecord:
    """One removed comment, as documented on a filled form. A record gives no "other"
    reason: the policy allows a removal only for one of its categories."""

    account: str
    post: str | dt.datetime
    """The post the comment answered: its web address, or its date and time."""
    commented: dt.datetime
    """When the comment itself was posted."""
    screen_name: str
    comment: str
    reasons: list[str]
    """The policy's categories that apply."""
    action: list[str]
    """Keys of :data:`ACTIONS`."""
    removed: dt.date
    removed_by: str
    block_approved_by: str | None = None
    """The official who approved a block in writing (name and title)."""
    block_review: dt.date | None = None
    """The date a block is to be reviewed."""
    other_information: str | None = None
    question: str | None = None
    """What the commenter asked about the removal."""
    answered: dt.date | None = None
    """The date of the city's written answer to the question."""
    received: dt.date | None = None


@dataclass(slots=True)
class TrackingForm:
    """Everything the form shows; the writers lay it out. The form is never marked DRAFT:
    a watermark would lie over its fields, and it is the same form once the policy is
    adopted."""

    jurisdiction: str
    """E.g. ``City of Lakeview``."""
    kind: str
    """How the municipality is styled in its own sentences, e.g. ``City``."""
    accounts: list[str]
    """The city's sites and accounts, one checkbox each (empty: a text field instead)."""
    categories: list[str]
    """The removal categories, in the policy's order: one checkbox each, and no other."""
    coordinator: str
    """The coordinator's title, who receives the form."""
    retention: str
    """How long the city keeps the form, e.g. ``six years``."""
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
        """The sentences under the title."""
        return (f"Whoever removes a comment from a {self.kind} social media account, "
                "including one a keyword filter held back, which only the official who removes "
                "Comments may keep back, completes one form for it and delivers it to the "
                f"{self.coordinator}. A comment may be "
                "removed only for a reason listed on this form; if none applies, it may not "
                "be removed. A user may be blocked only under the policy\u2019s written "
                "standard, with an official\u2019s written approval. Capitalized terms have "
                "the meanings the policy gives them.")

    @property
    def retention_statement(self) -> str:
        """What the city does with the form."""
        return (f"The {self.kind} keeps this form, with the captured comment, for "
                f"{self.retention} after its receipt by the {self.coordinator}.")


RowKind = Literal["text", "date", "multiline", "choices"]
"""How a row is filled in: one line of text, a date (or a date and time), a box of several
lines, or check boxes."""


@dataclass(frozen=True, slots=True)
class Choice:
    """One check box of a ``choices`` row."""

    name: str
    """The check box's field name in the PDF and its content-control tag in the DOCX."""
    label: str
    """Printed beside the box, and its accessible name."""
    checked: bool = False
    """Ticked by the filled record."""


@dataclass(frozen=True, slots=True)
class FormRow:
    """One field of the tracking form: its label, then the field (or check boxes) to fill.

    The rows are declared once, by :func:`form_rows`; every form writer lays out the same
    rows in the same order, so a row added there appears in the PDF and the DOCX."""

    name: str
    """The field's name in the PDF and the removal record's key."""
    label: str
    """The row's caption, also the field's accessible name."""
    kind: RowKind
    """How it is filled in."""
    value: str = ""
    """The filled record's value as printed ('' on a blank form or a ``choices`` row)."""
    choices: tuple[Choice, ...] = ()
    """A ``choices`` row's check boxes, in order."""
    size: Literal["medium", "long"] = "medium"
    """A ``multiline`` row's height: a few lines, or as tall as the page allows."""
    width: Literal["full", "half"] = "full"
    """Half: shares the form's line with the next half row."""


def form_rows(form: TrackingForm) -> tuple[FormRow, ...]:
    """The form's rows, in order, filled in from ``form.record`` when it has one."""
    record = form.record

    def row(name: str, label: str, kind: RowKind, width: Literal["full", "half"] = "full",
            size: Literal["medium", "long"] = "medium") -> FormRow:
        return FormRow(name, label, kind, field_value(record, name), size=size, width=width)

    if form.accounts:  # one check box per account; a city that lists none writes it in
        account = FormRow("account", "City site or account", "choices", choices=tuple(
            Choice(f"account-{i:02d}", a, record is not None and record.account == a)
            for i, a in enumerate(form.accounts, start=1)))
    else:
        account = row("account", "City site or account", "text")
    reasons, actions = (record.reasons, record.action) if record else ([], [])
    return (
        account,
        row("post", "Post the comment answered: its link, or its date and time", "text"),
        row("commented", "Date and time of the comment", "date", "half"),
        row("screen_name", "Screen name of the commenter", "text", "half"),
        row("comment", "Entire comment removed", "multiline", size="long"),
        FormRow("reasons", "Reason for removal (check each that applies)", "choices",
                choices=tuple(Choice(f"reason-{i:02d}", c, c in reasons)
                              for i, c in enumerate(form.categories, start=1))),
        FormRow("action", "Action taken (check each that applies)", "choices",
                choices=tuple(Choice(f"action-{key}", label, key in actions)
                              for key, label in ACTIONS.items())),
        row("removed", "Date removed", "date", "half"),
        row("removed_by", "Removed by (name and title)", "text", "half"),
        row("block_approved_by", "If a user was blocked: official who approved it in writing, "
            "with reasons (name and title)", "text", "half"),
        row("block_review", "Date by which the block is to be reviewed", "date", "half"),
        row("other_information", "Other pertinent information", "multiline"),
        row("question", "Question the commenter asked about the removal, if any", "multiline"),
        row("answered", "Date of the written answer", "date", "half"),
        row("received", f"Date received by the {form.coordinator}", "date", "half"),
    )


def field_value(record: RemovalRecord | None, name: str) -> str:
    """A record's value for a form field, as printed ('' for a blank form)."""
    return printed(getattr(record, name)) if record is not None else ""


def printed(value: object) -> str:
    """A record's value as the form prints it: ``November 2, 2026, 2:35 p.m.``."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{long_date(value)}, {clock_time(value.time())}"
    if isinstance(value, dt.date):
        return long_date(value)
    return str(value)


def clock_time(value: dt.time) -> str:
    """``14:05`` as ``2:05 p.m.``."""
    return f"{(value.hour - 1) % 12 + 1}:{value.minute:02d} {'a.m.' if value.hour < 12 else 'p.m.'}"
