"""The tracking form of a city, from its profile and its model's ``tracking_form:``
names, and the removal records (``smpgen form fill``) that fill it in, validated like a
profile."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .context import inlines_of, lookup, profile_context
from .errors import ModelError, Problem, ProfileError
from .fields import FIRST_DATE, LAST_DATE, UrlType
from .form import BLOCKED, RemovalRecord, TrackingForm, printed
from .profile import Profile, check_values, checked_value, raw_value
from .sourcefile import SourceFile, dotted, load_yaml
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
        kind=context["city"]["kind"],
        accounts=accounts,
        categories=[_text(c) for c in lookup(context, spec["categories"]) or []],
        coordinator=_text(lookup(context, spec["coordinator"])),
        retention=_text(lookup(context, spec["retention"])),
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


WHEN = {
    "post": "the link to the post the comment answered, or its date and time, YYYY-MM-DD HH:MM",
    "commented": "the comment's date and time, YYYY-MM-DD HH:MM (e.g. 2026-11-02 14:35)",
}
"""Keys that give a date and time (the post's may be its link instead), read here: the
declarations know dates, not times."""
RETIRED = {
    "other_reason": "the form has no \"other\" reason: the policy allows a removal only for "
                    "one of its categories; give those that apply under reasons, and if none "
                    "does, the comment may not be removed",
    "posted": "the form no longer asks for the ambiguous \"date of original post\"; give "
              "commented (the comment's own date and time, YYYY-MM-DD HH:MM) and post (the "
              "link to, or the date and time of, the post it answered)",
}
"""Keys of the 2021 form, each with what to write instead."""


def load_record(path: Path, form: TrackingForm) -> RemovalRecord:
    """Load a removal record; every problem is reported, located, as for a profile."""
    source = load_yaml(path, empty_hint=" (see the README's removal record example)")
    for key in WHEN:  # YAML reads 2026-11-02 (and a time with seconds) as a date: keep the text
        if isinstance(source.data.get(key), dt.date) and (key,) in source.written:
            source.data[key] = source.written[(key,)]
    variables = record_variables()
    values, problems, _ = check_values(source, variables)
    problems = [_reworded(p) for p in problems]
    when = _check_record(source, variables, form, problems)
    if problems:
        raise ProfileError(sorted(problems, key=lambda p: p.line))
    return RemovalRecord(**(values | when))


def _reworded(problem: Problem) -> Problem:
    """A key of the 2021 form, or a missing date and time, in this form's words."""
    if problem.field in RETIRED and problem.message.startswith("unknown field"):
        return replace(problem, message=RETIRED[problem.field])
    if problem.field in WHEN and problem.message.startswith("is required"):
        return replace(problem, message=f"is required; give {WHEN[problem.field]}")
    return problem


def _check_record(source: SourceFile, variables: tuple[Variable, ...], form: TrackingForm,
                  problems: list[Problem]) -> dict[str, Any]:
    """The record against the city's lists, its own dates and the rules for a block; the
    post's and the comment's date and time, read. Each check looks only at values that
    passed their own, so it is reported alongside every other problem."""

    def problem(key: str, message: str, *loc: str | int, line: str | None = None) -> None:
        where = (key, *loc)
        problems.append(Problem(source.path, source.line_of((line,) if line else where),
                                dotted(where), message))

    def value(*loc: str) -> Any:
        return checked_value(source, variables, loc, problems)

    account = value("account")
    if form.accounts and account and account not in form.accounts:
        problem("account", f"{account!r} is not one of the city's accounts; "
                + _hint(account, form.accounts))
    for i, reason in enumerate(value("reasons") or []):
        if reason in form.categories:
            continue
        if reason.strip().lower().startswith("other"):
            problem("reasons", f"{reason!r}: the policy allows a removal only for one of its "
                    "categories and for no other reason; give the categories that apply, and "
                    "if none does, the comment may not be removed", i)
        else:
            problem("reasons", f"{reason!r} is not a removal category; "
                    + _hint(reason, form.categories), i)
    post, commented = _post(value("post"), problem), _moment(value("commented"), "commented",
                                                             problem)
    if isinstance(post, dt.datetime) and commented and commented < post:
        problem("commented", f"is before the post it answered ({printed(post)})")
    removed, received = value("removed"), value("received")
    if commented and removed and removed < commented.date():
        problem("removed", "is before the date of the comment")
    if removed and received and received < removed:
        problem("received", "is before the date the comment was removed")
    _check_block(value, problem, removed)
    answered = value("answered")
    if answered and raw_value(source, ("question",)) is None:
        problem("answered", "is the date of the written answer to a question; give the "
                "question the commenter asked too")
    if answered and removed and answered < removed:
        problem("answered", "is before the date the comment was removed")
    return {"post": post, "commented": commented}


def _check_block(value: Callable[..., Any], problem: Callable[..., None],
                 removed: dt.date | None) -> None:
    """A block is approved in writing and has a review date (and only a block has them)."""
    action = value("action")
    if action is None:  # missing or wrong: already reported
        return
    approver, review = value("block_approved_by"), value("block_review")
    if BLOCKED in action:
        for key, value_, what in (("block_approved_by", approver, "the official who approved "
                                   "the block in writing, by name and title"),
                                  ("block_review", review, "the date the block is to be "
                                   "reviewed, YYYY-MM-DD")):
            if value_ is None:
                problem(key, f"is required when the action includes \"blocked\"; give {what}",
                        line="action")
    else:
        for key, value_ in (("block_approved_by", approver), ("block_review", review)):
            if value_ is not None:
                problem(key, "is only for a blocked user; add \"blocked\" to action, or leave "
                        "it out")
    if review and removed and review < removed:
        problem("block_review", "is before the date the comment was removed")


_MOMENT = re.compile(r"(?P<date>[0-9]{4}-[0-9]{2}-[0-9]{2})(?:[Tt]|\s+)(?P<hour>[0-9]{1,2}):"
                     r"(?P<minute>[0-9]{2})(?::[0-9]{2})?\s*(?:(?P<half>[AaPp])\.?\s*[Mm]\.?)?",
                     re.ASCII)
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_EXAMPLE = "write it YYYY-MM-DD HH:MM, e.g. 2026-11-02 14:35 or 2026-11-02 2:35 pm"


def _moment(text: str | None, key: str, problem: Callable[..., None]) -> dt.datetime | None:
    """``2026-11-02 14:35`` (or ``2:35 pm``) as a date and time; a problem at ``key`` if it
    is not one."""
    if text is None:
        return None
    match = _MOMENT.fullmatch(text.strip())
    try:
        if match is None:
            raise ValueError
        day = dt.date.fromisoformat(match["date"])
        hour, minute, half = int(match["hour"]), int(match["minute"]), match["half"]
        if half:
            if not 1 <= hour <= 12:
                raise ValueError
            hour = hour % 12 + (12 if half in "Pp" else 0)
        moment = dt.datetime.combine(day, dt.time(hour, minute))
    except ValueError:
        if _DAY.fullmatch(text.strip()):
            problem(key, f"{text!r} gives no time; {_EXAMPLE}")
        else:
            problem(key, f"{text!r} is not a date and time; {_EXAMPLE}")
        return None
    if not FIRST_DATE <= day <= LAST_DATE:
        problem(key, f"{day.isoformat()} is not between {FIRST_DATE.isoformat()} and "
                f"{LAST_DATE.isoformat()}; check the year")
        return None
    return moment


def _post(text: str | None, problem: Callable[..., None]) -> str | dt.datetime | None:
    """The post the comment answered: its web address, or its date and time."""
    if text is None:
        return None
    if text.startswith(("http://", "https://")):
        try:
            return UrlType().check(text)
        except ValueError as e:
            problem("post", str(e))
            return None
    if _DAY.match(text.strip()):  # a date, with or without its time
        return _moment(text, "post", problem)
    problem("post", f"{text!r} is neither a web address nor a date and time; give the post's "
            "link (starting with https://) or its date and time, YYYY-MM-DD HH:MM")
    return None


def _hint(value: str, choices: list[str]) -> str:
    containing = [c for c in choices if value.strip().lower() in c.lower()]
    close = containing if len(containing) == 1 else \
        difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return "expected one of: " + "; ".join(choices)
