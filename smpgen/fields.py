"""Variable types: for each declared ``type:``, the check every profile value goes through
(a pydantic type), the words that describe a good value, and its JSON Schema."""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    TypeAdapter,
    ValidationError,
    create_model,
)
from pydantic_core import PydanticCustomError

from .characters import character_problem
from .records import records_laws, suggest_state
from .variables import TYPES, Variable

MAX_LINE = 300
"""Characters in a one-line text value."""
MAX_PARAGRAPH = 10_000
"""Characters in a paragraph value."""
FIRST_DATE, LAST_DATE = dt.date(1900, 1, 1), dt.date(2199, 12, 31)
"""Dates a value may give: wide, but a mistyped century (2206, 0206) is caught."""

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
LANGUAGE_PATTERN = (
    r"^(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})"  # language, extended subtags
    r"(?:-[A-Za-z]{4})?"  # script: Hant
    r"(?:-(?:[A-Za-z]{2}|[0-9]{3}))?"  # region: US, 419
    r"(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"  # variants: valencia, 1996
    r"(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*"  # extensions: u-nu-latn
    r"(?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?$"  # private use: x-city
)
"""A BCP 47 language tag (RFC 5646 ``langtag``): en, en-US, es-419, zh-Hant-TW."""
_LANGUAGE = re.compile(LANGUAGE_PATTERN, re.ASCII)
MAX_LANGUAGE = 35
"""Characters in a language tag: what RFC 5646 asks every program to handle."""


def _clean(value: str, *, multiline: bool, limit: int) -> str:
    value = value.strip()
    if not multiline and "\n" in value:
        raise ValueError("must be one line")
    for ch in value:
        problem = character_problem(ch, multiline=multiline)
        if problem:
            raise ValueError(problem)
    if len(value) > limit:
        raise ValueError(f"is {len(value):,} characters long; at most {limit:,} are allowed")
    if not value:
        raise ValueError("is empty; give a value or leave the field out")
    return value


def check_text(value: str, *, multiline: bool = False, limit: int | None = None) -> str:
    """``value`` stripped, or ValueError saying what is wrong: the check of a ``text``
    value (with ``multiline``, of a ``paragraph``), for text a model gives (its title, a
    declaration's guidance); ``limit`` replaces the usual length."""
    return _clean(value, multiline=multiline,
                  limit=limit or (MAX_PARAGRAPH if multiline else MAX_LINE))


def _line(value: str) -> str:
    return _clean(value, multiline=False, limit=MAX_LINE)


def _paragraph(value: str) -> str:
    return _clean(value, multiline=True, limit=MAX_PARAGRAPH)


def _url(value: str) -> str:
    value = _line(value)
    if not _URL.match(value):
        raise ValueError(f"{value!r} is not a web address; expected one starting with https://")
    return value


def _email(value: str) -> str:
    value = _line(value)
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


def _state(value: str) -> str:
    value = _line(value)
    if value.upper() in records_laws():
        return value.upper()
    hint = suggest_state(value)
    raise ValueError(f"{value!r} is not a US state code" + (f"; {hint}" if hint else
                     "; expected a two-letter code such as MN"))


def _language(value: str) -> str:
    value = _line(value)
    if len(value) > MAX_LANGUAGE:
        raise ValueError(f"is {len(value)} characters long; a language tag has at most "
                         f"{MAX_LANGUAGE}, such as en-US")
    if not _LANGUAGE.match(value):
        raise ValueError(f"{value!r} is not a language tag; write one such as en-US, es-419 "
                         "or zh-Hant-TW (letters, digits and hyphens)")
    return value


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date | str):
        raise PydanticCustomError("date_type", "not a date")
    if isinstance(value, str):
        # fromisoformat alone would also take 20261007 and 2026-W41-3.
        written = value.strip()
        try:
            if not _ISO_DATE.fullmatch(written):
                raise ValueError
            value = dt.date.fromisoformat(written)
        except ValueError:
            raise ValueError(f"{written!r} is not a date; write it YYYY-MM-DD") from None
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"{value.isoformat()} is not between {FIRST_DATE.isoformat()} and "
                         f"{LAST_DATE.isoformat()}; check the year")
    return value


def describe(value: Any, written: str | None = None) -> str:
    """A value's kind, for error messages (YAML words, not Python's); ``written`` is the
    user's own characters for a number or true/false (``0702``, not the 450 YAML reads)."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return written or ("true" if value else "false")
    if isinstance(value, int | float):
        return f"the number {written or value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return f"the text {shown!r}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, dt.datetime):
        return f"a date and time ({value:%Y-%m-%d %H:%M}); give the date alone"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    return type(value).__name__


class FieldType:
    """One declared ``type:``. Subclasses are listed once in :data:`FIELD_TYPES`."""

    name: ClassVar[str]
    """The word a declaration uses, e.g. ``text``."""
    takes_text: ClassVar[bool] = False
    """A number or true/false given here is likely meant as text and wants quotes."""

    def annotation(self, var: Variable) -> Any:
        """The pydantic type that checks one value (never None: absence is separate)."""
        raise NotImplementedError

    def expected(self, var: Variable) -> str:
        """How to describe a good value to a person."""
        raise NotImplementedError

    def schema(self, var: Variable) -> dict[str, Any]:
        """The JSON Schema of a value, without the declaration's description."""
        raise NotImplementedError


class TextType(FieldType):
    """One line of text."""

    name = "text"
    takes_text = True

    def check(self, value: str) -> str:
        """The value as stored, or ValueError saying what is wrong."""
        return _line(value)

    def annotation(self, var: Variable) -> Any:
        limit = var.max_length
        if limit is None:
            return Annotated[StrictStr, AfterValidator(self.check)]

        def check(value: str) -> str:  # a declared max_length, below the type's own limit
            value = self.check(value)
            if len(value) > limit:
                raise ValueError(f"is {len(value):,} characters long; at most {limit:,} are "
                                 "allowed")
            return value

        return Annotated[StrictStr, AfterValidator(check)]

    def expected(self, var: Variable) -> str:
        return "one line of text"

    def schema(self, var: Variable) -> dict[str, Any]:
        return {"type": "string", "minLength": 1} | (
            {"maxLength": var.max_length} if var.max_length is not None else {})


class ParagraphType(TextType):
    """Text that may span lines."""

    name = "paragraph"

    def check(self, value: str) -> str:
        return _paragraph(value)

    def expected(self, var: Variable) -> str:
        return "text (may span lines)"


class UrlType(TextType):
    """A web address."""

    name = "url"
    takes_text = False

    def check(self, value: str) -> str:
        return _url(value)

    def expected(self, var: Variable) -> str:
        return "a web address starting with https:// or http://"

    def schema(self, var: Variable) -> dict[str, Any]:
        return {"type": "string", "pattern": "^https?://"}


class EmailType(TextType):
    """An email address."""

    name = "email"
    takes_text = False

    def check(self, value: str) -> str:
        return _email(value)

    def expected(self, var: Variable) -> str:
        return "an email address"

    def schema(self, var: Variable) -> dict[str, Any]:
        return {"type": "string", "format": "email"}


class StateType(TextType):
    """A US state's postal code; it selects the public records law."""

    name = "state"
    takes_text = False

    def check(self, value: str) -> str:
        return _state(value)

    def expected(self, var: Variable) -> str:
        return "a two-letter state code such as MN"

    def schema(self, var: Variable) -> dict[str, Any]:
        return {"enum": sorted(records_laws())}


class LanguageType(TextType):
    """A BCP 47 language tag, written into the documents' properties and attributes."""

    name = "language"
    takes_text = False

    def check(self, value: str) -> str:
        return _language(value)

    def expected(self, var: Variable) -> str:
        return "a language tag such as en-US"

    def schema(self, var: Variable) -> dict[str, Any]:
        return {"type": "string", "pattern": LANGUAGE_PATTERN, "maxLength": MAX_LANGUAGE}


class IntegerType(FieldType):
    """A whole number within the declaration's ``min`` (0 unless declared) and ``max``."""

    name = "integer"

    @staticmethod
    def bounds(var: Variable) -> tuple[int, int | None]:
        """The smallest and largest value allowed (None: no largest)."""
        return (0 if var.minimum is None else var.minimum), var.maximum

    def annotation(self, var: Variable) -> Any:
        low, high = self.bounds(var)

        def in_range(value: int) -> int:
            if value < low or (high is not None and value > high):
                raise PydanticCustomError("out_of_range", "out of range")
            return value

        return Annotated[StrictInt, AfterValidator(in_range)]

    def expected(self, var: Variable) -> str:
        low, high = self.bounds(var)
        return f"a whole number from {low} to {high}" if high is not None else \
            f"a whole number, {low} or more"

    def schema(self, var: Variable) -> dict[str, Any]:
        low, high = self.bounds(var)
        return {"type": "integer", "minimum": low} | ({"maximum": high} if high is not None else {})


class BooleanType(FieldType):
    """true or false."""

    name = "boolean"

    def annotation(self, var: Variable) -> Any:
        return StrictBool

    def expected(self, var: Variable) -> str:
        return "true or false"

    def schema(self, var: Variable) -> dict[str, Any]:
        return {"type": "boolean"}


class DateType(FieldType):
    """A calendar date written YYYY-MM-DD, between :data:`FIRST_DATE` and :data:`LAST_DATE`."""

    name = "date"

    def annotation(self, var: Variable) -> Any:
        return Annotated[dt.date, BeforeValidator(_date)]

    def expected(self, var: Variable) -> str:
        return "a date written YYYY-MM-DD"

    def schema(self, var: Variable) -> dict[str, Any]:
        return {"type": "string", "format": "date"}


class ChoiceType(FieldType):
    """One of the declared ``choices``."""

    name = "choice"

    def annotation(self, var: Variable) -> Any:
        return Literal[var.choices]

    def expected(self, var: Variable) -> str:
        return "one of: " + ", ".join(var.choices)

    def schema(self, var: Variable) -> dict[str, Any]:
        return {"enum": list(var.choices)}


class ListType(FieldType):
    """A list of values of the declared ``item``."""

    name = "list"

    def annotation(self, var: Variable) -> Any:
        assert var.item is not None
        return list[annotation(var.item)]  # type: ignore[misc]

    def expected(self, var: Variable) -> str:
        item = var.item
        assert item is not None
        if item.type == "object":
            return "a list of entries with " + ", ".join(f.key for f in item.fields)
        return f"a list, each item {item.expected()}"

    def schema(self, var: Variable) -> dict[str, Any]:
        assert var.item is not None
        out = {"type": "array", "items": value_schema(var.item)}
        return out | ({"minItems": var.min_items} if var.min_items else {}) | (
            {"maxItems": var.max_items} if var.max_items is not None else {})


class ObjectType(FieldType):
    """A group of fields: a mapping in the profile, unknown keys refused."""

    name = "object"

    def annotation(self, var: Variable) -> Any:
        return group_model(var.name or "Profile", var.fields)

    def expected(self, var: Variable) -> str:
        return "a mapping with " + ", ".join(f.key for f in var.fields)

    def schema(self, var: Variable) -> dict[str, Any]:
        return group_schema(var.fields)


FIELD_TYPES: dict[str, FieldType] = {t.name: t for t in (
    TextType(), ParagraphType(), IntegerType(), BooleanType(), DateType(), ChoiceType(),
    UrlType(), EmailType(), StateType(), LanguageType(), ListType(), ObjectType())}
"""Every variable type by its ``type:`` word."""
assert set(FIELD_TYPES) == set(TYPES), "variables.TYPES and FIELD_TYPES list the same types"


def field_type(var: Variable) -> FieldType:
    """The type class of ``var``."""
    return FIELD_TYPES[var.type]


def annotation(var: Variable) -> Any:
    """The pydantic type that checks one value of ``var`` (never None: absence is separate)."""
    return field_type(var).annotation(var)


def value_schema(var: Variable) -> dict[str, Any]:
    """The JSON Schema of ``var``'s value with its description, default and example."""
    out = field_type(var).schema(var)
    if var.guidance:
        out["description"] = var.guidance
    if var.default is not None:
        out["default"] = _json(var.default)
    if var.example is not None:
        out["examples"] = [_json(var.example)]
    return out


def _json(value: Any) -> Any:
    """``value`` with each date written YYYY-MM-DD, as JSON holds it."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


def group_schema(fields: tuple[Variable, ...]) -> dict[str, Any]:
    """The JSON Schema of a mapping of ``fields``; unknown keys are refused."""
    out: dict[str, Any] = {
        "type": "object",
        "additionalProperties": False,
        "properties": {f.key: value_schema(f) for f in fields},
    }
    required = [f.key for f in fields if f.required]
    if required:
        out["required"] = required
    return out


def check_value(var: Variable, value: Any) -> Any:
    """``value`` as a profile would store it for ``var``, or ValueError saying what is
    wrong, for values that come from elsewhere (``smpgen init --name``, a model's
    defaults and examples)."""
    adapter = _adapter(var)
    try:
        # Dumped, so an entry of a list of groups is a mapping, as in a loaded profile.
        return adapter.dump_python(adapter.validate_python(value))
    except ValidationError as e:
        error = e.errors()[0]
        if error["type"] == "value_error":
            raise ValueError(error["msg"].removeprefix("Value error, ")) from None
        raise ValueError(f"expected {var.expected()}, got {describe(value)}") from None


@cache
def _adapter(var: Variable) -> TypeAdapter[Any]:
    return TypeAdapter(annotation(var))


@cache
def group_model(name: str, fields: tuple[Variable, ...]) -> type[BaseModel]:
    """A pydantic model for a group of declarations; unknown keys are errors."""
    spec: dict[str, Any] = {
        f.key: (annotation(f) | None, Field(default=None, title=f.name, description=f.guidance))
        for f in fields
    }
    model: type[BaseModel] = create_model(
        name.replace(".", "_").replace("[]", "_item") or "Profile",
        __config__=ConfigDict(extra="forbid", title=name),
        **spec,
    )
    return model
