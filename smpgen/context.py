"""Stage 2: the values a model's templates see, from a profile or as the league's blanks."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from .lint import roles
from .models import Model
from .profile import Profile, profile_variables
from .records import RecordsLaw, records_laws
from .text import BlankList, Composite
from .tree import Blank, Inline, Text, long_date, merge_text
from .variables import Variable


def profile_context(profile: Profile) -> dict[str, Any]:
    """The template context for a city: its values, with blanks where a draft leaves gaps."""
    values = copy.deepcopy(profile.values)
    variables = profile_variables(profile.model)
    for name in profile.missing:
        _set_blank(values, variables, name)
    _inline_paragraphs(variables, values)
    law = profile.records_law if profile.values["city"]["state"] else None
    return _derive(values, profile.model, law)


def _inline_paragraphs(variables: tuple[Variable, ...], values: dict[str, Any]) -> None:
    """A ``paragraph`` value prints inline in a model's sentence: its line breaks and runs
    of spaces read as one space (the executive summary sets a replaced part's paragraphs
    apart itself, from the profile's own value)."""
    for var in variables:
        value = values.get(var.key)
        if var.is_group and isinstance(value, dict):
            _inline_paragraphs(var.fields, value)
        elif var.item is not None and var.item.is_group and isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    _inline_paragraphs(var.item.fields, item)
        elif var.type == "paragraph" and isinstance(value, str):
            values[var.key] = " ".join(value.split())


def model_context(model: Model, state: str | None = None) -> dict[str, Any]:
    """The template context for the league edition: defaults, and a blank for every gap.
    A state edition (``state``, a postal code) fills in what the state decides, its
    records law and the other state terms (``records_law.*``), and leaves every city's
    value blank."""
    values: dict[str, Any] = {}
    _defaults_or_blanks(profile_variables(model), values)
    law = None
    if state is not None:
        law = records_laws()[state]
        values["city"]["state"] = state
    return _derive(values, model, law)


def _defaults_or_blanks(variables: tuple[Variable, ...], into: dict[str, Any]) -> None:
    """The league edition's values: each default, except where the declaration asks for
    a blank (``model_blank``) so every city decides the value for itself."""
    for var in variables:
        if var.is_group:
            into[var.key] = {}
            _defaults_or_blanks(var.fields, into[var.key])
        elif var.model_blank:
            into[var.key] = blank_for(var)
        elif var.default is not None:
            into[var.key] = var.default
        elif var.type == "choice":
            into[var.key] = var.choices[0]
        elif var.type == "boolean":
            into[var.key] = False
        elif var.name.startswith("document."):
            into[var.key] = None
        else:
            into[var.key] = blank_for(var)


def blank_for(var: Variable) -> Blank | BlankList:
    """The blank that stands for ``var`` until a city fills it in. A value the league's
    edition leaves blank although it has a default (``model_blank``) suggests that
    default when the model gives no suggestion of its own: "________ (10)"."""
    suggestion = var.suggestion
    if not suggestion and var.model_blank and isinstance(var.default, str | int) \
            and not isinstance(var.default, bool):
        suggestion = str(var.default)
    blank = Blank(var.name, suggestion)
    if var.type != "list":
        return blank
    assert var.item is not None
    if var.item.type == "object":
        fields = {f.key: Blank(f.name, f.suggestion) for f in var.item.fields}
        return BlankList(Blank(var.name, var.suggestion), fields)
    return BlankList(Blank(var.name, var.suggestion or var.item.suggestion))


def _set_blank(values: dict[str, Any], variables: tuple[Variable, ...], name: str) -> None:
    *groups, key = name.split(".")
    target, group = values, variables
    for part in groups:
        target = target[part]
        group = next(v for v in group if v.key == part).fields
    target[key] = blank_for(next(v for v in group if v.key == key))


def _derive(values: dict[str, Any], model: Model, law: RecordsLaw | None) -> dict[str, Any]:
    city = values["city"]
    city["full_name"] = Composite([city["kind"], " of ", city["name"]])
    values["document"]["title"] = values["document"]["title"] or model.title
    values["roles"] = roles(values)
    values["records_law"] = _state_terms(law)
    return values


_STATE_TERMS = {
    "name": "the state\u2019s public records law",
    "citation": "its citation",
    "withheld": "the state\u2019s term for what its records law keeps from the public, e.g. "
                "records exempt from public disclosure",
    "records": "the state\u2019s term for what its records law opens to the public, e.g. public "
               "records",
    "request": "the state\u2019s term for a request under that law, e.g. public records request",
    "retention_law": "the state\u2019s records retention law and its citation",
    "schedule": "the retention schedule the state issues for cities, if any",
    "claims_period": "the state\u2019s limitation period for civil-rights claims, e.g. three "
                     "years",
    "claims_citation": "the citation of that period",
    "open_meetings": "the state\u2019s open meetings law and its citation",
}
"""The state's terms a model may print (``records_law.*``), with the suggestion shown
after each blank where the state is not known: the league's edition, or a draft."""


def _state_terms(law: RecordsLaw | None) -> dict[str, Any]:
    if law is None:
        terms: dict[str, Any] = {key: Blank(f"records_law.{key}", suggestion)
                                 for key, suggestion in _STATE_TERMS.items()}
        terms["state"] = Blank("city.state", "state")
        return terms
    terms = {key: getattr(law, key) for key in _STATE_TERMS}
    terms["state"] = law.state_name
    return terms


def inlines_of(value: Any) -> list[Inline]:
    """A context value (text, blank, or composite of both) as tree inlines."""
    if isinstance(value, Composite):
        return merge_text([n for part in value.parts for n in inlines_of(part)])
    if isinstance(value, Blank):
        return [Blank(value.name, value.suggestion)]
    if isinstance(value, BlankList):
        return [value.blank]
    if isinstance(value, dt.date):
        return [Text(long_date(value))]
    return [Text(str(value))]


def lookup(context: dict[str, Any], dotted: str) -> Any:
    """The context value at a dotted name such as ``officials.coordinator``."""
    value: Any = context
    for part in dotted.split("."):
        value = value[part]
    return value
