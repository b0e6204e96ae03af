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

_HEADING_ID = re.compile(r"\s*\{#([a-z0-9][a-z0-9-]*)\}\s*$")


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
    return top


def parse_blocks(rendered: RenderedText, *, keep_notes: bool, where: str) -> list[Block]:
    """Parse Markdown with no headings (a note, a front matter block)."""
    out: list[Block] = []
    for item in _Parser(_parser().parse(rendered.markdown), rendered.slots, keep_notes,
                        where).blocks():
        if isinstance(item, tuple):
            raise ModelError(f"{where}: headings are not allowed here")
        out.append(item)
    return out


class _Parser:
    def __init__(self, tokens: list[Token], slots: list[Slot], keep_notes: bool,
                 where: str) -> None:
        self.tokens = tokens
        self.pos = 0
        self.slots = slots
        self.keep_notes = keep_notes
        self.where = where

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
                    out.append(Paragraph(self.inlines(self._next())))
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
        children = self.inlines(inline)
        last = children[-1] if children else None
        match = _HEADING_ID.search(last.text) if isinstance(last, Text) else None
        if not match or not isinstance(last, Text):
            raise ModelError(f"{self.where}:{_line(token)}: give the subsection an id, as in "
                             "'## Removal of comments {#removal}'")
        last.text = last.text[: match.start()]
        return level, Section(match.group(1), children, level, [])

    def list_block(self, token: Token) -> ListBlock:
        ordered = token.type == "ordered_list_open"
        close = "ordered_list_close" if ordered else "bullet_list_close"
        items: list[ListItem] = []
        while True:
            nxt = self._next()
            if nxt.type == close:
                return ListBlock(ordered, items)
            inner = self.blocks("list_item_close")
            items.append(ListItem([b for b in inner if not isinstance(b, tuple)]))

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


def _line(token: Token) -> int:
    return token.map[0] + 1 if token.map else 1

