"""smpgen's records in an output folder: the manifest (what smpgen wrote there, each file's
SHA-256, each job's input fingerprint and warnings) and a job's journal (the new files it
is putting in place). Both are read with a size limit, never through a link, and a
damaged one is a clear error."""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import OutputError
from .safefiles import kind, lstat
from .version import __version__

MANIFEST = ".smpgen-manifest.json"

JOURNAL = ".smpgen-journal.json"

MAX_MANIFEST_BYTES = 10_000_000
"""A manifest lists a few dozen files; anything this large was not written by smpgen."""

Warning_ = tuple[int, str, str]
"""A recorded warning: line, field and message (the profile's path is the caller's)."""

def stamp(info: os.stat_result) -> tuple[int, ...]:
    """What tells a file unchanged without reading it, as git does: size, modification
    and change times, and inode (an edit that keeps the size and the modification time
    still changes the change time)."""
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def sha256(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    return hashlib.sha256(data).hexdigest()

@dataclass(slots=True)
class Job:
    """What the manifest remembers of one job."""

    inputs: str
    """The fingerprint of everything the job's output depends on."""
    files: list[str]
    """The job's files, in output order."""
    warnings: list[Warning_] = field(default_factory=list)
    """The warnings the job gave, shown again when it is skipped."""

@dataclass(slots=True)
class Manifest:
    """What smpgen wrote into one output folder."""

    files: dict[str, str] = field(default_factory=dict)
    """File name to SHA-256 of what smpgen last wrote."""
    stat: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """File name to its :func:`stamp` just after writing."""
    jobs: dict[str, Job] = field(default_factory=dict)
    """Job name (e.g. ``render council docx,pdf``) to what it depended on and wrote."""

    def to_json(self) -> bytes:
        data = {"smpgen": __version__, "files": self.files,
                "stat": {k: list(v) for k, v in self.stat.items()},
                "jobs": {k: {"inputs": j.inputs, "files": j.files,
                             "warnings": [list(w) for w in j.warnings]}
                         for k, j in self.jobs.items()}}
        return (json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()

def read_manifest(path: Path) -> Manifest:
    """The folder's manifest (empty when there is none); a damaged one is an error."""
    raw = read_record(path / MANIFEST)
    if raw is None:
        return Manifest()
    try:
        return _parse(json.loads(raw.decode("utf-8")))
    except (ValueError, TypeError, KeyError, RecursionError) as e:
        raise OutputError(f"{path / MANIFEST} is damaged ({why(e)}), so smpgen cannot tell "
                          "which files here it wrote. Delete it and run again with --force "
                          "(every file already there is kept as a .bak copy)") from None

def why(e: Exception) -> str:
    return "nested too deeply" if isinstance(e, RecursionError) else str(e).split("\n")[0]

def _parse(data: Any) -> Manifest:
    def mapping(value: Any, what: str) -> dict[Any, Any]:
        if not isinstance(value, dict):
            raise TypeError(f"{what} is not a mapping")
        return value

    def text(value: Any, what: str) -> str:
        if not isinstance(value, str):
            raise TypeError(f"{what} is not text")
        return value

    def integer(value: Any, what: str) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"{what} is not a number")
        return value

    data = mapping(data, "the whole")
    out = Manifest()
    for name, digest in mapping(data.get("files", {}), "files").items():
        out.files[check_name(name)] = text(digest, f"files.{name}")
    for name, pair in mapping(data.get("stat", {}), "stat").items():
        if not isinstance(pair, list) or len(pair) > 4:
            raise TypeError(f"stat.{name} is not a file's stamp")
        out.stat[name] = tuple(integer(n, f"stat.{name}") for n in pair)
    for name, entry in mapping(data.get("jobs", {}), "jobs").items():
        entry = mapping(entry, f"jobs.{name}")
        files = entry.get("files")
        if not isinstance(files, list):
            raise TypeError(f"jobs.{name}.files is not a list")
        warnings = entry.get("warnings", [])
        if not isinstance(warnings, list) or not all(
                isinstance(w, list) and len(w) == 3 for w in warnings):
            raise TypeError(f"jobs.{name}.warnings is not a list of warnings")
        out.jobs[text(name, "a job name")] = Job(
            text(entry.get("inputs"), f"jobs.{name}.inputs"),
            [check_name(text(f, f"jobs.{name}.files")) for f in files],
            [(integer(w[0], "a warning's line"), text(w[1], "a warning's field"),
              text(w[2], "a warning's message")) for w in warnings])
    return out

def read_record(path: Path) -> bytes | None:
    """The bytes of one of smpgen's own bookkeeping files, None if absent; refuses a link,
    a device or anything oversized instead of reading through or from it."""
    info = lstat(path)
    if info is None:
        return None
    if not stat.S_ISREG(info.st_mode):
        raise OutputError(f"{path} is {kind(info)}; smpgen keeps its own records there. "
                          "Remove it and run again with --force")
    if info.st_size > MAX_MANIFEST_BYTES:
        raise OutputError(f"{path} is {info.st_size:,} bytes, far more than smpgen writes; "
                          "delete it and run again with --force")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            return f.read(MAX_MANIFEST_BYTES + 1)
    except OSError as e:
        raise OutputError(f"cannot read {path}: {e.strerror}") from None

def check_name(name: str) -> str:
    """``name`` if it is a plain file name smpgen may own (never a path or a hidden name)."""
    if not name or name.startswith(".") or "/" in name or "\0" in name or name != name.strip():
        raise ValueError(f"{name!r} is not a file name smpgen writes")
    return name
