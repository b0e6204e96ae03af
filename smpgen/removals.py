"""The tracking form of a city, from its profile and its model's ``tracking_form:``
names, and the removal records (``smpgen form fill``) that fill it in, validated like a
profile."""

from __future__ import annotations

import difflib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .context import inlines_of, lookup, profile_context
from .errors import ModelError, Problem, ProfileError
from .form import OTHER, RemovalRecord, TrackingForm
from .profile import Profile, check_values, checked_value, raw_value
from .sourcefile import Loc, SourceFile, dotted, load_yaml
from .tree import plain
from .variables import Variable, parse_group


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
    variables = record_variables()
    values, problems, _ = check_values(source, variables)
    _check_record(source, variables, form, problems)
    if problems:
        raise ProfileError(sorted(problems, key=lambda p: p.line))
    return RemovalRecord(**values)


def _check_record(source: SourceFile, variables: tuple[Variable, ...], form: TrackingForm,
                  problems: list[Problem]) -> None:
    """The record against the city's lists and its own dates. Each check looks only at
    values that passed their own, so it is reported alongside every other problem."""

    def problem(loc: Loc, message: str) -> None:
        problems.append(Problem(source.path, source.line_of(loc), dotted(loc), message))

    def value(*loc: str) -> Any:
        return checked_value(source, variables, loc, problems)

    account = value("account")
    if form.accounts and account and account not in form.accounts:
        problem(("account",), f"{account!r} is not one of the city's accounts; "
                + _hint(account, form.accounts))
    reasons = value("reasons") or []
    allowed = [*form.categories, OTHER]
    for i, reason in enumerate(reasons):
        if reason not in allowed:
            problem(("reasons", i), f"{reason!r} is not a removal category; "
                    + _hint(reason, allowed))
    if OTHER in reasons and raw_value(source, ("other_reason",)) is None:
        problem(("other_reason",), "is required when the reasons include \"other\"")
    posted, removed, received = value("posted"), value("removed"), value("received")
    if posted and removed and removed < posted:
        problem(("removed",), "is before the date of the original post")
    if removed and received and received < removed:
        problem(("received",), "is before the date the comment was removed")


def _hint(value: str, choices: list[str]) -> str:
    containing = [c for c in choices if value.strip().lower() in c.lower()]
    close = containing if len(containing) == 1 else \
        difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return "expected one of: " + "; ".join(choices)
