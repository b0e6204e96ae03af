"""The removed-comments tracking form: its fields, taken from the city's own lists, and
the record of one removal that fills it in."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .context import inlines_of, lookup, profile_context
from .errors import ModelError, Problem, ProfileError
from .profile import Profile, check_values
from .sourcefile import Loc, SourceFile, dotted, load_yaml
from .text import long_date
from .tree import plain
from .variables import Variable, parse_group

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


def tracking_form(profile: Profile) -> TrackingForm:
    """The blank form for ``profile``'s city."""
    spec = profile.model.tracking_form
    if not spec:
        raise ModelError(f"model {profile.model.id} has no tracking_form in model.yaml")
    context = profile_context(profile)
    accounts = [_account_label(a) for a in lookup(context, spec["accounts"]) or []]
    return TrackingForm(
        jurisdiction=f"{context['city']['kind']} of {_text(context['city']['name'])}",
        accounts=accounts,
        categories=[_text(c) for c in lookup(context, spec["categories"]) or []],
        coordinator=_text(lookup(context, spec["coordinator"])),
        retention=_text(lookup(context, spec["retention"])),
        draft=not profile.adopted,
        language=profile.values["document"]["language"],
        date=profile.date,
        provenance=profile.provenance,
    )


def _text(value: Any) -> str:
    return plain(inlines_of(value)) if value is not None else ""


def _account_label(account: Any) -> str:
    if isinstance(account, dict):
        parts = [account.get("platform"), account.get("name")]
        return ": ".join(str(p) for p in parts if p)
    return _text(account)


@cache
def record_variables() -> tuple[Variable, ...]:
    """The declarations of a removal record (``data/removal-record.yaml``)."""
    text = (resources.files("smpgen") / "data" / "removal-record.yaml").read_text("utf-8")
    return parse_group(yaml.safe_load(text), "", ())


def load_record(path: Path, form: TrackingForm) -> RemovalRecord:
    """Load a removal record; every problem is reported, located, as for a profile."""
    source = load_yaml(path, empty_hint=" (see the README's removal record example)")
    values, problems, _ = check_values(source, record_variables())
    if not problems:
        _check_record(source, values, form, problems)
    if problems:
        raise ProfileError(sorted(problems, key=lambda p: p.line))
    return RemovalRecord(**values)


def _check_record(source: SourceFile, values: dict[str, Any], form: TrackingForm,
                  problems: list[Problem]) -> None:
    def problem(loc: Loc, message: str) -> None:
        problems.append(Problem(source.path, source.line_of(loc), dotted(loc), message))

    if form.accounts and values["account"] not in form.accounts:
        problem(("account",), f"{values['account']!r} is not one of the city's accounts; "
                + _hint(values["account"], form.accounts))
    allowed = [*form.categories, OTHER]
    for i, reason in enumerate(values["reasons"]):
        if reason not in allowed:
            problem(("reasons", i), f"{reason!r} is not a removal category; "
                    + _hint(reason, allowed))
    if OTHER in values["reasons"] and not values["other_reason"]:
        problem(("other_reason",), "is required when the reasons include \"other\"")
    if values["removed"] < values["posted"]:
        problem(("removed",), "is before the date of the original post")
    if values["received"] and values["received"] < values["removed"]:
        problem(("received",), "is before the date the comment was removed")


def _hint(value: str, choices: list[str]) -> str:
    containing = [c for c in choices if value.strip().lower() in c.lower()]
    close = containing if len(containing) == 1 else \
        difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return "expected one of: " + "; ".join(choices)


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
