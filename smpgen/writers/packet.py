"""The council packet's PDFs: each part laid out once, written as its own file and as
pages of the packet. A module of its own, light to import, because a worker process
runs it while its parent makes the other files."""

from __future__ import annotations

from dataclasses import dataclass

from ..form import TrackingForm
from ..tree import Document


@dataclass(frozen=True, slots=True)
class PacketPart:
    """One part of the packet, in packet order."""

    name: str
    """Its own file's name, e.g. ``executive-summary.pdf``."""
    bookmark: str
    """Its bookmark in the packet, e.g. ``Attachment A: Social Media Policy``."""
    content: Document | TrackingForm
    """What it shows."""
    label: str = ""
    """The footer label its packet pages carry (``Agenda item 6.e. | Attachment A``),
    left out of its own file; empty for a part footed the same in both."""
    own: Document | None = None
    """What its own file shows when that differs from its packet pages (a draft policy,
    which the packet carries as proposed), laid out on its own; None: the same."""


def write_packet_files(parts: list[PacketPart], packet_name: str, title: str, *,
                       own: bool) -> dict[str, bytes]:
    """The packet and (with ``own``) each part's own PDF, from one layout each (two for a
    part whose own file differs)."""
    from .pdf import LaidOut, lay_out_document, lay_out_form, to_pdf, write_packet

    files: dict[str, bytes] = {}
    laid_parts: list[tuple[str, LaidOut]] = []
    for part in parts:
        if isinstance(part.content, TrackingForm):
            laid = lay_out_form(part.content, packet_label=part.label)
        else:
            laid = lay_out_document(part.content, packet_label=part.label)
        laid_parts.append((part.bookmark, laid))
        if own and part.own is not None:
            files[part.name] = to_pdf(lay_out_document(part.own))
        elif own:
            files[part.name] = to_pdf(laid, footer_label=not part.label)
    files[packet_name] = write_packet(laid_parts, title=title)
    return files
