"""The council executive summary: the cover that goes in front of the policy."""

from __future__ import annotations

from typing import Any

from .budget import render_budget
from .context import profile_context
from .document import model_renderer
from .errors import ModelError
from .numbering import references
from .parse import parse_blocks
from .profile import Profile
from .sourcefile import Loc
from .tree import Blank, Block, Document, DocumentInfo, Inline, Paragraph, Section, Text, long_date

PARTS = (("recommended_action", "Recommended Action"), ("background", "Background"),
         ("recommendation", "Recommendation"))
"""The summary's sections, by council field and heading."""


def agenda_label(profile: Profile) -> str:
    """``Agenda item 6.e.`` for page footers, or '' when the number is not known yet."""
    number = profile.values["council"]["agenda_number"]
    return f"Agenda item {number}" if number else ""


def summary_document(profile: Profile, attachments: list[str]) -> Document:
    """The executive summary for ``profile``; ``attachments`` name the packet's parts."""
    council = profile.values["council"]
    context = profile_context(profile)
    title = context["document"]["title"]
    meeting: list[Inline] = [Text(f"{council['body']}: ")]
    meeting += [Text(long_date(council["meeting_date"]))] if council["meeting_date"] else \
        [Blank("council.meeting_date", "meeting date")]
    table: list[tuple[str, list[list[Inline]]]] = [
        ("Agenda item", [[Text(council["agenda_item"] or title)]]),
        ("Agenda section", [_or_blank(council, "agenda_section", "Consent")]),
        ("Agenda number", [_or_blank(council, "agenda_number", "agenda number")]),
        ("Prepared by", [[Text(f"{p['name']}, {p['title']}")] for p in council["prepared_by"]]
         or [[Blank("council.prepared_by", "name and title")]]),
        ("Approved by", [_or_blank(council, "approved_by", "initials")]),
        ("Attachments", [[Text(a)] for a in attachments]),
    ]
    with render_budget():  # the limits hold for the three parts together
        sections = [Section(f"summary-{key}", [Text(heading)], 1, _part(profile, context, key))
                    for key, heading in PARTS]
    info = DocumentInfo(
        jurisdiction=[Text(f"{context['city']['kind']} of {context['city']['name']}")]
        if isinstance(context["city"]["name"], str) else [Blank("city.name", "")],
        title="Council Executive Summary",
        meta=[("", meeting)],
        table=table,
        table_caption="",
        draft=not profile.adopted,
        numbering="plain",
        number_prefix=None,
        language=profile.values["document"]["language"],
        subject=f"Council executive summary: {title}",
        footer_label=agenda_label(profile),
        date=profile.date,
        provenance=profile.provenance,
    )
    return Document(info, [], sections)


def _or_blank(council: dict[str, Any], key: str, suggestion: str) -> list[Inline]:
    return [Text(str(council[key]))] if council[key] else [Blank(f"council.{key}", suggestion)]


def _part(profile: Profile, context: dict[str, Any], key: str) -> list[Block]:
    override = profile.values["council"][key]
    if override:
        return [Paragraph([Text(" ".join(chunk.split()))])
                for chunk in override.split("\n\n") if chunk.strip()]
    source = profile.model.summary.get(key)
    if source is None:
        return [Paragraph([Blank(f"council.{key}", "")])]
    renderer = model_renderer(profile.model)
    where = profile.model.path / source
    blocks = parse_blocks(renderer.render(source, context), keep_notes=False, where=str(where))
    if references(blocks):
        # The summary is a document of its own: the policy's section numbers mean nothing in it.
        raise ModelError(f"{where}:{renderer.line_of(source, 'ref(')}: the executive summary "
                         "cannot refer to the policy's sections with ref(); name the section "
                         "in words")
    return blocks


def missing_council_fields(profile: Profile) -> list[Loc]:
    """The council fields a clerk still has to fill in for a complete summary."""
    council = profile.values["council"]
    keys = [k for k in ("meeting_date", "agenda_section", "agenda_number", "prepared_by",
                        "approved_by") if not council[k]]
    return [("council", k) for k in keys]
