"""A job's independent pieces side by side, so one profile's files are made on two cores
(a batch gives each profile a worker of its own instead).

The worker is a :mod:`concurrent.futures` process forked as soon as a job knows it will
render, while this process has not yet loaded WeasyPrint's native libraries (Pango,
fontconfig) and runs a single thread: the child inherits nothing but Python objects, and
loads the PDF writer while this process reads the profile and builds the documents.
Otherwise (say, in a long-lived process that has already written a PDF) the pieces run
one after the other, with the same result.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from .errors import SmpgenError

T = TypeVar("T")

NATIVE = ("weasyprint",)
"""Modules whose loading means native state (Pango, fontconfig) a forked child must not
inherit."""


def cores(jobs: int) -> int:
    """The number of processes ``jobs`` asks for (0: one per core)."""
    return jobs if jobs > 0 else (os.cpu_count() or 1)


class Workers:
    """Worker processes for one job (none when forking is unsafe or ``jobs`` is 1)."""

    def __init__(self, pool: Any | None) -> None:
        self._pool = pool

    def run_all(self, tasks: Sequence[Callable[[], T]]) -> list[T]:
        """Each task's result, in order. The first task runs in this process, the others
        in the workers meanwhile (or here, after it, without workers). Tasks after the
        first must pickle (module-level functions, or :func:`functools.partial` of them,
        with picklable arguments); a task's exception is raised here."""
        if self._pool is None or len(tasks) < 2:
            return [task() for task in tasks]
        from concurrent.futures.process import BrokenProcessPool

        try:
            futures = [self._pool.submit(_collecting_after, task) for task in tasks[1:]]
            try:
                first = tasks[0]()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
            if not all(future.done() for future in futures):
                gc.collect()  # while waiting, rather than when this process exits
            return [first, *(future.result() for future in futures)]
        except BrokenProcessPool:
            raise SmpgenError("a worker process ended without a result (killed, or out of "
                              "memory); run this again, or with --jobs 1") from None


NO_WORKERS = Workers(None)
"""Everything in this process."""


@contextlib.contextmanager
def workers(jobs: int, *, pieces: int | None = None,
            prepare: Callable[[], None] | None = None) -> Iterator[Workers]:
    """Start ``jobs - 1`` workers now (0: one per core; never more than ``pieces - 1``,
    for work in that many pieces), each running ``prepare`` (say, importing the PDF
    writer) while the caller gets the work ready; shut down after. A ``prepare`` that
    fails is left for the task itself to meet and report."""
    count = min(cores(jobs), pieces or cores(jobs)) - 1
    context = fork_context() if count > 0 else None
    if context is None:
        yield NO_WORKERS
        return
    from concurrent.futures import ProcessPoolExecutor

    ready = functools.partial(_quietly, prepare) if prepare is not None else None
    pool = ProcessPoolExecutor(count, mp_context=context, initializer=ready)
    pool.submit(int)  # a forking pool starts its processes at the first task: now
    try:
        yield Workers(pool)
    finally:
        # Waits for a task already running (a worker never runs long: the model's limits
        # hold in this process, before any task is sent), so no thread or process of
        # this job outlives it.
        pool.shutdown(cancel_futures=True)


def run_all(tasks: Sequence[Callable[[], T]], *, jobs: int = 1) -> list[T]:
    """:meth:`Workers.run_all` with workers started for these tasks alone."""
    with workers(jobs, pieces=len(tasks)) as started:
        return started.run_all(tasks)


def _quietly(prepare: Callable[[], None]) -> None:
    # A failing initializer would break the pool and hide the error; the task that needs
    # what ``prepare`` makes meets the same error and sends it back whole.
    with contextlib.suppress(Exception):
        prepare()


def _collecting_after(task: Callable[[], T]) -> T:
    """Run ``task`` in a worker with the cyclic garbage collector paused: a layout makes
    tens of thousands of linked objects, and collecting them as they are made costs the
    PDF about a tenth of its time. They are collected after the result is sent."""
    gc.disable()
    try:
        return task()
    finally:
        gc.enable()


def fork_context() -> Any:
    """A fork context when forking is safe here (see the module's note), else None."""
    if threading.active_count() > 1 or any(name in sys.modules for name in NATIVE):
        return None
    import multiprocessing  # only here: validate and init never fork

    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork")
