"""Writing a city's customization folder (``<profile>.custom/``) as one change that can be
put back: each file written atomically (:func:`smpgen.safefiles.write_new_file`), never
read or written through a link, its bytes before the change kept so :meth:`Writes.undo`
restores them when the change fails its check. ``customize.yaml`` is edited through
ruamel.yaml's round trip, as ``smpgen upgrade`` and ``smpgen import`` write it, so the
person's comments and layout are kept.
"""

from __future__ import annotations

import contextlib
import io
import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .customize import CHANGES
from .errors import UserError
from .safefiles import lstat, write_new_file
from .sourcefile import MAX_BYTES


class Writes:
    """The files one change writes in a customization folder, and how to put them back."""

    def __init__(self, folder: Path, shown: Path) -> None:
        """Writes into ``folder`` (its real path); ``shown`` names it in messages."""
        self.folder = folder
        self.shown = shown
        self.before: dict[str, bytes | None] = {}
        """Each file written, with its bytes before the change (None: it was not there)."""
        self.made = False
        """The change made the folder."""

    @property
    def nothing(self) -> bool:
        """No file was written."""
        return not self.before and not self.made

    def read(self, name: str) -> bytes | None:
        """The bytes of ``name`` in the folder (None when it is not there), never through
        a link."""
        path = self.folder / name
        info = lstat(path)
        if info is None:
            return None
        if not stat.S_ISREG(info.st_mode):
            raise UserError(f"{self.shown / name} is not a regular file (a link is not "
                            "followed); nothing was changed")
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            data = f.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise UserError(f"{self.shown / name} is more than {MAX_BYTES:,} bytes")
        return data

    def write(self, name: str, data: bytes | None) -> None:
        """``name`` holding ``data`` (removed for None), atomically; unchanged bytes are
        not written."""
        current = self.read(name)
        if current == data:
            return
        if data is not None and not self.made and lstat(self.folder) is None:
            os.mkdir(self.folder, 0o755)
            self.made = True
        info = lstat(self.folder)
        if info is None or not stat.S_ISDIR(info.st_mode):
            raise UserError(f"{self.shown} is not a folder (a link is not followed); "
                            "nothing was changed")
        self.before.setdefault(name, current)
        if data is None:
            (self.folder / name).unlink()
        else:
            write_new_file(self.folder / name, data, replace=True)

    def undo(self) -> None:
        """Every file as it was before this change."""
        for name, data in reversed(self.before.items()):
            if data is None:
                (self.folder / name).unlink(missing_ok=True)
            else:
                write_new_file(self.folder / name, data, replace=True)
        self.before.clear()
        if self.made:
            self._tidy()

    def finish(self) -> None:
        """The folder goes when this change left nothing in it."""
        if self.before and lstat(self.folder) is not None and not os.listdir(self.folder):
            self._tidy()

    def _tidy(self) -> None:
        with contextlib.suppress(OSError):  # not empty, or not there
            os.rmdir(self.folder)


def edited_changes(writes: Writes, edit: Callable[[Any], None]) -> None:
    """``customize.yaml`` with ``edit`` made to its mapping, comments and layout kept
    (ruamel.yaml's round trip); removed once nothing is left in it."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    raw = writes.read(CHANGES)
    yaml = YAML()
    yaml.width = 4096  # never fold the person's lines
    yaml.preserve_quotes = True
    try:
        data = yaml.load(raw.decode("utf-8")) if raw else None
    except Exception as e:  # ruamel's own errors, or a file not UTF-8
        raise UserError(f"{writes.shown / CHANGES} cannot be read ({type(e).__name__}); "
                        "fix it in a text editor first") from None
    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise UserError(f"{writes.shown / CHANGES}: is not a mapping of sections: and "
                        "clauses:; fix it in a text editor first")
    for group in ("sections", "clauses"):
        if group in data and not isinstance(data[group], CommentedMap):
            if data[group]:
                raise UserError(f"{writes.shown / CHANGES}: {group}: is not a mapping; fix "
                                "it in a text editor first")
            data[group] = CommentedMap()
    edit(data)
    for group in ("sections", "clauses"):
        if group in data and not data[group]:
            del data[group]
    if not data:
        writes.write(CHANGES, None)
        return
    buf = io.StringIO()
    yaml.dump(data, buf)
    writes.write(CHANGES, buf.getvalue().encode("utf-8"))


def entry(data: Any, group: str, item: str) -> Any:
    """The entry of ``item`` under ``group`` (``sections`` or ``clauses``) of the loaded
    ``customize.yaml``, made (with its group) when it is not there."""
    from ruamel.yaml.comments import CommentedMap

    if group not in data:
        data[group] = CommentedMap()
    if not isinstance(data[group].get(item), CommentedMap):
        data[group][item] = CommentedMap()
    return data[group][item]


def forget(data: Any, group: str, item: str, keys: tuple[str, ...] | None = None) -> None:
    """Take ``keys`` (all, for None) out of an entry, and the entry once it is empty."""
    entries = data.get(group)
    found = entries.get(item) if entries is not None else None
    if found is None:
        return
    if keys is not None and hasattr(found, "pop"):
        for key in keys:
            found.pop(key, None)
    if keys is None or not found:
        del entries[item]


def set_why(found: Any, why: str) -> None:
    """An entry's ``why:`` set to ``why``, or taken out when it is empty."""
    if why:
        found["why"] = why
    else:
        found.pop("why", None)
