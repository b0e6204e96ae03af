"""Writing output files safely.

- A job's files are all made in memory first, then written into a fresh private work
  folder inside the output folder, then renamed into place. Before the first rename a
  journal records what the job is about to put there, and the manifest is written after
  the last; so whatever stops a job midway (a kill, a full disk, a power cut), the next
  run knows each file for smpgen's, old or new, and renders the whole set again.
- The manifest (``.smpgen-manifest.json``) records the SHA-256 of every file smpgen
  wrote; a file changed since (say, edited in Word) is never overwritten without
  ``force``, and with ``force`` a backup is kept.
- Nothing is written through a symbolic link, and nothing a person or another program
  put in the folder is removed: smpgen only replaces files it wrote itself.
- A lock on the folder keeps two renders from writing into it at once, whether they run
  in two processes (a POSIX record lock on ``.smpgen.lock``) or in two threads of one
  (a registry of the folders this process holds).
- The manifest also records each job's input fingerprint and warnings, so an unchanged
  job is skipped and its warnings shown again.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import shutil
import stat
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputError
from .manifest import (
    JOURNAL,
    MANIFEST,
    Job,
    Manifest,
    Warning_,
    check_name,
    read_manifest,
    read_record,
    sha256,
    stamp,
    why,
)
from .safefiles import backup, fsync_folder, hash_file, kind, lstat, publish, write_new

LOCK = ".smpgen.lock"

WORK_PREFIX = ".smpgen-work-"

@dataclass(slots=True)
class OutputFolder:
    """An output folder, opened under its lock (use :func:`open_folder`)."""

    path: Path
    """The folder."""
    manifest: Manifest
    """What smpgen wrote here before."""

    def intact(self, name: str) -> bool:
        """Whether ``name`` is a regular file holding exactly what smpgen last wrote. A file
        whose size and modification time are as recorded is taken as intact without being
        hashed again (as make and git do); any other is hashed."""
        info = lstat(self.path / name)
        if info is None or not stat.S_ISREG(info.st_mode):
            return False
        if self.manifest.stat.get(name) == stamp(info):
            return True
        recorded = self.manifest.files.get(name)
        return recorded is not None and hash_file(self.path / name) == recorded

    def unchanged(self, job: str, fingerprint: str) -> Job | None:
        """The record of ``job`` if its inputs are the same and its outputs intact."""
        entry = self.manifest.jobs.get(job)
        if entry is None or entry.inputs != fingerprint:
            return None
        return entry if all(self.intact(name) for name in entry.files) else None

    def write(self, files: dict[str, bytes], *, force: bool = False, job: str | None = None,
              fingerprint: str | None = None,
              warnings: list[Warning_] | None = None) -> list[Path]:
        """Write ``files`` as one job; refuse (or, with ``force``, back up) files edited by a
        person; refuse any name that is a link, a folder or anything but a regular file."""
        for name in files:
            try:
                check_name(name)
            except ValueError as e:
                raise OutputError(f"cannot write into {self.path}: {e}") from None
        edited = self._check_targets(files, force=force)
        try:
            staged = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=self.path))
        except OSError as e:
            raise OutputError(f"cannot write into {self.path}: {e.strerror or e}") from None
        try:
            for name, data in files.items():
                write_new(staged / name, data)
            for name in edited:
                backup(self.path / name)
            after = Manifest(dict(self.manifest.files), dict(self.manifest.stat),
                             dict(self.manifest.jobs))
            for name, data in files.items():
                after.files[name] = sha256(data)
                after.stat.pop(name, None)
            if job is not None:
                after.jobs.pop(job, None)
            # From here on the folder may hold a mix of old and new files until the
            # manifest is written: the journal tells the next run which new ones are ours.
            journal = json.dumps({"files": {n: after.files[n] for n in files}}).encode()
            write_new(staged / JOURNAL, journal)
            publish(staged / JOURNAL, self.path / JOURNAL)
            for name in files:
                publish(staged / name, self.path / name)
            for name in files:
                info = os.lstat(self.path / name)
                after.stat[name] = stamp(info)
            if job is not None and fingerprint is not None:
                after.jobs[job] = Job(fingerprint, list(files), list(warnings or []))
            write_new(staged / MANIFEST, after.to_json())
            publish(staged / MANIFEST, self.path / MANIFEST)
            fsync_folder(self.path)
            (self.path / JOURNAL).unlink()
            self.manifest = after
        except OSError as e:
            raise OutputError(f"cannot write into {self.path}: {e.strerror or e}; files already "
                              "replaced are recorded, so running again finishes the job") from None
        finally:
            shutil.rmtree(staged, ignore_errors=True)
        return [self.path / n for n in files]

    def adopt(self, name: str) -> bool:
        """Record the file ``name`` as it now is as smpgen's own: a person edited it, and
        its text has been taken into the city's customization, so the next render may
        replace it. False when smpgen did not write a file of that name here."""
        path = self.path / name
        info = lstat(path)
        if name not in self.manifest.files or info is None or not stat.S_ISREG(info.st_mode):
            return False
        digest = hash_file(path)
        if digest is None:
            return False
        after = Manifest(dict(self.manifest.files), dict(self.manifest.stat),
                         dict(self.manifest.jobs))
        after.files[name] = digest
        after.stat[name] = stamp(info)
        try:
            staged = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=self.path))
            try:
                write_new(staged / MANIFEST, after.to_json())
                publish(staged / MANIFEST, self.path / MANIFEST)
                fsync_folder(self.path)
            finally:
                shutil.rmtree(staged, ignore_errors=True)
        except OSError as e:
            raise OutputError(f"cannot write into {self.path}: {e.strerror or e}") from None
        self.manifest = after
        return True

    def _check_targets(self, files: dict[str, bytes], *, force: bool) -> list[str]:
        """The names that hold a person's edits (to back up); raises for anything else that
        smpgen must not replace."""
        edited = []
        for name in files:
            info = lstat(self.path / name)
            if info is None:
                continue
            if not stat.S_ISREG(info.st_mode):
                raise OutputError(f"{self.path / name} is {kind(info)}, not a file smpgen "
                                  "wrote; smpgen will not write there. Move it away and run "
                                  "this again")
            if not self.intact(name):
                edited.append(name)
        if edited and not force:
            names = ", ".join(str(self.path / n) for n in edited)
            noun = "was" if len(edited) == 1 else "were"
            raise OutputError(f"{names} {noun} changed since smpgen wrote it; smpgen will not "
                              "overwrite a file a person edited. Move it away, or pass --force "
                              "to overwrite it (a backup copy is kept)")
        return edited

_HELD: set[Path] = set()

_HELD_GUARD = threading.Lock()

@contextlib.contextmanager
def open_folder(path: Path, root: Path | None = None) -> Iterator[OutputFolder]:
    """Lock ``path`` for one writer, creating it (and the folders between ``root`` and it,
    each of which must be a real folder, never a link), finish what an interrupted run
    left behind, and read its manifest.

    A job that fails removes only what it created itself: folders this call made (each
    only while still empty) and, when it made ``path`` and held its lock, the lock file
    in it (removed while still held, so a render starting at that moment is told the
    folder is busy or makes it anew, never finds it gone)."""
    key = path.resolve()
    busy = OutputError(f"another smpgen is writing to {path}; wait for it to finish and "
                       "run this again")
    # POSIX record locks do not exclude a second holder in the same process (and closing
    # its handle would drop this one), so this process's own holders are kept apart first.
    with _HELD_GUARD:
        if key in _HELD:
            raise busy
        _HELD.add(key)
    created: list[Path] = []
    ok = False
    try:
        fd = -1
        for _ in range(3):  # another job may remove a folder it made just as this one starts
            created += _make_folders(path, root if root is not None else path)
            fd = _open_lock(path / LOCK)
            if fd >= 0:
                break
        if fd < 0:
            raise OutputError(f"cannot write to the output folder {path}: it keeps vanishing")
        held = False
        try:
            try:
                # A record lock belongs to this process alone: a worker process does not
                # inherit it, and it is released when the process dies, however it dies.
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                raise busy from None
            held = True
            manifest = _recover(path, read_manifest(path))
            yield OutputFolder(path, manifest)
            ok = True
        finally:
            # Only the holder of the lock may remove it (never a job told "busy", even if
            # it made the folder a moment before the holder reached it).
            if not ok and held and path in created:
                with contextlib.suppress(OSError):
                    os.unlink(path / LOCK)
            os.close(fd)
    finally:
        if not ok:
            for folder in reversed(created):
                with contextlib.suppress(OSError):
                    os.rmdir(folder)  # only if still empty: never anyone else's files
        with _HELD_GUARD:
            _HELD.discard(key)

def current_outputs(path: Path, job: str, fingerprint: str) -> Job | None:
    """Read-only, without the lock: the record of ``job`` in ``path`` if its outputs are
    current; None when anything differs or cannot be told (the locked run decides)."""
    try:
        if lstat(path / JOURNAL) is not None:
            return None
        return OutputFolder(path, read_manifest(path)).unchanged(job, fingerprint)
    except (OutputError, OSError):
        return None

def _make_folders(path: Path, root: Path) -> list[Path]:
    """Make ``root`` and the folders from it down to ``path``; the ones made here."""
    made: list[Path] = []
    try:
        missing = [p for p in (root, *root.parents) if not os.path.lexists(p)]
        for folder in reversed(missing):
            with contextlib.suppress(FileExistsError):
                os.mkdir(folder)
                made.append(folder)
        if not root.is_dir():
            raise OutputError(f"the output folder {root} is not a folder")
        current = root
        for part in path.relative_to(root).parts:
            current = current / part
            try:
                os.mkdir(current)
                made.append(current)
            except FileExistsError:
                pass
            info = os.lstat(current)
            if not stat.S_ISDIR(info.st_mode):
                raise OutputError(f"{current} is {kind(info)}; smpgen writes only into folders "
                                  "it can own. Move it away and run this again")
    except OSError as e:
        raise OutputError(f"cannot write to the output folder {path}: "
                          f"{e.strerror or e}") from None
    return made

def _open_lock(path: Path) -> int:
    """The lock file's descriptor; -1 when its folder has just vanished."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC,
                     0o644)
    except FileNotFoundError:
        return -1
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise OutputError(f"{path} is a symbolic link; smpgen will not open a lock through "
                              "it. Remove it and run this again") from None
        raise OutputError(f"cannot write to the output folder {path.parent}: "
                          f"{e.strerror}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise OutputError(f"{path} is not a regular file; remove it and run this again")
    return fd

def _recover(path: Path, manifest: Manifest) -> Manifest:
    """Finish the record of a job that was stopped between its first rename and its
    manifest: each file it names that holds the new bytes is recorded as smpgen's (one
    with the old bytes already is), and the job is forgotten so it renders again."""
    for entry in os.listdir(path):
        if entry.startswith(WORK_PREFIX) or entry == ".smpgen-tmp":
            with contextlib.suppress(OSError):
                if stat.S_ISDIR(os.lstat(path / entry).st_mode):
                    shutil.rmtree(path / entry)  # a killed run's private work folder
    raw = read_record(path / JOURNAL)
    if raw is None:
        return manifest
    try:
        data = json.loads(raw.decode("utf-8"))
        new = {check_name(str(k)): str(v) for k, v in data["files"].items()}
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as e:
        raise OutputError(f"{path / JOURNAL} is damaged ({why(e)}); delete it and run again "
                          "with --force") from None
    for name, digest in new.items():
        info = lstat(path / name)
        if info is not None and stat.S_ISREG(info.st_mode) and hash_file(path / name) == digest:
            manifest.files[name] = digest
            manifest.stat[name] = stamp(info)
    manifest.jobs = {k: j for k, j in manifest.jobs.items() if not set(j.files) & set(new)}
    try:
        staged = Path(tempfile.mkdtemp(prefix=WORK_PREFIX, dir=path))
        try:
            write_new(staged / MANIFEST, manifest.to_json())
            publish(staged / MANIFEST, path / MANIFEST)
        finally:
            shutil.rmtree(staged, ignore_errors=True)
        (path / JOURNAL).unlink()
    except OSError as e:
        raise OutputError(f"cannot write into {path}: {e.strerror or e}") from None
    return manifest
