"""How big a template's text, lists and numbers would get, found before they are built
(the checks of :mod:`smpgen.sandbox`).

Python builds a string in one call (``"x".center(10**9)``, ``"%9999999s" % x``, the repr
of a list), so the sandbox cannot stop it halfway: these functions give an upper bound of
the result from the arguments, and refuse it past the :class:`~smpgen.budget.Limits` of
the rendering under way. :func:`budgeted` wraps a filter, :func:`sized` a method of a
string, list, mapping or set, :class:`Formatter` ``str.format``; :func:`check_binop`
checks arithmetic, ``*``, ``+`` and ``%``.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import (
    Callable,
    ItemsView,
    KeysView,
    Mapping,
    Sequence,
    Sized,
    ValuesView,
)
from contextlib import suppress
from types import BuiltinMethodType, MethodType
from typing import Any, cast

import jinja2
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEscapeFormatter, SandboxedFormatter
from jinja2.utils import Namespace
from markupsafe import Markup

# The budget lives with the sandbox, which in turn uses these checks: each module refers
# to the other through the module object, so either may be imported first.
from .budget import Budget, LimitReached, spend

# Text sizes ------------------------------------------------------------------------------

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


def sized(value: Any) -> Any:
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


class Formatter(_SizedFormatting, SandboxedFormatter):
    """The sandbox's ``str.format``, each field sized."""


class EscapeFormatter(_SizedFormatting, SandboxedEscapeFormatter):
    """The sandbox's ``Markup.format``, each field sized."""


# Arithmetic ------------------------------------------------------------------------------

SEQUENCES = (str, list, tuple)
"""What ``*`` and ``+`` make longer, and ``sum`` adds up: texts, lists and tuples."""


def check_binop(operator: str, left: Any, right: Any, budget: Budget) -> None:
    """Refuse arithmetic, ``*``, ``+`` or ``%`` whose result would pass the limits,
    before computing it."""
    limits = budget.limits
    size = None
    if operator == "*" and isinstance(left, SEQUENCES) and isinstance(right, int):
        size = len(left) * right
    elif operator == "*" and isinstance(right, SEQUENCES) and isinstance(left, int):
        size = len(right) * left
    elif operator == "+" and isinstance(left, SEQUENCES) and isinstance(right, SEQUENCES):
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


# Filters ---------------------------------------------------------------------------------

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
        if isinstance(result, SEQUENCES):
            budget.text(len(result))
        return result

    return within_budget


def _value_index(args: tuple[Any, ...]) -> int:
    """Where a filter's value is: past the context Jinja may pass first."""
    first = 0
    while first < len(args) and isinstance(args[first], Context | EvalContext | jinja2.Environment):
        first += 1
    return first
