"""A city's own text: the changes it keeps beside its profile, applied to the model.

A profile ``city_profiles/elm-prairie.yaml`` may have a folder beside it,
``city_profiles/elm-prairie.custom/``, holding:

- ``customize.yaml``: the structure. ``sections:`` maps a section (or subsection, as
  ``section.sub``) id to its changes: ``title`` (a new heading), ``drop: true``,
  ``after:``/``before:`` another section (a move, or where a new section goes),
  ``replace: true`` (the Markdown file is the whole section) and ``why`` (the reason the
  city records). A section the model does not have is the city's own: it needs a
  ``title`` and a Markdown file. ``clauses:`` maps a clause id (``section.clause``) to
  ``drop: true``, ``after:``/``before:`` another clause, and ``why``.
- ``<section-id>.md``: for a model section, the city's text of some of its clauses, each
  paragraph or list item ending with its ``{#clause}`` id: a model clause's id replaces
  its text, a new id adds a clause after the one written before it in the file (or first
  in the section); for a section of the city's own, or one with ``replace: true``, the
  whole section, ``##`` subsections allowed.

The text is Markdown only: ``{{ name.path }}`` prints a profile value and
``{{ ref("section-id") }}`` a cross-reference, as in the model; nothing else in it is
read as a template, and raw HTML prints as text.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import ModelError, Problem, ProfileError
from .sourcefile import SourceFile, load_yaml, read_input
from .tree import Block, Inline, ListBlock, ListItem, Paragraph, Section, Text

if TYPE_CHECKING:
    from .text import RenderedText

SUFFIX = ".custom"
"""The customization folder is the profile's name with this ending."""
CHANGES = "customize.yaml"
"""The structure file inside it."""
MAX_FILES = 200
"""The most files a customization folder may hold (a policy has about 40 sections)."""

_ID = re.compile(r"[a-z0-9][a-z0-9-]*")
_SECTION_KEYS = {"title", "drop", "after", "before", "replace", "why"}
_CLAUSE_KEYS = {"drop", "after", "before", "why"}


def folder_of(profile: Path) -> Path:
    """The customization folder of the profile at ``profile``."""
    return profile.with_name(profile.stem + SUFFIX)


@dataclass(frozen=True, slots=True)
class Change:
    """What ``customize.yaml`` says about one section or clause."""

    id: str
    """The section, subsection (``section.sub``) or clause (``section.clause``) id."""
    line: int
    """Its line in ``customize.yaml``."""
    title: str | None = None
    drop: bool = False
    after: str | None = None
    before: str | None = None
    replace: bool = False
    why: str = ""


@dataclass(frozen=True, slots=True)
class TextFile:
    """A Markdown file of the city's text for one section."""

    section: str
    path: Path
    text: str


@dataclass(frozen=True, slots=True)
class Customization:
    """A city's changes to its model, as read and checked against the model."""

    folder: Path
    changes_path: Path
    sections: dict[str, Change] = field(default_factory=dict)
    """Changes to sections and subsections, by id, in the file's order."""
    clauses: dict[str, Change] = field(default_factory=dict)
    """Changes to clauses, by id."""
    texts: dict[str, TextFile] = field(default_factory=dict)
    """The city's text, by section id."""
    digest: str = ""
    """SHA-256 over the folder's files: part of a render's fingerprint."""

    def own_sections(self, model_ids: set[str]) -> list[Change]:
        """The sections the city adds, in the file's order."""
        return [c for c in self.sections.values() if c.id not in model_ids and "." not in c.id]

    def dropped(self, section_id: str) -> bool:
        """Whether the city drops the section ``section_id``."""
        change = self.sections.get(section_id)
        return change is not None and change.drop

    def why(self, item: str) -> str:
        """The reason recorded for a change to ``item`` (a section or clause id)."""
        change = self.sections.get(item) or self.clauses.get(item)
        return change.why if change else ""


# Reading ----------------------------------------------------------------------------------

def folder_digest(profile: Path) -> str:
    """SHA-256 over the names and bytes of the customization folder's files; empty when
    the profile has none. Cheap enough for the check that a render is current."""
    return _digest(folder_of(profile))


def _digest(folder: Path) -> str:
    try:
        if not stat.S_ISDIR(os.lstat(folder).st_mode):
            return "not a folder"
        names = sorted(os.listdir(folder))
    except OSError:
        return ""
    digest = hashlib.sha256()
    for name in names[:MAX_FILES + 1]:
        path = folder / name
        try:
            info = os.lstat(path)
            data = path.read_bytes() if stat.S_ISREG(info.st_mode) and \
                info.st_size <= 1_000_000 else repr(info.st_mode).encode()
        except OSError:
            data = b"?"
        digest.update(name.encode("utf-8", "surrogateescape") + b"\0" + data + b"\0")
    return digest.hexdigest()


def load_customization(profile: Path, known: set[str]) -> Customization | None:
    """The customization beside ``profile``, checked against the ids of the sections its
    model can hold (``known``); None when there is none. Every problem is a located
    :class:`ProfileError`."""
    return load_folder(folder_of(profile), known)


def load_folder(folder: Path, known: set[str]) -> Customization | None:
    """The customization in ``folder`` (a city's, or a model variant's), checked against
    the ids of the sections of the model it changes; None when there is no such folder."""
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise ProfileError([Problem(folder, 1, "", f"cannot be read: {e.strerror}")]) from None
    if not stat.S_ISDIR(info.st_mode):
        raise ProfileError([Problem(folder, 1, "", "is not a folder; a city's customization "
                                    "is a folder of a customize.yaml and Markdown files "
                                    "(a link is not followed)")])
    names = sorted(os.listdir(folder))
    if len(names) > MAX_FILES:
        raise ProfileError([Problem(folder, 1, "", f"holds more than {MAX_FILES} files")])
    problems: list[Problem] = []
    changes_path = folder / CHANGES
    custom = Customization(folder, changes_path, digest=_digest(folder))
    model_ids = set(known)
    if CHANGES in names and not stat.S_ISREG(os.lstat(changes_path).st_mode):
        problems.append(Problem(changes_path, 1, "", "is not a regular file (a link is not "
                                "followed)"))
    elif CHANGES in names:
        source = load_yaml(changes_path, empty_hint=" (give sections: or clauses:, or "
                                                    "delete the file)")
        _read_changes(source, custom, problems)
    for name in names:
        if name == CHANGES or name.startswith("."):
            continue
        path = folder / name
        stem = name.removesuffix(".md")
        try:
            kind = os.lstat(path).st_mode
        except OSError as e:
            problems.append(Problem(path, 1, "", f"cannot be read: {e.strerror}"))
            continue
        if not stat.S_ISREG(kind):
            problems.append(Problem(path, 1, "", "is not a regular file (a link is not "
                                    "followed); put the text itself in the folder"))
            continue
        if not name.endswith(".md") or not _ID.fullmatch(stem):
            problems.append(Problem(path, 1, "", "is not a section's text; a customization "
                                    f"holds {CHANGES} and <section-id>.md files only"))
            continue
        if stem not in model_ids and stem not in custom.sections:
            problems.append(Problem(path, 1, "", f"no section '{stem}' in the model or in "
                                    f"{CHANGES}; name the file after a section's id, or add "
                                    f"the section under sections: in {CHANGES}"))
            continue
        try:
            raw = read_input(path)
            text = raw.decode("utf-8")
        except ProfileError as e:
            problems.extend(e.problems)
            continue
        except UnicodeDecodeError as e:
            problems.append(Problem(path, raw[: e.start].count(b"\n") + 1, "",
                                    "is not UTF-8 text; save the file as UTF-8"))
            continue
        custom.texts[stem] = TextFile(stem, path, text)
    _check_changes(custom, model_ids, problems)
    if problems:
        raise ProfileError(sorted(problems, key=lambda p: (str(p.path), p.line)))
    return custom


def _read_changes(source: SourceFile, custom: Customization, problems: list[Problem]) -> None:
    path = source.path
    for key in source.data:
        if key not in ("sections", "clauses"):
            problems.append(Problem(path, source.line_of((key,)), str(key),
                                    "unknown key; customize.yaml holds sections: and clauses:"))
    for group, keys, target in (("sections", _SECTION_KEYS, custom.sections),
                                ("clauses", _CLAUSE_KEYS, custom.clauses)):
        entries = source.data.get(group) or {}
        if not isinstance(entries, dict):
            problems.append(Problem(path, source.line_of((group,)), group,
                                    "expected a mapping of ids to their changes"))
            continue
        for item, spec in entries.items():
            loc = (group, item)
            line = source.line_of(loc)
            where = f"{group}.{item}"
            if not isinstance(item, str) or not all(_ID.fullmatch(p) for p in item.split(".")):
                problems.append(Problem(path, line, where, "is not an id: lowercase letters, "
                                        "digits and hyphens, with a dot between a section's "
                                        "id and a subsection's or clause's"))
                continue
            if group == "clauses" and "." not in item:
                problems.append(Problem(path, line, where, "a clause id is section.clause, "
                                        "e.g. comment-removal.only-remover"))
                continue
            if not isinstance(spec, dict):
                problems.append(Problem(path, line, where, "expected a mapping such as "
                                        "{drop: true, why: ...}"))
                continue
            values: dict[str, Any] = {}
            for key, value in spec.items():
                kline = source.line_of((*loc, key))
                if key not in keys:
                    problems.append(Problem(path, kline, f"{where}.{key}",
                                            f"unknown key; use {', '.join(sorted(keys))}"))
                elif key in ("drop", "replace"):
                    if not isinstance(value, bool):
                        problems.append(Problem(path, kline, f"{where}.{key}",
                                                "expected true or false"))
                    values[key] = value is True
                elif not isinstance(value, str) or not value.strip():
                    problems.append(Problem(path, kline, f"{where}.{key}", "expected text"))
                else:
                    values[key] = " ".join(value.split())
            if values.get("drop") and set(values) - {"drop", "why"}:
                problems.append(Problem(path, line, where, "a dropped item takes only why:"))
            if values.get("after") and values.get("before"):
                problems.append(Problem(path, line, where, "give after: or before:, not both"))
            target[item] = Change(item, line, **values)


def _check_changes(custom: Customization, model_ids: set[str], problems: list[Problem]) -> None:
    path = custom.changes_path
    known = model_ids | {c.id for c in custom.own_sections(model_ids)}
    for change in custom.sections.values():
        where = f"sections.{change.id}"
        top = change.id.split(".", 1)[0]
        if "." not in change.id and change.id not in model_ids:
            if change.drop:
                problems.append(Problem(path, change.line, where, "no such section in the "
                                        "model to drop"))
            elif not change.title:
                problems.append(Problem(path, change.line, where, "a section of the city's "
                                        "own needs a title: (or check the id: the model "
                                        "has no such section)"))
            elif change.id not in custom.texts:
                problems.append(Problem(path, change.line, where, f"its text goes in "
                                        f"{change.id}.md beside {CHANGES}; the file is missing"))
        elif top not in known:
            problems.append(Problem(path, change.line, where, f"no section '{top}'"))
        if change.replace and change.id not in custom.texts:
            problems.append(Problem(path, change.line, where, f"replace: true takes the "
                                    f"section's text from {change.id}.md, which is missing"))
        for anchor in (change.after, change.before) if "." not in change.id else ():
            if anchor is not None and anchor not in known:
                problems.append(Problem(path, change.line, where, f"no section '{anchor}' "
                                        "to place it by"))
            if anchor is not None and custom.dropped(anchor):
                problems.append(Problem(path, change.line, where, f"is placed by section "
                                        f"'{anchor}', which is dropped"))
        if "." in change.id and (change.after or change.before):
            problems.append(Problem(path, change.line, where, "a subsection stays in its "
                                    "section; move the whole section, or drop the "
                                    "subsection and write its text where it belongs"))
    for change in custom.clauses.values():
        top = change.id.split(".", 1)[0]
        if top not in known:
            problems.append(Problem(path, change.line, f"clauses.{change.id}",
                                    f"no section '{top}'"))


# Applying ---------------------------------------------------------------------------------

Render = Callable[[TextFile], "RenderedText"]
"""Fills a text file's values (see :func:`fill`)."""


def fill(text: TextFile, lookup_value: Callable[[str], Any]) -> RenderedText:
    """The city's text with its values and references as placeholders."""
    from .text import CustomTextError, fill_values

    try:
        return fill_values(text.text, lookup_value)
    except CustomTextError as e:
        raise ProfileError([Problem(text.path, e.line, "", str(e))]) from None


def section_text(custom: Customization, section_id: str, title: str, render: Render, *,
                 keep_notes: bool) -> Section:
    """The whole text of a section the city adds or replaces, from its Markdown file."""
    from .parse import parse_section

    text = custom.texts[section_id]
    rendered = render(text)
    with _located(text.path):
        return parse_section(rendered, section_id, [Text(title)], keep_notes=keep_notes,
                             where=str(text.path))


def overlay(custom: Customization, section: Section, render: Render) -> None:
    """Put the city's clause texts for ``section`` in place: a model clause's id replaces
    its text, a new id adds a clause after the one before it in the file."""
    from .parse import parse_units

    text = custom.texts[section.id]
    rendered = render(text)
    with _located(text.path):
        units = parse_units(rendered, str(text.path))
    anchor: str | None = None
    seen: set[str] = set()
    for node, ordered, line in units:
        if node.id is None:
            raise ProfileError([Problem(text.path, line, "", "end the clause with its id, "
                                        "as in {#only-remover}: a model clause's id replaces "
                                        "its text, a new id adds a clause")])
        full = f"{section.id}.{node.id}"
        if full in seen:
            raise ProfileError([Problem(text.path, line, "", f"clause '{node.id}' is written "
                                        "twice")])
        seen.add(full)
        node.id = full
        _qualify(node, section.id + ".")
        found = find_clause([section], full)
        if found is not None:
            _replace_text(found.node, node)
        else:
            if _has_id(section, full):
                raise ProfileError([Problem(text.path, line, "", f"'{node.id}' is a "
                                            "subsection's id; a clause needs its own")])
            _clear_inner_ids(node)
            insert_clause([section], node, ordered, after=anchor, first_in=section)
        anchor = full


def arrange(custom: Customization, sections: list[Section], own: list[Section]) -> list[Section]:
    """The sections in the city's order: its own added, moved ones moved, renamed and
    dropped subsections and clauses changed. ``own`` are the city's sections, in the
    order of ``customize.yaml``."""
    out = list(sections)
    for section in own:
        change = custom.sections[section.id]
        out.append(section)
        if change.after or change.before:
            _move_section(out, section, change)
    for change in custom.sections.values():
        if "." in change.id or change.id in {s.id for s in own}:
            continue
        found = next((s for s in out if s.id == change.id), None)
        if found is not None and (change.after or change.before):
            _move_section(out, found, change)
    for change in custom.sections.values():
        node = _find_section(out, change.id)
        if node is None:  # a dropped or switched-off section, or a subsection not there
            if "." in change.id and not change.drop and \
                    not custom.dropped(change.id.split(".")[0]):
                raise ProfileError([Problem(custom.changes_path, change.line,
                                            f"sections.{change.id}", "no such subsection "
                                            "in this policy")])
            continue
        if change.title:
            node.title = [Text(change.title)]
        if change.drop and "." in change.id:
            parent = _find_section(out, change.id.rsplit(".", 1)[0])
            if parent is not None:
                parent.blocks.remove(node)
    for change in custom.clauses.values():
        if custom.dropped(change.id.split(".", 1)[0]):
            continue
        clause = find_clause(out, change.id)
        if clause is None:
            raise ProfileError([Problem(custom.changes_path, change.line,
                                        f"clauses.{change.id}", "no such clause in this "
                                        "policy ('smpgen deviations' and the HTML edition's "
                                        "data-clause attributes show the ids)")])
        if change.drop or change.after or change.before:
            clause.remove()
        if change.after or change.before:
            target = change.after or change.before
            assert target is not None
            if find_clause(out, target) is None:
                raise ProfileError([Problem(custom.changes_path, change.line,
                                            f"clauses.{change.id}", f"no clause '{target}' "
                                            "in this policy to place it by")])
            insert_clause(out, clause.node, clause.ordered, after=change.after,
                          before=change.before)
    return out


def _move_section(out: list[Section], section: Section, change: Change) -> None:
    out.remove(section)
    anchor = change.after or change.before
    index = next((i for i, s in enumerate(out) if s.id == anchor), None)
    if index is None:  # the anchor is switched off or dropped: keep the model's place
        out.append(section)
        return
    out.insert(index + 1 if change.after else index, section)


def _find_section(sections: list[Section], section_id: str) -> Section | None:
    for section in sections:
        if section.id == section_id:
            return section
        found = _find_section([b for b in section.blocks if isinstance(b, Section)],
                              section_id)
        if found is not None:
            return found
    return None


# Clauses in the tree ------------------------------------------------------------------------

@dataclass(slots=True)
class Found:
    """A clause and where it sits."""

    node: Paragraph | ListItem
    container: list[Any]
    """The list holding it: a section's or item's blocks, or a list's items."""
    owner: ListBlock | None
    """The list it is an item of."""
    owner_container: list[Any] | None
    """The blocks holding that list."""

    @property
    def ordered(self) -> bool:
        """Whether it is an item of an ordered list."""
        return self.owner is not None and self.owner.ordered

    def remove(self) -> None:
        """Take the clause out; a list left empty goes too."""
        self.container.remove(self.node)
        if self.owner is not None and not self.owner.items and self.owner_container is not None:
            self.owner_container.remove(self.owner)


def clauses_of(blocks: list[Block]) -> Iterator[Found]:
    """Every clause among ``blocks``, in reading order, drafter's notes left out."""
    for block in blocks:
        if isinstance(block, Paragraph) and block.id:
            yield Found(block, blocks, None, None)
        elif isinstance(block, ListBlock):
            for item in block.items:
                if item.id:
                    yield Found(item, block.items, block, blocks)
                yield from clauses_of(item.blocks)
        elif isinstance(block, Section):
            yield from clauses_of(block.blocks)


def find_clause(sections: list[Section], clause_id: str) -> Found | None:
    """The clause ``clause_id`` in ``sections``, or None."""
    top = clause_id.split(".", 1)[0]
    home = [s for s in sections if s.id == top]
    for group in (home, [s for s in sections if s.id != top]):  # a moved clause may be
        for section in group:                                   # in another section
            found = next((f for f in clauses_of([section]) if f.node.id == clause_id), None)
            if found is not None:
                return found
    return None


def insert_clause(sections: list[Section], node: Paragraph | ListItem, ordered: bool, *,
                  after: str | None = None, before: str | None = None,
                  first_in: Section | None = None) -> None:
    """Put ``node`` after (or before) a clause, or first in ``first_in``. It takes the
    anchor's form: next to a list item it becomes an item of that list, next to a
    paragraph a paragraph (an item starts a list of its own)."""
    anchor = after or before
    found = find_clause(sections, anchor) if anchor else None
    if found is None:
        assert first_in is not None
        first_in.blocks.insert(0, _as_block(node, ordered))
        return
    offset = 1 if after else 0
    if isinstance(found.node, ListItem):
        last = found.container[-1] is found.node
        if isinstance(node, Paragraph) and after and last and found.owner_container is not None:
            where = found.owner_container.index(found.owner) + 1
            found.owner_container.insert(where, node)
            return
        found.container.insert(found.container.index(found.node) + offset, _as_item(node))
        return
    found.container.insert(found.container.index(found.node) + offset, _as_block(node, ordered))


def _as_item(node: Paragraph | ListItem) -> ListItem:
    if isinstance(node, ListItem):
        return node
    return ListItem([Paragraph(node.children)], node.id)


def _as_block(node: Paragraph | ListItem, ordered: bool) -> Block:
    if isinstance(node, Paragraph):
        return node
    return ListBlock(ordered, [node])


def _replace_text(target: Paragraph | ListItem, new: Paragraph | ListItem) -> None:
    """Put ``new``'s text in ``target``; an item's nested lists go with its text."""
    inlines: list[Inline]
    if isinstance(new, Paragraph):
        inlines = new.children
        rest: list[Block] = []
    else:
        first = new.blocks[0] if new.blocks else None
        inlines = first.children if isinstance(first, Paragraph) else []
        rest = new.blocks[1:]
        _clear_inner_ids(new)
    if isinstance(target, Paragraph):
        target.children = inlines
        return
    first_block = target.blocks[0] if target.blocks else None
    if isinstance(new, ListItem) and rest:
        target.blocks = [Paragraph(inlines), *rest]
    elif isinstance(first_block, Paragraph):
        first_block.children = inlines
    else:
        target.blocks.insert(0, Paragraph(inlines))


def _qualify(node: Paragraph | ListItem, prefix: str) -> None:
    """The items of lists nested in a city's list item are clauses of their own: their
    ids get the section's prefix (or one made from the item's, when written without)."""
    if not isinstance(node, ListItem):
        return
    for block in node.blocks:
        if isinstance(block, ListBlock):
            for n, item in enumerate(block.items, start=1):
                local = item.id or f"{(node.id or '').removeprefix(prefix)}-{n}"
                item.id = prefix + local.removeprefix(prefix)
                _qualify(item, prefix)


def _clear_inner_ids(node: Paragraph | ListItem) -> None:
    """Blocks nested in a city's list item are part of its clause."""
    if isinstance(node, ListItem):
        for block in node.blocks:
            if isinstance(block, Paragraph):
                block.id = None


def _has_id(section: Section, full: str) -> bool:
    return _find_section([section], full) is not None


@contextmanager
def _located(path: Path) -> Iterator[None]:
    """A problem the parser finds in a city's text, as a located problem of its file."""
    try:
        yield
    except ModelError as e:
        message = str(e)
        match = re.match(re.escape(str(path)) + r":(\d+)?:? ?(.*)", message, re.S)
        line, text = (int(match.group(1) or 1), match.group(2)) if match else (1, message)
        text = text.replace("in a model;", "in a city's text;")
        raise ProfileError([Problem(path, line, "", text)]) from None


__all__ = ["Change", "Customization", "Found", "TextFile", "arrange", "clauses_of",
           "find_clause", "folder_of", "insert_clause", "load_customization", "overlay",
           "section_text"]
