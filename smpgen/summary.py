"""The council executive summary: the cover that goes in front of the policy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .budget import render_budget
from .context import profile_context
from .document import city_sections, model_renderer
from .errors import ModelError, ModelFileMissing
from .modelfiles import model_file
from .numbering import references
from .parse import parse_blocks
from .profile import Profile
from .sourcefile import Loc
from .tree import Blank, Block, Document, DocumentInfo, Inline, Paragraph, Section, Text, long_date


@dataclass(frozen=True, slots=True)
class Part:
    """One section of the executive summary."""

    key: str
    """The council field that replaces its drafted text, e.g. ``fiscal_impact``."""
    heading: str
    """Its heading."""
    draft: str
    """The model file that drafts it when the model's ``council_summary`` names none; a
    model without that file leaves a blank for the clerk."""


PARTS = (
    Part("recommended_action", "Recommended Action", "summary/action.md"),
    Part("background", "Background", "summary/background.md"),
    Part("timing", "Timing", "summary/timing.md"),
    Part("alternatives", "Alternatives", "summary/alternatives.md"),
    Part("fiscal_impact", "Fiscal Impact", "summary/fiscal-impact.md"),
    Part("legal_review", "Legal Review", "summary/legal-review.md"),
    Part("recommendation", "Recommendation", "summary/recommendation.md"),
)
"""The summary's sections, in order."""

_BLANKS = {"legal_reviewer": "name and title", "legal_review_date": ""}
"""Council details the drafted text prints as a blank until they are given."""


def agenda_label(profile: Profile) -> str:
    """``Agenda item 6.e.`` for page footers, or '' when the number is not known yet."""
    number = profile.values["council"]["agenda_number"]
    return f"Agenda item {number}" if number else ""


def summary_document(profile: Profile, attachments: list[str]) -> Document:
    """The executive summary for ``profile``; ``attachments`` name the packet's parts."""
    council = profile.values["council"]
    context = profile_context(profile)
    city_sections(profile.model, context, profile.custom)
    for key, suggestion in _BLANKS.items():
        if context["council"][key] is None:
            context["council"][key] = Blank(f"council.{key}", suggestion)
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
        sections = [Section(f"summary-{part.key}", [Text(part.heading)], 1,
                            _part(profile, context, part)) for part in PARTS]
    info = DocumentInfo(
        jurisdiction=[Text(f"{context['city']['kind']} of {context['city']['name']}")]
        if isinstance(context["city"]["name"], str) else [Blank("city.name", "")],
        title="Council Executive Summary",
        meta=[("", meeting)],
        table=table,
        table_caption="",
        draft=False,  # a council document: never marked DRAFT, whatever the policy's status
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


def _part(profile: Profile, context: dict[str, Any], part: Part) -> list[Block]:
    override = profile.values["council"][part.key]
    if override:
        return [Paragraph([Text(" ".join(chunk.split()))])
                for chunk in override.split("\n\n") if chunk.strip()]
    source = profile.model.summary.get(part.key) or _drafted(profile, part)
    if source is None:
        return [Paragraph([Blank(f"council.{part.key}", "")])]
    renderer = model_renderer(profile.model)
    where = profile.model.path / source
    blocks = parse_blocks(renderer.render(source, context), keep_notes=False, where=str(where))
    if references(blocks):
        # The summary is a document of its own: the policy's section numbers mean nothing in it.
        raise ModelError(f"{where}:{renderer.line_of(source, 'ref(')}: the executive summary "
                         "cannot refer to the policy's sections with ref(); name the section "
                         "in words")
    return blocks


def _drafted(profile: Profile, part: Part) -> str | None:
    """``part``'s default file, if the model has it."""
    try:
        model_file(profile.model.path, part.draft)
    except ModelFileMissing:
        return None
    return part.draft


UNUSED_WHEN_REPLACED = (("current_practice", "background"), ("costs", "fiscal_impact"),
                        ("legal_reviewer", "legal_review"), ("legal_review_date", "legal_review"))
"""Council details that only a drafted part prints, and the field that replaces that part."""


def council_problems(profile: Profile) -> list[tuple[Loc, str]]:
    """What a clerk still has to settle for the council's documents, each at its field:
    the details the summary shows as blanks, and a meeting that is not the one the
    adoption record names."""
    council = profile.values["council"]
    keys = [k for k in ("meeting_date", "agenda_section", "agenda_number", "prepared_by",
                        "approved_by") if not council[k]]
    found: list[tuple[Loc, str]] = [(("council", k), "not given; the executive summary shows "
                                     "a blank") for k in keys]
    for detail, part in UNUSED_WHEN_REPLACED:
        if council[detail] and council[part]:
            found.append((("council", detail),
                          f"is not printed: council.{part} replaces the drafted part that "
                          f"would print it; say it in council.{part}, or leave that out"))
    adopted, meeting = profile.values["document"]["adoption"]["adopted"], council["meeting_date"]
    status = profile.values["document"]["status"]
    if adopted and status in ("draft", "proposed"):
        found.append((("document", "status"),
                      f"is {status}, so the policy does not print the adoption that "
                      "document.adoption records; leave status out (or set it to adopted) "
                      "once the council has acted"))
    if adopted and meeting and adopted != meeting:
        found.append((("council", "meeting_date"),
                      f"is {long_date(meeting)}, but document.adoption records the adoption on "
                      f"{long_date(adopted)}; the packet proposes the policy to the meeting "
                      "given here, so give the date of the meeting that acts on it"))
    return found
