"""Deviations at a glance: how a city's policy differs from its model, clause by clause.

Both sides are rendered with the city's values, so a value (the city's name, an
official's title) is never a deviation; only the text the city changed, added, dropped
or moved is, with the reason the city recorded for it.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from .customize import clauses_of
from .numbering import number_sections, printed_text, scheme_for
from .profile import Profile
from .tree import Block, ListItem, Note, Paragraph, Section, Strong, Text, plain


@dataclass(frozen=True, slots=True)
class Deviation:
    """One difference from the model."""

    kind: str
    """``changed``, ``added``, ``dropped``, ``moved`` or ``renamed``."""
    what: str
    """``section`` or ``clause``."""
    id: str
    """The section's or clause's id."""
    title: str
    """The section's title, or the start of the clause's text."""
    why: str
    """The reason the city recorded; empty when it gave none."""

    def line(self) -> str:
        """The deviation as one line of text."""
        why = f" \u2014 {self.why}" if self.why else " \u2014 no reason recorded"
        return f"{self.kind} {self.what} {self.id} ({self.title}){why}"


def deviations(profile: Profile) -> list[Deviation]:
    """Every difference between the city's policy and the model with the city's values,
    sections first, in the city's order. A section the city adds, replaces whole or drops
    is one line, its clauses not listed again."""
    from .document import policy_document

    custom = profile.custom
    if custom is None:
        return []
    base = policy_document(profile, customized=False)
    mine = policy_document(profile)
    out: list[Deviation] = []
    base_sections = _sections(base.sections)
    my_sections = _sections(mine.sections)
    added = {sid for sid in my_sections if "." not in sid and sid not in base_sections}
    replaced = {c.id for c in custom.sections.values() if c.replace and c.id in my_sections}
    dropped = {c.id for c in custom.sections.values() if c.drop and "." not in c.id}
    whole = added | replaced | dropped

    def inside(item: str) -> bool:
        """Whether ``item`` belongs to a section listed as a whole."""
        return item.split(".", 1)[0] in whole and "." in item

    moved_sections = moved([s for s in base_sections if "." not in s],
                   [s for s in my_sections if "." not in s])
    for sid, section in my_sections.items():
        title = plain(section.title)
        if inside(sid):
            continue
        if sid in added or (sid not in base_sections and "." in sid):
            out.append(Deviation("added", "section", sid, title, custom.why(sid)))
            continue
        if sid in replaced:
            out.append(Deviation("replaced", "section", sid, title, custom.why(sid)))
        if sid in base_sections and plain(base_sections[sid].title) != title:
            out.append(Deviation("renamed", "section", sid,
                                 f"{plain(base_sections[sid].title)} \u2192 {title}",
                                 custom.why(sid)))
        if sid in moved_sections:
            out.append(Deviation("moved", "section", sid, title, custom.why(sid)))
    for change in custom.sections.values():
        if change.drop and not inside(change.id):
            known = base_sections.get(change.id)
            title = plain(known.title) if known else _model_title(profile, change.id)
            out.append(Deviation("dropped", "section", change.id, title, change.why))
    for sid, gone in base_sections.items():
        if sid not in my_sections and sid not in dropped and not inside(sid):
            out.append(Deviation("dropped", "section", sid, plain(gone.title),
                                 custom.why(sid)))
    sch = scheme_for(mine.info)
    numbers = number_sections(mine, sch)

    def shown(node: Paragraph | ListItem) -> str:
        first = node if isinstance(node, Paragraph) else next(
            (b for b in node.blocks if isinstance(b, Paragraph)), None)
        return _start(printed_text(first.children, sch, numbers)) if first else ""

    base_clauses = {f.node.id: f for f in clauses_of(list(base.sections)) if f.node.id}
    my_clauses = {f.node.id: f for f in clauses_of(list(mine.sections)) if f.node.id}
    where = {cid: _home(mine.sections, cid) for cid in my_clauses}
    clause_moved = {cid for cid in my_clauses if cid in base_clauses
                    and where[cid] != cid.split(".", 1)[0]}
    for section in mine.sections:
        base_order = [c for c in base_clauses if c.split(".", 1)[0] == section.id
                      and c in my_clauses and where[c] == section.id]
        mine_order = [c for c in my_clauses if where[c] == section.id and c in base_order]
        clause_moved |= moved(base_order, mine_order)
    for cid, found in my_clauses.items():
        if inside(cid) or where[cid] in whole:
            continue
        text = clause_text(found.node)
        why = custom.why(cid)
        if cid not in base_clauses:
            out.append(Deviation("added", "clause", cid, shown(found.node), why))
            continue
        if clause_text(base_clauses[cid].node) != text:
            out.append(Deviation("changed", "clause", cid, shown(found.node), why))
        if cid in clause_moved:
            out.append(Deviation("moved", "clause", cid, shown(found.node), why))
    for cid, found in base_clauses.items():
        if cid not in my_clauses and not inside(cid) and cid.split(".", 1)[0] in my_sections:
            out.append(Deviation("dropped", "clause", cid,
                                 _start(clause_text(found.node)), custom.why(cid)))
    return out


def _home(sections: list[Section], clause: str) -> str:
    """The top-level section a clause sits in now (a city may move it to another)."""
    for section in sections:
        if any(f.node.id == clause for f in clauses_of([section])):
            return section.id
    return ""


def _model_title(profile: Profile, section: str) -> str:
    try:
        return profile.model.section(section).title
    except KeyError:
        return section


def clause_text(node: Paragraph | ListItem) -> str:
    """A clause's words, nested items included."""
    if isinstance(node, Paragraph):
        return plain(node.children)
    return " ".join(_block_text(b) for b in node.blocks)


def _block_text(block: Block) -> str:
    if isinstance(block, Paragraph):
        return plain(block.children)
    if isinstance(block, Note):
        return ""
    if isinstance(block, Section):
        return plain(block.title)
    return " ".join(clause_text(i) for i in block.items)


def _sections(sections: list[Section]) -> dict[str, Section]:
    out: dict[str, Section] = {}
    for section in sections:
        out[section.id] = section
        out.update(_sections([b for b in section.blocks if isinstance(b, Section)]))
    return out


def moved(base: list[str], mine: list[str]) -> set[str]:
    """The items of ``mine`` outside the longest run in the model's order: the ones the
    city moved (not the ones that shifted because others moved)."""
    common = [i for i in base if i in set(mine)]
    mine_common = [i for i in mine if i in set(base)]
    matcher = difflib.SequenceMatcher(None, common, mine_common, autojunk=False)
    kept: set[str] = set()
    for block in matcher.get_matching_blocks():
        kept.update(common[block.a:block.a + block.size])
    return set(mine_common) - kept


def _start(text: str, words: int = 10) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + (" \u2026" if len(parts) > words else "")


def deviation_note(found: list[Deviation]) -> Note:
    """The annotated edition's list of deviations, printed before the first section."""
    head = Paragraph([Strong([Text("Changes from the model.")]),
                      Text(f" This policy differs from the model in {len(found)} "
                           f"place{'s' if len(found) != 1 else ''}"
                           + (":" if found else "."))])
    from .tree import ListBlock

    items = [ListItem([Paragraph([Text(d.line()[:1].upper() + d.line()[1:])])])
             for d in found]
    return Note([head, *([ListBlock(False, items)] if items else [])])
