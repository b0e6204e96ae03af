"""One job's independent pieces run side by side in forked processes, so that a single
profile's files are made on more than one core (the batch gives each profile a worker
of its own instead)."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import SmpgenError

T = TypeVar("T")
PR_SET_PDEATHSIG = 1


def run_all(tasks: list[Callable[[], T]], *, jobs: int = 1) -> list[T]:
    """Each task's result, in order. With ``jobs`` above 1 (and ``fork`` available), the
    tasks after the first run in up to ``jobs - 1`` child processes while this process
    runs the first; a task's exception is raised here. Tasks must return picklable
    values; they may use anything this process has built, as children are forked."""
    context = _fork_context() if jobs > 1 and len(tasks) > 1 else None
    if context is None:
        return [task() for task in tasks]
    forked = tasks[1:jobs]
    children = []
    for task in forked:
        receiver, sender = context.Pipe(duplex=False)
        process = context.Process(target=_child, args=(task, sender, os.getpid()),
                                  daemon=True)
        process.start()
        sender.close()
        children.append((process, receiver))
    try:
        results = [tasks[0](), *(_receive(p, r) for p, r in children)]
    except BaseException:
        for process, _ in children:  # their work is no longer wanted
            if process.is_alive():
                process.terminate()
        raise
    finally:
        for process, receiver in children:
            # A helper that sent its result still tidies up (its font folder) before it
            # ends; wait for that, and kill only one that hangs (say, ignoring SIGTERM).
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
            receiver.close()
    return results + [task() for task in tasks[1 + len(forked):]]


def _fork_context() -> Any:
    import multiprocessing  # only here: validate and init never fork

    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork") if "fork" in methods else None


def _child(task: Callable[[], Any], sender: Any, parent: int) -> None:
    import pickle
    import traceback

    _die_with(parent)
    try:
        outcome: tuple[str, Any] = ("ok", task())
    except BaseException as e:  # carried to the parent and raised there
        outcome = ("error", e)
        try:  # an exception that pickles may still fail to rebuild (other __init__ args)
            pickle.loads(pickle.dumps(e))
        except Exception:
            outcome = ("error", SmpgenError("a worker process failed:\n"
                                            + traceback.format_exc().rstrip()))
    sender.send(outcome)
    sender.close()


def _die_with(parent: int) -> None:
    """Ask Linux to kill this process when its parent dies (a killed render must not
    leave a helper running); elsewhere, daemon processes end with a parent that exits."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _receive(process: Any, receiver: Any) -> Any:
    try:
        status, value = receiver.recv()
    except EOFError:
        process.join()
        raise SmpgenError(f"a worker process ended without a result "
                          f"(exit code {process.exitcode})") from None
    if status == "error":
        raise value
    return value
