"""Stage 5: the files of one job, produced in memory (so a failure writes nothing)."""

from __future__ import annotations

import hashlib
import re

from .document import policy_document
from .form import TrackingForm, tracking_form
from .packet import Part, attachment_letter, join
from .profile import Profile
from .summary import agenda_label, summary_document
from .tree import Document, plain

FORM_STEM = "tracking-form"
SUMMARY_STEM = "executive-summary"
PACKET_NAME = "council-packet.pdf"


def slug(title: str) -> str:
    """A file name stem from a title: ``Social Media Policy`` → ``social-media-policy``."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "policy"


def document_files(doc: Document, stem: str, formats: tuple[str, ...]) -> dict[str, bytes]:
    """``doc`` in each of ``formats``, by file name."""
    files: dict[str, bytes] = {}
    if "docx" in formats:
        from .writers.docx import write_docx

        files[f"{stem}.docx"] = write_docx(doc)
    if "pdf" in formats:
        from .writers.pdf import write_pdf

        files[f"{stem}.pdf"] = write_pdf(doc)
    if "html" in formats:
        from .writers.html import write_html

        files[f"{stem}.html"] = write_html(doc).encode("utf-8")
    return files


def form_files(form: TrackingForm, stem: str, formats: tuple[str, ...]) -> dict[str, bytes]:
    """The tracking form as DOCX and/or fillable PDF, by file name."""
    files: dict[str, bytes] = {}
    if "docx" in formats:
        from .writers.form_docx import write_form_docx

        files[f"{stem}.docx"] = write_form_docx(form)
    if "pdf" in formats:
        from .writers.pdf import write_form_pdf

        files[f"{stem}.pdf"] = write_form_pdf(form)
    return files


def city_files(profile: Profile, edition: str, formats: tuple[str, ...], *,
               packet: bool = False) -> dict[str, bytes]:
    """What ``smpgen render`` writes: the policy, and for the council edition the form,
    the executive summary and (with ``packet``) the council packet."""
    policy = policy_document(profile, edition)
    stem = slug(policy.info.title)
    if edition != "council":
        return document_files(policy, f"{stem}-{edition}", formats)
    files = document_files(policy, stem, formats)
    if profile.model.tracking_form:
        files |= form_files(tracking_form(profile), FORM_STEM, formats)
    summary = summary_document(profile, attachments(profile, policy))
    files |= document_files(summary, SUMMARY_STEM, formats)
    if packet:
        files |= packet_files(profile, summary_pdf=files.get(f"{SUMMARY_STEM}.pdf"))
    return files


def attachments(profile: Profile, policy: Document) -> list[str]:
    """What the packet attaches behind the summary, lettered as the packet letters them."""
    names = [policy.info.title + (" (draft)" if policy.info.draft else "")]
    if profile.model.tracking_form:
        names.append("Removed Comment Tracking Form")
    return [f"Attachment {attachment_letter(i)}: {name}" for i, name in enumerate(names)]


def packet_files(profile: Profile, *, summary_pdf: bytes | None = None) -> dict[str, bytes]:
    """The council packet: summary, then the policy and the blank form as attachments,
    every page footed with the agenda number (``summary_pdf``: one already written)."""
    from .writers.pdf import write_form_pdf, write_pdf

    policy = policy_document(profile, "council")
    summary = summary_document(profile, attachments(profile, policy))
    agenda = agenda_label(profile)
    members: list[Document | TrackingForm] = [policy]
    if profile.model.tracking_form:
        members.append(tracking_form(profile))
    parts = [Part(summary.info.title, summary_pdf or write_pdf(summary))]
    for i, member in enumerate(members):
        label = f"Attachment {attachment_letter(i)}"
        footer = f"{agenda} | {label}" if agenda else label
        if isinstance(member, Document):
            member.info.footer_label = footer
            parts.append(Part(f"{label}: {member.info.title}", write_pdf(member)))
        else:
            member.footer_label = footer
            parts.append(Part(f"{label}: {member.title}", write_form_pdf(member)))
    title = f"{plain(policy.info.jurisdiction)} \u2014 {summary.info.title}: {policy.info.title}"
    identifier = hashlib.sha256(b"".join(p.pdf for p in parts)).hexdigest()[:32].encode()
    return {PACKET_NAME: join(parts, title=title, identifier=identifier)}
