"""The Jinja sandbox a model's templates run in (stage 3's engine, see :mod:`smpgen.text`).

A model is someone else's code: its templates run in Jinja's sandbox, load files from
the model's own folder only (:class:`ModelLoader`), and stay within :data:`LIMITS`: loop
steps, text size and time, checked as they run, so a runaway template stops in any
thread. The limits are shared by everything rendered inside one :func:`render_budget`
block (a policy's sections together).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.ext import Extension
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment

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
    """The most characters of text, printed or built in a variable."""
    seconds: float = 10.0
    """Wall-clock time."""


LIMITS = Limits()
"""The limits every rendering gets."""


class LimitReached(Exception):
    """A rendering went past one of its :class:`Limits`."""


class Budget:
    """What one rendering has used of its limits. Checked where templates loop, call,
    print and build text, so it stops a runaway template in any thread (no signals)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.seconds
        self.steps = 0
        self.chars = 0

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

    def text(self, size: int, *, printed: bool = False) -> None:
        """Account for ``size`` characters, ``printed`` to the output or built in memory."""
        if printed:
            self.chars += size
        if max(size, self.chars) > self.limits.output_chars:
            raise LimitReached(f"the text passed {self.limits.output_chars:,} characters; look "
                               "for a loop that prints too much")
        self.tick()


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
    def measured(text: str) -> str:
        """``text`` after checking its size (the result of ``~``)."""
        spend().text(len(text))
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


class ModelEnvironment(SandboxedEnvironment):
    """The sandbox with :data:`LIMITS`: ``range()`` is small, ``*``, ``+`` and ``**`` are
    sized before they run, and calls, filters, loops and joined text check the budget."""

    code_generator_class = _GuardedCodeGenerator
    intercepted_binops = frozenset({"*", "+", "**"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, extensions=[_Guards], **kwargs)
        self.globals["range"] = _range
        del self.globals["lipsum"]  # Lorem ipsum of any length, in one uninterruptible call
        self.filters = {name: budgeted(f) for name, f in self.filters.items()}

    @staticmethod
    def concat(pieces: Iterable[str]) -> str:
        """Join a buffer (a macro's text, a ``{% set %}`` block), measured before joining."""
        pieces = list(pieces)
        spend().text(sum(map(len, pieces)))
        return "".join(pieces)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        spend().tick()
        return super().call(__context, __obj, *args, **kwargs)

    def getattr(self, obj: Any, attribute: str) -> Any:
        spend().tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        spend().tick()
        return super().getitem(obj, argument)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _check_binop(operator, left, right, spend().limits)
        return super().call_binop(context, operator, left, right)


def _range(*args: Any) -> range:
    """``range()`` of at most :attr:`Limits.range_items` numbers."""
    numbers = range(*args)
    limit = spend().limits.range_items
    if len(numbers) > limit:
        raise LimitReached(f"range() of {len(numbers):,} numbers; a model's loops go up to "
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
        raise LimitReached(f"'{operator}' makes {size:,} characters; the text is limited to "
                           f"{limits.output_chars:,} characters")
    if operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0 \
            and abs(left) > 1 and right * abs(left).bit_length() > 10_000:
        raise LimitReached("'**' makes a number too large for a policy")


def budgeted(f: Callable[..., Any]) -> Callable[..., Any]:
    """Filter ``f`` with the budget: a width or count of its must be within the text limit
    (``center(10**9)`` would build that string at once), and so must what it returns."""

    @functools.wraps(f)  # keeps Jinja's pass_context and friends
    def within_budget(*args: Any, **kwargs: Any) -> Any:
        budget = spend()
        budget.tick()
        limit = budget.limits.output_chars
        for arg in (*_after_value(args), *kwargs.values()):
            if isinstance(arg, int) and arg > limit:
                raise LimitReached(f"the filter '{f.__name__.removeprefix('do_')}' was given "
                                   f"{arg:,}; a number past {limit:,} is refused")
        result = f(*args, **kwargs)
        if isinstance(result, _SEQUENCES):
            budget.text(len(result))
        return result

    return within_budget


def _after_value(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """A filter's own arguments: past the context Jinja may pass first, and the value."""
    first = 0
    while first < len(args) and isinstance(args[first], Context | EvalContext | jinja2.Environment):
        first += 1
    return args[first + 1:]


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
