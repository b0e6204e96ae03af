"""The library API: everything the CLI does, callable from Python with keyword arguments."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from . import parallel
from .errors import ModelError, Problem, ProfileError, UserError, printable
from .models import DEFAULT_MODEL, Model, find_models, get_model, model_digest
from .options import DEFAULT_OPTIONS, EDITIONS, Edition, RenderOptions
from .outputs import current_outputs, open_folder
from .sourcefile import MAX_BYTES
from .version import __version__
from .writers import (
    FORM_FORMATS,
    FORMATS,
    WRITERS,
    Format,
    document_files,
    form_files,
    prepare_pdf,
)

# The stages (profile validation, Jinja, markdown-it, the document tree) are imported
# where they are used: a render whose outputs are current needs none of them, and one
# that renders starts its worker before loading them.
if TYPE_CHECKING:
    from .checks.files import Report as CheckReport
    from .deviations import Deviation
    from .profile import Profile
    from .tree import Document
    from .upgrade import Upgrade
    from .wordimport import Taken


@dataclass(frozen=True, slots=True)
class RenderResult:
    """What a job wrote (or found unchanged), and what it warned about."""

    paths: list[Path]
    """Every file of the job, in format order."""
    warnings: list[Problem]
    """Located warnings (e.g. a records-law citation to confirm)."""
    rendered: bool = True
    """False when the inputs and outputs were unchanged, so nothing was written."""
    kept: Path | None = None
    """The folder the adopted version was kept in, when this job kept one (see
    :mod:`smpgen.adopted`)."""


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """The outcome of validating one profile."""

    path: Path
    """The profile."""
    problems: list[Problem]
    """Everything wrong; empty when the profile is valid."""
    warnings: list[Problem]
    """Things to confirm that do not stop a render."""

    @property
    def ok(self) -> bool:
        """True when the profile can be rendered."""
        return not self.problems


def render(
    profile: str | Path,
    *,
    formats: Iterable[Format] = DEFAULT_OPTIONS.formats,
    out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
    draft: bool = DEFAULT_OPTIONS.draft,
    edition: Edition = DEFAULT_OPTIONS.edition,
    templates: str | Path | None = DEFAULT_OPTIONS.templates,
    force: bool = DEFAULT_OPTIONS.force,
    packet: bool = DEFAULT_OPTIONS.packet,
    jobs: int = DEFAULT_OPTIONS.jobs,
) -> RenderResult:
    """Render a city's policy into ``out_dir/<profile name>/``; the council edition also
    writes the removed-comments tracking form, the council executive summary and, with
    ``packet``, the council packet PDF. With ``jobs`` above 1 (0: one per core) the
    policy's PDF is made in a second process meanwhile (see :mod:`smpgen.parallel`).

    Skipped when nothing it depends on changed and its outputs are intact, unless
    ``force``; ``force`` also overwrites files a person edited, keeping a backup."""
    options = _options(formats, out_dir, draft, edition, templates, force, packet, jobs)
    if options.edition == "model":
        raise UserError("the model edition has no city; use render_model() / 'smpgen model'")
    if options.packet and options.edition != "council":
        raise UserError(f"the council packet carries the council edition, not the "
                        f"{options.edition} one; leave out --packet or --edition")
    path = Path(profile)
    folder = options.out_dir / output_name(path)
    job = _render_job(options)
    current = None if options.force else _current(path, folder, options, job)
    if current is not None:
        return current
    pdfs = "pdf" in options.formats or options.packet
    # The worker starts loading the PDF writer now, while this process loads the stages,
    # validates and builds the documents.
    with parallel.workers(options.jobs if pdfs else 1, pieces=2, prepare=prepare_pdf) as workers:
        from . import bundle
        from .profile import load_profile

        loaded = load_profile(path, draft=options.draft, templates=options.templates)
        warnings = _warnings(loaded)
        if options.edition == "council":
            warnings += _council_warnings(loaded)
        return _produce(options, folder, job, loaded, warnings,
                        lambda: bundle.city_files(loaded, options.edition, options.formats,
                                                  packet=options.packet, workers=workers))


def current_render(
    profile: str | Path,
    *,
    formats: Iterable[Format] = DEFAULT_OPTIONS.formats,
    out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
    draft: bool = DEFAULT_OPTIONS.draft,
    edition: Edition = DEFAULT_OPTIONS.edition,
    templates: str | Path | None = DEFAULT_OPTIONS.templates,
    force: bool = DEFAULT_OPTIONS.force,
    packet: bool = DEFAULT_OPTIONS.packet,
) -> RenderResult | None:
    """What :func:`render` would report for these arguments if it would write nothing
    (its files and recorded warnings), or None when it would render. Quick: the profile
    is not validated."""
    options = _options(formats, out_dir, draft, edition, templates, force, packet, 1)
    if options.force or options.edition == "model" or (options.packet
                                                       and options.edition != "council"):
        return None
    path = Path(profile)
    try:
        folder = options.out_dir / output_name(path)
    except UserError:
        return None
    return _current(path, folder, options, _render_job(options))


def packet(
    profile: str | Path,
    *,
    out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
    draft: bool = DEFAULT_OPTIONS.draft,
    templates: str | Path | None = DEFAULT_OPTIONS.templates,
    force: bool = DEFAULT_OPTIONS.force,
    redline: bool | str = False,
) -> RenderResult:
    """Write one council packet PDF: the executive summary, then the policy and the blank
    tracking form (and with ``redline`` the policy's redline) as lettered attachments,
    each page footed with the agenda number. The redline is against ``redline`` when it
    names a base as :func:`redline`'s ``against`` does; ``True`` is the adopted version
    when one is kept (an amendment: the council sees what it changes in the policy in
    force), else the model."""
    from . import bundle
    from .adopted import latest
    from .profile import load_profile

    options = _options(("pdf",), out_dir, draft, "council", templates, force, True, 1)
    path = Path(profile)
    folder = options.out_dir / output_name(path)
    loaded = load_profile(path, draft=options.draft, templates=options.templates)
    kept = latest(path) if redline is True or redline == "adopted" else None
    against = redline if isinstance(redline, str) else \
        ("adopted" if kept is not None else "model") if redline else None
    base = bundle.redline_base(loaded, against, options.templates) if against else None
    job = "packet" + (" draft" if draft else "") + (f" redline {against}" if against else "") \
        + (f" {kept.folder.name}" if kept else "")
    return _produce(options, folder, job, loaded,
                    [*_warnings(loaded), *_council_warnings(loaded)],
                    lambda: bundle.packet_files(loaded, redline=base))


def fill_form(
    profile: str | Path,
    record: str | Path,
    *,
    formats: Iterable[Format] = FORM_FORMATS,
    out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
    templates: str | Path | None = DEFAULT_OPTIONS.templates,
    force: bool = DEFAULT_OPTIONS.force,
) -> RenderResult:
    """Write the tracking form filled in for one removal, from a record file, into
    ``out_dir/<profile name>/removed-comments/``."""
    from .profile import load_profile
    from .removals import load_record, tracking_form

    options = _options(formats, out_dir, False, "council", templates, force, False, 1)
    unmade = [f for f in options.formats if f not in FORM_FORMATS]
    if unmade:
        raise UserError(f"the tracking form is made as {' and '.join(FORM_FORMATS)}, not as "
                        f"{', '.join(unmade)}; choose --format {','.join(FORM_FORMATS)}")
    path, record_path = Path(profile), Path(record)
    folder = options.out_dir / output_name(path) / "removed-comments"
    stem = output_name(record_path, "the filled form's")
    loaded = load_profile(path, draft=True, templates=options.templates)
    form = tracking_form(loaded)
    form.record = load_record(record_path, form)
    files = form_files(form, stem, options.formats)
    with open_folder(folder, root=options.out_dir) as out:
        paths = out.write(files, force=options.force)
    return RenderResult(paths, list(loaded.warnings))


def render_model(
    model: str = DEFAULT_MODEL,
    *,
    formats: Iterable[Format] = DEFAULT_OPTIONS.formats,
    out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
    templates: str | Path | None = DEFAULT_OPTIONS.templates,
    force: bool = DEFAULT_OPTIONS.force,
    state: str | None = None,
    publisher: str | None = None,
    edition_date: dt.date | str | None = None,
    label: str | None = None,
    credit: str | None = None,
    note: str | Path | None = None,
    numbering: str | None = None,
    heading_case: str | None = None,
) -> RenderResult:
    """Render the model itself, as league staff publish it, into ``out_dir/<model id>/``.

    ``state`` (a postal code) makes a state edition: the state's records law and other
    terms filled in, every city's value still blank, the files named for the state
    (``social-media-policy-model-mn.pdf``). The rest set the edition's identity over what
    the model's ``edition:`` sets: who publishes it, its date (``YYYY-MM-DD``), version
    label and credit line, a Markdown ``note`` file printed first, its ``numbering``
    (decimal, outline or headings) and ``heading_case`` (as-written or capitals)."""
    from . import bundle
    from .document import model_document
    from .modelmanifest import chosen_edition

    options = _options(formats, out_dir, False, "model", templates, force, False, 1)
    chosen = chosen_edition(publisher=publisher, date=edition_date, label=label, credit=credit,
                            note=Path(note) if note is not None else None, numbering=numbering,
                            heading_case=heading_case, state=state)
    loaded = get_model(model, options.templates)
    folder = options.out_dir / plain_name(
        loaded.id, f"{loaded.path}: the model's id names its output folder, and",
        "give the model another id")
    edition = chosen.over(loaded.edition)
    doc = model_document(loaded, edition)
    stem = bundle.slug(doc.info.title) + "-model" + (f"-{edition.state.lower()}"
                                                      if edition.state else "")
    files = document_files(doc, stem, options.formats)
    with open_folder(folder, root=options.out_dir) as out:
        return RenderResult(out.write(files, force=options.force), [])


def redline(
    profile: str | Path,
    *,
    against: str = "model",
    formats: Iterable[Format] = DEFAULT_OPTIONS.formats,
    out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
    templates: str | Path | None = DEFAULT_OPTIONS.templates,
    force: bool = DEFAULT_OPTIONS.force,
) -> RenderResult:
    """Write the city's policy as a redline into ``out_dir/<profile name>/``: every
    difference from ``against`` (``model``: the model rendered with the same values) as
    Word tracked changes in the DOCX, and underlined and struck through in the PDF and
    HTML; ``against`` may also be ``adopted`` (the latest adopted version, which smpgen
    keeps when a city records an adoption) or name another release of the model
    (``0.2.0``)."""
    from . import bundle
    from .document import policy_document, policy_status
    from .profile import load_profile

    options = _options(formats, out_dir, False, "council", templates, force, False, 1)
    path = Path(profile)
    loaded = load_profile(path, templates=options.templates)
    base = bundle.redline_base(loaded, against, options.templates)
    doc = base.mark(loaded, policy_document(loaded), policy_status(loaded))
    files = document_files(doc, bundle.slug(doc.info.title) + "-redline", options.formats)
    folder = options.out_dir / output_name(path)
    with open_folder(folder, root=options.out_dir) as out:
        return RenderResult(out.write(files, force=options.force), list(loaded.warnings))


def upgrade(
    profile: str | Path,
    *,
    to: str | None = None,
    formats: Iterable[Format] = ("docx", "pdf"),
    out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
    templates: str | Path | None = DEFAULT_OPTIONS.templates,
    force: bool = DEFAULT_OPTIONS.force,
) -> Upgrade:
    """Carry the city's text to release ``to`` of its model (the newest by default),
    merged by clause id; record the new release in the profile (keeping its comments) and
    write the redline of the city's new text against its current one, conflicts shown
    beside their clauses, into ``out_dir/<profile name>/``."""
    from . import bundle
    from .upgrade import plan, record_customization, record_version

    options = _options(formats, out_dir, False, "council", templates, force, False, 1)
    path = Path(profile)
    result, new = plan(path, to, options.templates)
    if result.redline is None or new is None:
        return result
    stem = bundle.slug(result.redline.info.title) + f"-upgrade-{result.new}"
    files = document_files(result.redline, stem, options.formats)
    folder = options.out_dir / output_name(path)
    with open_folder(folder, root=options.out_dir) as out:
        result.written = out.write(files, force=options.force)
    if new.custom is not None:
        record_customization(new.custom, result.edits)
    record_version(path, result.new)
    return result


def release_notes(model: str, after: str, upto: str, *,
                  formats: Iterable[Format] = DEFAULT_OPTIONS.formats,
                  out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
                  templates: str | Path | None = DEFAULT_OPTIONS.templates,
                  force: bool = DEFAULT_OPTIONS.force) -> RenderResult:
    """Write the release notes of ``model``'s releases after ``after`` up to ``upto`` into
    ``out_dir/<model id>/``."""
    from .profile import model_provenance
    from .upgrade import release_notes as notes
    from .upgrade import releases_between

    options = _options(formats, out_dir, False, "council", templates, force, False, 1)
    loaded = get_model(model, options.templates)
    found = releases_between(loaded.changelog, after, upto)
    if not found:
        raise UserError(f"model {model} lists no releases after {after} up to {upto} in its "
                        "changelog")
    doc = notes(loaded.id, loaded.publisher, found, model_provenance(loaded))
    files = document_files(doc, f"release-notes-{after}-to-{upto}", options.formats)
    folder = options.out_dir / plain_name(loaded.id, f"{loaded.path}: the model's id names "
                                          "its output folder, and", "give the model another id")
    with open_folder(folder, root=options.out_dir) as out:
        return RenderResult(out.write(files, force=options.force), [])


def check(paths: Iterable[str | Path]) -> CheckReport:
    """Check files for accessibility (see :mod:`smpgen.checks`): PDFs against PDF/UA-1,
    HTML against WCAG 2.1 A and AA with axe-core in headless Chromium, DOCX files with
    smpgen's lint; folders are searched for the three kinds."""
    from .checks.files import check_files

    return check_files([Path(p) for p in paths])


def validate(profiles: Iterable[str | Path], *, draft: bool = False, strict: bool = False,
             templates: str | Path | None = DEFAULT_OPTIONS.templates) -> list[ValidationReport]:
    """Validate each profile; never raises for a bad profile, reports it instead. The
    warnings include the lint of the city's choices (:func:`smpgen.lint.lint`); with
    ``strict`` every warning is a problem instead."""
    from .profile import load_profile

    reports = []
    folder = Path(templates) if templates is not None else None
    for path in profiles:
        try:
            loaded = load_profile(Path(path), draft=draft, templates=folder)
            if loaded.custom is not None:  # the city's own text is checked as it is put in
                from .document import policy_document

                policy_document(loaded)
        except ProfileError as e:
            reports.append(ValidationReport(Path(path), e.problems, []))
        else:
            warnings = _warnings(loaded)
            reports.append(ValidationReport(Path(path), warnings, []) if strict
                           else ValidationReport(Path(path), [], warnings))
    return reports


def load(profile: str | Path, *, draft: bool = False,
         templates: str | Path | None = DEFAULT_OPTIONS.templates) -> Profile:
    """Load and validate one profile (raises :class:`ProfileError`)."""
    from .profile import load_profile

    return load_profile(Path(profile), draft=draft,
                        templates=Path(templates) if templates is not None else None)


class ModelList(list[Model]):
    """The models that load, shipped ones first (a plain list of them), and ``problems``:
    every located problem of the model folders that do not load."""

    def __init__(self, models: Iterable[Model], problems: Iterable[Problem] = ()) -> None:
        super().__init__(models)
        self.problems = list(problems)


def import_docx(profile: str | Path, docx: str | Path, *,
                out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
                templates: str | Path | None = DEFAULT_OPTIONS.templates) -> Taken:
    """Take the edits in ``docx`` (the city's policy DOCX, edited in Word or LibreOffice)
    into the city's customization, clause by clause. The city is then rendered again and
    compared with the file: what still reads differently is listed in ``not_placed``.
    When nothing is left over and the file is the city's DOCX in ``out_dir``, the
    manifest records it as smpgen's again, so the next render replaces it."""
    from .profile import load_profile
    from .wordimport import differences
    from .wordimport import import_docx as take

    path, edited = Path(profile), Path(docx)
    templates_path = Path(templates) if templates is not None else None
    taken = take(load_profile(path, templates=templates_path), edited)
    taken.not_placed += differences(taken, load_profile(path, templates=templates_path))
    folder = Path(out_dir) / output_name(path)
    if not taken.not_placed and edited.parent.resolve() == folder.resolve():
        with open_folder(folder, root=Path(out_dir)) as out:
            out.adopt(edited.name)
    return taken


def deviations(profile: str | Path, *,
               templates: str | Path | None = DEFAULT_OPTIONS.templates) -> list[Deviation]:
    """How the city's policy differs from its model, clause by clause, with the reasons
    the city recorded."""
    from .deviations import deviations as find

    return find(load(profile, templates=templates))


def list_models(*, templates: str | Path | None = DEFAULT_OPTIONS.templates) -> ModelList:
    """The shipped models and those in the user's ``templates`` folder; a broken model is
    left out and its problems listed in ``problems``, so it hides none of the others."""
    models, problems = find_models(Path(templates) if templates is not None else None)
    return ModelList(models, problems)


def build_document(profile: str | Path, *, edition: str = "council", draft: bool = False,
                   templates: str | Path | None = DEFAULT_OPTIONS.templates) -> Document:
    """The document tree for a profile, without writing anything."""
    from .document import policy_document

    return policy_document(load(profile, draft=draft, templates=templates), edition)


def output_name(path: Path, what: str = "the output folder's") -> str:
    """The name ``path`` gives its outputs (its stem), when it is one smpgen can own: a
    plain name inside the output folder, never a hidden one or a way out of it."""
    return plain_name(path.stem, f"{path}: the file's name gives {what} name, and",
                      "rename the file, for example lakeview-mn.yaml")


def plain_name(name: str, where: str, fix: str) -> str:
    """``name`` if a file or folder may be called so inside an output folder."""
    if (not name or name.startswith(".") or name != name.strip()
            or any(c in name for c in "/\\") or printable(name) != name):
        raise UserError(f"{where} {name!r} cannot be one (empty, starting with a dot or a "
                        f"space, or holding a slash or a control character); {fix}")
    return name


def _render_job(options: RenderOptions) -> str:
    return (f"render {options.edition} {','.join(options.formats)}"
            + (" draft" if options.draft else "") + (" packet" if options.packet else ""))


def _fingerprint(model: Model, profile_sha256: str, job: str, custom: str) -> str:
    # Everything a job's output depends on: smpgen itself, the model's files, the
    # profile's bytes, the city's own text and the options.
    return hashlib.sha256("\n".join([__version__, model_digest(model), profile_sha256,
                                     custom, job]).encode()).hexdigest()


_MODEL_LINE = re.compile(r"^model:[ \t]*([a-z0-9][a-z0-9-]*)[ \t]*(?:#.*)?$", re.M)


def _current(path: Path, folder: Path, options: RenderOptions, job: str) -> RenderResult | None:
    """The outputs of ``job`` if they are already current, found without validating the
    profile (so a re-run with nothing changed is quick); None when anything differs or
    cannot be told cheaply."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return None
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    found = _MODEL_LINE.search(text)
    if found is None and re.search(r"^model:", text, re.M):
        return None
    try:
        model = get_model(found.group(1) if found else DEFAULT_MODEL, options.templates)
    except ModelError:
        return None
    from .customize import folder_digest

    fingerprint = _fingerprint(model, hashlib.sha256(raw).hexdigest(), job, folder_digest(path))
    entry = current_outputs(folder, job, fingerprint)
    if entry is None:
        return None
    return RenderResult([folder / n for n in entry.files],
                        [Problem(path, *w) for w in entry.warnings], rendered=False)


def _produce(options: RenderOptions, folder: Path, job: str, profile: Profile,
             warnings: list[Problem], build: Callable[[], dict[str, bytes]]) -> RenderResult:
    """Write what ``build`` makes as ``job`` in ``folder``, unless it is current. The
    folder is locked for the whole job, so of two renders started together one writes
    and the other is told the folder is busy."""
    from .adopted import keep

    fingerprint = _fingerprint(profile.model, profile.sha256, job,
                               profile.custom.digest if profile.custom else "")
    with open_folder(folder, root=options.out_dir) as out:
        if not options.force:
            same = out.unchanged(job, fingerprint)
            if same is not None:
                return RenderResult([folder / n for n in same.files],
                                    [Problem(profile.path, *w) for w in same.warnings],
                                    rendered=False, kept=keep(profile))
        files = build()
        kept = keep(profile)  # once the policy builds: a render that fails keeps nothing
        paths = out.write(files, force=options.force, job=job, fingerprint=fingerprint,
                          warnings=[(w.line, w.field, w.message) for w in warnings])
    return RenderResult(paths, warnings, kept=kept)


def _warnings(profile: Profile) -> list[Problem]:
    from .adopted import drift
    from .lint import all_warnings

    changed = drift(profile)
    return all_warnings(profile) + ([changed] if changed else [])


def _council_warnings(profile: Profile) -> list[Problem]:
    from .summary import council_problems

    return [Problem(profile.path, profile.line_of(loc), ".".join(map(str, loc)), message)
            for loc, message in council_problems(profile)]


def _options(formats: Iterable[str], out_dir: str | Path, draft: bool, edition: Edition,
             templates: str | Path | None, force: bool, packet: bool,
             jobs: int) -> RenderOptions:
    chosen = set(formats)
    bad = sorted(f for f in chosen if f not in WRITERS)
    if bad or not chosen:
        raise UserError(f"unknown format {', '.join(bad) or '(none)'}; choose from "
                        f"{', '.join(FORMATS)}")
    if edition not in EDITIONS:
        raise UserError(f"unknown edition {edition!r}; choose from {', '.join(EDITIONS)}")
    if jobs < 0:
        raise UserError(f"jobs is {jobs}; give 1 or more processes, or 0 for one per core")
    return RenderOptions(formats=tuple(f for f in FORMATS if f in chosen), out_dir=Path(out_dir),
                         draft=draft, edition=edition,
                         templates=Path(templates) if templates is not None else None,
                         force=force, packet=packet, jobs=jobs)
