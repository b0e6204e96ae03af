"""A model's manifest, ``model.yaml``: what it declares (:class:`Model`, :class:`SectionSpec`)
and its check in full. Unknown keys, a ``version`` that is not text, a section whose file
the model may not read, a name that is no variable of the right kind: each problem is
located (file and line), and all of them are reported together. Finding and loading
models is :mod:`smpgen.models`."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ModelFileError, ModelManifestError, Problem
from .fields import MAX_LINE, MAX_PARAGRAPH, check_text, describe
from .modelfiles import model_file, read_model_bytes
from .records import records_laws, suggest_state
from .sourcefile import Loc, SourceFile, dotted
from .variables import DeclarationError, Variable, parse_group

if TYPE_CHECKING:
    from .customize import Customization

MANIFEST = "model.yaml"
ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
"""A model's or a section's id."""
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


EDITION_KEYS = ("date", "label", "credit", "note", "numbering", "heading_case", "state")
"""Every key of ``edition:``, how the league's edition of a model presents itself."""
EDITION_NUMBERING = ("decimal", "outline", "headings")
"""The numbering schemes the league's edition may use (``policy-number`` needs the policy
number a city gives its policy)."""
HEADING_CASES = ("as-written", "capitals")


@dataclass(frozen=True, slots=True)
class ModelEdition:
    """How the league's edition of a model (``smpgen model``) presents itself: what
    ``edition:`` in its model.yaml sets (a variant's first, then the model it extends),
    under what the command's options set. A field left empty falls back to the layer
    below it, and at the bottom to the model's own. None of it changes a city's policy."""

    publisher: str = ""
    """Who publishes the edition; empty: the model's ``publisher``."""
    date: dt.date | None = None
    """The edition's date, printed in the title block and set in the files' properties."""
    label: str = ""
    """The version label of the title block, e.g. ``2026 Edition``; empty: the model's
    version."""
    credit: str = ""
    """A line printed at the foot of the title block, e.g. who prepared the edition."""
    note: str = ""
    """The Markdown of a note printed before everything else, e.g. which memo to read
    before adopting the model (it may print values, as a city's own text does)."""
    note_path: str = ""
    """Where ``note`` was read from, for messages."""
    numbering: str | None = None
    """One of :data:`EDITION_NUMBERING`; None: decimal."""
    heading_case: str | None = None
    """One of :data:`HEADING_CASES`; None: the numbering's own."""
    state: str | None = None
    """The postal code of the state whose terms the edition fills in (its records law,
    retention, limitation period and open meetings law); None: they are blanks too."""

    def over(self, base: ModelEdition) -> ModelEdition:
        """This edition, each field it leaves empty taken from ``base``."""
        mine = {f.name: getattr(self, f.name) for f in fields(self)}
        if not self.note:
            mine["note_path"] = base.note_path
        return ModelEdition(**{name: value or getattr(base, name)
                               for name, value in mine.items()})


@dataclass(frozen=True, slots=True, eq=False)
class Model:
    """A loaded model manifest (compared by identity: each version of a folder is loaded
    once, see :func:`~smpgen.models.load_model`)."""

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
    layers: tuple[Customization, ...] = ()
    """A variant's changes to the model it extends (a variant of a variant has two), in
    the format of a city's customization, applied before the city's own."""
    home: Path | None = None
    """A variant's own folder (``path`` is where the text it extends lives)."""
    changelog: tuple[Release, ...] = ()
    """The model's releases, newest first, each with its graded changes."""
    extends: str | None = None
    """The id of the model a variant extends."""
    edition: ModelEdition = ModelEdition()
    """How the league's edition presents itself (``edition:``)."""

    def section_ids(self) -> set[str]:
        """The ids of every section the model can hold, a variant's own included."""
        ids = {s.id for s in self.sections}
        for layer in self.layers:
            ids |= {c.id for c in layer.own_sections(ids)}
        return ids

    def section(self, section_id: str) -> SectionSpec:
        """The section with ``section_id``."""
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(section_id)


def check_manifest(source: SourceFile, folder: Path, origin: str) -> Model:
    """The model that ``source`` (``folder``'s manifest, read) declares; a
    :class:`ModelManifestError` reports every problem with file and line."""
    path = folder / MANIFEST
    raw = source.data
    problems: list[Problem] = []
    problem = _reporter(source, path, problems)

    for key in raw:
        if key not in MANIFEST_KEYS:
            close = difflib.get_close_matches(key, MANIFEST_KEYS, n=1, cutoff=0.6)
            problem((key,), "unknown key; " + (f"did you mean '{close[0]}'?" if close else
                                               f"expected one of: {', '.join(MANIFEST_KEYS)}"))
    missing = [key for key in ("id", "title", "version", "publisher", "sections", "variables")
               if key not in raw]
    for key in missing:
        problem((), f"missing '{key}'")
    if missing:
        raise ModelManifestError("invalid model manifest", problems)
    model_id = raw["id"]
    if not isinstance(model_id, str) or not ID.match(model_id):
        problem(("id",), "an id uses lower-case letters, digits and hyphens")
    # Printed in every rendering, its file properties and 'smpgen models': one line each.
    title, version, publisher = (_text(raw[key], (key,), problem) for key in
                                 ("title", "version", "publisher"))
    description = raw.get("description")
    if description is not None:
        description = _text(description, ("description",), problem, limit=MAX_PARAGRAPH,
                            fold=True)
    errors: list[DeclarationError] = []
    variables = parse_group(raw["variables"], "", ("variables",), errors)
    for error in errors:
        problem(error.loc, str(error))
    refer = _references(variables, {error.name for error in errors}, problem)
    sections = _sections(raw["sections"], folder, refer, problem)
    front_note = _file(raw.get("front_note"), folder, ("front_note",), problem)
    tracking_form = _mapping(raw, "tracking_form", FORM_KEYS, problem)
    for key, name in tracking_form.items():
        refer(("tracking_form", key), name, *FORM_KINDS[key])
    if isinstance(raw.get("tracking_form"), dict) and raw["tracking_form"]:
        for key in FORM_KEYS:
            if key not in raw["tracking_form"]:
                problem(("tracking_form",), f"missing '{key}'; the form takes each of "
                                            f"{', '.join(FORM_KEYS)}")
    changelog = _changelog(raw.get("changelog"), folder, problem, problems)
    summary = _mapping(raw, "council_summary", SUMMARY_KEYS, problem)
    for key, file in summary.items():
        _file(file, folder, ("council_summary", key), problem)
    edition = _edition(raw.get("edition"), folder, problem)
    if problems:
        raise ModelManifestError("invalid model manifest", sorted(problems, key=lambda p: p.line))
    return Model(
        id=model_id,
        title=title,
        version=version,
        publisher=publisher,
        description=description or "",
        path=folder,
        origin=origin,
        variables=variables,
        sections=sections,
        front_note=front_note,
        tracking_form=tracking_form,
        summary=summary,
        changelog=changelog,
        edition=edition,
    )


MANIFEST_KEYS = ("id", "title", "version", "publisher", "description", "front_note", "variables",
                 "sections", "tracking_form", "council_summary", "changelog", "edition")
"""Every key a ``model.yaml`` may hold."""
VARIANT_KEYS = ("id", "extends", "title", "version", "publisher", "description", "variables",
                "edition")
"""Every key the ``model.yaml`` of a variant (one that ``extends`` another) may hold; its
changes to the text are in its ``custom/`` folder, in the format of a city's."""
VARIANT_FOLDER = "custom"


@dataclass(frozen=True, slots=True, eq=False)
class VariantSpec:
    """What a variant's ``model.yaml`` declares, before the model it extends is found."""

    id: str
    extends: str
    title: str | None
    version: str
    publisher: str
    description: str | None
    variables: tuple[Variable, ...]
    folder: Path
    origin: str
    path: Path
    """Its model.yaml."""
    lines: dict[Loc, int]
    edition: ModelEdition = ModelEdition()


def check_variant(source: SourceFile, folder: Path, origin: str) -> VariantSpec:
    """The variant ``source`` (``folder``'s manifest, read) declares; every problem located."""
    path = folder / MANIFEST
    raw = source.data
    problems: list[Problem] = []
    problem = _reporter(source, path, problems)

    for key in raw:
        if key not in VARIANT_KEYS:
            problem((key,), "unknown key for a model that extends another; expected one of: "
                            f"{', '.join(VARIANT_KEYS)} (its changes to the text go in "
                            f"{VARIANT_FOLDER}/, as a city's customization does)")
    for key in ("id", "version", "publisher"):
        if key not in raw:
            problem((), f"missing '{key}'")
    model_id, parent = raw.get("id"), raw.get("extends")
    if not isinstance(model_id, str) or not ID.match(model_id):
        problem(("id",), "an id uses lower-case letters, digits and hyphens")
    if not isinstance(parent, str) or not ID.match(parent):
        problem(("extends",), "expected the id of the model this one extends")
    elif parent == model_id:
        problem(("extends",), "a model cannot extend itself")
    version, publisher = (_text(raw.get(key, ""), (key,), problem) for key in
                          ("version", "publisher"))
    title = _text(raw["title"], ("title",), problem) if "title" in raw else None
    description = _text(raw["description"], ("description",), problem, limit=MAX_PARAGRAPH,
                        fold=True) if "description" in raw else None
    errors: list[DeclarationError] = []
    variables = parse_group(raw.get("variables") or {}, "", ("variables",), errors)
    for error in errors:
        problem(error.loc, str(error))
    edition = _edition(raw.get("edition"), folder, problem)
    if problems:
        raise ModelManifestError("invalid model manifest", sorted(problems, key=lambda p: p.line))
    return VariantSpec(str(model_id), str(parent), title, version, publisher, description,
                       variables, folder, origin, path, dict(source.lines), edition)
SECTION_KEYS = ("id", "title", "source", "covers", "include_if")
"""Every key of an entry of ``sections:``."""
_TEXT_TYPES = frozenset({"text", "paragraph", "choice", "url", "email", "state", "integer", "date"})
FORM_KINDS: dict[str, tuple[str, Callable[[Variable], bool]]] = {
    "accounts": ("a list", lambda v: v.type == "list"),
    "categories": ("a list of text", lambda v: v.item is not None and v.item.type in _TEXT_TYPES),
    "coordinator": ("a text", lambda v: v.type in _TEXT_TYPES),
    "retention": ("a text", lambda v: v.type in _TEXT_TYPES),
}
"""The variables feeding the tracking form (its ``tracking_form:`` keys), and what each is."""
FORM_KEYS = tuple(FORM_KINDS)
SUMMARY_KEYS = ("recommended_action", "background", "timing", "alternatives", "fiscal_impact",
                "legal_review", "recommendation")

Report = Callable[[Loc, str], None]
"""Adds a located problem of the manifest."""


def _reporter(source: SourceFile, path: Path, problems: list[Problem]) -> Report:
    """A :data:`Report` adding to ``problems``, located in ``source``."""
    def problem(loc: Loc, message: str) -> None:
        problems.append(Problem(path, source.line_of(loc), dotted(loc), message))
    return problem
Refer = Callable[[Loc, str, str, Callable[[Variable], bool]], None]
"""Checks that a name the manifest gives at a place is a variable of the wanted kind."""


GRADES = ("critical", "substantive", "editorial")
"""How much a model change matters: the law changed and every city must act; better
practice; wording only."""
KINDS = ("changed", "added", "removed")


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One change a release made."""

    id: str
    """The clause (``section.clause``) or section id."""
    change: str
    """``changed``, ``added`` or ``removed``."""
    grade: str
    """One of :data:`GRADES`."""
    reason: str
    citation: str = ""


@dataclass(frozen=True, slots=True)
class Release:
    """One release of a model, from its changelog."""

    version: str
    date: str
    summary: str
    changes: tuple[LogEntry, ...]


def _changelog(name: Any, folder: Path, report: Report,
               problems: list[Problem]) -> tuple[Release, ...]:
    """The releases ``changelog.yaml`` lists, every problem located in that file."""
    from .errors import ProfileError
    from .sourcefile import load_yaml

    file = _file(name, folder, ("changelog",), report)
    if file is None:
        return ()
    path = folder / file
    try:
        source = load_yaml(path)
    except ProfileError as e:
        problems.extend(e.problems)
        return ()
    problem = _reporter(source, path, problems)
    entries = source.data.get("releases")
    if not isinstance(entries, list):
        problem(("releases",), "expected a list of releases, newest first")
        return ()
    out = []
    for i, entry in enumerate(entries):
        loc: Loc = ("releases", i)
        if not isinstance(entry, dict) or not isinstance(entry.get("version"), str):
            problem(loc, 'expected {version: "1.2", date, summary, changes}')
            continue
        changes = []
        for j, change in enumerate(entry.get("changes") or []):
            where: Loc = (*loc, "changes", j)
            if not isinstance(change, dict):
                problem(where, "expected {id, change, grade, reason}")
                continue
            bad = [k for k in ("id", "change", "grade", "reason")
                   if not isinstance(change.get(k), str)]
            if bad:
                problem(where, f"give {' and '.join(bad)}")
                continue
            if change["grade"] not in GRADES:
                problem((*where, "grade"), f"expected one of: {', '.join(GRADES)}")
            if change["change"] not in KINDS:
                problem((*where, "change"), f"expected one of: {', '.join(KINDS)}")
            changes.append(LogEntry(change["id"], change["change"], change["grade"],
                                    " ".join(change["reason"].split()),
                                    str(change.get("citation") or "")))
        out.append(Release(entry["version"], str(entry.get("date") or ""),
                           " ".join(str(entry.get("summary") or "").split()), tuple(changes)))
    return tuple(out)


def _text(value: Any, loc: Loc, problem: Report, *, limit: int = MAX_LINE,
          fold: bool = False) -> str:
    """A one-line text of the manifest (its title, version, ...), checked as a profile's
    text is: no control or invisible formatting characters. With ``fold``, line breaks
    (a YAML block scalar's) read as spaces."""
    if not isinstance(value, str):
        hint = " (put it in quotes)" if isinstance(value, int | float) else ""
        problem(loc, f"expected one line of text, got {describe(value)}{hint}")
        return ""
    try:
        return check_text(value.replace("\n", " ") if fold else value, limit=limit)
    except ValueError as e:
        problem(loc, str(e))
        return ""


def _edition(raw: Any, folder: Path, problem: Report) -> ModelEdition:
    """The ``edition:`` mapping, each problem reported at its key; its note is read here,
    so a model's files are read only while it loads."""
    if raw is None:
        return ModelEdition()
    if not isinstance(raw, dict):
        problem(("edition",), f"expected a mapping with any of: {', '.join(EDITION_KEYS)}")
        return ModelEdition()
    for key in raw:
        if key not in EDITION_KEYS:
            close = difflib.get_close_matches(str(key), EDITION_KEYS, n=1, cutoff=0.6)
            problem(("edition", key), "unknown key; " + (f"did you mean '{close[0]}'?" if close
                                                          else "expected one of: "
                                                          f"{', '.join(EDITION_KEYS)}"))
    date = raw.get("date")
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            date = False
    if date is not None and (not isinstance(date, dt.date) or isinstance(date, dt.datetime)):
        problem(("edition", "date"), "expected the edition's date as YYYY-MM-DD")
        date = None
    label, credit = (_text(raw[key], ("edition", key), problem) if key in raw else ""
                     for key in ("label", "credit"))
    note, note_path = "", ""
    name = _file(raw.get("note"), folder, ("edition", "note"), problem)
    if name is not None:
        try:
            note = check_text(read_model_bytes(model_file(folder, name), name).decode("utf-8"),
                              multiline=True, limit=MAX_PARAGRAPH)
            note_path = str(folder / name)
        except ModelFileError:
            pass  # reported by _file
        except UnicodeDecodeError:
            problem(("edition", "note"), f"{name} is not UTF-8 text; save it as UTF-8")
        except ValueError as e:
            problem(("edition", "note"), f"{name} {e}")
    numbering, heading_case = (_one_of(raw.get(key), ("edition", key), allowed, problem)
                               for key, allowed in (("numbering", EDITION_NUMBERING),
                                                    ("heading_case", HEADING_CASES)))
    state = raw.get("state")
    if isinstance(state, str) and state.strip().upper() in records_laws():
        state = state.strip().upper()
    elif state is not None:
        hint = suggest_state(str(state)) if isinstance(state, str) else ""
        problem(("edition", "state"), f"{state!r} is not a state's two-letter postal code"
                                      + (f"; {hint}" if hint else " (e.g. MN, TX or DC)"))
        state = None
    return ModelEdition(date=date, label=label, credit=credit, note=note, note_path=note_path,
                        numbering=numbering, heading_case=heading_case, state=state)


def chosen_edition(*, publisher: str | None = None, date: dt.date | str | None = None,
                   label: str | None = None, credit: str | None = None,
                   note: Path | None = None, numbering: str | None = None,
                   heading_case: str | None = None, state: str | None = None) -> ModelEdition:
    """The edition the options of ``smpgen model`` choose (each left out: the model's);
    one :class:`~smpgen.errors.UserError` names every option that is wrong."""
    from .errors import UserError
    from .sourcefile import read_input

    wrong: list[str] = []

    def line(name: str, value: str | None) -> str:
        try:
            return check_text(value) if value is not None else ""
        except ValueError as e:
            wrong.append(f"{name} {e}")
            return ""

    publisher, label, credit = (line(name, value) for name, value in (
        ("publisher", publisher), ("label", label), ("credit", credit)))
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            wrong.append(f"edition date {date!r} is not a date; write it YYYY-MM-DD")
            date = None
    text = ""
    if note is not None:
        try:
            text = check_text(read_input(note).decode("utf-8"), multiline=True,
                              limit=MAX_PARAGRAPH)
        except UnicodeDecodeError:
            wrong.append(f"note {note} is not UTF-8 text; save it as UTF-8")
        except ValueError as e:
            wrong.append(f"note {note} {e}")
    for name, value, allowed in (("numbering", numbering, EDITION_NUMBERING),
                                 ("heading case", heading_case, HEADING_CASES)):
        if value is not None and value not in allowed:
            wrong.append(f"{name} {value!r} is not one of: {', '.join(allowed)}")
    if state is not None:
        code = state.strip().upper()
        if code not in records_laws():
            hint = suggest_state(state)
            wrong.append(f"state {state!r} is not a state's two-letter postal code"
                         + (f"; {hint}" if hint else " (e.g. MN, TX or DC)"))
        state = code
    if wrong:
        raise UserError("; ".join(wrong))
    return ModelEdition(publisher=publisher, date=date, label=label, credit=credit, note=text,
                        note_path=str(note) if note is not None else "",
                        numbering=numbering, heading_case=heading_case, state=state)


def _one_of(value: Any, loc: Loc, allowed: tuple[str, ...], problem: Report) -> str | None:
    if value is None or value in allowed:
        return None if value is None else str(value)
    problem(loc, f"expected one of: {', '.join(allowed)}")
    return None


def _file(name: Any, folder: Path, loc: Loc, problem: Report) -> str | None:
    """A file name the manifest gives, reported at ``loc`` unless the model may read it."""
    if name is None:
        return None
    if not isinstance(name, str):
        problem(loc, f"expected a file name such as sections/purpose.md, got {describe(name)}")
        return None
    try:
        model_file(folder, name)
    except ModelFileError as e:
        problem(loc, str(e))
    return name


def _references(variables: tuple[Variable, ...], broken: set[str], problem: Report) -> Refer:
    names = {v.name: v for top in variables for v in top.walk()}

    def refer(loc: Loc, name: str, kind: str, wanted: Callable[[Variable], bool]) -> None:
        var = names.get(name)
        if var is not None and wanted(var):
            return
        if any(b == "" or name == b or name.startswith(f"{b}.") for b in broken):
            return  # its declaration is reported already
        given = "not a variable of this model" if var is None else \
            f"{'an' if var.type[0] in 'aeiou' else 'a'} {var.type} variable"
        problem(loc, f"{name!r} is {given}; expected {kind} variable")

    return refer


def _mapping(raw: dict[str, Any], key: str, allowed: tuple[str, ...],
             problem: Report) -> dict[str, str]:
    value = raw.get(key) or {}
    if not isinstance(value, dict):
        problem((key,), f"expected a mapping with {', '.join(allowed)}")
        return {}
    out = {}
    for k, v in value.items():
        if k not in allowed:
            problem((key, k), f"unknown key; expected one of: {', '.join(allowed)}")
        elif not isinstance(v, str):
            problem((key, k), f"expected a name, got {describe(v)}")
        else:
            out[k] = v
    return out


def _sections(raw: Any, folder: Path, refer: Refer, problem: Report) -> tuple[SectionSpec, ...]:
    if not isinstance(raw, list) or not raw:
        problem(("sections",), "expected a list of sections, each {id, title, source}")
        return ()
    out: list[SectionSpec] = []
    seen: set[str] = set()
    for i, entry in enumerate(raw):
        loc: Loc = ("sections", i)
        if not isinstance(entry, dict):
            problem(loc, f"expected a section {{id, title, source}}, got {describe(entry)}")
            continue
        for k in entry:
            if k not in SECTION_KEYS:
                problem((*loc, k), f"unknown key; expected one of: {', '.join(SECTION_KEYS)}")
        missing = [k for k in ("id", "title", "source") if entry.get(k) is None]
        if missing:
            problem(loc, f"a section has id, title and source; give its {' and '.join(missing)}")
            continue
        sid = entry["id"]
        if not isinstance(sid, str) or not ID.match(sid):
            problem((*loc, "id"), "a section id uses lower-case letters, digits and hyphens")
        elif sid in seen:
            problem((*loc, "id"), f"section id {sid!r} is taken by an earlier section")
        seen.add(str(sid))
        title = _text(entry["title"], (*loc, "title"), problem)
        source = _file(entry["source"], folder, (*loc, "source"), problem)
        covers = entry.get("covers", [])
        if not isinstance(covers, list):
            problem((*loc, "covers"), f"expected a list of provision ids such as [P05, N01], "
                                      f"got {describe(covers)}")
            covers = []
        for c in covers:
            if not isinstance(c, str) or not _PROVISION.match(c):
                problem((*loc, "covers"), f"{c!r} is not a provision id like P05 or N01")
        include_if = entry.get("include_if")
        if include_if is not None and not isinstance(include_if, str):
            problem((*loc, "include_if"), f"expected a variable's name, got {describe(include_if)}")
            include_if = None
        elif include_if is not None:
            refer((*loc, "include_if"), include_if, "a boolean", lambda v: v.type == "boolean")
        out.append(SectionSpec(str(sid), title, source or "", tuple(map(str, covers)), include_if))
    return tuple(out)
