"""Stage 3: render a model's Jinja+Markdown section files with a profile's values.

Profile values never enter the Markdown: each printed value becomes a placeholder
(two Unicode noncharacters around a number), and the parser puts the value back as
plain text after parsing. So a value can hold ``*``, ``<img>`` or ``{{ }}`` and still
print as exactly those characters.

A model is someone else's code: its templates run in the sandbox of
:mod:`smpgen.sandbox`, which keeps them inside the model's folder and within its limits.
Whatever goes wrong in a template is a :class:`~smpgen.errors.ModelError` naming its file
and line.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Generator, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import jinja2

from .budget import LimitReached, render_budget, spend
from .errors import ModelError
from .grammar import is_plural_title
from .modelfiles import model_file, read_model_bytes
from .models import Model
from .sandbox import ModelEnvironment, ModelLoader
from .sizes import budgeted, text_size
from .tree import Blank, XRef, long_date

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
    if isinstance(value, str):  # the text is in the slot, not in the template's output
        spend().text(len(value), printed=True)
    slots = _current.get()
    slots.append(value)
    return _Slotted(f"{OPEN}{len(slots) - 1}{CLOSE}")


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
        return series(value)
    spend().allow(text_size(value))  # a mapping's text can be far longer than the mapping
    return _slot(str(value))


def series(items: Any, conjunction: Any = "and") -> _Slotted:
    """``a, b and c``: each item a value of its own, the commas the model's."""
    if isinstance(items, str) or not isinstance(items, Iterable):
        raise jinja2.TemplateRuntimeError(f"series needs a list, got {items!r}")
    if not isinstance(conjunction, str):
        raise jinja2.TemplateRuntimeError(f"series takes a word such as 'or', got {conjunction!r}")
    items = list(items)
    if len(items) > 1 and all(isinstance(i, XRef) for i in items):
        return _Slotted(_finalize(_refs([i.target for i in items], conjunction)))
    parts = [_finalize(item) for item in items]
    if len(parts) <= 2:
        return _Slotted(f" {conjunction} ".join(parts))
    return _Slotted(", ".join(parts[:-1]) + f" {conjunction} " + parts[-1])


def ref(*targets: Any) -> XRef | Composite:
    """``ref("section-id")`` or ``ref("section-id.sub-id")``: a cross-reference, printed
    in the city's numbering scheme. ``ref("a", "b")`` prints "Sections 4 and 7" (and a
    list of references given to ``series`` reads the same way)."""
    for target in targets:
        if not isinstance(target, str) or not target:
            raise jinja2.TemplateRuntimeError(
                "ref() takes a section id, such as 'comment-removal' or "
                f"'comment-removal.appeals', got {target!r}")
    if not targets:
        raise jinja2.TemplateRuntimeError("ref() needs at least one section id")
    if len(targets) == 1:
        return XRef(targets[0])
    return _refs(list(targets), "and")


def agree(title: Any, singular: Any, plural: Any) -> str:
    """``agree(officials.authorizer, "designates", "designate")``: the verb form that
    agrees with a title ("the Department Directors designate"). A title still blank in
    the league's edition reads as one person."""
    if not isinstance(singular, str) or not isinstance(plural, str):
        raise jinja2.TemplateRuntimeError(
            f"agree() takes a title and two verb forms, got {singular!r} and {plural!r}")
    return plural if isinstance(title, str) and is_plural_title(title) else singular


def _refs(targets: list[str], conjunction: str) -> Composite:
    """Several references printed as one: "Sections 4, 7 and 9"."""
    parts: list[Any] = []
    for i, target in enumerate(targets):
        if i:
            parts.append(f" {conjunction} " if i == len(targets) - 1 else ", ")
        parts.append(XRef(target, first=i == 0, last=i == len(targets) - 1, plural=True))
    return Composite(parts)


# Rendering a model's files ---------------------------------------------------------------

class _FileProblem(Exception):
    """A problem inside a model file itself, at a line of it."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


def _decode(path: Path, raw: bytes) -> str:
    """The text of the model file ``path``: UTF-8, without the placeholder delimiters."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise _FileProblem(path, raw[: e.start].count(b"\n") + 1,
                           "is not UTF-8 text; save the file as UTF-8") from None
    reserved = re.search(f"[{OPEN}{CLOSE}]", text)
    if reserved:
        # They mark value placeholders in rendered text (see the module docstring).
        raise _FileProblem(path, text.count("\n", 0, reserved.start()) + 1,
                           "U+FDD0 and U+FDD1 are reserved by smpgen; remove them")
    return text


class _TextEnvironment(ModelEnvironment):
    """The sandbox for a model's text files."""

    @staticmethod
    def concat(pieces: Iterable[str]) -> str:
        """Join a buffer (a macro's text, a ``{% set %}`` block), measured before joining.
        The result is template text whose values are placeholders already, so printing it
        keeps them (instead of printing the placeholders as a value of their own)."""
        return _Slotted(ModelEnvironment.concat(pieces))


class TextRenderer:
    """Renders one model's section files; reuse it for many profiles."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.env = _TextEnvironment(
            loader=ModelLoader(model.path, _decode),
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
        self.env.filters["series"] = budgeted(series)
        self.env.globals["ref"] = ref
        self.env.globals["agree"] = agree

    def render(self, source: str, context: dict[str, Any]) -> RenderedText:
        """Render the file ``source`` (relative to the model folder).

        Whatever goes wrong in the model's templates (a syntax error, an undefined value,
        a division by zero, a macro that calls itself for ever, a file outside the model,
        a limit of :data:`~smpgen.budget.LIMITS`) is a :class:`ModelError` naming the
        template file and line where it happened.
        """
        slots: list[Slot] = []
        token = _current.set(slots)
        try:
            with render_budget():
                markdown = self._generate(source, context)
        except Exception as e:
            path, line = self._where(e, source)
            raise ModelError(f"{path}:{line}: {_explain(e)}") from None
        finally:
            _current.reset(token)
        return RenderedText(markdown, slots)

    def _generate(self, source: str, context: dict[str, Any]) -> str:
        # Piece by piece, so printing too much stops at the piece that passes the limit;
        # the error is thrown back into the template to be located there.
        budget = spend()
        pieces: list[str] = []
        output = cast(Generator[str, None, None], self.env.get_template(source).generate(context))
        for piece in output:
            try:
                budget.text(len(piece), printed=True)
            except LimitReached as e:
                output.throw(e)
            pieces.append(piece)
        return "".join(pieces)

    def line_of(self, source: str, text: str) -> int:
        """The first line of the model file ``source`` that holds ``text`` (1 if none)."""
        try:
            content = _decode(Path(source), read_model_bytes(model_file(self.model.path, source),
                                                             source))
        except (ModelError, _FileProblem):
            return 1
        found = content.find(text)
        return content.count("\n", 0, found) + 1 if found >= 0 else 1

    def _where(self, error: Exception, source: str) -> tuple[Path | str, int]:
        """The model file and line ``error`` comes from: a syntax error knows its own; for
        the rest, the innermost template frame of the traceback Jinja rewrote."""
        if isinstance(error, _FileProblem):
            return error.path, error.line
        if isinstance(error, jinja2.TemplateSyntaxError) and error.filename:
            return error.filename, error.lineno
        where: tuple[Path | str, int] = (self.model.path / source, 1)
        inside = str(self.model.path) + os.sep
        tb = error.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename.startswith(inside):
                where = (tb.tb_frame.f_code.co_filename, tb.tb_lineno)
            tb = tb.tb_next
        return where


def _explain(error: Exception) -> str:
    """What went wrong in a model's template, for the model's author."""
    match error:
        case LimitReached() | ModelError() | _FileProblem():
            return str(error)
        case jinja2.TemplateSyntaxError():
            return f"template syntax error: {error.message}"
        case jinja2.TemplateNotFound() if not isinstance(error, jinja2.TemplatesNotFound):
            return f"{error.name!r} not found in the model folder"
        case jinja2.UndefinedError():
            return f"{error.message}; declare it in model.yaml under variables"
        case jinja2.exceptions.SecurityError():
            return f"blocked by the template sandbox: {error}"
        case jinja2.TemplateError():
            return str(error)
        case RecursionError():
            return ("a macro or recursive loop calls itself without end (Python's recursion "
                    "limit was reached)")
        case MemoryError():
            return "the template ran out of memory"
    return f"the template raised {type(error).__name__}: {error}"


# A city's own text ------------------------------------------------------------------------

_VALUE = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\s*\}\}")
_REF = re.compile(r'\{\{\s*ref\(\s*("[a-z0-9.-]+"(?:\s*,\s*"[a-z0-9.-]+")*)\s*\)\s*\}\}')
_ANY_TAG = re.compile(r"\{\{|\{%|\}\}|%\}")


class CustomTextError(Exception):
    """A problem in a city's own text, at a line of its file."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line


def fill_values(text: str, lookup_value: Any) -> RenderedText:
    """A city's own Markdown with its ``{{ name.path }}`` values and ``{{ ref("id") }}``
    references as placeholders, as the model's text has them; no other template syntax
    is read (a city's text never runs as a template). ``lookup_value(path)`` gives a
    value, or raises :class:`KeyError` for a name the profile does not have."""
    reserved = re.search(f"[{OPEN}{CLOSE}]", text)
    if reserved:
        raise CustomTextError(text.count("\n", 0, reserved.start()) + 1,
                              "U+FDD0 and U+FDD1 are reserved by smpgen; remove them")
    slots: list[Slot] = []
    token = _current.set(slots)
    out: list[str] = []
    pos = 0
    try:
        with render_budget():
            for match in re.finditer(f"{_VALUE.pattern}|{_REF.pattern}", text):
                line = text.count("\n", 0, match.start()) + 1
                _no_tags(text[pos:match.start()], text.count("\n", 0, pos) + 1)
                out.append(text[pos:match.start()])
                if match.group(1):
                    try:
                        value = lookup_value(match.group(1))
                    except KeyError:
                        raise CustomTextError(line, f"{{{{ {match.group(1)} }}}} is not a "
                                              "value of the profile") from None
                    if isinstance(value, dict | bool) or value is None:
                        raise CustomTextError(line, f"{{{{ {match.group(1)} }}}} has no text "
                                              "to print (a group, a yes/no or an empty value)")
                    out.append(_finalize(value))
                else:
                    targets = [t.strip().strip('"') for t in match.group(2).split(",")]
                    out.append(_finalize(ref(*targets)))
                pos = match.end()
            _no_tags(text[pos:], text.count("\n", 0, pos) + 1)
            out.append(text[pos:])
    finally:
        _current.reset(token)
    return RenderedText("".join(out), slots)


def _no_tags(text: str, first_line: int) -> None:
    found = _ANY_TAG.search(text)
    if found:
        raise CustomTextError(first_line + text.count("\n", 0, found.start()),
                              "a city's text may hold only {{ name }} values and "
                              '{{ ref("section-id") }} references; write other braces '
                              "differently")
