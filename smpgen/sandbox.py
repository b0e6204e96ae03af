"""The Jinja sandbox a model's templates run in (stage 3's engine, see :mod:`smpgen.text`).

A model is someone else's code: its templates run in Jinja's sandbox, load files from
the model's own folder only (:class:`ModelLoader`), and stay within :data:`LIMITS`: loop
steps, text size and time, checked as they run, so a runaway template stops in any
thread. The limits are shared by everything rendered inside one :func:`render_budget`
block (a policy's sections together).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import time
from collections.abc import (
    Callable,
    ItemsView,
    Iterable,
    Iterator,
    KeysView,
    Mapping,
    Sequence,
    Sized,
    ValuesView,
)
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from types import BuiltinMethodType, MethodType
from typing import Any, cast

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.ext import Extension
from jinja2.filters import make_attrgetter
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment, SandboxedEscapeFormatter, SandboxedFormatter
from jinja2.utils import Namespace, pass_environment
from markupsafe import Markup

from .errors import ModelFileError, ModelFileMissing
from .modelfiles import file_stamp, model_file, read_model_bytes

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
    """The most characters of text, printed or built in one piece (and the most items of
    a list or mapping)."""
    built_chars: int = 50_000_000
    """The most characters of text built in all, kept or not (each joined, filtered,
    formatted or multiplied piece counts): so a loop cannot keep many big pieces."""
    number_bits: int = 100_000
    """The largest whole number, in bits (about 30,000 digits)."""
    seconds: float = 10.0
    """Wall-clock time."""


LIMITS = Limits()
"""The limits every rendering gets."""


class LimitReached(Exception):
    """A rendering went past one of its :class:`Limits`."""


class Budget:
    """What one rendering has used of its limits. Checked where templates loop, call,
    print and build text, so it stops a runaway template in any thread (no signals).
    Text is sized before it is built wherever its size can be known (see :func:`text_size`)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds
        self.steps = 0
        self.chars = 0
        self.built = 0

    def tick(self) -> None:
        """Stop once the time is up."""
        if time.monotonic() > self.deadline:
            raise LimitReached(f"rendering took longer than {self.limits.seconds:g} seconds; "
                               "look for a loop that runs too long")

    def step(self) -> None:
        """Account for one loop step."""
        self.steps += 1
        if self.steps > self.limits.loop_steps:
            raise LimitReached(f"the templates ran more than {self.limits.loop_steps:,} loop "
                               "steps; look for a loop that runs too long")
        self.tick()

    def allow(self, size: int, what: str = "") -> None:
        """Refuse a piece of text of ``size`` characters (before building it) past the
        limit; ``what`` names what would build it, when it is a single call."""
        limit = self.limits.output_chars
        if size > limit and what:
            raise LimitReached(f"{what} would make more than {limit:,} characters, the most a "
                               "text may hold")
        if size > limit:
            raise LimitReached(f"the text passed {limit:,} characters; look for a loop that "
                               "prints too much")

    def text(self, size: int, *, printed: bool = False) -> None:
        """Account for ``size`` characters, ``printed`` to the output or built in memory."""
        self.allow(size)
        if printed:
            self.chars += size
            self.allow(self.chars)
        else:
            self.built += size
            if self.built > self.limits.built_chars:
                raise LimitReached(f"the templates built more than {self.limits.built_chars:,} "
                                   "characters of text in all; look for a loop that builds text")
        self.tick()

    def items(self, size: int, what: str) -> None:
        """Refuse a list or mapping of ``size`` items (before making it) past the limit."""
        if size > self.limits.output_chars:
            raise LimitReached(f"{what} makes {size:,} items; a list or mapping holds at most "
                               f"{self.limits.output_chars:,}")


_budget: ContextVar[Budget | None] = ContextVar("smpgen_budget", default=None)


@contextmanager
def render_budget() -> Iterator[None]:
    """Give every file rendered inside the block one shared budget of :data:`LIMITS`
    (a policy's sections together); a render outside any block gets its own."""
    if _budget.get() is not None:
        yield
        return
    token = _budget.set(Budget(LIMITS))
    try:
        yield
    finally:
        _budget.reset(token)


def spend() -> Budget:
    """The budget of the rendering under way."""
    # Outside TextRenderer.render (a helper called directly) each check stands alone.
    return _budget.get() or Budget(LIMITS)


# Sizes known before the text is built ----------------------------------------------------
# Python builds a string in one call (``"x".center(10**9)``, ``"%9999999s" % x``, the
# repr of a list): these give an upper bound of the result from the arguments.

_CONTAINERS = (list, tuple, set, frozenset, dict, KeysView, ValuesView, ItemsView)


def text_size(value: Any, *, quoted: bool = False) -> int:
    """At least ``len(str(value))`` (with ``quoted``, ``len(repr(value))``), found without
    building it; counting stops soon after the text limit."""
    limit = spend().limits.output_chars
    inside: set[int] = set()  # the containers being counted: a repr writes [...] for these

    def size(v: Any, quoted: bool) -> int:
        if isinstance(v, str):  # a repr escapes at most ten characters for one
            return len(v) if not quoted else 2 * len(v) + 2 if v.isprintable() else 10 * len(v) + 2
        if isinstance(v, int):
            return v.bit_length() * 31 // 100 + 2
        if isinstance(v, Namespace):
            v = object.__getattribute__(v, "_Namespace__attrs")
        if not isinstance(v, _CONTAINERS):
            return 64  # a float, a date, None, a macro: a short text
        if id(v) in inside:
            return 5
        inside.add(id(v))
        total = 16
        for item in (v.items() if isinstance(v, dict) else v):
            total += sum(size(i, True) + 2 for i in item) if isinstance(v, dict) else \
                size(item, True) + 2
            if total > limit:
                break
        inside.discard(id(v))
        return total

    return size(value, quoted)


def _number(text: str | None) -> int:
    """A width or precision written in a format: ``None`` and ``""`` are 0."""
    return int(text) if text and len(text) < 19 else 10**18 if text else 0


_SPEC = re.compile(r"(?:.?[<>=^])?[-+ ]?z?#?0?(?P<width>\d*)[,_]?(?:\.(?P<precision>\d+))?"
                   r"(?P<type>[bcdeEfFgGnosxX%]?)", re.DOTALL)


def _field_size(value: Any, spec: str) -> int:
    """At least ``len(format(value, spec))``, for ``str.format``."""
    if isinstance(value, dt.date | dt.time):  # the spec is strftime's
        return 16 * len(spec) + 64
    match = _SPEC.fullmatch(spec)
    if match is None:
        return text_size(value)  # format() will refuse the spec
    width, precision = _number(match["width"]), _number(match["precision"])
    if isinstance(value, str):
        body = min(len(value), precision) if match["precision"] else len(value)
    elif isinstance(value, float) or (isinstance(value, int) and match["type"] in "eEfFgG%"):
        body = precision + 340  # 1e308 in fixed point, and the digits asked for
    elif isinstance(value, int):
        body = 2 * value.bit_length() + 8  # in binary, with separators
    else:
        body = text_size(value)
    return max(width, body)


_PRINTF = re.compile(r"%(?:\((?P<key>[^)]*)\))?[-#0 +]*(?P<width>\*|\d+)?"
                     r"(?:\.(?P<precision>\*|\d+))?[hlL]?(?P<type>.)", re.DOTALL)


def _printf_size(form: str, values: Any) -> int:
    """At least ``len(form % values)``."""
    args = list(values) if isinstance(values, tuple) else [values]
    taken = iter(args)
    total = len(form)
    for match in _PRINTF.finditer(form):
        width, precision = (next(taken, 0) if match[g] == "*" else _number(match[g])
                            for g in ("width", "precision"))
        width, precision = (abs(n) if isinstance(n, int) else 0 for n in (width, precision))
        kind = match["type"]
        if kind == "%":
            continue
        value = values.get(match["key"]) if match["key"] is not None and \
            isinstance(values, dict) else next(taken, None)
        if kind in "sra":
            body = text_size(value, quoted=kind != "s")
        elif kind in "eEfFgG":
            body = precision + 340
        else:
            body = text_size(value if isinstance(value, int) else 0) * 4
        total += max(width, body) * (6 if isinstance(form, Markup) else 1)
        if total > spend().limits.output_chars:
            break
    return total


def _width(text: str, width: Any = 0, *_: Any) -> int:
    return max(len(text), width if isinstance(width, int) else 0)


def _replaced(text: str, old: Any, new: Any, count: Any = -1) -> int:
    if not isinstance(old, str) or not isinstance(new, str):
        return len(text)
    times = text.count(old) if old else len(text) + 1
    if isinstance(count, int) and count >= 0:
        times = min(times, count)
    return len(text) + times * max(len(new) - len(old), 0)


def _translated(text: str, table: Any) -> int:
    if isinstance(table, str | range):
        return len(text)
    if not isinstance(table, dict | list | tuple):
        return spend().limits.output_chars + 1  # what it maps to cannot be known
    values = table.values() if isinstance(table, dict) else table
    return len(text) * max((len(v) for v in values if isinstance(v, str)), default=1)


def _joined(separator: str, items: list[Any]) -> int:
    return sum(text_size(i) for i in items) + len(separator) * max(len(items) - 1, 0)


_STR_METHODS: dict[str, Callable[..., int]] = {
    "center": _width, "ljust": _width, "rjust": _width, "zfill": _width,
    "expandtabs": lambda text, tabsize=8: len(text) + text.count("\t") * max(tabsize, 0),
    "replace": _replaced, "translate": _translated, "join": _joined,
}
"""The size of what each ``str`` method that can make a text longer than its own
arguments returns (the others grow it three times at most: ``upper()`` of ß is SS)."""
_GROWING = {(list, "extend"), (dict, "update"), (set, "update")}
"""Methods that add a whole collection to a list, mapping or set."""


def _sized(value: Any) -> Any:
    """``value``, or for a method of a string, list, mapping or set that can build a big
    result, the method with its result sized first (and measured after)."""
    if not isinstance(value, BuiltinMethodType | MethodType):
        return value
    owner, name = value.__self__, value.__name__
    if isinstance(owner, str):
        estimate = _STR_METHODS.get(name)

        @functools.wraps(value)
        def sized_text(*args: Any, **kwargs: Any) -> Any:
            budget = spend()
            if name == "join":  # the items are needed twice: to size them and to join them
                args = (list(args[0]), *args[1:]) if args else args
            if estimate is not None:
                try:
                    size = estimate(owner, *args, **kwargs)
                except TypeError:  # wrong arguments: the method says so itself
                    size = 0
                budget.allow(size, f"'{name}'")
            result = value(*args, **kwargs)
            if isinstance(result, str):
                budget.text(len(result))
            return result

        return sized_text
    if (type(owner), name) in _GROWING:

        @functools.wraps(value)
        def sized_growth(*args: Any, **kwargs: Any) -> Any:
            args = tuple(list(a.items() if isinstance(a, dict) else a) for a in args)
            spend().items(len(cast(Sized, owner)) + sum(map(len, args)) + len(kwargs),
                          f"'{name}'")
            return value(*args, **kwargs)

        return sized_growth
    return value


class _SizedFormatting:
    """``str.format`` with each field sized before it is formatted, and the whole."""

    limit_total = 0

    def vformat(self, format_string: str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> str:
        self.limit_total = len(format_string)
        result: str = super().vformat(format_string, args, kwargs)  # type: ignore[misc]
        spend().text(len(result))
        return result

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        if conversion is not None:  # !r of a list: its whole repr
            spend().allow(text_size(value, quoted=conversion != "s"), "'format'")
        return super().convert_field(value, conversion)  # type: ignore[misc]

    def format_field(self, value: Any, format_spec: str) -> Any:
        self.limit_total += _field_size(value, format_spec)
        spend().allow(self.limit_total, "'format'")
        return super().format_field(value, format_spec)  # type: ignore[misc]


class _Formatter(_SizedFormatting, SandboxedFormatter):
    pass


class _EscapeFormatter(_SizedFormatting, SandboxedEscapeFormatter):
    pass


# The sandbox -----------------------------------------------------------------------------

class _Guards(Extension):
    """What the generated code of a template calls to stay within the budget."""

    @staticmethod
    def loop_steps(iterable: Iterable[Any]) -> Iterator[Any]:
        """``iterable``, one budget step per item."""
        budget = spend()
        for item in iterable:
            budget.step()
            yield item

    @staticmethod
    def joined(join: Callable[[Iterable[Any]], str], pieces: tuple[Any, ...]) -> str:
        """The pieces of ``~`` joined, once their text is known to fit."""
        budget = spend()
        budget.allow(sum(text_size(p) for p in pieces))
        text = join(pieces)
        budget.text(len(text))
        return text


class _GuardedCodeGenerator(CodeGenerator):
    """Jinja's code generator with every loop counted and every ``~`` sized: the two
    ways a template spends time and memory without calling anything. (Jinja allows no
    node types of one's own, so the loop's iterable becomes a call of :class:`_Guards`.)"""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        if not _counted(node.iter):
            node.iter = nodes.Call(nodes.ExtensionAttribute(_Guards.identifier, "loop_steps"),
                                   [node.iter], [], None, None, lineno=node.iter.lineno)
        super().visit_For(node, frame)

    @optimizeconst
    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        # As Jinja's own, with the pieces handed to _Guards.joined instead of joined here.
        if frame.eval_ctx.volatile:
            join = "(markup_join if context.eval_ctx.volatile else str_join)"
        else:
            join = "markup_join" if frame.eval_ctx.autoescape else "str_join"
        self.write(f"environment.extensions[{_Guards.identifier!r}].joined({join}, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write("))")


def _counted(iterable: nodes.Node) -> bool:
    return isinstance(iterable, nodes.Call) and isinstance(iterable.node, nodes.ExtensionAttribute) \
        and iterable.node.identifier == _Guards.identifier


class ModelEnvironment(SandboxedEnvironment):
    """The sandbox with :data:`LIMITS`: ``range()`` is small; arithmetic, ``%``, ``~``,
    ``str.format`` and the methods and filters that pad, repeat or join are sized before
    they run; calls, filters, loops and built text check the budget."""

    code_generator_class = _GuardedCodeGenerator
    intercepted_binops = frozenset({"*", "+", "-", "/", "//", "%", "**"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, extensions=[_Guards], **kwargs)
        self.globals["range"] = _range
        del self.globals["lipsum"]  # Lorem ipsum of any length, in one uninterruptible call
        self.filters["sum"] = _sum
        # pprint and tojson: their size follows the nesting and the indent asked for; for
        # debugging and JavaScript, never needed in a policy.
        self.filters = {name: budgeted(f, name) for name, f in self.filters.items()
                        if name not in ("pprint", "tojson")}

    @staticmethod
    def concat(pieces: Iterable[str]) -> str:
        """Join a buffer (a macro's text, a ``{% set %}`` block), measured before joining."""
        pieces = list(pieces)
        spend().text(sum(map(len, pieces)))
        return "".join(pieces)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        spend().tick()
        return super().call(__context, _sized(__obj), *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        spend().tick()
        return _sized(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        spend().tick()
        return _sized(super().getitem(obj, argument))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        # Jinja's, with a formatter that sizes each field before formatting it.
        if not isinstance(value, MethodType | BuiltinMethodType) or \
                value.__name__ not in ("format", "format_map") or \
                not isinstance(value.__self__, str):
            return None
        text: str = value.__self__
        formatter = _EscapeFormatter(self, escape=text.escape) if isinstance(text, Markup) \
            else _Formatter(self)
        mapping = value.__name__ == "format_map"

        def wrapper(*args: Any, **kwargs: Any) -> str:
            if not mapping:
                return type(text)(formatter.vformat(text, args, kwargs))
            if kwargs or len(args) != 1:
                raise TypeError("format_map() takes exactly one argument, a mapping")
            return type(text)(formatter.vformat(text, (), args[0]))

        return functools.update_wrapper(wrapper, value)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget = spend()
        _check_binop(operator, left, right, budget)
        result = super().call_binop(context, operator, left, right)
        if isinstance(result, str):
            budget.text(len(result))
        return result


@pass_environment
def _sum(environment: jinja2.Environment, iterable: Iterable[Any], attribute: Any = None,
         start: Any = 0) -> Any:
    """Jinja's ``sum`` filter, each addition sized: a sum of lists is one long list."""
    if attribute is not None:
        iterable = map(make_attrgetter(environment, attribute), iterable)
    total = start
    for value in iterable:
        if isinstance(total, _SEQUENCES) and isinstance(value, _SEQUENCES):
            spend().items(len(total) + len(value), "'sum'")
        total = total + value
    return total


def _range(*args: Any) -> range:
    """``range()`` of at most :attr:`Limits.range_items` numbers."""
    numbers = range(*args)
    limit = spend().limits.range_items
    if len(numbers) > limit:
        raise LimitReached(f"range() of {len(numbers):,} numbers; a model's loops go up to "
                           f"{limit:,}")
    return numbers


_SEQUENCES = (str, list, tuple)


def _check_binop(operator: str, left: Any, right: Any, budget: Budget) -> None:
    """Refuse arithmetic, ``*``, ``+`` or ``%`` whose result would pass the limits,
    before computing it."""
    limits = budget.limits
    size = None
    if operator == "*" and isinstance(left, _SEQUENCES) and isinstance(right, int):
        size = len(left) * right
    elif operator == "*" and isinstance(right, _SEQUENCES) and isinstance(left, int):
        size = len(right) * left
    elif operator == "+" and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        size = len(left) + len(right)
    elif operator == "%" and isinstance(left, str):
        budget.allow(_printf_size(left, right), "'%'")
    if size is not None and size > limits.output_chars:
        raise LimitReached(f"'{operator}' makes {size:,} characters; the text is limited to "
                           f"{limits.output_chars:,} characters")
    if isinstance(left, int) and isinstance(right, int):
        a, b = abs(left).bit_length(), abs(right).bit_length()
        bits = a + b if operator == "*" else \
            (right * a if right > 0 and abs(left) > 1 else 0) if operator == "**" else max(a, b) + 1
        if bits > limits.number_bits:
            raise LimitReached(f"'{operator}' makes a number too large for a policy (more than "
                               f"{limits.number_bits:,} bits)")


# Filters that turn their value into text (str() of a list can be far longer than the list)
_TEXT_FILTERS = frozenset({"capitalize", "center", "e", "escape", "forceescape", "format",
                           "indent", "lower", "replace", "safe", "string", "striptags", "title",
                           "trim", "truncate", "upper", "urlize", "wordcount", "wordwrap"})


def _indented(s: Any, width: Any = 4, first: Any = False, blank: Any = False) -> int:
    text = str(s)
    return len(text) + (text.count("\n") + 1) * (width if isinstance(width, int) else
                                                 len(str(width)))


def _wrapped(s: Any, width: Any = 79, break_long_words: Any = True, wrapstring: Any = None,
             break_on_hyphens: Any = True) -> int:
    return len(str(s)) * (1 + len(str(wrapstring or "\n")))  # a break after each character


def _linked(value: Any, trim_url_limit: Any = None, nofollow: Any = False, target: Any = None,
            rel: Any = None, extra_schemes: Any = None) -> int:
    text = str(value)
    words = text.count(" ") + text.count("\n") + 1
    return 3 * len(text) + words * (len(str(target or "")) + len(str(rel or "")) + 64)


_FILTER_SIZES: dict[str, Callable[..., int]] = {
    "format": lambda value, *args, **kwargs: _printf_size(str(value), kwargs or args),
    "replace": lambda s, old, new, count=None: _replaced(
        str(s), str(old), str(new), -1 if count is None else count),
    "indent": _indented,
    "wordwrap": _wrapped,
    "urlize": _linked,
    "join": lambda value, d="", attribute=None: sum(  # an item's attribute is in its repr
        text_size(i, quoted=attribute is not None) for i in value) + len(str(d)) * len(value),
    "string": lambda value: text_size(value),
    "xmlattr": lambda d, autospace=True: 6 * text_size(d, quoted=True),
    "urlencode": lambda value: 12 * text_size(value, quoted=True),
}
"""What each filter that can build a text longer than its value gives, at most (each
takes the filter's own arguments: a call they do not fit is one the filter refuses)."""
_CONSUMED = frozenset({"join"})
"""Filters whose value is sized item by item: a generator is made a list first."""


def budgeted(f: Callable[..., Any], name: str | None = None) -> Callable[..., Any]:
    """Filter ``f`` (called ``name`` in templates) with the budget: a number it is given
    must be within the text limit, the text it builds is sized first where it can grow
    past its value's (``indent``, ``format``, ``join``...), and what it returns is measured."""
    name = name or f.__name__.removeprefix("do_")
    estimate = _FILTER_SIZES.get(name)

    @functools.wraps(f)  # keeps Jinja's pass_context and friends
    def within_budget(*args: Any, **kwargs: Any) -> Any:
        budget = spend()
        budget.tick()
        first = _value_index(args)
        if first >= len(args):
            return f(*args, **kwargs)
        limit = budget.limits.output_chars
        for arg in (*args[first + 1:], *kwargs.values()):
            if isinstance(arg, int) and arg > limit:
                raise LimitReached(f"the filter '{name}' was given {arg:,}; a number past "
                                   f"{limit:,} is refused")
        value = args[first]
        if name in _CONSUMED and not isinstance(value, Sized):
            value = list(value)
            args = (*args[:first], value, *args[first + 1:])
        if name in _TEXT_FILTERS and not isinstance(value, str):
            budget.allow(text_size(value), f"the filter '{name}'")
        size = 0
        if estimate is not None:
            with suppress(TypeError, ValueError):  # wrong arguments: the filter says so itself
                size = estimate(*args[first:], **kwargs)
        budget.allow(size, f"the filter '{name}'")
        result = f(*args, **kwargs)
        if isinstance(result, _SEQUENCES):
            budget.text(len(result))
        return result

    return within_budget


def _value_index(args: tuple[Any, ...]) -> int:
    """Where a filter's value is: past the context Jinja may pass first."""
    first = 0
    while first < len(args) and isinstance(args[first], Context | EvalContext | jinja2.Environment):
        first += 1
    return first


# The files a template may load -----------------------------------------------------------

class ModelLoader(jinja2.BaseLoader):
    """Loads templates from one model's folder and nowhere else (see
    :func:`~smpgen.modelfiles.model_file`), turning each file's bytes into text with
    ``decode``; each template is reloaded when its file changes."""

    def __init__(self, folder: Path, decode: Callable[[Path, bytes], str]) -> None:
        self.folder = folder
        self.decode = decode

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        if not isinstance(template, str):
            raise ModelFileError(f"a template name is text, got {template!r}")
        try:
            path = model_file(self.folder, template)
            raw = read_model_bytes(path, template)
        except ModelFileMissing:
            raise jinja2.TemplateNotFound(template) from None  # so 'ignore missing' works
        text = self.decode(path, raw)
        stamp = file_stamp(path)
        return text, str(path), lambda: file_stamp(path) == stamp
