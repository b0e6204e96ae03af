"""WordprocessingML that python-docx has no API for: numbering, fields, bookmarks,
check boxes, the DRAFT watermark, and reproducible zip entries (the blanks' content
controls are in :mod:`._contentcontrols`)."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn

from ..numbering import Level

W = nsdecls("w")


def _lvl(ilvl: int, level: Level, indent: int, hanging: int, *, style: str | None = None) -> str:
    # The level text carries the policy number, a profile value.
    pstyle = f"<w:pStyle w:val={quoteattr(style)}/>" if style else ""
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val={quoteattr(level.fmt)}/>'
            f"{pstyle}<w:lvlText w:val={quoteattr(level.text)}/><w:lvlJc w:val=\"left\"/>"
            f'<w:pPr><w:ind w:left="{indent}" w:hanging="{hanging}"/></w:pPr></w:lvl>')


def abstract_num(abstract_id: int, name: str, levels: tuple[Level, ...], *,
                 styles: tuple[str, ...] = (), indent: int = 720, hanging: int = 432) -> Any:
    """A ``w:abstractNum`` with one ``w:lvl`` per level (heading levels link their style)."""
    lvls = "".join(
        _lvl(i, lv, indent * (i + 1) if not styles else indent, hanging,
             style=styles[i] if i < len(styles) else None)
        for i, lv in enumerate(levels))
    return parse_xml(f'<w:abstractNum {W} w:abstractNumId="{abstract_id}">'
                     f'<w:multiLevelType w:val="multilevel"/><w:name w:val={quoteattr(name)}/>'
                     f"{lvls}</w:abstractNum>")


def bullet_levels() -> tuple[Level, ...]:
    """Three bullet levels: bullet, en dash, bullet."""
    return (Level("bullet", "\u2022"), Level("bullet", "\u2013"), Level("bullet", "\u2022"))


def num(num_id: int, abstract_id: int, *, restart_levels: int = 0) -> Any:
    """A ``w:num`` instance; ``restart_levels`` makes a list start again at 1."""
    overrides = "".join(f'<w:lvlOverride w:ilvl="{i}"><w:startOverride w:val="1"/>'
                        "</w:lvlOverride>" for i in range(restart_levels))
    return parse_xml(f'<w:num {W} w:numId="{num_id}"><w:abstractNumId w:val="{abstract_id}"/>'
                     f"{overrides}</w:num>")


def add_to_numbering(numbering: Any, element: Any) -> None:
    """Insert an abstractNum before every w:num (the schema's order), a num at the end."""
    if element.tag == qn("w:abstractNum"):
        first_num = numbering.find(qn("w:num"))
        if first_num is not None:
            first_num.addprevious(element)
            return
    numbering.append(element)


def num_pr(num_id: int, ilvl: int) -> Any:
    """A paragraph's ``w:numPr``."""
    return parse_xml(f'<w:numPr {W}><w:ilvl w:val="{ilvl}"/><w:numId w:val="{num_id}"/>'
                     "</w:numPr>")


def field(instr: str, result: str) -> Any:
    """A ``w:fldSimple`` (PAGE, NUMPAGES, REF) with ``result`` as its cached text."""
    return parse_xml(f"<w:fldSimple {W} w:instr={quoteattr(f' {instr} ')}><w:r>"
                     f'<w:t xml:space="preserve">{escape(result)}</w:t></w:r></w:fldSimple>')


def field_runs(instr: str, result: str) -> list[Any]:
    """A field as runs (begin, instruction, separate, ``result``, end): the form a tracked
    change may hold, a ``w:fldSimple`` being outside what it allows."""
    parts = ('<w:fldChar w:fldCharType="begin"/>',
             f'<w:instrText xml:space="preserve"> {escape(instr)} </w:instrText>',
             '<w:fldChar w:fldCharType="separate"/>',
             f'<w:t xml:space="preserve">{escape(result)}</w:t>',
             '<w:fldChar w:fldCharType="end"/>')
    return [parse_xml(f"<w:r {W}>{part}</w:r>") for part in parts]


def bookmark(paragraph: Any, bookmark_id: int, name: str) -> None:
    """Bookmark a whole paragraph (the target of REF fields)."""
    start = parse_xml(f'<w:bookmarkStart {W} w:id="{bookmark_id}" w:name={quoteattr(name)}/>')
    end = parse_xml(f'<w:bookmarkEnd {W} w:id="{bookmark_id}"/>')
    p = paragraph._p
    ppr = p.find(qn("w:pPr"))
    if ppr is not None:
        ppr.addnext(start)
    else:
        p.insert(0, start)
    p.append(end)


def id_bookmark(kind: str, ident: str) -> str:
    """The hidden bookmark name that carries a section's (``kind`` ``S``) or a clause's
    (``C``) id through Word and LibreOffice: ``_`` hides it from the bookmark list, and a
    digest of the id keeps it within Word's 40 characters (see :mod:`smpgen.wordimport`)."""
    return f"_{kind}" + hashlib.sha256(ident.encode()).hexdigest()[:20]


def watermark_run(text: str) -> Any:
    """Word's own kind of text watermark (a VML text path), placed in a header."""
    vml = ('xmlns:v="urn:schemas-microsoft-com:vml" '
           'xmlns:o="urn:schemas-microsoft-com:office:office"')
    return parse_xml(
        f'<w:r {W} {vml}><w:rPr><w:noProof/></w:rPr><w:pict>'
        '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
        'path="m@7,l@8,m@5,21600l@6,21600e"><v:path textpathok="t" o:connecttype="custom"/>'
        '<v:textpath on="t" fitshape="t"/><o:lock v:ext="edit" text="t" shapetype="t"/>'
        "</v:shapetype>"
        '<v:shape id="PowerPlusWaterMarkObject1" o:spid="_x0000_s2049" type="#_x0000_t136" '
        'style="position:absolute;margin-left:0;margin-top:0;width:468pt;height:156pt;'
        "rotation:315;z-index:-251654144;mso-position-horizontal:center;"
        "mso-position-horizontal-relative:margin;mso-position-vertical:center;"
        'mso-position-vertical-relative:margin" o:allowincell="f" fillcolor="#c00000" '
        'stroked="f"><v:fill opacity=".12"/>'
        '<v:textpath style="font-family:&quot;Times New Roman&quot;;font-size:1pt" '
        f"string={quoteattr(text)}/></v:shape></w:pict></w:r>")


def pin_zip(data: bytes) -> bytes:
    """Rewrite a .docx so every zip entry has the same timestamp: equal input, equal bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            info = zipfile.ZipInfo(item.filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(item.filename))
    return out.getvalue()


W14 = 'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"'


def checkbox(tag: str, checked: bool) -> Any:
    """A Word check box content control (click to tick), drawn as a ballot box."""
    glyph = "\u2612" if checked else "\u2610"
    font = 'w:ascii="MS Gothic" w:eastAsia="MS Gothic" w:hAnsi="MS Gothic" w:hint="eastAsia"'
    return parse_xml(
        f"<w:sdt {W} {W14}><w:sdtPr><w:alias w:val={quoteattr(tag)}/>"
        f"<w:tag w:val={quoteattr(tag)}/><w14:checkbox>"
        f'<w14:checked w14:val="{int(checked)}"/>'
        '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
        '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/></w14:checkbox></w:sdtPr>'
        f"<w:sdtContent><w:r><w:rPr><w:rFonts {font}/></w:rPr><w:t>{glyph}</w:t></w:r>"
        "</w:sdtContent></w:sdt>")


def layout_table(tbl: Any, *, first_column: bool = False) -> None:
    """Say that a table has no header row (Table Design ▸ Header Row off), so it is read
    as the text it holds, in order: the tracking form's boxes, a label beside its value.
    A table of data has a header row instead (``w:tblHeader``); the accessibility lint
    (:mod:`smpgen.checks.docx`) holds every table to one or the other. ``first_column``
    keeps the labels' column marked as the table's first column."""
    look = tbl.tblPr.find(qn("w:tblLook"))
    if look is None:
        look = parse_xml(f"<w:tblLook {W}/>")
        tbl.tblPr.insert_element_before(look, "w:tblCaption", "w:tblDescription",
                                        "w:tblPrChange")
    # The bits of w:val (ECMA-376 17.4.56): 0x20 first row, 0x80 first column, 0x400 no
    # vertical banding.
    look.set(qn("w:val"), f"{(0x80 if first_column else 0) | 0x400:04X}")
    for name, on in (("firstRow", False), ("lastRow", False), ("firstColumn", first_column),
                     ("lastColumn", False), ("noHBand", False), ("noVBand", True)):
        look.set(qn(f"w:{name}"), "1" if on else "0")


def row_height(row: Any, twips: int) -> None:
    """Give a table row a minimum height (room to write by hand)."""
    trpr = row._tr.get_or_add_trPr()
    trpr.append(parse_xml(f'<w:trHeight {W} w:val="{twips}" w:hRule="atLeast"/>'))
