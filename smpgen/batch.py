"""Rendering many profiles at once, in worker processes; one failure stops nothing."""

from __future__ import annotations

import glob
import multiprocessing
import os
import resource
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import Problem, SmpgenError, UserError, printable
from .options import DEFAULT_OPTIONS, Edition
from .writers import Format


@dataclass(frozen=True, slots=True)
class BatchItem:
    """The outcome of one profile in a batch."""

    profile: Path
    """The profile."""
    status: str
    """``rendered``, ``unchanged`` or ``failed``."""
    paths: tuple[Path, ...]
    """Its output files (none when it failed)."""
    messages: tuple[str, ...]
    """Warnings, or the located error lines of a failure."""
    peak_rss_kb: int
    """Peak resident memory of the worker process so far, in KiB."""


def expand(arguments: Iterable[str | Path]) -> list[Path]:
    """Profiles named by files, folders (their *.yaml files) and glob patterns, in order.
    A name that exists is taken as it is, before any pattern matching: ``city[1].yaml``
    is that file even when ``city1.yaml`` exists too."""
    found: list[Path] = []
    for arg in map(str, arguments):
        path = Path(arg)
        if path.is_dir():
            inside = sorted(p for p in path.iterdir()
                            if p.suffix in (".yaml", ".yml") and p.is_file())
            if not inside:
                raise UserError(f"{arg}: the folder holds no .yaml profiles")
            found += inside
        elif os.path.lexists(path) or not any(ch in arg for ch in "*?["):
            found.append(path)
        else:
            matches = sorted(glob.glob(arg))
            if not matches:
                raise UserError(f"{arg}: no file matches this pattern")
            found += [Path(m) for m in matches]
    return list(dict.fromkeys(found))


def render_many(
    profiles: list[Path],
    *,
    formats: Iterable[Format] = DEFAULT_OPTIONS.formats,
    out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
    draft: bool = DEFAULT_OPTIONS.draft,
    edition: Edition = DEFAULT_OPTIONS.edition,
    templates: str | Path | None = DEFAULT_OPTIONS.templates,
    force: bool = DEFAULT_OPTIONS.force,
    packet: bool = DEFAULT_OPTIONS.packet,
    jobs: int = DEFAULT_OPTIONS.jobs,
    on_done: Callable[[BatchItem], None] | None = None,
) -> list[BatchItem]:
    """Render every profile as :func:`smpgen.render` does, with ``jobs`` worker processes
    (0: one per core); ``on_done`` hears of each as it ends. Results come back in the
    profiles' order."""
    options: dict[str, Any] = {"formats": tuple(formats), "out_dir": out_dir, "draft": draft,
                               "edition": edition, "templates": templates, "force": force,
                               "packet": packet}
    from .api import current_render
    from .parallel import cores as count

    results, finish = _collector(on_done)
    _one_folder_each(profiles)
    # Profiles whose outputs are current are told apart here, without starting a worker.
    todo = []
    for path in profiles:
        same = current_render(path, **options)
        if same is None:
            todo.append(path)
        else:
            finish(BatchItem(path, "unchanged", tuple(same.paths), _messages(same.warnings),
                             _peak()))
    cores = count(jobs)
    # A lone profile to render (say, the one a clerk just edited) still gets the cores:
    # its PDFs are made beside its other files. In a pool each worker is one of the cores
    # already: it renders its profiles alone.
    _in_workers(_render_one, todo, {**options, "jobs": cores if len(todo) == 1 else 1},
                cores, finish, "rendering")
    return [results[p] for p in profiles]


def upgrade_many(
    profiles: list[Path],
    *,
    to: str | None = None,
    out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
    templates: str | Path | None = DEFAULT_OPTIONS.templates,
    force: bool = DEFAULT_OPTIONS.force,
    jobs: int = DEFAULT_OPTIONS.jobs,
    on_done: Callable[[BatchItem], None] | None = None,
) -> list[BatchItem]:
    """Upgrade every profile as :func:`smpgen.upgrade` does, in ``jobs`` worker processes
    (0: one per core); each item's status is the upgrade's (``current``, ``clean``,
    ``merged``, ``conflicts``) or ``failed``, its messages the upgrade's report."""
    from .parallel import cores as count

    results, finish = _collector(on_done)
    _one_folder_each(profiles)
    options = {"to": to, "out_dir": out_dir, "templates": templates, "force": force}
    _in_workers(_upgrade_one, profiles, options, count(jobs), finish, "upgrading")
    return [results[p] for p in profiles]


def _collector(on_done: Callable[[BatchItem], None] | None
               ) -> tuple[dict[Path, BatchItem], Callable[[BatchItem], None]]:
    """Where a batch's items go as they end, by profile, and the call that puts each
    there (telling ``on_done``)."""
    results: dict[Path, BatchItem] = {}

    def finish(item: BatchItem) -> None:
        results[item.profile] = item
        if on_done:
            on_done(item)

    return results, finish


def _in_workers(task: Callable[[Path, dict[str, Any]], BatchItem], todo: list[Path],
                options: dict[str, Any], cores: int,
                finish: Callable[[BatchItem], None], doing: str) -> None:
    """``task`` for each profile of ``todo``: here when there is one core or one profile,
    else in a pool of worker processes (forked while this process holds no native library
    state, else started afresh); a worker that dies fails its profile only."""
    from .parallel import fork_context

    workers = max(1, min(cores, len(todo)))
    if workers == 1:
        for path in todo:
            finish(task(path, options))
        return
    context = fork_context() or multiprocessing.get_context("spawn")
    single = {**options, "jobs": 1} if "jobs" in options else options
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        futures = {pool.submit(task, p, single): p for p in todo}
        for future in as_completed(futures):
            try:
                finish(future.result())
            except BrokenProcessPool:
                finish(BatchItem(futures[future], "failed", (), (
                    f"{printable(str(futures[future]))}: the worker process {doing} it ended "
                    "without a result (killed, or out of memory); run it again",),
                    _peak()))


def _one_folder_each(profiles: list[Path]) -> None:
    """Refuse a batch in which two profiles would write into one output folder (the same
    file name in two folders): one would silently replace the other's files."""
    from .api import output_name

    seen: dict[str, Path] = {}
    for path in profiles:
        try:
            name = output_name(path)
        except UserError:
            continue  # reported as that profile's failure
        if name in seen:
            raise UserError(f"{seen[name]} and {path} would both write into the output folder "
                            f"{name!r}; rename one of them, or render them separately with "
                            "different --out folders")
        seen[name] = path


def _render_one(path: Path, options: dict[str, Any]) -> BatchItem:
    def job() -> BatchItem:
        from .api import render

        result = render(path, **options)
        return BatchItem(path, "rendered" if result.rendered else "unchanged",
                         tuple(result.paths), _messages(result.warnings), _peak())

    return _guarded(path, job)


def _upgrade_one(path: Path, options: dict[str, Any]) -> BatchItem:
    def job() -> BatchItem:
        from .api import upgrade

        result = upgrade(path, **options)
        return BatchItem(path, result.status, tuple(result.written),
                         tuple(printable(line) for line in result.lines()), _peak())

    return _guarded(path, job)


def _guarded(path: Path, job: Callable[[], BatchItem]) -> BatchItem:
    """``job``'s item, or a failed one holding its located error lines: one profile's
    failure never ends the batch."""
    try:
        return job()
    except SmpgenError as e:
        return BatchItem(path, "failed", (), tuple(printable(e.format()).splitlines()), _peak())
    except Exception as e:
        return BatchItem(path, "failed", (), (f"{path}: internal error: {e!r}",), _peak())


def _messages(warnings: list[Problem]) -> tuple[str, ...]:
    return tuple(w.as_warning() for w in warnings)


def _peak() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
