"""Numbering schemes: section numbers, list markers and cross-reference text.

Every writer numbers from the same tree with these functions; the DOCX writer also
turns a scheme into Word's own numbering definitions, so Word renumbers as the
attorney edits.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .tree import (
    BLANK_LINE,
    Blank,
    Block,
    Deleted,
    Document,
    DocumentInfo,
    Emphasis,
    Inline,
    Inserted,
    Link,
    ListBlock,
    ListItem,
    Note,
    Paragraph,
    Section,
    Strong,
    Text,
    XRef,
    plain,
)


@dataclass(frozen=True, slots=True)
class Level:
    """One level of a numbering scheme, in Word's terms."""

    fmt: str
    """``decimal``, ``lowerLetter``, ``upperLetter``, ``lowerRoman``, ``upperRoman``,
    ``bullet`` or ``none``."""
    text: str
    """Word's level text: ``%1`` is level 1's counter, ``%2`` level 2's, and so on."""


@dataclass(frozen=True, slots=True)
class Scheme:
    """How headings and ordered lists are numbered."""

    name: str
    """The profile's ``document.numbering`` value."""
    headings: tuple[Level, ...]
    """Levels 1-3 of section headings."""
    lists: tuple[Level, ...]
    """Levels 1-3 of ordered lists."""
    capitals: bool
    """Headings print in capitals."""

    @property
    def numbered(self) -> bool:
        """Whether headings carry numbers."""
        return self.headings[0].fmt != "none"


def scheme(name: str, prefix: str | None = None) -> Scheme:
    """The scheme called ``name``; ``prefix`` is the policy number for ``policy-number``."""
    lists_letter = (Level("lowerLetter", "(%1)"), Level("lowerRoman", "(%2)"),
                    Level("decimal", "(%3)"))
    match name:
        case "decimal":
            return Scheme(name, (Level("decimal", "%1."), Level("decimal", "%1.%2"),
                                 Level("decimal", "%1.%2.%3")), lists_letter, False)
        case "outline":
            return Scheme(name, (Level("decimal", "%1."), Level("lowerLetter", "%2."),
                                 Level("lowerRoman", "%3.")),
                          (Level("decimal", "(%1)"), Level("lowerLetter", "(%2)"),
                           Level("lowerRoman", "(%3)")), False)
        case "policy-number":
            p = prefix or ""
            return Scheme(name, (Level("decimal", f"{p}.%1"), Level("decimal", f"{p}.%1.%2"),
                                 Level("decimal", f"{p}.%1.%2.%3")), lists_letter, False)
        case "plain":  # the executive summary: plain headings, no numbers
            none = Level("none", "")
            return Scheme(name, (none, none, none),
                          (Level("decimal", "%1."), Level("lowerLetter", "%2."),
                           Level("lowerRoman", "%3.")), False)
        case "headings":
            none = Level("none", "")
            return Scheme(name, (none, none, none),
                          (Level("decimal", "%1."), Level("lowerLetter", "%2."),
                           Level("lowerRoman", "%3.")), True)
    raise ValueError(f"unknown numbering scheme {name!r}")


def scheme_for(info: DocumentInfo) -> Scheme:
    """The scheme a document is numbered with: its numbering, with the heading case and
    the list markers the city (or the model) chose in place of the scheme's own."""
    base = scheme(info.numbering, info.number_prefix)
    capitals = base.capitals if info.heading_case is None else info.heading_case == "capitals"
    lists = tuple(marker_level(m, i) for i, m in enumerate(info.list_markers[:3]))
    lists += base.lists[len(lists):]
    return replace(base, capitals=capitals, lists=lists)


MARKERS = ("(a)", "a.", "a)", "(A)", "A.", "(1)", "1.", "1)", "(i)", "i.", "i)", "(I)", "I.",
           "bullet")
"""The list markers a city or a model may choose for a level of ordered lists."""

_FORMATS = {"a": "lowerLetter", "A": "upperLetter", "1": "decimal", "i": "lowerRoman",
            "I": "upperRoman"}


def marker_level(marker: str, depth: int) -> Level:
    """The :class:`Level` printing ``marker`` (one of :data:`MARKERS`) at list depth
    ``depth`` (0 for the outermost list)."""
    if marker == "bullet":
        return Level("bullet", ("\u2022", "\u2013", "\u2022")[depth % 3])
    for key, fmt in _FORMATS.items():
        if key in marker:
            return Level(fmt, marker.replace(key, f"%{depth + 1}"))
    raise ValueError(f"unknown list marker {marker!r}")


def format_counter(fmt: str, n: int) -> str:
    """``n`` in Word's number format ``fmt``."""
    match fmt:
        case "decimal":
            return str(n)
        case "lowerLetter":
            return _letters(n)
        case "upperLetter":
            return _letters(n).upper()
        case "lowerRoman":
            return _roman(n).lower()
        case "upperRoman":
            return _roman(n)
    return ""


def _letters(n: int) -> str:
    # Word repeats the letter past z: aa, bb, ...
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _roman(n: int) -> str:
    out = ""
    for value, digits in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"),
                          (90, "XC"), (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"),
                          (4, "IV"), (1, "I")):
        while n >= value:
            out += digits
            n -= value
    return out


def label(levels: tuple[Level, ...], counters: list[int]) -> str:
    """The marker for ``counters`` (one per level down to this one)."""
    text = levels[len(counters) - 1].text
    for i, n in enumerate(counters, start=1):
        text = text.replace(f"%{i}", format_counter(levels[i - 1].fmt, n))
    return text


@dataclass(frozen=True, slots=True)
class Numbered:
    """A section's printed number and how cross-references name it."""

    label: str
    """Printed before the heading, e.g. ``5.2`` (empty when unnumbered)."""
    ref: str
    """E.g. ``Section 5.2``, or the quoted title when unnumbered."""
    core: str
    """What a reference prints as a field: the number ``5.2``, or the title."""


def ref_words(sch: Scheme, xref: XRef) -> tuple[str, str]:
    """The words a writer prints before and after a reference's number or title, so that
    references printed together read "Sections 4 and 7" or 'the "A" and "B" sections'."""
    if sch.numbered:
        # A no-break space keeps the word with its number at the end of a line.
        return ("Sections\u00a0" if xref.plural else "Section\u00a0") if xref.first else "", ""
    before = "the \u201c" if xref.first else "\u201c"
    after = "\u201d" + ((" sections" if xref.plural else " section") if xref.last else "")
    return before, after


def ref_text(sch: Scheme, numbered: Numbered, xref: XRef) -> str:
    """A reference as plain text."""
    before, after = ref_words(sch, xref)
    return before + numbered.core + after


def number_sections(doc: Document, sch: Scheme) -> dict[str, Numbered]:
    """Every section's number, by id, in document order."""
    out: dict[str, Numbered] = {}

    def visit(sections: list[Section], parents: list[int]) -> None:
        for i, section in enumerate(sections, start=1):
            counters = [*parents, i]
            if sch.numbered:
                text = label(sch.headings, counters)
                number = _ref_number(sch, counters)
                out[section.id] = Numbered(text, "Section " + number, number)
            else:
                title = plain(section.title)
                out[section.id] = Numbered("", f"the \u201c{title}\u201d section", title)
            visit(subsections(section.blocks), counters)

    visit(doc.sections, [])
    return out


def _ref_number(sch: Scheme, counters: list[int]) -> str:
    if sch.name == "outline":
        head = str(counters[0])
        rest = "".join(f"({format_counter(sch.headings[i].fmt, n)})"
                       for i, n in enumerate(counters[1:], start=1))
        return head + rest
    return label(sch.headings, counters).rstrip(".")


def subsections(blocks: list[Block]) -> list[Section]:
    """The subsections among ``blocks``."""
    return [b for b in blocks if isinstance(b, Section)]


def list_depth_markers(sch: Scheme, depth: int, count: int) -> list[str]:
    """Markers for ``count`` items of an ordered list nested ``depth`` lists deep (0 = top)."""
    level = sch.lists[min(depth, len(sch.lists) - 1)]
    if level.fmt == "bullet":
        return [level.text] * count
    text = level.text.replace(f"%{min(depth, len(sch.lists) - 1) + 1}", "{}")
    return [text.format(format_counter(level.fmt, n)) for n in range(1, count + 1)]


def references(blocks: list[Block]) -> list[str]:
    """Ids of every section the blocks refer to (used to catch dangling references)."""
    found: list[str] = []

    def inline(nodes: list[Inline]) -> None:
        for n in nodes:
            if isinstance(n, XRef):
                found.append(n.target)
            elif isinstance(n, Strong | Emphasis | Link | Inserted | Deleted):
                inline(n.children)

    def walk(items: list[Block] | list[ListItem]) -> None:
        for b in items:
            if isinstance(b, Paragraph):
                inline(b.children)
            elif isinstance(b, ListBlock):
                walk(b.items)
            elif isinstance(b, ListItem | Note):
                walk(b.blocks)
            elif isinstance(b, Section):
                inline(b.title)
                walk(b.blocks)

    walk(blocks)
    return found


def printed_text(nodes: list[Inline], sch: Scheme, numbers: dict[str, Numbered]) -> str:
    """The words of ``nodes`` as the DOCX shows them, references as numbers or titles."""
    out = []
    for node in nodes:
        match node:
            case Text(text=text):
                out.append(text)
            case Strong(children=c) | Emphasis(children=c) | Link(children=c) | \
                    Inserted(children=c):
                out.append(printed_text(c, sch, numbers))
            case Blank(suggestion=s):
                out.append(BLANK_LINE + (f" ({s})" if s else ""))
            case XRef():
                before, after = ref_words(sch, node)
                core = numbers[node.target].core if node.target in numbers else node.target
                out.append(before + core + after)
    return " ".join("".join(out).split())
