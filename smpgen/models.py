"""Finding and loading models: template folders with a ``model.yaml`` manifest, checked
in full when loaded (:mod:`smpgen.modelmanifest`); and each model's digest. Which files a
model may read, and how their changes are noticed, is :mod:`smpgen.modelfiles`."""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import ModelError, ModelFileError, ModelManifestError, Problem, ProfileError
from .modelfiles import folder_entries, model_file, read_model_bytes, stat_stamp
from .modelmanifest import (
    ID,
    MANIFEST,
    VARIANT_FOLDER,
    VariantSpec,
    check_manifest,
    check_variant,
)
from .modelmanifest import Model as Model  # where every stage imports it from
from .sourcefile import load_yaml

_FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

DEFAULT_MODEL = "city-social-media"
"""The model a profile uses when it names none."""


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


RELEASES = "releases"
"""The folder inside a model that keeps each earlier release whole, by version."""


def get_model(model_id: str, local_dir: Path | None = Path("templates"),
              version: str | None = None) -> Model:
    """The model with ``model_id`` (at ``version``, an earlier release kept in its
    ``releases/`` folder, when given), or a :class:`ModelError` listing the ones there are.

    Only the chosen model's manifest is checked in full, so a broken variant elsewhere in
    the templates folder does not stop the others from rendering.
    """
    ids: dict[str, tuple[Path, str]] = {}
    for folder, origin in _folders(local_dir):
        ids[_declared_id(folder) or folder.name] = (folder, origin)
    if model_id not in ids:
        have = ", ".join(sorted(ids)) or "none"
        raise ModelError(f"no model {model_id!r}; available: {have} (see 'smpgen models')")
    model = load_model(*ids[model_id])
    if version is None or version == model.version:
        return model
    folder = model.path / RELEASES / version
    if not (folder / MANIFEST).is_file() or "/" in version or version.startswith("."):
        have = ", ".join(sorted([model.version, *releases(model)])) or model.version
        raise ModelError(f"model {model_id!r} has no release {version!r}; it has {have}")
    release = load_model(folder, ids[model_id][1])
    if release.id != model.id or release.version != version:
        raise ModelError(f"{folder / MANIFEST}: declares {release.id} {release.version}, "
                         f"not {model.id} {version}")
    return release


def releases(model: Model) -> list[str]:
    """The versions of ``model`` kept in its ``releases/`` folder."""
    folder = model.path / RELEASES
    if not folder.is_dir():
        return []
    return sorted(p.parent.name for p in folder.glob(f"*/{MANIFEST}"))


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
                return found if isinstance(found, str) and ID.match(found) else None
            if is_key:
                under_id = isinstance(event, yaml.ScalarEvent) and event.value == "id"
            is_key = not is_key
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
    return None


MAX_CHAIN = 8
"""The most models one variant may stand on (a variant of a variant of ...)."""


def load_model(folder: Path, origin: str = "local", _chain: tuple[Path, ...] = ()) -> Model:
    """Load and check ``folder/model.yaml``; a :class:`ModelManifestError` reports every
    problem with file and line.

    Loaded once per version of the folder: editing, adding or removing any file in it
    (a section, model.yaml, a summary part) loads the model afresh, so a long-lived
    process renders what is on disk now. A variant (``extends:``) is put together again
    whenever the model it extends changes, so it inherits every later change.
    """
    folder = folder.resolve()
    stamp = tuple((name, *stat_stamp(info)) for name, info in folder_entries(folder))
    loaded = _load_model(folder, origin, stamp)
    if isinstance(loaded, Model):
        return loaded
    if folder in _chain or len(_chain) >= MAX_CHAIN:
        raise ModelManifestError("invalid model manifest", [Problem(
            loaded.path, loaded.lines.get(("extends",), 1), "extends",
            "the models extend one another in a loop (or more than "
            f"{MAX_CHAIN} deep)")])
    parent_folder = _find(loaded.extends, folder.parent)
    if parent_folder is None:
        raise ModelManifestError("invalid model manifest", [Problem(
            loaded.path, loaded.lines.get(("extends",), 1), "extends",
            f"no model {loaded.extends!r} to extend (see 'smpgen models')")])
    parent = load_model(*parent_folder, _chain=(*_chain, folder))
    return _variant(loaded, parent)


def _find(model_id: str, local_dir: Path) -> tuple[Path, str] | None:
    """The folder of the model ``model_id`` among the shipped ones and ``local_dir``'s."""
    ids = {(_declared_id(f) or f.name): (f, o) for f, o in _folders(local_dir)}
    return ids.get(model_id)


@lru_cache(maxsize=64)
def _variant(spec: VariantSpec, parent: Model) -> Model:
    """``parent`` changed by the variant ``spec``: its own identity (its league edition's
    over the parent's), its extra variables, and its customization layered on the
    parent's."""
    from .customize import load_folder

    taken = {v.key for v in parent.variables}
    clash = [v.key for v in spec.variables if v.key in taken]
    problems = [Problem(spec.path, spec.lines.get(("variables", key), 1), f"variables.{key}",
                        f"{key} is declared by {parent.id}, the model this one extends")
                for key in clash]
    try:
        layer = load_folder(spec.folder / VARIANT_FOLDER, parent.section_ids())
    except ProfileError as e:
        problems += e.problems
        layer = None
    if problems:
        raise ModelManifestError("invalid model manifest", problems)
    return replace(parent, id=spec.id, title=spec.title or parent.title, version=spec.version,
                   publisher=spec.publisher, description=spec.description or parent.description,
                   origin=spec.origin, variables=parent.variables + spec.variables,
                   layers=parent.layers + ((layer,) if layer else ()), home=spec.folder,
                   extends=parent.id, edition=spec.edition.over(parent.edition))


@lru_cache(maxsize=64)
def _load_model(folder: Path, origin: str, _version: tuple[Any, ...]) -> Model | VariantSpec:
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
    if "extends" in source.data:
        return check_variant(source, folder, origin)
    return check_manifest(source, folder, origin)


@lru_cache(maxsize=64)
def model_digest(model: Model) -> str:
    """SHA-256 over every file of the model's folder: changes when any template changes.

    Regular files count by their bytes, links by where they point; pipes, devices and
    the like are left out (they are never read). A new version of the folder is a new
    :class:`Model` (see :func:`load_model`), so the cache follows the files.
    """
    digest = hashlib.sha256()
    digest.update(f"{model.id}\0{model.version}\0{model.publisher}\0".encode())
    for layer in model.layers:
        digest.update(layer.digest.encode() + b"\0")
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
