"""Stage 3: render a model's Jinja+Markdown section files with a profile's values.

Profile values never enter the Markdown: each printed value becomes a placeholder
(two Unicode noncharacters around a number), and the parser puts the value back as
plain text after parsing. So a value can hold ``*``, ``<img>`` or ``{{ }}`` and still
print as exactly those characters.

A model is someone else's code: its templates run in Jinja's sandbox, load files from
the model's own folder only, and stay within :data:`LIMITS` (loop steps, text size and
time, checked as they run, so a runaway template stops in any thread). Whatever goes
wrong in a template is a :class:`~smpgen.errors.ModelError` naming its file and line.
"""

from __future__ import annotations

import datetime as dt
import functools
import os
import re
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.ext import Extension
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

from .errors import ModelError
from .models import Model, ModelFileError, ModelFileMissing, file_stamp, model_file, read_model_bytes
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
    if isinstance(value, str):  # the text is in the slot, not in the template's output
        _spend().text(len(value), printed=True)
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
        return series(value)
    return _slot(str(value))


def series(items: Any, conjunction: Any = "and") -> _Slotted:
    """``a, b and c``: each item a value of its own, the commas the model's."""
    if isinstance(items, str) or not isinstance(items, Iterable):
        raise jinja2.TemplateRuntimeError(f"series needs a list, got {items!r}")
    if not isinstance(conjunction, str):
        raise jinja2.TemplateRuntimeError(f"series takes a word such as 'or', got {conjunction!r}")
    parts = [_finalize(item) for item in items]
    if len(parts) <= 2:
        return _Slotted(f" {conjunction} ".join(parts))
    return _Slotted(", ".join(parts[:-1]) + f" {conjunction} " + parts[-1])


def ref(target: Any) -> XRef:
    """``ref("section-id")`` or ``ref("section-id.sub-id")``: a cross-reference, printed
    in the city's numbering scheme."""
    if not isinstance(target, str) or not target:
        raise jinja2.TemplateRuntimeError(
            "ref() takes a section id, such as 'comment-removal' or 'comment-removal.appeals', "
            f"got {target!r}")
    return XRef(target)


# Limits ----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Limits:
    """How much one rendering (a whole policy, or the executive summary) may do; a real
    policy needs a small fraction of each."""

    range_items: int = 10_000
    """The most numbers ``range()`` gives."""
    loop_steps: int = 1_000_000
    """The most steps of all ``{% for %}`` loops together."""
    output_chars: int = 5_000_000
    """The most characters of text, printed or built in a variable."""
    seconds: float = 10.0
    """Wall-clock time."""


LIMITS = Limits()
"""The limits every rendering gets."""


class _LimitReached(Exception):
    """A rendering went past one of its :class:`Limits`."""


class _Budget:
    """What one rendering has used of its limits. Checked where templates loop, call,
    print and build text, so it stops a runaway template in any thread (no signals)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds
        self.steps = 0
        self.chars = 0

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise _LimitReached(f"rendering took longer than {self.limits.seconds:g} seconds; "
                                "look for a loop that runs too long")

    def step(self) -> None:
        self.steps += 1
        if self.steps > self.limits.loop_steps:
            raise _LimitReached(f"the templates ran more than {self.limits.loop_steps:,} loop "
                                "steps; look for a loop that runs too long")
        self.tick()

    def text(self, size: int, *, printed: bool = False) -> None:
        """Account for ``size`` characters, ``printed`` to the output or built in memory."""
        if printed:
            self.chars += size
        if max(size, self.chars) > self.limits.output_chars:
            raise _LimitReached(f"the text passed {self.limits.output_chars:,} characters; look "
                                "for a loop that prints too much")
        self.tick()


_budget: ContextVar[_Budget | None] = ContextVar("smpgen_budget", default=None)


@contextmanager
def render_budget() -> Iterator[None]:
    """Give every file rendered inside the block one shared budget of :data:`LIMITS`
    (a policy's sections together); a render outside any block gets its own."""
    if _budget.get() is not None:
        yield
        return
    token = _budget.set(_Budget(LIMITS))
    try:
        yield
    finally:
        _budget.reset(token)


def _spend() -> _Budget:
    # Outside TextRenderer.render (a helper called directly) each check stands alone.
    return _budget.get() or _Budget(LIMITS)


# The sandbox -----------------------------------------------------------------------------

class _Guards(Extension):
    """What the generated code of a template calls to stay within the budget."""

    @staticmethod
    def loop_steps(iterable: Iterable[Any]) -> Iterator[Any]:
        """``iterable``, one budget step per item."""
        budget = _spend()
        for item in iterable:
            budget.step()
            yield item

    @staticmethod
    def measured(text: str) -> str:
        """``text`` after checking its size (the result of ``~``)."""
        _spend().text(len(text))
        return text


class _GuardedCodeGenerator(CodeGenerator):
    """Jinja's code generator with every loop counted and every ``~`` measured: the two
    ways a template spends time and memory without calling anything. (Jinja allows no
    node types of one's own, so the loop's iterable becomes a call of :class:`_Guards`.)"""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        if not _counted(node.iter):
            node.iter = nodes.Call(nodes.ExtensionAttribute(_Guards.identifier, "loop_steps"),
                                   [node.iter], [], None, None, lineno=node.iter.lineno)
        super().visit_For(node, frame)

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write(f"environment.extensions[{_Guards.identifier!r}].measured(")
        super().visit_Concat(node, frame)
        self.write(")")


def _counted(iterable: nodes.Node) -> bool:
    return isinstance(iterable, nodes.Call) and isinstance(iterable.node, nodes.ExtensionAttribute) \
        and iterable.node.identifier == _Guards.identifier


class _ModelEnvironment(SandboxedEnvironment):
    """The sandbox with :data:`LIMITS`: ``range()`` is small, ``*``, ``+`` and ``**`` are
    sized before they run, and calls, filters, loops and joined text check the budget."""

    code_generator_class = _GuardedCodeGenerator
    intercepted_binops = frozenset({"*", "+", "**"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, extensions=[_Guards], **kwargs)
        self.globals["range"] = _range
        del self.globals["lipsum"]  # Lorem ipsum of any length, in one uninterruptible call
        self.filters = {name: _budgeted(f) for name, f in self.filters.items()}

    @staticmethod
    def concat(pieces: Iterable[str]) -> str:
        """Join a buffer (a macro's text, a ``{% set %}`` block), measured before joining.
        The result is template text whose values are placeholders already, so printing it
        keeps them (instead of printing the placeholders as a value of their own)."""
        pieces = list(pieces)
        _spend().text(sum(map(len, pieces)))
        return _Slotted("".join(pieces))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _spend().tick()
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        _spend().tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _spend().tick()
        return super().getitem(obj, argument)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right, _spend().limits)
        return super().call_binop(context, operator, left, right)


def _range(*args: Any) -> range:
    """``range()`` of at most :attr:`Limits.range_items` numbers."""
    numbers = range(*args)
    limit = _spend().limits.range_items
    if len(numbers) > limit:
        raise _LimitReached(f"range() of {len(numbers):,} numbers; a model's loops go up to "
                            f"{limit:,}")
    return numbers


_SEQUENCES = (str, list, tuple)


def _check_binop(operator: str, left: Any, right: Any, limits: Limits) -> None:
    """Refuse ``*``, ``+`` or ``**`` whose result would pass the limits, before computing it."""
    size = None
    if operator == "*" and isinstance(left, _SEQUENCES) and isinstance(right, int):
        size = len(left) * right
    elif operator == "*" and isinstance(right, _SEQUENCES) and isinstance(left, int):
        size = len(right) * left
    elif operator == "+" and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        size = len(left) + len(right)
    if size is not None and size > limits.output_chars:
        raise _LimitReached(f"'{operator}' makes {size:,} characters; the text is limited to "
                            f"{limits.output_chars:,} characters")
    if operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0 \
            and abs(left) > 1 and right * abs(left).bit_length() > 10_000:
        raise _LimitReached("'**' makes a number too large for a policy")


def _budgeted(f: Callable[..., Any]) -> Callable[..., Any]:
    """Filter ``f`` with the budget: a width or count of its must be within the text limit
    (``center(10**9)`` would build that string at once), and so must what it returns."""

    @functools.wraps(f)  # keeps Jinja's pass_context and friends
    def budgeted(*args: Any, **kwargs: Any) -> Any:
        budget = _spend()
        budget.tick()
        limit = budget.limits.output_chars
        for arg in (*_after_value(args), *kwargs.values()):
            if isinstance(arg, int) and arg > limit:
                raise _LimitReached(f"the filter '{f.__name__.removeprefix('do_')}' was given "
                                    f"{arg:,}; a number past {limit:,} is refused")
        result = f(*args, **kwargs)
        if isinstance(result, _SEQUENCES):
            budget.text(len(result))
        return result

    return budgeted


def _after_value(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """A filter's own arguments: past the context Jinja may pass first, and the value."""
    first = 0
    while first < len(args) and isinstance(args[first], Context | EvalContext | jinja2.Environment):
        first += 1
    return args[first + 1:]


class _ModelLoader(jinja2.BaseLoader):
    """Loads templates from one model's folder and nowhere else (see
    :func:`~smpgen.models.model_file`); each template is reloaded when its file changes."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        if not isinstance(template, str):
            raise ModelFileError(f"a template name is text, got {template!r}")
        try:
            path = model_file(self.folder, template)
            raw = read_model_bytes(path, template)
        except ModelFileMissing:
            raise jinja2.TemplateNotFound(template) from None  # so 'ignore missing' works
        text = _decode(path, raw)
        stamp = file_stamp(path)
        return text, str(path), lambda: file_stamp(path) == stamp


class _FileProblem(Exception):
    """A problem inside a model file itself, at a line of it."""

    def __init__(self, path: Path, line: int, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.line = line


def _decode(path: Path, raw: bytes) -> str:
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


class TextRenderer:
    """Renders one model's section files; reuse it for many profiles."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.env = _ModelEnvironment(
            loader=_ModelLoader(model.path),
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
        self.env.filters["series"] = _budgeted(series)
        self.env.globals["ref"] = ref

    def render(self, source: str, context: dict[str, Any]) -> RenderedText:
        """Render the file ``source`` (relative to the model folder).

        Whatever goes wrong in the model's templates (a syntax error, an undefined value,
        a division by zero, a macro that calls itself for ever, a file outside the model,
        a limit of :data:`LIMITS`) is a :class:`ModelError` naming the template file and
        line where it happened.
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
        budget = _spend()
        pieces: list[str] = []
        output = cast(Generator[str, None, None], self.env.get_template(source).generate(context))
        for piece in output:
            try:
                budget.text(len(piece), printed=True)
            except _LimitReached as e:
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
        case _LimitReached() | ModelError() | _FileProblem():
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
