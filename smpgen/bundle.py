"""Stage 5: the files of one job, produced in memory (so a failure writes nothing)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from .document import Status, policy_document, policy_status, with_status
from .form import TrackingForm
from .options import Edition
from .parallel import NO_WORKERS, Workers
from .profile import Profile
from .removals import tracking_form
from .summary import agenda_label, summary_document
from .tree import Document, long_date, plain
from .writers import FORMATS, Format, document_files, form_files
from .writers.packet import PacketPart, write_packet_files

FORM_STEM = "tracking-form"
SUMMARY_STEM = "executive-summary"
PACKET_NAME = "council-packet.pdf"


SLUG_LENGTH = 60
"""File name stems are cut at a word to this many characters (a title may be long)."""


def slug(title: str) -> str:
    """A file name stem from a title: ``Social Media Policy`` → ``social-media-policy``;
    never longer than :data:`SLUG_LENGTH`, and never the stem of the job's other files."""
    stem = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "policy"
    if len(stem) > SLUG_LENGTH:
        stem = stem[:SLUG_LENGTH + 1].rsplit("-", 1)[0][:SLUG_LENGTH].strip("-")
    return f"{stem}-policy" if stem in (FORM_STEM, SUMMARY_STEM) else stem


def city_files(profile: Profile, edition: Edition, formats: tuple[Format, ...], *,
               packet: bool = False, workers: Workers = NO_WORKERS,
               redline: RedlineBase | None = None) -> dict[str, bytes]:
    """What ``smpgen render`` writes: the policy, and for the council edition the form,
    the executive summary and (with ``packet``) the council packet.

    The work is split in two, run side by side when there are ``workers`` (see
    :mod:`smpgen.parallel`): the policy's PDF, which takes about as long as all the rest,
    in a worker, and everything else here; with ``packet``, every PDF in the worker (the
    packet reuses their layouts) and the DOCX and HTML files here."""
    policy = policy_document(profile, edition)
    stem = slug(policy.info.title)
    pdf: tuple[Format, ...] = tuple(f for f in formats if f == "pdf")
    others = tuple(f for f in formats if f != "pdf")
    if edition != "council":
        stem = f"{stem}-{edition}"
        return _run([(partial(document_files, policy, stem, others), others),
                     (partial(document_files, policy, stem, pdf), pdf)], workers, [stem])
    form = tracking_form(profile) if profile.model.tracking_form else None
    summary = summary_document(profile, attachments(profile, policy, redline=redline))
    if packet:
        labels = [packet_label(profile, i) for i in range(2)]
        item = agenda_label(profile)
        title = (f"{plain(policy.info.jurisdiction)} \u2014 Council Packet"
                 f"{f', {item}' if item else ''}: {policy.info.title}")
        # The packet goes to the meeting that acts on the policy: there it is proposed,
        # whatever the policy's own files say.
        proposed = policy if policy_status(profile) == "proposed" else \
            with_status(policy, profile, "proposed")
        parts = [PacketPart(f"{SUMMARY_STEM}.pdf", summary.info.title, summary),
                 PacketPart(f"{stem}.pdf", f"{attachment_name(0)}: {policy.info.title}", proposed,
                            labels[0], own=None if proposed is policy else policy)]
        if form is not None:
            parts.append(PacketPart(f"{FORM_STEM}.pdf", f"{attachment_name(1)}: {form.title}",
                                    form, labels[1]))
        if redline is not None:  # an amendment's packet shows the council what changes
            marked = redline.mark(profile, proposed, "proposed")
            index = len(parts) - 1
            parts.append(PacketPart(f"{stem}-redline.pdf",
                                    f"{attachment_name(index)}: {redline.title}", marked,
                                    packet_label(profile, index)))
        work = [(partial(_the_rest, policy, stem, summary, form, others, others), others),
                (partial(write_packet_files, parts, PACKET_NAME, title, own=bool(pdf)), ("packet",))]
    else:
        work = [(partial(_the_rest, policy, stem, summary, form, others, formats), formats),
                (partial(document_files, policy, stem, pdf), pdf)]
    return _run(work, workers, [stem, FORM_STEM, SUMMARY_STEM])


def _run(work: list[tuple[partial[dict[str, bytes]], tuple[str, ...]]], workers: Workers,
         stems: list[str]) -> dict[str, bytes]:
    """Run the pieces that have something to make."""
    tasks = [task for task, made in work if made]
    return _in_order(workers.run_all(tasks), stems)


def _the_rest(policy: Document, stem: str, summary: Document, form: TrackingForm | None,
              policy_formats: tuple[Format, ...], formats: tuple[Format, ...]) -> dict[str, bytes]:
    files = document_files(policy, stem, policy_formats) | document_files(summary, SUMMARY_STEM,
                                                                          formats)
    return files | (form_files(form, FORM_STEM, formats) if form is not None else {})


def _in_order(parts: list[dict[str, bytes]], stems: list[str]) -> dict[str, bytes]:
    """The files of every part, document by document, each in the writers' order."""
    files = {name: data for part in parts for name, data in part.items()}

    def key(name: str) -> tuple[int, int]:
        base, _, ext = name.rpartition(".")
        return ((stems.index(base) if base in stems else len(stems)),
                FORMATS.index(ext) if ext in FORMATS else len(FORMATS))

    return {name: files[name] for name in sorted(files, key=key)}


REDLINE_TITLE = "Redline of the Policy against the Model"
"""The name among a packet's attachments of the redline against the model."""
AMENDMENT_TITLE = "Redline of the Policy against the Policy in Force"
"""... and of the redline against the adopted version (an amendment's)."""


@dataclass(frozen=True, slots=True)
class RedlineBase:
    """The text a redline marks the city's policy against."""

    base: Document | None
    """The base text; None for the model with the city's values at the policy's status."""
    against: str
    """The base text, named for the redline's title block."""
    title: str
    """The redline's name among a packet's attachments."""

    def mark(self, profile: Profile, policy: Document, status: Status) -> Document:
        """``policy`` (built at ``status``) marked with its differences from the base
        (see :mod:`smpgen.redline`), the city the author of every change."""
        from .redline import redline

        base = self.base or policy_document(profile, customized=False, status=status)
        return redline(base, policy, author=plain(policy.info.jurisdiction),
                       date=profile.date, against=self.against)


MODEL_BASE = RedlineBase(None, "the model with the City's values", REDLINE_TITLE)


def redline_base(profile: Profile, against: str, templates: Path | None) -> RedlineBase:
    """The base ``against`` names: ``model`` (the model with the city's values, at the
    release the city is on), ``adopted`` (the latest version of the policy adopted, kept by
    :mod:`smpgen.adopted`), or another release of the model (``0.2.0``) with the city's
    values."""
    from .profile import load_profile

    if against == "model":
        return MODEL_BASE
    if against == "adopted":
        from .adopted import load_latest

        kept, adopted = load_latest(profile.path, templates)
        return RedlineBase(policy_document(adopted),
                           f"the policy adopted {long_date(kept.adopted)}", AMENDMENT_TITLE)
    other = load_profile(profile.path, templates=templates, model_version=against)
    return RedlineBase(policy_document(other, customized=False,
                                       status=policy_status(profile)),
                       f"release {against} of the model with the City's values",
                       f"Redline of the Policy against Release {against} of the Model")


def attachments(profile: Profile, policy: Document, *,
                redline: RedlineBase | None = None) -> list[str]:
    """The item's attachments, lettered: those the packet carries behind the summary (as
    its bookmarks name them), then the council's own (``council.attachments``)."""
    names = [policy.info.title]
    if profile.model.tracking_form:
        names.append("Removed Comment Tracking Form")
    if redline is not None:
        names.append(redline.title)
    names += profile.values["council"]["attachments"]
    return [f"{attachment_name(i)}: {name}" for i, name in enumerate(names)]


def attachment_name(index: int) -> str:
    """``Attachment A`` for the first attachment, ``Attachment B`` for the second, ..."""
    return f"Attachment {chr(ord('A') + index)}"


def packet_label(profile: Profile, index: int) -> str:
    """The footer label of attachment ``index``'s pages, e.g. ``Agenda item 6.e. |
    Attachment A``."""
    agenda = agenda_label(profile)
    return f"{agenda} | {attachment_name(index)}" if agenda else attachment_name(index)


def packet_files(profile: Profile, *, redline: RedlineBase | None = None) -> dict[str, bytes]:
    """The council packet alone: summary, then the policy and the blank form (and with
    ``redline`` the policy's redline against that base) as attachments, every page footed
    with the agenda number."""
    return city_files(profile, "council", (), packet=True, redline=redline)
