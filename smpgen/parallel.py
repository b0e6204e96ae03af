"""A job's independent pieces side by side, so one profile's files are made on two cores
(a batch gives each profile a worker of its own instead).

The worker is a :mod:`concurrent.futures` process forked when the job starts, while this
process has not yet loaded WeasyPrint's native libraries (Pango, fontconfig) and runs a
single thread: a forked child then inherits nothing but Python objects. Otherwise (say,
in a long-lived process that has already written a PDF) the pieces run one after the
other, with the same result.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from .errors import SmpgenError

T = TypeVar("T")

NATIVE = ("weasyprint",)
"""Modules whose loading means native state (Pango, fontconfig) a forked child must not
inherit."""


def cores(jobs: int) -> int:
    """The number of processes ``jobs`` asks for (0: one per core)."""
    return jobs if jobs > 0 else (os.cpu_count() or 1)


def run_all(tasks: Sequence[Callable[[], T]], *, jobs: int = 1) -> list[T]:
    """Each task's result, in order. The first task runs in this process; with ``jobs``
    above 1 and forking safe, the others run meanwhile in worker processes. Tasks after
    the first must pickle (module-level functions, or :func:`functools.partial` of them,
    with picklable arguments); a task's exception is raised here."""
    workers = min(cores(jobs), len(tasks)) - 1
    context = fork_context() if workers > 0 else None
    if context is None:
        return [task() for task in tasks]
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = [pool.submit(task) for task in tasks[1:]]
        try:
            first = tasks[0]()
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        try:
            return [first, *(future.result() for future in futures)]
        except BrokenProcessPool:
            raise SmpgenError("a worker process ended without a result (killed, or out of "
                              "memory); run this again, or with --jobs 1") from None


def fork_context() -> Any:
    if threading.active_count() > 1 or any(name in sys.modules for name in NATIVE):
        return None
    import multiprocessing  # only here: validate and init never fork

    if "fork" not in multiprocessing.get_all_start_methods():
        return None
    return multiprocessing.get_context("fork")
