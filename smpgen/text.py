"""Stage 3: render a model's Jinja+Markdown section files with a profile's values.

Profile values never enter the Markdown: each printed value becomes a placeholder
(two Unicode noncharacters around a number), and the parser puts the value back as
plain text after parsing. So a value can hold ``*``, ``<img>`` or ``{{ }}`` and still
print as exactly those characters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from .errors import ModelError
from .models import Model
from .tree import Blank, XRef

OPEN, CLOSE = "\ufdd0", "\ufdd1"
"""Placeholder delimiters: noncharacters, which profile values are refused to contain."""
PLACEHOLDER = re.compile(f"{OPEN}(\\d+){CLOSE}")

Slot = str | Blank | XRef
"""What a placeholder stands for: a value's text, a blank, or a cross-reference."""


@dataclass(slots=True)
class RenderedText:
    """A section's Markdown with placeholders, and what each placeholder stands for."""

    markdown: str
    """Markdown text."""
    slots: list[Slot]
    """Slot ``n`` replaces placeholder ``n``."""


class BlankList:
    """A list the city has yet to fill in: iterates once, giving a single blank item."""

    def __init__(self, blank: Blank, fields: dict[str, Blank] | None = None) -> None:
        self.blank = blank
        self.fields = fields

    def __iter__(self) -> Iterator[Any]:
        yield BlankGroup(self.fields) if self.fields else self.blank

    def __len__(self) -> int:
        return 1

    def __bool__(self) -> bool:
        return True


class BlankGroup:
    """An object item of a blank list: each field is a blank."""

    def __init__(self, fields: dict[str, Blank]) -> None:
        self._fields = fields

    def __getattr__(self, name: str) -> Blank:
        try:
            return self._fields[name]
        except KeyError:
            raise AttributeError(name) from None


class Composite:
    """Text built from literal parts and values, e.g. ``City of`` and a blank name."""

    def __init__(self, parts: list[Any]) -> None:
        self.parts = parts


class _Slotted(str):
    """A string already turned into placeholders; printing it again leaves it alone."""


_current: ContextVar[list[Slot]] = ContextVar("smpgen_slots")


def _slot(value: Slot) -> _Slotted:
    slots = _current.get()
    slots.append(value)
    return _Slotted(f"{OPEN}{len(slots) - 1}{CLOSE}")


def long_date(value: dt.date) -> str:
    """``2026-03-04`` as ``March 4, 2026``."""
    return f"{value:%B} {value.day}, {value.year}"


def _finalize(value: Any) -> str:
    if isinstance(value, _Slotted):
        return value
    if isinstance(value, Blank | XRef):
        return _slot(value)
    if isinstance(value, BlankList):
        return _slot(value.blank)
    if isinstance(value, Composite):
        return _Slotted("".join(_finalize(p) for p in value.parts))
    if isinstance(value, bool) or value is None:
        raise jinja2.TemplateRuntimeError(
            f"a template printed {value!r}; test optional values with {{% if %}} first")
    if isinstance(value, dt.date):
        return _slot(long_date(value))
    if isinstance(value, list):
        return _series(value)
    return _slot(str(value))


def _series(items: Any, conjunction: str = "and") -> _Slotted:
    """``a, b and c``: each item a value of its own, the commas the model's."""
    parts = [_finalize(item) for item in items]
    if len(parts) <= 2:
        return _Slotted(f" {conjunction} ".join(parts))
    return _Slotted(", ".join(parts[:-1]) + f" {conjunction} " + parts[-1])


class TextRenderer:
    """Renders one model's section files; reuse it for many profiles."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader(model.path),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            finalize=_finalize,
            keep_trailing_newline=True,
            # "{#id}" names a subsection in Markdown, so Jinja comments are "{## ... ##}".
            comment_start_string="{##",
            comment_end_string="##}",
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["series"] = _series
        self.env.globals["ref"] = XRef

    def render(self, source: str, context: dict[str, Any]) -> RenderedText:
        """Render the file ``source`` (relative to the model folder)."""
        slots: list[Slot] = []
        token = _current.set(slots)
        try:
            markdown = self.env.get_template(source).render(context)
        except jinja2.TemplateSyntaxError as e:
            raise ModelError(f"{self.model.path / source}:{e.lineno}: template syntax error: "
                             f"{e.message}") from None
        except jinja2.UndefinedError as e:
            raise ModelError(f"{self.model.path / source}:{_line(e)}: {e.message}; "
                             "declare it in model.yaml under variables") from None
        except jinja2.exceptions.SecurityError as e:
            raise ModelError(f"{self.model.path / source}:{_line(e)}: blocked by the template "
                             f"sandbox: {e}") from None
        except jinja2.TemplateError as e:
            raise ModelError(f"{self.model.path / source}:{_line(e)}: {e}") from None
        finally:
            _current.reset(token)
        return RenderedText(markdown, slots)


def _line(error: Exception) -> int:
    """The template line an error came from, found in the traceback Jinja rewrote."""
    tb = error.__traceback__
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith((".md", ".j2")):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line
