"""Stage 4b: assemble the document tree for a city or for the league's model edition."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

from .budget import render_budget
from .context import inlines_of, lookup, model_context, profile_context
from .customize import (
    Customization,
    TextFile,
    arrange,
    clauses_of,
    fill,
    overlay,
    section_text,
)
from .errors import ModelError, Problem, ProfileError
from .lint import all_warnings, section_of
from .modelmanifest import ModelEdition, SectionSpec
from .models import Model
from .numbering import Scheme, number_sections, references, scheme_for
from .parse import parse_blocks, parse_section
from .profile import Profile
from .records import records_laws
from .text import RenderedText, TextRenderer
from .tree import (
    Blank,
    Block,
    Document,
    DocumentInfo,
    Inline,
    ListBlock,
    ListItem,
    Note,
    Paragraph,
    Section,
    Strong,
    Text,
    XRef,
    long_date,
    merge_text,
    plain,
)


@lru_cache(maxsize=16)
def model_renderer(model: Model) -> TextRenderer:
    """The text renderer of ``model``, made once per version of its folder (an edited
    model is a new :class:`Model`, see :func:`smpgen.models.load_model`)."""
    return TextRenderer(model)


Status = Literal["draft", "proposed", "adopted"]
"""Where a policy stands in its life: the city attorney's draft (marked DRAFT), the copy
proposed to the council meeting that acts on it, or the adopted policy."""


def policy_status(profile: Profile) -> Status:
    """The status ``document.status`` gives; left out, ``adopted`` once the adoption is
    recorded and ``draft`` until then."""
    chosen: Status | None = profile.values["document"]["status"]
    if chosen is None:
        return "adopted" if profile.adopted else "draft"
    if chosen == "adopted" and not profile.adopted:
        loc = ("document", "status")
        raise ProfileError([Problem(profile.path, profile.line_of(loc), "document.status",
                                    "is adopted, but the adoption is not recorded; fill in "
                                    "document.adoption (resolution, adopted and effective), "
                                    "or leave status out")])
    return chosen


def policy_document(profile: Profile, edition: str = "council",
                    status: Status | None = None, *, customized: bool = True) -> Document:
    """The policy for a city; ``edition`` is ``council`` or ``annotated``; ``status``
    overrides :func:`policy_status`; ``customized=False`` leaves out the city's own text
    (the model as it reads with the city's values)."""
    status = status or policy_status(profile)
    context = profile_context(profile)
    doc_values = profile.values["document"]
    info = DocumentInfo(
        jurisdiction=inlines_of(context["city"]["full_name"]),
        title=context["document"]["title"],
        meta=[],
        table=[],
        table_caption="",
        draft=False,
        numbering=doc_values["numbering"],
        number_prefix=doc_values["policy_number"],
        language=doc_values["language"],
        subject="",
        date=profile.date,
        provenance=profile.provenance,
        heading_case=doc_values["heading_case"],
        list_markers=tuple(doc_values["list_markers"] or ()),
    )
    _set_status(info, profile, status)
    info.subject = f"{info.title} of the {plain(info.jurisdiction)}"
    context["edition"] = edition
    context["document"]["status"] = status
    annotated = edition == "annotated"
    custom = profile.custom if customized else _switches_only(profile.custom, profile.model)
    doc = _assemble(profile.model, context, info, keep_notes=annotated, front_note=annotated,
                    warnings=all_warnings(profile) if annotated else (), custom=custom)
    if annotated and custom is not None:
        from .deviations import deviation_note, deviations

        doc.front.insert(0, deviation_note(deviations(profile)))
    return doc


def with_status(policy: Document, profile: Profile, status: Status) -> Document:
    """``policy`` as it reads at another point of its life (the council packet carries it
    as proposed); the sections are shared, not rendered again."""
    info = replace(policy.info)
    _set_status(info, profile, status)
    return Document(info, policy.front, policy.sections)


def _set_status(info: DocumentInfo, profile: Profile, status: Status) -> None:
    """The title block's status line, the adoption block and the DRAFT mark."""
    doc_values, council = profile.values["document"], profile.values["council"]
    adoption = doc_values["adoption"]
    info.table, info.table_caption = [], ""
    line: list[Inline]
    if status == "adopted":
        line = [Text(f"Adopted {long_date(adoption['adopted'])}")]
        info.table = [("Resolution", [[Text(str(adoption["resolution"]))]]),
                      ("Adopted", [[Text(long_date(adoption["adopted"]))]]),
                      ("Effective", [[Text(long_date(adoption["effective"]))]])]
        info.table_caption = "Adoption"
    elif status == "proposed":
        # Before the meeting the policy is not adopted, whatever dates are recorded for it.
        by = f" by Resolution {adoption['resolution']}" if adoption["resolution"] else ""
        line = [Text(f"Proposed for adoption{by}, {council['body']} of ")]
        line += [Text(long_date(council["meeting_date"]))] if council["meeting_date"] else \
            [Blank("council.meeting_date", "meeting date")]
    else:
        line = [Text("Draft for review by the city attorney before adoption")]
    info.meta = [("Policy number", [Text(doc_values["policy_number"])])] \
        if doc_values["policy_number"] else []
    info.meta += [("Version", [Text(doc_values["version"])]), ("Status", line)]
    info.draft = status == "draft"


def model_document(model: Model, edition: ModelEdition | None = None) -> Document:
    """The league's edition: every blank visible, drafter's notes shown, each choice's
    alternatives printed and labelled (the model's text writes them, see
    :func:`alternative_label`), each optional section marked ``[Optional]``.

    ``edition`` (the options of ``smpgen model``) over the model's own (``edition:`` in
    its model.yaml) sets who publishes it, its date, version label and credit line, the
    note read first, its numbering and heading style; ``edition.state`` fills in the
    state's terms and leaves every city's value blank."""
    edition = (edition or ModelEdition()).over(model.edition)
    context = model_context(model, edition.state)
    publisher = edition.publisher or model.publisher
    numbering = edition.numbering or context["document"]["numbering"]
    context["document"]["numbering"] = numbering
    context["document"]["heading_case"] = edition.heading_case
    law = records_laws()[edition.state] if edition.state else None
    cities = f"{law.state_name} cities" if law else "cities"
    meta: list[tuple[str, list[Inline]]] = [
        ("Published by", [Text(publisher)]),
        ("Version", [Text(edition.label or model.version)])]
    if edition.date is not None:
        meta.append(("Date", [Text(long_date(edition.date))]))
    meta.append(("Status", [Text(f"Model policy for {cities} to adapt")]))
    if edition.credit:
        meta.append(("", [Text(edition.credit)]))
    # No smpgen in the file's properties: the model and its publisher, and the state.
    provenance = {"Model": f"{model.id} {model.version}", "Publisher": publisher}
    if law is not None:
        provenance["State"] = law.state
    info = DocumentInfo(
        jurisdiction=inlines_of(context["city"]["full_name"]),
        title=model.title,
        meta=meta,
        table=[],
        table_caption="",
        draft=False,
        numbering=numbering,
        number_prefix=None,
        language=context["document"]["language"],
        subject=f"Model {model.title.lower()} for {cities} to adapt",
        date=edition.date,
        provenance=provenance,
        heading_case=edition.heading_case,
        author=publisher,
    )
    context["edition"] = "model"
    doc = _assemble(model, context, info, keep_notes=True, front_note=True)
    for section in doc.sections:
        _name_lists_after_alternatives(section.blocks)
    if edition.note:
        doc.front.insert(0, _read_first(edition, context))
    _mark_optional(model, doc)
    return doc


def alternative_label(item: ListItem) -> str | None:
    """The label of ``item`` when it is one of the alternatives the league's edition
    prints ("Option A \u2014 comments open", "[Optional] With Option B"), else None.

    A model writes a choice's alternatives as a bulleted list, one item each: the item's
    id starts with ``option-`` (or ``optional-`` for text a city may keep or leave out),
    its first paragraph is the label in bold, and the clauses after it are the
    alternative's text, each with its own id. Deleting the item deletes the alternative.
    """
    local = (item.id or "").rsplit(".", 1)[-1]
    first = item.blocks[0] if item.blocks else None
    if not local.startswith(("option-", "optional-")) or not isinstance(first, Paragraph):
        return None
    return plain(first.children)


def _name_lists_after_alternatives(blocks: list[Block]) -> None:
    """A list whose items carry no ids (one a loop writes) takes them from the clause
    before it, ``grounds-1``, ``grounds-2``, ... (see :func:`smpgen.parse.name_clauses`).
    After a choice's alternatives that clause is the last alternative; here the list takes
    them from the clause the first alternative ends with instead, as in a city's policy,
    where that alternative is the text before the list."""
    for before, block in pairwise(blocks):
        if not (isinstance(before, ListBlock) and isinstance(block, ListBlock) and
                before.items and alternative_label(before.items[-1]) is not None):
            continue
        last = before.items[-1].id
        ends = [b.id for b in before.items[0].blocks[1:] if isinstance(b, Paragraph) and b.id]
        if ends and all(item.id == f"{last}-{n}" for n, item in enumerate(block.items, 1)):
            for n, item in enumerate(block.items, 1):
                item.id = f"{ends[-1]}-{n}"
    for block in blocks:
        if isinstance(block, Section):
            _name_lists_after_alternatives(block.blocks)


OPTIONAL_LABEL = "[Optional]"
"""How the league's edition marks an optional section: a drafter's note that opens the
section and starts with this, in bold."""


def is_optional_section(section: Section) -> bool:
    """Whether the league's edition marks ``section`` as one a city may leave out (its
    first block is a note starting with :data:`OPTIONAL_LABEL` in bold); deleting the
    section deletes it."""
    first = section.blocks[0] if section.blocks else None
    lead = first.blocks[0] if isinstance(first, Note) and first.blocks else None
    return isinstance(lead, Paragraph) and bool(lead.children) and \
        lead.children[0] == Strong([Text(OPTIONAL_LABEL)])


def _mark_optional(model: Model, doc: Document) -> None:
    """Open each optional section with a note that says so and names the clauses that
    refer to it, which a city leaving the section out must reword."""
    optional = {spec.id for spec in model.sections if spec.include_if}
    numbered = scheme_for(doc.info).numbered
    for section in doc.sections:
        if section.id not in optional:
            continue
        citing = [other.id for other in doc.sections if other is not section and any(
            t == section.id or t.startswith(section.id + ".") for t in _policy_refs(other.blocks))]
        words: list[Inline] = [Strong([Text(OPTIONAL_LABEL)]),
                               Text(" A city may keep this section or leave it out" +
                                    ("; leaving it out renumbers the sections after it"
                                     if numbered else ""))]
        if citing:
            words.append(Text(", and the " + ("reference" if len(citing) == 1 else "references")
                              + " to it in "))
            for i, target in enumerate(citing):
                if i:
                    words.append(Text(" and " if i == len(citing) - 1 else ", "))
                words.append(XRef(target, first=i == 0, last=i == len(citing) - 1,
                                  plural=len(citing) > 1))
            words.append(Text(" must then be reworded"))
        section.blocks.insert(0, Note([Paragraph(merge_text([*words, Text(".")]))]))


def _policy_refs(blocks: Sequence[Block | ListItem]) -> list[str]:
    """The sections the policy text among ``blocks`` refers to (drafter's notes left out)."""
    found: list[str] = []
    for block in blocks:
        if isinstance(block, Paragraph):
            found += references([block])
        elif isinstance(block, ListBlock):
            found += _policy_refs(block.items)
        elif isinstance(block, ListItem | Section):
            found += _policy_refs(block.blocks)
    return found


def _read_first(edition: ModelEdition, context: dict[str, Any]) -> Note:
    """The edition's read-first note, its values filled in as in a city's own text."""
    where = edition.note_path or "the note"
    rendered = fill(TextFile("", Path(where), edition.note), lambda name: _value(context, name))
    blocks: list[Block] = []
    for block in parse_blocks(rendered, keep_notes=True, where=where):
        blocks += block.blocks if isinstance(block, Note) else [block]
    return Note(blocks)


def _assemble(model: Model, context: dict[str, Any], info: DocumentInfo, *,
              keep_notes: bool, front_note: bool,
              warnings: Sequence[Problem] = (), custom: Customization | None = None) -> Document:
    """Render and parse the front note and each included section, with the city's own
    text (``custom``) put in; with ``warnings`` (the annotated edition), print each beside
    the section it touches and list them all, with the optional sections chosen, for the
    front note (``annotations`` in its context)."""
    renderer = model_renderer(model)
    numbering = scheme_for(info)
    layers = [*model.layers, *([custom] if custom is not None else [])]
    chosen = set(city_sections(model, context, custom))  # dropping one switches it off
    included = [spec for spec in model.sections if spec.id in chosen]
    placed = [(_beside(w, included), w) for w in warnings]
    context["annotations"] = {
        "warnings": [{"section": _title(model, where), "message": w.message}
                     for where, w in placed],
        "optional_sections": [{"title": spec.title, "included": spec in included}
                              for spec in model.sections if spec.include_if],
    }
    front: list[Block] = []
    sections: list[Section] = []

    def render(text: TextFile) -> RenderedText:
        return fill(text, lambda name: _value(context, name))

    def city_text(section: Section, after: int) -> None:
        """The clause texts of the layers from ``after`` on, in order."""
        for layer in layers[after:]:
            if section.id in layer.texts:
                overlay(layer, section, render)

    with render_budget():  # the limits hold for the whole document
        if front_note and model.front_note:
            rendered = renderer.render(model.front_note, context)
            front = parse_blocks(rendered, keep_notes=True,
                                 where=str(model.path / model.front_note))
        for spec in included:
            whole = [i for i, layer in enumerate(layers)
                     if (c := layer.sections.get(spec.id)) is not None and c.replace]
            if whole:
                layer = layers[whole[-1]]
                section = section_text(layer, spec.id, spec.title, render,
                                       keep_notes=keep_notes)
                _check_custom_depth(section, numbering, layer.texts[spec.id])
                city_text(section, whole[-1] + 1)
            else:
                rendered = renderer.render(spec.source, context)
                section = parse_section(rendered, spec.id, [Text(spec.title)],
                                        keep_notes=keep_notes,
                                        where=str(model.path / spec.source))
                _check_depth(section, numbering, renderer, spec.source)
                city_text(section, 0)
            beside = [w.message for where, w in placed if where == spec.id]
            if beside:
                _after_last_note(section, warning_note(beside))
            sections.append(section)
        known_ids = {spec.id for spec in model.sections}
        for i, layer in enumerate(layers):
            own = []
            for change in layer.own_sections(known_ids):
                section = section_text(layer, change.id, change.title or "", render,
                                       keep_notes=keep_notes)
                _check_custom_depth(section, numbering, layer.texts[change.id])
                city_text(section, i + 1)
                own.append(section)
            known_ids |= {s.id for s in own}
            sections = arrange(layer, sections, own)
    doc = Document(info, front, sections)
    known = number_sections(doc, numbering)
    for layer in layers:
        _check_custom_references(layer, sections, known)
    for section in sections:
        for target in references([section]):
            if target not in known:
                raise ModelError(f"{model.path / model.section(section.id).source}: refers to "
                                 f"section {target!r}, which is not in this policy (unknown id, "
                                 "or an optional section that is switched off)")
    return doc


def _switches_only(custom: Customization | None, model: Model) -> Customization | None:
    """Of a city's customization, only the optional sections it drops: the model with the
    city's values and the same sections switched off, for comparing with the city's text."""
    if custom is None:
        return None
    optional = {spec.id for spec in model.sections if spec.include_if}
    drops = {k: c for k, c in custom.sections.items() if c.drop and k in optional}
    return Customization(custom.folder, custom.changes_path, sections=drops)


def city_sections(model: Model, context: dict[str, Any],
                  custom: Customization | None) -> list[str]:
    """Switch off the optional sections the model's variant or the city drops, and give
    the ids of the top-level sections the city's policy holds (as ``policy_sections``
    in ``context``, for the executive summary and any text that depends on them)."""
    layers = [*model.layers, *([custom] if custom is not None else [])]
    for layer in layers:
        for spec in model.sections:
            if spec.include_if and layer.dropped(spec.id):
                _switch_off(context, spec.include_if)
    ids = [spec.id for spec in model.sections
           if (not spec.include_if or lookup(context, spec.include_if))
           and not any(layer.dropped(spec.id) for layer in layers)]
    known = {spec.id for spec in model.sections}
    for layer in layers:
        own = [c.id for c in layer.own_sections(known)]
        known |= set(own)
        ids += own
    context["policy_sections"] = ids
    return ids


def _switch_off(context: dict[str, Any], dotted: str) -> None:
    *parents, last = dotted.split(".")
    target = context
    for part in parents:
        target = target[part]
    target[last] = False


def _value(context: dict[str, Any], name: str) -> Any:
    """A value a city's text prints, by its dotted name; KeyError when there is none."""
    try:
        return lookup(context, name)
    except (KeyError, TypeError, IndexError):
        raise KeyError(name) from None


def _check_custom_depth(section: Section, numbering: Scheme, text: TextFile) -> None:
    levels = len(numbering.headings)
    stack = [section]
    while stack:
        node = stack.pop()
        if node.level > levels:
            mark = "{#" + node.id.rsplit(".", 1)[-1] + "}"
            found = text.text.find(mark)
            line = text.text.count("\n", 0, found) + 1 if found >= 0 else 1
            raise ProfileError([Problem(text.path, line, "", f"a '{'#' * node.level}' heading is "
                                        "deeper than the numbering goes; subsections go down "
                                        f"to '{'#' * levels}'")])
        stack.extend(b for b in node.blocks if isinstance(b, Section))


def _check_custom_references(custom: Customization, sections: list[Section],
                             known: dict[str, Any]) -> None:
    """A reference to a section that is not in the city's policy, located: at the city's
    text that makes it, or at the line of customize.yaml that drops the section."""
    for section in sections:
        for found in clauses_of([section]):
            clause = found.node.id or section.id
            for target in references([found.node] if isinstance(found.node, Paragraph)
                                     else found.node.blocks):
                if target in known:
                    continue
                top = target.split(".", 1)[0]
                text = custom.texts.get(clause.split(".", 1)[0])
                if text is not None and f'"{target}"' in text.text:
                    line = text.text.count("\n", 0, text.text.find(f'"{target}"')) + 1
                    raise ProfileError([Problem(text.path, line, "", f"refers to section "
                                                f"'{target}', which is not in this policy")])
                change = custom.sections.get(target) or custom.sections.get(top)
                if change is not None and change.replace and "." in target:
                    raise ProfileError([Problem(
                        custom.changes_path, change.line, f"sections.{change.id}",
                        f"replaces section '{change.id}' whole, and its text has no "
                        f"subsection '{target}', which clause {clause} refers to; give "
                        f"{change.id}.md that subsection ('## Title {{#"
                        f"{target.rsplit('.', 1)[-1]}}}'), or reword the clause")])
                if change is not None and change.drop:
                    raise ProfileError([Problem(
                        custom.changes_path, change.line, f"sections.{change.id}",
                        f"drops section '{change.id}', but clause {clause} refers to "
                        "it; drop or reword that clause too (put its text in "
                        f"{clause.split('.', 1)[0]}.md)")])


def warning_note(messages: list[str]) -> Note:
    """Lint warnings as the note printed beside the section they touch, one paragraph each."""
    return Note([Paragraph([Strong([Text("Warning.")]), Text(" " + m[:1].upper() + m[1:])])
                 for m in messages])


def _beside(warning: Problem, included: list[SectionSpec]) -> str | None:
    """The included section ``warning`` is printed beside, if any."""
    target = section_of(warning)
    return target if any(spec.id == target for spec in included) else None


def _title(model: Model, section: str | None) -> str | None:
    return model.section(section).title if section else None


def _after_last_note(section: Section, note: Note) -> None:
    """Put ``note`` right after the section's last drafter's note (in a subsection, if
    that is where the note is), or at the end of the section."""
    def last(node: Section) -> tuple[list[Block], int] | None:
        for i in range(len(node.blocks) - 1, -1, -1):
            block = node.blocks[i]
            if isinstance(block, Note):
                return node.blocks, i + 1
            if isinstance(block, Section) and (found := last(block)) is not None:
                return found
        return None

    where, index = last(section) or (section.blocks, len(section.blocks))
    where.insert(index, note)


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
