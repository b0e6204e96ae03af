"""Redlines: the differences between two texts of a policy as one marked document.

The two trees are aligned by id first: sections by section id, clauses (paragraphs and
list items) by clause id, so a clause the city moved is a move and not a deletion plus
an insertion, and a clause found under a new heading is still the same clause. Inside a
clause that is in both, the words are compared (``difflib.SequenceMatcher`` with
``autojunk=False``: with the default, one changed phrase in text this repetitive would show
as thousands of changed words). A cross-reference, a blank and a value's words are
compared as they print, a reference by its target and never by its number, so a section
renumbered by a change elsewhere is no change.

The result is an ordinary :class:`~smpgen.tree.Document` whose inlines may hold
:class:`~smpgen.tree.Inserted` and :class:`~smpgen.tree.Deleted` and whose blocks may carry
a ``change``; every writer prints it (the DOCX as Word tracked changes).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from .numbering import number_sections, scheme_for
from .tree import (
    Blank,
    Block,
    Change,
    Deleted,
    Document,
    Emphasis,
    Inline,
    Inserted,
    Link,
    ListBlock,
    ListItem,
    Note,
    Paragraph,
    Redline,
    Section,
    Strong,
    Text,
    XRef,
)

_WORDS = re.compile(r"\w+|\s+|[^\w\s]")


def redline(base: Document, mine: Document, *, author: str, date: dt.date | None,
            against: str) -> Document:
    """``mine`` marked with its differences from ``base``: text only in ``mine`` inserted,
    text only in ``base`` deleted, clauses and sections in other places moved.
    ``author`` and ``date`` mark every change; ``against`` names the base text for the
    title block ("the model with the City's values")."""
    sections = _merge_blocks(list(base.sections), list(mine.sections))
    _moves(sections)
    info = replace(mine.info)
    info.meta = [*mine.info.meta, ("Redline", [Text(f"changes from {against}")])]
    info.subject = f"{mine.info.subject}: changes from {against}"
    marked = Document(info, [], [s for s in sections if isinstance(s, Section)])
    marked.redline = Redline(
        author=author, date=date, against=against,
        numbers=number_sections(mine, scheme_for(mine.info)),
        old_numbers=number_sections(base, scheme_for(base.info)))
    return marked


# Blocks ---------------------------------------------------------------------------------------

def _key(block: Block, lists: list[int]) -> str:
    match block:
        case Paragraph(id=ident) if ident:
            return f"p:{ident}"
        case Paragraph():
            return "p:" + " ".join(_plain_key(block.children))
        case Section(id=ident):
            return f"s:{ident}"
        case ListBlock():
            lists[0] += 1
            return f"l:{lists[0]}"  # the n-th list among its blocks: items align inside
        case Note():
            return "n:"
    return "?"


def _plain_key(inlines: list[Inline]) -> list[str]:
    return [str(k) for k, _ in _tokens(inlines)]


def _merge_blocks(base: list[Block], mine: list[Block]) -> list[Block]:
    counts_b, counts_m = [0], [0]
    bkeys = [_key(b, counts_b) for b in base]
    mkeys = [_key(m, counts_m) for m in mine]
    out: list[Block] = []
    matcher = difflib.SequenceMatcher(None, bkeys, mkeys, autojunk=False)
    for op, b1, b2, m1, m2 in matcher.get_opcodes():
        if op == "equal":
            out += [_merge(b, m) for b, m in zip(base[b1:b2], mine[m1:m2], strict=True)]
            continue
        out += [_marked(b, "deleted") for b in base[b1:b2]]
        out += [_marked(m, "inserted") for m in mine[m1:m2]]
    return out


def _merge(base: Block, mine: Block) -> Block:
    match base, mine:
        case Paragraph(), Paragraph():
            return Paragraph(diff_inlines(base.children, mine.children), mine.id)
        case Section(), Section():
            return Section(mine.id, diff_inlines(base.title, mine.title), mine.level,
                           _merge_blocks(base.blocks, mine.blocks))
        case ListBlock(), ListBlock():
            return ListBlock(mine.ordered, _merge_items(base.items, mine.items))
    return mine


def _merge_items(base: list[ListItem], mine: list[ListItem]) -> list[ListItem]:
    bkeys = [i.id or f"#{n}" for n, i in enumerate(base)]
    mkeys = [i.id or f"#{n}" for n, i in enumerate(mine)]
    out: list[ListItem] = []
    matcher = difflib.SequenceMatcher(None, bkeys, mkeys, autojunk=False)
    for op, b1, b2, m1, m2 in matcher.get_opcodes():
        if op == "equal":
            for b, m in zip(base[b1:b2], mine[m1:m2], strict=True):
                first_b = b.blocks[0] if b.blocks and isinstance(b.blocks[0], Paragraph) else None
                first_m = m.blocks[0] if m.blocks and isinstance(m.blocks[0], Paragraph) else None
                if first_b is not None and first_m is not None:
                    head: list[Block] = [Paragraph(diff_inlines(first_b.children,
                                                                first_m.children))]
                    rest = _merge_blocks(b.blocks[1:], m.blocks[1:])
                else:
                    head, rest = [], _merge_blocks(b.blocks, m.blocks)
                out.append(ListItem(head + rest, m.id))
            continue
        out += [_marked_item(i, "deleted") for i in base[b1:b2]]
        out += [_marked_item(i, "inserted") for i in mine[m1:m2]]
    return out


def _marked(block: Block, change: Change) -> Block:
    """``block`` whole, marked: every paragraph, item and heading in it."""
    match block:
        case Paragraph():
            return Paragraph(list(block.children), block.id, change)
        case Section():
            return Section(block.id, list(block.title), block.level,
                           [_marked(b, change) for b in block.blocks], change)
        case ListBlock():
            return ListBlock(block.ordered, [_marked_item(i, change) for i in block.items])
    return block


def _marked_item(item: ListItem, change: Change) -> ListItem:
    return ListItem([_marked(b, change) for b in item.blocks], item.id, change)


def _moves(blocks: list[Block]) -> None:
    """A clause or section deleted in one place and inserted in another was moved: the
    two copies become ``moved-from`` and ``moved-to`` (each with its own text whole)."""
    found: dict[str, dict[Change, Any]] = {}
    for node in _walk(blocks):
        ident = node.id
        if ident and node.change in ("deleted", "inserted"):
            found.setdefault(ident, {})[node.change] = node
    for pair in found.values():
        if "deleted" in pair and "inserted" in pair:
            _relabel(pair["deleted"], "moved-from")
            _relabel(pair["inserted"], "moved-to")


def _relabel(node: Paragraph | ListItem | Section, change: Change) -> None:
    node.change = change
    inner = node.blocks if isinstance(node, ListItem | Section) else []
    for child in _walk(inner):
        child.change = change


def _walk(blocks: list[Block]) -> Iterator[Paragraph | ListItem | Section]:
    for block in blocks:
        if isinstance(block, Paragraph):
            yield block
        elif isinstance(block, Section):
            yield block
            yield from _walk(block.blocks)
        elif isinstance(block, ListBlock):
            for item in block.items:
                yield item
                yield from _walk(item.blocks)


# Words ----------------------------------------------------------------------------------------

Style = tuple[tuple[str, str], ...]
"""The formatting around a word, outermost first: ``("strong", "")``, ``("link", href)``."""


@dataclass(frozen=True, slots=True)
class _Token:
    style: Style
    leaf: Text | XRef | Blank


def _tokens(inlines: list[Inline], style: Style = ()) -> Iterator[tuple[Any, _Token]]:
    """Each word, space, punctuation mark, reference and blank with a key that compares
    it as printed (a reference by its target, never its number)."""
    for node in inlines:
        match node:
            case Text(text=text):
                for word in _WORDS.findall(text):
                    yield (style, "t", word), _Token(style, Text(word))
            case Strong(children=c):
                yield from _tokens(c, (*style, ("strong", "")))
            case Emphasis(children=c):
                yield from _tokens(c, (*style, ("em", "")))
            case Link(href=href, children=c):
                yield from _tokens(c, (*style, ("link", href)))
            case XRef():
                yield (style, "x", node.target, node.first, node.last, node.plural), \
                    _Token(style, node)
            case Blank():
                yield (style, "b", node.name, node.suggestion), _Token(style, node)
            case Inserted(children=c) | Deleted(children=c):
                yield from _tokens(c, style)


def diff_inlines(base: list[Inline], mine: list[Inline]) -> list[Inline]:
    """``mine`` with the words not in ``base`` as :class:`Inserted` and the words of
    ``base`` not in ``mine`` as :class:`Deleted`, each deletion before the insertion that
    replaces it."""
    btoks = list(_tokens(base))
    mtoks = list(_tokens(mine))
    matcher = difflib.SequenceMatcher(None, [k for k, _ in btoks], [k for k, _ in mtoks],
                                      autojunk=False)
    marked: list[tuple[str, _Token]] = []
    for op, b1, b2, m1, m2 in matcher.get_opcodes():
        if op == "equal":
            marked += [("", t) for _, t in mtoks[m1:m2]]
            continue
        marked += [("del", t) for _, t in btoks[b1:b2]]
        marked += [("ins", t) for _, t in mtoks[m1:m2]]
    return _rebuild(marked)


def _rebuild(marked: list[tuple[str, _Token]]) -> list[Inline]:
    """Inline nodes from marked words: a change innermost, around the words alone, and the
    formatting outside it (so a link or bold run may hold a change, never the reverse)."""
    out: list[Inline] = []
    i = 0
    while i < len(marked):
        op, token = marked[i]
        j = i
        leaves: list[Inline] = []
        while j < len(marked) and marked[j][0] == op and marked[j][1].style == token.style:
            leaf = marked[j][1].leaf
            if isinstance(leaf, Text) and leaves and isinstance(leaves[-1], Text):
                leaves[-1] = Text(leaves[-1].text + leaf.text)
            else:
                leaves.append(leaf)
            j += 1
        node: list[Inline] = [Inserted(leaves)] if op == "ins" else \
            [Deleted(leaves)] if op == "del" else leaves
        for kind, value in reversed(token.style):
            wrapped: Inline = Strong(node) if kind == "strong" else \
                Emphasis(node) if kind == "em" else Link(value, node)
            node = [wrapped]
        out += node
        i = j
    return out


def has_changes(inlines: list[Inline]) -> bool:
    """Whether ``inlines`` hold an insertion or a deletion."""
    for node in inlines:
        if isinstance(node, Inserted | Deleted):
            return True
        if isinstance(node, Strong | Emphasis | Link) and has_changes(node.children):
            return True
    return False
