"""Stage 5: the files of one job, produced in memory (so a failure writes nothing)."""

from __future__ import annotations

import re
from collections.abc import Callable

from .document import policy_document
from .form import TrackingForm, tracking_form
from .parallel import run_all
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
               packet: bool = False, jobs: int = 1) -> dict[str, bytes]:
    """What ``smpgen render`` writes: the policy, and for the council edition the form,
    the executive summary and (with ``packet``) the council packet.

    The work is split in two tasks, run side by side with ``jobs`` above 1 (the first in
    this process, the second in a forked helper): the policy's PDF, and everything else;
    with ``packet``, every PDF (the packet reuses their layouts: the policy's and the
    form's pages carry its footer label, which their own files leave out), and the DOCX
    and HTML files."""
    policy = policy_document(profile, edition)
    stem = slug(policy.info.title)
    pdfs = tuple(f for f in formats if f == "pdf")
    others = tuple(f for f in formats if f != "pdf")
    if edition != "council":
        stem = f"{stem}-{edition}"
        tasks = [lambda: document_files(policy, stem, pdfs),
                 lambda: document_files(policy, stem, others)]
        return _in_order(run_all(_needed(tasks, pdfs, others), jobs=jobs), [stem])
    form = tracking_form(profile) if profile.model.tracking_form else None
    summary = summary_document(profile, attachments(profile, policy))

    def rest(chosen: tuple[str, ...]) -> dict[str, bytes]:
        files = document_files(summary, SUMMARY_STEM, chosen)
        return files | (form_files(form, FORM_STEM, chosen) if form is not None else {})

    if packet:
        tasks = [lambda: _packet_pdfs(profile, policy, stem, form, summary, own=bool(pdfs)),
                 lambda: document_files(policy, stem, others) | rest(others)]
        tasks = _needed(tasks, ("packet",), others)
    else:
        # The policy's PDF takes about as long as all the rest together.
        tasks = [lambda: document_files(policy, stem, pdfs),
                 lambda: document_files(policy, stem, others) | rest(formats)]
        tasks = _needed(tasks, pdfs, formats)
    return _in_order(run_all(tasks, jobs=jobs), [stem, FORM_STEM, SUMMARY_STEM])


def _needed(tasks: list[Callable[[], dict[str, bytes]]],
            *work: tuple[str, ...]) -> list[Callable[[], dict[str, bytes]]]:
    """The tasks that have something to make (so no helper is forked for nothing)."""
    return [task for task, formats in zip(tasks, work, strict=True) if formats]


def _packet_pdfs(profile: Profile, policy: Document, stem: str, form: TrackingForm | None,
                 summary: Document, *, own: bool) -> dict[str, bytes]:
    """The council packet and (with ``own``) each part's own PDF, from one layout each."""
    from .writers.pdf import LaidOut, lay_out_document, lay_out_form, to_pdf, write_packet

    files: dict[str, bytes] = {}
    laid = lay_out_document(policy, packet_label=packet_label(profile, 0))
    parts: list[tuple[str, LaidOut]] = [(f"{attachment_name(0)}: {policy.info.title}", laid)]
    if own:
        files[f"{stem}.pdf"] = to_pdf(laid, footer_label=False)
    if form is not None:
        laid = lay_out_form(form, packet_label=packet_label(profile, 1))
        parts.append((f"{attachment_name(1)}: {form.title}", laid))
        if own:
            files[f"{FORM_STEM}.pdf"] = to_pdf(laid, footer_label=False)
    laid = lay_out_document(summary)  # footed with the agenda item in both
    if own:
        files[f"{SUMMARY_STEM}.pdf"] = to_pdf(laid)
    title = f"{plain(policy.info.jurisdiction)} \u2014 {summary.info.title}: {policy.info.title}"
    files[PACKET_NAME] = write_packet([(summary.info.title, laid), *parts], title=title)
    return files


def _in_order(parts: list[dict[str, bytes]], stems: list[str]) -> dict[str, bytes]:
    """The files of every part, document by document, each in DOCX, PDF, HTML order."""
    files = {name: data for part in parts for name, data in part.items()}

    def key(name: str) -> tuple[int, int]:
        base, _, ext = name.rpartition(".")
        return ((stems.index(base) if base in stems else len(stems)),
                ("docx", "pdf", "html").index(ext) if ext in ("docx", "pdf", "html") else 3)

    return {name: files[name] for name in sorted(files, key=key)}


def attachments(profile: Profile, policy: Document) -> list[str]:
    """What the packet attaches behind the summary, lettered as the packet letters them."""
    names = [policy.info.title + (" (draft)" if policy.info.draft else "")]
    if profile.model.tracking_form:
        names.append("Removed Comment Tracking Form")
    return [f"{attachment_name(i)}: {name}" for i, name in enumerate(names)]


def attachment_name(index: int) -> str:
    """``Attachment A`` for the first attachment, ``Attachment B`` for the second, ..."""
    return f"Attachment {chr(ord('A') + index)}"


def packet_label(profile: Profile, index: int) -> str:
    """The footer label of attachment ``index``'s pages, e.g. ``Agenda item 6.e. |
    Attachment A``."""
    agenda = agenda_label(profile)
    return f"{agenda} | {attachment_name(index)}" if agenda else attachment_name(index)


def packet_files(profile: Profile) -> dict[str, bytes]:
    """The council packet alone: summary, then the policy and the blank form as
    attachments, every page footed with the agenda number."""
    return city_files(profile, "council", (), packet=True)

