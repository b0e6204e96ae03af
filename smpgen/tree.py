"""The document tree: one small typed structure that every writer reads.

Numbers are not stored here: writers compute them from the tree with
:mod:`smpgen.numbering`, so leaving a section out renumbers everything after it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .numbering import Numbered

# Inline nodes ---------------------------------------------------------------------------

@dataclass(slots=True)
class Text:
    """Plain text; never interpreted as markup by any writer."""

    text: str
    """The characters, exactly as they should appear."""


@dataclass(slots=True)
class Strong:
    """Bold text."""

    children: list[Inline]
    """What is bold."""


@dataclass(slots=True)
class Emphasis:
    """Italic text."""

    children: list[Inline]
    """What is italic."""


@dataclass(slots=True)
class Link:
    """A hyperlink to an outside address."""

    href: str
    """The target address."""
    children: list[Inline]
    """The link text."""


@dataclass(slots=True)
class Blank:
    """A value the city has yet to fill in: a line of underscores and the suggestion."""

    name: str
    """The dotted variable name, e.g. ``officials.coordinator``."""
    suggestion: str
    """Staff suggestion printed in parentheses after the line; may be empty."""


@dataclass(slots=True)
class XRef:
    """A reference to another section, written as its number or title by each writer."""

    target: str
    """The section id."""
    first: bool = True
    """Prints the leading words ("Section", or "the" before a quoted title)."""
    last: bool = True
    """Prints the trailing word after a quoted title ("section")."""
    plural: bool = False
    """One of several references printed together: "Sections 4 and 7"."""


@dataclass(slots=True)
class Inserted:
    """Text a redline shows as inserted (a tracked insertion in the DOCX)."""

    children: list[Inline]
    """What was inserted: text, a reference, a blank (never another change)."""


@dataclass(slots=True)
class Deleted:
    """Text a redline shows as deleted (a tracked deletion in the DOCX)."""

    children: list[Inline]
    """What was deleted: text, a reference, a blank (never another change)."""


Inline = Text | Strong | Emphasis | Link | Blank | XRef | Inserted | Deleted

Change = str | None
"""How a redline marks a whole paragraph, list item or section: ``inserted``,
``deleted``, ``moved-from`` (where a moved clause was), ``moved-to`` (where it is now), or
None for one that is in both texts (its words may still differ)."""


# Block nodes ----------------------------------------------------------------------------

@dataclass(slots=True)
class Paragraph:
    """A paragraph of running text."""

    children: list[Inline]
    """Its content."""
    id: str | None = None
    """The clause id (``section.clause``) of a paragraph of policy text; None in notes, in
    a list item's first paragraph (the item carries it) and outside the policy."""
    change: Change = None
    """In a redline, how the whole paragraph is marked."""


@dataclass(slots=True)
class ListItem:
    """One item of a list."""

    blocks: list[Block]
    """Paragraphs and nested lists in the item."""
    id: str | None = None
    """The clause id (``section.clause``) of the item."""
    change: Change = None
    """In a redline, how the whole item is marked."""


@dataclass(slots=True)
class ListBlock:
    """A bulleted or an ordered (lettered or numbered) list."""

    ordered: bool
    """True for an ordered list, whose markers the numbering scheme decides."""
    items: list[ListItem]
    """The items, in order."""


@dataclass(slots=True)
class Note:
    """A drafter's note: guidance for the person adapting the model, not policy text."""

    blocks: list[Block]
    """The note's content."""


@dataclass(slots=True)
class Section:
    """A numbered (or titled) section; subsections are nested among its blocks."""

    id: str
    """Stable id, the target of cross-references."""
    title: list[Inline]
    """Heading text."""
    level: int
    """1 for a top-level section, 2 for a subsection, 3 below that."""
    blocks: list[Block]
    """Content in order, subsections included."""
    change: Change = None
    """In a redline, how the whole section is marked."""


Block = Paragraph | ListBlock | Note | Section


@dataclass(slots=True)
class DocumentInfo:
    """What the title block, running header, footer and file properties show."""

    jurisdiction: list[Inline]
    """E.g. ``City of Lakeview``, or ``City of`` and a blank in the model edition."""
    title: str
    """The document title, e.g. ``Social Media Policy``."""
    meta: list[tuple[str, list[Inline]]]
    """Label/value pairs under the title (policy number, version, status); the last one
    gets a line of its own, and an empty label prints the value alone."""
    table: list[tuple[str, list[list[Inline]]]]
    """Rows of the details table under the title block (the adoption block, the agenda
    details): a label and one or more lines."""
    table_caption: str
    """Caption of that table, e.g. ``Adoption``."""
    draft: bool
    """Print the DRAFT watermark on every page."""
    numbering: str
    """Numbering scheme name."""
    number_prefix: str | None
    """The policy number that prefixes section numbers in the policy-number scheme."""
    language: str
    """BCP 47 language tag."""
    subject: str
    """A one-line description for the file properties."""
    date: dt.date | None = None
    """The document's date for file properties (see ``Profile.date``)."""
    footer_label: str = ""
    """Printed at the left of every page's footer, e.g. ``Agenda item 6.e. | Attachment A``."""
    provenance: dict[str, str] = field(default_factory=dict)
    """smpgen's version, the model's id and version, and the profile's SHA-256."""
    heading_case: str | None = None
    """``capitals`` or ``as-written``; None for the numbering scheme's own."""
    list_markers: tuple[str, ...] = ()
    """Markers of ordered lists by level, e.g. ``("(a)", "(i)")``; empty for the scheme's."""
    author: str = ""
    """Who the file's properties name as its author (the DOCX's creator, the PDF's and the
    web page's author), e.g. the league that publishes a model; empty: smpgen."""


@dataclass(slots=True)
class Redline:
    """What a redline (see :mod:`smpgen.redline`) knows besides its marks."""

    author: str
    """Who every change is attributed to (the city, or the model's name and version)."""
    date: dt.date | None
    """When; None for smpgen's fixed date (equal input, equal bytes)."""
    against: str
    """The text the changes are from, in words: "the model with the City's values"."""
    numbers: dict[str, Numbered]
    """Each section's number in the text with every change accepted."""
    old_numbers: dict[str, Numbered]
    """Each section's number in the text the changes are from (for deleted sections)."""

    def number(self, target: str, *, before: bool) -> Numbered | None:
        """A section's number with the changes accepted, or (``before``, for deleted text)
        as it read in the text the changes are from; None when it has none there."""
        return (self.old_numbers if before else self.numbers).get(target)


@dataclass(slots=True)
class Document:
    """A whole rendered document."""

    info: DocumentInfo
    """Title block and properties."""
    front: list[Block]
    """Blocks before the first section (e.g. the model edition's opening note)."""
    sections: list[Section]
    """Top-level sections in order."""
    redline: Redline | None = None
    """Set when the document is a redline: its blocks and inlines carry changes."""


def plain(inlines: list[Inline]) -> str:
    """The text of ``inlines`` as a person would read it aloud (blanks as underscores)."""
    out = []
    for node in inlines:
        match node:
            case Text(text=text):
                out.append(text)
            case Strong(children=c) | Emphasis(children=c) | Link(children=c) | \
                    Inserted(children=c) | Deleted(children=c):
                out.append(plain(c))
            case Blank(suggestion=s):
                out.append(BLANK_LINE + (f" ({s})" if s else ""))
            case XRef(target=t):
                out.append(t)
    return "".join(out)


def merge_text(nodes: list[Inline]) -> list[Inline]:
    """``nodes`` with neighbouring :class:`Text` nodes joined into one."""
    out: list[Inline] = []
    for node in nodes:
        if isinstance(node, Text) and out and isinstance(out[-1], Text):
            out[-1] = Text(out[-1].text + node.text)
        else:
            out.append(node)
    return out


BLANK_LINE = "________"
"""How every writer prints a blank."""


def long_date(value: dt.date) -> str:
    """``2026-03-04`` as ``March 4, 2026``."""
    return f"{value:%B} {value.day}, {value.year}"
