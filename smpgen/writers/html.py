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
from ..redline import has_changes
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


def head_meta(description: str, date: dt.date | None, provenance: dict[str, str],
              author: str = "") -> str:
    """``<meta>`` elements: WeasyPrint copies them into the PDF's properties. The
    generator is named only where the provenance records smpgen's version."""
    items = [("description", description)]
    items += [("author", author)] if author else []
    if "SmpgenVersion" in provenance:
        items.append(("generator", f"smpgen {provenance['SmpgenVersion']}"))
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
        self.deleted = 0
        """How deep inside deleted text the writer is (a reference there reads as before)."""

    def write(self) -> str:
        """The whole page."""
        info = self.doc.info
        title = f"{plain(info.jurisdiction)} \u2014 {info.title}"
        classes = [f"numbering-{self.scheme.name}"] + (["capitals"] if self.scheme.capitals else [])
        classes += ["draft"] if info.draft else []
        meta = head_meta(info.subject, info.date, info.provenance, info.author)
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
        out = [
            '<header class="title-block">\n',
            f'<p class="jurisdiction">{self.inlines(info.jurisdiction)}</p>\n',
            f'<h1 class="doc-title">{escape(info.title)}</h1>\n',
            self.meta_block(),
        ]
        if info.table:
            cells = "".join(
                f'<tr><th scope="row">{escape(k)}</th><td>'
                + "<br>".join(self.inlines(line) for line in lines) + "</td></tr>"
                for k, lines in info.table)
            caption = f"<caption>{escape(info.table_caption)}</caption>" if info.table_caption else ""
            out.append(f'<table class="details">{caption}{cells}</table>\n')
        if self.doc.redline is not None:
            out.append('<p class="redline-legend"><strong>How to read this redline.</strong> '
                       "Text inserted is <ins>underlined</ins>; text deleted is "
                       "<del>struck through</del>; a clause or section that was moved is "
                       "struck through twice where it was and underlined twice where it now "
                       "is; a bar in the margin marks every changed paragraph.</p>\n")
        out.append("</header>\n")
        return "".join(out)

    def meta_block(self) -> str:
        """The lines under the title (``Version: 1.0``, ``Status: ...``): one paragraph, or
        a list of one item for each line. Not a ``<dl>``: WeasyPrint tags ``dt`` and ``dd``
        (and any ``div`` grouping them) as list items of their own, which PDF/UA refuses
        (an ``L`` holding a ``Div``, an ``LI`` outside an ``L``); a list item reading
        "Version: 1.0" is read the same by a screen reader in the PDF and in a browser."""
        items = [(f'<span class="label">{escape(k)}:</span> ' if k else "") + self.inlines(v)
                 for k, v in self.doc.info.meta]
        if not items:
            return ""
        if len(items) == 1:
            return f'<p class="doc-meta">{items[0]}</p>\n'
        return '<ul class="doc-meta">' + "".join(f"<li>{i}</li>" for i in items) + "</ul>\n"

    # Blocks -------------------------------------------------------------------------

    def block(self, node: Block, depth: int = 0) -> str:
        match node:
            case Section():
                return self.section(node)
            case Paragraph():
                return (f"<p{_clause(node.id)}{self.marks(node.change, node.children)}>"
                        f"{self.changed(node.change, node.children)}</p>\n")
            case ListBlock():
                return self.list_block(node, depth)
            case Note():
                inner = "".join(self.block(b) for b in node.blocks)
                return ('<aside class="note" role="note"><p class="note-label">'
                        f"Drafter\u2019s note</p>\n{inner}</aside>\n")
        raise UnknownNode(NAME, node)

    def section(self, node: Section) -> str:
        tag = f"h{node.level + 1}"
        number = self.number(node).label
        num = f'<span class="num">{escape(number)}</span> ' if number else ""
        body = "".join(self.block(b) for b in node.blocks)
        # a moved section's old place carries no id: the new place is the target
        ident = "" if node.change == "moved-from" else f' id="{escape(node.id)}"'
        return (f'<section{ident} class="level-{node.level}">\n'
                f"<{tag}{self.marks(node.change, node.title)}>{num}"
                f"{self.changed(node.change, node.title)}</{tag}>\n{body}</section>\n")

    def number(self, node: Section) -> Numbered:
        """A section's number: in a redline, as the text reads with the changes accepted,
        or for a section deleted (or moved away), as it read before."""
        redline = self.doc.redline
        if redline is None:
            return self.numbers[node.id]
        if node.change in ("deleted", "moved-from"):
            return redline.number(node.id, before=True) or Numbered("", "", "")
        return redline.number(node.id, before=False) or self.numbers[node.id]

    def marks(self, change: str | None, inlines: list[Inline]) -> str:
        """The class of a changed block in a redline: its kind of change, and the bar in
        the margin that marks every changed paragraph."""
        if change:
            return f' class="change change-{change}"'
        return ' class="change"' if self.doc.redline and has_changes(inlines) else ""

    def changed(self, change: str | None, inlines: list[Inline]) -> str:
        """Inlines of a block, read as before the changes if the block was deleted."""
        gone = change in ("deleted", "moved-from")
        self.deleted += gone
        try:
            return self.inlines(inlines)
        finally:
            self.deleted -= gone

    def ref_number(self, target: str) -> Numbered:
        """What a reference prints: in a redline, the number in the text with the changes
        accepted, or inside deleted text the number as it read before."""
        redline = self.doc.redline
        found = redline.number(target, before=bool(self.deleted)) if redline else None
        return found or self.numbers[target]

    def list_block(self, node: ListBlock, depth: int) -> str:
        # Markers are printed as text at the start of each item's first paragraph, so they
        # sit in reading order in the PDF's text (native list markers are painted last).
        if node.ordered:
            markers = list_depth_markers(self.scheme, depth, len(node.items))
            tag = "ol"
        else:
            markers = ["\u2022"] * len(node.items)
            tag = "ul"
        items = "".join(f"<li{_clause(i.id)}{self.marks(i.change, [])}>"
                        f"{self.item_blocks(i.blocks, depth, m)}</li>\n"
                        for m, i in zip(markers, node.items, strict=True))
        return f'<{tag} class="marked">\n{items}</{tag}>\n'

    def item_blocks(self, blocks: list[Block], depth: int, marker: str) -> str:
        out = []
        span = f'<span class="marker" aria-hidden="true">{escape(marker)}</span>'
        for i, b in enumerate(blocks):
            if isinstance(b, ListBlock):
                out.append(self.list_block(b, depth + 1))
            elif i == 0 and isinstance(b, Paragraph):
                out.append(f"<p{self.marks(b.change, b.children)}>{span}"
                           f"{self.changed(b.change, b.children)}</p>\n")
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
                numbered = self.ref_number(node.target)
                return f'<a class="xref" href="#{escape(node.target)}">' \
                       f"{escape(ref_text(self.scheme, numbered, node))}</a>"
            case Inserted():
                return f"<ins>{self.inlines(node.children)}</ins>"
            case Deleted():
                self.deleted += 1
                try:
                    return f"<del>{self.inlines(node.children)}</del>"
                finally:
                    self.deleted -= 1
        raise UnknownNode(NAME, node)


def _clause(clause: str | None) -> str:
    """The attribute naming a clause's id (for the editor and for people finding ids)."""
    return f' data-clause="{escape(clause)}"' if clause else ""


def write_html(doc: Document) -> str:
    """The standalone HTML page for ``doc``."""
    return HTMLWriter(doc).write()
