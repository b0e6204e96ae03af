"""The library API: everything the CLI does, callable from Python with keyword arguments."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .document import model_document, policy_document
from .errors import ModelError, Problem, ProfileError
from .form import TrackingForm, load_record, tracking_form
from .models import DEFAULT_MODEL, Model, find_models, get_model
from .options import DEFAULT_OPTIONS, EDITIONS, RenderOptions
from .outputs import write_files
from .profile import Profile, load_profile
from .summary import agenda_label, missing_council_fields, summary_document
from .tree import Document, plain
from .writers import FORMATS

FORM_STEM = "tracking-form"
SUMMARY_STEM = "executive-summary"
PACKET_NAME = "council-packet.pdf"


@dataclass(frozen=True, slots=True)
class RenderResult:
    """What a render wrote, and what it warned about."""

    paths: list[Path]
    """Every file written, in format order."""
    warnings: list[Problem]
    """Located warnings (e.g. a records-law citation to confirm)."""


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
) -> RenderResult:
    """Render a city's policy into ``out_dir/<profile name>/``; the council edition also
    writes the removed-comments tracking form and the council executive summary."""
    options = _options(formats, out_dir, draft, edition, templates)
    if options.edition == "model":
        raise ModelError("the model edition has no city; use render_model() / 'smpgen model'")
    loaded = load_profile(Path(profile), draft=options.draft, templates=options.templates)
    policy = policy_document(loaded, options.edition)
    stem = _slug(policy.info.title)
    if options.edition != "council":
        files = _document_files(policy, f"{stem}-{options.edition}", options.formats)
        return RenderResult(write_files(options.out_dir / loaded.stem, files), list(loaded.warnings))
    files = _document_files(policy, stem, options.formats)
    if loaded.model.tracking_form:
        files |= _form_files(tracking_form(loaded), FORM_STEM, options.formats)
    summary = summary_document(loaded, attachments(loaded, policy))
    files |= _document_files(summary, SUMMARY_STEM, options.formats)
    paths = write_files(options.out_dir / loaded.stem, files)
    return RenderResult(paths, [*loaded.warnings, *_council_warnings(loaded)])


def packet(
    profile: str | Path,
    *,
    out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
    draft: bool = DEFAULT_OPTIONS.draft,
    templates: str | Path | None = DEFAULT_OPTIONS.templates,
) -> RenderResult:
    """Write one council packet PDF: the executive summary, then the policy and the blank
    tracking form as lettered attachments, each page footed with the agenda number."""
    from .packet import Part, attachment_letter, join
    from .writers.pdf import write_form_pdf, write_pdf

    options = _options(("pdf",), out_dir, draft, "council", templates)
    loaded = load_profile(Path(profile), draft=options.draft, templates=options.templates)
    policy = policy_document(loaded, "council")
    agenda = agenda_label(loaded)
    parts_docs: list[tuple[str, Document | TrackingForm]] = [(policy.info.title, policy)]
    if loaded.model.tracking_form:
        form = tracking_form(loaded)
        parts_docs.append((form.title, form))
    summary = summary_document(loaded, attachments(loaded, policy))
    parts = [Part(summary.info.title, write_pdf(summary))]
    for i, (title, doc) in enumerate(parts_docs):
        label = f"Attachment {attachment_letter(i)}"
        footer = f"{agenda} | {label}" if agenda else label
        if isinstance(doc, Document):
            doc.info.footer_label = footer
            pdf = write_pdf(doc)
        else:
            doc.footer_label = footer
            pdf = write_form_pdf(doc)
        parts.append(Part(f"{label}: {title}", pdf))
    title = f"{plain(policy.info.jurisdiction)} \u2014 {summary.info.title}: {policy.info.title}"
    identifier = hashlib.sha256(b"".join(p.pdf for p in parts)).hexdigest()[:32].encode()
    files = {PACKET_NAME: join(parts, title=title, identifier=identifier)}
    paths = write_files(options.out_dir / loaded.stem, files)
    return RenderResult(paths, [*loaded.warnings, *_council_warnings(loaded)])


def fill_form(
    profile: str | Path,
    record: str | Path,
    *,
    formats: Iterable[str] = ("docx", "pdf"),
    out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
    templates: str | Path | None = DEFAULT_OPTIONS.templates,
) -> RenderResult:
    """Write the tracking form filled in for one removal, from a record file."""
    options = _options(formats, out_dir, False, "council", templates)
    loaded = load_profile(Path(profile), draft=True, templates=options.templates)
    form = tracking_form(loaded)
    form.record = load_record(Path(record), form)
    files = _form_files(form, Path(record).stem, options.formats)
    folder = options.out_dir / loaded.stem / "removed-comments"
    return RenderResult(write_files(folder, files), list(loaded.warnings))


def attachments(profile: Profile, policy: Document) -> list[str]:
    """What the packet attaches behind the summary, lettered as the packet letters them."""
    from .packet import attachment_letter

    names = [policy.info.title + (" (draft)" if policy.info.draft else "")]
    if profile.model.tracking_form:
        names.append("Removed Comment Tracking Form")
    return [f"Attachment {attachment_letter(i)}: {name}" for i, name in enumerate(names)]


def _council_warnings(profile: Profile) -> list[Problem]:
    from .sourcefile import load_yaml

    source = load_yaml(profile.path)
    return [Problem(profile.path, source.line_of(loc), ".".join(map(str, loc)),
                    "not given; the executive summary shows a blank")
            for loc in missing_council_fields(profile)]


def render_model(
    model: str = DEFAULT_MODEL,
    *,
    formats: Iterable[str] = DEFAULT_OPTIONS.formats,
    out_dir: str | Path = DEFAULT_OPTIONS.out_dir,
    templates: str | Path | None = DEFAULT_OPTIONS.templates,
) -> RenderResult:
    """Render the model itself, as league staff publish it, into ``out_dir/<model id>/``."""
    options = _options(formats, out_dir, False, "model", templates)
    loaded = get_model(model, options.templates)
    doc = model_document(loaded)
    files = _document_files(doc, _slug(doc.info.title) + "-model", options.formats)
    return RenderResult(write_files(options.out_dir / loaded.id, files), [])


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


def _options(formats: Iterable[str], out_dir: str | Path, draft: bool, edition: str,
             templates: str | Path | None) -> RenderOptions:
    chosen = tuple(dict.fromkeys(formats))
    bad = [f for f in chosen if f not in FORMATS]
    if bad or not chosen:
        raise ModelError(f"unknown format {', '.join(bad) or '(none)'}; choose from "
                         f"{', '.join(FORMATS)}")
    if edition not in EDITIONS:
        raise ModelError(f"unknown edition {edition!r}; choose from {', '.join(EDITIONS)}")
    return RenderOptions(formats=chosen, out_dir=Path(out_dir), draft=draft, edition=edition,
                         templates=Path(templates) if templates is not None else None)


def _document_files(doc: Document, stem: str, formats: tuple[str, ...]) -> dict[str, bytes]:
    # Every format is produced in memory first, so a failure writes nothing.
    files: dict[str, bytes] = {}
    if "docx" in formats:
        from .writers.docx import write_docx

        files[f"{stem}.docx"] = write_docx(doc)
    if "pdf" in formats:
        from .writers.pdf import write_pdf

        files[f"{stem}.pdf"] = write_pdf(doc)
    if "html" in formats:
        from .writers.html import write_html

        files[f"{stem}.html"] = write_html(doc).encode("utf-8")
    return files


def _form_files(form: TrackingForm, stem: str, formats: tuple[str, ...]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    if "docx" in formats:
        from .writers.form_docx import write_form_docx

        files[f"{stem}.docx"] = write_form_docx(form)
    if "pdf" in formats:
        from .writers.pdf import write_form_pdf

        files[f"{stem}.pdf"] = write_form_pdf(form)
    return files


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "policy"
