"""Stage 4: parse rendered Markdown (markdown-it-py) into the document tree."""

from __future__ import annotations

import re
from functools import cache
from urllib.parse import unquote

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.container import container_plugin

from .errors import ModelError
from .text import PLACEHOLDER, RenderedText, Slot
from .tree import (
    Block,
    Emphasis,
    Inline,
    Link,
    ListBlock,
    ListItem,
    Note,
    Paragraph,
    Section,
    Strong,
    Text,
    merge_text,
)

_ID = re.compile(r"\s*\{#([a-z0-9][a-z0-9-]*)\}\s*$")
"""An id at the end of a heading, a paragraph or a list item's first line: ``{#who}``."""


@cache
def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": True})
    md.disable(["html_block", "html_inline", "code", "fence", "hr", "image", "replacements"])
    md.enable("smartquotes")
    md.use(container_plugin, "note")
    return md


def parse_section(rendered: RenderedText, section_id: str, title: list[Inline], *,
                  keep_notes: bool, where: str) -> Section:
    """Parse one section file into a level-1 :class:`Section` with nested subsections."""
    tokens = _parser().parse(rendered.markdown)
    parser = _Parser(tokens, rendered.slots, keep_notes, where)
    top = Section(section_id, title, 1, [])
    stack = [top]
    for item in parser.blocks():
        if isinstance(item, tuple):
            level, sub = item
            while stack[-1].level >= level:
                stack.pop()
            if stack[-1].level != level - 1:
                raise ModelError(f"{where}: heading level {level} needs a level {level - 1} "
                                 "heading above it ('#' is the section title itself)")
            sub.id = f"{section_id}.{sub.id}"
            stack[-1].blocks.append(sub)
            stack.append(sub)
        else:
            stack[-1].blocks.append(item)
    name_clauses(top, where)
    return top


def name_clauses(section: Section, where: str) -> None:
    """Give every paragraph and list item of ``section``'s policy text its full clause id,
    ``section.clause``: the ``{#clause}`` written at its end or, where none is written, one
    made from its place: ``p1``, ``p2``, ... for paragraphs, and for the items of a list
    whose items carry none, the id of the paragraph before the list with ``-1``, ``-2``, ...
    (a list a loop writes from profile values). Ids are unique within a section, subsection
    ids included; a repeated one is an error."""
    prefix = section.id + "."
    seen: set[str] = set()
    unnamed = 0

    def claim(local: str) -> str:
        full = prefix + local
        if full in seen:
            raise ModelError(f"{where}: the id '{{#{local}}}' is used twice in this section; "
                             "each paragraph, list item and subsection needs its own")
        seen.add(full)
        return full

    def walk(blocks: list[Block], item: str | None = None) -> None:
        """``item``: the id of the list item ``blocks`` belong to."""
        nonlocal unnamed
        before: str | None = item
        for i, block in enumerate(blocks):
            if item is not None and i == 0 and isinstance(block, Paragraph):
                continue  # the item's first paragraph: the item carries the id
            if isinstance(block, Section):
                claim(block.id.removeprefix(prefix))
                walk(block.blocks)
            elif isinstance(block, Paragraph):
                if block.id is None:
                    unnamed += 1
                    block.id = f"p{unnamed}"
                block.id = claim(block.id)
                before = block.id.removeprefix(prefix)
            elif isinstance(block, ListBlock):
                named = any(item.id for item in block.items)
                for n, entry in enumerate(block.items, start=1):
                    if entry.id is None:
                        if named:
                            raise ModelError(f"{where}: a list item has no id, though other "
                                             "items of its list have one; end it with "
                                             "'{#name}'")
                        entry.id = f"{before or 'item'}-{n}"
                    entry.id = claim(entry.id)
                    walk(entry.blocks, entry.id.removeprefix(prefix))
                named_list = block.items[-1].id if block.items else None
                before = named_list.removeprefix(prefix) if named_list else before
            elif isinstance(block, Note):
                _clear_ids(block.blocks)

    walk(section.blocks)


Unit = tuple[Paragraph | ListItem, bool, int]
"""A clause of a city's own text: the paragraph or list item, whether its list is
ordered, and the line it starts on."""


def parse_units(rendered: RenderedText, where: str) -> list[Unit]:
    """A city's clause texts for a model section: paragraphs and list items, each ending
    with its ``{#id}`` (the id is left on the node, unqualified); no headings or notes."""
    parser = _Parser(_parser().parse(rendered.markdown), rendered.slots, False, where)
    out: list[Unit] = []
    for block in parser.blocks():
        if isinstance(block, tuple):
            line = parser.lines.get(id(block[1]), 1)
            raise ModelError(f"{where}:{line}: a heading is not a clause; rename a section or "
                             "subsection in customize.yaml, or add one there")
        if isinstance(block, Paragraph):
            out.append((block, False, parser.lines[id(block)]))
        elif isinstance(block, ListBlock):
            out.extend((item, block.ordered, parser.lines[id(item)]) for item in block.items)
    return out


def _clear_ids(blocks: list[Block]) -> None:
    """A drafter's note is not policy text: its paragraphs and items carry no clause ids."""
    for block in blocks:
        if isinstance(block, Paragraph):
            block.id = None
        elif isinstance(block, ListBlock):
            for item in block.items:
                item.id = None
                _clear_ids(item.blocks)
        elif isinstance(block, Note | Section):
            _clear_ids(block.blocks)


def parse_blocks(rendered: RenderedText, *, keep_notes: bool, where: str) -> list[Block]:
    """Parse Markdown with no headings (a note, a front matter block)."""
    out: list[Block] = []
    for item in _Parser(_parser().parse(rendered.markdown), rendered.slots, keep_notes,
                        where).blocks():
        if isinstance(item, tuple):
            raise ModelError(f"{where}: headings are not allowed here")
        out.append(item)
    _clear_ids(out)
    return out


class _Parser:
    def __init__(self, tokens: list[Token], slots: list[Slot], keep_notes: bool,
                 where: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.slots = slots
        self.keep_notes = keep_notes
        self.where = where
        self.lines: dict[int, int] = {}
        """The line each paragraph and list item starts on, by ``id()`` of the node."""

    def _next(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def blocks(self, until: str | None = None) -> list[Block | tuple[int, Section]]:
        out: list[Block | tuple[int, Section]] = []
        while self.pos < len(self.tokens):
            token = self._next()
            if token.type == until:
                return out
            match token.type:
                case "paragraph_open":
                    inline = self._next()
                    clause = _take_id(inline)
                    out.append(Paragraph(self.inlines(inline), clause))
                    self.lines[id(out[-1])] = _line(token)
                    self._next()
                case "heading_open":
                    out.append(self.heading(token))
                case "bullet_list_open" | "ordered_list_open":
                    out.append(self.list_block(token))
                case "container_note_open":
                    inner = [b for b in self.blocks("container_note_close") if
                             not isinstance(b, tuple)]
                    if self.keep_notes:
                        out.append(Note(inner))
                case _:
                    raise ModelError(f"{self.where}:{_line(token)}: Markdown "
                                     f"'{token.type.removesuffix('_open')}' is not supported "
                                     "in a model; use paragraphs, lists, headings and notes")
        if until is not None:
            raise ModelError(f"{self.where}: a '{until}' is missing")
        return out

    def heading(self, token: Token) -> tuple[int, Section]:
        level = int(token.tag[1])
        inline = self._next()
        self._next()
        if level == 1:
            raise ModelError(f"{self.where}:{_line(token)}: '#' headings are not allowed; the "
                             "section title comes from model.yaml, subsections use '##'")
        name = _take_id(inline)
        if name is None:
            raise ModelError(f"{self.where}:{_line(token)}: give the subsection an id, as in "
                             "'## Removal of comments {#removal}'")
        section = Section(name, self.inlines(inline), level, [])
        self.lines[id(section)] = _line(token)
        return level, section

    def list_block(self, token: Token) -> ListBlock:
        ordered = token.type == "ordered_list_open"
        close = "ordered_list_close" if ordered else "bullet_list_close"
        items: list[ListItem] = []
        while True:
            nxt = self._next()
            if nxt.type == close:
                return ListBlock(ordered, items)
            inner = [b for b in self.blocks("list_item_close") if not isinstance(b, tuple)]
            first = inner[0] if inner else None
            clause = first.id if isinstance(first, Paragraph) else None
            if isinstance(first, Paragraph):
                first.id = None
            items.append(ListItem(inner, clause))
            self.lines[id(items[-1])] = _line(nxt)

    def inlines(self, token: Token) -> list[Inline]:
        stack: list[list[Inline]] = [[]]
        nodes: list[Strong | Emphasis | Link] = []
        for child in token.children or []:
            match child.type:
                case "text" | "code_inline":
                    stack[-1].extend(self._expand(child.content))
                case "softbreak" | "hardbreak":
                    stack[-1].append(Text(" "))
                case "strong_open" | "em_open" | "link_open":
                    node: Strong | Emphasis | Link
                    if child.type == "strong_open":
                        node = Strong([])
                    elif child.type == "em_open":
                        node = Emphasis([])
                    else:
                        node = Link(self._plain(str(child.attrs.get("href", ""))), [])
                    stack[-1].append(node)
                    nodes.append(node)
                    stack.append(node.children)
                case "strong_close" | "em_close" | "link_close":
                    stack.pop()
                    closed = nodes.pop()
                    if isinstance(closed, Link) and not closed.href:
                        # A link whose address is still a blank: keep its text only.
                        stack[-1].remove(closed)
                        stack[-1].extend(closed.children)
                case _:
                    raise ModelError(f"{self.where}: inline '{child.type}' is not supported")
        return merge_text(stack[0])

    def _expand(self, text: str) -> list[Inline]:
        out: list[Inline] = []
        pos = 0
        for m in PLACEHOLDER.finditer(text):
            if m.start() > pos:
                out.append(Text(text[pos:m.start()]))
            slot = self.slots[int(m.group(1))]
            out.append(Text(slot) if isinstance(slot, str) else slot)
            pos = m.end()
        if pos < len(text):
            out.append(Text(text[pos:]))
        return out

    def _plain(self, text: str) -> str:
        def sub(m: re.Match[str]) -> str:
            slot = self.slots[int(m.group(1))]
            return slot if isinstance(slot, str) else ""
        # markdown-it percent-encodes link targets, placeholders included.
        return PLACEHOLDER.sub(sub, unquote(text))


def _take_id(inline: Token) -> str | None:
    """The ``{#id}`` ending a paragraph, heading or list item, taken out of its text. It is
    read from the Markdown as written, before values are put back, so a profile value that
    ends in ``{#x}`` prints as text and never names anything."""
    children = inline.children or []
    last = children[-1] if children else None
    if last is None or last.type != "text":
        return None
    match = _ID.search(last.content)
    if match is None:
        return None
    last.content = last.content[: match.start()]
    if not last.content and len(children) > 1 and children[-2].type in ("softbreak",
                                                                          "hardbreak"):
        children.pop()  # the id stood on a line of its own
    return match.group(1)


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 1

