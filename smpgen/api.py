"""The library API: everything the CLI does, callable from Python with keyword arguments."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from . import bundle
from .document import model_document, policy_document
from .errors import ModelError, Problem, ProfileError
from .form import load_record, tracking_form
from .models import DEFAULT_MODEL, Model, find_models, get_model, model_digest
from .options import DEFAULT_OPTIONS, EDITIONS, RenderOptions
from .outputs import current_outputs, open_folder
from .profile import Profile, load_profile
from .summary import missing_council_fields
from .tree import Document
from .version import __version__
from .writers import FORMATS


@dataclass(frozen=True, slots=True)
class RenderResult:
    """What a job wrote (or found unchanged), and what it warned about."""

    paths: list[Path]
    """Every file of the job, in format order."""
    warnings: list[Problem]
    """Located warnings (e.g. a records-law citation to confirm)."""
    rendered: bool = True
    """False when the inputs and outputs were unchanged, so nothing was written."""


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
    formats: Iterable[str] = DEFAULT_OPTIONS.formats,
    out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
    draft: bool = DEFAULT_OPTIONS.draft,
    edition: str = DEFAULT_OPTIONS.edition,
    templates: str | Path | None = DEFAULT_OPTIONS.templates,
    force: bool = DEFAULT_OPTIONS.force,
    packet: bool = False,
    jobs: int = 1,
) -> RenderResult:
    """Render a city's policy into ``out_dir/<profile name>/``; the council edition also
    writes the removed-comments tracking form, the council executive summary and, with
    ``packet``, the council packet PDF. With ``jobs`` above 1 a forked helper makes
    part of the files meanwhile (see :func:`smpgen.bundle.city_files`).

    Skipped when nothing it depends on changed and its outputs are intact, unless
    ``force``; ``force`` also overwrites files a person edited, keeping a backup."""
    options = _options(formats, out_dir, draft, edition, templates, force)
    if options.edition == "model":
        raise ModelError("the model edition has no city; use render_model() / 'smpgen model'")
    packet = packet and options.edition == "council"
    job = _render_job(options, packet)
    current = None if options.force else _current(Path(profile), options, job)
    if current is not None:
        return RenderResult(current, [], rendered=False)
    loaded = load_profile(Path(profile), draft=options.draft, templates=options.templates)
    paths, rendered = _produce(options, options.out_dir / loaded.stem, job, loaded,
                               lambda: bundle.city_files(loaded, options.edition, options.formats,
                                                         packet=packet, jobs=jobs))
    warnings = list(loaded.warnings)
    if options.edition == "council":
        warnings += _council_warnings(loaded)
    return RenderResult(paths, warnings, rendered)


def current_render(
    profile: str | Path,
    *,
    formats: Iterable[str] = DEFAULT_OPTIONS.formats,
    out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
    draft: bool = DEFAULT_OPTIONS.draft,
    edition: str = DEFAULT_OPTIONS.edition,
    templates: str | Path | None = DEFAULT_OPTIONS.templates,
    force: bool = DEFAULT_OPTIONS.force,
    packet: bool = False,
) -> list[Path] | None:
    """The files :func:`render` would leave unchanged for these arguments, or None when it
    would render (quick: the profile is not validated)."""
    options = _options(formats, out_dir, draft, edition, templates, force)
    if options.force or options.edition == "model":
        return None
    return _current(Path(profile), options, _render_job(options, packet and edition == "council"))


def packet(
    profile: str | Path,
    *,
    out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
    draft: bool = DEFAULT_OPTIONS.draft,
    templates: str | Path | None = DEFAULT_OPTIONS.templates,
    force: bool = DEFAULT_OPTIONS.force,
) -> RenderResult:
    """Write one council packet PDF: the executive summary, then the policy and the blank
    tracking form as lettered attachments, each page footed with the agenda number."""
    options = _options(("pdf",), out_dir, draft, "council", templates, force)
    loaded = load_profile(Path(profile), draft=options.draft, templates=options.templates)
    paths, rendered = _produce(options, options.out_dir / loaded.stem,
                               "packet" + (" draft" if draft else ""), loaded,
                               lambda: bundle.packet_files(loaded))
    return RenderResult(paths, [*loaded.warnings, *_council_warnings(loaded)], rendered)


def fill_form(
    profile: str | Path,
    record: str | Path,
    *,
    formats: Iterable[str] = ("docx", "pdf"),
    out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
    templates: str | Path | None = DEFAULT_OPTIONS.templates,
    force: bool = DEFAULT_OPTIONS.force,
) -> RenderResult:
    """Write the tracking form filled in for one removal, from a record file, into
    ``out_dir/<profile name>/removed-comments/``."""
    options = _options(formats, out_dir, False, "council", templates, force)
    loaded = load_profile(Path(profile), draft=True, templates=options.templates)
    form = tracking_form(loaded)
    form.record = load_record(Path(record), form)
    folder = options.out_dir / loaded.stem / "removed-comments"
    with open_folder(folder) as out:
        files = bundle.form_files(form, Path(record).stem, options.formats)
        paths = out.write(files, force=options.force)
    return RenderResult(paths, list(loaded.warnings))


def render_model(
    model: str = DEFAULT_MODEL,
    *,
    formats: Iterable[str] = DEFAULT_OPTIONS.formats,
    out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
    templates: str | Path | None = DEFAULT_OPTIONS.templates,
    force: bool = DEFAULT_OPTIONS.force,
) -> RenderResult:
    """Render the model itself, as league staff publish it, into ``out_dir/<model id>/``."""
    options = _options(formats, out_dir, False, "model", templates, force)
    loaded = get_model(model, options.templates)
    with open_folder(options.out_dir / loaded.id) as out:
        doc = model_document(loaded)
        files = bundle.document_files(doc, bundle.slug(doc.info.title) + "-model", options.formats)
        return RenderResult(out.write(files, force=options.force), [])


def validate(profiles: Iterable[str | Path], *, draft: bool = False,
             templates: str | Path | None = DEFAULT_OPTIONS.templates) -> list[ValidationReport]:
    """Validate each profile; never raises for a bad profile, reports it instead."""
    reports = []
    folder = Path(templates) if templates is not None else None
    for path in profiles:
        try:
            loaded = load_profile(Path(path), draft=draft, templates=folder)
        except ProfileError as e:
            reports.append(ValidationReport(Path(path), e.problems, []))
        else:
            reports.append(ValidationReport(Path(path), [], list(loaded.warnings)))
    return reports


def load(profile: str | Path, *, draft: bool = False,
         templates: str | Path | None = DEFAULT_OPTIONS.templates) -> Profile:
    """Load and validate one profile (raises :class:`ProfileError`)."""
    return load_profile(Path(profile), draft=draft,
                        templates=Path(templates) if templates is not None else None)


def list_models(*, templates: str | Path | None = DEFAULT_OPTIONS.templates) -> list[Model]:
    """The shipped models and those in the user's ``templates`` folder."""
    return find_models(Path(templates) if templates is not None else None)


def build_document(profile: str | Path, *, edition: str = "council", draft: bool = False,
                   templates: str | Path | None = DEFAULT_OPTIONS.templates) -> Document:
    """The document tree for a profile, without writing anything."""
    return policy_document(load(profile, draft=draft, templates=templates), edition)


def _render_job(options: RenderOptions, packet: bool) -> str:
    return (f"render {options.edition} {','.join(options.formats)}"
            + (" draft" if options.draft else "") + (" packet" if packet else ""))


def _fingerprint(model: Model, profile_sha256: str, job: str) -> str:
    # Everything a job's output depends on: smpgen itself, the model's files, the
    # profile's bytes and the options.
    return hashlib.sha256("\n".join([__version__, model_digest(model), profile_sha256,
                                     job]).encode()).hexdigest()


_MODEL_LINE = re.compile(r"^model:[ \t]*([a-z0-9][a-z0-9-]*)[ \t]*(?:#.*)?$", re.M)


def _current(path: Path, options: RenderOptions, job: str) -> list[Path] | None:
    """The outputs of ``job`` if they are already current, found without validating the
    profile (so a re-run with nothing changed is quick); None when anything differs or
    cannot be told cheaply."""
    try:
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
    fingerprint = _fingerprint(model, hashlib.sha256(raw).hexdigest(), job)
    return current_outputs(options.out_dir / path.stem, job, fingerprint)


def _produce(options: RenderOptions, folder: Path, job: str, profile: Profile,
             build: Callable[[], dict[str, bytes]]) -> tuple[list[Path], bool]:
    fingerprint = _fingerprint(profile.model, profile.sha256, job)
    with open_folder(folder) as out:
        if not options.force:
            same = out.unchanged(job, fingerprint)
            if same is not None:
                return same, False
        return out.write(build(), force=options.force, job=job, fingerprint=fingerprint), True


def _council_warnings(profile: Profile) -> list[Problem]:
    return [Problem(profile.path, profile.line_of(loc), ".".join(map(str, loc)),
                    "not given; the executive summary shows a blank")
            for loc in missing_council_fields(profile)]


def _options(formats: Iterable[str], out_dir: str | Path, draft: bool, edition: str,
             templates: str | Path | None, force: bool) -> RenderOptions:
    chosen = tuple(dict.fromkeys(formats))
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise ModelError(f"unknown format {', '.join(bad) or '(none)'}; choose from "
                         f"{', '.join(FORMATS)}")
    if edition not in EDITIONS:
        raise ModelError(f"unknown edition {edition!r}; choose from {', '.join(EDITIONS)}")
    return RenderOptions(formats=chosen, out_dir=Path(out_dir), draft=draft, edition=edition,
                         templates=Path(templates) if templates is not None else None,
                         force=force)
