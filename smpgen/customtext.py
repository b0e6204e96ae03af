"""A city's own text as Markdown, clause by clause: the words of a clause written as the
Markdown that reads back as they print, and a city's ``<section>.md`` file cut into its
clauses by their ``{#id}``, so one clause is replaced, added or cut and the rest of the
file is left as the person wrote it.

Each profile value that one field alone holds is written as ``{{ name }}`` (and a value
typed out is written back so when an edit left it as it was): the re-templating
``smpgen import`` does (:func:`smpgen.wordimport.values_kept`), so an edit never freezes
a value into words. Nothing here reads or writes a file: :mod:`smpgen.customedit` does,
through these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, cached_property
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt

from .tree import (
    Blank,
    Deleted,
    Document,
    Emphasis,
    Inline,
    Inserted,
    Link,
    ListItem,
    Paragraph,
    Strong,
    Text,
    XRef,
)

if TYPE_CHECKING:
    from .profile import Profile

_ID = r"[a-z0-9][a-z0-9-]*"
ITEM = re.compile(rf"{_ID}(?:\.{_ID})*")
"""A section id, or a clause id (``section.clause``, dotted deeper for a subsection's)."""
_ID_END = re.compile(rf"\s*\{{#({_ID})\}}\s*$")
_MARKER = re.compile(r"\s*(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$)")
_TAG = re.compile(r"\{\{.*?\}\}", re.S)
_LINK = re.compile(r"\[((?:\\.|[^\]\\])*)\]\((<[^>\n]*>|[^)\s]*)\)")
_SEGMENTS = re.compile(r"(\{\{.*?\}\}|\[(?:\\.|[^\]\\])*\]\((?:<[^>\n]*>|[^)\s]*)\))", re.S)
"""What values are never written back into: tags, and links."""
_VALUE_TAG = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*(?:\.[a-z_][a-z0-9_]*)*)\s*\}\}")


def first_inlines(node: Paragraph | ListItem) -> list[Inline]:
    """A clause's own words: a paragraph's, or a list item's first paragraph's (the items
    under it are clauses of their own)."""
    if isinstance(node, Paragraph):
        return node.children
    first = node.blocks[0] if node.blocks else None
    return first.children if isinstance(first, Paragraph) else []


# Values, and a clause's words as Markdown --------------------------------------------------

class Values:
    """A city's values in clause texts: printed, and written back as ``{{ name }}``."""

    def __init__(self, profile: Profile, doc: Document) -> None:
        """``profile``'s values in its policy ``doc`` (whose numbering prints references)."""
        from .context import profile_context
        from .numbering import number_sections, scheme_for

        self.profile = profile
        self.scheme = scheme_for(doc.info)
        self.numbers = number_sections(doc, self.scheme)
        self.context = profile_context(profile)

    @cached_property
    def names(self) -> dict[str, str]:
        """:func:`smpgen.wordimport.value_names` of the profile: each value one field
        alone holds, with that field's name."""
        from .wordimport import value_names

        return value_names(self.profile)

    def printed(self, inlines: list[Inline]) -> str:
        """The words as the policy prints them."""
        from .numbering import printed_text

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
        from .wordimport import values_kept

        out = []
        for part in _SEGMENTS.split(markdown):
            link = _LINK.fullmatch(part)
            if link is not None:
                out.append(self._link(part, link.group(1), link.group(2).strip("<>")))
            elif _TAG.fullmatch(part):
                out.append(part)
            else:
                out.append(values_kept(part, before, after, self.names))
        return "".join(out)

    def _link(self, markdown: str, text: str, href: str) -> str:
        """A link whose text and address are one value, as ``[{{ name }}]({{ name }})``."""
        from .wordimport import escape_markdown

        name = self.names.get(href)
        if name is not None and text == escape_markdown("x" + href)[1:]:
            return f"[{{{{ {name} }}}}]({{{{ {name} }}}})"
        return markdown

    def typed(self, markdown: str) -> str:
        """``markdown``'s words with its values printed, for counting them."""
        from .context import lookup

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
    from .wordimport import escape_markdown

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
