"""HTML writer: a standalone accessible page, and the source WeasyPrint lays out as PDF."""

from __future__ import annotations

import datetime as dt
from html import escape
from importlib import resources

from ..numbering import (
    Numbered,
    Scheme,
    list_depth_markers,
    number_sections,
    ref_text,
    scheme_for,
)
from ..tree import (
    Blank,
    Block,
    Document,
    Emphasis,
    Inline,
    Link,
    ListBlock,
    Note,
    Paragraph,
    Section,
    Strong,
    Text,
    XRef,
    plain,
)
from . import UnknownNode

NAME = "html"


def head_meta(description: str, date: dt.date | None, provenance: dict[str, str]) -> str:
    """``<meta>`` elements: WeasyPrint copies them into the PDF's properties."""
    items = [("description", description),
             ("generator", f"smpgen {provenance.get('SmpgenVersion', '')}".strip())]
    if date is not None:
        items += [("dcterms.created", date.isoformat()), ("dcterms.modified", date.isoformat())]
    items += sorted(provenance.items())
    return "".join(f'<meta name="{escape(k)}" content="{escape(v)}">\n' for k, v in items)


def footer_css(label: str) -> str:
    """The ``@page`` rule that prints ``label`` at the left of every page's footer (the
    packet's ``Agenda item 6.e. | Attachment A``); empty for no label."""
    if not label:
        return ""
    quoted = "".join(f"\\{ord(ch):x} " if ch in '"\\<>&' or ord(ch) < 0x20 else ch
                     for ch in label)
    return f'@page {{ @bottom-left {{ content: "{quoted}"; }} }}\n'


def stylesheet(name: str) -> str:
    """A CSS file from the package's assets."""
    return (resources.files("smpgen") / "assets" / name).read_text("utf-8")


class HTMLWriter:
    """Turns a :class:`Document` into one HTML string."""

    def __init__(self, doc: Document, *, extra_css: str = "") -> None:
        self.doc = doc
        self.scheme: Scheme = scheme_for(doc.info)
        self.numbers: dict[str, Numbered] = number_sections(doc, self.scheme)
        self.extra_css = extra_css

    def write(self) -> str:
        """The whole page."""
        info = self.doc.info
        title = f"{plain(info.jurisdiction)} \u2014 {info.title}"
        classes = [f"numbering-{self.scheme.name}"] + (["capitals"] if self.scheme.capitals else [])
        classes += ["draft"] if info.draft else []
        meta = head_meta(info.subject, info.date, info.provenance)
        parts = [
            "<!DOCTYPE html>\n",
            f'<html lang="{escape(info.language)}">\n<head>\n<meta charset="utf-8">\n',
            f"<title>{escape(title)}</title>\n{meta}",
            f"<style>\n{stylesheet('policy.css')}{footer_css(info.footer_label)}{self.extra_css}"
            "</style>\n</head>\n",
            f'<body class="{escape(" ".join(classes))}">\n',
        ]
        if info.draft:
            parts.append('<div class="watermark" aria-hidden="true">DRAFT</div>\n')
        parts.append(self.title_block())
        parts.append("<main>\n")
        parts.extend(self.block(b) for b in self.doc.front)
        parts.extend(self.block(s) for s in self.doc.sections)
        parts.append("</main>\n</body>\n</html>\n")
        return "".join(parts)

    def title_block(self) -> str:
        info = self.doc.info
        meta = "".join(f"<div><dt>{escape(k)}</dt><dd>{self.inlines(v)}</dd></div>" if k else
                       f'<div class="unlabelled"><dd>{self.inlines(v)}</dd></div>'
                       for k, v in info.meta)
        out = [
            '<header class="title-block">\n',
            f'<p class="jurisdiction">{self.inlines(info.jurisdiction)}</p>\n',
            f'<h1 class="doc-title">{escape(info.title)}</h1>\n',
        ]
        if meta:
            out.append(f'<dl class="doc-meta">{meta}</dl>\n')
        if info.table:
            cells = "".join(
                f'<tr><th scope="row">{escape(k)}</th><td>'
                + "<br>".join(self.inlines(line) for line in lines) + "</td></tr>"
                for k, lines in info.table)
            caption = f"<caption>{escape(info.table_caption)}</caption>" if info.table_caption else ""
            out.append(f'<table class="details">{caption}{cells}</table>\n')
        out.append("</header>\n")
        return "".join(out)

    # Blocks -------------------------------------------------------------------------

    def block(self, node: Block, depth: int = 0) -> str:
        match node:
            case Section():
                return self.section(node)
            case Paragraph():
                return f"<p{_clause(node.id)}>{self.inlines(node.children)}</p>\n"
            case ListBlock():
                return self.list_block(node, depth)
            case Note():
                inner = "".join(self.block(b) for b in node.blocks)
                return ('<aside class="note" role="note"><p class="note-label">'
                        f"Drafter\u2019s note</p>\n{inner}</aside>\n")
        raise UnknownNode(NAME, node)

    def section(self, node: Section) -> str:
        tag = f"h{node.level + 1}"
        number = self.numbers[node.id].label
        num = f'<span class="num">{escape(number)}</span> ' if number else ""
        body = "".join(self.block(b) for b in node.blocks)
        return (f'<section id="{escape(node.id)}" class="level-{node.level}">\n'
                f"<{tag}>{num}{self.inlines(node.title)}</{tag}>\n{body}</section>\n")

    def list_block(self, node: ListBlock, depth: int) -> str:
        # Markers are printed as text at the start of each item's first paragraph, so they
        # sit in reading order in the PDF's text (native list markers are painted last).
        if node.ordered:
            markers = list_depth_markers(self.scheme, depth, len(node.items))
            tag = "ol"
        else:
            markers = ["\u2022"] * len(node.items)
            tag = "ul"
        items = "".join(f"<li{_clause(i.id)}>{self.item_blocks(i.blocks, depth, m)}</li>\n"
                        for m, i in zip(markers, node.items, strict=True))
        return f'<{tag} class="marked">\n{items}</{tag}>\n'

    def item_blocks(self, blocks: list[Block], depth: int, marker: str) -> str:
        out = []
        span = f'<span class="marker" aria-hidden="true">{escape(marker)}</span>'
        for i, b in enumerate(blocks):
            if isinstance(b, ListBlock):
                out.append(self.list_block(b, depth + 1))
            elif i == 0 and isinstance(b, Paragraph):
                out.append(f"<p>{span}{self.inlines(b.children)}</p>\n")
            else:
                out.append(self.block(b, depth))
        if not blocks or not isinstance(blocks[0], Paragraph):
            out.insert(0, f"<p>{span}</p>\n")
        return "".join(out)

    # Inlines ------------------------------------------------------------------------

    def inlines(self, nodes: list[Inline]) -> str:
        return "".join(self.inline(n) for n in nodes)

    def inline(self, node: Inline) -> str:
        match node:
            case Text():
                return escape(node.text)
            case Strong():
                return f"<strong>{self.inlines(node.children)}</strong>"
            case Emphasis():
                return f"<em>{self.inlines(node.children)}</em>"
            case Link():
                return f'<a href="{escape(node.href)}">{self.inlines(node.children)}</a>'
            case Blank():
                suggestion = (f' <span class="suggestion">({escape(node.suggestion)})</span>'
                              if node.suggestion else "")
                return (f'<span class="blank" title="{escape(node.name)}">'
                        f'<span class="line">________</span>{suggestion}</span>')
            case XRef():
                return f'<a class="xref" href="#{escape(node.target)}">' \
                       f"{escape(ref_text(self.scheme, self.numbers[node.target], node))}</a>"
        raise UnknownNode(NAME, node)


def _clause(clause: str | None) -> str:
    """The attribute naming a clause's id (for the editor and for people finding ids)."""
    return f' data-clause="{escape(clause)}"' if clause else ""


def write_html(doc: Document) -> str:
    """The standalone HTML page for ``doc``."""
    return HTMLWriter(doc).write()
