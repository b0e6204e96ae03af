"""What the page shows for a profile, saved or not: its form with each message beside its
field, the text Save would write, the policy's preview in the edition chosen, and the
files to download, all made by the library code the CLI uses.

The form's values become a profile the way a person's edit of the file would: put into
the file's own text (:mod:`smpgen.serve.roundtrip`), then loaded as ``smpgen validate``
loads a file (:func:`smpgen.profile.load_profile` given the bytes). So the messages
are the located messages of ``validate`` (and its warnings), and what is checked is
exactly what Save writes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal

from ..errors import Problem, ProfileError, UserError
from ..models import Model
from ..profile import Profile, load_profile, model_of
from ..sourcefile import SourceFile, parse_yaml
from ..tree import Document
from .forms import FormField, Message, Node, Posted, attach, build, form_spec, read
from .roundtrip import updated_text
from .store import Folder, ProfileFile

View = Literal["council", "annotated", "model", "redline"]
"""What the preview shows: an edition of the policy, or its redline against the model."""

VIEWS: dict[View, str] = {
    "council": "Council edition",
    "annotated": "Annotated edition (drafter's notes)",
    "model": "Model edition (blanks and suggestions)",
    "redline": "Redline against the model",
}
"""Every view, in the order the page offers them, with its label."""


@dataclass(slots=True)
class Draft:
    """A profile as the page holds it, with everything loading it found."""

    file: ProfileFile
    """The file on disk the form was built from (or is put into)."""
    text: str
    """The profile's YAML: the file's own text with the form's values put in."""
    root: Node | None
    """The form's fields with their messages; None when the file cannot be read as
    YAML (then the page shows the problems only)."""
    profile: Profile | None = None
    """The profile loaded, for the preview and downloads: with blanks for required
    values still missing (``drafted``), None when it does not load even so."""
    drafted: bool = False
    """Loaded only as ``--draft`` loads: required values are missing."""
    problems: list[Problem] = field(default_factory=list)
    """What ``smpgen validate`` reports."""
    warnings: list[Problem] = field(default_factory=list)
    """And its warnings (the lint of the city's choices, citations to confirm)."""
    loose: list[Message] = field(default_factory=list)
    """Messages no field of the form holds (the whole file's, the customization's)."""
    timings: dict[str, float] = field(default_factory=dict)
    """Milliseconds spent in each stage, for the ``Server-Timing`` header."""

    @property
    def changed(self) -> bool:
        """The form holds values the file does not."""
        return self.text != self.file.text


def from_file(folder: Folder, name: str, templates: Path | None) -> Draft:
    """The profile ``name`` as saved, for the edit page."""
    file = folder.read(name)
    source = _source(file)
    if isinstance(source, ProfileError):
        return Draft(file, file.text, None, problems=source.problems)
    spec = form_spec(_model(source, templates))
    return _examined(Draft(file, file.text, build(spec, source.data)), templates)


def from_form(folder: Folder, name: str, items: Sequence[tuple[str, str]],
              templates: Path | None) -> Draft:
    """The profile ``name`` with the posted form's values, unsaved."""
    started = time.perf_counter()
    file = folder.read(name)
    source = _source(file)
    if isinstance(source, ProfileError):
        raise UserError(f"{file.path} cannot be read as YAML any more (changed on disk?); "
                        "reload the page")
    spec = form_spec(_model(source, templates))
    values = read(spec, Posted(items))
    draft = Draft(file, updated_text(file.text, spec, values, source.data), build(spec, values))
    draft.timings["form"] = _ms(started)
    return _examined(draft, templates)


def spec_of(folder: Folder, name: str, templates: Path | None) -> FormField:
    """The form of the profile ``name`` (its model's), without checking its values."""
    file = folder.read(name)
    source = _source(file)
    if isinstance(source, ProfileError):
        raise UserError(f"{file.path} cannot be read as YAML; reload the page")
    return form_spec(_model(source, templates))


def _source(file: ProfileFile) -> SourceFile | ProfileError:
    return _parsed(file.path, file.raw)


@lru_cache(maxsize=16)
def _parsed(path: Path, raw: bytes) -> SourceFile | ProfileError:
    """The file as smpgen reads it, once per version of its bytes (each keystroke's check
    puts the form's values into the same file)."""
    try:
        return parse_yaml(path, raw)
    except ProfileError as e:
        return e


def _model(source: SourceFile, templates: Path | None) -> Model:
    try:
        return model_of(source, templates)
    except ProfileError as e:
        raise UserError(e.format()) from None


def _examined(draft: Draft, templates: Path | None) -> Draft:
    """``draft`` loaded as ``validate`` loads a file, its messages put beside its fields."""
    from ..adopted import drift
    from ..lint import all_warnings

    started = time.perf_counter()
    raw = draft.text.encode("utf-8")
    path = draft.file.path
    try:
        draft.profile = load_profile(path, raw=raw, templates=templates)
        changed = drift(draft.profile)
        draft.warnings = all_warnings(draft.profile) + ([changed] if changed else [])
    except ProfileError as e:
        draft.problems = e.problems
        try:
            draft.profile = load_profile(path, raw=raw, draft=True, templates=templates)
            draft.drafted = True
        except ProfileError:
            draft.profile = None
    draft.timings["check"] = _ms(started)
    _place(draft)
    return draft


def _place(draft: Draft) -> None:
    if draft.root is None:
        return
    for node in draft.root.walk():
        node.messages.clear()
    own = [p for p in draft.problems if p.path == draft.file.path]
    mine = [p for p in draft.warnings if p.path == draft.file.path]
    draft.loose = attach(draft.root, own, mine)
    draft.loose += [Message("error", str(p), p.field, p.line) for p in draft.problems
                    if p.path != draft.file.path]


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


# The preview ---------------------------------------------------------------------------------

def preview(draft: Draft, view: View, templates: Path | None) -> str | None:
    """The policy's HTML edition for ``view`` (the page the preview frame shows); None
    when the profile does not load. A problem only building the policy finds (in the
    city's customization) joins ``draft.problems``."""
    from ..writers.html import write_html

    started = time.perf_counter()
    if view == "model":
        model = draft.profile.model if draft.profile is not None else None
        return _model_html(model) if model is not None else None
    if draft.profile is None:
        return None
    try:
        doc = view_document(draft.profile, view, templates)
    except ProfileError as e:
        draft.problems += e.problems
        _place(draft)
        return None
    draft.timings["document"] = _ms(started)
    started = time.perf_counter()
    html = write_html(doc)
    draft.timings["html"] = _ms(started)
    return html


@lru_cache(maxsize=8)
def _model_html(model: Model) -> str:
    from ..document import model_document
    from ..writers.html import write_html

    return write_html(model_document(model))


def view_document(profile: Profile, view: View, templates: Path | None) -> Document:
    """The policy as ``view`` shows it, built as ``smpgen render --edition``, ``smpgen
    model`` and ``smpgen redline`` build it."""
    from ..bundle import redline_base
    from ..document import model_document, policy_document, policy_status

    if view == "model":
        return model_document(profile.model)
    if view == "redline":
        base = redline_base(profile, "model", templates)
        return base.mark(profile, policy_document(profile), policy_status(profile))
    return policy_document(profile, view)


# Downloads -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Download:
    """One file the page offers, built as the CLI builds it."""

    key: str
    """Its name in the route (``/edit/NAME/download/KEY``) and the button's id."""
    label: str
    """The button's text."""
    build: Callable[[Profile, View, Path | None], dict[str, bytes]]
    """The file by name, from the profile and the view shown."""
    needs_form: bool = False
    """Only for a model with a tracking form."""


def _policy(fmt: Literal["docx", "pdf"]) -> Callable[[Profile, View, Path | None], dict[str, bytes]]:
    def build(profile: Profile, view: View, templates: Path | None) -> dict[str, bytes]:
        from ..bundle import slug
        from ..writers import document_files

        doc = view_document(profile, view, templates)
        suffix = "" if view == "council" else f"-{view}"
        return document_files(doc, slug(doc.info.title) + suffix, (fmt,))

    return build


def _form(profile: Profile, view: View, templates: Path | None) -> dict[str, bytes]:
    from ..bundle import FORM_STEM
    from ..removals import tracking_form
    from ..writers import form_files

    return form_files(tracking_form(profile), FORM_STEM, ("pdf",))


def _packet(profile: Profile, view: View, templates: Path | None) -> dict[str, bytes]:
    from ..bundle import packet_files

    return packet_files(profile)


DOWNLOADS: dict[str, Download] = {d.key: d for d in (
    Download("policy-docx", "Policy as DOCX (Word)", _policy("docx")),
    Download("policy-pdf", "Policy as PDF", _policy("pdf")),
    Download("form-pdf", "Tracking form as PDF", _form, needs_form=True),
    Download("packet-pdf", "Council packet as PDF", _packet),
)}
"""The downloads, in the order the page offers them. The policy's follow the view the
preview shows (its edition, or the redline); the form and the packet are the council's."""
