"""Finding and loading models: template folders with a ``model.yaml`` manifest."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from .errors import ModelError, Problem, ProfileError
from .sourcefile import load_yaml
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
    """A loaded model manifest (compared by identity: each folder is loaded once)."""

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


def find_models(local_dir: Path | None = Path("templates")) -> list[Model]:
    """Every model: shipped ones first, then those in ``local_dir`` (which win on the same id)."""
    found: dict[str, Model] = {}
    for folder, origin in _folders(local_dir):
        model = load_model(folder, origin)
        found[model.id] = model
    return list(found.values())


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
        stamp = (folder / MANIFEST).stat().st_mtime_ns
    except OSError:
        return None
    return _declared_id_at(folder, stamp)


@cache
def _declared_id_at(folder: Path, _stamp: int) -> str | None:
    # Cached per manifest version: a batch asks once per profile.
    try:
        raw = yaml.load((folder / MANIFEST).read_text("utf-8"), Loader=_FastLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return str(raw["id"]) if isinstance(raw, dict) and "id" in raw else None


def load_model(folder: Path, origin: str = "local") -> Model:
    """Load and check ``folder/model.yaml``; problems are reported with file and line."""
    return _load_model(folder.resolve(), origin)


@cache
def _load_model(folder: Path, origin: str) -> Model:
    path = folder / MANIFEST
    try:
        source = load_yaml(path)
    except ProfileError as e:
        raise ModelError(f"model {folder.name}: invalid manifest\n{e}") from None
    raw = source.data
    problems: list[Problem] = []

    def problem(loc: tuple[str | int, ...], message: str) -> None:
        problems.append(Problem(path, source.line_of(loc), ".".join(map(str, loc)), message))

    for key in ("id", "title", "version", "publisher", "sections", "variables"):
        if key not in raw:
            problem((), f"missing '{key}'")
    if problems:
        raise ModelError("invalid model manifest\n" + "\n".join(map(str, problems)))
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
    if front_note is not None and not (folder / str(front_note)).is_file():
        problem(("front_note",), f"file {front_note} not found in the model folder")
    names = {v.name: v for top in variables for v in top.walk()}
    tracking_form = _mapping(raw, "tracking_form", FORM_KEYS, problem)
    for key, name in tracking_form.items():
        if name not in names:
            problem(("tracking_form", key), f"{name!r} is not a variable of this model")
    summary = _mapping(raw, "council_summary", SUMMARY_KEYS, problem)
    for key, file in summary.items():
        if not (folder / file).is_file():
            problem(("council_summary", key), f"file {file} not found in the model folder")
    if problems:
        raise ModelError("invalid model manifest\n" + "\n".join(map(str, problems)))
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
        target = (folder / source).resolve()
        if not target.is_relative_to(folder) or not target.is_file():
            problem((*loc, "source"), f"file {source} not found in the model folder")
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


@cache
def model_digest(model: Model) -> str:
    """SHA-256 over every file of the model's folder: changes when any template changes."""
    digest = hashlib.sha256()
    for path in sorted(p for p in model.path.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(model.path)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()
