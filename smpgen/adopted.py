"""The policy in force: when a city records an adoption, smpgen keeps the text adopted.

Rendering a profile whose policy is adopted (``document.adoption`` filled in, and the
status adopted) keeps its inputs as they were that day in
``city_profiles/<name>.adopted/<adoption date>/``: a copy of the profile, of its
customization folder, and ``kept.yaml`` naming the release of the model it was rendered
on. Releases are kept whole (``releases/<version>/``), so these inputs make the adopted
text again, byte for byte, whatever changes later. A kept version is never rewritten: the
first render after an adoption keeps it, and an amendment's adoption (a new date) keeps
the next. ``smpgen redline --against adopted`` and ``smpgen packet --redline`` mark an
amendment's changes against the latest.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

import yaml

from .customize import CHANGES, MAX_FILES, folder_of
from .document import policy_status
from .errors import OutputError, Problem, SmpgenError, UserError
from .profile import Profile, load_profile
from .safefiles import fsync_folder, lstat, write_new

SUFFIX = ".adopted"
"""The folder of a city's kept versions is the profile's name with this ending."""
META = "kept.yaml"
"""What a kept version records besides its inputs."""


@dataclass(frozen=True, slots=True)
class Kept:
    """One adopted version kept for a city."""

    folder: Path
    adopted: dt.date
    profile: Path
    """The copy of the profile (its customization folder beside it)."""
    model_version: str


def folder(profile: Path) -> Path:
    """Where the adopted versions of the profile at ``profile`` are kept."""
    return profile.with_name(profile.stem + SUFFIX)


def same_text(profile: Profile, kept: Kept) -> bool:
    """Whether ``profile`` makes the text kept in ``kept``: the same values as written
    (comments and layout of the profile do not count), the same customization and the
    same release of the model."""
    from .customize import folder_digest
    from .sourcefile import load_yaml

    try:
        old = load_yaml(kept.profile).data
    except SmpgenError:
        return False
    new = load_yaml(profile.path).data
    old_custom = folder_digest(kept.profile)
    return (kept.model_version == profile.model.version
            and _without_version(old) == _without_version(new)
            and old_custom == (profile.custom.digest if profile.custom else ""))


def _without_version(data: object) -> object:
    return {k: v for k, v in data.items() if k != "model_version"} \
        if isinstance(data, dict) else data


def keep(profile: Profile) -> Path | None:
    """Keep the inputs of ``profile``'s policy when it is adopted and no version adopted
    that day is kept yet; the new folder, or None when nothing was kept. Nothing is kept
    if the profile changed on disk since it was loaded (the copy would not be what was
    rendered)."""
    if profile.missing or policy_status(profile) != "adopted":
        return None
    adopted: dt.date = profile.values["document"]["adoption"]["adopted"]
    home = folder(profile.path)
    target = home / adopted.isoformat()
    if lstat(target) is not None:
        return None
    data = profile.path.read_bytes()
    if hashlib.sha256(data).hexdigest() != profile.sha256:
        return None
    _make_folder(home)
    staging = home / f".{adopted.isoformat()}.{os.getpid()}.part"
    try:
        os.mkdir(staging, 0o755)
        write_new(staging / profile.path.name, data)
        custom = folder_of(profile.path)
        if profile.custom is not None:
            os.mkdir(staging / custom.name, 0o755)
            for name in _custom_files(custom):
                write_new(staging / custom.name / name, (custom / name).read_bytes())
        adoption = profile.values["document"]["adoption"]
        meta = {"model": profile.model.id, "model_version": profile.model.version,
                "resolution": str(adoption["resolution"]), "adopted": adopted,
                "effective": adoption["effective"]}
        header = (f"# Kept by smpgen: the inputs of the policy adopted {adopted.isoformat()}."
                  "\n# Do not edit; smpgen redline --against adopted reads them.\n")
        write_new(staging / META, (header + yaml.safe_dump(meta, sort_keys=False)).encode())
        os.rename(staging, target)  # a folder that appeared meanwhile is left alone
        fsync_folder(home)
    except OSError as e:
        if e.errno in (errno.EEXIST, errno.ENOTEMPTY):
            return None  # another render kept this version meanwhile: its copy stays
        raise OutputError(f"cannot keep the adopted version in {target}: "
                          f"{e.strerror or e}") from None
    finally:
        if lstat(staging) is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return target


def latest(profile: Path) -> Kept | None:
    """The latest adopted version kept for the profile at ``profile``, or None."""
    home = folder(profile)
    info = lstat(home)
    if info is None or not stat.S_ISDIR(info.st_mode):
        return None
    dates = []
    for name in os.listdir(home):
        try:
            dates.append(dt.date.fromisoformat(name))
        except ValueError:
            continue
    for day in sorted(dates, reverse=True):
        kept = _read(home / day.isoformat(), profile.name, day)
        if kept is not None:
            return kept
    return None


def load_latest(profile: Path, templates: Path | None) -> tuple[Kept, Profile]:
    """The latest adopted version of the profile at ``profile``, loaded on the release
    it was adopted on; a :class:`UserError` when none is kept."""
    kept = latest(profile)
    if kept is None:
        raise UserError(f"{profile}: no adopted version of this policy is kept (smpgen keeps "
                        f"one in {folder(profile)}/ when it renders the profile with its "
                        "adoption recorded in document.adoption); redline against the model "
                        "instead")
    return kept, load_profile(kept.profile, templates=templates,
                              model_version=kept.model_version)


def drift(profile: Profile) -> Problem | None:
    """A warning when an adopted profile's text is no longer the one kept for its
    adoption: an amendment needs its own adoption recorded."""
    if policy_status(profile) != "adopted":
        return None
    adopted: dt.date = profile.values["document"]["adoption"]["adopted"]
    kept = latest(profile.path)
    if kept is None or kept.adopted != adopted or same_text(profile, kept):
        return None
    return Problem(profile.path, profile.line_of(("document", "adoption", "adopted")),
                   "document.adoption.adopted",
                   f"the policy's text is not the one adopted {adopted.isoformat()} (kept in "
                   f"{kept.folder}); an amendment prints as adopted only once its own "
                   "resolution and dates are recorded here (smpgen redline --against adopted "
                   "shows what changed)")


def _custom_files(custom: Path) -> list[str]:
    names = sorted(os.listdir(custom))[:MAX_FILES]
    return [n for n in names if (n == CHANGES or n.endswith(".md"))
            and stat.S_ISREG(os.lstat(custom / n).st_mode)]


def _make_folder(home: Path) -> None:
    info = lstat(home)
    if info is None:
        with contextlib.suppress(FileExistsError):
            os.mkdir(home, 0o755)
        info = lstat(home)
    if info is None or not stat.S_ISDIR(info.st_mode):
        raise OutputError(f"{home} is not a folder (a link is not followed); smpgen keeps the "
                          "adopted versions of the policy there: move it away")


def _read(where: Path, name: str, day: dt.date) -> Kept | None:
    info, meta_info = lstat(where), lstat(where / META)
    if info is None or not stat.S_ISDIR(info.st_mode) or meta_info is None \
            or not stat.S_ISREG(meta_info.st_mode):
        return None
    try:
        meta = yaml.safe_load((where / META).read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    if not isinstance(meta, dict) or not isinstance(meta.get("model_version"), str):
        return None
    return Kept(where, day, where / name, meta["model_version"])
