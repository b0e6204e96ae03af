"""The Jinja sandbox a model's templates run in (stage 3's engine, see :mod:`smpgen.text`).

A model is someone else's code: its templates run in Jinja's sandbox, load files from
the model's own folder only (:class:`ModelLoader`), and stay within :data:`LIMITS`: loop
steps, text size and time, checked as they run, so a runaway template stops in any
thread. The limits are shared by everything rendered inside one :func:`render_budget`
block (a policy's sections together). How big a piece of text, a list or a number would
get is found before it is built by :mod:`smpgen.sizes`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import BuiltinMethodType, MethodType
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst
from jinja2.ext import Extension
from jinja2.filters import make_attrgetter
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import pass_environment
from markupsafe import Markup

# The checks of sizes use the budget below: each module refers to the other through the
# module object, so either may be imported first.
from . import sizes
from .budget import LimitReached, spend
from .errors import ModelFileError, ModelFileMissing
from .modelfiles import file_stamp, model_file, read_model_bytes

# Limits ----------------------------------------------------------------------------------

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
        budget.allow(sum(sizes.text_size(p) for p in pieces))
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
        self.filters = {name: sizes.budgeted(f, name) for name, f in self.filters.items()
                        if name not in ("pprint", "tojson")}

    @staticmethod
    def concat(pieces: Iterable[str]) -> str:
        """Join a buffer (a macro's text, a ``{% set %}`` block), measured before joining."""
        pieces = list(pieces)
        spend().text(sum(map(len, pieces)))
        return "".join(pieces)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        spend().tick()
        return super().call(__context, sizes.sized(__obj), *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        spend().tick()
        return sizes.sized(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        spend().tick()
        return sizes.sized(super().getitem(obj, argument))

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        # Jinja's, with a formatter that sizes each field before formatting it.
        if not isinstance(value, MethodType | BuiltinMethodType) or \
                value.__name__ not in ("format", "format_map") or \
                not isinstance(value.__self__, str):
            return None
        text: str = value.__self__
        formatter = sizes.EscapeFormatter(self, escape=text.escape) if isinstance(text, Markup) \
            else sizes.Formatter(self)
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
        sizes.check_binop(operator, left, right, budget)
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
        if isinstance(total, sizes.SEQUENCES) and isinstance(value, sizes.SEQUENCES):
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
