"""What a model's templates may spend while one document renders: loop steps, text,
items, number sizes and time (:class:`Limits`), shared by everything rendered inside one
:func:`render_budget` block and checked as the templates run, in any thread."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


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
    Text is sized before it is built wherever its size can be known (see :func:`~smpgen.sizes.text_size`)."""

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


# The sandbox -----------------------------------------------------------------------------
