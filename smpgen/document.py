"""Stage 4b: assemble the document tree for a city or for the league's model edition."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .budget import render_budget
from .context import inlines_of, lookup, model_context, profile_context
from .errors import ModelError
from .models import Model
from .numbering import Scheme, number_sections, references, scheme
from .parse import parse_blocks, parse_section
from .profile import Profile, model_provenance
from .text import TextRenderer
from .tree import Block, Document, DocumentInfo, Inline, Section, Text, long_date, plain


@lru_cache(maxsize=16)
def model_renderer(model: Model) -> TextRenderer:
    """The text renderer of ``model``, made once per version of its folder (an edited
    model is a new :class:`Model`, see :func:`smpgen.models.load_model`)."""
    return TextRenderer(model)


def policy_document(profile: Profile, edition: str = "council") -> Document:
    """The policy for a city; ``edition`` is ``council`` or ``annotated``."""
    context = profile_context(profile)
    values = profile.values
    doc_values = values["document"]
    adoption = doc_values["adoption"]
    table: list[tuple[str, list[list[Inline]]]] = []
    if profile.adopted:
        status: list[Inline] = [Text(f"Adopted {long_date(adoption['adopted'])}")]
        table = [("Resolution", [[Text(str(adoption["resolution"]))]]),
                 ("Adopted", [[Text(long_date(adoption["adopted"]))]]),
                 ("Effective", [[Text(long_date(adoption["effective"]))]])]
    else:
        status = [Text("Draft for review by the city attorney before adoption")]
    meta: list[tuple[str, list[Inline]]] = []
    if doc_values["policy_number"]:
        meta.append(("Policy number", [Text(doc_values["policy_number"])]))
    meta += [("Version", [Text(doc_values["version"])]), ("Status", status)]
    info = DocumentInfo(
        jurisdiction=inlines_of(context["city"]["full_name"]),
        title=context["document"]["title"],
        meta=meta,
        table=table,
        table_caption="Adoption" if table else "",
        draft=not profile.adopted,
        numbering=doc_values["numbering"],
        number_prefix=doc_values["policy_number"],
        language=doc_values["language"],
        subject="",
        date=profile.date,
        provenance=profile.provenance,
    )
    info.subject = f"{info.title} of the {plain(info.jurisdiction)}"
    context["edition"] = edition
    return _assemble(profile.model, context, info, keep_notes=edition == "annotated",
                     front_note=edition == "annotated")


def model_document(model: Model) -> Document:
    """The league's edition: every blank visible, drafter's notes shown."""
    context = model_context(model)
    info = DocumentInfo(
        jurisdiction=inlines_of(context["city"]["full_name"]),
        title=model.title,
        meta=[("Version", [Text(model.version)]),
              ("Status", [Text(f"Model policy published by {model.publisher}")])],
        table=[],
        table_caption="",
        draft=False,
        numbering=context["document"]["numbering"],
        number_prefix=None,
        language=context["document"]["language"],
        subject=f"Model {model.title.lower()} for cities to adapt",
        provenance=model_provenance(model),
    )
    context["edition"] = "model"
    return _assemble(model, context, info, keep_notes=True, front_note=True)


def _assemble(model: Model, context: dict[str, Any], info: DocumentInfo, *,
              keep_notes: bool, front_note: bool) -> Document:
    renderer = model_renderer(model)
    numbering = scheme(info.numbering, info.number_prefix)
    front: list[Block] = []
    sections: list[Section] = []
    with render_budget():  # the limits hold for the whole document
        if front_note and model.front_note:
            rendered = renderer.render(model.front_note, context)
            front = parse_blocks(rendered, keep_notes=True,
                                 where=str(model.path / model.front_note))
        for spec in model.sections:
            if spec.include_if and not lookup(context, spec.include_if):
                continue
            rendered = renderer.render(spec.source, context)
            section = parse_section(rendered, spec.id, [Text(spec.title)],
                                    keep_notes=keep_notes, where=str(model.path / spec.source))
            _check_depth(section, numbering, renderer, spec.source)
            sections.append(section)
    doc = Document(info, front, sections)
    known = number_sections(doc, numbering)
    for section in sections:
        for target in references([section]):
            if target not in known:
                raise ModelError(f"{model.path / model.section(section.id).source}: refers to "
                                 f"section {target!r}, which is not in this policy (unknown id, "
                                 "or an optional section that is switched off)")
    return doc


def _check_depth(section: Section, numbering: Scheme, renderer: TextRenderer,
                 source: str) -> None:
    """Refuse a subsection deeper than the scheme numbers headings, at its heading's line
    (found in the section file by its ``{#id}``)."""
    levels = len(numbering.headings)
    stack = [section]
    while stack:
        node = stack.pop()
        if node.level > levels:
            name = node.id.rsplit(".", 1)[-1]
            line = renderer.line_of(source, f"{{#{name}}}")
            raise ModelError(f"{renderer.model.path / source}:{line}: a '{'#' * node.level}' "
                             "heading is deeper than the numbering goes; subsections go down "
                             f"to '{'#' * levels}'")
        stack.extend(b for b in node.blocks if isinstance(b, Section))
