"""A DOCX that fills itself: each blank a Word content control, every control of one
variable bound to one value.

A blank is a plain-text content control (a run-level ``w:sdt``) whose content is its
prompt, marked as placeholder text (``w:showingPlcHdr``, Word's "Placeholder Text"
character style): the line and the suggestion the PDF and the web page print, e.g.
"________ (city manager or department directors)". Its title (``w:alias``) and tag
(``w:tag``) name the variable, and it is locked against deletion (``sdtLocked``), its
content left editable.

Every control is bound (``w:dataBinding``) to one element of a custom XML part of the
project's own (:data:`NAMESPACE`), one element per variable, empty until a person types.
Word reads the part when it opens the file and writes what is typed into a control back
to it, so every other control of the same variable (the city's name in the title, the
header and the text) shows the same words at once (ECMA-376 Part 1, 17.5.2.6; Part 1,
22.5 for the part and its item properties). The package, as Word writes it::

    word/document.xml            ... <w:dataBinding w:storeItemID="{ID}" .../>
    word/_rels/document.xml.rels customXml -> ../customXml/itemN.xml
                                 glossaryDocument -> glossary/document.xml
    customXml/itemN.xml          <values xmlns="urn:smpgen:model-values:1">...
    customXml/_rels/itemN.xml.rels  customXmlProps -> itemPropsN.xml
    customXml/itemPropsN.xml     <ds:datastoreItem ds:itemID="{ID}">
    word/glossary/document.xml   the placeholders (building blocks of type bbPlcHdr)

A bound control whose element is empty shows the placeholder its ``w:placeholder``
names (17.5.2.25), a building block in the glossary document; without one, Word would
show its own "Click or tap here to enter text." in place of the prompt.

The store's id is a GUID made from what the document is (its model, version and title),
so equal input still gives equal bytes.
"""

from __future__ import annotations

import re
import uuid
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from lxml import etree

NAMESPACE = "urn:smpgen:model-values:1"
"""The namespace of the custom XML part holding the values: one element per variable."""
PREFIX = "v"
"""The prefix the controls' XPaths use for :data:`NAMESPACE`."""
ROOT = "values"
"""The part's root element."""
PLACEHOLDER_STYLE = "PlaceholderText"
"""The style id of Word's built-in "Placeholder Text" character style."""
PLACEHOLDER_COLOR = "666666"
"""Placeholder text's grey: Word's older 808080 is below the 4.5:1 contrast WCAG asks of
text (3.9:1 on white); this one has 5.7:1."""
PLACEHOLDER_STYLE_XML = (
    f'<w:style {nsdecls("w")} w:type="character" w:styleId="{PLACEHOLDER_STYLE}">'
    '<w:name w:val="Placeholder Text"/>'
    '<w:uiPriority w:val="99"/><w:semiHidden/>'
    f'<w:rPr><w:color w:val="{PLACEHOLDER_COLOR}"/></w:rPr></w:style>')
"""Word's built-in "Placeholder Text" character style, in which a blank shows its prompt."""
_DATASTORE = "http://schemas.openxmlformats.org/officeDocument/2006/customXml"
_W = nsdecls("w")


def element_name(variable: str) -> str:
    """The custom XML element holding ``variable``'s value: the dotted name itself where
    it is a valid XML name (``city.name``), ``-item`` for a list's item (``accounts[].url``
    becomes ``accounts-item.url``; a variable's name never holds ``-``), any other
    character as Word escapes one in an element name (``_xHHHH_``)."""
    name = variable.replace("[]", "-item")
    name = re.sub(r"[^A-Za-z0-9._-]", lambda m: f"_x{ord(m.group()):04X}_", name)
    if not re.match(r"[A-Za-z_]", name) or name.lower().startswith("xml"):
        name = "_" + name  # a name starts with a letter or _, and never with "xml"
    return name


def store_guid(key: str) -> str:
    """The custom XML part's id, in braces as Word writes it, fixed by ``key``."""
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{NAMESPACE}/{key}")).upper() + "}"


class ValueStore:
    """The blanks of one DOCX: a content control for each, the custom XML part that holds
    one value per variable, and the placeholders' building blocks.

    ``key`` says what the document is (see :func:`store_guid`)."""

    def __init__(self, key: str) -> None:
        self.store_id = store_guid(key)
        self.elements: dict[str, str] = {}
        """Each bound variable's element in the part, in the order they first appear."""
        self.placeholders: dict[str, str] = {}
        """Each placeholder text's building block name."""

    def __bool__(self) -> bool:
        return bool(self.placeholders)

    def xpath(self, variable: str) -> str:
        """The XPath of ``variable``'s element (with the prefix :data:`PREFIX`)."""
        return f"/{PREFIX}:{ROOT}[1]/{PREFIX}:{self.element(variable)}[1]"

    def element(self, variable: str) -> str:
        """``variable``'s element in the part, added the first time it is asked for; two
        variables never share one."""
        if variable not in self.elements:
            name, n = element_name(variable), 1
            taken = set(self.elements.values())
            while (name if n == 1 else f"{name}-{n}") in taken:
                n += 1
            self.elements[variable] = name if n == 1 else f"{name}-{n}"
        return self.elements[variable]

    def control(self, variable: str, placeholder: str, control_id: int, *, bound: bool = True,
                bold: bool = False, italic: bool = False) -> Any:
        """A run-level plain-text content control for a blank of ``variable`` showing
        ``placeholder``; ``bound`` binds it to the variable's value (not a blank inside a
        redline's deleted text, whose text is no longer the document's)."""
        part = self.placeholders.setdefault(
            placeholder, uuid.uuid5(uuid.UUID(self.store_id[1:-1]), placeholder).hex.upper())
        direct = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
        typed = f"<w:rPr>{direct}</w:rPr>" if direct else ""
        binding = ""
        if bound:
            binding = (f"<w:dataBinding w:prefixMappings={quoteattr(_mapping())} "
                       f"w:xpath={quoteattr(self.xpath(variable))} w:storeItemID="
                       f"{quoteattr(self.store_id)}/>")
        # Word's order of the properties (CT_SdtPr): rPr, alias, tag, id, lock, placeholder,
        # showingPlcHdr, dataBinding, then the control's kind. One run: a plain-text
        # control holds a single run (17.5.2.44).
        return parse_xml(
            f"<w:sdt {_W}><w:sdtPr>{typed}<w:alias w:val={quoteattr(variable)}/>"
            f'<w:tag w:val={quoteattr(variable)}/><w:id w:val="{control_id}"/>'
            '<w:lock w:val="sdtLocked"/>'
            f"<w:placeholder><w:docPart w:val={quoteattr(part)}/></w:placeholder>"
            f"<w:showingPlcHdr/>{binding}<w:text/></w:sdtPr><w:sdtContent>"
            f"{_placeholder_run(placeholder, direct)}</w:sdtContent></w:sdt>")

    def add_parts(self, document_part: Any, styles: Any) -> None:
        """Put the custom XML part (with its item properties) and the placeholders'
        glossary document into the package of ``document_part``, and the "Placeholder
        Text" style into ``styles`` (the document's ``w:styles``)."""
        styles.append(parse_xml(PLACEHOLDER_STYLE_XML))
        package = document_part.package
        if self.elements:
            item = package.next_partname("/customXml/item%d.xml")  # Word's own may be 1
            values = Part(item, CT.XML, self.values_xml(), package)
            props = Part(PackURI(f"/customXml/itemProps{item.idx}.xml"),
                         CT.OFC_CUSTOM_XML_PROPERTIES, self.props_xml(), package)
            values.relate_to(props, RT.CUSTOM_XML_PROPS)
            document_part.relate_to(values, RT.CUSTOM_XML)
        glossary = Part(PackURI("/word/glossary/document.xml"), CT.WML_DOCUMENT_GLOSSARY,
                        self.glossary_xml(), package)
        document_part.relate_to(glossary, RT.GLOSSARY_DOCUMENT)
        # The glossary's own styles, as Word keeps them: the placeholders' style.
        styles = Part(PackURI("/word/glossary/styles.xml"), CT.WML_STYLES, _GLOSSARY_STYLES,
                      package)
        glossary.relate_to(styles, RT.STYLES)

    def values_xml(self) -> bytes:
        """The custom XML part: an empty element per variable, in order of appearance."""
        root = etree.Element(f"{{{NAMESPACE}}}{ROOT}", nsmap={None: NAMESPACE})
        for name in self.elements.values():
            etree.SubElement(root, f"{{{NAMESPACE}}}{name}")
        return _xml(root)

    def props_xml(self) -> bytes:
        """The part's item properties: its id (what ``w:storeItemID`` names) and the
        namespace it uses."""
        ds = f"{{{_DATASTORE}}}"
        root = etree.Element(f"{ds}datastoreItem", nsmap={"ds": _DATASTORE})
        root.set(f"{ds}itemID", self.store_id)
        refs = etree.SubElement(root, f"{ds}schemaRefs")
        etree.SubElement(refs, f"{ds}schemaRef").set(f"{ds}uri", NAMESPACE)
        return _xml(root)

    def glossary_xml(self) -> bytes:
        """The glossary document: one placeholder building block per placeholder text."""
        parts = "".join(
            f"<w:docPart><w:docPartPr><w:name w:val={quoteattr(name)}/><w:category>"
            '<w:name w:val="General"/><w:gallery w:val="placeholder"/></w:category>'
            '<w:types><w:type w:val="bbPlcHdr"/></w:types>'
            '<w:behaviors><w:behavior w:val="content"/></w:behaviors>'
            f'<w:guid w:val="{{{str(uuid.UUID(name)).upper()}}}"/></w:docPartPr>'
            f"<w:docPartBody><w:p>{_placeholder_run(text, '')}</w:p></w:docPartBody>"
            "</w:docPart>"
            for text, name in self.placeholders.items())
        return _xml(parse_xml(f"<w:glossaryDocument {_W}><w:docParts>{parts}</w:docParts>"
                              "</w:glossaryDocument>"))


def block_control(tag: str, title: str, control_id: int, blocks: list[Any]) -> Any:
    """A block-level rich-text content control around ``blocks`` (body paragraphs and
    tables, moved into it): a labelled part of the text a person can select whole and
    delete, such as one of a model's alternatives."""
    sdt = parse_xml(f"<w:sdt {_W}><w:sdtPr><w:alias w:val={quoteattr(title)}/>"
                    f'<w:tag w:val={quoteattr(tag)}/><w:id w:val="{control_id}"/><w:richText/>'
                    "</w:sdtPr><w:sdtContent/></w:sdt>")
    if blocks:
        blocks[0].addprevious(sdt)
    content = sdt.find(qn("w:sdtContent"))
    for block in blocks:
        content.append(block)
    return sdt


def _mapping() -> str:
    return f"xmlns:{PREFIX}='{NAMESPACE}'"


def _placeholder_run(text: str, direct: str) -> str:
    return (f'<w:r><w:rPr><w:rStyle w:val="{PLACEHOLDER_STYLE}"/>{direct}</w:rPr>'
            f'<w:t xml:space="preserve">{escape(text)}</w:t></w:r>')


def _xml(root: Any) -> bytes:
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    return data


_GLOSSARY_STYLES = _xml(parse_xml(f"<w:styles {_W}>"
                                  f"{PLACEHOLDER_STYLE_XML.replace(' ' + _W, '')}</w:styles>"))
