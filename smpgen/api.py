"""The library API: everything the CLI does, callable from Python with keyword arguments."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .document import model_document, policy_document
from .errors import ModelError, Problem, ProfileError
from .models import DEFAULT_MODEL, Model, find_models, get_model
from .options import DEFAULT_OPTIONS, EDITIONS, RenderOptions
from .outputs import write_files
from .profile import Profile, load_profile
from .tree import Document
from .writers import FORMATS


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
    """Render a city's policy into ``out_dir/<profile name>/``."""
    options = _options(formats, out_dir, draft, edition, templates)
    if options.edition == "model":
        raise ModelError("the model edition has no city; use render_model() / 'smpgen model'")
    loaded = load_profile(Path(profile), draft=options.draft, templates=options.templates)
    doc = policy_document(loaded, options.edition)
    suffix = "" if options.edition == "council" else f"-{options.edition}"
    paths = _write(doc, options, options.out_dir / loaded.stem, _slug(doc.info.title) + suffix)
    return RenderResult(paths, list(loaded.warnings))


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
    paths = _write(doc, options, options.out_dir / loaded.id, _slug(doc.info.title) + "-model")
    return RenderResult(paths, [])


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


def _write(doc: Document, options: RenderOptions, folder: Path, stem: str) -> list[Path]:
    # Every format is produced in memory first, so a failure writes nothing.
    files: dict[str, bytes] = {}
    for fmt in FORMATS:
        if fmt not in options.formats:
            continue
        if fmt == "docx":
            from .writers.docx import write_docx

            files[f"{stem}.docx"] = write_docx(doc)
        elif fmt == "pdf":
            from .writers.pdf import write_pdf

            files[f"{stem}.pdf"] = write_pdf(doc)
        else:
            from .writers.html import write_html

            files[f"{stem}.html"] = write_html(doc).encode("utf-8")
    return write_files(folder, files)


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "policy"
