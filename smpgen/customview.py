"""A city's customization as an editor sees it: the profile loaded with its
``<profile>.custom/`` folder as ``smpgen render`` loads them (:func:`load`), and the policy
laid out clause by clause (:func:`outline`): whose text each clause reads (the model's,
the city's, a clause or a section the city added), the Markdown offered to edit it, the
reason recorded, and the sections dropped.

The editor's page (:mod:`smpgen.serve.custom`) shows this outline; the changes are made
by :mod:`smpgen.customedit`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from .customize import Customization, find_clause, folder_digest, folder_of
from .customtext import Unit, Values, first_inlines, units_of
from .profile import Profile
from .tree import Block, Document, ListBlock, ListItem, Paragraph, Section, plain

Kind = Literal["model", "changed", "added", "own"]
"""Whose text a clause reads: the model's, the city's for a model clause, a clause the
city added to a model section, or a clause of a section the city wrote whole."""


def anchor(prefix: str, item: str) -> str:
    """A fragment id for a section or clause id (whose dots CSS would read as classes):
    ``cl-a_b`` for the clause ``a.b``."""
    return f"{prefix}-{item.replace('.', '_')}"


# The city, loaded ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class City:
    """A profile whose customization is edited: where it is, and how it is read."""

    path: Path
    """The profile as the user names it (in messages and located problems)."""
    real: Path
    """The same file's real path: its customization folder, beside it, is written."""
    templates: Path | None
    """The user's models folder (``--templates``), or None for the shipped ones."""
    read: Callable[[], bytes]
    """The profile's bytes, read as the caller reads files (the editor: never through a
    link, at most :data:`smpgen.sourcefile.MAX_BYTES`; a script: ``path.read_bytes``)."""


@dataclass(slots=True)
class Loaded:
    """A profile with its customization, loaded as ``smpgen render`` loads them."""

    folder: Path
    """The customization folder, where the files are written (the real path)."""
    shown: Path
    """The same, as the user names it (in messages)."""
    sha: str
    """The SHA-256 of the folder as read, before anything else was read."""
    profile: Profile
    mine: Document
    """The city's policy."""
    base: Document
    """The model with the city's values (and its optional sections)."""

    @property
    def custom(self) -> Customization | None:
        """The city's customization; None when it has none."""
        return self.profile.custom

    def is_whole(self, section: str) -> bool:
        """The city writes the section ``section`` whole: its own, or replaced."""
        custom = self.custom
        if custom is None:
            return False
        change = custom.sections.get(section)
        return section not in self.profile.model.section_ids() or \
            (change is not None and change.replace)

    def text_of(self, section: str) -> str:
        """The city's text file for ``section``, as it is on disk ("" when none)."""
        custom = self.custom
        text = custom.texts.get(section) if custom is not None else None
        return text.text if text is not None else ""


def load(city: City) -> Loaded:
    """The profile of ``city`` with its customization and both texts of its policy; a
    :class:`~smpgen.errors.ProfileError` (or :class:`~smpgen.errors.ModelError`) when
    they do not load or build."""
    from .document import policy_document
    from .profile import load_profile

    sha = folder_digest(city.real)  # first: a change made while reading shows as a change
    profile = load_profile(city.path, raw=city.read(), draft=True, templates=city.templates)
    return Loaded(folder_of(city.real), folder_of(city.path), sha, profile,
                  policy_document(profile), policy_document(profile, customized=False))


# The outline --------------------------------------------------------------------------------

@dataclass(slots=True)
class ClauseView:
    """One clause as the outline shows it."""

    id: str
    kind: Kind
    printed: str
    """Its words as the policy prints them."""
    markdown: str
    """Its text as the person edits it."""
    why: str
    model: str = ""
    """The model's words, for a clause the city changed."""
    note: str = ""
    """Why it cannot be edited here; empty when it can."""
    children: list[ClauseView] = field(default_factory=list)
    """The clauses under it: the items of a list it ends with, its further paragraphs."""

    @property
    def anchor(self) -> str:
        """Its fragment id: ``cl-`` and its id."""
        return anchor("cl", self.id)


@dataclass(slots=True)
class HeadingView:
    """A subsection's heading among the clauses."""

    id: str
    title: str
    level: int
    """The page's heading level (a subsection is an ``h4``)."""


@dataclass(slots=True)
class SectionView:
    """A top-level section of the city's policy."""

    id: str
    number: str
    title: str
    kind: Literal["model", "own", "replaced"]
    was: str
    """The model's title, when the city renamed it."""
    why: str
    placed: bool
    """The city gives it a title, a place or its whole text: dropping takes those away."""
    parts: list[HeadingView | list[ClauseView]] = field(default_factory=list)
    """Its clauses, nested as they are in lists, between its subsections' headings."""

    @property
    def anchor(self) -> str:
        """Its fragment id: ``s-`` and its id."""
        return anchor("s", self.id)


@dataclass(slots=True)
class DroppedView:
    """A section the city drops."""

    id: str
    title: str
    why: str

    @property
    def anchor(self) -> str:
        """Its fragment id: ``d-`` and its id."""
        return anchor("d", self.id)


@dataclass(slots=True)
class Outline:
    """A city's policy clause by clause, with what its customization changes."""

    sections: list[SectionView]
    dropped: list[DroppedView]
    switched_off: list[str]
    """Titles of the model's optional sections the profile leaves out."""


def outline(state: Loaded) -> Outline:
    """The outline of ``state``'s policy."""
    values = Values(state.profile, state.mine)
    base_ids = {f.node.id for f in _clauses(state.base.sections)}
    units = {s.id: units_of(state.text_of(s.id)) for s in state.mine.sections}
    custom = state.custom
    model_ids = state.profile.model.section_ids()
    sections = []
    for section in state.mine.sections:
        change = custom.sections.get(section.id) if custom is not None else None
        kind: Literal["model", "own", "replaced"] = "own" if section.id not in model_ids \
            else "replaced" if change is not None and change.replace else "model"
        view = SectionView(
            section.id, values.numbers[section.id].label, plain(section.title), kind,
            _renamed(state, section), change.why if change is not None else "",
            change is not None and bool(change.title or change.after or change.before
                                        or change.replace))
        nested: list[tuple[int, ClauseView]] = []  # the clauses a deeper one goes under
        for depth, node in _rows(section.blocks):
            if isinstance(node, Section):
                view.parts.append(HeadingView(node.id, plain(node.title), min(node.level + 2, 6)))
                nested = []
                continue
            clause = _clause_view(state, node, base_ids, units, values)
            while nested and nested[-1][0] >= depth:
                nested.pop()
            if nested:
                nested[-1][1].children.append(clause)
            elif view.parts and isinstance(view.parts[-1], list):
                view.parts[-1].append(clause)
            else:
                view.parts.append([clause])
            nested.append((depth, clause))
        sections.append(view)
    shown = {s.id for s in sections}
    return Outline(sections, _dropped(state), _switched_off(state, shown))


def _renamed(state: Loaded, section: Section) -> str:
    was = next((s for s in state.base.sections if s.id == section.id), None)
    return plain(was.title) if was is not None and plain(was.title) != plain(section.title) \
        else ""


def _clause_view(state: Loaded, node: Paragraph | ListItem, base_ids: set[str],
                 units: dict[str, dict[str, Unit]], values: Values) -> ClauseView:
    cid = node.id or ""
    home, _, local = cid.partition(".")
    unit = units.get(home, {}).get(local) if home in units else \
        units_of(state.text_of(home)).get(local)
    whole = state.is_whole(home)
    printed = values.printed(first_inlines(node))
    custom = state.custom
    why = custom.clauses[cid].why if custom is not None and cid in custom.clauses else ""
    view = ClauseView(cid, "model", printed, "", why)
    if whole:
        view.kind = "own"
        if unit is None:
            view.note = (f"Its text in {home}.md carries no {{#id}}; give it one there (as "
                         "in {#my-clause}) to edit it here.")
    elif unit is not None:
        view.kind = "changed" if cid in base_ids else "added"
        found = find_clause(list(state.base.sections), cid)
        if found is not None:
            view.model = values.printed(first_inlines(found.node))
    view.markdown = unit.text if unit is not None else values.markdown(first_inlines(node))
    return view


def _rows(blocks: list[Block], depth: int = 0) -> Iterator[tuple[int, Paragraph | ListItem
                                                                 | Section]]:
    """The clauses of ``blocks`` in reading order (as :func:`smpgen.customize.clauses_of`),
    with how deep in lists each sits, and the subsections' headings among them."""
    for block in blocks:
        if isinstance(block, Paragraph) and block.id:
            yield depth, block
        elif isinstance(block, ListBlock):
            for item in block.items:
                if item.id:
                    yield depth, item
                yield from _rows(item.blocks, depth + 1)
        elif isinstance(block, Section):
            yield depth, block
            yield from _rows(block.blocks, depth)


def _clauses(sections: list[Section]) -> Iterator[Any]:
    from .customize import clauses_of

    return (f for f in clauses_of(list(sections)) if f.node.id)


def _dropped(state: Loaded) -> list[DroppedView]:
    custom = state.custom
    if custom is None:
        return []
    out = []
    for change in custom.sections.values():
        if change.drop:
            out.append(DroppedView(change.id, _model_title(state, change.id), change.why))
    return out


def _model_title(state: Loaded, section: str) -> str:
    def find(sections: list[Section]) -> str | None:
        for s in sections:
            if s.id == section:
                return plain(s.title)
            found = find([b for b in s.blocks if isinstance(b, Section)])
            if found is not None:
                return found
        return None

    title = find(state.base.sections)
    if title is not None:
        return title
    try:
        return state.profile.model.section(section).title
    except KeyError:
        return section


def _switched_off(state: Loaded, shown: set[str]) -> list[str]:
    custom = state.custom
    return [spec.title for spec in state.profile.model.sections
            if spec.include_if and spec.id not in shown
            and not (custom is not None and custom.dropped(spec.id))]
