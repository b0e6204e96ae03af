"""Finding and loading models: template folders with a ``model.yaml`` manifest, checked
in full when loaded; and each model's digest. Which files a model may read, and how
their changes are noticed, is :mod:`smpgen.modelfiles`."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import ModelError, ModelFileError, ModelManifestError, Problem, ProfileError
from .modelfiles import folder_entries, model_file, read_model_bytes, stat_stamp
from .sourcefile import dotted, load_yaml
from .variables import DeclarationError, Variable, parse_group

_FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DEFAULT_MODEL = "city-social-media"
"""The model a profile uses when it names none."""

MANIFEST = "model.yaml"
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_PROVISION = re.compile(r"^[PN]\d\d$")


@dataclass(frozen=True, slots=True)
class SectionSpec:
    """One top-level section of a model, in order."""

    id: str
    """Stable id used by cross-references, e.g. ``comment-removal``."""
    title: str
    """Heading text."""
    source: str
    """Jinja+Markdown file, relative to the model folder."""
    covers: tuple[str, ...]
    """Provision ids from PROVISIONS.md that this section covers."""
    include_if: str | None
    """Dotted name of a boolean variable that switches the section on; None: always on."""


@dataclass(frozen=True, slots=True, eq=False)
class Model:
    """A loaded model manifest (compared by identity: each version of a folder is loaded
    once, see :func:`load_model`)."""

    id: str
    """Stable id a profile names in ``model:``."""
    title: str
    """The policy's title, e.g. ``Social Media Policy``."""
    version: str
    """The model's own version, printed on every rendering."""
    publisher: str
    """Who publishes the model."""
    description: str
    """One paragraph for ``smpgen models``."""
    path: Path
    """The model's folder."""
    origin: str
    """``shipped`` (inside smpgen) or ``local`` (a templates/ folder of the user's)."""
    variables: tuple[Variable, ...]
    """The model's own profile fields (smpgen adds the core ones)."""
    sections: tuple[SectionSpec, ...]
    """Sections in document order."""
    front_note: str | None
    """Markdown file with the drafter's note that opens the model edition."""
    tracking_form: dict[str, str]
    """Which variables feed the removed-comments tracking form: ``accounts``,
    ``categories``, ``coordinator`` and ``retention``, each a dotted variable name."""
    summary: dict[str, str]
    """Markdown files drafting the executive summary's ``recommended_action``,
    ``background`` and ``recommendation``."""

    def section(self, section_id: str) -> SectionSpec:
        """The section with ``section_id``."""
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)


def shipped_dir() -> Path:
    """Where smpgen's own models are: inside the installed package, or the checkout's templates/."""
    packaged = Path(str(resources.files("smpgen"))) / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def _folders(local_dir: Path | None) -> list[tuple[Path, str]]:
    """Model folders, shipped first, then the user's own."""
    roots = [(shipped_dir(), "shipped")]
    if local_dir is not None and local_dir.is_dir() and \
            local_dir.resolve() != shipped_dir().resolve():
        roots.append((local_dir, "local"))
    return [(manifest.parent, origin) for root, origin in roots
            for manifest in sorted(root.glob(f"*/{MANIFEST}"))]


def find_models(local_dir: Path | None = Path("templates")) -> tuple[list[Model], list[Problem]]:
    """Every model that loads: shipped ones first, then those in ``local_dir`` (which win
    on the same id); and every located problem of the model folders that do not load, so
    one broken model hides none of the others."""
    found: dict[str, Model] = {}
    problems: list[Problem] = []
    for folder, origin in _folders(local_dir):
        try:
            model = load_model(folder, origin)
        except ModelManifestError as e:
            problems += e.problems
            continue
        except ModelError as e:  # the folder itself, e.g. one holding too many files
            problems.append(Problem(folder.resolve() / MANIFEST, 1, "", str(e)))
            continue
        found[model.id] = model
    return list(found.values()), problems


def get_model(model_id: str, local_dir: Path | None = Path("templates")) -> Model:
    """The model with ``model_id``, or a :class:`ModelError` listing the ones there are.

    Only the chosen model's manifest is checked in full, so a broken variant elsewhere in
    the templates folder does not stop the others from rendering.
    """
    ids: dict[str, tuple[Path, str]] = {}
    for folder, origin in _folders(local_dir):
        ids[_declared_id(folder) or folder.name] = (folder, origin)
    if model_id not in ids:
        have = ", ".join(sorted(ids)) or "none"
        raise ModelError(f"no model {model_id!r}; available: {have} (see 'smpgen models')")
    return load_model(*ids[model_id])


def _declared_id(folder: Path) -> str | None:
    try:
        manifest = model_file(folder.resolve(), MANIFEST)
        stamp = stat_stamp(os.stat(manifest))
    except (ModelError, OSError):
        return None
    return _declared_id_at(manifest, stamp)


@lru_cache(maxsize=256)
def _declared_id_at(manifest: Path, _version: tuple[int, ...]) -> str | None:
    # Cached per manifest version: a batch asks once per profile. Only the top-level
    # ``id`` is wanted, so the manifest is read as a stream of events and nothing is
    # built: an alias bomb or deep nesting in a model nobody chose costs one read.
    try:
        text = read_model_bytes(manifest, MANIFEST).decode("utf-8")
        return _top_level_id(yaml.parse(text, Loader=_FastLoader))
    except (ModelError, OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def _top_level_id(events: Iterator[yaml.Event]) -> str | None:
    """The plain scalar under the top-level ``id`` key, or None."""
    depth = 0
    is_key = True  # at depth 1, nodes alternate: key, value, key, value...
    under_id = False
    for event in events:
        if isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            if depth == 0:
                return None
            continue
        if not isinstance(event, yaml.NodeEvent):
            continue  # stream and document starts
        if depth == 0 and not isinstance(event, yaml.MappingStartEvent):
            return None
        if depth == 1:
            if under_id:
                found = event.value if isinstance(event, yaml.ScalarEvent) else None
                return found if isinstance(found, str) and _ID.match(found) else None
            if is_key:
                under_id = isinstance(event, yaml.ScalarEvent) and event.value == "id"
            is_key = not is_key
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
    return None


def load_model(folder: Path, origin: str = "local") -> Model:
    """Load and check ``folder/model.yaml``; a :class:`ModelManifestError` reports every
    problem with file and line.

    Loaded once per version of the folder: editing, adding or removing any file in it
    (a section, model.yaml, a summary part) loads the model afresh, so a long-lived
    process renders what is on disk now.
    """
    folder = folder.resolve()
    stamp = tuple((name, *stat_stamp(info)) for name, info in folder_entries(folder))
    return _load_model(folder, origin, stamp)


@lru_cache(maxsize=64)
def _load_model(folder: Path, origin: str, _version: tuple[Any, ...]) -> Model:
    path = folder / MANIFEST
    unreadable = f"model {folder.name}: invalid manifest"
    try:
        source = load_yaml(model_file(folder, MANIFEST))
    except ModelFileError as e:
        raise ModelManifestError(unreadable, [Problem(path, 1, "", str(e))]) from None
    except ProfileError as e:
        raise ModelManifestError(unreadable, e.problems) from None
    except RecursionError:  # should the YAML reader ever recurse once per level again
        raise ModelManifestError(
            unreadable, [Problem(path, 1, "", "nests lists or mappings too deeply")]) from None
    raw = source.data
    problems: list[Problem] = []

    def problem(loc: tuple[str | int, ...], message: str) -> None:
        problems.append(Problem(path, source.line_of(loc), dotted(loc), message))

    for key in ("id", "title", "version", "publisher", "sections", "variables"):
        if key not in raw:
            problem((), f"missing '{key}'")
    if problems:
        raise ModelManifestError("invalid model manifest", problems)
    model_id = str(raw["id"])
    if not _ID.match(model_id):
        problem(("id",), "an id uses lower-case letters, digits and hyphens")
    variables: tuple[Variable, ...] = ()
    try:
        variables = parse_group(raw["variables"], "", ("variables",))
    except DeclarationError as e:
        problem(e.loc, str(e))
    sections = _sections(raw["sections"], folder, variables, problem)
    front_note = raw.get("front_note")
    if front_note is not None:
        _check_file(folder, str(front_note), ("front_note",), problem)
    names = {v.name: v for top in variables for v in top.walk()}
    tracking_form = _mapping(raw, "tracking_form", FORM_KEYS, problem)
    for key, name in tracking_form.items():
        if name not in names:
            problem(("tracking_form", key), f"{name!r} is not a variable of this model")
    summary = _mapping(raw, "council_summary", SUMMARY_KEYS, problem)
    for key, file in summary.items():
        _check_file(folder, file, ("council_summary", key), problem)
    if problems:
        raise ModelManifestError("invalid model manifest", problems)
    return Model(
        id=model_id,
        title=str(raw["title"]),
        version=str(raw["version"]),
        publisher=str(raw["publisher"]),
        description=str(raw.get("description", "")).strip(),
        path=folder,
        origin=origin,
        variables=variables,
        sections=sections,
        front_note=str(front_note) if front_note is not None else None,
        tracking_form=tracking_form,
        summary=summary,
    )


def _check_file(folder: Path, name: str, loc: tuple[str | int, ...], problem: Any) -> None:
    """Report at ``loc`` a file the manifest names that the model may not read."""
    try:
        model_file(folder, name)
    except ModelFileError as e:
        problem(loc, str(e))


FORM_KEYS = ("accounts", "categories", "coordinator", "retention")
SUMMARY_KEYS = ("recommended_action", "background", "recommendation")


def _mapping(raw: dict[str, Any], key: str, allowed: tuple[str, ...], problem: Any) -> dict[str, str]:
    value = raw.get(key) or {}
    if not isinstance(value, dict):
        problem((key,), "expected a mapping")
        return {}
    for k in value:
        if k not in allowed:
            problem((key, k), f"unknown key; expected one of: {', '.join(allowed)}")
    return {str(k): str(v) for k, v in value.items() if k in allowed}


def _sections(raw: Any, folder: Path, variables: tuple[Variable, ...],
              problem: Any) -> tuple[SectionSpec, ...]:
    if not isinstance(raw, list) or not raw:
        problem(("sections",), "expected a list of sections")
        return ()
    booleans = {v.name for top in variables for v in top.walk() if v.type == "boolean"}
    out: list[SectionSpec] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        loc = ("sections", i)
        if not isinstance(entry, dict) or not {"id", "title", "source"} <= set(entry):
            problem(loc, "a section has id, title and source")
            continue
        sid = str(entry["id"])
        if not _ID.match(sid) or sid in seen:
            problem((*loc, "id"), f"section id {sid!r} must be unique, lower-case and hyphenated")
        seen.add(sid)
        source = str(entry["source"])
        _check_file(folder, source, (*loc, "source"), problem)
        covers = tuple(str(c) for c in entry.get("covers", ()))
        for c in covers:
            if not _PROVISION.match(c):
                problem((*loc, "covers"), f"{c!r} is not a provision id like P05 or N01")
        include_if = entry.get("include_if")
        if include_if is not None and include_if not in booleans:
            problem((*loc, "include_if"), f"{include_if!r} is not a boolean variable of this model")
        out.append(SectionSpec(sid, str(entry["title"]), source, covers,
                               str(include_if) if include_if is not None else None))
    return tuple(out)


@lru_cache(maxsize=64)
def model_digest(model: Model) -> str:
    """SHA-256 over every file of the model's folder: changes when any template changes.

    Regular files count by their bytes, links by where they point; pipes, devices and
    the like are left out (they are never read). A new version of the folder is a new
    :class:`Model` (see :func:`load_model`), so the cache follows the files.
    """
    digest = hashlib.sha256()
    for name, info in folder_entries(model.path):
        path = model.path / name
        if stat.S_ISLNK(info.st_mode):
            digest.update(f"{name} -> {os.readlink(path)}".encode() + b"\0")
        elif stat.S_ISREG(info.st_mode):
            digest.update(name.encode() + b"\0")
            _hash_file(digest, path)
    return digest.hexdigest()


def _hash_file(digest: Any, path: Path) -> None:
    # In pieces: a big file that no template reads still costs no memory.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        digest.update(b"\1")
        return
    with os.fdopen(fd, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 16), b""):
            digest.update(chunk)
    digest.update(b"\0")
