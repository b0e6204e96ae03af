"""The council packet: the executive summary, then the policy and the blank form as
lettered attachments, joined (with pypdf) into one PDF with a bookmark for each part."""

from __future__ import annotations

import io
from dataclasses import dataclass

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, ByteStringObject


@dataclass(frozen=True, slots=True)
class Part:
    """One part of the packet."""

    bookmark: str
    """The bookmark's title, e.g. ``Attachment A: Social Media Policy``."""
    pdf: bytes
    """The part's own PDF."""


def attachment_letter(index: int) -> str:
    """``A`` for the first attachment, ``B`` for the second, ..."""
    return chr(ord("A") + index)


def join(parts: list[Part], *, title: str, identifier: bytes) -> bytes:
    """One PDF of every part in order, opening with its bookmarks shown."""
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part.pdf)), outline_item=part.bookmark)
    writer.add_metadata({"/Title": title, "/Producer": "smpgen (pypdf)"})
    writer.page_mode = "/UseOutlines"
    # pypdf has no public setter for the file identifier; one derived from the content
    # (by the caller) keeps the packet reproducible.
    writer._ID = ArrayObject([ByteStringObject(identifier), ByteStringObject(identifier)])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
