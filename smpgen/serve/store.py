"""The folder the editor serves: its profiles listed, read and saved, new ones made, and
nothing outside it touched.

A profile is named by a plain file name (:func:`checked_name`): no folder part, no
``..``, no hidden file, ending in ``.yaml`` or ``.yml``; the name must be a regular file
in the folder itself, never a link (checked with ``lstat`` and opened with
``O_NOFOLLOW``). A save is refused when the file changed since the page read it (the
page sends the SHA-256 of the bytes it was built from), and is written atomically by
:func:`smpgen.safefiles.write_new_file`.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
from dataclasses import dataclass
from pathlib import Path

from ..errors import SmpgenError, UserError, printable
from ..models import Model
from ..safefiles import lstat, write_new_file
from ..sourcefile import MAX_BYTES


class NotFound(UserError):
    """A name that is not a profile in the served folder (or may not be one)."""


class ChangedOnDisk(UserError):
    """The file changed on disk since the page read it."""


def checked_name(name: str) -> str:
    """``name`` if it can name a profile in the served folder: a plain ``*.yaml`` (or
    ``.yml``) file name, else :class:`NotFound` (nothing is looked up)."""
    if (not name.endswith((".yaml", ".yml")) or name.startswith(".") or ".." in name
            or any(c in name for c in "/\\\x00") or printable(name) != name
            or name != name.strip() or len(name.encode("utf-8", "replace")) > 255):
        raise NotFound(f"{printable(name)!r} is not a profile's file name here: give a name "
                       "such as riverton-mn.yaml, without a folder")
    return name


@dataclass(frozen=True, slots=True)
class ProfileFile:
    """A profile's bytes as read, and their SHA-256."""

    name: str
    path: Path
    raw: bytes

    @property
    def sha256(self) -> str:
        """The SHA-256 of the bytes: the page sends it back with a save."""
        return hashlib.sha256(self.raw).hexdigest()

    @property
    def text(self) -> str:
        """The bytes as text (a profile is UTF-8; a byte that is not reads as U+FFFD, and
        the loader names its line)."""
        return self.raw.decode("utf-8", "replace")


class Folder:
    """The served folder of profiles."""

    def __init__(self, root: Path) -> None:
        info = lstat(root)
        if info is None or not stat.S_ISDIR(os.stat(root).st_mode):
            raise UserError(f"{root}: no such folder; give the folder of profiles to edit "
                            "(city_profiles/ by default)")
        self.root = root
        """The folder as the user named it (messages show it so)."""
        self.real = root.resolve()
        self._saving = threading.Lock()

    def names(self) -> list[str]:
        """The profiles in the folder: regular ``*.yaml`` files (not links), by name."""
        out = []
        for entry in sorted(os.scandir(self.real), key=lambda e: e.name):
            try:
                name = checked_name(entry.name)
            except NotFound:
                continue
            if entry.is_file(follow_symlinks=False):
                out.append(name)
        return out

    def path(self, name: str) -> Path:
        """Where the profile ``name`` is, as the user would name it (for messages and the
        located problems)."""
        return self.root / checked_name(name)

    def read(self, name: str) -> ProfileFile:
        """The profile ``name``: a regular file in the folder, at most
        :data:`~smpgen.sourcefile.MAX_BYTES`, never read through a link."""
        path = self.path(name)
        real = self.real / name
        info = lstat(real)
        if info is None:
            raise NotFound(f"{path}: no such profile in {self.root}/")
        if not stat.S_ISREG(info.st_mode):
            raise NotFound(f"{path} is not a regular file (a link is not followed)")
        try:
            fd = os.open(real, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as e:
            raise NotFound(f"{path} cannot be read: {e.strerror}") from None
        with os.fdopen(fd, "rb") as f:
            if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                raise NotFound(f"{path} is not a regular file")
            raw = f.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise UserError(f"{path} is more than {MAX_BYTES:,} bytes; a profile is smaller")
        return ProfileFile(name, path, raw)

    def save(self, name: str, text: str, read_sha256: str) -> ProfileFile:
        """Write ``text`` as the profile ``name``, atomically, unless the file changed since
        the page read the bytes whose SHA-256 is ``read_sha256`` (:class:`ChangedOnDisk`)."""
        data = text.encode("utf-8")
        with self._saving:
            now = self.read(name)
            if now.sha256 != read_sha256:
                raise ChangedOnDisk(f"{now.path} changed on disk since this page loaded it, so "
                                    "it was not saved: your changes are still in the form. "
                                    "Copy what you need, then reload the page to edit the "
                                    "file as it is now.")
            if data != now.raw:
                write_new_file(self.real / name, data, replace=True)
        return ProfileFile(name, now.path, data)

    def create(self, name: str, model: Model, *, city: str, state: str) -> Path:
        """A new profile ``name`` as ``smpgen init`` writes it (and its schema beside it)."""
        from ..scaffold import init_profile

        checked_name(name)
        if lstat(self.real / name) is not None:
            raise UserError(f"{self.path(name)} already exists; choose another file name")
        try:
            init_profile(self.real / name, model, name=city, state=state)
        except SmpgenError as e:
            raise UserError(str(e).replace(str(self.real), str(self.root))) from None
        return self.path(name)


def suggested_name(city: str, state: str) -> str:
    """The file name ``smpgen init``'s examples use: ``riverton-mn.yaml``."""
    stem = "-".join("".join(c if c.isalnum() else " " for c in f"{city} {state}".lower()).split())
    return f"{stem or 'city'}.yaml"

