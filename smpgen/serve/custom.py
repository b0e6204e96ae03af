"""The city's own text on the editor's page: the customization a city keeps beside its
profile (:mod:`smpgen.customize`), seen and changed clause by clause.

=============================================  ==========================================
``GET  /edit/{name}/custom``                   the page: the changes from the model with
                                               their reasons, each section's clauses as the
                                               city has them, the sections dropped, a form
                                               to add one, and the policy's preview
``POST /edit/{name}/custom/clause``            a clause's text saved as the city's
``POST /edit/{name}/custom/revert``            a clause back to the model's text (one the
                                               city wrote itself: taken out)
``POST /edit/{name}/custom/drop``              a section dropped, with the reason
``POST /edit/{name}/custom/restore``           a dropped section back
``POST /edit/{name}/custom/add``               a section of the city's own added
``POST /edit/{name}/custom/remove``            a section of the city's own taken out
=============================================  ==========================================

Every change is a plain form post (the page needs no script), answered with a redirect
back to the page at the part changed; a change refused is answered with the page itself,
the message beside its form and what was typed still in it. A change is safe to make:

- The page carries the SHA-256 of the customization folder as it read it
  (:func:`smpgen.customize.folder_digest`); a change is refused (409) when the folder
  changed since.
- Files are written atomically (:func:`smpgen.safefiles.write_new_file`), never through a
  link, and only in ``<profile>.custom/`` beside a profile of the served folder, named
  after section ids (so never a path). ``customize.yaml`` keeps its comments (ruamel.yaml's
  round trip, as ``smpgen upgrade`` and ``smpgen import`` write it).
- After writing, the profile is loaded as ``smpgen render`` loads it (the customization
  checked) and the policy is built; if either fails, every file is put back as it was and
  the located problem is shown (422).

The text offered for a model clause is Markdown in which each profile value that one
field alone holds is written as ``{{ name }}``, and a saved text has a value typed out
(pasted from the preview, say) written back so when the edit left it as it was: the same
re-templating ``smpgen import`` does (:mod:`smpgen.wordimport`), so an edit never
freezes a value into words.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlencode

from markdown_it import MarkdownIt
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from ..customize import CHANGES, SUFFIX, Customization, find_clause, folder_digest
from ..errors import ModelError, ProfileError, UserError
from ..profile import Profile
from ..safefiles import lstat, write_new_file
from ..sourcefile import MAX_BYTES
from ..tree import (
    Blank,
    Block,
    Deleted,
    Document,
    Emphasis,
    Inline,
    Inserted,
    Link,
    ListBlock,
    ListItem,
    Paragraph,
    Section,
    Strong,
    Text,
    XRef,
    plain,
)
from .app import Editor, editor_of
from .store import ChangedOnDisk, NotFound, checked_name

Kind = Literal["model", "changed", "added", "own"]
"""Whose text a clause reads: the model's, the city's for a model clause, a clause the
city added to a model section, or a clause of a section the city wrote whole."""

KINDS: dict[Kind, str] = {
    "model": "the model\u2019s text",
    "changed": "the City\u2019s text (the model\u2019s changed)",
    "added": "a clause the City added",
    "own": "the City\u2019s text (its section is the City\u2019s own)",
}
"""How the page names each kind of clause."""

_ID = r"[a-z0-9][a-z0-9-]*"
_ITEM = re.compile(rf"{_ID}(?:\.{_ID})*")
_ID_END = re.compile(rf"\s*\{{#({_ID})\}}\s*$")
_ANY_ID = re.compile(r"\{#[^}\n]*\}")
_MARKER = re.compile(r"\s*(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$)")
_TAG = re.compile(r"\{\{.*?\}\}", re.S)
_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\((<[^>\n]*>|[^)\s]*)\)")
_SEGMENTS = re.compile(r"(\{\{.*?\}\}|\[(?:\\.|[^\]\\])*\]\((?:<[^>\n]*>|[^)\s]*)\))", re.S)
"""What values are never written back into: tags, and links."""
_VALUE_TAG = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\s*\}\}")
MAX_WHY = 2000
"""The longest reason the page records (a paragraph, not a memo)."""

_WRITING = threading.Lock()
"""One change at a time: a change reads, writes and checks the folder as one step."""


class Refused(UserError):
    """A change the page will not make; ``form`` names the form it came from."""

    def __init__(self, message: str, form: str, status: int = 422) -> None:
        super().__init__(message)
        self.form = form
        self.status = status


def anchor(prefix: str, item: str) -> str:
    """An HTML id for a section or clause id (whose dots CSS would read as classes)."""
    return f"{prefix}-{item.replace('.', '_')}"


# What the page shows -------------------------------------------------------------------------

@dataclass(slots=True)
class Loaded:
    """A profile with its customization, loaded as ``smpgen render`` loads them."""

    name: str
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


def load(editor: Editor, name: str) -> Loaded:
    """The profile ``name`` with its customization and both texts of its policy; a
    :class:`ProfileError` (or :class:`ModelError`) when they do not load or build."""
    from ..document import policy_document
    from .loading import load_text

    real = editor.folder.real / name
    sha = folder_digest(real)  # first: a change made while reading shows as a change
    file = editor.folder.read(name)
    profile = load_text(file.path, file.raw, draft=True, templates=editor.templates)
    stem = f"{Path(name).stem}{SUFFIX}"
    return Loaded(name, editor.folder.real / stem, editor.folder.root / stem, sha, profile,
                  policy_document(profile), policy_document(profile, customized=False))


@dataclass(slots=True)
class ClauseView:
    """One clause as the page shows it."""

    id: str
    anchor: str
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
    anchor: str
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


@dataclass(slots=True)
class DroppedView:
    """A section the city drops."""

    id: str
    anchor: str
    title: str
    why: str


@dataclass(slots=True)
class PageView:
    """Everything the page shows of a city's customization."""

    sha: str
    folder: str
    deviations: list[Any]
    """:class:`smpgen.deviations.Deviation`, each with the anchor it links to."""
    sections: list[SectionView]
    dropped: list[DroppedView]
    switched_off: list[str]
    """Titles of the model's optional sections the profile leaves out."""
    places: list[tuple[str, str]]
    """Where a new section may go: (section id, label)."""
    preview_url: str


def page_view(editor: Editor, state: Loaded) -> PageView:
    """What the page shows for ``state``."""
    from ..deviations import deviations
    from ..writers.html import write_html

    values = _Values(state)
    base_ids = {f.node.id for f in _clauses(state.base.sections)}
    units = {s.id: units_of(state.text_of(s.id)) for s in state.mine.sections}
    custom = state.custom
    model_ids = state.profile.model.section_ids()
    sections = []
    for section in state.mine.sections:
        change = custom.sections.get(section.id) if custom is not None else None
        kind: Literal["model", "own", "replaced"] = "own" if section.id not in model_ids \
            else "replaced" if change is not None and change.replace else "model"
        view = SectionView(section.id, anchor("s", section.id),
                           values.numbers[section.id].label, plain(section.title), kind,
                           _renamed(state, section), change.why if change is not None else "",
                           change is not None and bool(change.title or change.after
                                                       or change.before or change.replace))
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
    preview = editor.previews.put("preview.html", "text/html", write_html(state.mine).encode())
    return PageView(
        state.sha, str(state.shown),
        [(d, _anchor_of(d.what, d.kind, d.id, shown)) for d in deviations(state.profile)],
        sections, _dropped(state), _switched_off(state, shown),
        [(s.id, " ".join(f"After {s.number} {s.title}".split())) for s in sections],
        f"/preview/{preview}")


def _anchor_of(what: str, kind: str, item: str, shown: set[str]) -> str:
    """Where on the page a deviation is (empty: nowhere, a clause dropped)."""
    if what == "section":
        return anchor("s", item) if item in shown else "dropped"
    return "" if kind == "dropped" else anchor("cl", item)


def _renamed(state: Loaded, section: Section) -> str:
    was = next((s for s in state.base.sections if s.id == section.id), None)
    return plain(was.title) if was is not None and plain(was.title) != plain(section.title) \
        else ""


def _clause_view(state: Loaded, node: Paragraph | ListItem, base_ids: set[str],
                 units: dict[str, dict[str, Unit]], values: _Values) -> ClauseView:
    cid = node.id or ""
    home, _, local = cid.partition(".")
    unit = units.get(home, {}).get(local) if home in units else \
        units_of(state.text_of(home)).get(local)
    whole = state.is_whole(home)
    printed = values.printed(first_inlines(node))
    custom = state.custom
    why = custom.clauses[cid].why if custom is not None and cid in custom.clauses else ""
    view = ClauseView(cid, anchor("cl", cid), "model", printed, "", why)
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
    from ..customize import clauses_of

    return (f for f in clauses_of(list(sections)) if f.node.id)


def first_inlines(node: Paragraph | ListItem) -> list[Inline]:
    """A clause's own words: a paragraph's, or a list item's first paragraph's (the items
    under it are clauses of their own)."""
    if isinstance(node, Paragraph):
        return node.children
    first = node.blocks[0] if node.blocks else None
    return first.children if isinstance(first, Paragraph) else []


def _dropped(state: Loaded) -> list[DroppedView]:
    custom = state.custom
    if custom is None:
        return []
    out = []
    for change in custom.sections.values():
        if change.drop:
            out.append(DroppedView(change.id, anchor("d", change.id),
                                   _model_title(state, change.id), change.why))
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


# Values, and a clause's words as Markdown --------------------------------------------------

class _Values:
    """A city's values in clause texts: printed, and written back as ``{{ name }}``."""

    def __init__(self, state: Loaded) -> None:
        from ..context import profile_context
        from ..numbering import number_sections, scheme_for
        from ..wordimport import _Plan

        self.scheme = scheme_for(state.mine.info)
        self.numbers = number_sections(state.mine, self.scheme)
        self.context = profile_context(state.profile)
        # smpgen import's re-templating (wordimport._Plan.values_kept); see the report of
        # issue 15 for making it a public function of that module.
        self._plan = _Plan(state.profile, state.mine, self.scheme, self.numbers)

    def printed(self, inlines: list[Inline]) -> str:
        """The words as the policy prints them."""
        from ..numbering import printed_text

        return printed_text(inlines, self.scheme, self.numbers)

    def markdown(self, inlines: list[Inline]) -> str:
        """The words as Markdown, each value one field alone holds as ``{{ name }}``."""
        text = clause_markdown(inlines)
        printed = self.printed(inlines)
        return self.kept(text, printed, printed)

    def kept(self, markdown: str, before: str, after: str) -> str:
        """``markdown`` with each value printed as often in ``after`` as in ``before``
        written as ``{{ name }}``; never inside a tag, nor in part of a link (a web
        address holding the city's name is the address, not the name)."""
        out = []
        for part in _SEGMENTS.split(markdown):
            link = _LINK.fullmatch(part)
            if link is not None:
                out.append(self._link(part, link.group(1), link.group(2).strip("<>")))
            elif _TAG.fullmatch(part):
                out.append(part)
            else:
                out.append(self._plan.values_kept(part, before, after))
        return "".join(out)

    def _link(self, markdown: str, text: str, href: str) -> str:
        """A link whose text and address are one value, as ``[{{ name }}]({{ name }})``."""
        from ..wordimport import escape_markdown

        name = self._plan.value_names().get(href)
        if name is not None and text == escape_markdown("x" + href)[1:]:
            return f"[{{{{ {name} }}}}]({{{{ {name} }}}})"
        return markdown

    def typed(self, markdown: str) -> str:
        """``markdown``'s words with its values printed, for counting them."""
        from ..context import lookup

        def value(match: re.Match[str]) -> str:
            try:
                found = lookup(self.context, match.group(1))
            except (KeyError, TypeError):
                return ""
            return found if isinstance(found, str) else ""

        return _VALUE_TAG.sub(value, markdown)


def clause_markdown(inlines: list[Inline]) -> str:
    """Markdown that a city's text file reads back as ``inlines``: text escaped,
    emphasis and links marked up, a blank as ``{{ name }}``, references printed together
    ("Sections 4 and 7") as one ``{{ ref("a", "b") }}``."""
    from ..wordimport import escape_markdown

    out: list[str] = []
    i = 0
    while i < len(inlines):
        node = inlines[i]
        match node:
            case Text(text=text):
                out.append(escape_markdown("x" + text)[1:])  # "x": no line-start rules here
            case Strong(children=c) | Emphasis(children=c):
                inner = clause_markdown(c)
                mark = "**" if isinstance(node, Strong) else "*"
                core = inner.strip()
                out.append(inner[: len(inner) - len(inner.lstrip())] + mark + core + mark
                           + inner[len(inner.rstrip()):] if core else inner)
            case Link(href=href, children=c):
                target = f"<{href}>" if re.search(r"[\s()<>]", href) else href
                out.append(f"[{clause_markdown(c)}]({target})")
            case Blank(name=name):
                out.append("{{ " + name + " }}")
            case XRef():
                targets, i = _references(inlines, i)
                out.append("{{ ref(" + ", ".join(f'"{t}"' for t in targets) + ") }}")
            case Inserted(children=c) | Deleted(children=c):
                out.append(clause_markdown(c))
        i += 1
    text = re.sub(r"&(?=#?[A-Za-z0-9]+;)", r"\\&", "".join(out))
    start = re.match(r"(\s*)(?:([-+=>])|(\d{1,9})([.)]))", text)
    if start:  # what would begin a list or a quote at the start of a line
        head = f"\\{start.group(2)}" if start.group(2) else f"{start.group(3)}\\{start.group(4)}"
        text = start.group(1) + head + text[start.end():]
    return text


def _references(inlines: list[Inline], i: int) -> tuple[list[str], int]:
    """The targets of the references printed together from ``inlines[i]``, and the index
    of the last."""
    node = inlines[i]
    assert isinstance(node, XRef)
    targets = [node.target]
    while not node.last and i + 2 < len(inlines) and isinstance(inlines[i + 1], Text):
        following = inlines[i + 2]
        if not isinstance(following, XRef):
            break
        node = following
        targets.append(node.target)
        i += 2
    return targets, i


# A city's text file, clause by clause -------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Unit:
    """One clause's text in a city's Markdown file."""

    start: int
    """Its first line (0-based)."""
    end: int
    """Past its last line."""
    whole_end: int
    """Past the last line of the list item it begins, nested items included (``end``
    for a paragraph)."""
    prefix: str
    """What stands before its words on the first line: indentation and a list marker."""
    text: str
    """Its words as the person edits them: no marker, indentation or ``{#id}``."""


@cache
def _markdown_parser() -> MarkdownIt:
    from mdit_py_plugins.container import container_plugin

    md = MarkdownIt("commonmark", {"html": False})
    md.use(container_plugin, "note")
    return md


def units_of(text: str) -> dict[str, Unit]:
    """The clauses of a city's text that end with their ``{#id}``, by that id."""
    lines = text.splitlines()
    tokens = _markdown_parser().parse(text)
    out: dict[str, Unit] = {}
    notes = 0
    for i, token in enumerate(tokens):
        if token.type == "container_note_open":
            notes += 1
        elif token.type == "container_note_close":
            notes -= 1
        if token.type != "paragraph_open" or notes or not token.map:
            continue
        start, end = token.map
        found = _ID_END.search(lines[end - 1])
        if found is None:
            continue
        item = tokens[i - 1] if i and tokens[i - 1].type == "list_item_open" else None
        first = lines[start]
        marker = _MARKER.match(first) if item is not None and item.map and \
            item.map[0] == start else None
        prefix = marker.group(0) if marker else first[: len(first) - len(first.lstrip())]
        words = [first[len(prefix):], *(line.strip() for line in lines[start + 1:end])]
        words[-1] = _ID_END.sub("", words[-1])
        while len(words) > 1 and not words[-1].strip():
            words.pop()
        whole_end = item.map[1] if item is not None and item.map else end
        out.setdefault(found.group(1), Unit(start, end, max(whole_end, end), prefix,
                                            "\n".join(w.rstrip() for w in words)))
    return out


def put_unit(text: str, local: str, words: str, unit: Unit | None) -> str:
    """``text`` with the clause ``local`` reading ``words``: in its place, or added at the
    end (so no clause the city added is placed differently)."""
    new = words.split("\n")
    if unit is None:
        body = "\n".join(new) + f" {{#{local}}}"
        return (text.rstrip() + "\n\n" if text.strip() else "") + body + "\n"
    lines = text.splitlines()
    indent = " " * len(unit.prefix)
    block = [unit.prefix + new[0], *(indent + line for line in new[1:])]
    block[-1] += f" {{#{local}}}"
    lines[unit.start:unit.end] = block
    return "\n".join(lines) + "\n"


def cut_unit(text: str, unit: Unit) -> str:
    """``text`` without the clause ``unit`` (a list item with the items under it)."""
    lines = text.splitlines()
    del lines[unit.start:unit.whole_end]
    joined = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return joined + "\n" if joined.strip() else ""


def clean_words(text: str, form: str) -> str:
    """A clause's words as typed, checked: one paragraph, its id left to the page."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n")
             .strip().split("\n")]
    if not lines or not lines[0]:
        raise Refused("A clause needs its words; to go back to the model\u2019s text, use "
                      "the button for it below the text.", form)
    if any(not line.strip() for line in lines):
        raise Refused("A clause is one paragraph: take out the empty line (a section of the "
                      "City's own may have many).", form)
    if _ANY_ID.search(text):
        raise Refused("Leave the {#id} out: the page keeps the clause's id for you.", form)
    return "\n".join(line.strip() for line in lines)


def with_ids(text: str, taken: set[str]) -> str:
    """A new section's text with an ``{#id}`` on each paragraph, list item and heading
    written without one (made from its first words), so each is a clause that can be
    edited and referred to."""
    lines = text.splitlines()
    ends: list[tuple[int, str]] = []
    taken = set(taken)
    for token in _markdown_parser().parse(text):
        if token.type in ("paragraph_open", "heading_open") and token.map:
            last = token.map[1] - 1
            found = _ID_END.search(lines[last])
            if found:
                taken.add(found.group(1))
            else:
                ends.append((last, " ".join(lines[token.map[0]:token.map[1]])))
    for last, words in sorted(ends, reverse=True):
        local = unique(slug(re.sub(r"^[\s#>*+-]*(?:\d{1,9}[.)])?\s*", "", words)) or "clause",
                       taken)
        taken.add(local)
        lines[last] = lines[last].rstrip() + f" {{#{local}}}"
    return "\n".join(lines).strip("\n") + "\n"


def slug(text: str, words: int = 4, size: int = 28) -> str:
    """An id made of the first words of ``text``."""
    found = re.findall(r"[a-z0-9]+", re.sub(r"\{\{.*?\}\}", " ", text.lower()))
    return "-".join(found[:words])[:size].strip("-")


def unique(stem: str, taken: set[str]) -> str:
    """``stem``, or ``stem-2``, ``stem-3``... where it is taken."""
    if stem not in taken:
        return stem
    n = 2
    while f"{stem}-{n}" in taken:
        n += 1
    return f"{stem}-{n}"


# Writing, checking, putting back ------------------------------------------------------------

class Writes:
    """The files one change writes in a customization folder, and how to put them back."""

    def __init__(self, folder: Path, shown: Path) -> None:
        self.folder = folder
        self.shown = shown
        self.before: dict[str, bytes | None] = {}
        self.made = False

    @property
    def nothing(self) -> bool:
        """No file was written."""
        return not self.before and not self.made

    def read(self, name: str) -> bytes | None:
        """The bytes of ``name`` in the folder (None when it is not there), never through
        a link."""
        path = self.folder / name
        info = lstat(path)
        if info is None:
            return None
        if not stat.S_ISREG(info.st_mode):
            raise UserError(f"{self.shown / name} is not a regular file (a link is not "
                            "followed); nothing was changed")
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as f:
            data = f.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise UserError(f"{self.shown / name} is more than {MAX_BYTES:,} bytes")
        return data

    def write(self, name: str, data: bytes | None) -> None:
        """``name`` holding ``data`` (removed for None), atomically; unchanged bytes are
        not written."""
        current = self.read(name)
        if current == data:
            return
        if data is not None and not self.made and lstat(self.folder) is None:
            os.mkdir(self.folder, 0o755)
            self.made = True
        info = lstat(self.folder)
        if info is None or not stat.S_ISDIR(info.st_mode):
            raise UserError(f"{self.shown} is not a folder (a link is not followed); "
                            "nothing was changed")
        self.before.setdefault(name, current)
        if data is None:
            (self.folder / name).unlink()
        else:
            write_new_file(self.folder / name, data, replace=True)

    def undo(self) -> None:
        """Every file as it was before this change."""
        for name, data in reversed(self.before.items()):
            if data is None:
                (self.folder / name).unlink(missing_ok=True)
            else:
                write_new_file(self.folder / name, data, replace=True)
        self.before.clear()
        if self.made:
            self._tidy()

    def finish(self) -> None:
        """The folder goes when this change left nothing in it."""
        if self.before and lstat(self.folder) is not None and not os.listdir(self.folder):
            self._tidy()

    def _tidy(self) -> None:
        with contextlib.suppress(OSError):  # not empty, or not there
            os.rmdir(self.folder)


def edited_changes(writes: Writes, edit: Callable[[Any], None]) -> None:
    """``customize.yaml`` with ``edit`` made to its mapping, comments and layout kept
    (ruamel.yaml's round trip); removed once nothing is left in it."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    raw = writes.read(CHANGES)
    yaml = YAML()
    yaml.width = 4096  # never fold the person's lines
    yaml.preserve_quotes = True
    try:
        data = yaml.load(raw.decode("utf-8")) if raw else None
    except Exception as e:  # ruamel's own errors, or a file not UTF-8
        raise UserError(f"{writes.shown / CHANGES} cannot be read ({type(e).__name__}); "
                        "fix it in a text editor first") from None
    if data is None:
        data = CommentedMap()
    if not isinstance(data, CommentedMap):
        raise UserError(f"{writes.shown / CHANGES}: is not a mapping of sections: and "
                        "clauses:; fix it in a text editor first")
    for group in ("sections", "clauses"):
        if group in data and not isinstance(data[group], CommentedMap):
            if data[group]:
                raise UserError(f"{writes.shown / CHANGES}: {group}: is not a mapping; fix "
                                "it in a text editor first")
            data[group] = CommentedMap()
    edit(data)
    for group in ("sections", "clauses"):
        if group in data and not data[group]:
            del data[group]
    if not data:
        writes.write(CHANGES, None)
        return
    buf = io.StringIO()
    yaml.dump(data, buf)
    writes.write(CHANGES, buf.getvalue().encode("utf-8"))


def _entry(data: Any, group: str, item: str) -> Any:
    from ruamel.yaml.comments import CommentedMap

    if group not in data:
        data[group] = CommentedMap()
    if not isinstance(data[group].get(item), CommentedMap):
        data[group][item] = CommentedMap()
    return data[group][item]


def _forget(data: Any, group: str, item: str, keys: tuple[str, ...] | None = None) -> None:
    """Take ``keys`` (all, for None) out of an entry, and the entry once it is empty."""
    entries = data.get(group)
    entry = entries.get(item) if entries is not None else None
    if entry is None:
        return
    if keys is not None and hasattr(entry, "pop"):
        for key in keys:
            entry.pop(key, None)
    if keys is None or not entry:
        del entries[item]


def _set_why(entry: Any, why: str) -> None:
    if why:
        entry["why"] = why
    else:
        entry.pop("why", None)


def check(editor: Editor, name: str) -> None:
    """Load the profile ``name`` and build its policy as ``smpgen render`` does (its
    customization checked on the way); raises what they raise."""
    from ..document import policy_document
    from .loading import load_text

    file = editor.folder.read(name)
    policy_document(load_text(file.path, file.raw, draft=True, templates=editor.templates))


# The changes --------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Done:
    """What a change did, for the notice on the page it returns to."""

    what: str
    """A key of :data:`NOTICES`."""
    item: str
    """The section or clause id."""
    at: str
    """The part of the page to go back to."""


NOTICES = {
    "saved": "Saved: clause {} reads the City\u2019s text.",
    "same": "Nothing to save: clause {} already reads so.",
    "why": "Saved the reason for clause {}.",
    "reverted": "Clause {} reads the model\u2019s text again.",
    "taken-out": "Clause {} is taken out of the City\u2019s text.",
    "dropped": "Section {} is dropped.",
    "restored": "Section {} is back.",
    "added": "Section {} is added.",
    "removed": "Section {} is taken out, with its text file.",
}
"""What the page says after each change."""


def _why(values: dict[str, str], form: str) -> str:
    why = " ".join(values.get("why", "").split())
    if len(why) > MAX_WHY:
        raise Refused(f"The reason is {len(why):,} characters; keep it under {MAX_WHY:,} "
                      "(the deviation list prints it in full).", form)
    return why


def _clause(state: Loaded, values: dict[str, str]) -> tuple[str, str, str]:
    cid = values.get("clause", "")
    if not _ITEM.fullmatch(cid) or "." not in cid or \
            find_clause(list(state.mine.sections), cid) is None:
        raise NotFound(f"no clause {cid!r} in this policy; reload the page")
    home, _, local = cid.partition(".")
    return cid, home, local


def save_clause(state: Loaded, values: dict[str, str], writes: Writes) -> Done:
    """Write a clause's text into its section's file as the city's, with its reason."""
    cid, home, local = _clause(state, values)
    form = anchor("cl", cid)
    found = find_clause(list(state.mine.sections), cid)
    assert found is not None
    valued = _Values(state)
    before = valued.printed(first_inlines(found.node))
    typed = clean_words(values.get("text", ""), form)
    words = valued.kept(typed, before, valued.typed(typed))
    why = _why(values, form)
    text = state.text_of(home)
    unit = units_of(text).get(local)
    whole = state.is_whole(home)
    if whole and unit is None:
        raise Refused(f"Clause {cid} carries no {{#id}} in {home}.md; give it one there to "
                      "edit it here.", form)
    offered = unit.text if unit is not None else valued.markdown(first_inlines(found.node))
    changed = " ".join(words.split()) != " ".join(offered.split())
    if changed:
        writes.write(f"{home}.md", put_unit(text, local, words, unit).encode("utf-8"))
    entry = state.custom.clauses.get(cid) if state.custom is not None else None
    # A reason goes with the city's text (or an entry it already has), never alone.
    if not whole and why != (entry.why if entry else "") and \
            (changed or unit is not None or entry is not None):
        def record(data: Any) -> None:
            if why:
                _set_why(_entry(data, "clauses", cid), why)
            else:
                _forget(data, "clauses", cid, ("why",))

        edited_changes(writes, record)
    what = "saved" if changed else "why" if not writes.nothing else "same"
    return Done(what, cid, form)


def revert_clause(state: Loaded, values: dict[str, str], writes: Writes) -> Done:
    """Take a clause's text out of the city's file: a model clause reads the model's
    again, a clause the city added is gone."""
    cid, home, local = _clause(state, values)
    form = anchor("cl", cid)
    text = state.text_of(home)
    found = units_of(text)
    unit = found.get(local)
    if unit is None:
        raise Refused(f"Clause {cid} has no text of the City's to take out.", form)
    model = find_clause(list(state.base.sections), cid) is not None and not state.is_whole(home)
    left = cut_unit(text, unit)
    writes.write(f"{home}.md", left.encode("utf-8") if left or state.is_whole(home) else None)
    following = [name for name, u in found.items() if u.start >= unit.whole_end]
    nxt = f"{home}.{min(following, key=lambda n: found[n].start)}" if following else None
    custom = state.custom
    assert custom is not None  # the city has text for the clause
    placed = custom.clauses.get(nxt or "")
    # A clause the city added is placed after the one written before it in the file: when
    # that is this model clause (still in the policy), it stays after it.
    anchored = model and nxt is not None and find_clause(list(state.base.sections), nxt) \
        is None and not (placed is not None and (placed.after or placed.before))

    def record(data: Any) -> None:
        _forget(data, "clauses", cid, ("why",) if model else None)
        if anchored and nxt is not None:
            _entry(data, "clauses", nxt)["after"] = cid

    if cid in custom.clauses or anchored:
        edited_changes(writes, record)
    return Done("reverted" if model else "taken-out", cid, form)


def _section(state: Loaded, values: dict[str, str], prefix: str) -> tuple[str, str]:
    sid = values.get("section", "")
    if not _ITEM.fullmatch(sid):
        raise NotFound(f"no section {sid!r} in this policy; reload the page")
    return sid, anchor(prefix, sid)


def drop_section(state: Loaded, values: dict[str, str], writes: Writes) -> Done:
    """Drop a model section (``drop: true``, with the reason); its text file is kept."""
    sid, form = _section(state, values, "drop")
    if sid not in {s.id for s in state.mine.sections}:
        raise NotFound(f"no section {sid!r} in this policy; reload the page")
    if sid not in state.profile.model.section_ids():
        raise Refused(f"Section {sid} is the City's own: take it out instead.", form)
    why = _why(values, form)

    def record(data: Any) -> None:
        entry = _entry(data, "sections", sid)
        for key in [k for k in entry if k not in ("why",)]:
            del entry[key]  # a dropped section takes only why:
        entry.insert(0, "drop", True)
        _set_why(entry, why)

    edited_changes(writes, record)
    return Done("dropped", sid, "dropped")


def restore_section(state: Loaded, values: dict[str, str], writes: Writes) -> Done:
    """Take a section's ``drop: true`` (and its reason) out of ``customize.yaml``."""
    sid, _ = _section(state, values, "d")
    custom = state.custom
    if custom is None or not custom.dropped(sid):
        raise NotFound(f"section {sid!r} is not dropped; reload the page")
    edited_changes(writes, lambda data: _forget(data, "sections", sid))
    return Done("restored", sid, anchor("s", sid))


def add_section(state: Loaded, values: dict[str, str], writes: Writes) -> Done:
    """A section of the city's own: its title, place and reason in ``customize.yaml``,
    its text (each paragraph given an id) in ``<id>.md``."""
    form = "add-section"
    title = " ".join(values.get("title", "").split())
    text = values.get("text", "").replace("\r\n", "\n").replace("\r", "\n").strip()
    after = values.get("after", "")
    if not title or not text:
        raise Refused("A new section needs its title and its text.", form)
    if len(title) > 200:
        raise Refused("Keep the title under 200 characters.", form)
    if after and after not in {s.id for s in state.mine.sections}:
        raise Refused(f"No section {after!r} to put it after; reload the page.", form)
    why = _why(values, form)
    custom = state.custom
    taken = set(state.profile.model.section_ids()) | \
        ({c.id.split(".")[0] for c in custom.sections.values()} if custom else set())
    if writes.folder.is_dir():
        taken |= {n.removesuffix(".md") for n in os.listdir(writes.folder)}
    sid = unique(slug(title) or "section", taken)
    writes.write(f"{sid}.md", with_ids(text, set()).encode("utf-8"))

    def record(data: Any) -> None:
        entry = _entry(data, "sections", sid)
        entry["title"] = title
        if after:
            entry["after"] = after
        _set_why(entry, why)

    edited_changes(writes, record)
    return Done("added", sid, anchor("s", sid))


def remove_section(state: Loaded, values: dict[str, str], writes: Writes) -> Done:
    """Take out a section of the city's own: its entries in ``customize.yaml`` and its
    text file."""
    sid, form = _section(state, values, "remove")
    custom = state.custom
    if custom is None or sid in state.profile.model.section_ids() or sid not in custom.sections:
        raise Refused(f"Section {sid} is not one of the City's own; drop it instead.", form)

    def record(data: Any) -> None:
        for group in ("sections", "clauses"):
            for item in [k for k in data.get(group, {}) if k.split(".")[0] == sid]:
                del data[group][item]

    edited_changes(writes, record)
    writes.write(f"{sid}.md", None)
    return Done("removed", sid, "sections-heading")


Change = Callable[[Loaded, dict[str, str], Writes], Done]


def _form_of(change: Change, values: dict[str, str]) -> str:
    """The form a change was posted from, for its message."""
    item = values.get("clause") or values.get("section") or ""
    prefix = {"save_clause": "cl", "revert_clause": "cl", "drop_section": "drop",
              "restore_section": "d", "remove_section": "remove"}.get(change.__name__)
    return anchor(prefix, item) if prefix and _ITEM.fullmatch(item) else "add-section"


def apply(editor: Editor, name: str, change: Change, values: dict[str, str]) -> Done:
    """Make ``change`` unless the folder changed since the page read it, then check it as
    render would; put everything back when the check fails."""
    with _WRITING:
        if folder_digest(editor.folder.real / name) != values.get("_sha", ""):
            raise ChangedOnDisk(f"{editor.folder.root / (Path(name).stem + SUFFIX)} changed "
                                "on disk since this page loaded it, so nothing was saved. The "
                                "page now shows the files as they are; what you typed is "
                                "still in its form.")
        try:
            state = load(editor, name)
        except (ProfileError, ModelError) as e:
            raise Refused("The policy cannot be built from the files as they are, so nothing "
                          f"was changed:\n{e.format()}", _form_of(change, values)) from None
        writes = Writes(state.folder, state.shown)
        try:
            done = change(state, values, writes)
            if not writes.nothing:
                check(editor, name)
                writes.finish()
        except (ProfileError, ModelError) as e:
            writes.undo()
            raise Refused("Nothing was changed: with this change the policy would not "
                          f"build.\n{e.format()}", _form_of(change, values)) from None
        except BaseException:
            writes.undo()
            raise
        return done


# Routes -------------------------------------------------------------------------------------

async def custom_page(request: Request) -> Response:
    """The page of a city's own text."""
    editor = editor_of(request)
    name = checked_name(request.path_params["name"])
    done, item = request.query_params.get("done", ""), request.query_params.get("item", "")
    notice = NOTICES[done].format(item) if done in NOTICES and _ITEM.fullmatch(item) else ""
    return await run_in_threadpool(render_page, editor, name, notice=notice)


@dataclass(slots=True)
class Failed:
    """A change refused, for the page: its form, the message, what was posted."""

    form: str
    lines: list[str]
    values: dict[str, str]


def render_page(editor: Editor, name: str, status: int = 200, *, notice: str = "",
                failed: Failed | None = None) -> Response:
    """The page for the profile ``name`` (with a refused change's message)."""
    problems: list[str] = []
    view = None
    title = name
    try:
        state = load(editor, name)
        title = state.profile.values["city"]["name"] or name
        view = page_view(editor, state)
    except (ProfileError, ModelError) as e:
        problems = e.format().splitlines()
    return editor.page("custom.html", status, name=name, title=title, view=view,
                       problems=problems, notice=notice, failed=failed, kinds=KINDS)


def _changing(change: Change) -> Callable[[Request], Any]:
    async def handler(request: Request) -> Response:
        editor = editor_of(request)
        name = checked_name(request.path_params["name"])
        form = await request.form()
        values = {k: v for k, v in form.items() if isinstance(v, str)}
        return await run_in_threadpool(_answer, editor, name, change, values)

    handler.__doc__ = change.__doc__
    return handler


def _answer(editor: Editor, name: str, change: Change, values: dict[str, str]) -> Response:
    try:
        done = apply(editor, name, change, values)
    except Refused as e:
        return render_page(editor, name, e.status,
                           failed=Failed(e.form, str(e).splitlines(), values))
    except ChangedOnDisk as e:
        return render_page(editor, name, 409,
                           failed=Failed(_form_of(change, values), [str(e)], values))
    except NotFound:
        raise
    except UserError as e:  # a file the page will not touch (a link, not YAML)
        return render_page(editor, name, 400,
                           failed=Failed(_form_of(change, values), [e.format()], values))
    query = urlencode({"done": done.what, "item": done.item})
    return RedirectResponse(f"/edit/{quote(name)}/custom?{query}#{done.at}", status_code=303)


routes: list[BaseRoute] = [
    Route("/edit/{name}/custom", custom_page, methods=["GET"]),
    Route("/edit/{name}/custom/clause", _changing(save_clause), methods=["POST"]),
    Route("/edit/{name}/custom/revert", _changing(revert_clause), methods=["POST"]),
    Route("/edit/{name}/custom/drop", _changing(drop_section), methods=["POST"]),
    Route("/edit/{name}/custom/restore", _changing(restore_section), methods=["POST"]),
    Route("/edit/{name}/custom/add", _changing(add_section), methods=["POST"]),
    Route("/edit/{name}/custom/remove", _changing(remove_section), methods=["POST"]),
]
"""The routes of the city's own text (see the module's docstring)."""
