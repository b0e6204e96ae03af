"""The files a model may read, and how to tell when they change.

A model names files (sections, includes, its front note, summary parts, ``model.yaml``
itself) as paths relative to its folder. :func:`model_file` lets a name through only when
it stays inside the folder and is a regular file of a sensible size, looking at it with
``stat`` alone; :func:`read_model_bytes` checks again on the open file. The ``stat``
stamps at the end let the caches of loaded models and templates follow the files.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

from .characters import character_problem
from .errors import ModelError, ModelFileError, ModelFileMissing

MAX_FILE_BYTES = 1_000_000
"""The most a model file (model.yaml, a section, a note, an included part) may hold; the
shipped model's largest is about 20 kB."""
MAX_FOLDER_ENTRIES = 10_000
"""The most files and folders a model folder may hold (each is looked at on every load)."""

_ONLY_INSIDE = "a model reads only files inside its own folder"
_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a device"),
          (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def model_file(folder: Path, name: str) -> Path:
    """The file ``name`` (a path relative to the resolved model ``folder``, as a model
    writes it), with symbolic links resolved; a :class:`ModelFileError` when it is an
    absolute path, climbs out with ``..``, is a link that leads out of the folder, is not
    a regular file or is too big. Only ``stat`` looks at the file: opening a FIFO would
    block."""
    # A NUL or a lone surrogate cannot be in a file name at all (the system calls refuse
    # them); a control or bidirectional formatting character would hide what a message says.
    odd = next((problem for ch in name if (problem := character_problem(ch, multiline=False))),
               None)
    if odd:
        raise ModelFileError(f"the file name {name!r} {odd}")
    relative = PurePosixPath(name)
    if relative.is_absolute():
        raise ModelFileError(f"{name!r} is an absolute path; {_ONLY_INSIDE}")
    if ".." in relative.parts:
        raise ModelFileError(f"{name!r} goes outside the model folder ('..'); {_ONLY_INSIDE}")
    try:
        target = (folder / relative).resolve()
    except (OSError, RuntimeError, ValueError) as e:  # a loop of links; a name too odd
        raise ModelFileError(f"{name!r} cannot be read: {e}") from None
    if not target.is_relative_to(folder):
        raise ModelFileError(f"{name!r} is a link to {target}, outside the model folder; "
                             f"{_ONLY_INSIDE}")
    try:
        info = os.stat(target)
    except FileNotFoundError:
        raise ModelFileMissing(f"file {name} not found in the model folder") from None
    except (OSError, ValueError) as e:  # no permission; a NUL in the name
        raise ModelFileError(f"{name!r} cannot be read: {getattr(e, 'strerror', None) or e}") \
            from None
    _check_regular(name, info)
    return target


def _check_regular(name: str, info: os.stat_result) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise ModelFileError(f"{name!r} is a folder, not a file")
    if not stat.S_ISREG(info.st_mode):
        kind = next((what for test, what in _KINDS if test(info.st_mode)), "not a file")
        raise ModelFileError(f"{name!r} is {kind}, not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise ModelFileError(f"{name!r} is {info.st_size:,} bytes; a model file is at most "
                             f"{MAX_FILE_BYTES:,} bytes")


def read_model_bytes(path: Path, name: str) -> bytes:
    """The bytes of ``path``, a file :func:`model_file` returned for ``name``, checked
    again on the open file (it may have changed since): a FIFO put in its place neither
    blocks the open (``O_NONBLOCK``) nor gets read, and no more than the limit is read."""
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise ModelFileMissing(f"file {name} not found in the model folder") from None
    except OSError as e:
        raise ModelFileError(f"{name!r} cannot be read: {e.strerror}") from None
    try:
        _check_regular(name, os.fstat(fd))
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES:  # a file that grows while read stops here
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        raise ModelFileError(f"{name!r} cannot be read: {e.strerror}") from None
    finally:
        os.close(fd)
    if size > MAX_FILE_BYTES:
        raise ModelFileError(f"{name!r} is more than {MAX_FILE_BYTES:,} bytes; a model file is "
                             f"at most {MAX_FILE_BYTES:,} bytes")
    return b"".join(chunks)


def folder_entries(folder: Path) -> list[tuple[str, os.stat_result]]:
    """Every file and folder under ``folder`` (links not followed), sorted, with its
    ``lstat``; a :class:`ModelError` past :data:`MAX_FOLDER_ENTRIES`."""
    found: list[tuple[str, os.stat_result]] = []
    for root, dirs, files in os.walk(folder):
        for entry in (*dirs, *files):
            path = os.path.join(root, entry)
            try:
                found.append((os.path.relpath(path, folder), os.lstat(path)))
            except OSError:
                continue  # removed while walking
        if len(found) > MAX_FOLDER_ENTRIES:
            raise ModelError(f"{folder}: holds more than {MAX_FOLDER_ENTRIES:,} files and "
                             "folders; a model folder holds only its own files")
    return sorted(found, key=lambda item: item[0])


def file_stamp(path: Path) -> tuple[int, ...] | None:
    """What changes when ``path`` is edited, replaced or touched; None when it is gone."""
    try:
        return stat_stamp(os.stat(path))
    except OSError:
        return None


def stat_stamp(info: os.stat_result) -> tuple[int, ...]:
    """The parts of ``info`` that change when its file is edited, replaced or touched."""
    return (info.st_mode, info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
