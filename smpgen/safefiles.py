"""File operations that never follow a link an attacker could plant: status without
following, new files made only where nothing stands (``O_EXCL | O_NOFOLLOW``), renames
that replace a name rather than write through it, backups as hard links at a free name."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

from .errors import OutputError


def lstat(path: Path) -> os.stat_result | None:
    """``path``'s own status, or None when there is nothing there (or a file stands where
    a folder on the way should be)."""
    try:
        return os.lstat(path)
    except (FileNotFoundError, NotADirectoryError):
        return None

def kind(info: os.stat_result) -> str:
    mode = info.st_mode
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISREG(mode):
        return "a file"
    return "a special file (a pipe, socket or device)"

def hash_file(path: Path) -> str | None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    digest = hashlib.sha256()
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            return None
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()

def write_new(path: Path, data: bytes) -> None:
    """Create ``path`` (never an existing name, never through a link) holding ``data``."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(path, 0o644)  # whatever the umask, outputs are readable like any document
    except BaseException:
        path.unlink(missing_ok=True)  # created above with O_EXCL: it is this call's own
        raise

def publish(staged: Path, target: Path) -> None:
    # rename() replaces the name itself: if something swapped a link in at ``target``
    # since it was checked, the link is replaced, never written through.
    os.replace(staged, target)

def fsync_folder(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

def backup(path: Path) -> None:
    """Keep the edited file ``path`` as ``path.bak`` (or ``.bak.1``, ...): a hard link,
    made only at a name nothing holds, so no planted link is written through."""
    candidate, n = path.with_name(path.name + ".bak"), 1
    while True:
        try:
            os.link(path, candidate, follow_symlinks=False)
            return
        except FileExistsError:
            candidate = path.with_name(f"{path.name}.bak.{n}")
            n += 1

def write_new_file(path: Path, data: bytes, *, replace: bool = False) -> None:
    """Write one file atomically beside where it goes (for files outside output folders,
    such as a new profile); never through a link, and only over an existing regular file
    when ``replace``."""
    info = lstat(path)
    if info is not None and (not replace or not stat.S_ISREG(info.st_mode)):
        raise OutputError(f"{path} already exists ({kind(info)}); smpgen will not replace it")
    part = path.with_name(f".{path.name}.{os.getpid()}.part")
    created = False
    try:
        write_new(part, data)
        created = True
        os.replace(part, path)
    except OSError as e:
        if created:
            part.unlink(missing_ok=True)
        raise OutputError(f"cannot write {path}: {e.strerror or e}") from None
