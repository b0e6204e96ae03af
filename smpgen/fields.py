"""Pydantic types for variable declarations: the checks every profile value goes through."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StrictStr,
    create_model,
)

from .records import records_laws, suggest_state
from .variables import Variable

MAX_LINE = 300
"""Characters in a one-line text value."""
MAX_PARAGRAPH = 10_000
"""Characters in a paragraph value."""

_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _clean(value: str, *, multiline: bool, limit: int) -> str:
    value = value.strip()
    if not multiline and "\n" in value:
        raise ValueError("must be one line")
    for ch in value:
        if unicodedata.category(ch) == "Cc" and not (multiline and ch in "\n\t"):
            raise ValueError(f"contains the control character U+{ord(ch):04X}; remove it")
        if _noncharacter(ch):
            raise ValueError(f"contains U+{ord(ch):04X}, which is not a character; remove it")
    if len(value) > limit:
        raise ValueError(f"is {len(value):,} characters long; at most {limit:,} are allowed")
    if not value:
        raise ValueError("is empty; give a value or leave the field out")
    return value


def _noncharacter(ch: str) -> bool:
    code = ord(ch)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


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


def _date(value: Any) -> Any:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date | str):
        raise ValueError(f"expected a date written YYYY-MM-DD, got {describe(value)}")
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise ValueError(f"{value!r} is not a date; write it YYYY-MM-DD") from None
    return value


def describe(value: Any) -> str:
    """A value's kind, for error messages (YAML words, not Python's)."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{'true' if value else 'false'} (put text in quotes)"
    if isinstance(value, int | float):
        return f"the number {value}"
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


def annotation(var: Variable) -> Any:
    """The pydantic type that checks one value of ``var`` (never None: absence is separate)."""
    match var.type:
        case "text":
            return Annotated[StrictStr, AfterValidator(_line)]
        case "paragraph":
            return Annotated[StrictStr, AfterValidator(_paragraph)]
        case "integer":
            return StrictInt
        case "boolean":
            return StrictBool
        case "date":
            return Annotated[dt.date, BeforeValidator(_date)]
        case "choice":
            return Literal[var.choices]
        case "url":
            return Annotated[StrictStr, AfterValidator(_url)]
        case "email":
            return Annotated[StrictStr, AfterValidator(_email)]
        case "state":
            return Annotated[StrictStr, AfterValidator(_state)]
        case "list":
            assert var.item is not None
            return list[annotation(var.item)]  # type: ignore[misc]
        case _:
            return group_model(var.name or "Profile", var.fields)


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
