"""Writing output files safely.

- Each file is written under a temporary name in a hidden folder and renamed into place,
  so a render that is killed leaves the previous outputs whole.
- A manifest (``.smpgen-manifest.json``) records the SHA-256 of every file smpgen wrote;
  a file changed since (say, edited in Word) is never overwritten without ``force``,
  and with ``force`` a backup is kept.
- A lock on the folder keeps two renders from writing into it at once, whether they run
  in two processes (a POSIX record lock on ``.smpgen.lock``) or in two threads of one
  (a registry of the folders this process holds).
- The manifest also records each job's input fingerprint, so an unchanged job is skipped.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import OutputError
from .version import __version__

MANIFEST = ".smpgen-manifest.json"
LOCK = ".smpgen.lock"
TMP = ".smpgen-tmp"


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()


@dataclass(slots=True)
class OutputFolder:
    """An output folder, opened under its lock (use :func:`open_folder`)."""

    path: Path
    """The folder."""
    manifest: dict[str, Any]
    """What smpgen wrote here before: ``files`` (name to SHA-256), ``stat`` (name to size
    and modification time) and ``jobs`` (name to input fingerprint and files)."""

    def intact(self, name: str) -> bool:
        """Whether ``name`` is exactly what smpgen last wrote. A file whose size and
        modification time are as recorded is taken as intact without being hashed again
        (as make and git do); any other is hashed."""
        target = self.path / name
        try:
            info = target.stat()
        except OSError:
            return False
        if self.manifest["stat"].get(name) == [info.st_size, info.st_mtime_ns]:
            return True
        return bool(sha256(target.read_bytes()) == self.manifest["files"].get(name))

    def edited(self, names: list[str]) -> list[Path]:
        """Files among ``names`` that exist but differ from what smpgen last wrote."""
        return [self.path / n for n in names if (self.path / n).exists() and not self.intact(n)]

    def unchanged(self, job: str, fingerprint: str) -> list[Path] | None:
        """The files of ``job`` if its inputs are the same and its outputs intact, else None."""
        entry = self.manifest["jobs"].get(job)
        if not entry or entry["inputs"] != fingerprint:
            return None
        names = entry["files"]
        if not all(self.intact(name) for name in names):
            return None
        return [self.path / n for n in names]

    def write(self, files: dict[str, bytes], *, force: bool = False, job: str | None = None,
              fingerprint: str | None = None) -> list[Path]:
        """Write ``files``; refuse (or, with ``force``, back up) files edited by a person."""
        edited = self.edited(list(files))
        if edited and not force:
            names = ", ".join(str(p) for p in edited)
            noun = "was" if len(edited) == 1 else "were"
            raise OutputError(f"{names} {noun} changed since smpgen wrote it; smpgen will not "
                              "overwrite a file a person edited. Move it away, or pass --force "
                              "to overwrite it (a backup copy is kept)")
        for path in edited:
            backup = _free_name(path.with_name(path.name + ".bak"))
            shutil.copy2(path, backup)
        tmp = self.path / TMP
        tmp.mkdir(exist_ok=True)
        written = []
        for name, data in files.items():
            _atomic_write(tmp, self.path / name, data)
            info = (self.path / name).stat()
            self.manifest["files"][name] = sha256(data)
            self.manifest["stat"][name] = [info.st_size, info.st_mtime_ns]
            written.append(self.path / name)
        if job is not None and fingerprint is not None:
            self.manifest["jobs"][job] = {"inputs": fingerprint, "files": list(files)}
        self.manifest["smpgen"] = __version__
        text = json.dumps(self.manifest, indent=2, sort_keys=True) + "\n"
        _atomic_write(tmp, self.path / MANIFEST, text.encode())
        return written


_HELD: set[Path] = set()
_HELD_GUARD = threading.Lock()


@contextlib.contextmanager
def open_folder(path: Path) -> Iterator[OutputFolder]:
    """Lock ``path`` (creating it) for one writer, clear what a killed run left behind,
    and read its manifest."""
    busy = OutputError(f"another smpgen is writing to {path}; wait for it to finish and "
                       "run this again")
    created = [p for p in (path, *path.parents) if not p.exists()]
    try:
        path.mkdir(parents=True, exist_ok=True)
        key = path.resolve()
    except OSError as e:
        raise OutputError(f"cannot write to the output folder {path}: {e.strerror}") from None
    # POSIX record locks do not exclude a second holder in the same process (and closing
    # its handle would drop this one), so this process's own holders are kept apart first.
    with _HELD_GUARD:
        if key in _HELD:
            raise busy
        _HELD.add(key)
    ok = False
    try:
        try:
            lock = open(path / LOCK, "a+b")  # noqa: SIM115 - held for the whole block
        except OSError as e:
            raise OutputError(f"cannot write to the output folder {path}: "
                              f"{e.strerror}") from None
        with lock:
            try:
                # A record lock belongs to this process alone: a forked helper does not
                # inherit it, so a killed render never leaves the folder locked.
                fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except (BlockingIOError, PermissionError):
                raise busy from None
            shutil.rmtree(path / TMP, ignore_errors=True)
            yield OutputFolder(path, _read_manifest(path))
            ok = True
    finally:
        with _HELD_GUARD:
            _HELD.discard(key)
        if not ok and created:
            # A job that failed in a folder it created leaves no trace behind.
            shutil.rmtree(created[-1], ignore_errors=True)


def current_outputs(path: Path, job: str, fingerprint: str) -> list[Path] | None:
    """Read-only, without the lock: the files of ``job`` in ``path`` if they are current."""
    if not (path / MANIFEST).exists():
        return None
    return OutputFolder(path, _read_manifest(path)).unchanged(job, fingerprint)


def _read_manifest(path: Path) -> dict[str, Any]:
    try:
        data = json.loads((path / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    for key in ("files", "stat", "jobs"):
        data.setdefault(key, {})
    return data


def _atomic_write(tmp: Path, target: Path, data: bytes) -> None:
    part = tmp / (target.name + ".part")
    try:
        with open(part, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(part, 0o644)
        os.replace(part, target)
    except OSError as e:
        part.unlink(missing_ok=True)
        raise OutputError(f"cannot write {target}: {e.strerror}") from None


def _free_name(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.name}.{n}")
        n += 1
    return candidate


def write_new_file(path: Path, data: bytes) -> None:
    """Write one file atomically beside where it goes (for files outside output folders)."""
    part = path.with_name(f".{path.name}.part")
    try:
        part.write_bytes(data)
        os.replace(part, path)
    except OSError as e:
        part.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {e.strerror}") from None
