"""Model upgrades: a city's text carried from the release it is based on to a newer one,
merged three ways by clause id.

The three texts, all with the city's values: the base (the old release), the city's
(the old release with its customization) and the new release. A clause the city did not
touch takes the new release's text, and one the model did not change keeps the city's:
both follow from how a customization works (it holds only what the city changed), so
rendering the city on the new release is the merge. A clause both changed is a conflict:
the city's text is kept, and the redline shows the new release's text beside it for the
attorney. The changelog's critical changes are listed whether or not they merge cleanly.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .customize import Customization, clauses_of, find_clause
from .deviations import clause_text
from .document import policy_document
from .errors import UserError
from .modelmanifest import LogEntry, Release
from .models import get_model
from .numbering import number_sections, printed_text, scheme_for
from .profile import Profile, load_profile
from .redline import redline
from .tree import Block, Document, Inline, ListItem, Note, Paragraph, Strong, Text


@dataclass(slots=True)
class Conflict:
    """A clause the city changed that the new release changes too."""

    id: str
    grade: str
    """The change's grade in the changelog (``substantive`` when it names none)."""
    reason: str
    model_text: str
    """The new release's text of the clause, as it prints for the city."""


@dataclass(slots=True)
class Upgrade:
    """What upgrading one city did."""

    profile: Path
    model: str
    old: str
    new: str
    merged: list[LogEntry] = field(default_factory=list)
    """Changes of the model taken as they are."""
    conflicts: list[Conflict] = field(default_factory=list)
    critical: list[LogEntry] = field(default_factory=list)
    """Every critical change between the two releases, merged or not."""
    kept: list[str] = field(default_factory=list)
    """Clauses the city changed that the model did not: the city's text stays."""
    redline: Document | None = None
    """The city's new text against its current one (None when already current)."""
    written: list[Path] = field(default_factory=list)
    """The redline's files."""
    edits: dict[str, dict[str, str] | None] = field(default_factory=dict)
    """Entries of ``customize.yaml``'s ``clauses:`` the new release makes obsolete (None:
    delete the entry) or whose anchor it removes (the new ``after``/``before``)."""
    placed: list[str] = field(default_factory=list)
    """Report lines for those edits."""

    @property
    def status(self) -> str:
        """``current``, ``clean`` (nothing of the city's touched), ``merged`` or
        ``conflicts``."""
        if self.old == self.new:
            return "current"
        if self.conflicts:
            return "conflicts"
        return "merged" if self.kept else "clean"

    def lines(self) -> list[str]:
        """The report, a line per change."""
        out = [f"{self.profile}: {self.model} {self.old} -> {self.new}: {self.status}"
               + (f" ({len(self.conflicts)})" if self.conflicts else "")]
        for entry in self.critical:
            cited = f" ({entry.citation})" if entry.citation else ""
            out.append(f"  critical {entry.id}: {entry.reason}{cited}")
        for conflict in self.conflicts:
            out.append(f"  conflict {conflict.id} ({conflict.grade}): the City's text is kept; "
                       f"the model now reads: {conflict.model_text}")
        for entry in self.merged:
            if entry.grade != "critical":
                out.append(f"  merged {entry.id} ({entry.grade})")
        out += [f"  {line}" for line in self.placed]
        return out


def releases_between(changelog: tuple[Release, ...], old: str, new: str) -> list[Release]:
    """The releases after ``old`` up to ``new``, oldest first (the changelog lists newest
    first)."""
    versions = [r.version for r in changelog]
    if new not in versions:
        return []
    start = versions.index(new)
    end = versions.index(old) if old in versions else len(versions)
    return list(reversed(changelog[start:end]))


def plan(path: Path, to: str | None, templates: Path | None) -> tuple[Upgrade, Profile | None]:
    """The upgrade of the city at ``path`` to release ``to`` (the newest by default), and
    the city as it loads on the new release (None when it is current)."""
    old = load_profile(path, templates=templates)
    newest = get_model(old.model.id, templates)
    target = to or newest.version
    new_model = get_model(old.model.id, templates, target)
    result = Upgrade(path, old.model.id, old.model.version, new_model.version)
    if old.model.version == new_model.version:
        return result, None
    plain_new = load_profile(path, templates=templates, model_version=target, customized=False)
    base_old = policy_document(old, customized=False)
    custom = _carry(old.custom, old.model.section_ids(), new_model.section_ids(),
                    base_old, policy_document(plain_new, customized=False), result) \
        if old.custom is not None else None
    new = replace(plain_new, custom=custom)
    base_new = policy_document(new, customized=False)  # the city's switches, as base_old
    mine_new = policy_document(new)
    mine_old = policy_document(old)
    before, city, after = (_texts(d) for d in (base_old, mine_old, base_new))
    entries = {e.id: e for r in releases_between(newest.changelog, old.model.version, target)
               for e in r.changes}
    changed_by_model = {c for c in before.keys() | after.keys() if before.get(c) != after.get(c)}
    touched = {c for c in before.keys() | city.keys() if before.get(c) != city.get(c)}
    sch = scheme_for(base_new.info)
    numbers = number_sections(base_new, sch)
    for cid in sorted(changed_by_model, key=_order(after, before)):
        entry = entries.get(cid) or LogEntry(cid, "changed", "substantive",
                                             "changed in the new release")
        if cid in touched and city.get(cid) != after.get(cid):  # the same change is no conflict
            found = find_clause(list(base_new.sections), cid)
            text = printed_text(_first(found.node).children, sch, numbers) if found else \
                "(the new release removes this clause)"
            result.conflicts.append(Conflict(cid, entry.grade, entry.reason, text))
        else:
            result.merged.append(entry)
    result.critical = [e for e in entries.values() if e.grade == "critical"]
    result.kept = sorted(touched - changed_by_model)
    marked = redline(mine_old, mine_new, author=f"{new_model.id} {new_model.version}",
                     date=old.date, against=f"the City's text on {old.model.id} "
                                            f"{old.model.version}")
    for conflict in result.conflicts:
        _note_conflict(marked, conflict, new_model.version)
    result.redline = marked
    return result, new


def _carry(custom: Customization, old_ids: set[str], section_ids: set[str],
           base_old: Document, base_new: Document, result: Upgrade) -> Customization:
    """The city's customization as it applies to the new release: an entry dropping or
    moving a clause the release removes is obsolete (deleted), and a clause placed by one
    the release removes is placed by its nearest neighbour that stays. A change to a
    section the release removes is an error for the attorney to settle first."""
    for change in custom.sections.values():
        top = change.id.split(".", 1)[0]
        if top in section_ids or top not in old_ids:  # kept, or a section of the city's own
            continue
        if change.drop:
            raise UserError(f"{custom.changes_path}:{change.line}: sections.{change.id}: the "
                            "new release no longer has this section, so dropping it is "
                            "obsolete; delete the entry, then upgrade again")
        raise UserError(f"{custom.changes_path}:{change.line}: sections.{change.id}: the new "
                        "release removes this section; to keep the City's text, make it a "
                        "section of the City's own (a new id with a title: and its .md file), "
                        "or delete the entry, then upgrade again")
    old_order = [f.node.id for f in clauses_of(list(base_old.sections)) if f.node.id]
    stays = {f.node.id for f in clauses_of(list(base_new.sections)) if f.node.id}
    gone = [cid for cid in old_order if cid not in stays]
    clauses = dict(custom.clauses)
    for change in custom.clauses.values():
        if change.id in gone and (change.drop or change.after or change.before) \
                and not _rewritten(custom, change.id):
            del clauses[change.id]
            result.edits[change.id] = None
            result.placed.append(f"obsolete {change.id}: the new release removes the clause; "
                                 "its entry is deleted from customize.yaml")
            continue
        anchor = change.after or change.before
        if anchor is None or anchor not in gone:
            continue
        place = _neighbour(old_order, stays, anchor)
        if place is None:
            continue  # nothing of the section stays: the clause goes first in it
        key, target = place
        clauses[change.id] = replace(change, after=target if key == "after" else None,
                                     before=target if key == "before" else None)
        result.edits[change.id] = {key: target}
        result.placed.append(f"placed {change.id} {key} {target}: the new release removes "
                             f"{anchor}, which it was placed by")
    return replace(custom, clauses=clauses)


def _rewritten(custom: Customization, clause_id: str) -> bool:
    """Whether the city wrote its own text for the clause ``clause_id``."""
    section, _, name = clause_id.partition(".")
    text = custom.texts.get(section)
    return text is not None and "{#" + name + "}" in text.text


def _neighbour(order: list[str], stays: set[str], gone: str) -> tuple[str, str] | None:
    """Where a clause placed by ``gone`` goes once ``gone`` is removed: before the
    nearest clause of the same section after it that stays, else after the nearest before
    it. A clause of a list written by a loop (whose id is numbered, ``x-3``) is no anchor
    when another will do: the list's length is the city's."""
    section = gone.split(".", 1)[0]
    at = order.index(gone)
    same = [c for c in order if c.split(".", 1)[0] == section and c in stays]
    written = [c for c in same if not _numbered(c, order)] or same
    later = [c for c in written if order.index(c) > at]
    if later:
        return "before", later[0]
    earlier = [c for c in written if order.index(c) < at]
    return ("after", earlier[-1]) if earlier else None


def _numbered(cid: str, order: list[str]) -> bool:
    stem, _, n = cid.rpartition("-")
    return n.isdigit() and stem in order


def record_customization(custom: Customization, edits: dict[str, dict[str, str] | None]) -> None:
    """Write ``edits`` (see :attr:`Upgrade.edits`) into the city's ``customize.yaml``,
    keeping its comments and layout."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    from .safefiles import write_new_file

    if not edits:
        return
    yaml = YAML()
    yaml.width = 4096
    yaml.preserve_quotes = True
    data = yaml.load(custom.changes_path.read_text("utf-8"))
    clauses = data.get("clauses") if isinstance(data, CommentedMap) else None
    if not isinstance(clauses, CommentedMap):
        raise UserError(f"{custom.changes_path}: has no clauses: mapping to update")
    for cid, edit in edits.items():
        if edit is None:
            clauses.pop(cid, None)
            continue
        entry = clauses[cid]
        (key, target), = edit.items()
        at = next((i for i, k in enumerate(entry) if k in ("after", "before")), len(entry))
        for old in ("after", "before"):
            entry.pop(old, None)
        entry.insert(at, key, target)  # where the old anchor was
    if not clauses:
        del data["clauses"]
    buf = io.StringIO()
    yaml.dump(data, buf)
    write_new_file(custom.changes_path, buf.getvalue().encode(), replace=True)


def _texts(doc: Document) -> dict[str, str]:
    return {f.node.id: clause_text(f.node) for f in clauses_of(list(doc.sections)) if f.node.id}


def _order(*texts: dict[str, str]) -> Callable[[str], int]:
    """Clause ids in document order (the new release's, then the old one's)."""
    order: dict[str, int] = {}
    for text in texts:
        for cid in text:
            order.setdefault(cid, len(order))
    return lambda cid: order.get(cid, len(order))


def _first(node: Paragraph | ListItem) -> Paragraph:
    if isinstance(node, Paragraph):
        return node
    first = node.blocks[0] if node.blocks else None
    return first if isinstance(first, Paragraph) else Paragraph([])


def _note_conflict(doc: Document, conflict: Conflict, version: str) -> None:
    """The new release's text beside the city's in the redline, for the attorney."""
    note = Note([Paragraph([Strong([Text(f"Conflict with release {version} "
                                         f"({conflict.grade}).")]),
                            Text(f" The City had changed this clause, and the new release "
                                 f"changes it too: {conflict.reason} The City's text is kept "
                                 f"above; the new release reads: \u201c{conflict.model_text}"
                                 "\u201d")])])
    found = find_clause(list(doc.sections), conflict.id)
    if found is None:
        doc.sections[-1].blocks.append(note)
        return
    if isinstance(found.node, ListItem):
        found.node.blocks.append(note)
    else:
        found.container.insert(found.container.index(found.node) + 1, note)


def record_version(path: Path, version: str) -> None:
    """Write ``model_version`` into the profile at ``path``, keeping its comments, order
    and formatting (ruamel.yaml's round trip)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    from .safefiles import write_new_file

    yaml = YAML()
    yaml.width = 4096
    yaml.preserve_quotes = True
    data = yaml.load(path.read_text("utf-8"))
    if not isinstance(data, CommentedMap):
        raise UserError(f"{path}: is not a mapping of fields")
    value = DoubleQuotedScalarString(version)
    if "model_version" in data:
        data["model_version"] = value
    else:
        keys = list(data)
        data.insert(keys.index("model") + 1 if "model" in keys else 0, "model_version", value)
    buf = io.StringIO()
    yaml.dump(data, buf)
    write_new_file(path, buf.getvalue().encode(), replace=True)


def release_notes(model_id: str, publisher: str, found: list[Release],
                  provenance: dict[str, str]) -> Document:
    """A model's release notes, for a league to send its member cities: each release with
    its changes, critical first, each with its reason and citation."""
    from .tree import DocumentInfo, Emphasis, ListBlock, Section

    order = {"critical": 0, "substantive": 1, "editorial": 2}
    sections = []
    for release in found:
        items = []
        for entry in sorted(release.changes, key=lambda e: order.get(e.grade, 3)):
            line: list[Inline] = [Strong([Text(entry.grade.capitalize())]),
                                  Text(f" \u2014 {entry.change} clause {entry.id}. "
                                       f"{entry.reason}")]
            if entry.citation:
                line += [Text(" "), Emphasis([Text(entry.citation)]), Text(".")]
            items.append(ListItem([Paragraph(line)]))
        blocks: list[Block] = [Paragraph([Text(release.summary)])] if release.summary else []
        blocks.append(ListBlock(False, items) if items else
                      Paragraph([Text("No clause changed.")]))
        sections.append(Section(f"release-{release.version}",
                                [Text(f"Release {release.version}"
                                      + (f", {release.date}" if release.date else ""))],
                                1, blocks))
    span = f"{found[0].version}" if len(found) == 1 else \
        f"{found[0].version} to {found[-1].version}"
    info = DocumentInfo(
        jurisdiction=[Text(publisher)], title="Release Notes",
        meta=[("Model", [Text(f"{model_id}, release {span}")]),
              ("", [Text("Critical: the law changed, and every city must act. Substantive: "
                         "better practice. Editorial: wording only.")])],
        table=[], table_caption="", draft=False, numbering="plain", number_prefix=None,
        language="en-US", subject=f"Release notes of the {model_id} model, {span}",
        provenance=provenance)
    return Document(info, [], sections)
